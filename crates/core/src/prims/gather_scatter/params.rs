//! The parameters of `gather` and the `scatter` family as `make_jaxpr` prints them.

use super::{Dims, GatherScatterMode, GatherScatterOp};
use crate::prims::rules;

/// [`crate::prims::PrimitiveRule::params`] of `prim`, in JAX's order.
pub(super) fn params(prim: &GatherScatterOp) -> Vec<(&'static str, String)> {
    let t = |d: &Dims| rules::py_tuple(d);
    let mode_str = |m: &GatherScatterMode| {
        match m {
            GatherScatterMode::Clip => "GatherScatterMode.CLIP",
            GatherScatterMode::FillOrDrop => "GatherScatterMode.FILL_OR_DROP",
            GatherScatterMode::PromiseInBounds => "GatherScatterMode.PROMISE_IN_BOUNDS",
        }
        .to_string()
    };
    match prim {
        GatherScatterOp::Gather {
            dimension_numbers: dn,
            slice_sizes,
            mode,
            fill_value,
        } => vec![
            (
                "dimension_numbers",
                format!(
                    "GatherDimensionNumbers(offset_dims={}, collapsed_slice_dims={}, \
                     start_index_map={}, operand_batching_dims={}, \
                     start_indices_batching_dims={})",
                    t(&dn.offset_dims),
                    t(&dn.collapsed_slice_dims),
                    t(&dn.start_index_map),
                    t(&dn.operand_batching_dims),
                    t(&dn.start_indices_batching_dims)
                ),
            ),
            (
                "fill_value",
                fill_value.map_or("None".into(), |f| py_number(f.get())),
            ),
            ("indices_are_sorted", "False".into()),
            ("mode", mode_str(mode)),
            ("slice_sizes", t(slice_sizes)),
            ("unique_indices", "False".into()),
        ],
        GatherScatterOp::Scatter {
            dimension_numbers: dn,
            mode,
            ..
        } => vec![
            (
                "dimension_numbers",
                format!(
                    "ScatterDimensionNumbers(update_window_dims={}, inserted_window_dims={}, \
                     scatter_dims_to_operand_dims={}, operand_batching_dims={}, \
                     scatter_indices_batching_dims={})",
                    t(&dn.update_window_dims),
                    t(&dn.inserted_window_dims),
                    t(&dn.scatter_dims_to_operand_dims),
                    t(&dn.operand_batching_dims),
                    t(&dn.scatter_indices_batching_dims)
                ),
            ),
            ("indices_are_sorted", "False".into()),
            ("mode", mode_str(mode)),
            ("unique_indices", "False".into()),
            ("update_consts", "()".into()),
            ("update_jaxpr", "None".into()),
        ],
    }
}

/// A number as Python prints it in a parameter: `0`, `-1`, `0.5`, `nan`.
fn py_number(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        format!("{v}")
    }
}
