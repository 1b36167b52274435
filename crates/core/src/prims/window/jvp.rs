//! The JVP rule of the windowed primitives: the tangent of max and min pooling is the
//! tangent at each window's chosen element.

use super::{SelectAndGatherAdd, WindowOp, WindowReduceKind};
use crate::array::Array;
use crate::prims::{bind1, rules};

/// [`crate::prims::PrimitiveRule::jvp`] of `prim`.
pub(super) fn jvp(
    prim: &WindowOp,
    primals: &[&Array],
    tangents: &[Option<&Array>],
) -> (Vec<Array>, Vec<Option<Array>>) {
    match prim {
        WindowOp::ReduceWindow {
            kind: WindowReduceKind::Sum,
            ..
        } => rules::linear_jvp(prim.clone(), primals, tangents),
        WindowOp::ReduceWindow {
            kind,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        } => {
            // The tangent at each window's chosen element (JAX's
            // `_reduce_window_chooser_jvp_rule`); the minimum is the maximum of -x.
            let out = bind1(prim.clone(), primals);
            let t = tangents[0].map(|t| {
                let x = if *kind == WindowReduceKind::Min {
                    -primals[0]
                } else {
                    primals[0].clone()
                };
                let gather = SelectAndGatherAdd {
                    window_dimensions: window_dimensions.clone(),
                    window_strides: window_strides.clone(),
                    padding: padding.clone(),
                    base_dilation: base_dilation.clone(),
                    window_dilation: window_dilation.clone(),
                };
                bind1(WindowOp::SelectAndGatherAdd(gather), &[t, &x])
            });
            (vec![out], vec![t])
        }
        // Linear in the first operand; piecewise constant in the operand that selects.
        WindowOp::SelectAndScatterAdd { .. } | WindowOp::SelectAndGatherAdd(_) => {
            let out = bind1(prim.clone(), primals);
            let t = tangents[0].map(|t| bind1(prim.clone(), &[t, primals[1]]));
            (vec![out], vec![t])
        }
    }
}
