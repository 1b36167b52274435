//! Reduction loops: rows of a contiguous buffer, or columns across rows, folded with a
//! multi-lane accumulator so that the compiler vectorises them.

use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;

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
    D: Send,
{
    if inner == 0 {
        return (0..outer).map(|_| fin(init)).collect();
    }
    let row = |r: &[T]| fin(lane_fold(r, init, &f, &combine));
    if outer * inner < PARALLEL_THRESHOLD {
        return x.chunks_exact(inner).map(row).collect();
    }
    if outer == 1 {
        // One long row: fold chunks in parallel, then combine the partial results.
        let part = x
            .par_chunks(PARALLEL_THRESHOLD / 4)
            .map(|c| lane_fold(c, init, &f, &combine))
            .reduce(|| init, &combine);
        return vec![fin(part)];
    }
    x.par_chunks_exact(inner).map(row).collect()
}

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
    D: Send,
{
    let fold_block = |rows: &[T], acc: &mut [A]| {
        for r in rows.chunks_exact(inner) {
            for (a, &v) in acc.iter_mut().zip(r) {
                *a = f(*a, v);
            }
        }
    };
    let mut acc = vec![init; inner];
    if outer * inner >= PARALLEL_THRESHOLD && outer >= 4 && inner > 0 {
        let rows_per_task = outer.div_ceil(rayon::current_num_threads() * 2).max(1);
        let partials: Vec<Vec<A>> = x
            .par_chunks(rows_per_task * inner)
            .map(|block| {
                let mut a = vec![init; inner];
                fold_block(block, &mut a);
                a
            })
            .collect();
        for p in partials {
            for (a, v) in acc.iter_mut().zip(p) {
                *a = combine(*a, v);
            }
        }
    } else if inner > 0 {
        fold_block(x, &mut acc);
    }
    acc.into_iter().map(fin).collect()
}
