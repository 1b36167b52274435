//! The transpose rule of the windowed primitives: a window sum spreads its cotangent back with
//! another window sum; `select_and_scatter_add` and `select_and_gather_add` are each other's
//! transposes.

use super::{SelectAndGatherAdd, WindowOp, WindowReduceKind};
use crate::array::{Array, Shape, ShapeDtype};
use crate::prims::conv::{dilate_dim, Padding};
use crate::prims::layout::Axes;
use crate::prims::slicing::{Sizes, SlicingOp};
use crate::prims::{bind1, rules, LinearArg, PrimitiveRule};
use num_traits::Float;

/// [`PrimitiveRule::transpose`] of `prim`.
pub(super) fn transpose(
    prim: &WindowOp,
    cts: &[Option<&Array>],
    args: &[LinearArg],
) -> Vec<Option<Array>> {
    let ct = cts[0].expect("one output");
    match prim {
        WindowOp::ReduceWindow {
            kind: WindowReduceKind::Sum,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        } => {
            // JAX's `_reduce_window_sum_transpose_rule`: spread the cotangent back with a
            // padded, stride-dilated window sum.
            let x = args[0].aval();
            let nd = x.ndim();
            let pads = vjp_lhs_padding(
                &x.shape,
                window_dimensions,
                window_strides,
                ct.shape(),
                padding,
                base_dilation,
                window_dilation,
            );
            let config = pads
                .iter()
                .zip(window_strides)
                .map(|(&(lo, hi), &s)| (lo, hi, s as i64 - 1))
                .collect();
            let zero = rules::zeros(&ShapeDtype::new(Shape::default(), ct.dtype()));
            let padded = bind1(
                SlicingOp::Pad {
                    padding_config: config,
                },
                &[ct, &zero],
            );
            let ones: Axes = Axes::from_elem(1, nd);
            let sum = WindowOp::ReduceWindow {
                kind: WindowReduceKind::Sum,
                window_dimensions: window_dimensions.clone(),
                window_strides: base_dilation.clone(),
                padding: Padding::from_elem((0, 0), nd),
                base_dilation: ones,
                window_dilation: window_dilation.clone(),
            };
            vec![Some(bind1(sum, &[&padded]))]
        }
        WindowOp::ReduceWindow { .. } => rules::not_linear(prim.name()),
        WindowOp::SelectAndScatterAdd {
            window_dimensions,
            window_strides,
            padding,
        } => {
            if args[1].is_linear() {
                rules::not_linear("select_and_scatter_add in its operand");
            }
            let operand = args[1].known(prim.name());
            let ones: Axes = Axes::from_elem(1, operand.ndim());
            let gather = SelectAndGatherAdd {
                window_dimensions: window_dimensions.clone(),
                window_strides: window_strides.clone(),
                padding: padding.clone(),
                base_dilation: ones.clone(),
                window_dilation: ones,
            };
            vec![
                Some(bind1(WindowOp::SelectAndGatherAdd(gather), &[ct, operand])),
                None,
            ]
        }
        WindowOp::SelectAndGatherAdd(p) => {
            if args[1].is_linear() {
                rules::not_linear("select_and_gather_add in its operand");
            }
            if p.window_dilation.iter().any(|&d| d != 1) {
                panic!(
                    "VJP not implemented for select_and_gather (MaxPool) with window \
                     dilation, got window_dilation={} (as in JAX)",
                    rules::py_tuple(&p.window_dilation)
                );
            }
            let mut operand = args[1].known(prim.name()).clone();
            let dilated = p.base_dilation.iter().any(|&d| d != 1);
            if dilated {
                // Put the holes of the base dilation into the operand, holding the
                // identity of max so they are never chosen.
                let lowest = crate::with_float_dtype!(operand.dtype(), T => Array::scalar(T::neg_infinity()),
                    _ => crate::with_int_dtype!(operand.dtype(), T => Array::scalar(T::MIN),
                        _ => unreachable!("abstract_eval rejects bool")));
                let config = p
                    .base_dilation
                    .iter()
                    .map(|&d| (0, 0, d as i64 - 1))
                    .collect();
                operand = bind1(
                    SlicingOp::Pad {
                        padding_config: config,
                    },
                    &[&operand, &lowest],
                );
            }
            let scatter = WindowOp::SelectAndScatterAdd {
                window_dimensions: p.window_dimensions.clone(),
                window_strides: p.window_strides.clone(),
                padding: p.padding.clone(),
            };
            let mut out = bind1(scatter, &[ct, &operand]);
            if dilated {
                out = bind1(
                    SlicingOp::Slice {
                        start_indices: Sizes::from_elem(0, out.ndim()),
                        limit_indices: out.shape().iter().copied().collect(),
                        strides: p.base_dilation.iter().copied().collect(),
                    },
                    &[&out],
                );
            }
            vec![Some(out), None]
        }
    }
}

/// The padding that turns a windowed reduction's cotangent back into its operand's shape
/// (JAX's `_conv_general_vjp_lhs_padding`).
fn vjp_lhs_padding(
    in_shape: &[usize],
    window: &[usize],
    strides: &[usize],
    out_shape: &[usize],
    padding: &[(i64, i64)],
    base_dilation: &[usize],
    window_dilation: &[usize],
) -> Vec<(i64, i64)> {
    (0..in_shape.len())
        .map(|d| {
            let lhs = dilate_dim(in_shape[d], base_dilation[d]) as i64;
            let rhs = dilate_dim(window[d], window_dilation[d]) as i64;
            let out = dilate_dim(out_shape[d], strides[d]) as i64;
            let before = rhs - padding[d].0 - 1;
            (before, lhs + rhs - 1 - out - before)
        })
        .collect()
}
