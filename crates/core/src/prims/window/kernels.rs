//! The CPU kernels of the windowed primitives: separable window reductions, and the first
//! maximum of each window that `select_and_scatter_add` and `select_and_gather_add` pick.

use super::WindowReduceKind;
use crate::array::{Array, ArrayElement, DType, Element, FloatElement};
use crate::backend::cpu::PARALLEL_THRESHOLD;
use crate::prims::binary::{nan_max, nan_min};
use num_traits::{Float, WrappingAdd};
use rayon::prelude::*;

/// One axis of a separable windowed reduction.
#[derive(Clone, Copy, Debug)]
pub(super) struct Pass {
    /// Window size.
    pub(super) window: usize,
    /// Window step.
    pub(super) stride: usize,
    /// Low padding (negative crops).
    pub(super) lo: i64,
    /// Operand dilation.
    pub(super) base_dilation: usize,
    /// Window dilation.
    pub(super) window_dilation: usize,
    /// Output size.
    pub(super) out: usize,
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

/// The windowed reduction `kind` of `x`, one pass per axis; f16 and bf16 sums accumulate in
/// f32.
pub(super) fn reduce_window(
    kind: WindowReduceKind,
    x: &Array,
    passes: &[Pass],
) -> crate::array::Storage {
    use WindowReduceKind::*;
    let shape = x.shape();
    crate::with_float_dtype!(x.dtype(), T => {
        let v = x.as_slice::<T>();
        let out: Vec<T> = match kind {
            Max => separable(v, shape, passes, T::neg_infinity(), nan_max),
            Min => separable(v, shape, passes, T::infinity(), nan_min),
            // The 8-bit floats round every partial sum to their format, as XLA does.
            Sum if T::DTYPE == DType::F64 || T::DTYPE.is_narrow_float() => separable(v, shape, passes, T::zero(), |a: T, b: T| a + b),
            Sum => {
                let wide: Vec<f32> = v.iter().map(|&e| e.to_f32()).collect();
                separable(&wide, shape, passes, 0f32, |a, b| a + b).into_iter().map(T::from_f32).collect()
            }
        };
        T::into_storage(out)
    }, _ => crate::with_int_dtype!(x.dtype(), T => {
        let v = x.as_slice::<T>();
        let out: Vec<T> = match kind {
            Max => separable(v, shape, passes, T::MIN, |a: T, b: T| a.max(b)),
            Min => separable(v, shape, passes, T::MAX, |a: T, b: T| a.min(b)),
            Sum => separable(v, shape, passes, <T as crate::ArrayElement>::zero(), |a: T, b: T| WrappingAdd::wrapping_add(&a, &b)),
        };
        T::into_storage(out)
    }, _ => {
        let v = x.as_slice::<bool>();
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
    x: &[A],
    shape: &[usize],
    passes: &[Pass],
    identity: A,
    f: impl Fn(A, A) -> A + Sync + Copy,
) -> Vec<A> {
    let mut cur: Vec<usize> = shape.to_vec();
    // The result of the last pass that ran; `None` while every pass so far was the identity.
    let mut data: Option<Vec<A>> = None;
    for (d, pass) in passes.iter().enumerate() {
        let n = cur[d];
        if pass.is_identity(n) {
            continue;
        }
        let src: &[A] = data.as_deref().unwrap_or(x);
        let outer: usize = cur[..d].iter().product();
        let inner: usize = cur[d + 1..].iter().product();
        let m = pass.out;
        let mut out = vec![identity; outer * m * inner];
        let block = |(dst, src): (&mut [A], &[A])| window_pass(dst, src, pass, n, inner, f);
        if m * inner > 0 && n * inner > 0 {
            if outer * m * inner * pass.window >= PARALLEL_THRESHOLD && outer > 1 {
                out.par_chunks_mut(m * inner)
                    .zip(src.par_chunks(n * inner))
                    .for_each(block);
            } else {
                out.chunks_mut(m * inner)
                    .zip(src.chunks(n * inner))
                    .for_each(block);
            }
        }
        data = Some(out);
        cur[d] = m;
    }
    data.unwrap_or_else(|| x.to_vec())
}

/// One pass of [`separable`] over one block: `src` holds `n` rows of `inner` elements along the
/// pass's axis, `dst` (filled with the identity) the `pass.out` result rows. Every output row
/// combines its window's rows in window order.
fn window_pass<A: Copy>(
    dst: &mut [A],
    src: &[A],
    pass: &Pass,
    n: usize,
    inner: usize,
    f: impl Fn(A, A) -> A,
) {
    let m = pass.out;
    if pass.stride == 1 && pass.base_dilation == 1 {
        // Window tap j of output o reads row o + offset(j): for each tap, the outputs it
        // covers read consecutive rows, so the tap is one long slice operation (when the
        // pooled axis is the last one, rows are single elements and a row-by-row loop would
        // spend its time on bookkeeping).
        for j in 0..pass.window {
            let offset = (j * pass.window_dilation) as i64 - pass.lo;
            let first = (-offset).clamp(0, m as i64) as usize;
            let end = (n as i64 - offset).clamp(first as i64, m as i64) as usize;
            if first == end {
                continue;
            }
            let from = (first as i64 + offset) as usize * inner;
            let len = (end - first) * inner;
            for (r, &s) in dst[first * inner..][..len]
                .iter_mut()
                .zip(&src[from..][..len])
            {
                *r = f(*r, s);
            }
        }
        return;
    }
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
}

/// The windows of `select_and_scatter_add`, per axis.
pub(super) struct ScatterGeometry<'a> {
    /// The operand's shape.
    pub(super) shape: &'a [usize],
    /// The number of windows (the source's shape).
    pub(super) grid: &'a [usize],
    /// Window size.
    pub(super) window: &'a [usize],
    /// Window step.
    pub(super) strides: &'a [usize],
    /// `(low, high)` padding.
    pub(super) padding: &'a [(i64, i64)],
}

/// For each window (row-major over `grid`), finds the first position holding the window's
/// maximum under `>=` (XLA's select loop: keep the current pick while `pick >= candidate`) and
/// adds the window's `source` value there.
pub(super) fn select_and_scatter<T: Element, A: Copy>(
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
    for_each_window_max(operand, g.shape, g.grid, &valid, |w, pick| {
        if let Some(p) = pick {
            out[p] = add(out[p], source[w]);
        }
    });
    out
}

/// Calls `visit(w, pick)` for every window `w` (row-major over `grid`) with the flat operand
/// position of the window's first maximum under `>=` (XLA's select loop: keep the current pick
/// while `pick >= candidate`), or `None` for a window that covers no operand element.
/// `valid[d][o]` lists the operand indices along axis d that window o reads.
///
/// Leading axes that every window passes through one to one (window 1, stride 1, no padding:
/// the batch and channel axes of a pooling layer) fold into one loop over contiguous planes, and
/// two remaining axes (2-D pooling) get a direct double loop, so the common case spends no time
/// on per-window bookkeeping.
fn for_each_window_max<T: Element>(
    operand: &[T],
    shape: &[usize],
    grid: &[usize],
    valid: &[Vec<Vec<usize>>],
    mut visit: impl FnMut(usize, Option<usize>),
) {
    let lead = (0..shape.len())
        .take_while(|&d| {
            grid[d] == shape[d]
                && valid[d]
                    .iter()
                    .enumerate()
                    .all(|(o, l)| l.len() == 1 && l[0] == o)
        })
        .count();
    let outer: usize = shape[..lead].iter().product();
    let plane: usize = shape[lead..].iter().product();
    let windows: usize = grid[lead..].iter().product();
    let (shape, grid, valid) = (&shape[lead..], &grid[lead..], &valid[lead..]);
    let strides: Vec<usize> = (0..shape.len())
        .map(|d| shape[d + 1..].iter().product())
        .collect();
    if shape.len() == 2 {
        for b in 0..outer {
            let (at, x) = (b * plane, &operand[b * plane..(b + 1) * plane]);
            let mut w = b * windows;
            for rows in &valid[0] {
                for cols in &valid[1] {
                    visit(w, first_max_2d(x, rows, cols, strides[0]).map(|p| at + p));
                    w += 1;
                }
            }
        }
        return;
    }
    let k = shape.len();
    let (mut o_idx, mut w_idx) = (vec![0usize; k], vec![0usize; k]);
    let mut lists: Vec<&[usize]> = Vec::with_capacity(k);
    for b in 0..outer {
        let (at, x) = (b * plane, &operand[b * plane..(b + 1) * plane]);
        for w in b * windows..(b + 1) * windows {
            lists.clear();
            lists.extend((0..k).map(|d| &valid[d][o_idx[d]][..]));
            let covered = lists.iter().all(|l| !l.is_empty());
            visit(
                w,
                covered.then(|| at + first_window_max(x, &lists, &strides, &mut w_idx)),
            );
            advance(&mut o_idx, |d| grid[d]);
        }
    }
}

/// [`first_window_max`] over the window `rows` × `cols` of a row-major plane whose rows are
/// `row_stride` apart; `None` if the window is empty.
#[inline]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // the negated `>=` is the point: see below
fn first_max_2d<T: Element>(
    plane: &[T],
    rows: &[usize],
    cols: &[usize],
    row_stride: usize,
) -> Option<usize> {
    let mut pick = rows.first()? * row_stride + cols.first()?;
    let mut best = plane[pick];
    for &r in rows {
        let row = r * row_stride;
        for &c in cols {
            let v = plane[row + c];
            // `!(best >= v)`, not `best < v`: a NaN pick gives way, as in XLA's loop.
            if !(best >= v) {
                (pick, best) = (row + c, v);
            }
        }
    }
    Some(pick)
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
pub(super) fn select_and_gather<T: Element>(
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
    for_each_window_max(operand, shape, &grid, &valid, |w, pick| {
        if let Some(p) = pick {
            out[w] = tangents[p];
        }
    });
    out
}
