//! Reduction loops: rows of a contiguous buffer, or columns across rows, folded with a
//! multi-lane accumulator so that the compiler vectorises them.

use super::simd::{dispatch, Kernel};
use super::uninit::{as_uninit, vec_filled_by};
use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;
use std::mem::MaybeUninit;

const LANES: usize = 8;

/// Folds a slice with `LANES` independent accumulators, then combines them pairwise. The fixed
/// association makes vectorisation legal and keeps float sums accurate. Always inlined, so that
/// it is compiled for the SIMD level of the loop that calls it.
#[inline(always)]
pub fn lane_fold<T: Copy, A: Copy>(
    x: &[T],
    init: A,
    f: impl Fn(A, T) -> A,
    combine: impl Fn(A, A) -> A,
) -> A {
    let mut acc = [init; LANES];
    let chunks = x.chunks_exact(LANES);
    let rem = chunks.remainder();
    for c in chunks {
        for i in 0..LANES {
            acc[i] = f(acc[i], c[i]);
        }
    }
    for (i, &v) in rem.iter().enumerate() {
        acc[i] = f(acc[i], v);
    }
    combine_lanes(acc, combine)
}

/// Combines a lane fold's accumulators pairwise (`acc[i] + acc[i + LANES/2]`, then `+ LANES/4`,
/// ...): the fixed order every lane fold ends with.
#[inline(always)]
fn combine_lanes<A: Copy>(mut acc: [A; LANES], combine: impl Fn(A, A) -> A) -> A {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] = combine(acc[i], acc[i + width]);
        }
    }
    acc[0]
}

/// Rows that a row reduction folds in one pass. One row's [`lane_fold`] is a single chain of
/// dependent vector additions, so it runs at the adder's latency (8 f32 lanes every 4 cycles),
/// not its throughput; folding four rows side by side keeps four independent chains in flight.
/// Each row keeps its own association, so the bits are those of folding it alone.
pub const ROWS_AT_ONCE: usize = 4;

/// [`lane_fold`] of several rows of equal length at once, interleaved: `out[r]` has the bits
/// of `lane_fold(rows[r], ..)`.
#[inline(always)]
pub fn lane_fold_rows<T: Copy, A: Copy, const R: usize>(
    rows: [&[T]; R],
    init: A,
    f: impl Fn(A, T) -> A,
    combine: impl Fn(A, A) -> A,
) -> [A; R] {
    let n = rows[0].len();
    assert!(
        rows.iter().all(|r| r.len() == n),
        "lane_fold_rows: rows of different lengths"
    );
    let mut acc = [[init; LANES]; R];
    // Each row's whole chunks of `LANES` and the elements past them.
    let split = rows.map(|r| r.as_chunks::<LANES>());
    for c in 0..n / LANES {
        for (acc, (chunks, _)) in acc.iter_mut().zip(&split) {
            let chunk = &chunks[c];
            for i in 0..LANES {
                acc[i] = f(acc[i], chunk[i]);
            }
        }
    }
    for (acc, (_, rem)) in acc.iter_mut().zip(&split) {
        for (i, &v) in rem.iter().enumerate() {
            acc[i] = f(acc[i], v);
        }
    }
    acc.map(|acc| combine_lanes(acc, &combine))
}

/// Reduces each of `outer` contiguous rows of length `inner`: `out[r] = fin(fold(row r))`.
pub fn reduce_rows<T, A, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    init: A,
    f: impl Fn(A, T) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    fin: impl Fn(A) -> D + Sync,
) -> Vec<D>
where
    T: Copy + Sync,
    A: Copy + Send + Sync,
    D: Copy + Send,
{
    reduce_rows_folded(x, outer, inner, &LaneFold { init, f, combine }, fin)
}

/// How a row, or a piece of a long row, folds into an accumulator; pieces join with
/// `combine`. [`reduce_rows`] folds with [`lane_fold`]; an exact, order-free fold (an integer
/// max) can instead be a plain iterator reduction, which the compiler vectorises freely.
pub trait RowFold<T>: Sync {
    /// The accumulator.
    type Acc: Copy + Send + Sync;
    /// The fold of an empty row.
    fn init(&self) -> Self::Acc;
    /// Folds one row (or piece). Implementations are `#[inline(always)]`, so that the fold is
    /// compiled for the SIMD level of the loop that calls it.
    fn fold(&self, row: &[T]) -> Self::Acc;
    /// Folds [`ROWS_AT_ONCE`] rows of equal length, with the result of [`RowFold::fold`] on
    /// each. A fold whose single row is latency-bound interleaves them.
    #[inline(always)]
    fn fold_rows(&self, rows: [&[T]; ROWS_AT_ONCE]) -> [Self::Acc; ROWS_AT_ONCE] {
        rows.map(|r| self.fold(r))
    }
    /// Joins the folds of two consecutive pieces of a row.
    fn combine(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
}

/// [`lane_fold`] as a [`RowFold`].
struct LaneFold<A, F, C> {
    init: A,
    f: F,
    combine: C,
}

impl<T, A, F, C> RowFold<T> for LaneFold<A, F, C>
where
    T: Copy,
    A: Copy + Send + Sync,
    F: Fn(A, T) -> A + Sync,
    C: Fn(A, A) -> A + Sync,
{
    type Acc = A;
    fn init(&self) -> A {
        self.init
    }
    #[inline(always)]
    fn fold(&self, row: &[T]) -> A {
        lane_fold(row, self.init, &self.f, &self.combine)
    }
    #[inline(always)]
    fn fold_rows(&self, rows: [&[T]; ROWS_AT_ONCE]) -> [A; ROWS_AT_ONCE] {
        lane_fold_rows(rows, self.init, &self.f, &self.combine)
    }
    fn combine(&self, a: A, b: A) -> A {
        (self.combine)(a, b)
    }
}

/// Reduces each of `outer` contiguous rows of length `inner` with `folder`:
/// `out[r] = fin(folder.fold(row r))`, long single rows split into pieces folded in parallel.
pub fn reduce_rows_folded<T, R, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    folder: &R,
    fin: impl Fn(R::Acc) -> D + Sync,
) -> Vec<D>
where
    T: Copy + Sync,
    R: RowFold<T>,
    D: Copy + Send,
{
    // SAFETY: reduce_rows_uninit writes each of the `outer` slots.
    unsafe {
        vec_filled_by(outer, |out| {
            reduce_rows_uninit(x, outer, inner, folder, fin, out)
        })
    }
}

/// [`reduce_rows_folded`] into an existing buffer of `outer` elements.
pub fn reduce_rows_folded_into<T, R, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    folder: &R,
    fin: impl Fn(R::Acc) -> D + Sync,
    out: &mut [D],
) where
    T: Copy + Sync,
    R: RowFold<T>,
    D: Copy + Send,
{
    // SAFETY: reduce_rows_uninit only stores computed values.
    reduce_rows_uninit(x, outer, inner, folder, fin, unsafe { as_uninit(out) })
}

/// [`reduce_rows`] into an existing buffer of `outer` elements.
#[allow(clippy::too_many_arguments)]
pub fn reduce_rows_into<T, A, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    init: A,
    f: impl Fn(A, T) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    fin: impl Fn(A) -> D + Sync,
    out: &mut [D],
) where
    T: Copy + Sync,
    A: Copy + Send + Sync,
    D: Copy + Send,
{
    reduce_rows_folded_into(x, outer, inner, &LaneFold { init, f, combine }, fin, out)
}

fn reduce_rows_uninit<T, R, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    folder: &R,
    fin: impl Fn(R::Acc) -> D + Sync,
    out: &mut [MaybeUninit<D>],
) where
    T: Copy + Sync,
    R: RowFold<T>,
    D: Copy + Send,
{
    assert_eq!(
        out.len(),
        outer,
        "reduce_rows: output buffer has the wrong length"
    );
    if inner == 0 {
        for o in out.iter_mut() {
            o.write(fin(folder.init()));
        }
        return;
    }
    // Each run of rows is folded by a loop compiled for the CPU's SIMD level (the lanes'
    // association is fixed, so every level gives the same bits).
    let rows = |x: &[T], out: &mut [MaybeUninit<D>]| {
        dispatch(FoldRows {
            x,
            inner,
            folder,
            fin: &fin,
            out,
        })
    };
    if outer * inner < PARALLEL_THRESHOLD {
        rows(x, out);
        return;
    }
    if outer == 1 {
        // One long row: fold chunks in parallel, then combine the partial results.
        let part = x
            .par_chunks(PARALLEL_THRESHOLD / 4)
            .map(|c| {
                // Starts initialised, so reading it back needs no `assume_init`.
                let mut part = [folder.init()];
                dispatch(FoldRows {
                    x: c,
                    inner: c.len(),
                    folder,
                    fin: &|a| a,
                    // SAFETY: FoldRows only stores computed values.
                    out: unsafe { as_uninit(&mut part) },
                });
                part[0]
            })
            .reduce(|| folder.init(), |a, b| folder.combine(a, b));
        out[0].write(fin(part));
        return;
    }
    // Tasks of about PARALLEL_THRESHOLD / 4 elements (at least one row).
    let rows_per_task = (PARALLEL_THRESHOLD / 4).div_ceil(inner).max(1);
    out.par_chunks_mut(rows_per_task)
        .zip(x.par_chunks(rows_per_task * inner))
        .for_each(|(o, x)| rows(x, o));
}

/// Folds the rows of length `inner` of `x` into `out`, compiled per SIMD level.
struct FoldRows<'a, T, R, D, Fin> {
    x: &'a [T],
    inner: usize,
    folder: &'a R,
    fin: &'a Fin,
    out: &'a mut [MaybeUninit<D>],
}

impl<T, R, D, Fin> Kernel for FoldRows<'_, T, R, D, Fin>
where
    T: Copy,
    R: RowFold<T>,
    Fin: Fn(R::Acc) -> D,
{
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let inner = self.inner;
        let mut outs = self.out.chunks_exact_mut(ROWS_AT_ONCE);
        let mut xs = self.x.chunks_exact(inner * ROWS_AT_ONCE);
        for (o, x) in (&mut outs).zip(&mut xs) {
            let rows = std::array::from_fn(|r| &x[r * inner..(r + 1) * inner]);
            for (o, acc) in o.iter_mut().zip(self.folder.fold_rows(rows)) {
                o.write((self.fin)(acc));
            }
        }
        let rest = outs.into_remainder();
        for (o, r) in rest.iter_mut().zip(xs.remainder().chunks_exact(inner)) {
            o.write((self.fin)(self.folder.fold(r)));
        }
    }
}

/// Columns folded at once by the serial column reduction: the accumulators live on the stack.
const COLUMN_BLOCK: usize = 64;

/// Reduces across `outer` rows of length `inner`, column by column:
/// `out[j] = fin(fold_r x[r * inner + j])`. Used when the reduced axes lead.
pub fn reduce_columns<T, A, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    init: A,
    f: impl Fn(A, T) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    fin: impl Fn(A) -> D + Sync,
) -> Vec<D>
where
    T: Copy + Sync,
    A: Copy + Send + Sync,
    D: Copy + Send,
{
    // SAFETY: reduce_columns_uninit writes each of the `inner` slots.
    unsafe {
        vec_filled_by(inner, |out| {
            reduce_columns_uninit(x, outer, inner, init, f, combine, fin, out)
        })
    }
}

/// [`reduce_columns`] into an existing buffer of `inner` elements. Below the parallel
/// threshold it needs no scratch memory.
#[allow(clippy::too_many_arguments)]
pub fn reduce_columns_into<T, A, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    init: A,
    f: impl Fn(A, T) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    fin: impl Fn(A) -> D + Sync,
    out: &mut [D],
) where
    T: Copy + Sync,
    A: Copy + Send + Sync,
    D: Copy + Send,
{
    // SAFETY: reduce_columns_uninit only stores computed values.
    reduce_columns_uninit(x, outer, inner, init, f, combine, fin, unsafe {
        as_uninit(out)
    })
}

#[allow(clippy::too_many_arguments)]
fn reduce_columns_uninit<T, A, D>(
    x: &[T],
    outer: usize,
    inner: usize,
    init: A,
    f: impl Fn(A, T) -> A + Sync,
    combine: impl Fn(A, A) -> A + Sync,
    fin: impl Fn(A) -> D + Sync,
    out: &mut [MaybeUninit<D>],
) where
    T: Copy + Sync,
    A: Copy + Send + Sync,
    D: Copy + Send,
{
    assert_eq!(
        out.len(),
        inner,
        "reduce_columns: output buffer has the wrong length"
    );
    if inner == 0 {
        return;
    }
    if outer * inner >= PARALLEL_THRESHOLD && outer >= 4 {
        let fold_block = |rows: &[T], acc: &mut [A]| {
            dispatch(FoldColumns {
                x: rows,
                inner,
                f: &f,
                acc,
            })
        };
        let rows_per_task = outer.div_ceil(rayon::current_num_threads() * 2).max(1);
        let partials: Vec<Vec<A>> = x
            .par_chunks(rows_per_task * inner)
            .map(|block| {
                let mut a = vec![init; inner];
                fold_block(block, &mut a);
                a
            })
            .collect();
        for (j, o) in out.iter_mut().enumerate() {
            let acc = partials.iter().fold(init, |acc, p| combine(acc, p[j]));
            o.write(fin(acc));
        }
        return;
    }
    // Serial: blocks of columns with stack accumulators, each column folded over the rows in
    // order (the same association as the parallel path's per-block folds).
    for (b, o) in out.chunks_mut(COLUMN_BLOCK).enumerate() {
        let j0 = b * COLUMN_BLOCK;
        let w = o.len();
        let mut acc = [init; COLUMN_BLOCK];
        // The block's columns: rows of width w at stride inner (a strided view folded row by
        // row, each row's slice starting at column j0).
        dispatch(FoldColumns {
            x: &x[j0..],
            inner,
            f: &f,
            acc: &mut acc[..w],
        });
        for (o, &a) in o.iter_mut().zip(&acc[..w]) {
            o.write(fin(a));
        }
    }
}

/// Folds rows of stride `inner` into the accumulators `acc` (one per column, from the first
/// column of `x`), compiled per SIMD level.
struct FoldColumns<'a, T, A, F> {
    x: &'a [T],
    inner: usize,
    f: &'a F,
    acc: &'a mut [A],
}

impl<T: Copy, A: Copy, F: Fn(A, T) -> A> Kernel for FoldColumns<'_, T, A, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        fold_columns(self.x, self.inner, self.f, self.acc)
    }
}

#[inline(always)]
fn fold_columns<T: Copy, A: Copy>(x: &[T], inner: usize, f: &impl Fn(A, T) -> A, acc: &mut [A]) {
    let w = acc.len();
    let rows = if x.len() >= w {
        (x.len() - w) / inner + 1
    } else {
        0
    };
    for r in 0..rows {
        let row = &x[r * inner..r * inner + w];
        for (a, &v) in acc.iter_mut().zip(row) {
            *a = f(*a, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows folded side by side, in any number and length, give the bits of folding each row
    /// alone: each row keeps its own association.
    #[test]
    fn rows_folded_together_give_the_bits_of_each_row_folded_alone() {
        let mut state = 0x9E37_79B9u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            // Magnitudes over many binades, so that the association shows in the bits.
            (state as f32 / u32::MAX as f32 - 0.5) * 2f32.powi((state % 40) as i32 - 20)
        };
        for (outer, inner) in [(1, 5), (3, 17), (4, 8), (5, 1000), (9, 23), (13, 64)] {
            let x: Vec<f32> = (0..outer * inner).map(|_| next()).collect();
            let alone: Vec<f32> = x
                .chunks_exact(inner)
                .map(|r| lane_fold(r, 0.0f32, |a, b| a + b, |a, b| a + b))
                .collect();
            let together = reduce_rows(&x, outer, inner, 0.0f32, |a, b| a + b, |a, b| a + b, |a| a);
            let bits = |v: &[f32]| v.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&together), bits(&alone), "({outer}, {inner})");
            // And differ from a plain left-to-right sum somewhere, so the test can see the
            // association at all.
            if (outer, inner) == (5, 1000) {
                let plain: Vec<f32> = x.chunks_exact(inner).map(|r| r.iter().sum()).collect();
                assert_ne!(bits(&plain), bits(&alone));
            }
        }
        let rows: [&[f64]; 3] = [&[1.0, 2.0], &[3.0, 4.0], &[5.0, 6.0]];
        let sums = lane_fold_rows(rows, 0.0, |a, b| a + b, |a, b| a + b);
        assert_eq!(sums, [3.0, 7.0, 11.0]);
    }
}
