//! Windowed reductions: `reduce_window_max`, `reduce_window_min`, `reduce_window_sum` (pooling)
//! and `select_and_scatter_add` (the gradient of max pooling).

use super::binary::{nan_max, nan_min};
use super::conv::{dilate_dim, stride_dim, Padding};
use super::layout::Axes;
use super::slicing::{Sizes, SlicingOp};
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Element, FloatElement, Shape, ShapeDtype};
use crate::backend::cpu::PARALLEL_THRESHOLD;
use num_traits::{Float, WrappingAdd};
use rayon::prelude::*;

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

impl PrimitiveRule for WindowOp {
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
        match self {
            WindowOp::ReduceWindow {
                kind,
                window_dimensions,
                window_strides,
                padding,
                base_dilation,
                window_dilation,
            } => {
                expect_arity(self.name(), args, 1);
                let x = args[0];
                if *kind == WindowReduceKind::Sum && x.dtype.is_bool() {
                    panic!(
                        "reduce_window_sum: bool operands are not supported ({})",
                        describe(args)
                    );
                }
                let shape = window_shape(
                    self.name(),
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
                expect_arity(self.name(), args, 2);
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
                    self.name(),
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
                vec![ShapeDtype::new(operand.shape.clone(), operand.dtype)
                    .with_weak(source.weak_type)]
            }
            WindowOp::SelectAndGatherAdd(p) => {
                expect_arity(self.name(), args, 2);
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
                    self.name(),
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

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let storage = match self {
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
                )), _ => super::complex_unsupported(self.name(), operand.dtype()))
            }
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match self {
            WindowOp::ReduceWindow {
                kind: WindowReduceKind::Sum,
                ..
            } => rules::linear_jvp(self.clone(), primals, tangents),
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
                let out = bind1(self.clone(), primals);
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
                let out = bind1(self.clone(), primals);
                let t = tangents[0].map(|t| bind1(self.clone(), &[t, primals[1]]));
                (vec![out], vec![t])
            }
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let ct = cts[0].expect("one output");
        match self {
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
            WindowOp::ReduceWindow { .. } => rules::not_linear(self.name()),
            WindowOp::SelectAndScatterAdd {
                window_dimensions,
                window_strides,
                padding,
            } => {
                if args[1].is_linear() {
                    rules::not_linear("select_and_scatter_add in its operand");
                }
                let operand = args[1].known(self.name());
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
                let mut operand = args[1].known(self.name()).clone();
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

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        // The mapped axis gets a window of size 1 (stride 1, no padding or dilation).
        match self {
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

/// One axis of a separable windowed reduction.
#[derive(Clone, Copy, Debug)]
struct Pass {
    window: usize,
    stride: usize,
    lo: i64,
    base_dilation: usize,
    window_dilation: usize,
    out: usize,
}

impl Pass {
    fn is_identity(&self, n: usize) -> bool {
        self.window == 1
            && self.stride == 1
            && self.lo == 0
            && self.base_dilation == 1
            && self.out == n
    }

    /// The operand index window offset `j` of output `o` reads, if it is not padding or a hole.
    #[inline]
    fn source(&self, o: usize, j: usize, n: usize) -> Option<usize> {
        let p = (o * self.stride + j * self.window_dilation) as i64 - self.lo;
        let bd = self.base_dilation as i64;
        (p >= 0 && p % bd == 0 && ((p / bd) as usize) < n).then(|| (p / bd) as usize)
    }
}

fn reduce_window(kind: WindowReduceKind, x: &Array, passes: &[Pass]) -> crate::array::Storage {
    use WindowReduceKind::*;
    let shape = x.shape();
    crate::with_float_dtype!(x.dtype(), T => {
        let v = x.as_slice::<T>();
        let out: Vec<T> = match kind {
            Max => separable(v.to_vec(), shape, passes, T::neg_infinity(), nan_max),
            Min => separable(v.to_vec(), shape, passes, T::infinity(), nan_min),
            // The 8-bit floats round every partial sum to their format, as XLA does.
            Sum if T::DTYPE == DType::F64 || T::DTYPE.is_narrow_float() => separable(v.to_vec(), shape, passes, T::zero(), |a: T, b: T| a + b),
            Sum => {
                let wide: Vec<f32> = v.iter().map(|&e| e.to_f32()).collect();
                separable(wide, shape, passes, 0f32, |a, b| a + b).into_iter().map(T::from_f32).collect()
            }
        };
        T::into_storage(out)
    }, _ => crate::with_int_dtype!(x.dtype(), T => {
        let v = x.as_slice::<T>().to_vec();
        let out: Vec<T> = match kind {
            Max => separable(v, shape, passes, T::MIN, |a: T, b: T| a.max(b)),
            Min => separable(v, shape, passes, T::MAX, |a: T, b: T| a.min(b)),
            Sum => separable(v, shape, passes, <T as crate::ArrayElement>::zero(), |a: T, b: T| WrappingAdd::wrapping_add(&a, &b)),
        };
        T::into_storage(out)
    }, _ => {
        let v = x.as_slice::<bool>().to_vec();
        let out = match kind {
            Max => separable(v, shape, passes, false, |a, b| a | b),
            Min => separable(v, shape, passes, true, |a, b| a & b),
            Sum => unreachable!("abstract_eval rejects bool sums"),
        };
        bool::into_storage(out)
    }))
}

/// Applies a rectangular windowed reduction one axis at a time: max, min and sum over a box
/// are the same reduction of per-axis reductions. Each pass combines whole rows of the axes
/// after it, so the inner loop is a contiguous, vectorisable slice operation.
fn separable<A: Copy + Send + Sync>(
    mut data: Vec<A>,
    shape: &[usize],
    passes: &[Pass],
    identity: A,
    f: impl Fn(A, A) -> A + Sync + Copy,
) -> Vec<A> {
    let mut cur: Vec<usize> = shape.to_vec();
    for (d, pass) in passes.iter().enumerate() {
        let n = cur[d];
        if pass.is_identity(n) {
            continue;
        }
        let outer: usize = cur[..d].iter().product();
        let inner: usize = cur[d + 1..].iter().product();
        let m = pass.out;
        let mut out = vec![identity; outer * m * inner];
        let block = |(dst, src): (&mut [A], &[A])| {
            for o in 0..m {
                let row = &mut dst[o * inner..(o + 1) * inner];
                for j in 0..pass.window {
                    if let Some(i) = pass.source(o, j, n) {
                        for (r, &s) in row.iter_mut().zip(&src[i * inner..(i + 1) * inner]) {
                            *r = f(*r, s);
                        }
                    }
                }
            }
        };
        if m * inner > 0 && n * inner > 0 {
            if outer * m * inner * pass.window >= PARALLEL_THRESHOLD && outer > 1 {
                out.par_chunks_mut(m * inner)
                    .zip(data.par_chunks(n * inner))
                    .for_each(block);
            } else {
                out.chunks_mut(m * inner)
                    .zip(data.chunks(n * inner))
                    .for_each(block);
            }
        }
        data = out;
        cur[d] = m;
    }
    data
}

struct ScatterGeometry<'a> {
    shape: &'a [usize],
    grid: &'a [usize],
    window: &'a [usize],
    strides: &'a [usize],
    padding: &'a [(i64, i64)],
}

/// For each window (row-major over `grid`), finds the first position holding the window's
/// maximum under `>=` (XLA's select loop: keep the current pick while `pick >= candidate`) and
/// adds the window's `source` value there.
fn select_and_scatter<T: Element, A: Copy>(
    source: &[T],
    operand: &[T],
    g: &ScatterGeometry<'_>,
    zero: A,
    add: impl Fn(A, T) -> A,
) -> Vec<A> {
    let nd = g.shape.len();
    let mut out = vec![zero; operand.len()];
    if source.is_empty() {
        return out;
    }
    let strides: Vec<usize> = (0..nd).map(|d| g.shape[d + 1..].iter().product()).collect();
    // valid[d][o]: the operand indices along axis d of window o that are not padding.
    let valid: Vec<Vec<Vec<usize>>> = (0..nd)
        .map(|d| {
            (0..g.grid[d])
                .map(|o| {
                    (0..g.window[d])
                        .filter_map(|j| {
                            let p = (o * g.strides[d] + j) as i64 - g.padding[d].0;
                            (p >= 0 && (p as usize) < g.shape[d]).then_some(p as usize)
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut o_idx = vec![0usize; nd];
    let mut w_idx = vec![0usize; nd];
    for &s in source {
        let lists: Vec<&[usize]> = (0..nd).map(|d| &valid[d][o_idx[d]][..]).collect();
        if lists.iter().all(|l| !l.is_empty()) {
            let pi = first_window_max(operand, &lists, &strides, &mut w_idx);
            out[pi] = add(out[pi], s);
        }
        advance(&mut o_idx, |d| g.grid[d]);
    }
    out
}

/// The flat position of the first maximum of `operand` over one window (XLA's select loop:
/// keep the current pick while `pick >= candidate`). `lists[d]` holds the window's non-padding
/// indices along axis d (all non-empty); `w_idx` is scratch of length `lists.len()`.
fn first_window_max<T: Element>(
    operand: &[T],
    lists: &[&[usize]],
    strides: &[usize],
    w_idx: &mut [usize],
) -> usize {
    w_idx.iter_mut().for_each(|w| *w = 0);
    let mut pick: Option<(usize, T)> = None;
    loop {
        let flat: usize = (0..lists.len())
            .map(|d| lists[d][w_idx[d]] * strides[d])
            .sum();
        let v = operand[flat];
        pick = match pick {
            Some((pi, pv)) if pv >= v => Some((pi, pv)),
            _ => Some((flat, v)),
        };
        if !advance(w_idx, |d| lists[d].len()) {
            break;
        }
    }
    pick.expect("a window with a valid position").0
}

/// Steps a row-major multi-index; false once it wraps around to all zeros.
fn advance(idx: &mut [usize], size: impl Fn(usize) -> usize) -> bool {
    for d in (0..idx.len()).rev() {
        idx[d] += 1;
        if idx[d] < size(d) {
            return true;
        }
        idx[d] = 0;
    }
    false
}

/// For each window (row-major over the output grid), the `tangents` element at the window's
/// first maximum of `operand` under `>=` (the choice [`select_and_scatter`] makes), or zero for
/// a window that covers no operand element. Positions on padding or base-dilation holes are
/// never chosen.
fn select_and_gather<T: Element>(
    tangents: &[T],
    operand: &[T],
    shape: &[usize],
    passes: &[Pass],
) -> Vec<T> {
    let nd = shape.len();
    let grid: Vec<usize> = passes.iter().map(|p| p.out).collect();
    let mut out = vec![<T as crate::ArrayElement>::zero(); grid.iter().product()];
    if out.is_empty() {
        return out;
    }
    let strides: Vec<usize> = (0..nd).map(|d| shape[d + 1..].iter().product()).collect();
    // valid[d][o]: the operand indices along axis d that window o reads.
    let valid: Vec<Vec<Vec<usize>>> = (0..nd)
        .map(|d| {
            (0..grid[d])
                .map(|o| {
                    (0..passes[d].window)
                        .filter_map(|j| passes[d].source(o, j, shape[d]))
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut o_idx = vec![0usize; nd];
    let mut w_idx = vec![0usize; nd];
    for dst in out.iter_mut() {
        let lists: Vec<&[usize]> = (0..nd).map(|d| &valid[d][o_idx[d]][..]).collect();
        if lists.iter().all(|l| !l.is_empty()) {
            *dst = tangents[first_window_max(operand, &lists, &strides, &mut w_idx)];
        }
        advance(&mut o_idx, |d| grid[d]);
    }
    out
}
