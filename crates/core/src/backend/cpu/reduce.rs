//! Reduction loops: rows of a contiguous buffer, or columns across rows, folded with a
//! multi-lane accumulator so that the compiler vectorises them.

use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;
use std::mem::MaybeUninit;

const LANES: usize = 8;

/// Folds a slice with `LANES` independent accumulators, then combines them pairwise. The fixed
/// association makes vectorisation legal and keeps float sums accurate.
#[inline]
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
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for i in 0..width {
            acc[i] = combine(acc[i], acc[i + width]);
        }
    }
    acc[0]
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
    let mut out = Vec::with_capacity(outer);
    reduce_rows_uninit(
        x,
        outer,
        inner,
        init,
        f,
        combine,
        fin,
        &mut out.spare_capacity_mut()[..outer],
    );
    // SAFETY: reduce_rows_uninit writes each of the `outer` slots.
    unsafe { out.set_len(outer) };
    out
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
    reduce_rows_uninit(x, outer, inner, init, f, combine, fin, as_uninit(out))
}

/// Views an initialised buffer as slots to overwrite.
fn as_uninit<D>(out: &mut [D]) -> &mut [MaybeUninit<D>] {
    // SAFETY: `MaybeUninit<D>` has `D`'s layout; each slot is overwritten with a valid `D`
    // (D: Copy, so nothing is dropped).
    unsafe { &mut *(out as *mut [D] as *mut [MaybeUninit<D>]) }
}

#[allow(clippy::too_many_arguments)]
fn reduce_rows_uninit<T, A, D>(
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
        outer,
        "reduce_rows: output buffer has the wrong length"
    );
    if inner == 0 {
        for o in out.iter_mut() {
            o.write(fin(init));
        }
        return;
    }
    let row = |r: &[T]| fin(lane_fold(r, init, &f, &combine));
    if outer * inner < PARALLEL_THRESHOLD {
        for (o, r) in out.iter_mut().zip(x.chunks_exact(inner)) {
            o.write(row(r));
        }
        return;
    }
    if outer == 1 {
        // One long row: fold chunks in parallel, then combine the partial results.
        let part = x
            .par_chunks(PARALLEL_THRESHOLD / 4)
            .map(|c| lane_fold(c, init, &f, &combine))
            .reduce(|| init, &combine);
        out[0].write(fin(part));
        return;
    }
    out.par_iter_mut()
        .zip(x.par_chunks_exact(inner))
        .for_each(|(o, r)| {
            o.write(row(r));
        });
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
    let mut out = Vec::with_capacity(inner);
    reduce_columns_uninit(
        x,
        outer,
        inner,
        init,
        f,
        combine,
        fin,
        &mut out.spare_capacity_mut()[..inner],
    );
    // SAFETY: reduce_columns_uninit writes each of the `inner` slots.
    unsafe { out.set_len(inner) };
    out
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
    reduce_columns_uninit(x, outer, inner, init, f, combine, fin, as_uninit(out))
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
            for r in rows.chunks_exact(inner) {
                for (a, &v) in acc.iter_mut().zip(r) {
                    *a = f(*a, v);
                }
            }
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
        for r in 0..outer {
            let row = &x[r * inner + j0..r * inner + j0 + w];
            for (a, &v) in acc[..w].iter_mut().zip(row) {
                *a = f(*a, v);
            }
        }
        for (o, &a) in o.iter_mut().zip(&acc[..w]) {
            o.write(fin(a));
        }
    }
}
