//! f32 and f64 matrix–vector products: a product whose left operand is one row or whose right
//! operand is one column. They are the products of batch-1 inference (a `Linear` layer on one
//! token) and of a recurrent cell's step and its backward pass. `gemm` takes them through its
//! general path (packing, then a 4x1 micro-kernel), which was half of a GPT decoding step; here
//! each is one pass over the matrix:
//! - when the matrix's rows run along the inner dimension (`W · x`, `x · Wᵀ`), every output is
//!   the dot product of a contiguous row with the vector, four rows sharing each load of the
//!   vector;
//! - when they run along the outputs (`x · W`, `Wᵀ · x`), the outputs are the sum of the
//!   matrix's rows scaled by the vector's elements, 32 or 64 outputs at a time held in
//!   registers.
//!
//! The AVX-512 and AVX2 kernels are written with intrinsics: the same loops in plain Rust,
//! compiled through [`simd::dispatch`](super::simd::dispatch), came out scalar (LLVM does not
//! vectorise a loop over several rows' partial sums) and made decoding 2.5x slower than `gemm`.
//! Every level computes each output in the same order, with products unfused (`a·b`, then
//! `+`), so all levels give the same bits (`tests/matmul_levels.rs` compares them):
//! - a dot product keeps the partial sums of one 512-bit register (`L` = 16 f32 or 8 f64),
//!   lane `l` adding `w[t]·x[t]` for `t = l, l + L, ...` in order over the whole `L`-element
//!   chunks; the lanes are then added pairwise (`lane[l] + lane[l + L/2]`, then `+ L/4`, ...,
//!   `+ 1`), and the tail past the last whole chunk is added in order;
//! - a scaled-row sum adds `x[t]·w[t][j]` to output `j` for `t` in order.

use super::matmul::{check_dims, MatRef, PARALLEL_MATMUL_THRESHOLD};
use super::simd::{active_level, SimdLevel};
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::{AddAssign, Mul};

/// Rows whose dot products share each load of the vector.
const ROWS: usize = 4;
/// Outputs the portable scaled-row sum keeps while it walks the rows.
const BLOCK: usize = 64;
/// The most partial sums a dot product keeps (16 f32).
const MAX_LANES: usize = 16;

/// The element types with matrix–vector kernels: f32 and f64.
pub(super) trait MatvecElement:
    Copy + Default + Send + Sync + AddAssign + Mul<Output = Self>
{
    /// The partial sums of a dot product: one 512-bit register's lanes.
    const LANES: usize;

    /// Four dot products with `x`, at `level`.
    fn dot4(level: SimdLevel, rows: [&[Self]; ROWS], x: &[Self]) -> [Self; ROWS];

    /// `sums[j] = Σ_t x[t] · rows[t][j]`, at `level`.
    fn scaled_rows(level: SimdLevel, sums: &mut [Self], rows: Rows<'_, Self>, x: &[Self]);
}

/// `MatvecElement` for `$t`, through the x86 kernels named.
macro_rules! impl_matvec_element {
    ($t:ty, $lanes:literal, $dot_512:ident, $dot_256:ident, $rows_512:ident, $rows_256:ident) => {
        impl MatvecElement for $t {
            const LANES: usize = $lanes;

            #[inline]
            fn dot4(level: SimdLevel, rows: [&[$t]; ROWS], x: &[$t]) -> [$t; ROWS] {
                match level {
                    // SAFETY: the level is only reported when the CPU has the features the
                    // kernel enables, and every row holds `x.len()` elements.
                    #[cfg(target_arch = "x86_64")]
                    SimdLevel::Avx512 => unsafe { x86::$dot_512(rows, x) },
                    #[cfg(target_arch = "x86_64")]
                    SimdLevel::Avx2 => unsafe { x86::$dot_256(rows, x) },
                    _ => rows.map(|row| dot_portable(row, x)),
                }
            }

            #[inline]
            fn scaled_rows(level: SimdLevel, sums: &mut [$t], rows: Rows<'_, $t>, x: &[$t]) {
                match level {
                    // SAFETY: as in `dot4`; every row holds `sums.len()` elements.
                    #[cfg(target_arch = "x86_64")]
                    SimdLevel::Avx512 => unsafe { x86::$rows_512(sums, rows, x) },
                    #[cfg(target_arch = "x86_64")]
                    SimdLevel::Avx2 => unsafe { x86::$rows_256(sums, rows, x) },
                    _ => scaled_rows_portable(sums, 0, rows, x),
                }
            }
        }
    };
}

impl_matvec_element!(
    f32,
    16,
    dot4_ps_512,
    dot4_ps_256,
    scaled_rows_ps_512,
    scaled_rows_ps_256
);
impl_matvec_element!(
    f64,
    8,
    dot4_pd_512,
    dot4_pd_256,
    scaled_rows_pd_512,
    scaled_rows_pd_256
);

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`, for an `m × k` by `k × n`
/// product with `m = 1 < n` or `n = 1 < m` whose matrix has unit stride along one of its axes.
/// Returns false, touching nothing, for any other product; panics, as every product does,
/// when the shapes do not fit. A matrix of
/// [`PARALLEL_MATMUL_THRESHOLD`] elements or more has its outputs split among `threads`
/// rayon tasks; each output is computed as on one thread, so the bits are the same.
pub(super) fn matrix_vector_product<T: MatvecElement>(
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accumulate: bool,
    threads: usize,
) -> bool {
    let (m, k, n) = check_dims(dst, &lhs, &rhs);
    if k == 0 {
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
    let x: Cow<'_, [T]> = if vector.cs() == 1 {
        Cow::Borrowed(&vector.data()[vector.offset()..vector.offset() + k])
    } else {
        Cow::Owned((0..k).map(|t| vector.at(0, t)).collect())
    };
    let data = &matrix.data()[matrix.offset()..];
    let level = active_level();
    // The outputs from `first` on, into `part`.
    let outputs_from = |first: usize, part: &mut [T]| {
        if along_k {
            let rows = Rows::new(&data[first * stride..], stride, part.len(), k);
            dots(level, part, rows, &x, accumulate);
        } else {
            let rows = Rows::new(&data[first..], stride, k, part.len());
            if accumulate {
                let mut sums = vec![T::default(); part.len()];
                T::scaled_rows(level, &mut sums, rows, &x);
                store(part, &sums, true);
            } else {
                T::scaled_rows(level, part, rows, &x);
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
pub(super) struct Rows<'a, T> {
    data: &'a [T],
    stride: usize,
    count: usize,
    len: usize,
}

impl<'a, T> Rows<'a, T> {
    fn new(data: &'a [T], stride: usize, count: usize, len: usize) -> Rows<'a, T> {
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
    fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.stride..i * self.stride + self.len]
    }
}

/// `dst[i] (+)= rows[i] · x` at `level`.
fn dots<T: MatvecElement>(
    level: SimdLevel,
    dst: &mut [T],
    rows: Rows<'_, T>,
    x: &[T],
    accumulate: bool,
) {
    debug_assert!(rows.count == dst.len() && rows.len == x.len());
    let mut i = 0;
    for block in dst.chunks_exact_mut(ROWS) {
        let four = [
            rows.row(i),
            rows.row(i + 1),
            rows.row(i + 2),
            rows.row(i + 3),
        ];
        store(block, &T::dot4(level, four, x), accumulate);
        i += ROWS;
    }
    for (r, d) in dst.iter_mut().enumerate().skip(i) {
        store(
            std::slice::from_mut(d),
            &[dot_portable(rows.row(r), x)],
            accumulate,
        );
    }
}

/// One dot product in the order every level follows (see the module documentation).
fn dot_portable<T: MatvecElement>(row: &[T], x: &[T]) -> T {
    let lanes_used = T::LANES;
    let whole = x.len() / lanes_used * lanes_used;
    let mut lanes = [T::default(); MAX_LANES];
    for (ws, xs) in row[..whole]
        .chunks_exact(lanes_used)
        .zip(x[..whole].chunks_exact(lanes_used))
    {
        for l in 0..lanes_used {
            lanes[l] += ws[l] * xs[l];
        }
    }
    let mut width = lanes_used / 2;
    while width > 0 {
        for l in 0..width {
            let upper = lanes[l + width];
            lanes[l] += upper;
        }
        width /= 2;
    }
    tail(lanes[0], &row[whole..], &x[whole..])
}

/// `sum` plus the products of the elements past the last whole chunk, in order.
#[inline(always)]
fn tail<T: MatvecElement>(mut sum: T, ws: &[T], xs: &[T]) -> T {
    for (&w, &v) in ws.iter().zip(xs) {
        sum += w * v;
    }
    sum
}

/// The outputs from `start` on, each summed over the rows in order, `BLOCK` at a time.
fn scaled_rows_portable<T: MatvecElement>(
    sums: &mut [T],
    start: usize,
    rows: Rows<'_, T>,
    x: &[T],
) {
    for (b, block) in sums[start..].chunks_mut(BLOCK).enumerate() {
        let from = start + b * BLOCK;
        let len = block.len();
        let mut acc = [T::default(); BLOCK];
        for (t, &xt) in x.iter().enumerate() {
            let ws = &rows.row(t)[from..from + len];
            for (a, &w) in acc.iter_mut().zip(ws) {
                *a += xt * w;
            }
        }
        block.copy_from_slice(&acc[..len]);
    }
}

fn store<T: MatvecElement>(dst: &mut [T], sums: &[T], accumulate: bool) {
    if accumulate {
        dst.iter_mut().zip(sums).for_each(|(d, &s)| *d += s);
    } else {
        dst.copy_from_slice(sums);
    }
}

/// The AVX-512 and AVX2 kernels, one macro per loop instantiated for f32 (`ps`) and f64 (`pd`).
/// Loads read `ptr.add(c)` for `c + width <= len` of a slice of `len` elements only.
#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::{scaled_rows_portable, tail, Rows, ROWS};
    use std::arch::x86_64::*;

    /// Adds a 16-lane f32 sum's halves pairwise down to one lane (the documented order).
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx2")]
    fn reduce_ps_512(v: __m512) -> f32 {
        reduce_ps_256(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps::<1>(v))
    }

    /// Adds lanes `0..8` of a 16-lane f32 sum (`lo`) to lanes `8..16` (`hi`), then halves
    /// pairwise.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn reduce_ps_256(lo: __m256, hi: __m256) -> f32 {
        let s8 = _mm256_add_ps(lo, hi);
        let s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps::<1>(s8));
        let s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
        let s1 = _mm_add_ss(s2, _mm_shuffle_ps::<1>(s2, s2));
        _mm_cvtss_f32(s1)
    }

    /// Adds an 8-lane f64 sum's halves pairwise down to one lane.
    #[inline]
    #[target_feature(enable = "avx512f,avx512dq,avx2")]
    fn reduce_pd_512(v: __m512d) -> f64 {
        reduce_pd_256(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd::<1>(v))
    }

    /// Adds lanes `0..4` of an 8-lane f64 sum (`lo`) to lanes `4..8` (`hi`), then halves
    /// pairwise.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn reduce_pd_256(lo: __m256d, hi: __m256d) -> f64 {
        let s4 = _mm256_add_pd(lo, hi);
        let s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd::<1>(s4));
        let s1 = _mm_add_sd(s2, _mm_unpackhi_pd(s2, s2));
        _mm_cvtsd_f64(s1)
    }

    /// Four dot products with one 512-bit register of `$lanes` partial sums per row.
    macro_rules! dot4_one_register {
        ($(#[$doc:meta])* $name:ident, $t:ty, $lanes:literal, $zero:ident, $load:ident,
         $add:ident, $mul:ident, $reduce:ident) => {
            $(#[$doc])*
            #[target_feature(enable = "avx512f,avx512dq,avx2")]
            pub(super) unsafe fn $name(rows: [&[$t]; ROWS], x: &[$t]) -> [$t; ROWS] {
                let whole = x.len() / $lanes * $lanes;
                let p = rows.map(<[$t]>::as_ptr);
                let xp = x.as_ptr();
                let mut acc = [$zero(); ROWS];
                let mut c = 0;
                while c < whole {
                    // SAFETY: c + $lanes <= whole <= the length of x and of every row.
                    unsafe {
                        let xv = $load(xp.add(c));
                        for r in 0..ROWS {
                            acc[r] = $add(acc[r], $mul($load(p[r].add(c)), xv));
                        }
                    }
                    c += $lanes;
                }
                let mut sums = [0.0; ROWS];
                for r in 0..ROWS {
                    sums[r] = tail($reduce(acc[r]), &rows[r][whole..], &x[whole..]);
                }
                sums
            }
        };
    }

    /// Four dot products with two 256-bit registers of partial sums per row (lanes
    /// `0..$lanes/2` and the rest), the same `$lanes` sums as the 512-bit kernel.
    macro_rules! dot4_two_registers {
        ($(#[$doc:meta])* $name:ident, $t:ty, $lanes:literal, $zero:ident, $load:ident,
         $add:ident, $mul:ident, $reduce:ident) => {
            $(#[$doc])*
            #[target_feature(enable = "avx2")]
            pub(super) unsafe fn $name(rows: [&[$t]; ROWS], x: &[$t]) -> [$t; ROWS] {
                const HALF: usize = $lanes / 2;
                let whole = x.len() / $lanes * $lanes;
                let p = rows.map(<[$t]>::as_ptr);
                let xp = x.as_ptr();
                let mut lo = [$zero(); ROWS];
                let mut hi = [$zero(); ROWS];
                let mut c = 0;
                while c < whole {
                    // SAFETY: c + $lanes <= whole <= the length of x and of every row.
                    unsafe {
                        let xl = $load(xp.add(c));
                        let xh = $load(xp.add(c + HALF));
                        for r in 0..ROWS {
                            lo[r] = $add(lo[r], $mul($load(p[r].add(c)), xl));
                            hi[r] = $add(hi[r], $mul($load(p[r].add(c + HALF)), xh));
                        }
                    }
                    c += $lanes;
                }
                let mut sums = [0.0; ROWS];
                for r in 0..ROWS {
                    sums[r] = tail($reduce(lo[r], hi[r]), &rows[r][whole..], &x[whole..]);
                }
                sums
            }
        };
    }

    /// `sums[j] = Σ_t x[t] · rows[t][j]` with `$width`-lane registers: `$regs` registers of
    /// outputs per pass over the rows, then the whole registers left in one more pass, then the
    /// rest in plain code (each output summed in the same order whichever path takes it).
    /// Every pass reads all the rows, so the fewer passes the better while the accumulators
    /// fit in registers (AVX-512, Intel Xeon: `Wᵀ · g` for a 384x128 f32 `W` took 2.14 µs in
    /// one pass of eight registers against 2.49 in two of four).
    macro_rules! scaled_rows_kernel {
        ($(#[$doc:meta])* $name:ident, $t:ty, $features:literal, $width:literal, $regs:literal,
         $zero:ident, $splat:ident, $load:ident, $store:ident, $add:ident, $mul:ident) => {
            $(#[$doc])*
            #[target_feature(enable = $features)]
            pub(super) unsafe fn $name(sums: &mut [$t], rows: Rows<'_, $t>, x: &[$t]) {
                /// Outputs `j..j + R·$width` into `out`.
                ///
                /// # Safety
                /// `j + R·$width` must not exceed the rows' length, nor `out`'s.
                #[target_feature(enable = $features)]
                unsafe fn pass<const R: usize>(out: *mut $t, j: usize, rows: Rows<'_, $t>, x: &[$t]) {
                    let mut acc = [$zero(); R];
                    for (t, &xt) in x.iter().enumerate() {
                        let row = rows.row(t);
                        let xv = $splat(xt);
                        for (q, a) in acc.iter_mut().enumerate() {
                            // SAFETY: j + R·$width <= the row's length (the caller's promise).
                            let w = unsafe { $load(row.as_ptr().add(j + $width * q)) };
                            *a = $add(*a, $mul(xv, w));
                        }
                    }
                    for (q, a) in acc.iter().enumerate() {
                        // SAFETY: j + R·$width <= out's length (the caller's promise).
                        unsafe { $store(out.add(j + $width * q), *a) };
                    }
                }
                const BLOCK: usize = $width * $regs;
                let n = sums.len();
                let out = sums.as_mut_ptr();
                let mut j = 0;
                while j + BLOCK <= n {
                    // SAFETY: j + BLOCK <= n, the rows' length and sums' length.
                    unsafe { pass::<$regs>(out, j, rows, x) };
                    j += BLOCK;
                }
                let left = (n - j) / $width;
                // SAFETY: j + left·$width <= n, as above.
                unsafe {
                    match left {
                        0 => {}
                        1 => pass::<1>(out, j, rows, x),
                        2 => pass::<2>(out, j, rows, x),
                        3 => pass::<3>(out, j, rows, x),
                        4 => pass::<4>(out, j, rows, x),
                        5 => pass::<5>(out, j, rows, x),
                        6 => pass::<6>(out, j, rows, x),
                        _ => pass::<7>(out, j, rows, x),
                    }
                }
                scaled_rows_portable(sums, j + left * $width, rows, x);
            }
        };
    }

    dot4_one_register!(
        /// f32 dot products in zmm registers.
        ///
        /// # Safety
        /// The CPU must have AVX-512 F and DQ; every row must hold `x.len()` elements.
        dot4_ps_512, f32, 16, _mm512_setzero_ps, _mm512_loadu_ps, _mm512_add_ps,
        _mm512_mul_ps, reduce_ps_512
    );
    dot4_one_register!(
        /// f64 dot products in zmm registers.
        ///
        /// # Safety
        /// The CPU must have AVX-512 F and DQ; every row must hold `x.len()` elements.
        dot4_pd_512, f64, 8, _mm512_setzero_pd, _mm512_loadu_pd, _mm512_add_pd,
        _mm512_mul_pd, reduce_pd_512
    );
    dot4_two_registers!(
        /// f32 dot products in ymm registers.
        ///
        /// # Safety
        /// The CPU must have AVX2; every row must hold `x.len()` elements.
        dot4_ps_256, f32, 16, _mm256_setzero_ps, _mm256_loadu_ps, _mm256_add_ps,
        _mm256_mul_ps, reduce_ps_256
    );
    dot4_two_registers!(
        /// f64 dot products in ymm registers.
        ///
        /// # Safety
        /// The CPU must have AVX2; every row must hold `x.len()` elements.
        dot4_pd_256, f64, 8, _mm256_setzero_pd, _mm256_loadu_pd, _mm256_add_pd,
        _mm256_mul_pd, reduce_pd_256
    );
    scaled_rows_kernel!(
        /// f32 scaled-row sums in zmm registers, 64 outputs per pass.
        ///
        /// # Safety
        /// The CPU must have AVX-512 F; every row must hold `sums.len()` elements.
        scaled_rows_ps_512, f32, "avx512f,avx512dq,avx2", 16, 8, _mm512_setzero_ps,
        _mm512_set1_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_add_ps, _mm512_mul_ps
    );
    scaled_rows_kernel!(
        /// f64 scaled-row sums in zmm registers, 64 outputs per pass.
        ///
        /// # Safety
        /// The CPU must have AVX-512 F; every row must hold `sums.len()` elements.
        scaled_rows_pd_512, f64, "avx512f,avx512dq,avx2", 8, 8, _mm512_setzero_pd,
        _mm512_set1_pd, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_add_pd, _mm512_mul_pd
    );
    scaled_rows_kernel!(
        /// f32 scaled-row sums in ymm registers, 64 outputs per pass.
        ///
        /// # Safety
        /// The CPU must have AVX2; every row must hold `sums.len()` elements.
        scaled_rows_ps_256, f32, "avx2", 8, 8, _mm256_setzero_ps, _mm256_set1_ps,
        _mm256_loadu_ps, _mm256_storeu_ps, _mm256_add_ps, _mm256_mul_ps
    );
    scaled_rows_kernel!(
        /// f64 scaled-row sums in ymm registers, 32 outputs per pass (eight of the sixteen
        /// registers).
        ///
        /// # Safety
        /// The CPU must have AVX2; every row must hold `sums.len()` elements.
        scaled_rows_pd_256, f64, "avx2", 4, 8, _mm256_setzero_pd, _mm256_set1_pd,
        _mm256_loadu_pd, _mm256_storeu_pd, _mm256_add_pd, _mm256_mul_pd
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(i: usize) -> f64 {
        ((i * 7919 % 1000) as f64 - 500.0) / 37.0
    }

    /// Every orientation, around the lane and block widths, overwriting and accumulating,
    /// against a naive sum in f64 (to `T`'s rounding: `eps` per unit of the terms' absolute
    /// sum). `tests/matmul_levels.rs` checks that each SIMD level gives the same bits.
    fn check_against_a_naive_loop<T: MatvecElement>(
        to: fn(f64) -> T,
        from: fn(T) -> f64,
        eps: f64,
    ) {
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
                    let lhs_store: Vec<T> = (0..m * k).map(|i| to(value(i))).collect();
                    let rhs_store: Vec<T> = (0..k * n).map(|i| to(value(i + 3))).collect();
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
                    let start: Vec<T> = (0..m * n).map(|i| to(value(i + 5))).collect();
                    let mut got = start.clone();
                    let case = format!("{m}x{k}·{k}x{n}, transposed {transposed}");
                    assert!(
                        matrix_vector_product(&mut got, lhs, rhs, accumulate, 1),
                        "{case}: refused"
                    );
                    for (o, &g) in got.iter().enumerate() {
                        let (i, j) = (o / n, o % n);
                        let terms = (0..k).map(|t| from(lhs.at(i, t)) * from(rhs.at(t, j)));
                        let scale: f64 =
                            terms.clone().map(f64::abs).sum::<f64>() + from(start[o]).abs();
                        let p: f64 = terms.sum();
                        let w = if accumulate { p + from(start[o]) } else { p };
                        assert!(
                            (from(g) - w).abs() <= eps * scale,
                            "{case}, accumulate {accumulate}: {} vs {w}",
                            from(g)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn products_with_one_row_or_one_column_match_a_naive_loop() {
        check_against_a_naive_loop::<f32>(|v| v as f32, f64::from, 1e-6);
        check_against_a_naive_loop::<f64>(|v| v, |v| v, 1e-14);
    }

    /// A matrix past the threading threshold, in both orientations, overwriting and
    /// accumulating: split among threads, every output has the bits it has on one thread.
    #[test]
    fn threaded_products_give_the_single_thread_bits() {
        let (outputs, k) = (2053, 1024);
        assert!(outputs * k >= PARALLEL_MATMUL_THRESHOLD);
        let matrix: Vec<f32> = (0..outputs * k).map(|i| value(i) as f32).collect();
        let vector: Vec<f32> = (0..k).map(|i| value(i + 11) as f32).collect();
        let start: Vec<f32> = (0..outputs).map(|i| value(i + 5) as f32).collect();
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
