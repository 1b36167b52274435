//! Windowed reductions: `reduce_window_max`, `reduce_window_min`, `reduce_window_sum` (pooling)
//! and `select_and_scatter_add` (the gradient of max pooling).

use super::binary::{nan_max, nan_min};
use super::conv::{dilate_dim, stride_dim, Padding};
use super::layout::Axes;
use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, DType, Element, FloatElement, Shape, ShapeDtype};
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
                    T::into_storage(select_and_scatter(source.as_slice::<T>(), operand.as_slice::<T>(), &g, <T as Element>::zero(), |a: T, s: T| WrappingAdd::wrapping_add(&a, &s)))
                }, _ => unreachable!("abstract_eval rejects bool")))
            }
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }
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
            Sum if T::DTYPE == DType::F64 => separable(v.to_vec(), shape, passes, T::zero(), |a: T, b: T| a + b),
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
            Sum => separable(v, shape, passes, <T as Element>::zero(), |a: T, b: T| WrappingAdd::wrapping_add(&a, &b)),
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
            w_idx.iter_mut().for_each(|w| *w = 0);
            let mut pick: Option<(usize, T)> = None;
            loop {
                let flat: usize = (0..nd).map(|d| lists[d][w_idx[d]] * strides[d]).sum();
                let v = operand[flat];
                pick = match pick {
                    Some((pi, pv)) if pv >= v => Some((pi, pv)),
                    _ => Some((flat, v)),
                };
                if !advance(&mut w_idx, |d| lists[d].len()) {
                    break;
                }
            }
            let (pi, _) = pick.expect("a window with a valid position");
            out[pi] = add(out[pi], s);
        }
        advance(&mut o_idx, |d| g.grid[d]);
    }
    out
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
