//! `cholesky`: the lower Cholesky factor of (a batch of) Hermitian positive-definite matrices,
//! with JAX's JVP rule (`jax/_src/lax/linalg.py`, `_cholesky_jvp_rule`). Also the checks, the
//! element types and the batch-parallel driver every linear-algebra primitive shares.

use super::triangular_solve::TriangularSolve;
use crate::array::{Array, ArrayElement, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::ops;
use crate::prims::{bind1, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{cholesky_in_place, cholesky_in_place_scratch};
use faer::traits::math_utils;
use faer::{MatMut, Par};
use rayon::prelude::*;

/// `cholesky(x)`: the lower-triangular `L` with `x = L Lᴴ`, reading only the lower triangle of
/// `x` (the `[..., n, n]` operand's last two axes; leading axes are a batch). Entries above the
/// diagonal of the result are zero (JAX's primitive leaves them unspecified and
/// `lax.linalg.cholesky` zeroes them; here the kernel does). A matrix that is not positive
/// definite gives a matrix of NaNs, as in JAX.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cholesky;

/// Panics unless `aval` is a float32/float64/complex64/complex128 array of rank at least
/// `rank`, with JAX's messages for `name`'s operand `pos` (integers are refused by the dtype
/// rule; half precision by the CPU kernels, which LAPACK lacks).
pub(crate) fn check_linalg_operand(name: &str, pos: usize, aval: &ShapeDtype, rank: usize) {
    match aval.dtype {
        DType::F32 | DType::F64 | DType::C64 | DType::C128 => {}
        DType::F16 | DType::BF16 => panic!(
            "{name}: Unsupported dtype {}. (operand {pos}: {aval}; the CPU linear-algebra \
             kernels take float32, float64, complex64 and complex128)",
            aval.dtype
        ),
        d => panic!(
            "{name} does not accept dtype {d} at position {pos}. Accepted dtypes at position \
             {pos} are subtypes of floating, complexfloating."
        ),
    }
    if aval.shape.ndim() < rank {
        panic!(
            "Input {pos} to {name} must have rank at least {rank}, but got shape={}",
            rules::py_tuple(&aval.shape)
        );
    }
}

/// The shape of `aval` as Python prints a tuple: `(2, 3)`.
pub(crate) fn py_shape(aval: &ShapeDtype) -> String {
    rules::py_tuple(&aval.shape)
}

/// The element types the CPU linear-algebra kernels run on: float32, float64, complex64 and
/// complex128 (faer's complex type is `num_complex::Complex`, the project's complex element).
pub(crate) trait LinalgScalar:
    faer::traits::ComplexField<Real: ArrayElement + num_traits::Float>
    + faer::traits::Conjugate<Canonical = Self>
    + num_traits::NumAssign
    + ArrayElement
{
}

impl<T> LinalgScalar for T where
    T: faer::traits::ComplexField<Real: ArrayElement + num_traits::Float>
        + faer::traits::Conjugate<Canonical = T>
        + num_traits::NumAssign
        + ArrayElement
{
}

/// Runs `$body` with the type alias `$t` naming the element type of `$dtype` (one the
/// linear-algebra operand check accepts).
macro_rules! with_linalg_type {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            $crate::array::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::array::DType::F64 => {
                type $t = f64;
                $body
            }
            $crate::array::DType::C64 => {
                type $t = num_complex::Complex32;
                $body
            }
            $crate::array::DType::C128 => {
                type $t = num_complex::Complex64;
                $body
            }
            d => unreachable!("dtype {d} passed the linear-algebra operand check"),
        }
    };
}
pub(crate) use with_linalg_type;

/// Runs `f(i, matrix_i, par)` on each of the consecutive `len`-element chunks of `out`. Many
/// matrices run in parallel across the batch (each one single-threaded); a single large one
/// uses faer's own threads. `flops` is the work of one matrix.
pub(crate) fn for_each_matrix<U: Send>(
    out: &mut [U],
    len: usize,
    flops: usize,
    f: impl Fn(usize, &mut [U], Par) + Send + Sync,
) {
    for_each_matrix_threads(out, len, flops, |i, o, threads| {
        let par = faer_par(threads, flops);
        f(i, o, par)
    })
}

/// The parallelism to give one faer factorisation of `flops` work allowed `threads` threads.
/// faer's threaded factorizations synchronise per panel: on 2 cores (AMD EPYC, AVX2,
/// 2026-12-05) LU and Cholesky ran up to 2x slower threaded than single-threaded through
/// n = 512; threads won from n ≈ 640 for LU and by n = 1024 for Cholesky.
pub(crate) fn faer_par(threads: usize, flops: usize) -> Par {
    const SINGLE_MATRIX_PARALLEL_WORK: usize = 1 << 28;
    if threads > 1 && flops >= SINGLE_MATRIX_PARALLEL_WORK {
        Par::rayon(threads)
    } else {
        Par::Seq
    }
}

/// Below this much work over a batch, [`for_each_matrix_threads`] runs the matrices one after
/// another: a thread hand-off costs more than it saves.
const BATCH_PARALLEL_WORK: usize = 1 << 16;

/// Whether [`for_each_matrix_threads`] splits `batch` matrices of `flops` work each across
/// threads (rather than running them in turn, each given every thread).
pub(crate) fn splits_batch(batch: usize, flops: usize) -> bool {
    batch > 1 && flops.saturating_mul(batch) >= BATCH_PARALLEL_WORK
}

/// Whether [`for_each_matrix`] over `batch` matrices of `flops` work each starts a parallel
/// loop: across the batch, or inside one large matrix's factorisation ([`faer_par`]).
pub(crate) fn for_each_matrix_is_parallel(batch: usize, flops: usize) -> bool {
    splits_batch(batch, flops)
        || (batch > 0 && faer_par(crate::backend::cpu::matmul::max_threads(), flops) != Par::Seq)
}

/// Runs a linear-algebra primitive's evaluation `f` with IEEE subnormals (faer's algorithms
/// need them; see [`crate::backend::cpu::subnormals`]): on the non-flushing thread pool when
/// `parallel` (the loops `f` starts then run on that pool's threads too), and on the calling
/// thread otherwise. The hand-off to the pool wakes one of its threads: a 16 × 16 Cholesky
/// factorisation took 4 µs at best and 24 µs at the median that way (2 cores, Intel Xeon),
/// and a 16 × 16 `solve`, three hand-offs, 67 µs against JAX's 10.
pub(crate) fn linalg_keeping_subnormals<R: Send>(
    parallel: bool,
    f: impl FnOnce() -> R + Send,
) -> R {
    use crate::backend::cpu::subnormals;
    if parallel {
        subnormals::keeping_subnormals(f)
    } else {
        subnormals::keeping_subnormals_here(f)
    }
}

/// Runs `f(i, matrix_i, threads)` on each of the consecutive `len`-element chunks of `out`:
/// many matrices in parallel across the batch ([`splits_batch`]), each given one thread, or
/// one after another, each given every thread of the pool (the kernel decides which of its
/// steps use them). `flops` is the work of one matrix.
pub(crate) fn for_each_matrix_threads<U: Send>(
    out: &mut [U],
    len: usize,
    flops: usize,
    f: impl Fn(usize, &mut [U], usize) + Send + Sync,
) {
    if len == 0 {
        return;
    }
    let batch = out.len() / len;
    if splits_batch(batch, flops) {
        out.par_chunks_mut(len)
            .enumerate()
            .for_each(|(i, o)| f(i, o, 1));
    } else {
        let threads = crate::backend::cpu::matmul::max_threads();
        for (i, o) in out.chunks_mut(len).enumerate() {
            f(i, o, threads);
        }
    }
}

/// Writes into `m` the lower Cholesky factor of the row-major `n`×`n` matrix `src` (reading
/// its lower triangle), row-major with the upper triangle zero, or NaN everywhere when `src`
/// is not positive definite.
fn cholesky_one<T: LinalgScalar>(src: &[T], m: &mut [T], n: usize, par: Par) {
    let ok = {
        // faer factors the column-major copy in `m`, written by a transposing copy (one pass
        // instead of a plain copy and an in-place transpose).
        super::column_major::transpose_into(src, n, n, m);
        let view = MatMut::from_column_major_slice_mut(m, n, n);
        let mut buf = MemBuffer::new(cholesky_in_place_scratch::<T>(n, par, Default::default()));
        let ok = cholesky_in_place(
            view,
            Default::default(),
            par,
            MemStack::new(&mut buf),
            Default::default(),
        )
        .is_ok();
        super::column_major::transpose_square_in_place(m, n);
        ok
    };
    if ok {
        for i in 0..n {
            m[i * n + i + 1..(i + 1) * n].fill(math_utils::zero::<T>());
        }
    } else {
        m.fill(math_utils::nan());
    }
}

/// The multiply-adds of one `n`×`n` Cholesky factorisation.
fn cholesky_flops(n: usize) -> usize {
    n * n * n / 3
}

fn cholesky_kernel<T: LinalgScalar>(x: &Array, n: usize) -> Vec<T> {
    let src = x.as_slice::<T>();
    let len = n * n;
    // Every matrix of `out` is written whole by `cholesky_one`.
    let mut out = vec![math_utils::zero::<T>(); src.len()];
    for_each_matrix(&mut out, len, cholesky_flops(n), |i, m, par| {
        cholesky_one(&src[i * len..(i + 1) * len], m, n, par)
    });
    out
}

impl PrimitiveRule for Cholesky {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let l = cx.op("stablehlo.cholesky", &[&args[0]], "lower = true", &out[0]);
        // StableHLO leaves the strict upper triangle unspecified; ours is zero.
        Ok(vec![super::lowering::keep_triangle(cx, &l, true)])
    }

    fn name(&self) -> &'static str {
        "cholesky"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("cholesky", args, 1);
        let x = args[0];
        check_linalg_operand("cholesky", 0, x, 2);
        let r = x.shape.ndim();
        if x.shape[r - 1] != x.shape[r - 2] {
            panic!(
                "The input to cholesky must be a square matrix. Got shape {}.",
                rules::py_tuple(&x.shape[r - 2..])
            );
        }
        vec![ShapeDtype::new(x.shape.clone(), x.dtype)]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let n = *x.shape().last().expect("rank checked");
        let batch = x.size().checked_div(n * n).unwrap_or(0);
        let parallel = for_each_matrix_is_parallel(batch, cholesky_flops(n));
        linalg_keeping_subnormals(parallel, || {
            let shape = out[0].shape.clone();
            with_linalg_type!(x.dtype(), T => vec![Array::from_vec(cholesky_kernel::<T>(x, n), shape)])
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let l = bind1(Cholesky, primals);
        let Some(sigma_dot) = tangents[0] else {
            return (vec![l], vec![None]);
        };
        // Forward-mode rule of https://arxiv.org/pdf/1602.07527.pdf, as JAX:
        // L̇ = L Φ(L⁻¹ Σ̇ L⁻ᴴ), Φ taking the lower triangle with the diagonal halved.
        let tmp = bind1(
            TriangularSolve {
                left_side: false,
                lower: true,
                transpose_a: true,
                conjugate_a: true,
                unit_diagonal: false,
            },
            &[&l, sigma_dot],
        );
        let inner = bind1(
            TriangularSolve {
                left_side: true,
                lower: true,
                transpose_a: false,
                conjugate_a: false,
                unit_diagonal: false,
            },
            &[&l, &tmp],
        );
        let n = *l.shape().last().expect("rank checked");
        // tril(X) / (1 + I): the divisor is exactly 1 off the diagonal and 2 on it.
        let divisor = (&ops::eye(n, None, 0) + 1.0).astype(l.dtype());
        let phi = &ops::tril(&inner, 0) / &divisor;
        let l_dot = ops::matmul(&l, &phi);
        (vec![l], vec![Some(l_dot)])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        // Leading axes are batch axes of the primitive already.
        let x = rules::bdim_to_front(args[0], dims[0], axis_size);
        (vec![bind1(Cholesky, &[&x])], vec![Some(0)])
    }
}
