//! Elementwise loops: one monomorphised, auto-vectorisable loop per (op, dtype), split across
//! threads for large arrays.

use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;

/// Chunk size for parallel loops: large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 1 << 14;

/// `out[i] = f(a[i])`.
#[inline]
pub fn map<A: Copy + Send + Sync, D: Copy + Send + Sync>(
    a: &[A],
    f: impl Fn(A) -> D + Sync,
) -> Vec<D> {
    let n = a.len();
    if n < PARALLEL_THRESHOLD {
        return a.iter().map(|&x| f(x)).collect();
    }
    let mut out: Vec<D> = Vec::with_capacity(n);
    out.spare_capacity_mut()[..n]
        .par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK))
        .for_each(|(o, a)| {
            for (o, &x) in o.iter_mut().zip(a) {
                o.write(f(x));
            }
        });
    // SAFETY: every one of the n slots was written by the loop above.
    unsafe { out.set_len(n) };
    out
}

/// `out[i] = f(a[i], b[i])`, where either side may be a single element broadcast to all.
#[inline]
pub fn zip_map<A, B, D>(a: &[A], b: &[B], f: impl Fn(A, B) -> D + Sync) -> Vec<D>
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    match (a.len(), b.len()) {
        (1, n) if n != 1 => {
            let x = a[0];
            map(b, |y| f(x, y))
        }
        (n, 1) if n != 1 => {
            let y = b[0];
            map(a, |x| f(x, y))
        }
        (n, m) => {
            assert_eq!(n, m, "zip_map: operand lengths differ");
            if n < PARALLEL_THRESHOLD {
                return a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect();
            }
            let mut out: Vec<D> = Vec::with_capacity(n);
            out.spare_capacity_mut()[..n]
                .par_chunks_mut(CHUNK)
                .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
                .for_each(|(o, (a, b))| {
                    for ((o, &x), &y) in o.iter_mut().zip(a).zip(b) {
                        o.write(f(x, y));
                    }
                });
            // SAFETY: every one of the n slots was written by the loop above.
            unsafe { out.set_len(n) };
            out
        }
    }
}

/// `out[i] = f(a[i], b[i], c[i])`, where any side may be a single broadcast element.
#[inline]
pub fn zip3_map<A, B, C, D>(
    a: &[A],
    b: &[B],
    c: &[C],
    n: usize,
    f: impl Fn(A, B, C) -> D + Sync,
) -> Vec<D>
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    C: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    let at = |s: usize| if s == 1 { 0 } else { 1 };
    let (sa, sb, sc) = (at(a.len()), at(b.len()), at(c.len()));
    let body = |i: usize| f(a[i * sa], b[i * sb], c[i * sc]);
    if n < PARALLEL_THRESHOLD {
        return (0..n).map(body).collect();
    }
    (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(body)
        .collect()
}
