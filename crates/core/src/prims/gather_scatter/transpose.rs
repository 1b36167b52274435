//! The transpose rule of `gather` and the `scatter` family: gather and scatter-add are each
//! other's transposes.

use super::{
    inverse_gather, Dims, FillValue, GatherDimensionNumbers, GatherScatterMode, GatherScatterOp,
    ScatterDimensionNumbers, ScatterKind,
};
use crate::array::Array;
use crate::prims::{bind1, rules, LinearArg, PrimitiveRule};

/// [`PrimitiveRule::transpose`] of `prim`, linear in the operand (and the updates); never in
/// the indices.
pub(super) fn transpose(
    prim: &GatherScatterOp,
    cts: &[Option<&Array>],
    args: &[LinearArg],
) -> Vec<Option<Array>> {
    let ct = cts[0].expect("one output");
    if args[1].is_linear() {
        rules::not_linear(&format!("{} in its indices", prim.name()));
    }
    let indices = args[1].known(prim.name());
    match prim {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            mode,
            ..
        } => {
            let LinearArg::Linear(operand) = args[0] else {
                return vec![None, None];
            };
            let zeros = rules::zeros(operand);
            let scatter = GatherScatterOp::Scatter {
                kind: ScatterKind::Add,
                dimension_numbers: ScatterDimensionNumbers {
                    update_window_dims: dn.offset_dims.clone(),
                    inserted_window_dims: dn.collapsed_slice_dims.clone(),
                    scatter_dims_to_operand_dims: dn.start_index_map.clone(),
                    operand_batching_dims: dn.operand_batching_dims.clone(),
                    scatter_indices_batching_dims: dn.start_indices_batching_dims.clone(),
                },
                mode: *mode,
            };
            vec![Some(bind1(scatter, &[&zeros, indices, ct])), None]
        }
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers: dn,
            mode,
        } => {
            let (op_lin, up_lin) = (args[0].is_linear(), args[2].is_linear());
            let updates_shape = &args[2].aval().shape;
            match kind {
                ScatterKind::Add => {
                    let operand_t = op_lin.then(|| ct.clone());
                    let update_t = up_lin.then(|| {
                        let (gdn, sizes) = inverse_gather(dn, ct.shape(), updates_shape);
                        gather_with(ct, indices, gdn, sizes, *mode)
                    });
                    vec![operand_t, None, update_t]
                }
                ScatterKind::Mul => {
                    if up_lin {
                        panic!(
                            "scatter-mul: gradients with respect to the updates are only implemented if `unique_indices=True` (as in JAX)"
                        );
                    }
                    let updates = args[2].known("scatter-mul");
                    let operand_t = op_lin.then(|| bind1(prim.clone(), &[ct, indices, updates]));
                    vec![operand_t, None, None]
                }
                ScatterKind::Set => panic!(
                    "scatter transpose is only implemented where unique_indices=True (as in JAX); differentiate scatter through its JVP rule (grad, vjp), which uses scatter-add"
                ),
                ScatterKind::Min | ScatterKind::Max => rules::not_linear(prim.name()),
            }
        }
    }
}

/// `gather` with fill value 0 (under `FillOrDrop`).
fn gather_with(
    x: &Array,
    indices: &Array,
    dn: GatherDimensionNumbers,
    sizes: Dims,
    mode: GatherScatterMode,
) -> Array {
    bind1(
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes: sizes,
            mode,
            fill_value: (mode == GatherScatterMode::FillOrDrop).then(|| FillValue::new(0.0)),
        },
        &[x, indices],
    )
}
