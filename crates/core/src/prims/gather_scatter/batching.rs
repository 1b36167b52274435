//! The batching rule of `gather` and the `scatter` family: the mapped axis becomes one more
//! window, index batch or batching axis.

use super::{Dims, GatherDimensionNumbers, GatherScatterOp, ScatterDimensionNumbers};
use crate::array::Array;
use crate::prims::{bind1, rules};

/// [`crate::prims::PrimitiveRule::batch`] of `op`.
pub(super) fn batch(
    op: &GatherScatterOp,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Vec<Array>, Vec<Option<usize>>) {
    let up = |d: &Dims| -> Dims { d.iter().map(|&a| a + 1).collect() };
    let front = |d: &Dims| -> Dims {
        let mut v: Dims = Dims::from_slice(&[0]);
        v.extend(d.iter().map(|&a| a + 1));
        v
    };
    match op {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes,
            mode,
            fill_value,
        } => {
            let (operand, indices) = (args[0], args[1]);
            let (dn, sizes, operand, indices) = match (dims[0], dims[1]) {
                (Some(od), None) => {
                    // The mapped axis is one more window axis, taken whole.
                    let operand = rules::move_axis(operand, od, 0);
                    let mut sizes = Dims::from_slice(&[axis_size]);
                    sizes.extend_from_slice(slice_sizes);
                    let dn = GatherDimensionNumbers {
                        offset_dims: front(&dn.offset_dims),
                        collapsed_slice_dims: up(&dn.collapsed_slice_dims),
                        start_index_map: up(&dn.start_index_map),
                        operand_batching_dims: up(&dn.operand_batching_dims),
                        start_indices_batching_dims: dn.start_indices_batching_dims.clone(),
                    };
                    (dn, sizes, operand, indices.clone())
                }
                (None, Some(id)) => {
                    // The mapped axis is one more index batch axis.
                    let indices = rules::move_axis(indices, id, 0);
                    let dn = GatherDimensionNumbers {
                        offset_dims: up(&dn.offset_dims),
                        start_indices_batching_dims: up(&dn.start_indices_batching_dims),
                        ..dn.clone()
                    };
                    (dn, slice_sizes.clone(), operand.clone(), indices)
                }
                (Some(od), Some(id)) => {
                    // Lane i of the indices reads lane i of the operand: a batching pair.
                    let operand = rules::move_axis(operand, od, 0);
                    let indices = rules::move_axis(indices, id, 0);
                    let mut sizes = Dims::from_slice(&[usize::from(axis_size != 0)]);
                    sizes.extend_from_slice(slice_sizes);
                    let dn = GatherDimensionNumbers {
                        offset_dims: up(&dn.offset_dims),
                        collapsed_slice_dims: up(&dn.collapsed_slice_dims),
                        start_index_map: up(&dn.start_index_map),
                        operand_batching_dims: front(&dn.operand_batching_dims),
                        start_indices_batching_dims: front(&dn.start_indices_batching_dims),
                    };
                    (dn, sizes, operand, indices)
                }
                (None, None) => {
                    unreachable!("a batching rule gets at least one batched operand")
                }
            };
            let prim = GatherScatterOp::Gather {
                dimension_numbers: dn,
                slice_sizes: sizes,
                mode: *mode,
                fill_value: *fill_value,
            };
            (vec![bind1(prim, &[&operand, &indices])], vec![Some(0)])
        }
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers: dn,
            mode,
        } => {
            let operand = rules::bdim_to_front(args[0], dims[0], axis_size);
            let updates = rules::bdim_to_front(args[2], dims[2], axis_size);
            let (dn, indices) = match dims[1] {
                None => (
                    ScatterDimensionNumbers {
                        update_window_dims: front(&dn.update_window_dims),
                        inserted_window_dims: up(&dn.inserted_window_dims),
                        scatter_dims_to_operand_dims: up(&dn.scatter_dims_to_operand_dims),
                        operand_batching_dims: up(&dn.operand_batching_dims),
                        scatter_indices_batching_dims: dn.scatter_indices_batching_dims.clone(),
                    },
                    args[1].clone(),
                ),
                Some(id) => (
                    ScatterDimensionNumbers {
                        update_window_dims: up(&dn.update_window_dims),
                        inserted_window_dims: up(&dn.inserted_window_dims),
                        scatter_dims_to_operand_dims: up(&dn.scatter_dims_to_operand_dims),
                        operand_batching_dims: front(&dn.operand_batching_dims),
                        scatter_indices_batching_dims: front(&dn.scatter_indices_batching_dims),
                    },
                    rules::move_axis(args[1], id, 0),
                ),
            };
            let prim = GatherScatterOp::Scatter {
                kind: *kind,
                dimension_numbers: dn,
                mode: *mode,
            };
            (
                vec![bind1(prim, &[&operand, &indices, &updates])],
                vec![Some(0)],
            )
        }
    }
}
