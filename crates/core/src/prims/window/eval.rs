//! The eval rule of the windowed primitives: the parameters laid out for the
//! [`super::kernels`], and the dispatch on the dtype.

use super::kernels::{reduce_window, select_and_gather, select_and_scatter, Pass, ScatterGeometry};
use super::WindowOp;
use crate::array::{Array, ArrayElement, DType, FloatElement, ShapeDtype};
use crate::prims::PrimitiveRule;
use num_traits::WrappingAdd;

/// [`PrimitiveRule::eval`] of `prim`.
pub(super) fn eval(prim: &WindowOp, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
    let storage = match prim {
        WindowOp::ReduceWindow {
            kind,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        } => {
            let x = args[0];
            let passes: Vec<Pass> = (0..x.ndim())
                .map(|d| Pass {
                    window: window_dimensions[d],
                    stride: window_strides[d],
                    lo: padding[d].0,
                    base_dilation: base_dilation[d],
                    window_dilation: window_dilation[d],
                    out: out[0].shape[d],
                })
                .collect();
            reduce_window(*kind, x, &passes)
        }
        WindowOp::SelectAndScatterAdd {
            window_dimensions,
            window_strides,
            padding,
        } => {
            let (source, operand) = (args[0], args[1]);
            let g = ScatterGeometry {
                shape: operand.shape(),
                grid: source.shape(),
                window: window_dimensions,
                strides: window_strides,
                padding,
            };
            crate::with_float_dtype!(operand.dtype(), T => {
                let acc = select_and_scatter(source.as_slice::<T>(), operand.as_slice::<T>(), &g, 0f64, |a, s: T| a + s.to_f64());
                T::into_storage(acc.into_iter().map(|a| if T::DTYPE == DType::F64 { T::from_f64(a) } else { T::from_f32(a as f32) }).collect())
            }, _ => crate::with_int_dtype!(operand.dtype(), T => {
                T::into_storage(select_and_scatter(source.as_slice::<T>(), operand.as_slice::<T>(), &g, <T as crate::ArrayElement>::zero(), |a: T, s: T| WrappingAdd::wrapping_add(&a, &s)))
            }, _ => unreachable!("abstract_eval rejects bool")))
        }
        WindowOp::SelectAndGatherAdd(p) => {
            let (tangents, operand) = (args[0], args[1]);
            let passes: Vec<Pass> = (0..operand.ndim())
                .map(|d| Pass {
                    window: p.window_dimensions[d],
                    stride: p.window_strides[d],
                    lo: p.padding[d].0,
                    base_dilation: p.base_dilation[d],
                    window_dilation: p.window_dilation[d],
                    out: out[0].shape[d],
                })
                .collect();
            crate::with_real_dtype!(operand.dtype(), T => T::into_storage(select_and_gather(
                tangents.as_slice::<T>(),
                operand.as_slice::<T>(),
                operand.shape(),
                &passes,
            )), _ => crate::prims::complex_unsupported(prim.name(), operand.dtype()))
        }
    };
    vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
}
