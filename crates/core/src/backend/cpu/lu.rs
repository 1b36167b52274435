//! LU factorisation with partial pivoting of a row-major matrix, in place (LAPACK's `getrf`).
//!
//! The algorithm is LAPACK's recursive `getrf2` (Toledo's): split the columns in half, factor
//! the left half, swap the right half's rows the same way, solve with the left half's unit
//! lower triangle, subtract one matrix product from the trailing block and factor it. Nearly
//! all the work lands in matrix products (`gemm`, threaded when large), so the factorisation
//! runs near the machine's matrix-product speed; the triangular solve recurses the same way.
//! Narrow panels (16 columns or fewer) are factored column by column in a column-major copy:
//! in the row-major original a column's elements lie a whole row apart, often a page apart,
//! and the pivot search and updates would touch one cache line (and one TLB entry) per
//! element.
//!
//! Pivots are chosen as LAPACK's `i?amax` chooses them: the first element of largest absolute
//! value on or below the diagonal. A zero pivot leaves its column alone (no division), and a
//! pivot below the smallest normal number divides instead of multiplying by its reciprocal,
//! as `getrf2` does.

use super::matmul::gemm_at_level::{self, GemmFn};
use super::simd::{self, Kernel};
use std::ops::{Add, Div, Mul, Neg, Sub};

/// Panels of at most this many columns are factored column by column.
const NARROW: usize = 16;

/// Products of fewer multiply-adds than this run on one thread. Above `matmul`'s general
/// threshold because the factorisation's products come one after another, each handing out
/// and collecting its share: on 2 cores (AMD EPYC, AVX2, 2026-12-06) a 256x256 factorisation
/// took 0.25 ms on one thread and 0.34 ms with its 2^21-2^23 products split.
const PARALLEL_PRODUCT_WORK: usize = 1 << 23;

/// The real element types the factorisation runs on (f32 and f64, through `gemm`).
pub trait LuElement:
    Copy
    + PartialOrd
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Zero.
    const ZERO: Self;
    /// One.
    const ONE: Self;
    /// The smallest positive normal number (LAPACK's `sfmin`).
    const MIN_POSITIVE: Self;
    /// `|self|`.
    fn abs(self) -> Self;
    /// `gemm`'s product for this type at the active SIMD level.
    fn gemm() -> GemmFn<Self>;
}

impl LuElement for f32 {
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;
    const MIN_POSITIVE: f32 = f32::MIN_POSITIVE;
    fn abs(self) -> f32 {
        f32::abs(self)
    }
    fn gemm() -> GemmFn<f32> {
        gemm_at_level::f32(simd::active_level())
    }
}

impl LuElement for f64 {
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    const MIN_POSITIVE: f64 = f64::MIN_POSITIVE;
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    fn gemm() -> GemmFn<f64> {
        gemm_at_level::f64(simd::active_level())
    }
}

/// Whether [`lu_in_place`] of an `m`×`n` matrix hands its matrix products to more than one
/// thread when allowed: the largest product is the first trailing update, about
/// (m/2)·(n/2)·(k/2); when even that runs on one thread, so does everything.
pub fn splits_products(m: usize, n: usize) -> bool {
    let k = m.min(n);
    let top_product = (m / 2).saturating_mul(n / 2).saturating_mul(k / 2);
    top_product >= PARALLEL_PRODUCT_WORK
}

/// Factors the row-major `m`×`n` matrix `a` in place: afterwards its strict lower triangle
/// holds `L` (unit diagonal implied) and its upper triangle `U`, with `P a = L U`. Writes
/// LAPACK's row swaps into `pivots` (`min(m, n)` of them, 0-based): row `i` was swapped with
/// row `pivots[i]`, in order. Matrix products use up to `threads` threads (those large enough
/// to pay for them); with more than one, the factorisation runs on a rayon worker, so the
/// products it hands out start without a cross-thread wake-up each.
///
/// Panics if `a` does not hold `m·n` elements or `pivots` `min(m, n)`.
pub fn lu_in_place<T: LuElement>(
    a: &mut [T],
    m: usize,
    n: usize,
    pivots: &mut [usize],
    threads: usize,
) {
    assert!(
        a.len() == m * n && pivots.len() == m.min(n),
        "lu_in_place: a {m}x{n} matrix needs {} elements and {} pivots, got {} and {}",
        m * n,
        m.min(n),
        a.len(),
        pivots.len()
    );
    let block = Block {
        ptr: a.as_mut_ptr(),
        rows: m,
        cols: n,
        ld: n,
    };
    let threads = if splits_products(m, n) { threads } else { 1 };
    if threads > 1 && rayon::current_thread_index().is_none() {
        rayon::scope(move |_| {
            // SAFETY: `block` covers exactly `a`, borrowed mutably for this whole call; the
            // scope returns only after the closure does.
            unsafe { factor(block, pivots, threads) }
        });
    } else {
        // SAFETY: as above.
        unsafe { factor(block, pivots, threads) }
    }
}

/// A rectangle of a row-major matrix: element `(i, j)` at `ptr + i·ld + j`. Every block in a
/// factorisation derives from the one `&mut` slice of [`lu_in_place`], and the blocks a step
/// reads and writes at the same time are disjoint.
struct Block<T> {
    ptr: *mut T,
    rows: usize,
    cols: usize,
    ld: usize,
}

impl<T> Clone for Block<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Block<T> {}

// SAFETY: a block is a view into a slice the factorisation borrows mutably; it moves to a
// rayon worker only inside `lu_in_place`'s scope, which outlives every use.
unsafe impl<T: Send> Send for Block<T> {}

impl<T> Block<T> {
    /// The `rows`×`cols` block at `(r0, c0)`.
    ///
    /// # Safety
    /// It must lie inside `self`.
    unsafe fn sub(self, r0: usize, c0: usize, rows: usize, cols: usize) -> Block<T> {
        debug_assert!(r0 + rows <= self.rows && c0 + cols <= self.cols);
        Block {
            // SAFETY: inside `self` (the caller's promise), so inside the allocation.
            ptr: unsafe { self.ptr.add(r0 * self.ld + c0) },
            rows,
            cols,
            ld: self.ld,
        }
    }

    /// Row `i`.
    ///
    /// # Safety
    /// `i < rows`, and no other live reference may overlap the row.
    unsafe fn row<'a>(self, i: usize) -> &'a mut [T] {
        debug_assert!(i < self.rows);
        // SAFETY: the row's `cols` elements lie inside the block (the caller's promise).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(i * self.ld), self.cols) }
    }
}

/// `getrf2` on `a`, pivots relative to its first row.
///
/// # Safety
/// `a` is a valid block that nothing else accesses during the call.
unsafe fn factor<T: LuElement>(a: Block<T>, pivots: &mut [usize], threads: usize) {
    let (m, n) = (a.rows, a.cols);
    let k = m.min(n);
    if k == 0 {
        return;
    }
    if n <= NARROW || k == 1 {
        // SAFETY: forwarded.
        unsafe { factor_narrow(a, pivots) };
        return;
    }
    let n1 = k / 2;
    let n2 = n - n1;
    // SAFETY: every block below lies inside `a`; the ones used together are disjoint (left
    // and right halves; A12 above A22; A21 left of A22).
    unsafe {
        factor(a.sub(0, 0, m, n1), &mut pivots[..n1], threads);
        swap_rows(a.sub(0, n1, m, n2), &pivots[..n1]);
        let a12 = a.sub(0, n1, n1, n2);
        solve_unit_lower(a.sub(0, 0, n1, n1), a12, threads);
        let a21 = a.sub(n1, 0, m - n1, n1);
        let a22 = a.sub(n1, n1, m - n1, n2);
        multiply_subtract(a22, a21, a12, threads);
        factor(a22, &mut pivots[n1..k], threads);
        swap_rows(a21, &pivots[n1..k]);
    }
    for p in &mut pivots[n1..k] {
        *p += n1;
    }
}

/// Applies the row swaps `pivots` (row `i` with row `pivots[i]`, in order) to `a`.
///
/// # Safety
/// `a` is a valid block holding every row named, accessed by nothing else.
unsafe fn swap_rows<T>(a: Block<T>, pivots: &[usize]) {
    for (i, &p) in pivots.iter().enumerate() {
        if p != i {
            // SAFETY: rows i and p differ, so the two slices are disjoint.
            unsafe { a.row(i).swap_with_slice(a.row(p)) }
        }
    }
}

/// `b = L⁻¹ b` for `l`'s unit lower triangle (its diagonal and upper part unread).
///
/// # Safety
/// `l` and `b` are valid, disjoint blocks, `b` with as many rows as `l`.
unsafe fn solve_unit_lower<T: LuElement>(l: Block<T>, b: Block<T>, threads: usize) {
    let n = l.rows;
    if n <= NARROW {
        simd::dispatch(SolveNarrow { l, b });
        return;
    }
    let h = n / 2;
    // SAFETY: the halves lie inside `l` and `b`; `b`'s halves are disjoint.
    unsafe {
        let top = b.sub(0, 0, h, b.cols);
        let bottom = b.sub(h, 0, n - h, b.cols);
        solve_unit_lower(l.sub(0, 0, h, h), top, threads);
        multiply_subtract(bottom, l.sub(h, 0, n - h, h), top, threads);
        solve_unit_lower(l.sub(h, h, n - h, n - h), bottom, threads);
    }
}

/// `dst -= lhs · rhs` through `gemm`, threaded above the size where that pays.
///
/// # Safety
/// Valid blocks with matching shapes; `dst` disjoint from both operands.
unsafe fn multiply_subtract<T: LuElement>(
    dst: Block<T>,
    lhs: Block<T>,
    rhs: Block<T>,
    threads: usize,
) {
    let (m, n, k) = (dst.rows, dst.cols, lhs.cols);
    debug_assert!(lhs.rows == m && rhs.rows == k && rhs.cols == n);
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let parallelism =
        if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= PARALLEL_PRODUCT_WORK {
            gemm::Parallelism::Rayon(threads)
        } else {
            gemm::Parallelism::None
        };
    let ld = |b: &Block<T>| b.ld as isize;
    // SAFETY: gemm reads `lhs` and `rhs` and reads and writes `dst` within their rows and
    // columns, at the strides given (the caller vouches for the blocks); it computes
    // dst = 1 · dst + (-1) · lhs · rhs without conjugation.
    unsafe {
        T::gemm()(
            m,
            n,
            k,
            dst.ptr,
            1,
            ld(&dst),
            true,
            lhs.ptr,
            1,
            ld(&lhs),
            rhs.ptr,
            1,
            ld(&rhs),
            T::ONE,
            -T::ONE,
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// `getf2` on a panel of at most [`NARROW`] columns (or one row), through a column-major copy.
///
/// # Safety
/// `a` is a valid block that nothing else accesses during the call.
unsafe fn factor_narrow<T: LuElement>(a: Block<T>, pivots: &mut [usize]) {
    let (m, n) = (a.rows, a.cols);
    let mut columns = vec![T::ZERO; m * n];
    for i in 0..m {
        // SAFETY: i < m.
        let row = unsafe { a.row(i) };
        for (c, &v) in row.iter().enumerate() {
            columns[c * m + i] = v;
        }
    }
    simd::dispatch(FactorColumns {
        columns: &mut columns,
        m,
        n,
        pivots,
    });
    for i in 0..m {
        // SAFETY: i < m.
        let row = unsafe { a.row(i) };
        for (c, v) in row.iter_mut().enumerate() {
            *v = columns[c * m + i];
        }
    }
}

/// The column-by-column factorisation of a column-major `m`×`n` panel, compiled per SIMD
/// level (the updates down a column vectorise).
struct FactorColumns<'a, T> {
    columns: &'a mut [T],
    m: usize,
    n: usize,
    pivots: &'a mut [usize],
}

impl<T: LuElement> Kernel for FactorColumns<'_, T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        factor_columns(self.columns, self.m, self.n, self.pivots);
    }
}

#[inline(always)]
fn factor_columns<T: LuElement>(columns: &mut [T], m: usize, n: usize, pivots: &mut [usize]) {
    for j in 0..m.min(n) {
        let mut p = j;
        let mut best = columns[j * m + j].abs();
        for i in j + 1..m {
            let v = columns[j * m + i].abs();
            if v > best {
                best = v;
                p = i;
            }
        }
        pivots[j] = p;
        if p != j {
            for c in 0..n {
                columns.swap(c * m + j, c * m + p);
            }
        }
        let (done, rest) = columns.split_at_mut((j + 1) * m);
        let column = &mut done[j * m..];
        let pivot = column[j];
        if pivot != T::ZERO {
            if pivot.abs() >= T::MIN_POSITIVE {
                let r = T::ONE / pivot;
                column[j + 1..].iter_mut().for_each(|x| *x = *x * r);
            } else {
                column[j + 1..].iter_mut().for_each(|x| *x = *x / pivot);
            }
        }
        let below = &column[j + 1..];
        for other in rest.chunks_exact_mut(m) {
            let u = other[j];
            for (d, &l) in other[j + 1..].iter_mut().zip(below) {
                *d = *d - l * u;
            }
        }
    }
}

/// Forward substitution with a unit lower triangle of at most [`NARROW`] rows, row by row
/// (each step an update of a whole contiguous row of `b`), compiled per SIMD level.
struct SolveNarrow<T> {
    l: Block<T>,
    b: Block<T>,
}

impl<T: LuElement> Kernel for SolveNarrow<T> {
    type Output = ();

    #[inline(always)]
    fn run(self) {
        let (l, b) = (self.l, self.b);
        for i in 1..l.rows {
            for t in 0..i {
                // SAFETY: `solve_unit_lower`'s caller vouches for the blocks; rows t < i of
                // `b` are disjoint, and `l` is disjoint from `b`.
                let (f, source, target) = unsafe { (l.row(i)[t], b.row(t), b.row(i)) };
                for (d, &s) in target.iter_mut().zip(source.iter()) {
                    *d = *d - f * s;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic matrix with entries in [-0.5, 0.5).
    fn matrix(m: usize, n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..m * n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    /// LAPACK's unblocked `getf2` in f64, the reference.
    fn getf2(a: &mut [f64], m: usize, n: usize) -> Vec<usize> {
        let mut pivots = vec![0; m.min(n)];
        for j in 0..m.min(n) {
            let mut p = j;
            for i in j + 1..m {
                if a[i * n + j].abs() > a[p * n + j].abs() {
                    p = i;
                }
            }
            pivots[j] = p;
            for c in 0..n {
                a.swap(j * n + c, p * n + c);
            }
            let pivot = a[j * n + j];
            if pivot != 0.0 {
                for i in j + 1..m {
                    a[i * n + j] /= pivot;
                }
            }
            for i in j + 1..m {
                for c in j + 1..n {
                    a[i * n + c] -= a[i * n + j] * a[j * n + c];
                }
            }
        }
        pivots
    }

    /// max |P a - L U| for a factorisation `lu` with `pivots`.
    fn residual(a: &[f64], lu: &[f64], pivots: &[usize], m: usize, n: usize) -> f64 {
        let mut pa = a.to_vec();
        for (i, &p) in pivots.iter().enumerate() {
            for c in 0..n {
                pa.swap(i * n + c, p * n + c);
            }
        }
        let mut worst = 0f64;
        for i in 0..m {
            for j in 0..n {
                let s: f64 = (0..=i.min(j).min(m.min(n) - 1))
                    .map(|t| {
                        let l = if t == i { 1.0 } else { lu[i * n + t] };
                        l * lu[t * n + j]
                    })
                    .sum();
                worst = worst.max((s - pa[i * n + j]).abs());
            }
        }
        worst
    }

    #[test]
    fn factors_match_the_unblocked_algorithm() {
        // Around the narrow-panel width and the recursion's splits, square, tall and wide.
        for (m, n) in [
            (1, 1),
            (1, 7),
            (7, 1),
            (15, 15),
            (16, 16),
            (17, 17),
            (33, 33),
            (70, 70),
            (100, 37),
            (37, 100),
            (130, 129),
        ] {
            let a = matrix(m, n, (m * 1000 + n) as u64);
            for threads in [1, 2] {
                let mut ours = a.clone();
                let mut pivots = vec![0; m.min(n)];
                lu_in_place(&mut ours, m, n, &mut pivots, threads);
                let mut reference = a.clone();
                let expected = getf2(&mut reference, m, n);
                assert_eq!(pivots, expected, "pivots of a {m}x{n} matrix");
                let close = ours
                    .iter()
                    .zip(&reference)
                    .all(|(x, y)| (x - y).abs() <= 1e-11 * (1.0 + y.abs()));
                assert!(close, "factors of a {m}x{n} matrix differ from getf2's");
                assert!(residual(&a, &ours, &pivots, m, n) < 1e-12);
            }
        }
    }

    #[test]
    fn f32_factors_reconstruct_the_matrix() {
        let n = 200;
        let a = matrix(n, n, 9);
        let mut ours: Vec<f32> = a.iter().map(|&x| x as f32).collect();
        let mut pivots = vec![0; n];
        lu_in_place(&mut ours, n, n, &mut pivots, 2);
        let lu: Vec<f64> = ours.iter().map(|&x| x as f64).collect();
        let a32: Vec<f64> = a.iter().map(|&x| x as f32 as f64).collect();
        assert!(residual(&a32, &lu, &pivots, n, n) < 1e-4);
    }

    #[test]
    fn singular_and_tiny_pivots_behave_as_lapack() {
        // A zero column: its pivot is zero and the column below stays as it is (no 0/0).
        let n = 40;
        let mut a = matrix(n, n, 3);
        for i in 0..n {
            a[i * n + 5] = 0.0;
        }
        let mut ours = a.clone();
        let mut pivots = vec![0; n];
        lu_in_place(&mut ours, n, n, &mut pivots, 1);
        assert!(ours.iter().all(|x| x.is_finite()));
        assert_eq!(ours[5 * n + 5], 0.0);
        assert_eq!(
            pivots[5], 5,
            "no larger element: the first row is the pivot"
        );
        // Subnormal pivots divide (their reciprocal would overflow to infinity).
        let mut tiny = vec![1e-310, 1.0, 3e-310, 2.0];
        let mut pivots = vec![0; 2];
        lu_in_place(&mut tiny, 2, 2, &mut pivots, 1);
        assert_eq!(pivots, [1, 1]);
        assert_eq!(tiny[2], 1e-310 / 3e-310);
        // A NaN is never chosen over a number, as in LAPACK's i?amax.
        let mut with_nan = vec![1.0, 0.0, f64::NAN, 1.0];
        lu_in_place(&mut with_nan, 2, 2, &mut pivots, 1);
        assert_eq!(pivots, [0, 1]);
        assert!(with_nan[2].is_nan() && with_nan[3].is_nan());
    }
}
