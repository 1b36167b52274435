//! `concatenate`: joins operands along one axis. Its transpose slices the cotangent back into
//! the operands' pieces.

use super::slice::slice_in_dim;
use super::SlicingOp;
use crate::array::{Array, ArrayElement, Shape, ShapeDtype, Storage};
use crate::prims::{bind1, describe, rules, LinearArg};

/// The shape rule: the operands' shape with their sizes along axis `d` added; weak if every
/// operand is.
pub(super) fn abstract_eval(d: usize, args: &[&ShapeDtype]) -> (Shape, bool) {
    let x = args[0];
    let nd = x.ndim();
    let shapes = || {
        args.iter()
            .map(|a| a.shape.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // JAX's `_concatenate_shape_rule`, sentence by sentence.
    let problem = if args.iter().any(|a| a.ndim() != nd) {
        Some(format!(
            "Cannot concatenate arrays with different numbers of dimensions: got {}",
            shapes()
        ))
    } else if d >= nd {
        Some(format!(
            "concatenate dimension out of bounds: dimension {d} for shapes {}",
            shapes()
        ))
    } else if args
        .iter()
        .any(|a| (0..nd).any(|i| i != d && a.shape[i] != x.shape[i]))
    {
        Some(format!(
            "Cannot concatenate arrays with shapes that differ in dimensions other \
             than the one being concatenated: concatenating along dimension {d} for \
             shapes {}",
            shapes()
        ))
    } else if args.iter().any(|a| a.dtype != x.dtype) {
        let dtypes: Vec<&str> = args.iter().map(|a| a.dtype.name()).collect();
        Some(format!(
            "Cannot concatenate arrays with different dtypes: got {}",
            dtypes.join(", ")
        ))
    } else {
        None
    };
    if let Some(problem) = problem {
        panic!(
            "concatenate: operands must share dtype, rank and every size except \
             along dimension {d}: {problem}; operands {}",
            describe(args)
        );
    }
    let mut shape = x.shape.clone();
    shape[d] = args.iter().map(|a| a.shape[d]).sum();
    (shape, args.iter().all(|a| a.weak_type))
}

/// The kernel: for each block of the axes before `d`, the operands' blocks in order.
pub(super) fn eval(d: usize, args: &[&Array], out_aval: &ShapeDtype) -> Storage {
    let x = args[0];
    let outer: usize = out_aval.shape[..d].iter().product();
    let inner: usize = out_aval.shape[d + 1..].iter().product();
    crate::with_dtype!(x.dtype(), T => {
        let parts: Vec<&[T]> = args.iter().map(|a| a.as_slice::<T>()).collect();
        let mut v = Vec::with_capacity(out_aval.size());
        for o in 0..outer {
            for (p, a) in parts.iter().zip(args) {
                let block = a.shape()[d] * inner;
                v.extend_from_slice(&p[o * block..(o + 1) * block]);
            }
        }
        T::into_storage(v)
    })
}

/// The transpose: each linear operand's piece of `ct`.
pub(super) fn transpose(dimension: usize, ct: &Array, args: &[LinearArg]) -> Vec<Option<Array>> {
    let mut out: Vec<Option<Array>> = vec![None; args.len()];
    let mut offset = 0;
    for (i, a) in args.iter().enumerate() {
        let size = a.aval().shape[dimension];
        if a.is_linear() {
            out[i] = Some(slice_in_dim(ct, offset, offset + size, 1, dimension));
        }
        offset += size;
    }
    out
}

/// vmap: operands batched along one shared axis join along the shifted `dimension`; otherwise
/// every batch axis moves to the front.
pub(super) fn batch(
    dimension: usize,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Array, usize) {
    let shared = dims[0].filter(|_| dims.iter().all(|d| *d == dims[0]));
    if let Some(b) = shared {
        let d = if dimension >= b {
            dimension + 1
        } else {
            dimension
        };
        (bind1(SlicingOp::Concatenate { dimension: d }, args), b)
    } else {
        let moved: Vec<Array> = args
            .iter()
            .zip(dims)
            .map(|(a, d)| rules::bdim_to_front(a, *d, axis_size))
            .collect();
        let refs: Vec<&Array> = moved.iter().collect();
        let op = SlicingOp::Concatenate {
            dimension: dimension + 1,
        };
        (bind1(op, &refs), 0)
    }
}
