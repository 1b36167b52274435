//! The StableHLO lowering of `gather` and the `scatter` family, with JAX's handling of the
//! index modes: StableHLO's gather clamps starts into range and its scatter drops
//! out-of-range windows, so `FillOrDrop` gathers mask with the fill value afterwards and
//! `Clip` scatters clamp their indices first.

use super::eval::fill_for;
use super::{complement, Dims, GatherScatterMode, GatherScatterOp, ScatterKind};
use crate::array::{DType, ShapeDtype};
use crate::jaxpr::stablehlo::{i64_array, int_list, LoweringContext, LoweringError, Value};

fn dims(d: &Dims) -> String {
    int_list(d.iter().map(|&a| a as i64))
}

/// `name = [..]` for a non-empty list (the attribute parser wants empty ones left out).
fn field(name: &str, d: &Dims) -> Option<String> {
    (!d.is_empty()).then(|| format!("{name} = {}", dims(d)))
}

fn bool_aval(shape: &[usize]) -> ShapeDtype {
    ShapeDtype::new(shape.to_vec(), DType::Bool)
}

/// Compares `a` and `b` elementwise (signed integers).
fn compare(cx: &mut LoweringContext, dir: &str, a: &Value, b: &Value) -> Value {
    let kind = if a.aval.dtype.is_signed_integer() {
        "SIGNED"
    } else {
        "UNSIGNED"
    };
    cx.op(
        "stablehlo.compare",
        &[a, b],
        &format!(
            "comparison_direction = #stablehlo<comparison_direction {dir}>, \
             compare_type = #stablehlo<comparison_type {kind}>"
        ),
        &bool_aval(&a.aval.shape),
    )
}

/// A `[k]` vector constant of the indices' dtype broadcast along the indices' last axis.
fn along_index_vector(cx: &mut LoweringContext, indices: &Value, values: &[i64]) -> Value {
    let d = indices.aval.dtype;
    let n = values.len();
    let text = values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let vector = cx.op(
        "stablehlo.constant",
        &[],
        &format!(
            "value = dense<[{text}]> : tensor<{n}x{}>",
            crate::jaxpr::stablehlo::element_type(d)
        ),
        &ShapeDtype::new(vec![n], d),
    );
    let last = indices.aval.shape.ndim() - 1;
    cx.op(
        "stablehlo.broadcast_in_dim",
        &[&vector],
        &format!("broadcast_dimensions = array<i64: {last}>"),
        &indices.aval,
    )
}

pub(super) fn lower(
    op: &GatherScatterOp,
    cx: &mut LoweringContext,
    args: &[Value],
    out: &[ShapeDtype],
) -> Result<Vec<Value>, LoweringError> {
    let operand = &args[0];
    let indices = &args[1];
    let index_vector_dim = indices.aval.shape.ndim() - 1;
    let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
    match op {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes,
            mode,
            fill_value,
        } => {
            let fields: Vec<String> = [
                field("offset_dims", &dn.offset_dims),
                field("collapsed_slice_dims", &dn.collapsed_slice_dims),
                field("operand_batching_dims", &dn.operand_batching_dims),
                field(
                    "start_indices_batching_dims",
                    &dn.start_indices_batching_dims,
                ),
                field("start_index_map", &dn.start_index_map),
                Some(format!("index_vector_dim = {index_vector_dim}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let attrs = format!(
                "dimension_numbers = #stablehlo.gather<{}>, indices_are_sorted = false, \
                 slice_sizes = {}",
                fields.join(", "),
                i64_array(slice_sizes.iter().map(|&s| s as i64))
            );
            let gathered = cx.op("stablehlo.gather", &[operand, indices], &attrs, &out);
            if *mode != GatherScatterMode::FillOrDrop {
                return Ok(vec![gathered]);
            }
            // In bounds where every start index fits its window: 0 <= i <= dim - size.
            let upper: Vec<i64> = dn
                .start_index_map
                .iter()
                .map(|&a| operand.aval.shape[a] as i64 - slice_sizes[a] as i64)
                .collect();
            let upper = along_index_vector(cx, indices, &upper);
            let zero = cx.int_scalar(indices.aval.dtype, 0);
            let zero = cx.broadcast_to(&zero, &indices.aval.shape);
            let above = compare(cx, "GE", indices, &zero);
            let below = compare(cx, "LE", indices, &upper);
            let ok = cx.op("stablehlo.and", &[&above, &below], "", &above.aval);
            let truth = cx.int_scalar(DType::Bool, 1);
            let batch_shape: Vec<usize> = indices.aval.shape[..index_vector_dim].to_vec();
            let region = cx.region(&[bool_aval(&[]), bool_aval(&[])], |cx, p| {
                Ok(vec![cx.op(
                    "stablehlo.and",
                    &[&p[0], &p[1]],
                    "",
                    &bool_aval(&[]),
                )])
            })?;
            let all_ok = cx
                .op_with_regions(
                    "stablehlo.reduce",
                    &[&ok, &truth],
                    &[region],
                    &format!("dimensions = array<i64: {index_vector_dim}>"),
                    &[bool_aval(&batch_shape)],
                )
                .remove(0);
            let batch_axes = complement(out.shape.ndim(), &dn.offset_dims, &[]);
            let mask = cx.op(
                "stablehlo.broadcast_in_dim",
                &[&all_ok],
                &format!(
                    "broadcast_dimensions = {}",
                    i64_array(batch_axes.iter().map(|&a| a as i64))
                ),
                &bool_aval(&out.shape),
            );
            let fill = cx.scalar(out.dtype, fill_for(out.dtype, *fill_value));
            let fill = cx.broadcast_to(&fill, &out.shape);
            Ok(vec![cx.op(
                "stablehlo.select",
                &[&mask, &gathered, &fill],
                "",
                &out,
            )])
        }
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers: dn,
            mode,
        } => {
            let updates = &args[2];
            let indices = if *mode == GatherScatterMode::Clip {
                // Clamp each start so its window fits: 0 <= i <= dim - window size.
                let window_operand_axes = complement(
                    operand.aval.shape.ndim(),
                    &dn.inserted_window_dims,
                    &dn.operand_batching_dims,
                );
                let mut window = vec![1i64; operand.aval.shape.ndim()];
                for (&a, &u) in window_operand_axes.iter().zip(&dn.update_window_dims) {
                    window[a] = updates.aval.shape[u] as i64;
                }
                let upper: Vec<i64> = dn
                    .scatter_dims_to_operand_dims
                    .iter()
                    .map(|&a| operand.aval.shape[a] as i64 - window[a])
                    .collect();
                let upper = along_index_vector(cx, indices, &upper);
                let zero = cx.int_scalar(indices.aval.dtype, 0);
                let zero = cx.broadcast_to(&zero, &indices.aval.shape);
                cx.op(
                    "stablehlo.clamp",
                    &[&zero, indices, &upper],
                    "",
                    &indices.aval,
                )
            } else {
                indices.clone()
            };
            let fields: Vec<String> = [
                field("update_window_dims", &dn.update_window_dims),
                field("inserted_window_dims", &dn.inserted_window_dims),
                field("input_batching_dims", &dn.operand_batching_dims),
                field(
                    "scatter_indices_batching_dims",
                    &dn.scatter_indices_batching_dims,
                ),
                field(
                    "scatter_dims_to_operand_dims",
                    &dn.scatter_dims_to_operand_dims,
                ),
                Some(format!("index_vector_dim = {index_vector_dim}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let attrs = format!(
                "indices_are_sorted = false, scatter_dimension_numbers = \
                 #stablehlo.scatter<{}>, unique_indices = false",
                fields.join(", ")
            );
            let scalar = ShapeDtype::new(Vec::<usize>::new(), out.dtype);
            let combine = match kind {
                ScatterKind::Set => None,
                ScatterKind::Add => Some("stablehlo.add"),
                ScatterKind::Mul => Some("stablehlo.multiply"),
                ScatterKind::Min => Some("stablehlo.minimum"),
                ScatterKind::Max => Some("stablehlo.maximum"),
            };
            let region = cx.region(&[scalar.clone(), scalar.clone()], |cx, p| {
                Ok(vec![match combine {
                    None => p[1].clone(),
                    Some(name) => cx.op(name, &[&p[0], &p[1]], "", &scalar),
                }])
            })?;
            Ok(cx.op_with_regions(
                "stablehlo.scatter",
                &[operand, &indices, updates],
                &[region],
                &attrs,
                &[out],
            ))
        }
    }
}
