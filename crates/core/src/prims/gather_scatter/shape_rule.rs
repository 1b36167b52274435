//! The shape rule of `gather` and the `scatter` family: the checks of the indices and the
//! dimension numbers, and the output's shape.

use super::{complement, GatherScatterOp, ScatterKind};
use crate::array::{Shape, ShapeDtype};
use crate::prims::{describe, expect_arity, PrimitiveRule};

fn sorted_unique_in_range(op: &str, what: &str, dims: &[usize], bound: usize, args: &str) {
    if dims.windows(2).any(|w| w[0] >= w[1]) || dims.iter().any(|&d| d >= bound) {
        panic!("{op}: {what} {dims:?} must be sorted, distinct and < {bound}; operands {args}");
    }
}

fn unique_in_range(op: &str, what: &str, dims: &[usize], bound: usize, args: &str) {
    let mut s = dims.to_vec();
    s.sort_unstable();
    if s.windows(2).any(|w| w[0] == w[1]) || s.iter().any(|&d| d >= bound) {
        panic!("{op}: {what} {dims:?} must be distinct and < {bound}; operands {args}");
    }
}

fn disjoint(op: &str, a: (&str, &[usize]), b: (&str, &[usize]), args: &str) {
    if a.1.iter().any(|x| b.1.contains(x)) {
        panic!(
            "{op}: {} {:?} and {} {:?} must be disjoint; operands {args}",
            a.0, a.1, b.0, b.1
        );
    }
}

/// Checks the index array and the batching-dimension pairing shared by gather and scatter.
#[allow(clippy::too_many_arguments)]
fn check_indices(
    op: &str,
    operand: &ShapeDtype,
    indices: &ShapeDtype,
    index_map: (&str, &[usize]),
    operand_batching: &[usize],
    indices_batching: (&str, &[usize]),
    args: &str,
) {
    if indices.ndim() == 0 || !indices.dtype.is_integer() {
        panic!(
            "{op}: indices must be an integer array of rank >= 1 whose last axis is the index \
             vector; operands {args}"
        );
    }
    let k = indices.shape[indices.ndim() - 1];
    if index_map.1.len() != k {
        panic!(
            "{op}: {} {:?} has {} entries but the index vectors (last axis of indices) have \
             length {k}; operands {args}",
            index_map.0,
            index_map.1,
            index_map.1.len()
        );
    }
    unique_in_range(op, index_map.0, index_map.1, operand.ndim(), args);
    sorted_unique_in_range(
        op,
        "operand_batching_dims",
        operand_batching,
        operand.ndim(),
        args,
    );
    unique_in_range(
        op,
        indices_batching.0,
        indices_batching.1,
        indices.ndim() - 1,
        args,
    );
    disjoint(
        op,
        index_map,
        ("operand_batching_dims", operand_batching),
        args,
    );
    if operand_batching.len() != indices_batching.1.len()
        || operand_batching
            .iter()
            .zip(indices_batching.1)
            .any(|(&o, &i)| operand.shape[o] != indices.shape[i])
    {
        panic!(
            "{op}: operand_batching_dims {operand_batching:?} and {} {:?} must pair axes of \
             equal size; operands {args}",
            indices_batching.0, indices_batching.1
        );
    }
}

/// [`PrimitiveRule::abstract_eval`] of `prim`: checks the operands against the dimension
/// numbers and gives the output's shape and dtype.
pub(super) fn abstract_eval(prim: &GatherScatterOp, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
    let op = prim.name();
    let desc = describe(args);
    match prim {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes,
            ..
        } => {
            expect_arity(op, args, 2);
            let (x, idx) = (args[0], args[1]);
            check_indices(
                op,
                x,
                idx,
                ("start_index_map", &dn.start_index_map),
                &dn.operand_batching_dims,
                (
                    "start_indices_batching_dims",
                    &dn.start_indices_batching_dims,
                ),
                &desc,
            );
            let batch_rank = idx.ndim() - 1;
            let out_rank = batch_rank + dn.offset_dims.len();
            sorted_unique_in_range(op, "offset_dims", &dn.offset_dims, out_rank, &desc);
            sorted_unique_in_range(
                op,
                "collapsed_slice_dims",
                &dn.collapsed_slice_dims,
                x.ndim(),
                &desc,
            );
            disjoint(
                op,
                ("collapsed_slice_dims", &dn.collapsed_slice_dims),
                ("operand_batching_dims", &dn.operand_batching_dims),
                &desc,
            );
            if slice_sizes.len() != x.ndim()
                || slice_sizes.iter().zip(x.shape.iter()).any(|(s, d)| s > d)
            {
                panic!(
                    "gather: slice_sizes {slice_sizes:?} must have one entry per operand axis, \
                     each at most the operand's size; operands {desc}"
                );
            }
            if slice_sizes.len()
                != dn.offset_dims.len()
                    + dn.collapsed_slice_dims.len()
                    + dn.operand_batching_dims.len()
            {
                panic!(
                    "gather: every operand axis must be an offset, collapsed or batching axis; \
                     got offset_dims {:?}, collapsed_slice_dims {:?}, operand_batching_dims \
                     {:?} for operands {desc}",
                    dn.offset_dims, dn.collapsed_slice_dims, dn.operand_batching_dims
                );
            }
            if let Some(&d) = dn
                .collapsed_slice_dims
                .iter()
                .find(|&&d| slice_sizes[d] != 1)
            {
                panic!(
                    "gather: collapsed axis {d} must have slice size 1, got {}; operands {desc}",
                    slice_sizes[d]
                );
            }
            if let Some(&d) = dn
                .operand_batching_dims
                .iter()
                .find(|&&d| slice_sizes[d] > 1)
            {
                panic!(
                    "gather: batching axis {d} must have slice size 0 or 1, got {}; operands \
                     {desc}",
                    slice_sizes[d]
                );
            }
            let mut window = complement(
                x.ndim(),
                &dn.collapsed_slice_dims,
                &dn.operand_batching_dims,
            )
            .into_iter()
            .map(|a| slice_sizes[a]);
            let mut batch = idx.shape[..batch_rank].iter();
            let shape = (0..out_rank)
                .map(|i| {
                    if dn.offset_dims.contains(&i) {
                        window.next().expect("offset dims counted")
                    } else {
                        *batch.next().expect("batch dims counted")
                    }
                })
                .collect();
            vec![ShapeDtype {
                shape: Shape(shape),
                dtype: x.dtype,
                weak_type: x.weak_type,
            }]
        }
        GatherScatterOp::Scatter {
            dimension_numbers: dn,
            kind,
            ..
        } => {
            expect_arity(op, args, 3);
            let (x, idx, upd) = (args[0], args[1], args[2]);
            check_indices(
                op,
                x,
                idx,
                (
                    "scatter_dims_to_operand_dims",
                    &dn.scatter_dims_to_operand_dims,
                ),
                &dn.operand_batching_dims,
                (
                    "scatter_indices_batching_dims",
                    &dn.scatter_indices_batching_dims,
                ),
                &desc,
            );
            if upd.dtype != x.dtype {
                panic!("{op}: updates must have the operand's dtype; operands {desc}");
            }
            if x.dtype.is_bool() && matches!(kind, ScatterKind::Add | ScatterKind::Mul) {
                panic!("{op}: expected an integer or float operand, got {desc}");
            }
            let batch_rank = idx.ndim() - 1;
            if upd.ndim() != batch_rank + dn.update_window_dims.len() {
                panic!(
                    "{op}: updates must have rank {} (index batch axes + update_window_dims \
                     {:?}); operands {desc}",
                    batch_rank + dn.update_window_dims.len(),
                    dn.update_window_dims
                );
            }
            sorted_unique_in_range(
                op,
                "update_window_dims",
                &dn.update_window_dims,
                upd.ndim(),
                &desc,
            );
            sorted_unique_in_range(
                op,
                "inserted_window_dims",
                &dn.inserted_window_dims,
                x.ndim(),
                &desc,
            );
            disjoint(
                op,
                ("inserted_window_dims", &dn.inserted_window_dims),
                ("operand_batching_dims", &dn.operand_batching_dims),
                &desc,
            );
            let window_axes = complement(
                x.ndim(),
                &dn.inserted_window_dims,
                &dn.operand_batching_dims,
            );
            if window_axes.len() != dn.update_window_dims.len() {
                panic!(
                    "{op}: every operand axis must be a window, inserted or batching axis; got \
                     update_window_dims {:?}, inserted_window_dims {:?}, \
                     operand_batching_dims {:?} for operands {desc}",
                    dn.update_window_dims, dn.inserted_window_dims, dn.operand_batching_dims
                );
            }
            if window_axes
                .iter()
                .zip(&dn.update_window_dims)
                .any(|(&a, &u)| upd.shape[u] > x.shape[a])
            {
                panic!("{op}: update windows must fit in the operand; operands {desc}");
            }
            let update_batch: Vec<usize> = (0..upd.ndim())
                .filter(|i| !dn.update_window_dims.contains(i))
                .collect();
            if update_batch
                .iter()
                .zip(&idx.shape[..batch_rank])
                .any(|(&u, &i)| upd.shape[u] != i)
            {
                panic!(
                    "{op}: the batch axes of the updates must match the indices' shape \
                     without its last axis; operands {desc}"
                );
            }
            vec![x.clone()]
        }
    }
}
