//! Matrix products: `dst = lhs · rhs` on strided 2-D views.
//!
//! f32, f64 and f16 go through the `gemm` crate (packed, vectorised micro-kernels; f16 is packed
//! to f32 and accumulated in f32). `gemm` picks its AVX-512 kernels when the CPU has them; when
//! the SIMD level is capped below AVX-512 ([`super::simd::set_max_level`]), f32 and f64 run
//! `gemm`'s AVX2 (FMA) or scalar kernels instead, the paths a CPU without AVX-512 takes, so
//! tests run them on any machine. Levels may differ in the last bits (the summation order and
//! FMA contraction follow each kernel's register blocking). bf16 is converted to f32,
//! multiplied and rounded once, as XLA's CPU backend does. f32 and f64 outer products (inner
//! dimension one) run a row-by-row loop of their own, with gemm's bits; f32 and f64
//! matrix–vector products run the kernels of `matvec`, whose bits are the same at every
//! level. Integers and bool use a plain row-times-matrix loop (wrapping arithmetic; for bool,
//! `or` of `and`s), which the compiler vectorises when `rhs` rows are contiguous.
//!
//! Views take arbitrary non-negative strides, so a transposed operand is multiplied in place
//! instead of being copied first; the exception is a column-major right operand of a product
//! with 16 rows or more, which gemm packs slowly: either it is copied into row-major order
//! first, or, when the other operand and the result are the smaller pair, the product is
//! solved in column-major order between copies of those two.

use crate::array::{ArrayElement, Element, FloatElement};
use half::{bf16, f16};
use num_complex::{Complex32, Complex64};
use rayon::prelude::*;

/// Below this many multiply-adds (`m·n·k`) a product runs on the calling thread: handing work to
/// rayon workers costs more than it saves (about 128³, some twenty microseconds of work on one
/// core: measured on the MLP step, its 128x512x10 products ran faster on one thread).
pub const PARALLEL_MATMUL_THRESHOLD: usize = 1 << 21;

/// A read-only strided matrix view: element `(i, j)` is `data[offset + i·rs + j·cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    offset: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, T: Copy> MatRef<'a, T> {
    /// A view of `rows × cols` elements; panics if it would read past the end of `data`.
    pub fn new(
        data: &'a [T],
        offset: usize,
        rows: usize,
        cols: usize,
        rs: usize,
        cs: usize,
    ) -> MatRef<'a, T> {
        if rows > 0 && cols > 0 {
            let last = offset + (rows - 1) * rs + (cols - 1) * cs;
            assert!(
                last < data.len(),
                "MatRef: a {rows}x{cols} view with strides ({rs}, {cs}) at offset {offset} \
                 reads past a buffer of {} elements",
                data.len()
            );
        }
        MatRef {
            data,
            offset,
            rows,
            cols,
            rs,
            cs,
        }
    }

    /// A contiguous row-major `rows × cols` view of `data`.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> MatRef<'a, T> {
        MatRef::new(data, 0, rows, cols, cols, 1)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    #[inline(always)]
    pub(super) fn at(&self, i: usize, j: usize) -> T {
        self.data[self.offset + i * self.rs + j * self.cs]
    }

    /// The row stride.
    pub(super) fn rs(&self) -> usize {
        self.rs
    }

    /// The column stride.
    pub(super) fn cs(&self) -> usize {
        self.cs
    }

    /// The buffer the view reads.
    pub(super) fn data(&self) -> &'a [T] {
        self.data
    }

    /// Where element (0, 0) is in [`data`](MatRef::data).
    pub(super) fn offset(&self) -> usize {
        self.offset
    }

    /// The transposed view of the same elements.
    pub(super) fn transpose(self) -> MatRef<'a, T> {
        MatRef {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Copies a view with unit row stride (column-major) into a row-major buffer, in tiles.
    fn to_row_major_tiled(self) -> Vec<T>
    where
        T: Send + Sync,
    {
        debug_assert_eq!(self.rs, 1, "to_row_major_tiled: rows must be contiguous");
        super::strided::strided_copy(
            self.data,
            &[self.rows, self.cols],
            &[1, self.cs as isize],
            self.offset as isize,
        )
    }

    /// Copies the view into a contiguous row-major buffer, converting each element.
    fn to_row_major<D>(self, f: impl Fn(T) -> D) -> Vec<D> {
        let mut out = Vec::with_capacity(self.rows * self.cols);
        for i in 0..self.rows {
            out.extend((0..self.cols).map(|j| f(self.at(i, j))));
        }
        out
    }
}

/// Element types with a matrix product.
pub trait MatmulElement: ArrayElement {
    /// Overwrites `dst`, an `m × n` row-major buffer, with `lhs · rhs` (`lhs` is `m × k`,
    /// `rhs` is `k × n`), using at most `threads` threads.
    fn matmul(dst: &mut [Self], lhs: MatRef<'_, Self>, rhs: MatRef<'_, Self>, threads: usize);

    /// Adds `lhs · rhs` to `dst` (same shapes as [`MatmulElement::matmul`]): for a product
    /// summed over several blocks of its inner dimension without a buffer per block. The narrow
    /// floats accumulate in f32 and round once per call, as their `matmul` does.
    fn matmul_add(dst: &mut [Self], lhs: MatRef<'_, Self>, rhs: MatRef<'_, Self>, threads: usize);
}

/// `(m, k, n)` of `lhs · rhs` into `dst`; panics, naming the shapes, when they do not fit.
pub(super) fn check_dims<T>(
    dst: &[T],
    lhs: &MatRef<'_, T>,
    rhs: &MatRef<'_, T>,
) -> (usize, usize, usize) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert!(
        rhs.rows == k && dst.len() == m * n,
        "matmul: cannot multiply {m}x{k} by {}x{n} into {} elements",
        rhs.rows,
        dst.len()
    );
    (m, k, n)
}

/// The parallelism to ask `gemm` for: one thread for small products.
fn parallelism(m: usize, n: usize, k: usize, threads: usize) -> gemm::Parallelism {
    if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MATMUL_THRESHOLD {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    }
}

/// `MatmulElement` for a type `gemm` multiplies, through `$gemm` (a function with
/// `gemm::gemm`'s signature); with `rank_one`, products with an inner dimension of one take
/// [`rank_one_product`] instead; with `rank_one_and_matvec` (f32, f64), products of a matrix
/// and a vector also take [`matrix_vector_product`](super::matvec::matrix_vector_product).
macro_rules! impl_gemm_element {
    ($t:ty, $gemm:expr) => {
        impl_gemm_element!($t, $gemm, |_, _, _, _, _| false);
    };
    ($t:ty, $gemm:expr, rank_one) => {
        impl_gemm_element!($t, $gemm, |dst, lhs, rhs, accumulate, _| {
            rank_one_product(dst, lhs, rhs, accumulate)
        });
    };
    ($t:ty, $gemm:expr, rank_one_and_matvec) => {
        impl_gemm_element!($t, $gemm, rank_one_or_matrix_vector);
    };
    ($t:ty, $gemm:expr, $rank_one:expr) => {
        impl MatmulElement for $t {
            fn matmul(dst: &mut [$t], lhs: MatRef<'_, $t>, rhs: MatRef<'_, $t>, threads: usize) {
                if !$rank_one(&mut *dst, lhs, rhs, false, threads) {
                    gemm_product($gemm, dst, lhs, rhs, threads, false)
                }
            }

            fn matmul_add(
                dst: &mut [$t],
                lhs: MatRef<'_, $t>,
                rhs: MatRef<'_, $t>,
                threads: usize,
            ) {
                if !$rank_one(&mut *dst, lhs, rhs, true, threads) {
                    gemm_product($gemm, dst, lhs, rhs, threads, true)
                }
            }
        }
    };
}

/// [`rank_one_product`], else [`matrix_vector_product`](super::matvec::matrix_vector_product);
/// false when neither takes the product.
fn rank_one_or_matrix_vector<T: super::matvec::MatvecElement + std::ops::Add<Output = T>>(
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accumulate: bool,
    threads: usize,
) -> bool {
    rank_one_product(&mut *dst, lhs, rhs, accumulate)
        || super::matvec::matrix_vector_product(dst, lhs, rhs, accumulate, threads)
}

/// `dst = lhs · rhs` (or `dst += lhs · rhs` when `accumulate`) for an inner dimension of one:
/// the outer product a matrix-vector product's weight gradient is. Returns false, touching
/// nothing, for any other product. gemm's own loop for this case walks `dst` column by column,
/// one strided scalar store per element (a quarter of the GRU batch-1 step); row by row the
/// stores are contiguous and vectorise. Each element is `a·b` (or `a·b + d`), unfused, as gemm
/// computes it, so the bits are the same.
fn rank_one_product<T>(
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    accumulate: bool,
) -> bool
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    let (m, k, n) = check_dims(dst, &lhs, &rhs);
    if k != 1 || n < RANK_ONE_MIN_COLS {
        return false;
    }
    if rhs.cs == 1 {
        let b = &rhs.data[rhs.offset..rhs.offset + n];
        super::simd::dispatch(RankOneRows {
            dst: &mut dst[..m * n],
            lhs: &lhs,
            b,
            accumulate,
        });
        return true;
    }
    for (i, row) in dst.chunks_exact_mut(n).enumerate().take(m) {
        let a = lhs.at(i, 0);
        if accumulate {
            row.iter_mut()
                .enumerate()
                .for_each(|(j, d)| *d = a * rhs.at(0, j) + *d);
        } else {
            row.iter_mut()
                .enumerate()
                .for_each(|(j, d)| *d = a * rhs.at(0, j));
        }
    }
    true
}

/// [`rank_one_product`]'s loop for a contiguous row `b`, compiled per SIMD level: each row of
/// `dst` is `a_i · b` (plus itself), 16 lanes wide with AVX-512 where the baseline build
/// stores 4; the same unfused operations at every level, so the same bits.
struct RankOneRows<'a, T> {
    dst: &'a mut [T],
    lhs: &'a MatRef<'a, T>,
    b: &'a [T],
    accumulate: bool,
}

impl<T> super::simd::Kernel for RankOneRows<'_, T>
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    type Output = ();
    #[inline(always)]
    fn run(self) {
        for (i, row) in self.dst.chunks_exact_mut(self.b.len()).enumerate() {
            scaled_row(row, self.lhs.at(i, 0), self.b, self.accumulate);
        }
    }
}

/// The fewest columns [`rank_one_product`] takes (narrower products go to `gemm`).
pub(crate) const RANK_ONE_MIN_COLS: usize = 8;

/// `dst += a_t ⊗ b_t` for each of `steps` rank-one updates in turn, `t` ascending (descending
/// when `reverse`): `dst` is `m × n` row-major, `a` is `steps × m` and `b` is `steps × n`. Each
/// update of each element is `a·b + d` as [`rank_one_product`] accumulates it, so with `n` at
/// least [`RANK_ONE_MIN_COLS`] the result has the bits of `steps` accumulating products of
/// one `m × 1` by `1 × n`. The rows are taken a block at a time through all the steps, so a
/// block stays in L1 instead of the whole of `dst` passing through the cache once per step.
///
/// Blocks of rows are split among `threads` rayon tasks for large sums; each element's
/// updates stay in order on one thread, so the bits do not depend on the split.
pub(crate) fn accumulate_rank_one_updates<T>(
    dst: &mut [T],
    a: &[T],
    b: &[T],
    (steps, m, n): (usize, usize, usize),
    reverse: bool,
    threads: usize,
) where
    T: Copy + Send + Sync + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    assert!(
        dst.len() == m * n && a.len() == steps * m && b.len() == steps * n,
        "accumulate_rank_one_updates: {steps} updates of {m}x{n} need {} left and {} right \
         elements and {} destination elements; got {}, {} and {}",
        steps * m,
        steps * n,
        m * n,
        a.len(),
        b.len(),
        dst.len()
    );
    if n == 0 {
        return;
    }
    // Rows from `first` on, into `part`.
    let rows_from = |first: usize, part: &mut [T]| {
        super::simd::dispatch(RankOneUpdates {
            dst: part,
            a,
            b,
            first,
            shape: (steps, m, n),
            reverse,
        })
    };
    if threads > 1 && m.saturating_mul(n).saturating_mul(steps) >= PARALLEL_MATMUL_THRESHOLD {
        let rows = m.div_ceil(threads).next_multiple_of(UPDATE_ROWS);
        dst.par_chunks_mut(rows * n)
            .enumerate()
            .for_each(|(c, part)| rows_from(c * rows, part));
    } else {
        rows_from(0, dst);
    }
}

/// Rows of `dst` that [`accumulate_rank_one_updates`] carries through all the steps together:
/// they share each step's row of `b`, and 8 rows of 128 f32 are 4 KiB, well inside L1.
const UPDATE_ROWS: usize = 8;

/// Columns of a block of [`UPDATE_ROWS`] rows that [`accumulate_rank_one_updates`] holds in
/// registers through all the steps (8 x 16 f32 are eight AVX-512 registers). Walking the
/// block in L1 instead loads and stores every element at every step, and the stores bound the
/// loop: the tiles halved the sum of a GRU's 256 batch-1 weight gradients (384 x 128).
const TILE_COLS: usize = 16;

// `update_tile` holds the rows of a block in eight variables.
const _: () = assert!(UPDATE_ROWS == 8, "update_tile holds eight rows");

/// [`accumulate_rank_one_updates`]'s loop over the rows of `dst` from row `first` on, compiled
/// per SIMD level.
struct RankOneUpdates<'a, T> {
    dst: &'a mut [T],
    a: &'a [T],
    b: &'a [T],
    first: usize,
    /// `(steps, m, n)`.
    shape: (usize, usize, usize),
    reverse: bool,
}

impl<T> super::simd::Kernel for RankOneUpdates<'_, T>
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let (steps, m, n) = self.shape;
        let step = |s: usize| if self.reverse { steps - 1 - s } else { s };
        // Each element takes `a·b + d` for the steps in order, in a tile as in the row loop,
        // so both give the same bits.
        let tiled = n / TILE_COLS * TILE_COLS;
        for (block, rows) in self.dst.chunks_mut(UPDATE_ROWS * n).enumerate() {
            let first = self.first + block * UPDATE_ROWS;
            let done = if rows.len() == UPDATE_ROWS * n {
                for c in (0..tiled).step_by(TILE_COLS) {
                    let steps = (0..steps).map(|s| {
                        let t = step(s);
                        let b = &self.b[t * n + c..][..TILE_COLS];
                        let a = &self.a[t * m + first..][..UPDATE_ROWS];
                        (a, b)
                    });
                    update_tile(rows, n, c, steps);
                }
                tiled
            } else {
                0
            };
            // The columns past the tiles (every column of a short last block), row by row.
            if done < n {
                for s in 0..steps {
                    let t = step(s);
                    let b = &self.b[t * n + done..(t + 1) * n];
                    for (r, row) in rows.chunks_exact_mut(n).enumerate() {
                        scaled_row(&mut row[done..], self.a[t * m + first + r], b, true);
                    }
                }
            }
        }
    }
}

/// Adds `a[r] · b` to row `r` of the tile of [`UPDATE_ROWS`] rows (`n` apart in `rows`) and
/// [`TILE_COLS`] columns from column `c`, for each `(a, b)` of `steps` in turn. The rows are
/// separate variables: held in one `[[T; TILE_COLS]; UPDATE_ROWS]`, LLVM kept the tile in
/// memory and ran it scalar, 5x slower than the row loop.
#[inline(always)]
fn update_tile<'s, T>(
    rows: &mut [T],
    n: usize,
    c: usize,
    steps: impl Iterator<Item = (&'s [T], &'s [T])>,
) where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T> + 's,
{
    #[inline(always)]
    fn add_scaled<T>(acc: &mut [T; TILE_COLS], a: T, b: &[T; TILE_COLS])
    where
        T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
    {
        for j in 0..TILE_COLS {
            acc[j] = a * b[j] + acc[j];
        }
    }
    let at = |r: usize| c + r * n..c + r * n + TILE_COLS;
    let load = |r: usize| -> [T; TILE_COLS] { rows[at(r)].try_into().expect("a tile row") };
    let (mut r0, mut r1, mut r2, mut r3) = (load(0), load(1), load(2), load(3));
    let (mut r4, mut r5, mut r6, mut r7) = (load(4), load(5), load(6), load(7));
    for (a, b) in steps {
        let b: &[T; TILE_COLS] = b.try_into().expect("a tile's columns of b");
        let a: &[T; UPDATE_ROWS] = a.try_into().expect("a block's rows of a");
        add_scaled(&mut r0, a[0], b);
        add_scaled(&mut r1, a[1], b);
        add_scaled(&mut r2, a[2], b);
        add_scaled(&mut r3, a[3], b);
        add_scaled(&mut r4, a[4], b);
        add_scaled(&mut r5, a[5], b);
        add_scaled(&mut r6, a[6], b);
        add_scaled(&mut r7, a[7], b);
    }
    for (r, acc) in [r0, r1, r2, r3, r4, r5, r6, r7].iter().enumerate() {
        rows[at(r)].copy_from_slice(acc);
    }
}

/// `row = a · b`, or `row += a · b`; the slices are arguments so that they carry `noalias`
/// (see `elementwise.rs`), which lets the loop vectorise.
#[inline(always)]
fn scaled_row<T>(row: &mut [T], a: T, b: &[T], accumulate: bool)
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    if accumulate {
        row.iter_mut().zip(b).for_each(|(d, &b)| *d = a * b + *d);
    } else {
        row.iter_mut().zip(b).for_each(|(d, &b)| *d = a * b);
    }
}

/// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`, through `gemm`, a function with
/// `gemm::gemm`'s signature.
fn gemm_product<T: ArrayElement + Send + Sync>(
    gemm: gemm_at_level::GemmFn<T>,
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    threads: usize,
    accumulate: bool,
) {
    let (m, k, n) = check_dims(dst, &lhs, &rhs);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.fill(T::zero());
        }
        return;
    }
    // A column-major `rhs` (the `x · Wᵀ` of every `Linear` layer) is a row-major left operand
    // in the transposed problem gemm solves for our row-major `dst`, and gemm packs that
    // element by element: the MLP step's (128, 512) · (512, 512)ᵀ ran at 78 GFLOP/s. Below 16
    // rows that is still the cheapest way; above, one of two copies comes first. Eager
    // products see the same layouts (their transposes are materialised), so jitted and eager
    // bits agree.
    if rhs.rs == 1 && rhs.cs != 1 && m >= 16 && !accumulate && m * (k + n) < n * k {
        column_major_product(gemm, dst, lhs, rhs, threads);
        return;
    }
    let rhs_row_major;
    let rhs = if rhs.rs == 1 && rhs.cs != 1 && m >= 16 {
        // The tiled copy of `rhs` into row-major order: (128, 512) · (512, 512)ᵀ at 180
        // GFLOP/s, copy included.
        rhs_row_major = rhs.to_row_major_tiled();
        MatRef::row_major(&rhs_row_major, k, n)
    } else {
        rhs
    };
    // SAFETY: `check_dims` checked that dst holds m·n elements, which row stride n and column
    // stride 1 keep inside it.
    unsafe {
        call_gemm(
            gemm,
            dst.as_mut_ptr(),
            (n, 1),
            accumulate,
            lhs,
            rhs,
            threads,
        )
    }
}

/// gemm's `out = lhs · rhs`, or `out += lhs · rhs` when `accumulate` (`out` then read), with
/// element `(i, j)` of `out` at `i·strides.0 + j·strides.1`, on `threads` threads when the
/// product is large enough.
///
/// # Safety
/// `out` must be valid for reads (when accumulating) and writes of every element the strides
/// reach for `i < lhs.rows`, `j < rhs.cols`, and `lhs.cols` must equal `rhs.rows`.
unsafe fn call_gemm<T: ArrayElement + Send + Sync>(
    gemm: gemm_at_level::GemmFn<T>,
    out: *mut T,
    strides: (usize, usize),
    accumulate: bool,
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    threads: usize,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    // SAFETY: `MatRef::new` checked that every (i, j) with i < rows, j < cols lies inside each
    // operand's buffer; the caller vouches for `out`. gemm computes out = alpha · out + beta ·
    // lhs · rhs, reading out only when asked to (alpha = 1 then), without conjugation.
    unsafe {
        gemm(
            m,
            n,
            k,
            out,
            strides.1 as isize,
            strides.0 as isize,
            accumulate,
            lhs.data.as_ptr().add(lhs.offset),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr().add(rhs.offset),
            rhs.cs as isize,
            rhs.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            parallelism(m, n, k, threads),
        )
    }
}

/// `dst = lhs · rhs` for a column-major `rhs` whose copy would be the largest of the three
/// operands (`m·(k + n) < n·k`: a batch of rows times a large transposed weight). The product
/// is solved as gemm's own column-major problem, which reads a column-major `rhs` as it is:
/// `lhs` is copied into column-major order (unless it already is), gemm writes a column-major
/// result, and a tiled transposing copy puts it into `dst`. The two copies move `m·(k + n)`
/// elements instead of `rhs`'s `n·k`, and gemm runs this orientation faster besides (Intel
/// Xeon, AVX-512, 2 threads, the product alone: (128, 784) · (512, 784)ᵀ 286 µs against 334
/// after the copy of `rhs`). The 784-512-512-10 MLP's training step (batch 128, one thread)
/// went from 4.14 to 3.66 ms.
fn column_major_product<T: ArrayElement + Send + Sync>(
    gemm: gemm_at_level::GemmFn<T>,
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    threads: usize,
) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    let lhs_column_major;
    let lhs = if lhs.rs == 1 {
        lhs
    } else {
        // The row-major copy of `lhsᵀ` is `lhs` in column-major order.
        lhs_column_major = lhs.transpose().to_row_major_tiled();
        MatRef::new(&lhs_column_major, 0, m, k, 1, m)
    };
    // SAFETY: gemm writes (and, not accumulating, never reads) every one of the m·n slots:
    // row stride 1 and column stride m reach exactly them.
    let column_major: Vec<T> = unsafe {
        super::uninit::vec_filled_by(m * n, |slots| {
            call_gemm(
                gemm,
                slots.as_mut_ptr().cast::<T>(),
                (1, m),
                false,
                lhs,
                rhs,
                threads,
            )
        })
    };
    super::strided::strided_copy_into(&column_major, &[m, n], &[1, m as isize], 0, dst);
}

impl_gemm_element!(
    f32,
    gemm_at_level::f32(super::simd::active_level()),
    rank_one_and_matvec
);
impl_gemm_element!(
    f64,
    gemm_at_level::f64(super::simd::active_level()),
    rank_one_and_matvec
);
impl_gemm_element!(f16, gemm_at_level::f16(super::simd::active_level()));
// complex64 and complex128 through `gemm`'s complex kernels (`gemm::gemm` dispatches on the
// type; its SIMD level is the CPU's, not capped by [`super::simd::set_max_level`]).
impl_gemm_element!(Complex32, gemm::gemm::<Complex32>);
impl_gemm_element!(Complex64, gemm::gemm::<Complex64>);

/// `gemm`'s entry point for each element type at a SIMD level.
pub(crate) mod gemm_at_level {
    use super::super::simd::SimdLevel;
    use half::f16;

    /// `gemm::gemm`'s signature, monomorphised for one element type.
    pub type GemmFn<T> = unsafe fn(
        usize,
        usize,
        usize,
        *mut T,
        isize,
        isize,
        bool,
        *const T,
        isize,
        isize,
        *const T,
        isize,
        isize,
        T,
        T,
        bool,
        bool,
        bool,
        gemm::Parallelism,
    );

    /// One of `gemm`'s kernel sets, entered directly: what `gemm::gemm` runs on a CPU whose
    /// best level is the one named (its own dispatch looks at the CPU only, not at our cap).
    macro_rules! kernel_entry {
        ($name:ident, $t:ty, $simd:ty, $lanes:expr, $($ukr:ident)::+) => {
            #[allow(clippy::too_many_arguments)]
            unsafe fn $name(
                m: usize,
                n: usize,
                k: usize,
                dst: *mut $t,
                dst_cs: isize,
                dst_rs: isize,
                read_dst: bool,
                lhs: *const $t,
                lhs_cs: isize,
                lhs_rs: isize,
                rhs: *const $t,
                rhs_cs: isize,
                rhs_rs: isize,
                alpha: $t,
                beta: $t,
                conj_dst: bool,
                conj_lhs: bool,
                conj_rhs: bool,
                parallelism: gemm::Parallelism,
            ) {
                use $($ukr)::+ as ukr;
                use gemm_common::simd::MixedSimd;
                // `gemm::gemm` hands its kernels a problem with a column-major destination
                // (transposing a row-major one: its micro-kernels store columns) and positive
                // strides; entered directly they must get the same, or a row-major product
                // runs about 3x slower (measured on the LU factorisation's products, n = 1024).
                let (mut m, mut n, mut dst, mut dst_cs, mut dst_rs) = (m, n, dst, dst_cs, dst_rs);
                let (mut lhs, mut lhs_cs, mut lhs_rs, mut rhs, mut rhs_cs, mut rhs_rs) =
                    (lhs, lhs_cs, lhs_rs, rhs, rhs_cs, rhs_rs);
                let (mut conj_lhs, mut conj_rhs) = (conj_lhs, conj_rhs);
                if dst_cs.abs() < dst_rs.abs() {
                    std::mem::swap(&mut m, &mut n);
                    std::mem::swap(&mut dst_cs, &mut dst_rs);
                    std::mem::swap(&mut lhs, &mut rhs);
                    (lhs_cs, lhs_rs, rhs_cs, rhs_rs) = (rhs_rs, rhs_cs, lhs_rs, lhs_cs);
                    std::mem::swap(&mut conj_lhs, &mut conj_rhs);
                }
                if dst_rs < 0 && m > 0 {
                    dst = dst.wrapping_offset((m - 1) as isize * dst_rs);
                    dst_rs = -dst_rs;
                    lhs = lhs.wrapping_offset((m - 1) as isize * lhs_rs);
                    lhs_rs = -lhs_rs;
                }
                if dst_cs < 0 && n > 0 {
                    dst = dst.wrapping_offset((n - 1) as isize * dst_cs);
                    dst_cs = -dst_cs;
                    rhs = rhs.wrapping_offset((n - 1) as isize * rhs_cs);
                    rhs_cs = -rhs_cs;
                }
                if lhs_cs < 0 && k > 0 {
                    lhs = lhs.wrapping_offset((k - 1) as isize * lhs_cs);
                    lhs_cs = -lhs_cs;
                    rhs = rhs.wrapping_offset((k - 1) as isize * rhs_rs);
                    rhs_rs = -rhs_rs;
                }
                let simd = <$simd as MixedSimd<$t, $t, $t, $t>>::try_new()
                    .expect("gemm kernel entered on a CPU without its instruction set");
                // SAFETY: forwarded from the caller, who upholds `gemm::gemm`'s contract; the
                // const parameters are those `gemm` itself instantiates this kernel set with.
                unsafe {
                    gemm_common::gemm::gemm_basic_generic::<
                        _,
                        $t,
                        { $lanes },
                        { ukr::MR_DIV_N * $lanes },
                        { ukr::NR },
                        { ukr::MR_DIV_N },
                        { ukr::H_M },
                        { ukr::H_N },
                    >(
                        simd,
                        m,
                        n,
                        k,
                        dst,
                        dst_cs,
                        dst_rs,
                        read_dst,
                        lhs,
                        lhs_cs,
                        lhs_rs,
                        rhs,
                        rhs_cs,
                        rhs_rs,
                        alpha,
                        beta,
                        conj_dst,
                        conj_lhs,
                        conj_rhs,
                        |a, b, c| a * b + c,
                        &ukr::UKR,
                        &ukr::H_UKR,
                        false,
                        parallelism,
                    )
                }
            }
        };
    }

    #[cfg(target_arch = "x86_64")]
    kernel_entry!(
        f32_fma,
        f32,
        gemm_common::simd::V3,
        8,
        gemm_f32::microkernel::fma::f32
    );
    kernel_entry!(
        f32_scalar,
        f32,
        gemm_common::simd::Scalar,
        1,
        gemm_f32::microkernel::scalar::f32
    );
    #[cfg(target_arch = "x86_64")]
    kernel_entry!(
        f64_fma,
        f64,
        gemm_common::simd::V3,
        4,
        gemm_f64::microkernel::fma::f64
    );
    kernel_entry!(
        f64_scalar,
        f64,
        gemm_common::simd::Scalar,
        1,
        gemm_f64::microkernel::scalar::f64
    );

    /// The f32 product at `level`: `gemm`'s own dispatch at the CPU's best level.
    pub fn f32(level: SimdLevel) -> GemmFn<f32> {
        match level {
            SimdLevel::Avx512 => gemm::gemm::<f32>,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => f32_fma,
            _ if level == super::super::simd::detected_level() => gemm::gemm::<f32>,
            _ => f32_scalar,
        }
    }

    /// The f64 product at `level`, as [`f32()`].
    pub fn f64(level: SimdLevel) -> GemmFn<f64> {
        match level {
            SimdLevel::Avx512 => gemm::gemm::<f64>,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => f64_fma,
            _ if level == super::super::simd::detected_level() => gemm::gemm::<f64>,
            _ => f64_scalar,
        }
    }

    /// The f16 product: always `gemm`'s own dispatch (its f16 kernels convert to f32 inside).
    pub fn f16(_level: SimdLevel) -> GemmFn<f16> {
        gemm::gemm::<f16>
    }
}

/// bf16 and the 8-bit floats multiply and accumulate in f32, as XLA upcasts them; each output
/// is rounded as the type's kernels round (`FloatElement::from_f32`: once for bf16, through
/// float16 for most 8-bit floats).
macro_rules! impl_matmul_via_f32 {
    ($($t:ty),*) => {$(
        impl MatmulElement for $t {
            fn matmul(dst: &mut [$t], lhs: MatRef<'_, $t>, rhs: MatRef<'_, $t>, threads: usize) {
                matmul_via_f32(dst, lhs, rhs, threads, false)
            }

            fn matmul_add(dst: &mut [$t], lhs: MatRef<'_, $t>, rhs: MatRef<'_, $t>, threads: usize) {
                matmul_via_f32(dst, lhs, rhs, threads, true)
            }
        }
    )*};
}

impl_matmul_via_f32!(
    bf16,
    crate::Float8E3M4,
    crate::Float8E4M3,
    crate::Float8E4M3B11Fnuz,
    crate::Float8E4M3Fn,
    crate::Float8E4M3Fnuz,
    crate::Float8E5M2,
    crate::Float8E5M2Fnuz,
    crate::Float8E8M0Fnu,
    crate::Float4E2M1Fn
);

/// The product of a narrow float type in f32 (`dst` taken in as the starting sum when
/// `accumulate`), each output rounded once with `FloatElement::from_f32`.
fn matmul_via_f32<T: FloatElement>(
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    threads: usize,
    accumulate: bool,
) {
    let (m, k, n) = check_dims(dst, &lhs, &rhs);
    let a = lhs.to_row_major(<T as FloatElement>::to_f32);
    let b = rhs.to_row_major(<T as FloatElement>::to_f32);
    let (a, b) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
    let mut c: Vec<f32>;
    if accumulate {
        c = dst.iter().map(|&d| FloatElement::to_f32(d)).collect();
        f32::matmul_add(&mut c, a, b, threads);
    } else {
        c = vec![0f32; m * n];
        f32::matmul(&mut c, a, b, threads);
    }
    for (d, &v) in dst.iter_mut().zip(&c) {
        *d = <T as FloatElement>::from_f32(v);
    }
}

/// The multiply-accumulate of the integer and bool products.
trait MulAdd: Copy + Send + Sync {
    fn mul_add(acc: Self, a: Self, b: Self) -> Self;
}

macro_rules! impl_int_matmul {
    ($($t:ty),*) => {$(
        impl MulAdd for $t {
            #[inline(always)]
            fn mul_add(acc: $t, a: $t, b: $t) -> $t {
                acc.wrapping_add(a.wrapping_mul(b))
            }
        }
        impl MatmulElement for $t {
            fn matmul(dst: &mut [$t], lhs: MatRef<'_, $t>, rhs: MatRef<'_, $t>, threads: usize) {
                loop_matmul(dst, lhs, rhs, threads, false)
            }

            fn matmul_add(dst: &mut [$t], lhs: MatRef<'_, $t>, rhs: MatRef<'_, $t>, threads: usize) {
                loop_matmul(dst, lhs, rhs, threads, true)
            }
        }
    )*};
}
impl_int_matmul!(u8, u16, u32, u64, i8, i16, i32, i64);

impl MulAdd for bool {
    #[inline(always)]
    fn mul_add(acc: bool, a: bool, b: bool) -> bool {
        acc | (a & b)
    }
}
impl MatmulElement for bool {
    fn matmul(dst: &mut [bool], lhs: MatRef<'_, bool>, rhs: MatRef<'_, bool>, threads: usize) {
        loop_matmul(dst, lhs, rhs, threads, false)
    }

    fn matmul_add(dst: &mut [bool], lhs: MatRef<'_, bool>, rhs: MatRef<'_, bool>, threads: usize) {
        loop_matmul(dst, lhs, rhs, threads, true)
    }
}

/// `dst[i, :] = Σ_p lhs[i, p] · rhs[p, :]` (added to `dst[i, :]` when `accumulate`), one
/// output row at a time (rows split across threads for large products). The inner loop runs
/// along a row of `rhs`, contiguous in the common case, so it vectorises.
fn loop_matmul<T: Element + MulAdd>(
    dst: &mut [T],
    lhs: MatRef<'_, T>,
    rhs: MatRef<'_, T>,
    threads: usize,
    accumulate: bool,
) {
    let (m, k, n) = check_dims(dst, &lhs, &rhs);
    if m == 0 || n == 0 {
        return;
    }
    // A contiguous copy of rhs keeps the inner loop a unit-stride slice walk.
    let packed;
    let rhs = if rhs.cs == 1 {
        rhs
    } else {
        packed = rhs.to_row_major(|x| x);
        MatRef::row_major(&packed, k, n)
    };
    let row = |i: usize, out: &mut [T]| {
        if !accumulate {
            out.fill(T::zero());
        }
        for p in 0..k {
            let a = lhs.at(i, p);
            let start = rhs.offset + p * rhs.rs;
            for (o, &b) in out.iter_mut().zip(&rhs.data[start..start + n]) {
                *o = T::mul_add(*o, a, b);
            }
        }
    };
    if threads > 1 && m > 1 && m * n * k >= PARALLEL_MATMUL_THRESHOLD {
        dst.par_chunks_mut(n)
            .enumerate()
            .for_each(|(i, out)| row(i, out));
    } else {
        for (i, out) in dst.chunks_mut(n).enumerate() {
            row(i, out);
        }
    }
}

/// The number of threads a product may use: the size of rayon's pool.
pub fn max_threads() -> usize {
    rayon::current_num_threads()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Summing rank-one updates after the fact gives the bits of the updates made one by one
    /// with the rank-one product, in either order, on one thread or split among several.
    #[test]
    fn accumulated_rank_one_updates_match_the_updates_in_turn() {
        let value = |i: usize| ((i * 7919 % 1000) as f32 - 500.0) / 37.0;
        for (steps, m, n) in [
            (0, 3, 8),
            (5, 3, 8),
            (7, 17, 31),
            (6, 16, 16),
            (4, 24, 50),
            (3, 9, 129),
            (64, 97, 384),
        ] {
            let a: Vec<f32> = (0..steps * m).map(value).collect();
            let b: Vec<f32> = (0..steps * n).map(|i| value(i + 13)).collect();
            let init: Vec<f32> = (0..m * n).map(|i| value(i + 5) * 1e3).collect();
            for reverse in [false, true] {
                let mut want = init.clone();
                for s in 0..steps {
                    let t = if reverse { steps - 1 - s } else { s };
                    let lhs = MatRef::new(&a, t * m, m, 1, 1, 1);
                    let rhs = MatRef::new(&b, t * n, 1, n, n, 1);
                    assert!(rank_one_product(&mut want, lhs, rhs, true));
                }
                for threads in [1, 2] {
                    let mut got = init.clone();
                    accumulate_rank_one_updates(&mut got, &a, &b, (steps, m, n), reverse, threads);
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&got),
                        bits(&want),
                        "{steps} updates of {m}x{n}, reverse={reverse}, {threads} threads"
                    );
                }
                // The loop compiled without target features (the baseline level) too.
                let mut got = init.clone();
                super::super::simd::Kernel::run(RankOneUpdates {
                    dst: &mut got,
                    a: &a,
                    b: &b,
                    first: 0,
                    shape: (steps, m, n),
                    reverse,
                });
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(g, w)| g.to_bits() == w.to_bits()),
                    "{steps} updates of {m}x{n}, reverse={reverse}, baseline"
                );
            }
        }
    }

    /// The rank-one path gives gemm's bits: every shape around the vector width, contiguous
    /// and strided right operands, a transposed left one, overwriting and accumulating.
    #[test]
    fn rank_one_products_match_gemm_bit_for_bit() {
        let level = super::super::simd::active_level();
        let value = |i: usize| ((i * 7919 % 1000) as f32 - 500.0) / 37.0;
        for (m, n) in [(1, 8), (3, 9), (17, 31), (384, 64)] {
            let lhs_store: Vec<f32> = (0..2 * m).map(value).collect();
            let rhs_store: Vec<f32> = (0..3 * n).map(|i| value(i + 11)).collect();
            // lhs: column 1 of an (m, 2) row-major matrix; rhs: contiguous, or every third.
            let lhs = MatRef::new(&lhs_store, 1, m, 1, 2, 1);
            for rhs in [
                MatRef::new(&rhs_store, 0, 1, n, n, 1),
                MatRef::new(&rhs_store, 2, 1, n, 3 * n, 3),
            ] {
                for accumulate in [false, true] {
                    let start: Vec<f32> = (0..m * n).map(|i| value(i + 5)).collect();
                    let mut ours = start.clone();
                    assert!(rank_one_product(&mut ours, lhs, rhs, accumulate));
                    let mut theirs = start.clone();
                    gemm_product(
                        gemm_at_level::f32(level),
                        &mut theirs,
                        lhs,
                        rhs,
                        1,
                        accumulate,
                    );
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&ours),
                        bits(&theirs),
                        "{m}x1·1x{n}, rhs strides ({}, {}), accumulate {accumulate}",
                        rhs.rs,
                        rhs.cs
                    );
                    let want = |i: usize, j: usize| {
                        let p = lhs.at(i, 0) * rhs.at(0, j);
                        if accumulate {
                            p + start[i * n + j]
                        } else {
                            p
                        }
                    };
                    assert!((0..m * n).all(|x| ours[x] == want(x / n, x % n)));
                }
            }
        }
    }

    /// Products with a column-major right operand, through each of the three ways `gemm_product`
    /// takes them (in place below 16 rows, the row-major copy of `rhs`, the column-major
    /// problem), with row- and column-major left operands, on one and two threads, equal the
    /// sums of products to rounding; accumulating into `dst` keeps what was there.
    #[test]
    fn products_with_a_column_major_right_operand_take_every_path_correctly() {
        let level = super::super::simd::active_level();
        let value = |i: usize| ((i * 7919 % 1000) as f64 - 500.0) / 370.0;
        // (m, k, n): below 16 rows; m·(k + n) >= n·k (copy rhs); m·(k + n) < n·k (column-major).
        for (m, k, n) in [
            (5, 64, 48),
            (16, 8, 64),
            (40, 16, 24),
            (16, 64, 64),
            (37, 130, 70),
        ] {
            let lhs_store: Vec<f64> = (0..m * k).map(value).collect();
            // rhs: the transpose of an (n, k) row-major weight.
            let rhs_store: Vec<f64> = (0..n * k).map(|i| value(i + 7)).collect();
            let rhs = MatRef::new(&rhs_store, 0, k, n, 1, k);
            for lhs in [
                MatRef::row_major(&lhs_store, m, k),
                MatRef::new(&lhs_store, 0, m, k, 1, m),
            ] {
                for threads in [1, 2] {
                    for accumulate in [false, true] {
                        let start: Vec<f64> = (0..m * n).map(|i| value(i + 3)).collect();
                        let mut got = start.clone();
                        gemm_product(
                            gemm_at_level::f64(level),
                            &mut got,
                            lhs,
                            rhs,
                            threads,
                            accumulate,
                        );
                        for (o, &g) in got.iter().enumerate() {
                            let (i, j) = (o / n, o % n);
                            let terms = (0..k).map(|t| lhs.at(i, t) * rhs.at(t, j));
                            let scale: f64 = terms.clone().map(f64::abs).sum::<f64>() + 1.0;
                            let sum: f64 = terms.sum();
                            let want = if accumulate { sum + start[o] } else { sum };
                            assert!(
                                (g - want).abs() <= 1e-12 * scale,
                                "{m}x{k}·({n}x{k})ᵀ, lhs strides ({}, {}), {threads} threads, \
                                 accumulate {accumulate}: {g} against {want} at ({i}, {j})",
                                lhs.rs,
                                lhs.cs
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn other_products_are_left_to_gemm() {
        let data = vec![1.0f64; 64];
        let mut dst = vec![7.0; 16];
        let two_deep = MatRef::row_major(&data, 2, 8);
        assert!(!rank_one_product(
            &mut dst,
            MatRef::row_major(&data, 2, 2),
            two_deep,
            false
        ));
        let narrow = MatRef::row_major(&data, 1, 4);
        let mut dst4 = vec![7.0; 16];
        assert!(!rank_one_product(
            &mut dst4,
            MatRef::row_major(&data, 4, 1),
            narrow,
            false
        ));
        assert!(dst.iter().chain(&dst4).all(|&x| x == 7.0));
    }
}
