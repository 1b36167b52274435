//! The shape rule of the windowed primitives: the window grid's shape, after checking the
//! window parameters against the operand.

use super::{WindowOp, WindowReduceKind};
use crate::array::{Shape, ShapeDtype};
use crate::prims::conv::{dilate_dim, stride_dim};
use crate::prims::layout::Axes;
use crate::prims::{describe, expect_arity, PrimitiveRule};

/// Output size of each axis of a windowed reduction, as `reduce_window_shape_tuple`; panics
/// naming `op` on inconsistent parameters.
#[allow(clippy::too_many_arguments)]
fn window_shape(
    op: &str,
    shape: &[usize],
    window: &[usize],
    strides: &[usize],
    padding: &[(i64, i64)],
    base_dilation: &[usize],
    window_dilation: &[usize],
    args: &[&ShapeDtype],
) -> Shape {
    let nd = shape.len();
    if window.len() != nd
        || strides.len() != nd
        || padding.len() != nd
        || base_dilation.len() != nd
        || window_dilation.len() != nd
    {
        panic!(
            "{op}: window_dimensions {window:?}, window_strides {strides:?}, padding {padding:?}, \
             base_dilation {base_dilation:?} and window_dilation {window_dilation:?} need one \
             entry per axis of operand {}",
            describe(args)
        );
    }
    if window
        .iter()
        .chain(strides)
        .chain(base_dilation)
        .chain(window_dilation)
        .any(|&v| v == 0)
    {
        panic!(
            "{op}: window_dimensions {window:?}, window_strides {strides:?} and dilations must \
             be at least 1; operand {}",
            describe(args)
        );
    }
    Shape(
        (0..nd)
            .map(|d| {
                let padded =
                    dilate_dim(shape[d], base_dilation[d]) as i64 + padding[d].0 + padding[d].1;
                if padded < 0 {
                    panic!(
                        "{op}: negative padding {:?} is larger than axis {d} of operand {}",
                        padding[d],
                        describe(args)
                    );
                }
                let w = dilate_dim(window[d], window_dilation[d]) as i64;
                stride_dim(padded, w, strides[d] as i64)
            })
            .collect(),
    )
}

/// [`PrimitiveRule::abstract_eval`] of `prim`.
pub(super) fn abstract_eval(prim: &WindowOp, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
    match prim {
        WindowOp::ReduceWindow {
            kind,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        } => {
            expect_arity(prim.name(), args, 1);
            let x = args[0];
            if *kind == WindowReduceKind::Sum && x.dtype.is_bool() {
                panic!(
                    "reduce_window_sum: bool operands are not supported ({})",
                    describe(args)
                );
            }
            let shape = window_shape(
                prim.name(),
                &x.shape,
                window_dimensions,
                window_strides,
                padding,
                base_dilation,
                window_dilation,
                args,
            );
            vec![ShapeDtype::new(shape, x.dtype).with_weak(x.weak_type)]
        }
        WindowOp::SelectAndScatterAdd {
            window_dimensions,
            window_strides,
            padding,
        } => {
            expect_arity(prim.name(), args, 2);
            let (source, operand) = (args[0], args[1]);
            if source.dtype != operand.dtype || source.dtype.is_bool() {
                panic!(
                    "select_and_scatter_add: source and operand must have the same non-bool \
                     dtype, got {}",
                    describe(args)
                );
            }
            let ones: Axes = Axes::from_elem(1, operand.ndim());
            let windows = window_shape(
                prim.name(),
                &operand.shape,
                window_dimensions,
                window_strides,
                padding,
                &ones,
                &ones,
                args,
            );
            if windows != source.shape {
                panic!(
                    "select_and_scatter_add: source shape {} must be the window grid shape \
                     {windows} of operand {}",
                    source.shape,
                    describe(&args[1..])
                );
            }
            vec![ShapeDtype::new(operand.shape.clone(), operand.dtype).with_weak(source.weak_type)]
        }
        WindowOp::SelectAndGatherAdd(p) => {
            expect_arity(prim.name(), args, 2);
            let (tangents, operand) = (args[0], args[1]);
            if tangents.dtype != operand.dtype
                || tangents.dtype.is_bool()
                || tangents.shape != operand.shape
            {
                panic!(
                    "select_and_gather_add: tangents and operand must have the same shape and \
                     non-bool dtype, got {}",
                    describe(args)
                );
            }
            let shape = window_shape(
                prim.name(),
                &operand.shape,
                &p.window_dimensions,
                &p.window_strides,
                &p.padding,
                &p.base_dilation,
                &p.window_dilation,
                args,
            );
            vec![ShapeDtype::new(shape, operand.dtype).with_weak(tangents.weak_type)]
        }
    }
}
