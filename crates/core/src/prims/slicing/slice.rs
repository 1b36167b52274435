//! `slice`: a strided rectangular window with static bounds. Its kernel is
//! [`super::strided_window`]; its transpose pads the cotangent back with zeros.

use super::{scalar_zero, Sizes, SlicingOp};
use crate::array::{Array, Shape, ShapeDtype};
use crate::prims::rules::py_tuple;
use crate::prims::{bind1, describe, expect_arity, LinearArg};
use smallvec::SmallVec;

/// The shape rule: `(limit - start) / stride` (rounded up) along each axis, and the operand's
/// weak type.
pub(super) fn abstract_eval(
    start_indices: &Sizes,
    limit_indices: &Sizes,
    strides: &Sizes,
    args: &[&ShapeDtype],
) -> (Shape, bool) {
    let x = args[0];
    let nd = x.ndim();
    expect_arity("slice", args, 1);
    // Spelled out only for a message: this rule also runs on every eager slice.
    let starts = || py_tuple(start_indices);
    let limits = || py_tuple(limit_indices);
    let shape = &x.shape;
    // JAX's `_slice_shape_rule`, sentence by sentence.
    let problem = if start_indices.len() != nd {
        Some(format!(
            "slice start_indices must have length equal to the number of dimensions \
             of the operand, got indices {} for operand shape {shape}",
            starts()
        ))
    } else if limit_indices.len() != nd {
        Some(format!(
            "slice limit_indices must have the same length as start_indices, got \
             start_indices {} and limit_indices {}",
            starts(),
            limits()
        ))
    } else if strides.len() != nd {
        Some(format!(
            "slice strides must have length equal to the number of dimensions of \
             the operand, got strides {} for operand shape {shape}",
            py_tuple(strides)
        ))
    } else if (0..nd).any(|i| limit_indices[i] > x.shape[i]) {
        Some(format!(
            "slice limit_indices must be less than or equal to operand shape, got \
             limit_indices {} for operand shape {shape}",
            limits()
        ))
    } else if (0..nd).any(|i| limit_indices[i] < start_indices[i]) {
        Some(format!(
            "slice limit_indices must be greater than or equal to start_indices, got \
             start_indices {} and limit_indices {}",
            starts(),
            limits()
        ))
    } else if strides.iter().any(|&st| st < 1) {
        Some(format!(
            "slice strides must be positive, got {}",
            py_tuple(strides)
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        panic!(
            "slice: invalid bounds: {problem}; operand {}",
            describe(args)
        );
    }
    let dims = (0..nd)
        .map(|i| (limit_indices[i] - start_indices[i]).div_ceil(strides[i]))
        .collect();
    (Shape(dims), x.weak_type)
}

/// The transpose: the cotangent padded back to the operand's shape.
pub(super) fn transpose(
    start_indices: &Sizes,
    strides: &Sizes,
    ct: &Array,
    args: &[LinearArg],
) -> Vec<Option<Array>> {
    let mut out: Vec<Option<Array>> = vec![None; args.len()];
    // Pad the cotangent back with zeros: `start` before, the stride gaps between,
    // and whatever the last selected element leaves after.
    let operand = args[0].aval();
    let config = (0..operand.ndim())
        .map(|i| {
            let (start, stride, d) = (start_indices[i], strides[i], ct.shape()[i]);
            let end = if d == 0 {
                start
            } else {
                start + (d - 1) * stride + 1
            };
            (
                start as i64,
                (operand.shape[i] - end) as i64,
                stride as i64 - 1,
            )
        })
        .collect();
    out[0] = Some(bind1(
        SlicingOp::Pad {
            padding_config: config,
        },
        &[ct, &scalar_zero(ct)],
    ));
    out
}

/// vmap: the batch axis is taken whole.
pub(super) fn batch(
    start_indices: &Sizes,
    limit_indices: &Sizes,
    strides: &Sizes,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
    let b = dims[0].expect("the only operand is batched");
    let (mut s, mut l, mut st) = (
        start_indices.clone(),
        limit_indices.clone(),
        strides.clone(),
    );
    s.insert(b, 0);
    l.insert(b, axis_size);
    st.insert(b, 1);
    let op = SlicingOp::Slice {
        start_indices: s,
        limit_indices: l,
        strides: st,
    };
    (bind1(op, args), b)
}

/// `v[start:limit:stride]` along `axis` (a `slice` equation).
pub(crate) fn slice_in_dim(
    v: &Array,
    start: usize,
    limit: usize,
    stride: usize,
    axis: usize,
) -> Array {
    let nd = v.ndim();
    let mut start_indices: Sizes = SmallVec::from_elem(0, nd);
    let mut limit_indices: Sizes = SmallVec::from_slice(v.shape());
    let mut strides: Sizes = SmallVec::from_elem(1, nd);
    start_indices[axis] = start;
    limit_indices[axis] = limit;
    strides[axis] = stride;
    bind1(
        SlicingOp::Slice {
            start_indices,
            limit_indices,
            strides,
        },
        &[v],
    )
}
