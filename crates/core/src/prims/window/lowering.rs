//! The StableHLO lowering of the windowed primitives, as JAX's: `reduce_window` with the
//! reduction's identity as the padding value, `select_and_scatter` choosing the first maximum
//! of each window, and `select_and_gather_add` as a reduction over (value, tangent) pairs.

use super::{WindowOp, WindowReduceKind};
use crate::array::ShapeDtype;
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
use crate::prims::conv::Padding;
use crate::prims::layout::Axes;

fn ints(a: &Axes) -> String {
    i64_array(a.iter().map(|&d| d as i64))
}

fn padding(p: &Padding) -> String {
    let rows: Vec<String> = p.iter().map(|(lo, hi)| format!("[{lo}, {hi}]")).collect();
    if rows.is_empty() {
        "dense<> : tensor<0x2xi64>".to_string()
    } else {
        format!(
            "dense<[{}]> : tensor<{}x2xi64>",
            rows.join(", "),
            rows.len()
        )
    }
}

pub(super) fn lower(
    op: &WindowOp,
    cx: &mut LoweringContext,
    args: &[Value],
    out: &[ShapeDtype],
) -> Result<Vec<Value>, LoweringError> {
    let out = ShapeDtype::new(out[0].shape.clone(), out[0].dtype);
    match op {
        WindowOp::ReduceWindow {
            kind,
            window_dimensions,
            window_strides,
            padding: pad,
            base_dilation,
            window_dilation,
        } => {
            let x = &args[0];
            let d = x.aval.dtype;
            let (combine, init) = match kind {
                WindowReduceKind::Max => ("stablehlo.maximum", cx.extreme(d, true)),
                WindowReduceKind::Min => ("stablehlo.minimum", cx.extreme(d, false)),
                WindowReduceKind::Sum => ("stablehlo.add", cx.scalar(d, 0.0)),
            };
            let region = cx.combiner(combine, d)?;
            let attrs = format!(
                "base_dilations = {}, padding = {}, window_dilations = {}, \
                 window_dimensions = {}, window_strides = {}",
                ints(base_dilation),
                padding(pad),
                ints(window_dilation),
                ints(window_dimensions),
                ints(window_strides)
            );
            Ok(cx.op_with_regions(
                "stablehlo.reduce_window",
                &[x, &init],
                &[region],
                &attrs,
                &[out],
            ))
        }
        WindowOp::SelectAndScatterAdd {
            window_dimensions,
            window_strides,
            padding: pad,
        } => {
            let (source, operand) = (&args[0], &args[1]);
            let d = operand.aval.dtype;
            let scalar = ShapeDtype::new(Vec::<usize>::new(), d);
            let select = cx.region(&[scalar.clone(), scalar.clone()], |cx, p| {
                Ok(vec![cx.compare("GE", &p[0], &p[1])])
            })?;
            let scatter = cx.combiner("stablehlo.add", d)?;
            let zero = cx.scalar(d, 0.0);
            // XLA gives the window's padded positions a value of its own choosing, which can
            // win a window; as JAX does, pad with the lowest value first so they never do, and
            // slice the padding off the result.
            if pad.iter().any(|&(l, h)| l < 0 || h < 0) {
                return Err(LoweringError::new(
                    "select_and_scatter_add",
                    format!("negative padding {pad:?}"),
                ));
            }
            let lowest = cx.extreme(d, true);
            let lo: Vec<usize> = pad.iter().map(|&(l, _)| l as usize).collect();
            let hi: Vec<usize> = pad.iter().map(|&(_, h)| h as usize).collect();
            let padded = cx.pad(operand, &lowest, &lo, &hi);
            let attrs = format!(
                "window_dimensions = {}, window_strides = {}",
                ints(window_dimensions),
                ints(window_strides)
            );
            let scattered = cx.op_with_regions(
                "stablehlo.select_and_scatter",
                &[&padded, source, &zero],
                &[select, scatter],
                &attrs,
                std::slice::from_ref(&padded.aval),
            );
            let limit: Vec<usize> = operand
                .aval
                .shape
                .iter()
                .zip(&lo)
                .map(|(&n, &l)| n + l)
                .collect();
            Ok(vec![cx.slice(&scattered[0], &lo, &limit)])
        }
        WindowOp::SelectAndGatherAdd(p) => {
            let (tangents, operand) = (&args[0], &args[1]);
            let d = operand.aval.dtype;
            let scalar = ShapeDtype::new(Vec::<usize>::new(), d);
            let region = cx.region(
                &[
                    scalar.clone(),
                    scalar.clone(),
                    scalar.clone(),
                    scalar.clone(),
                ],
                |cx, q| {
                    let (xv, xt, yv, yt) = (&q[0], &q[1], &q[2], &q[3]);
                    let pick_x = cx.compare("GE", xv, yv);
                    let v = cx.op("stablehlo.select", &[&pick_x, xv, yv], "", &scalar);
                    let t = cx.op("stablehlo.select", &[&pick_x, xt, yt], "", &scalar);
                    Ok(vec![v, t])
                },
            )?;
            let init_value = cx.extreme(d, true);
            let init_tangent = cx.scalar(d, 0.0);
            let attrs = format!(
                "base_dilations = {}, padding = {}, window_dilations = {}, \
                 window_dimensions = {}, window_strides = {}",
                ints(&p.base_dilation),
                padding(&p.padding),
                ints(&p.window_dilation),
                ints(&p.window_dimensions),
                ints(&p.window_strides)
            );
            let value_aval = ShapeDtype::new(out.shape.clone(), d);
            let outs = cx.op_with_regions(
                "stablehlo.reduce_window",
                &[operand, tangents, &init_value, &init_tangent],
                &[region],
                &attrs,
                &[value_aval, out],
            );
            Ok(vec![outs[1].clone()])
        }
    }
}
