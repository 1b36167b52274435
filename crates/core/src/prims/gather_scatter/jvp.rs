//! The JVP rule of `gather` and the `scatter` family, with the tangents of the overwriting and
//! the extremal scatters.

use super::{
    inverse_gather, FillValue, GatherScatterMode, GatherScatterOp, ScatterDimensionNumbers,
    ScatterKind,
};
use crate::array::{Array, ArrayElement, DType, Shape, ShapeDtype};
use crate::prims::binary::BinaryOp;
use crate::prims::iota::IotaOp;
use crate::prims::layout::LayoutOp;
use crate::prims::ops::{eq, select};
use crate::prims::{bind1, describe, rules};

/// [`crate::prims::PrimitiveRule::jvp`] of `prim`.
pub(super) fn jvp(
    prim: &GatherScatterOp,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    match prim {
        GatherScatterOp::Gather { .. } => {
            // Linear in the operand; out-of-bounds windows are filled with a constant, so
            // their tangent is 0.
            let out = bind1(prim.clone(), primals);
            let t = tangents[0].map(|t| bind1(prim.with_zero_fill(), &[t, primals[1]]));
            (vec![out], vec![t])
        }
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers: dn,
            mode,
        } => {
            let (operand, indices, updates) = (primals[0], primals[1], primals[2]);
            let (t_op, t_up) = (tangents[0], tangents[2]);
            if t_op.is_none() && t_up.is_none() {
                return rules::zero_jvp(prim.clone(), primals);
            }
            match kind {
                ScatterKind::Add => {
                    // Linear in the operand and the updates (the indices are not tangents).
                    let out = bind1(prim.clone(), primals);
                    let t_op = rules::instantiate(t_op, operand.aval());
                    let t_up = rules::instantiate(t_up, updates.aval());
                    let t = bind1(prim.clone(), &[&t_op, indices, &t_up]);
                    (vec![out], vec![Some(t)])
                }
                ScatterKind::Mul => {
                    if t_up.is_some() {
                        panic!(
                            "scatter-mul: gradients with respect to the updates are only implemented if `unique_indices=True` (as in JAX); operands {}",
                            describe(&[operand.aval(), indices.aval(), updates.aval()])
                        );
                    }
                    let out = bind1(prim.clone(), primals);
                    let t = bind1(prim.clone(), &[t_op.expect("checked"), indices, updates]);
                    (vec![out], vec![Some(t)])
                }
                ScatterKind::Set => {
                    let out = bind1(prim.clone(), primals);
                    let t_op = rules::instantiate(t_op, operand.aval());
                    let t_up = rules::instantiate(t_up, updates.aval());
                    let t = scatter_set_tangent(dn, *mode, operand, indices, updates, &t_op, &t_up);
                    (vec![out], vec![Some(t)])
                }
                ScatterKind::Min | ScatterKind::Max => {
                    let out = bind1(prim.clone(), primals);
                    let t_op = rules::instantiate(t_op, operand.aval());
                    let t_up = rules::instantiate(t_up, updates.aval());
                    let t = scatter_extremal_tangent(
                        dn, *mode, operand, indices, updates, &out, &t_op, &t_up,
                    );
                    (vec![out], vec![Some(t)])
                }
            }
        }
    }
}

impl GatherScatterOp {
    /// This gather with fill value 0 for out-of-bounds windows (the gather of a tangent).
    fn with_zero_fill(&self) -> GatherScatterOp {
        match self {
            GatherScatterOp::Gather {
                dimension_numbers,
                slice_sizes,
                mode,
                ..
            } => GatherScatterOp::Gather {
                dimension_numbers: dimension_numbers.clone(),
                slice_sizes: slice_sizes.clone(),
                mode: *mode,
                fill_value: (*mode == GatherScatterMode::FillOrDrop).then(|| FillValue::new(0.0)),
            },
            GatherScatterOp::Scatter { .. } => self.clone(),
        }
    }
}

/// The gather mode that reads back exactly what a scatter in `mode` wrote: clamped windows
/// for `Clip`, and for the dropping modes a fill (default fill value) where windows were
/// dropped.
fn readback_mode(mode: GatherScatterMode) -> GatherScatterMode {
    match mode {
        GatherScatterMode::Clip => GatherScatterMode::Clip,
        _ => GatherScatterMode::FillOrDrop,
    }
}

fn scatter_prim(
    kind: ScatterKind,
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
) -> GatherScatterOp {
    GatherScatterOp::Scatter {
        kind,
        dimension_numbers: dn.clone(),
        mode,
    }
}

/// A 0-d array of `dtype` holding `v`.
fn scalar(v: f64, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => Array::scalar(T::from_f64(v)))
}

/// The tangent of an overwriting `scatter` (JAX's `_scatter_jvp` without `unique_indices`):
/// every update gets an id, a scatter of the ids tells which update each operand element
/// finally holds, and the tangents are masked to those winners and combined with a
/// scatter-add, which is linear and has a transpose.
fn scatter_set_tangent(
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
    operand: &Array,
    indices: &Array,
    updates: &Array,
    t_op: &Array,
    t_up: &Array,
) -> Array {
    let mut ids_shape: Vec<usize> = updates.shape().to_vec();
    for &d in &dn.update_window_dims {
        ids_shape[d] = 1;
    }
    let num_ids: usize = ids_shape.iter().product();
    let iota = bind1(
        IotaOp {
            dtype: DType::U32,
            shape: Shape::from(vec![num_ids]),
            dimension: 0,
        },
        &[],
    );
    let ids = rules::reshape(&iota, &ids_shape);
    let ids = bind1(
        LayoutOp::BroadcastInDim {
            shape: updates.aval().shape.clone(),
            broadcast_dimensions: (0..updates.ndim()).collect(),
        },
        &[&ids],
    );
    // Ids start at 1 so that 0 marks operand elements no update reached.
    let update_ids = bind1(BinaryOp::Add, &[&ids, &scalar(1.0, DType::U32)]);
    let zero_ids = rules::zeros(&ShapeDtype::new(operand.aval().shape.clone(), DType::U32));
    let scattered_ids = bind1(
        scatter_prim(ScatterKind::Set, dn, mode),
        &[&zero_ids, indices, &update_ids],
    );
    let (gdn, sizes) = inverse_gather(dn, operand.shape(), updates.shape());
    let gathered_ids = bind1(
        GatherScatterOp::Gather {
            dimension_numbers: gdn,
            slice_sizes: sizes,
            mode: readback_mode(mode),
            fill_value: None,
        },
        &[&scattered_ids, indices],
    );
    let untouched = eq(&scattered_ids, &scalar(0.0, DType::U32));
    let winners = eq(&update_ids, &gathered_ids);
    let masked_op = select(&untouched, t_op, &rules::zeros(t_op.aval()));
    let masked_up = select(&winners, t_up, &rules::zeros(t_up.aval()));
    bind1(
        scatter_prim(ScatterKind::Add, dn, mode),
        &[&masked_op, indices, &masked_up],
    )
}

/// The tangent of `scatter-min`/`scatter-max` (JAX's `_scatter_extremal_jvp`): where several
/// values (updates and the original operand element) tie for the extremum, the tangent is
/// their average.
#[allow(clippy::too_many_arguments)]
fn scatter_extremal_tangent(
    dn: &ScatterDimensionNumbers,
    mode: GatherScatterMode,
    operand: &Array,
    indices: &Array,
    updates: &Array,
    out: &Array,
    t_op: &Array,
    t_up: &Array,
) -> Array {
    let dtype = operand.dtype();
    let (gdn, sizes) = inverse_gather(dn, operand.shape(), updates.shape());
    let readback = |x: &Array| {
        bind1(
            GatherScatterOp::Gather {
                dimension_numbers: gdn.clone(),
                slice_sizes: sizes.clone(),
                mode: readback_mode(mode),
                fill_value: None,
            },
            &[x, indices],
        )
    };
    let zeros_op = rules::zeros(operand.aval());
    let zeros_up = rules::zeros(updates.aval());
    let one = scalar(1.0, dtype);
    let ones_up = rules::broadcast(&one, &updates.aval().shape);
    let add_at = |u: &Array| {
        bind1(
            scatter_prim(ScatterKind::Add, dn, mode),
            &[&zeros_op, indices, u],
        )
    };
    let initial_vals = readback(operand);
    let target_vals = readback(out);
    let successful = eq(updates, &target_vals);
    let retained = eq(&initial_vals, &target_vals);
    let num_updates = readback(&add_at(&select(&successful, &ones_up, &zeros_up)));
    let num_refs = readback(&add_at(&ones_up));
    let div = |a: &Array, b: &Array| bind1(BinaryOp::Div, &[a, b]);
    let inv_plus_one = div(&one, &bind1(BinaryOp::Add, &[&num_updates, &one]));
    let updates_normalizer = select(&retained, &inv_plus_one, &div(&one, &num_updates));
    let updates_coef = select(&successful, &updates_normalizer, &zeros_up);
    let operand_normalizer = select(&retained, &inv_plus_one, &zeros_up);
    let operand_coef = div(
        &bind1(BinaryOp::Sub, &[&operand_normalizer, &one]),
        &num_refs,
    );
    let target_tangents = readback(t_op);
    let tangent_updates = bind1(
        BinaryOp::Add,
        &[
            &bind1(BinaryOp::Mul, &[&target_tangents, &operand_coef]),
            &bind1(BinaryOp::Mul, &[t_up, &updates_coef]),
        ],
    );
    bind1(
        scatter_prim(ScatterKind::Add, dn, mode),
        &[t_op, indices, &tangent_updates],
    )
}
