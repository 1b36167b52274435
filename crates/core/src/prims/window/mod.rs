//! Windowed reductions: `reduce_window_max`, `reduce_window_min`, `reduce_window_sum` (pooling)
//! and `select_and_scatter_add` (the gradient of max pooling).

mod batching;
mod eval;
mod jvp;
mod kernels;
mod lowering;
mod shape_rule;
mod transpose;

use super::conv::Padding;
use super::layout::Axes;
use super::{rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// How a window's elements are combined.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WindowReduceKind {
    /// Maximum (NaN propagates; padding is -inf or the dtype's minimum).
    Max,
    /// Minimum (padding is +inf or the dtype's maximum).
    Min,
    /// Sum (padding is zero; f16/bf16 accumulate in f32).
    Sum,
}

/// A windowed primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum WindowOp {
    /// Reduces every window of the operand: output element `o` combines operand positions
    /// `o·stride + w·window_dilation - pad_lo` (in the base-dilated operand) for each window
    /// offset `w`; positions on padding or dilation holes contribute the identity.
    ReduceWindow {
        /// The combining operation.
        kind: WindowReduceKind,
        /// Window size along each axis.
        window_dimensions: Axes,
        /// Window step along each axis (≥ 1).
        window_strides: Axes,
        /// `(low, high)` padding of each axis (negative crops).
        padding: Padding,
        /// Operand dilation along each axis (≥ 1).
        base_dilation: Axes,
        /// Window dilation along each axis (≥ 1).
        window_dilation: Axes,
    },
    /// `select_and_scatter_add(source, operand)`: for each window of `operand` (as in
    /// `reduce_window` without dilation), adds the matching `source` element at the position
    /// of the window's first maximum (XLA's `select = ge`); other positions get zero. Padding
    /// positions are never selected.
    SelectAndScatterAdd {
        /// Window size along each axis.
        window_dimensions: Axes,
        /// Window step along each axis (≥ 1).
        window_strides: Axes,
        /// `(low, high)` padding of each axis.
        padding: Padding,
    },
    /// See [`SelectAndGatherAdd`].
    SelectAndGatherAdd(SelectAndGatherAdd),
}

/// `select_and_gather_add(tangents, operand)` (JAX's primitive of that name, with
/// `select_prim = ge`): for each window of `operand` (as in `reduce_window`), the element of
/// `tangents` at the position of the window's first maximum, or 0 for a window of padding
/// only. The tangent of `reduce_window_max`; its transpose is `select_and_scatter_add`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SelectAndGatherAdd {
    /// Window size along each axis.
    pub window_dimensions: Axes,
    /// Window step along each axis (≥ 1).
    pub window_strides: Axes,
    /// `(low, high)` padding of each axis.
    pub padding: Padding,
    /// Operand dilation along each axis (≥ 1).
    pub base_dilation: Axes,
    /// Window dilation along each axis (≥ 1).
    pub window_dilation: Axes,
}

impl PrimitiveRule for WindowOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        lowering::lower(self, cx, args, out)
    }

    fn name(&self) -> &'static str {
        match self {
            WindowOp::ReduceWindow { kind, .. } => match kind {
                WindowReduceKind::Max => "reduce_window_max",
                WindowReduceKind::Min => "reduce_window_min",
                WindowReduceKind::Sum => "reduce_window_sum",
            },
            WindowOp::SelectAndScatterAdd { .. } => "select_and_scatter_add",
            WindowOp::SelectAndGatherAdd(_) => "select_and_gather_add",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        shape_rule::abstract_eval(self, args)
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        eval::eval(self, args, out)
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        jvp::jvp(self, primals, tangents)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        transpose::transpose(self, cts, args)
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        batching::batch(self, args, dims, axis_size)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let t = |a: &Axes| rules::py_tuple(a);
        let pads = |p: &Padding| {
            let v: Vec<String> = p.iter().map(|(lo, hi)| format!("({lo}, {hi})")).collect();
            rules::py_tuple(&v)
        };
        match self {
            WindowOp::ReduceWindow {
                window_dimensions,
                window_strides,
                padding,
                base_dilation,
                window_dilation,
                ..
            } => vec![
                ("base_dilation", t(base_dilation)),
                ("padding", pads(padding)),
                ("window_dilation", t(window_dilation)),
                ("window_dimensions", t(window_dimensions)),
                ("window_strides", t(window_strides)),
            ],
            WindowOp::SelectAndScatterAdd {
                window_dimensions,
                window_strides,
                padding,
            } => vec![
                ("padding", pads(padding)),
                ("select_prim", "ge".into()),
                ("window_dimensions", t(window_dimensions)),
                ("window_strides", t(window_strides)),
            ],
            WindowOp::SelectAndGatherAdd(p) => vec![
                ("base_dilation", t(&p.base_dilation)),
                ("padding", pads(&p.padding)),
                ("select_prim", "ge".into()),
                ("window_dilation", t(&p.window_dilation)),
                ("window_dimensions", t(&p.window_dimensions)),
                ("window_strides", t(&p.window_strides)),
            ],
        }
    }
}
