//! Sorting kernels: order-preserving integer keys for every dtype, per-row sort permutations
//! along a strided axis, and top-k selection.

use crate::array::{Array, ArrayElement};
use rayon::prelude::*;

/// How floats are ordered when they become sort keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatOrder {
    /// `lax.sort`'s order: `-0.0 == +0.0`, every NaN equal to every other and after `+inf`.
    Sort,
    /// IEEE totalOrder on the bits (what `lax.top_k` uses): `-NaN < -inf < ... < -0.0 < +0.0 <
    /// ... < +inf < +NaN`.
    Total,
}

/// Maps an `f64` to a `u64` whose unsigned order is IEEE totalOrder.
#[inline]
fn total_order_key(v: f64) -> u64 {
    let b = v.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

/// Order-preserving `u64` keys for the elements of `x` (floats per `order`; signed integers
/// offset so that their unsigned order is the signed order; bool as 0/1).
pub fn order_keys(x: &Array, order: FloatOrder) -> Vec<u64> {
    crate::with_float_dtype!(x.dtype(), T => {
        // Widening to f64 is exact and keeps NaN signs, so one mapping serves all floats.
        x.as_slice::<T>().iter().map(|&v| {
            let v = v.to_f64();
            match order {
                FloatOrder::Total => total_order_key(v),
                FloatOrder::Sort if v.is_nan() => u64::MAX,
                FloatOrder::Sort if v == 0.0 => total_order_key(0.0),
                FloatOrder::Sort => total_order_key(v),
            }
        }).collect()
    }, _ => crate::with_dtype!(x.dtype(), T => {
        let signed = T::DTYPE.is_signed_integer();
        x.as_slice::<T>().iter().map(|&v| {
            let i = v.to_i64() as u64;
            if signed { i ^ (1 << 63) } else { i }
        }).collect()
    }))
}

/// The keys of a complex array: its real parts', then its imaginary parts' (`lax.sort`
/// orders complex numbers lexicographically), each as [`order_keys`] gives them.
pub fn complex_order_keys(x: &Array, order: FloatOrder) -> [Vec<u64>; 2] {
    use num_complex::Complex;
    let parts = |re: Vec<f64>, im: Vec<f64>| {
        let key = |v: Vec<f64>| -> Vec<u64> {
            let n = v.len();
            order_keys(&Array::from_vec(v, [n]), order)
        };
        [key(re), key(im)]
    };
    match x.dtype() {
        crate::DType::C64 => {
            let v = x.as_slice::<Complex<f32>>();
            parts(
                v.iter().map(|c| f64::from(c.re)).collect(),
                v.iter().map(|c| f64::from(c.im)).collect(),
            )
        }
        crate::DType::C128 => {
            let v = x.as_slice::<Complex<f64>>();
            parts(
                v.iter().map(|c| c.re).collect(),
                v.iter().map(|c| c.im).collect(),
            )
        }
        d => unreachable!("complex_order_keys of a {d} array"),
    }
}

/// For an array viewed as `[outer, len, inner]` (sorting along the middle axis), returns for
/// every row (`outer * inner` of them, in row-major order of `(outer, inner)`) the stable
/// permutation that sorts it lexicographically by `keys` (each an [`order_keys`] vector).
pub fn sort_permutations(keys: &[Vec<u64>], outer: usize, len: usize, inner: usize) -> Vec<u32> {
    let rows = outer * inner;
    let mut perms = vec![0u32; rows * len];
    if len == 0 {
        return perms;
    }
    let sort_row = |r: usize, perm: &mut [u32]| {
        let (o, i) = (r / inner, r % inner);
        let base = o * len * inner + i;
        let at = |j: u32| base + j as usize * inner;
        for (j, p) in perm.iter_mut().enumerate() {
            *p = j as u32;
        }
        if keys.len() == 1 {
            let k = &keys[0];
            let mut pairs: Vec<(u64, u32)> = perm.iter().map(|&j| (k[at(j)], j)).collect();
            // Sorting (key, index) pairs unstably is stable: indices break every tie.
            pairs.sort_unstable();
            for (p, (_, j)) in perm.iter_mut().zip(pairs) {
                *p = j;
            }
        } else {
            perm.sort_by(|&a, &b| {
                keys.iter()
                    .map(|k| k[at(a)].cmp(&k[at(b)]))
                    .find(|c| c.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
    };
    if rows * len >= super::PARALLEL_THRESHOLD && rows > 1 {
        perms
            .par_chunks_mut(len)
            .enumerate()
            .for_each(|(r, p)| sort_row(r, p));
    } else {
        for (r, p) in perms.chunks_mut(len).enumerate() {
            sort_row(r, p);
        }
    }
    perms
}

/// Applies per-row permutations from [`sort_permutations`]: output element `j` of row `r` is
/// input element `perm[r][j]` of that row.
pub fn apply_permutations<T: ArrayElement>(
    x: &[T],
    perms: &[u32],
    outer: usize,
    len: usize,
    inner: usize,
) -> Vec<T> {
    let mut out = x.to_vec();
    for o in 0..outer {
        for i in 0..inner {
            let r = o * inner + i;
            let base = o * len * inner + i;
            for (j, &p) in perms[r * len..(r + 1) * len].iter().enumerate() {
                out[base + j * inner] = x[base + p as usize * inner];
            }
        }
    }
    out
}

/// For each of the `rows` contiguous rows of length `len`, the indices of the `k` largest keys,
/// largest first, ties broken toward the lower index.
pub fn top_k_indices(keys: &[u64], rows: usize, len: usize, k: usize) -> Vec<u32> {
    let mut out = vec![0u32; rows * k];
    if k == 0 {
        return out;
    }
    let row = |r: usize, dst: &mut [u32]| {
        let ks = &keys[r * len..(r + 1) * len];
        // Larger keys first, then lower indices: the smallest (!key, index) pairs.
        let mut pairs: Vec<(u64, u32)> = ks
            .iter()
            .enumerate()
            .map(|(j, &v)| (!v, j as u32))
            .collect();
        if k < len {
            pairs.select_nth_unstable(k - 1);
            pairs.truncate(k);
        }
        pairs.sort_unstable();
        for (d, (_, j)) in dst.iter_mut().zip(pairs) {
            *d = j;
        }
    };
    if rows * len >= super::PARALLEL_THRESHOLD && rows > 1 {
        out.par_chunks_mut(k)
            .enumerate()
            .for_each(|(r, d)| row(r, d));
    } else {
        for (r, d) in out.chunks_mut(k).enumerate() {
            row(r, d);
        }
    }
    out
}
