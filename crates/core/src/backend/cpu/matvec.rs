//! f32 matrix–vector products: a product whose left operand is one row or whose right operand
//! is one column. They are the products of batch-1 inference (a `Linear` layer on one token)
//! and of a recurrent cell's step and its backward pass. `gemm` takes them through its general
//! path (packing, then a 4x1 micro-kernel), which was half of a GPT decoding step; here each is
//! one pass over the matrix:
//! - when the matrix's rows run along the inner dimension (`W · x`, `x · Wᵀ`), every output is
//!   the dot product of a contiguous row with the vector, four rows sharing each load of the
//!   vector;
//! - when they run along the outputs (`x · W`, `Wᵀ · x`), the outputs are the sum of the
//!   matrix's rows scaled by the vector's elements, 64 outputs at a time held in registers.
//!
//! The AVX-512 and AVX2 kernels are written with intrinsics: the same loops in plain Rust,
//! compiled through [`simd::dispatch`](super::simd::dispatch), came out scalar (LLVM does not
//! vectorise a loop over several rows' partial sums) and made decoding 2.5x slower than `gemm`.
//! Every level computes each output in the same order, with products unfused (`a·b`, then
//! `+`), so all levels give the same bits (`tests/matmul_levels.rs` compares them):
//! - a dot product keeps 16 partial sums, lane `l` adding `w[t]·x[t]` for `t = l, l + 16, ...`
//!   in order over the whole 16-element chunks; the lanes are then added pairwise
//!   (`lane[l] + lane[l + 8]`, then `+ 4`, `+ 2`, `+ 1`), and the tail past the last whole
//!   chunk is added in order;
//! - a scaled-row sum adds `x[t]·w[t][j]` to output `j` for `t` in order.

use super::matmul::{MatRef, PARALLEL_MATMUL_THRESHOLD};
use super::simd::{active_level, SimdLevel};
use rayon::prelude::*;
use std::borrow::Cow;

/// Partial sums of a dot product: one 512-bit register of f32.
const LANES: usize = 16;
/// Rows whose dot products share each load of the vector.
const ROWS: usize = 4;
/// Outputs a scaled-row sum keeps in registers while it walks the rows.
const BLOCK: usize = 64;

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`, for an `m × k` by `k × n` f32
/// product with `m = 1 < n` or `n = 1 < m` whose matrix has unit stride along one of its axes.
/// Returns false, touching nothing, for any other product. A matrix of
/// [`PARALLEL_MATMUL_THRESHOLD`] elements or more has its outputs split among `threads`
/// rayon tasks; each output is computed as on one thread, so the bits are the same.
pub(super) fn matrix_vector_product(
    dst: &mut [f32],
    lhs: MatRef<'_, f32>,
    rhs: MatRef<'_, f32>,
    accumulate: bool,
    threads: usize,
) -> bool {
    let (m, k, n) = (lhs.rows(), lhs.cols(), rhs.cols());
    if k == 0 || rhs.rows() != k || dst.len() != m * n {
        return false;
    }
    // The matrix, seen as `outputs × k`, and the vector, seen as `1 × k`.
    let (matrix, vector) = if n == 1 && m > 1 {
        (lhs, rhs.transpose())
    } else if m == 1 && n > 1 {
        (rhs.transpose(), lhs)
    } else {
        return false;
    };
    let outputs = matrix.rows();
    // `along_k`: each output's k weights are contiguous (a row of `stride` elements apart from
    // the next); otherwise each of the k rows holds the outputs' weights contiguously.
    let (along_k, stride) = if matrix.cs() == 1 {
        (true, matrix.rs())
    } else if matrix.rs() == 1 {
        (false, matrix.cs())
    } else {
        return false;
    };
    let x: Cow<'_, [f32]> = if vector.cs() == 1 {
        Cow::Borrowed(&vector.data()[vector.offset()..vector.offset() + k])
    } else {
        Cow::Owned((0..k).map(|t| vector.at(0, t)).collect())
    };
    let data = &matrix.data()[matrix.offset()..];
    // The outputs from `first` on, into `part`.
    let outputs_from = |first: usize, part: &mut [f32]| {
        if along_k {
            let rows = Rows::new(&data[first * stride..], stride, part.len(), k);
            dots(part, rows, &x, accumulate);
        } else {
            let rows = Rows::new(&data[first..], stride, k, part.len());
            if accumulate {
                let mut sums = vec![0.0f32; part.len()];
                scaled_rows(&mut sums, rows, &x);
                store(part, &sums, true);
            } else {
                scaled_rows(part, rows, &x);
            }
        }
    };
    if threads > 1 && outputs.saturating_mul(k) >= PARALLEL_MATMUL_THRESHOLD {
        let chunk = outputs.div_ceil(threads).next_multiple_of(BLOCK);
        dst.par_chunks_mut(chunk)
            .enumerate()
            .for_each(|(c, part)| outputs_from(c * chunk, part));
    } else {
        outputs_from(0, dst);
    }
    true
}

/// `count` rows of `len` elements, `stride` apart, at the start of `data`.
#[derive(Clone, Copy)]
struct Rows<'a> {
    data: &'a [f32],
    stride: usize,
    count: usize,
    len: usize,
}

impl<'a> Rows<'a> {
    fn new(data: &'a [f32], stride: usize, count: usize, len: usize) -> Rows<'a> {
        assert!(
            count == 0 || (count - 1) * stride + len <= data.len(),
            "matvec: {count} rows of {len} elements {stride} apart overrun {} elements",
            data.len()
        );
        Rows {
            data,
            stride,
            count,
            len,
        }
    }

    #[inline(always)]
    fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.stride..i * self.stride + self.len]
    }
}

/// `dst[i] (+)= rows[i] · x` at the active SIMD level.
fn dots(dst: &mut [f32], rows: Rows<'_>, x: &[f32], accumulate: bool) {
    debug_assert!(rows.count == dst.len() && rows.len == x.len());
    let level = active_level();
    let mut i = 0;
    for block in dst.chunks_exact_mut(ROWS) {
        let four = [
            rows.row(i),
            rows.row(i + 1),
            rows.row(i + 2),
            rows.row(i + 3),
        ];
        let sums = match level {
            // SAFETY: the level is only reported when the CPU has the features the kernel
            // enables, and every row holds `x.len()` elements.
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx512 => unsafe { x86::dot4_avx512(four, x) },
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => unsafe { x86::dot4_avx2(four, x) },
            _ => four.map(|row| dot_portable(row, x)),
        };
        store(block, &sums, accumulate);
        i += ROWS;
    }
    for (r, d) in dst.iter_mut().enumerate().skip(i) {
        let sum = dot_portable(rows.row(r), x);
        *d = if accumulate { sum + *d } else { sum };
    }
}

/// One dot product in the order every level follows (see the module documentation).
fn dot_portable(row: &[f32], x: &[f32]) -> f32 {
    let whole = x.len() / LANES * LANES;
    let mut lanes = [0.0f32; LANES];
    for (ws, xs) in row[..whole]
        .chunks_exact(LANES)
        .zip(x[..whole].chunks_exact(LANES))
    {
        for l in 0..LANES {
            lanes[l] += ws[l] * xs[l];
        }
    }
    let mut width = LANES / 2;
    while width > 0 {
        for l in 0..width {
            lanes[l] += lanes[l + width];
        }
        width /= 2;
    }
    tail(lanes[0], &row[whole..], &x[whole..])
}

/// `sum` plus the products of the elements past the last whole chunk, in order.
#[inline(always)]
fn tail(mut sum: f32, ws: &[f32], xs: &[f32]) -> f32 {
    for (&w, &v) in ws.iter().zip(xs) {
        sum += w * v;
    }
    sum
}

/// `sums[j] = Σ_t x[t] · rows[t][j]` at the active SIMD level.
fn scaled_rows(sums: &mut [f32], rows: Rows<'_>, x: &[f32]) {
    debug_assert!(rows.count == x.len() && rows.len == sums.len());
    match active_level() {
        // SAFETY: the level is only reported when the CPU has the features the kernel
        // enables, and every row holds `sums.len()` elements.
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx512 => unsafe { x86::scaled_rows_avx512(sums, rows, x) },
        #[cfg(target_arch = "x86_64")]
        SimdLevel::Avx2 => unsafe { x86::scaled_rows_avx2(sums, rows, x) },
        _ => scaled_rows_portable(sums, 0, rows, x),
    }
}

/// The outputs from `start` on, each summed over the rows in order, `BLOCK` at a time.
fn scaled_rows_portable(sums: &mut [f32], start: usize, rows: Rows<'_>, x: &[f32]) {
    for (b, block) in sums[start..].chunks_mut(BLOCK).enumerate() {
        let from = start + b * BLOCK;
        let len = block.len();
        let mut acc = [0.0f32; BLOCK];
        for (t, &xt) in x.iter().enumerate() {
            let ws = &rows.row(t)[from..from + len];
            for (a, &w) in acc.iter_mut().zip(ws) {
                *a += xt * w;
            }
        }
        block.copy_from_slice(&acc[..len]);
    }
}

fn store(dst: &mut [f32], sums: &[f32], accumulate: bool) {
    if accumulate {
        dst.iter_mut().zip(sums).for_each(|(d, &s)| *d += s);
    } else {
        dst.copy_from_slice(sums);
    }
}

/// The AVX-512 and AVX2 kernels. Loads read `ptr.add(c)` for `c + width <= len` of a slice of
/// `len` elements only.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{scaled_rows_portable, tail, Rows, BLOCK, LANES, ROWS};
    use std::arch::x86_64::*;

    /// Adds a 16-lane sum's halves pairwise down to one lane (the documented order).
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    fn reduce_512(v: __m512) -> f32 {
        reduce_256(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps::<1>(v))
    }

    /// Adds lanes `0..8` of a 16-lane sum (`lo`) to lanes `8..16` (`hi`), then halves pairwise.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn reduce_256(lo: __m256, hi: __m256) -> f32 {
        let s8 = _mm256_add_ps(lo, hi);
        let s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps::<1>(s8));
        let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        let s1 = _mm_add_ss(s2, _mm_shuffle_ps::<1>(s2, s2));
        _mm_cvtss_f32(s1)
    }

    /// Four dot products with `x`, one zmm of partial sums per row.
    ///
    /// # Safety
    /// The CPU must have AVX-512 F and DQ; every row must hold `x.len()` elements.
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn dot4_avx512(rows: [&[f32]; ROWS], x: &[f32]) -> [f32; ROWS] {
        let whole = x.len() / LANES * LANES;
        let p = rows.map(<[f32]>::as_ptr);
        let xp = x.as_ptr();
        let mut acc = [_mm512_setzero_ps(); ROWS];
        let mut c = 0;
        while c < whole {
            // SAFETY: c + 16 <= whole <= the length of x and of every row.
            unsafe {
                let xv = _mm512_loadu_ps(xp.add(c));
                for r in 0..ROWS {
                    let w = _mm512_loadu_ps(p[r].add(c));
                    acc[r] = _mm512_add_ps(acc[r], _mm512_mul_ps(w, xv));
                }
            }
            c += LANES;
        }
        let mut sums = [0.0; ROWS];
        for r in 0..ROWS {
            sums[r] = tail(reduce_512(acc[r]), &rows[r][whole..], &x[whole..]);
        }
        sums
    }

    /// Four dot products with `x`, two ymm of partial sums (lanes `0..8` and `8..16`) per row.
    ///
    /// # Safety
    /// The CPU must have AVX2; every row must hold `x.len()` elements.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn dot4_avx2(rows: [&[f32]; ROWS], x: &[f32]) -> [f32; ROWS] {
        let whole = x.len() / LANES * LANES;
        let p = rows.map(<[f32]>::as_ptr);
        let xp = x.as_ptr();
        let mut lo = [_mm256_setzero_ps(); ROWS];
        let mut hi = [_mm256_setzero_ps(); ROWS];
        let mut c = 0;
        while c < whole {
            // SAFETY: c + 16 <= whole <= the length of x and of every row.
            unsafe {
                let xl = _mm256_loadu_ps(xp.add(c));
                let xh = _mm256_loadu_ps(xp.add(c + 8));
                for r in 0..ROWS {
                    let wl = _mm256_loadu_ps(p[r].add(c));
                    let wh = _mm256_loadu_ps(p[r].add(c + 8));
                    lo[r] = _mm256_add_ps(lo[r], _mm256_mul_ps(wl, xl));
                    hi[r] = _mm256_add_ps(hi[r], _mm256_mul_ps(wh, xh));
                }
            }
            c += LANES;
        }
        let mut sums = [0.0; ROWS];
        for r in 0..ROWS {
            sums[r] = tail(reduce_256(lo[r], hi[r]), &rows[r][whole..], &x[whole..]);
        }
        sums
    }

    /// `sums[j] = Σ_t x[t] · rows[t][j]`: 64 outputs in four zmm per pass over the rows, then
    /// 16 at a time, then the rest in plain code (the same order for each output).
    ///
    /// # Safety
    /// The CPU must have AVX-512 F; every row must hold `sums.len()` elements.
    #[target_feature(enable = "avx512f,avx512dq,avx2,fma")]
    pub(super) unsafe fn scaled_rows_avx512(sums: &mut [f32], rows: Rows<'_>, x: &[f32]) {
        let n = sums.len();
        let out = sums.as_mut_ptr();
        let mut j = 0;
        while j + BLOCK <= n {
            let mut acc = [_mm512_setzero_ps(); BLOCK / 16];
            for (t, &xt) in x.iter().enumerate() {
                let row = rows.row(t);
                let xv = _mm512_set1_ps(xt);
                for (q, a) in acc.iter_mut().enumerate() {
                    // SAFETY: j + 64 <= n, the row's length.
                    let w = unsafe { _mm512_loadu_ps(row.as_ptr().add(j + 16 * q)) };
                    *a = _mm512_add_ps(*a, _mm512_mul_ps(xv, w));
                }
            }
            for (q, a) in acc.iter().enumerate() {
                // SAFETY: j + 64 <= n = sums.len().
                unsafe { _mm512_storeu_ps(out.add(j + 16 * q), *a) };
            }
            j += BLOCK;
        }
        while j + 16 <= n {
            let mut acc = _mm512_setzero_ps();
            for (t, &xt) in x.iter().enumerate() {
                let row = rows.row(t);
                // SAFETY: j + 16 <= n, the row's length.
                let w = unsafe { _mm512_loadu_ps(row.as_ptr().add(j)) };
                acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_set1_ps(xt), w));
            }
            // SAFETY: j + 16 <= n = sums.len().
            unsafe { _mm512_storeu_ps(out.add(j), acc) };
            j += 16;
        }
        scaled_rows_portable(sums, j, rows, x);
    }

    /// [`scaled_rows_avx512`] with eight ymm per 64 outputs, then 8 at a time.
    ///
    /// # Safety
    /// The CPU must have AVX2; every row must hold `sums.len()` elements.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn scaled_rows_avx2(sums: &mut [f32], rows: Rows<'_>, x: &[f32]) {
        let n = sums.len();
        let out = sums.as_mut_ptr();
        let mut j = 0;
        while j + BLOCK <= n {
            let mut acc = [_mm256_setzero_ps(); BLOCK / 8];
            for (t, &xt) in x.iter().enumerate() {
                let row = rows.row(t);
                let xv = _mm256_set1_ps(xt);
                for (q, a) in acc.iter_mut().enumerate() {
                    // SAFETY: j + 64 <= n, the row's length.
                    let w = unsafe { _mm256_loadu_ps(row.as_ptr().add(j + 8 * q)) };
                    *a = _mm256_add_ps(*a, _mm256_mul_ps(xv, w));
                }
            }
            for (q, a) in acc.iter().enumerate() {
                // SAFETY: j + 64 <= n = sums.len().
                unsafe { _mm256_storeu_ps(out.add(j + 8 * q), *a) };
            }
            j += BLOCK;
        }
        while j + 8 <= n {
            let mut acc = _mm256_setzero_ps();
            for (t, &xt) in x.iter().enumerate() {
                let row = rows.row(t);
                // SAFETY: j + 8 <= n, the row's length.
                let w = unsafe { _mm256_loadu_ps(row.as_ptr().add(j)) };
                acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_set1_ps(xt), w));
            }
            // SAFETY: j + 8 <= n = sums.len().
            unsafe { _mm256_storeu_ps(out.add(j), acc) };
            j += 8;
        }
        scaled_rows_portable(sums, j, rows, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(i: usize) -> f32 {
        ((i * 7919 % 1000) as f32 - 500.0) / 37.0
    }

    /// Every orientation, around the lane and block widths, overwriting and accumulating,
    /// against a naive sum in f64 (to f32 rounding). `tests/matmul_levels.rs` checks that each
    /// SIMD level gives the same bits.
    #[test]
    fn products_with_one_row_or_one_column_match_a_naive_loop() {
        for (m, k, n) in [
            (1, 16, 16),
            (5, 17, 1),
            (1, 33, 70),
            (131, 64, 1),
            (1, 128, 384),
            (384, 128, 1),
            (1, 40, 200),
            (7, 3, 1),
            (1, 5, 9),
        ] {
            for transposed in [false, true] {
                for accumulate in [false, true] {
                    let lhs_store: Vec<f32> = (0..m * k).map(value).collect();
                    let rhs_store: Vec<f32> = (0..k * n).map(|i| value(i + 3)).collect();
                    // Row-major operands, or the same values laid out column-major.
                    let (lhs, rhs) = if transposed {
                        (
                            MatRef::new(&lhs_store, 0, m, k, 1, m),
                            MatRef::new(&rhs_store, 0, k, n, 1, k),
                        )
                    } else {
                        (
                            MatRef::row_major(&lhs_store, m, k),
                            MatRef::row_major(&rhs_store, k, n),
                        )
                    };
                    let start: Vec<f32> = (0..m * n).map(|i| value(i + 5)).collect();
                    let mut got = start.clone();
                    let case = format!("{m}x{k}·{k}x{n}, transposed {transposed}");
                    assert!(
                        matrix_vector_product(&mut got, lhs, rhs, accumulate, 1),
                        "{case}: refused"
                    );
                    for (o, &g) in got.iter().enumerate() {
                        let (i, j) = (o / n, o % n);
                        let terms = (0..k).map(|t| f64::from(lhs.at(i, t) * rhs.at(t, j)));
                        let scale: f64 =
                            terms.clone().map(f64::abs).sum::<f64>() + f64::from(start[o].abs());
                        let p: f64 = terms.sum();
                        let w = if accumulate {
                            p + f64::from(start[o])
                        } else {
                            p
                        };
                        assert!(
                            (f64::from(g) - w).abs() <= 1e-6 * scale,
                            "{case}, accumulate {accumulate}: {g} vs {w}"
                        );
                    }
                }
            }
        }
    }

    /// A matrix past the threading threshold, in both orientations, overwriting and
    /// accumulating: split among threads, every output has the bits it has on one thread.
    #[test]
    fn threaded_products_give_the_single_thread_bits() {
        let (outputs, k) = (2053, 1024);
        assert!(outputs * k >= PARALLEL_MATMUL_THRESHOLD);
        let matrix: Vec<f32> = (0..outputs * k).map(value).collect();
        let vector: Vec<f32> = (0..k).map(|i| value(i + 11)).collect();
        let start: Vec<f32> = (0..outputs).map(|i| value(i + 5)).collect();
        // `W · x` (rows along k) and `x · W` (rows along the outputs).
        let cases = [
            (
                MatRef::row_major(&matrix, outputs, k),
                MatRef::row_major(&vector, k, 1),
            ),
            (
                MatRef::row_major(&vector, 1, k),
                MatRef::row_major(&matrix, k, outputs),
            ),
        ];
        for (lhs, rhs) in cases {
            for accumulate in [false, true] {
                let mut one = start.clone();
                let mut two = start.clone();
                assert!(matrix_vector_product(&mut one, lhs, rhs, accumulate, 1));
                assert!(matrix_vector_product(&mut two, lhs, rhs, accumulate, 2));
                assert!(one
                    .iter()
                    .zip(&two)
                    .all(|(a, b)| a.to_bits() == b.to_bits()));
                assert!(one.iter().zip(&start).any(|(a, b)| a != b));
            }
        }
    }

    #[test]
    fn other_products_are_left_to_gemm() {
        let a = vec![1.0f32; 64 * 64];
        let mut dst = vec![0.0f32; 64 * 64];
        let sq = MatRef::row_major(&a, 64, 64);
        assert!(
            !matrix_vector_product(&mut dst, sq, sq, false, 1),
            "no vector"
        );
        let mut one = vec![0.0f32; 1];
        let row = MatRef::row_major(&a, 1, 64);
        let col = MatRef::row_major(&a, 64, 1);
        assert!(
            !matrix_vector_product(&mut one, row, col, false, 1),
            "a dot product"
        );
        // Neither axis of the matrix has unit stride.
        let strided = MatRef::new(&a, 0, 8, 8, 16, 2);
        let mut eight = vec![0.0f32; 8];
        let column = MatRef::new(&a, 0, 8, 1, 1, 1);
        assert!(
            !matrix_vector_product(&mut eight, strided, column, false, 1),
            "a matrix with strides (16, 2)"
        );
        assert_eq!(eight, vec![0.0; 8], "a refused product touches nothing");
    }
}
