//! `dynamic_slice`: a window of static size at run-time start indices, clamped so the window
//! fits. Its transpose is `dynamic_update_slice`.

use super::{
    check_start_indices, clamped_starts, stacked_indices, strided_window, zero_index, Sizes,
    SlicingOp,
};
use crate::array::{Array, Shape, ShapeDtype, Storage};
use crate::prims::gather_scatter::{GatherDimensionNumbers, GatherScatterMode, GatherScatterOp};
use crate::prims::layout::Axes;
use crate::prims::rules::py_tuple;
use crate::prims::{bind1, rules, LinearArg};
use smallvec::SmallVec;

/// The shape rule: the window's shape, and the operand's weak type.
pub(super) fn abstract_eval(slice_sizes: &Sizes, args: &[&ShapeDtype]) -> (Shape, bool) {
    let x = args[0];
    let nd = x.ndim();
    check_start_indices("dynamic_slice", args, 1, nd);
    if slice_sizes.len() != nd {
        panic!(
            "dynamic_slice: slice_sizes must have the same length as the operand's \
             rank, got slice_sizes {} for operand shape {}",
            py_tuple(slice_sizes),
            x.shape
        );
    }
    if slice_sizes.iter().zip(x.shape.iter()).any(|(s, d)| s > d) {
        panic!(
            "dynamic_slice: slice slice_sizes must be less than or equal to operand \
             shape, got slice_sizes {} for operand shape {}; operand {x}",
            py_tuple(slice_sizes),
            x.shape
        );
    }
    (Shape(slice_sizes.clone()), x.weak_type)
}

/// The kernel: the window at the clamped starts.
pub(super) fn eval(slice_sizes: &Sizes, args: &[&Array], out_aval: &ShapeDtype) -> Storage {
    let x = args[0];
    let starts = clamped_starts(&args[1..], x.shape(), slice_sizes);
    let ones: Sizes = SmallVec::from_elem(1, x.ndim());
    strided_window(x, &starts, &ones, &out_aval.shape)
}

/// The JVP: linear in the operand.
pub(super) fn jvp(
    prim: &SlicingOp,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    // Linear in the operand; the start indices are integers (no tangent).
    let Some(t) = tangents[0] else {
        return rules::zero_jvp(prim.clone(), primals);
    };
    let out = bind1(prim.clone(), primals);
    let mut args: Vec<&Array> = vec![t];
    args.extend_from_slice(&primals[1..]);
    (vec![out], vec![Some(bind1(prim.clone(), &args))])
}

/// The transpose: the cotangent written into zeros at the same starts.
pub(super) fn transpose(ct: &Array, args: &[LinearArg]) -> Vec<Option<Array>> {
    let mut out: Vec<Option<Array>> = vec![None; args.len()];
    let zeros = rules::zeros(args[0].aval());
    let mut dus_args = vec![&zeros, ct];
    dus_args.extend(args[1..].iter().map(|a| a.known("dynamic_slice")));
    out[0] = Some(bind1(SlicingOp::DynamicUpdateSlice, &dus_args));
    out
}

/// vmap of `dynamic_slice`. With unbatched starts, the batch axis is sliced whole. With
/// batched starts each lane has its own window: a `gather` (JAX's
/// `_dynamic_slice_batching_rule`), whose `Clip` mode clamps as `dynamic_slice` does.
pub(super) fn batch(
    slice_sizes: &Sizes,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
    let (x, idx) = (args[0], &args[1..]);
    let nd = idx.len();
    if dims[1..].iter().all(Option::is_none) {
        let b = dims[0].expect("the operand is batched when no index is");
        let zero = zero_index(idx);
        let mut new_args: Vec<&Array> = vec![x];
        new_args.extend_from_slice(&idx[..b]);
        new_args.push(&zero);
        new_args.extend_from_slice(&idx[b..]);
        let mut sizes = slice_sizes.clone();
        sizes.insert(b, axis_size);
        let op = SlicingOp::DynamicSlice { slice_sizes: sizes };
        return (bind1(op, &new_args), b);
    }
    let indices = stacked_indices(idx, &dims[1..], axis_size);
    let window: Axes = (1..=nd).collect();
    let (operand, dimension_numbers, sizes) = match dims[0] {
        None => (
            x.clone(),
            GatherDimensionNumbers {
                offset_dims: window,
                start_index_map: (0..nd).collect(),
                ..Default::default()
            },
            slice_sizes.clone(),
        ),
        Some(b) => {
            let mut sizes = slice_sizes.clone();
            sizes.insert(0, 1);
            (
                rules::move_axis(x, b, 0),
                GatherDimensionNumbers {
                    offset_dims: window.clone(),
                    start_index_map: window,
                    operand_batching_dims: Axes::from_slice(&[0]),
                    start_indices_batching_dims: Axes::from_slice(&[0]),
                    ..Default::default()
                },
                sizes,
            )
        }
    };
    let op = GatherScatterOp::Gather {
        dimension_numbers,
        slice_sizes: sizes,
        mode: GatherScatterMode::Clip,
        fill_value: None,
    };
    (bind1(op, &[&operand, &indices]), 0)
}
