//! numpy indexing: `x.index(s![...])` (basic and integer-array indexing), functional updates
//! `x.at(s![...]).set(v)` / `.add(v)` / ..., `take` and `take_along_axis`.
//!
//! An index is a list of [`Index`] entries, one per axis (fewer entries leave the trailing axes
//! whole), written most easily with the [`s!`](crate::s) macro:
//!
//! | numpy            | Rust                                   |
//! |------------------|----------------------------------------|
//! | `x[1]`, `x[-1]`  | `x.index(s![1])`, `x.index(s![-1])`    |
//! | `x[1:3]`, `x[:]` | `x.index(s![1..3])`, `x.index(s![..])` |
//! | `x[::-2]`        | `x.index(s![..;-2])`                   |
//! | `x[1:5:2]`       | `x.index(s![1..5;2])`                  |
//! | `x[None]`        | `x.index(s![NEWAXIS])`                 |
//! | `x[..., 0]`      | `x.index(s![..., 0])`                  |
//! | `x[i]` (array)   | `x.index(s![&i])`                      |
//!
//! Semantics follow `jax.numpy`: negative integers count from the end; integer arrays follow
//! numpy's advanced-indexing rules (their broadcast shape replaces the indexed axes, in place
//! when the advanced indices are adjacent, first otherwise). Out-of-range indices do not panic:
//! reads clamp (JAX's default `promise_in_bounds`), `at(...)` updates drop them, and `take` /
//! `take_along_axis` fill (NaN for floats); [`At::mode`] picks another behaviour.
//! Boolean masks are not supported (their result shape depends on the data; use
//! [`where_`](super::where_)).
//!
//! ```
//! use equinox_core::{numpy as jnp, s, Array};
//! let x = jnp::arange(12).reshape([3, 4]);
//! assert_eq!(x.index(s![1, 1..;2]).to_vec::<i32>(), vec![5, 7]);
//! let rows = Array::from_vec(vec![2i32, 0], [2]);
//! assert_eq!(x.index(s![&rows, -1]).to_vec::<i32>(), vec![11, 3]);
//! let y = jnp::zeros([3]).at(s![&Array::from_vec(vec![0i32, 0, 2], [3])]).add(1.0);
//! assert_eq!(y.to_vec::<f32>(), vec![2.0, 0.0, 1.0]);
//! ```

use super::ops::Scalar;
use super::promotion::{
    broadcast_to_shape, check_broadcastable, common_shape, convert, promote_dtypes,
};
use crate::array::{normalize_axis, Array, DType, Element, Shape};
use crate::lax;
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::gather_scatter::{
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers,
};
use crate::prims::layout::LayoutOp;
use crate::prims::ops::normalize_index_array;
use std::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};

/// One entry of a numpy index. Build it with `From` (`0`, `-1`, `1..3`, `..`, `&array`) or
/// with the [`s!`](crate::s) macro.
#[derive(Clone, Debug)]
pub enum Index {
    /// A single position (negative counts from the end); removes the axis.
    Int(i64),
    /// `start:stop:step` with numpy's rules (missing bounds are the ends; negative values
    /// count from the end; a negative step walks backwards).
    Slice {
        /// First position (`None`: the start, or the end for a negative step).
        start: Option<i64>,
        /// One past the last position (`None`: through the end in the step's direction).
        stop: Option<i64>,
        /// The step; nonzero (`None` means 1).
        step: Option<i64>,
    },
    /// `None` / `np.newaxis`: inserts a size-1 axis.
    NewAxis,
    /// `...`: as many whole axes as needed.
    Ellipsis,
    /// An integer array (advanced indexing). A 0-d array acts like [`Index::Int`] with a
    /// run-time value.
    Array(Array),
}

/// `np.newaxis`, for use in [`s!`](crate::s).
pub const NEWAXIS: Index = Index::NewAxis;

impl Index {
    /// The whole axis (`:`).
    pub fn full() -> Index {
        Index::Slice {
            start: None,
            stop: None,
            step: None,
        }
    }

    /// This slice with step `step` (`a..b;step` in [`s!`](crate::s)). Panics for a non-slice.
    pub fn step(self, step: i64) -> Index {
        match self {
            Index::Slice { start, stop, .. } => Index::Slice {
                start,
                stop,
                step: Some(step),
            },
            other => panic!("index: a step applies only to a range, got {other:?}"),
        }
    }
}

macro_rules! index_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Index {
            fn from(i: $t) -> Index {
                Index::Int(i as i64)
            }
        }
        impl From<Range<$t>> for Index {
            fn from(r: Range<$t>) -> Index {
                Index::Slice { start: Some(r.start as i64), stop: Some(r.end as i64), step: None }
            }
        }
        impl From<RangeFrom<$t>> for Index {
            fn from(r: RangeFrom<$t>) -> Index {
                Index::Slice { start: Some(r.start as i64), stop: None, step: None }
            }
        }
        impl From<RangeTo<$t>> for Index {
            fn from(r: RangeTo<$t>) -> Index {
                Index::Slice { start: None, stop: Some(r.end as i64), step: None }
            }
        }
        impl From<RangeInclusive<$t>> for Index {
            fn from(r: RangeInclusive<$t>) -> Index {
                // Saturating: `a..=i64::MAX` stops at i64::MAX, which clamps to the axis end.
                let stop = (*r.end() as i64).saturating_add(1);
                // `a..=-1` means "through the last element": numpy has no stop for that.
                let stop = if stop == 0 { None } else { Some(stop) };
                Index::Slice { start: Some(*r.start() as i64), stop, step: None }
            }
        }
        impl From<RangeToInclusive<$t>> for Index {
            fn from(r: RangeToInclusive<$t>) -> Index {
                let stop = (r.end as i64).saturating_add(1);
                Index::Slice { start: None, stop: if stop == 0 { None } else { Some(stop) }, step: None }
            }
        }
    )*};
}
index_from_int!(i32, i64, isize, usize);

impl From<RangeFull> for Index {
    fn from(_: RangeFull) -> Index {
        Index::full()
    }
}
impl From<Array> for Index {
    fn from(a: Array) -> Index {
        Index::Array(a)
    }
}
impl From<&Array> for Index {
    fn from(a: &Array) -> Index {
        Index::Array(a.clone())
    }
}

/// Builds a `Vec<Index>` for [`Array::index`] and [`Array::at`], like numpy's `np.s_`:
/// integers, ranges (`1..3`, `..`, `2..`), ranges with a step (`..;-1`, `1..8;2`), `...`,
/// [`NEWAXIS`](crate::numpy::NEWAXIS) and integer arrays (`&idx`).
///
/// ```
/// use equinox_core::{numpy as jnp, numpy::NEWAXIS, s};
/// let x = jnp::arange(24).reshape([2, 3, 4]);
/// assert_eq!(x.index(s![.., 1..;2, ..;-1]).shape(), &[2, 1, 4]);
/// assert_eq!(x.index(s![NEWAXIS, ..., 0]).shape(), &[1, 2, 3]);
/// ```
#[macro_export]
macro_rules! s {
    (@acc [$($done:expr,)*]) => { ::std::vec![$($done,)*] };
    (@acc [$($done:expr,)*] ... $(, $($rest:tt)*)?) => {
        $crate::s!(@acc [$($done,)* $crate::numpy::Index::Ellipsis,] $($($rest)*)?)
    };
    (@acc [$($done:expr,)*] $r:expr ; $step:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@acc [$($done,)* $crate::numpy::Index::from($r).step($step),] $($($rest)*)?)
    };
    (@acc [$($done:expr,)*] $r:expr $(, $($rest:tt)*)?) => {
        $crate::s!(@acc [$($done,)* $crate::numpy::Index::from($r),] $($($rest)*)?)
    };
    ($($t:tt)*) => { $crate::s!(@acc [] $($t)*) };
}

/// An axis size as an i64 for index arithmetic. An empty array may have an axis longer than
/// `i64::MAX` (`[2^63 + 1, 0]`); saturating keeps `k + d` from overflowing, and such an axis
/// holds no elements to select anyway.
fn axis_len(d: usize) -> i64 {
    i64::try_from(d).unwrap_or(i64::MAX)
}

/// Python's `slice.indices` for an axis of size `d`, as `(start, step, size)`.
fn canonicalize_slice(
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
    d: i64,
) -> (i64, i64, usize) {
    let step = step.unwrap_or(1);
    if step == 0 {
        panic!("index: slice step cannot be zero");
    }
    let (lo, hi) = if step > 0 { (0, d) } else { (-1, d - 1) };
    let clamp = |i: i64| if i < 0 { (i + d).max(lo) } else { i.min(hi) };
    let start = start.map_or(if step > 0 { 0 } else { d - 1 }, clamp);
    let stop = stop.map_or(if step > 0 { d } else { -1 }, clamp);
    // The span walked is at most `d`, but the step may be any i64: dividing by its magnitude
    // (rather than adding the step to the span, or negating it) cannot overflow.
    let span = if step > 0 { stop - start } else { start - stop };
    let size = if span <= 0 {
        0
    } else {
        (span as u64 - 1) / step.unsigned_abs() + 1
    };
    (start, step, size as usize)
}

/// The index with its `...` replaced by whole-axis slices and whole slices appended for the
/// axes it leaves out; also whether its advanced entries (integers and arrays) are adjacent.
fn expand(idx: &[Index], shape: &[usize]) -> (Vec<Index>, bool) {
    let advanced: Vec<usize> = idx
        .iter()
        .enumerate()
        .filter(|(_, i)| matches!(i, Index::Int(_) | Index::Array(_)))
        .map(|(p, _)| p)
        .collect();
    let contiguous = advanced.windows(2).all(|w| w[1] == w[0] + 1);
    let consumed = idx
        .iter()
        .filter(|i| !matches!(i, Index::NewAxis | Index::Ellipsis))
        .count();
    if consumed > shape.len() {
        panic!(
            "index: too many indices ({consumed}) for an array of shape {}",
            Shape::new(shape)
        );
    }
    if idx.iter().filter(|i| matches!(i, Index::Ellipsis)).count() > 1 {
        panic!("index: an index can only have a single ellipsis ('...')");
    }
    let fill = shape.len() - consumed;
    let mut out = Vec::with_capacity(idx.len() + fill);
    let mut saw_ellipsis = false;
    for i in idx {
        match i {
            Index::Ellipsis => {
                saw_ellipsis = true;
                out.extend((0..fill).map(|_| Index::full()));
            }
            Index::Array(a) if a.dtype().is_bool() => panic!(
                "index: boolean mask {} indices are not supported (the result shape would depend \
                 on the data); use where_ instead",
                a.aval()
            ),
            Index::Array(a) if !a.dtype().is_integer() => panic!(
                "index: index arrays must have an integer dtype, got {}",
                a.aval()
            ),
            other => out.push(other.clone()),
        }
    }
    if !saw_ellipsis {
        out.extend((0..fill).map(|_| Index::full()));
    }
    (out, contiguous)
}

/// `x[idx]` for indices without arrays: `slice`, `rev`, `squeeze` and `expand_dims`.
fn static_index(x: &Array, idx: &[Index]) -> Array {
    let nd = x.ndim();
    let (mut start, mut limit, mut strides) = (vec![0; nd], x.shape().to_vec(), vec![1; nd]);
    let (mut rev, mut squeeze, mut newaxis) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ax, mut out_ax) = (0usize, 0usize);
    for i in idx {
        let d = axis_len(x.shape().get(ax).copied().unwrap_or(0));
        match i {
            Index::Int(k) => {
                if d == 0 {
                    panic!("index: index {k} is out of bounds for axis {ax} with size 0");
                }
                // JAX's default mode for reads: negative counts from the end, then clamp.
                let k = (if *k < 0 { k + d } else { *k }).clamp(0, d - 1) as usize;
                start[ax] = k;
                limit[ax] = k + 1;
                squeeze.push(ax);
                ax += 1;
            }
            Index::Slice {
                start: a,
                stop: b,
                step: c,
            } => {
                let (s, step, size) = canonicalize_slice(*a, *b, *c, d);
                if size == 0 {
                    (start[ax], limit[ax]) = (0, 0);
                } else if step > 0 {
                    start[ax] = s as usize;
                    limit[ax] = (s + (size as i64 - 1) * step + 1) as usize;
                    strides[ax] = step as usize;
                } else {
                    // Slice the same elements forwards, then reverse them.
                    let first = s + (size as i64 - 1) * step;
                    start[ax] = first as usize;
                    limit[ax] = s as usize + 1;
                    // `unsigned_abs`: `-step` overflows for i64::MIN (a one-element slice).
                    strides[ax] = step.unsigned_abs() as usize;
                    rev.push(ax);
                }
                ax += 1;
                out_ax += 1;
            }
            Index::NewAxis => {
                newaxis.push(out_ax);
                out_ax += 1;
            }
            Index::Ellipsis | Index::Array(_) => unreachable!("expanded before"),
        }
    }
    let mut y =
        if start.iter().all(|&s| s == 0) && limit == x.shape() && strides.iter().all(|&s| s == 1) {
            x.clone()
        } else {
            lax::slice(x, &start, &limit, Some(&strides))
        };
    if !rev.is_empty() {
        y = bind1(
            LayoutOp::Rev {
                dimensions: rev.into(),
            },
            &[&y],
        );
    }
    if !squeeze.is_empty() {
        y = bind1(
            LayoutOp::Squeeze {
                dimensions: squeeze.into(),
            },
            &[&y],
        );
    }
    if !newaxis.is_empty() {
        y = bind1(
            LayoutOp::ExpandDims {
                dimensions: newaxis.into(),
            },
            &[&y],
        );
    }
    y
}

/// A numpy index lowered to one gather (JAX's `_GatherIndexer`).
struct GatherIndexer {
    /// The shape of `x[idx]`.
    slice_shape: Vec<usize>,
    /// Axes of `x[idx]` that come from `NEWAXIS`.
    newaxis_dims: Vec<usize>,
    /// The gather's `slice_sizes`.
    gather_slice_shape: Vec<usize>,
    dnums: GatherDimensionNumbers,
    /// int32 start indices with the index vector last; `None` when nothing is indexed.
    gather_indices: Option<Array>,
}

/// An integer index for an axis of size `d` as the gather's int32 start index: negative
/// counts from the end, and values beyond the int32 range saturate (still out of range, so they
/// clamp or drop as the mode says) instead of wrapping to an unrelated in-range position.
fn int_index(k: i64, d: usize) -> i32 {
    let k = if k < 0 { k + axis_len(d) } else { k };
    k.clamp(i32::MIN.into(), i32::MAX.into()) as i32
}

/// Port of `jax._src.numpy.indexing._index_to_gather`. With `indices` false only the shapes
/// are computed (no gather indices are built: an update into an empty operand needs just the
/// indexed shape, which may be huge).
fn index_to_gather(shape: &[usize], raw: &[Index], indices: bool) -> GatherIndexer {
    let (idx, contiguous) = expand(raw, shape);
    let is_advanced = idx
        .iter()
        .any(|i| matches!(i, Index::Array(a) if a.ndim() > 0));
    // The advanced entries: (normalised int32 array, position in idx, axis of x).
    let mut advanced: Vec<(Array, usize, usize)> = Vec::new();
    if is_advanced {
        let mut x_axis = 0;
        for (p, i) in idx.iter().enumerate() {
            match i {
                Index::Int(k) => {
                    advanced.push((Array::scalar(int_index(*k, shape[x_axis])), p, x_axis));
                }
                Index::Array(a) => {
                    advanced.push((normalize_index_array(a, shape[x_axis]), p, x_axis))
                }
                _ => {}
            }
            if !matches!(i, Index::NewAxis) {
                x_axis += 1;
            }
        }
    }
    let adv_positions: Vec<usize> = advanced.iter().map(|a| a.1).collect();
    let (mut x_axis, mut y_axis, mut collapsed_y_axis) = (0usize, 0usize, 0usize);
    let mut offset_dims = Vec::new();
    let mut collapsed = Vec::new();
    let mut start_index_map = Vec::new();
    let mut gather_indices: Vec<(Array, usize)> = Vec::new();
    let mut gather_indices_shape: Vec<usize> = Vec::new();
    let mut slice_shape = Vec::new();
    let mut newaxis_dims = Vec::new();
    let mut gather_slice_shape = Vec::new();
    // Strided slices: (slot in gather_indices, start, step, size).
    let mut strided: Vec<(usize, i64, i64, usize)> = Vec::new();
    for (p, index) in idx.iter().enumerate() {
        if !advanced.is_empty()
            && ((contiguous && p == adv_positions[0]) || (!contiguous && p == 0))
        {
            let refs: Vec<&Array> = advanced.iter().map(|a| &a.0).collect();
            let bshape = common_shape(&refs, "index");
            let start_dim = gather_indices_shape.len();
            for (a, _, ax) in &advanced {
                gather_indices.push((broadcast_to_shape(a, &bshape, "index"), start_dim));
                start_index_map.push(*ax);
                collapsed.push(*ax);
            }
            gather_indices_shape.extend(bshape.iter());
            slice_shape.extend(bshape.iter());
            y_axis += bshape.ndim();
            collapsed_y_axis += bshape.ndim();
        }
        if adv_positions.contains(&p) {
            x_axis += 1;
            gather_slice_shape.push(1);
            continue;
        }
        match index {
            Index::Int(_) | Index::Array(_) => {
                let d = shape[x_axis];
                if d == 0 {
                    panic!("index: index is out of bounds for axis {x_axis} with size 0");
                }
                let i = match index {
                    Index::Int(k) => Array::scalar(int_index(*k, d)),
                    Index::Array(a) => normalize_index_array(a, d),
                    _ => unreachable!(),
                };
                gather_indices.push((i, gather_indices_shape.len()));
                collapsed.push(x_axis);
                gather_slice_shape.push(1);
                start_index_map.push(x_axis);
                x_axis += 1;
            }
            Index::NewAxis => {
                slice_shape.push(1);
                newaxis_dims.push(y_axis);
                y_axis += 1;
            }
            Index::Slice { start, stop, step } => {
                let d = shape[x_axis];
                let (s, step, size) = canonicalize_slice(*start, *stop, *step, axis_len(d));
                slice_shape.push(size);
                if step == 1 {
                    if size != d {
                        gather_indices.push((Array::scalar(s as i32), gather_indices_shape.len()));
                        start_index_map.push(x_axis);
                    }
                    gather_slice_shape.push(size);
                    offset_dims.push(collapsed_y_axis);
                } else {
                    // Positions start, start + step, ...: a strided gather along this axis,
                    // built after the loop (and only if the result has elements).
                    strided.push((gather_indices.len(), s, step, size));
                    gather_slice_shape.push(1);
                    gather_indices.push((Array::scalar(0i32), gather_indices_shape.len()));
                    start_index_map.push(x_axis);
                    gather_indices_shape.push(size);
                    collapsed.push(x_axis);
                }
                collapsed_y_axis += 1;
                y_axis += 1;
                x_axis += 1;
            }
            Index::Ellipsis => unreachable!("expanded before"),
        }
    }
    // An empty result reads nothing, and both callers return before using the indices: build
    // none, as an empty operand's other axes may be huge (`x[::2]` of a [2^40, 0] array would
    // otherwise materialise 2^39 positions).
    if !indices || slice_shape.contains(&0) {
        gather_indices.clear();
    }
    for &(slot, start, step, size) in &strided {
        if let Some(entry) = gather_indices.get_mut(slot) {
            let iota = lax::iota(DType::I32, size);
            let scaled = bind1(BinaryOp::Mul, &[&iota, &Array::scalar(step as i32)]);
            entry.0 = bind1(BinaryOp::Add, &[&scaled, &Array::scalar(start as i32)]);
        }
    }
    let gather_indices = match gather_indices.len() {
        0 => None,
        1 => {
            let g = &gather_indices[0].0;
            Some(bind1(
                LayoutOp::ExpandDims {
                    dimensions: [g.ndim()].into_iter().collect(),
                },
                &[g],
            ))
        }
        _ => {
            let last = gather_indices_shape.len();
            let mut full = gather_indices_shape.clone();
            full.push(1);
            let parts: Vec<Array> = gather_indices
                .iter()
                .map(|(g, i)| {
                    bind1(
                        LayoutOp::BroadcastInDim {
                            shape: Shape::new(&full),
                            broadcast_dimensions: (*i..*i + g.ndim()).collect(),
                        },
                        &[g],
                    )
                })
                .collect();
            let refs: Vec<&Array> = parts.iter().collect();
            Some(lax::concatenate(&refs, last))
        }
    };
    collapsed.sort_unstable();
    GatherIndexer {
        slice_shape,
        newaxis_dims,
        gather_slice_shape,
        dnums: GatherDimensionNumbers {
            offset_dims: offset_dims.into(),
            collapsed_slice_dims: collapsed.into(),
            start_index_map: start_index_map.into(),
            ..Default::default()
        },
        gather_indices,
    }
}

/// `x[idx]` through a gather.
fn gather_index(x: &Array, idx: &[Index], mode: GatherScatterMode, fill: Option<f64>) -> Array {
    let g = index_to_gather(x.shape(), idx, true);
    if g.slice_shape.contains(&0) {
        return super::creation::zeros_dtype(g.slice_shape, x.dtype());
    }
    let mut y = match &g.gather_indices {
        Some(gi) => lax::gather(x, gi, g.dnums.clone(), &g.gather_slice_shape, mode, fill),
        None => x.clone(),
    };
    if !g.newaxis_dims.is_empty() {
        y = bind1(
            LayoutOp::ExpandDims {
                dimensions: g.newaxis_dims.iter().copied().collect(),
            },
            &[&y],
        );
    }
    y
}

/// `x[idx]` with JAX's default read semantics (out-of-range indices clamp).
pub fn index(x: &Array, idx: &[Index]) -> Array {
    let (expanded, _) = expand(idx, x.shape());
    if expanded.iter().any(|i| matches!(i, Index::Array(_))) {
        gather_index(x, idx, GatherScatterMode::PromiseInBounds, None)
    } else {
        static_index(x, &expanded)
    }
}

/// Values for [`At`] updates: arrays, or Rust scalars (weakly typed, so they take `x`'s dtype).
pub trait UpdateValue {
    /// The value as an array.
    fn into_array(self) -> Array;
}
impl UpdateValue for Array {
    fn into_array(self) -> Array {
        self
    }
}
impl UpdateValue for &Array {
    fn into_array(self) -> Array {
        self.clone()
    }
}
impl<S: Scalar> UpdateValue for S {
    fn into_array(self) -> Array {
        Array::weak_scalar(self)
    }
}

/// A functional indexed update or read, `x.at[idx]` in JAX: made by [`Array::at`].
///
/// Updates return a new array; `x` is unchanged. Duplicate indices accumulate for `add`,
/// `mul`, `min` and `max`; for `set` the last one wins. By default updates drop out-of-range
/// indices and [`At::get`] clamps them; [`At::mode`] changes this.
///
/// ```
/// use equinox_core::{numpy as jnp, s, Array};
/// let x = jnp::zeros([2, 3]);
/// let y = x.at(s![.., 1]).set(5.0);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 5.0, 0.0, 0.0, 5.0, 0.0]);
/// let i = Array::from_vec(vec![1i32, 1], [2]);
/// let z = x.at(s![0, &i]).add(&Array::from_vec(vec![1.0f32, 2.0], [2]));
/// assert_eq!(z.to_vec::<f32>(), vec![0.0, 3.0, 0.0, 0.0, 0.0, 0.0]);
/// ```
#[derive(Clone, Debug)]
pub struct At<'a> {
    x: &'a Array,
    idx: Vec<Index>,
    mode: Option<GatherScatterMode>,
    fill_value: Option<f64>,
}

impl At<'_> {
    /// Sets the out-of-range behaviour (`mode=` in JAX).
    pub fn mode(mut self, mode: GatherScatterMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Sets the value [`At::get`] returns for out-of-range indices under
    /// [`GatherScatterMode::FillOrDrop`] (default: NaN for floats, the minimum for signed
    /// integers, the maximum for unsigned ones, `true` for bool).
    pub fn fill_value(mut self, v: f64) -> Self {
        self.fill_value = Some(v);
        self
    }

    /// `x[idx]` (`x.at[idx].get()`).
    pub fn get(&self) -> Array {
        match self.mode {
            None => index(self.x, &self.idx),
            Some(m) => gather_index(self.x, &self.idx, m, self.fill_value),
        }
    }

    fn update(
        &self,
        kind: impl Fn(&Array, &Array, &Array, ScatterDimensionNumbers, GatherScatterMode) -> Array,
        y: Array,
    ) -> Array {
        let x = self.x;
        let g = index_to_gather(x.shape(), &self.idx, x.size() != 0);
        if g.slice_shape.contains(&0) {
            return x.clone();
        }
        if x.size() == 0 {
            // Nothing to write into. The indexed shape can still be huge (`[2^40, k]` from a
            // `[2^40, 0]` operand in a filling mode), so the update is checked, not broadcast.
            check_broadcastable(&y, &Shape::new(&g.slice_shape), "at");
            return x.clone();
        }
        let p = promote_dtypes(&[x, &y]);
        let mut y = broadcast_to_shape(&p[1], &Shape::new(&g.slice_shape), "at");
        if !g.newaxis_dims.is_empty() {
            y = bind1(
                LayoutOp::Squeeze {
                    dimensions: g.newaxis_dims.iter().copied().collect(),
                },
                &[&y],
            );
        }
        let dnums = ScatterDimensionNumbers {
            update_window_dims: g.dnums.offset_dims,
            inserted_window_dims: g.dnums.collapsed_slice_dims,
            scatter_dims_to_operand_dims: g.dnums.start_index_map,
            ..Default::default()
        };
        let indices = g
            .gather_indices
            .unwrap_or_else(|| Array::from_vec(Vec::<i32>::new(), [0]));
        let mode = self.mode.unwrap_or(GatherScatterMode::FillOrDrop);
        let out = kind(&p[0], &indices, &y, dnums, mode);
        convert(&out, x.dtype(), x.weak_type())
    }

    /// `x.at[idx].set(y)`: `x` with `y` (broadcast to `x[idx]`'s shape) written at `idx`.
    pub fn set(&self, y: impl UpdateValue) -> Array {
        self.update(lax::scatter, y.into_array())
    }
    /// `x.at[idx].add(y)`: adds `y` at `idx`; repeated indices add repeatedly.
    pub fn add(&self, y: impl UpdateValue) -> Array {
        self.update(lax::scatter_add, y.into_array())
    }
    /// `x.at[idx].subtract(y)`: adds `-y` at `idx`.
    pub fn subtract(&self, y: impl UpdateValue) -> Array {
        self.add(super::math::negative(&y.into_array()))
    }
    /// `x.at[idx].multiply(y)`: multiplies by `y` at `idx`.
    pub fn mul(&self, y: impl UpdateValue) -> Array {
        self.update(lax::scatter_mul, y.into_array())
    }
    /// `x.at[idx].min(y)`: elementwise minimum with `y` at `idx`.
    pub fn min(&self, y: impl UpdateValue) -> Array {
        self.update(lax::scatter_min, y.into_array())
    }
    /// `x.at[idx].max(y)`: elementwise maximum with `y` at `idx`.
    pub fn max(&self, y: impl UpdateValue) -> Array {
        self.update(lax::scatter_max, y.into_array())
    }
    /// `x.at[idx].apply(func)`: the elementwise `func` applied at `idx`; an index repeated `k`
    /// times gets it `k` times, as in JAX ([`lax::scatter_apply`]).
    ///
    /// ```
    /// use equinox_core::{numpy as jnp, s, Array};
    /// let x = jnp::arange(4.0);
    /// let i = Array::from_vec(vec![1i32, 1, 3], [3]);
    /// let y = x.at(s![&i]).apply(|v| v * 10.0);
    /// assert_eq!(y.to_vec::<f32>(), vec![0.0, 100.0, 2.0, 30.0]);
    /// ```
    pub fn apply(&self, func: impl Fn(&Array) -> Array) -> Array {
        // Only the shape of the update matters; zeros of `x`'s dtype keep it unpromoted.
        let zero = lax::convert_element_type(&Array::scalar(0i32), self.x.dtype());
        self.update(
            |x, indices, updates, dn, mode| {
                lax::scatter_apply(x, indices, &func, dn, updates.shape(), mode)
            },
            zero,
        )
    }
}

/// `jnp.take(x, indices, axis)`: elements along `axis` (of the flattened array for `None`) at
/// `indices`; the result has `indices`' shape in place of that axis. Negative indices count
/// from the end; out-of-range ones give the fill value (NaN for floats), as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(6.0).reshape([2, 3]);
/// let i = Array::from_vec(vec![2i32, 0], [2]);
/// assert_eq!(jnp::take(&x, &i, Some(1)).to_vec::<f32>(), vec![2.0, 0.0, 5.0, 3.0]);
/// ```
pub fn take(x: &Array, indices: &Array, axis: Option<isize>) -> Array {
    take_mode(x, indices, axis, GatherScatterMode::FillOrDrop, None)
}

/// [`take`] with an explicit out-of-range `mode` and fill value (for
/// [`GatherScatterMode::FillOrDrop`]; `None` is the dtype's default).
pub fn take_mode(
    x: &Array,
    indices: &Array,
    axis: Option<isize>,
    mode: GatherScatterMode,
    fill_value: Option<f64>,
) -> Array {
    if !indices.dtype().is_integer() {
        panic!("take: indices must be integers, got {}", indices.aval());
    }
    let (a, axis) = match axis {
        None => (super::manipulation::ravel(x), 0),
        Some(ax) => (x.clone(), normalize_axis(ax, x.ndim(), "take")),
    };
    crate::prims::ops::take(&a, indices, axis, mode, fill_value)
}

/// `jnp.take_along_axis(x, indices, axis)`: `out[..., i, ...] = x[..., indices[..., i, ...],
/// ...]` along `axis`, with `x` and `indices` broadcast against each other on the other axes.
/// Out-of-range indices give the fill value (NaN for floats).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![5, 3, 4, 2, 7, 6], [2, 3]);
/// let i = Array::from_vec(vec![1, 2, 0, 0, 2, 1], [2, 3]);
/// assert_eq!(jnp::take_along_axis(&x, &i, 1).to_vec::<i32>(), vec![3, 4, 5, 2, 6, 7]);
/// ```
pub fn take_along_axis(x: &Array, indices: &Array, axis: isize) -> Array {
    if !indices.dtype().is_integer() {
        panic!(
            "take_along_axis: indices must be integers, got {}",
            indices.aval()
        );
    }
    let rank = x.ndim();
    if indices.ndim() != rank {
        panic!(
            "take_along_axis: indices and arr must have the same number of dimensions; {} vs. {} \
             (indices {}, arr {})",
            indices.ndim(),
            rank,
            indices.aval(),
            x.aval()
        );
    }
    let axis = normalize_axis(axis, rank, "take_along_axis");
    crate::prims::ops::take_along_axis(x, indices, axis)
}

impl Array {
    /// `x[idx]`: numpy basic and integer-array indexing (see [`Index`] and
    /// [`s!`](crate::s)). Out-of-range indices clamp, as in JAX.
    pub fn index(&self, idx: impl AsRef<[Index]>) -> Array {
        index(self, idx.as_ref())
    }

    /// `x.at[idx]`: functional updates (`set`, `add`, `mul`, `min`, `max`) and reads.
    pub fn at(&self, idx: impl Into<Vec<Index>>) -> At<'_> {
        At {
            x: self,
            idx: idx.into(),
            mode: None,
            fill_value: None,
        }
    }

    /// `jnp.take(x, indices, axis)`.
    pub fn take(&self, indices: &Array, axis: Option<isize>) -> Array {
        take(self, indices, axis)
    }

    /// `jnp.take_along_axis(x, indices, axis)`.
    pub fn take_along_axis(&self, indices: &Array, axis: isize) -> Array {
        take_along_axis(self, indices, axis)
    }
}

impl<T: Element> From<&[T]> for Index {
    /// An integer index array from a slice of integers (`&[0, 2][..]`).
    fn from(v: &[T]) -> Index {
        if !T::DTYPE.is_integer() {
            panic!(
                "index: index arrays must have an integer dtype, got {}",
                T::DTYPE
            );
        }
        Index::Array(Array::from_slice(v, [v.len()]))
    }
}
