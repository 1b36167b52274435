//! The batching rule of the windowed primitives.

use super::{SelectAndGatherAdd, WindowOp};
use crate::array::Array;
use crate::prims::conv::Padding;
use crate::prims::layout::Axes;
use crate::prims::{bind1, rules};

/// [`crate::prims::PrimitiveRule::batch`] of `op`.
pub(super) fn batch(
    op: &WindowOp,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Vec<Array>, Vec<Option<usize>>) {
    // The mapped axis gets a window of size 1 (stride 1, no padding or dilation).
    match op {
        WindowOp::ReduceWindow {
            kind,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        } => {
            let b = dims[0].expect("one batched operand");
            let prim = WindowOp::ReduceWindow {
                kind: *kind,
                window_dimensions: ins_axes(window_dimensions, b, 1),
                window_strides: ins_axes(window_strides, b, 1),
                padding: ins_pads(padding, b),
                base_dilation: ins_axes(base_dilation, b, 1),
                window_dilation: ins_axes(window_dilation, b, 1),
            };
            (vec![bind1(prim, args)], vec![Some(b)])
        }
        WindowOp::SelectAndScatterAdd {
            window_dimensions,
            window_strides,
            padding,
        } => {
            let a = rules::bdim_to_front(args[0], dims[0], axis_size);
            let o = rules::bdim_to_front(args[1], dims[1], axis_size);
            let prim = WindowOp::SelectAndScatterAdd {
                window_dimensions: ins_axes(window_dimensions, 0, 1),
                window_strides: ins_axes(window_strides, 0, 1),
                padding: ins_pads(padding, 0),
            };
            (vec![bind1(prim, &[&a, &o])], vec![Some(0)])
        }
        WindowOp::SelectAndGatherAdd(p) => {
            let a = rules::bdim_to_front(args[0], dims[0], axis_size);
            let o = rules::bdim_to_front(args[1], dims[1], axis_size);
            let prim = WindowOp::SelectAndGatherAdd(SelectAndGatherAdd {
                window_dimensions: ins_axes(&p.window_dimensions, 0, 1),
                window_strides: ins_axes(&p.window_strides, 0, 1),
                padding: ins_pads(&p.padding, 0),
                base_dilation: ins_axes(&p.base_dilation, 0, 1),
                window_dilation: ins_axes(&p.window_dilation, 0, 1),
            });
            (vec![bind1(prim, &[&a, &o])], vec![Some(0)])
        }
    }
}

/// `v` with `x` inserted at position `at`.
fn ins_axes(v: &Axes, at: usize, x: usize) -> Axes {
    let mut v = v.clone();
    v.insert(at, x);
    v
}

/// `p` with no padding inserted at axis `at`.
fn ins_pads(p: &Padding, at: usize) -> Padding {
    let mut p = p.clone();
    p.insert(at, (0, 0));
    p
}
