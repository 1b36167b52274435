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

/// Runs `f(i, matrix_i, threads)` on each of the consecutive `len`-element chunks of `out`:
/// many matrices in parallel across the batch, each given one thread, or one after another,
/// each given every thread of the pool (the kernel decides which of its steps use them).
/// `flops` is the work of one matrix.
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
    // Below this much work a thread hand-off costs more than it saves.
    const PARALLEL_WORK: usize = 1 << 16;
    if batch > 1 && flops.saturating_mul(batch) >= PARALLEL_WORK {
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

/// Factors one row-major `n`×`n` matrix in place (reading its lower triangle), zeroing the
/// upper triangle, or fills it with NaN when it is not positive definite.
fn cholesky_one<T: LinalgScalar>(m: &mut [T], n: usize, par: Par) {
    let ok = {
        // Column-major in place: no buffer to allocate.
        super::column_major::transpose_square_in_place(m, n);
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

fn cholesky_kernel<T: LinalgScalar>(x: &Array, n: usize) -> Vec<T> {
    let mut out = x.as_slice::<T>().to_vec();
    for_each_matrix(&mut out, n * n, n * n * n / 3, |_, m, par| {
        cholesky_one(m, n, par)
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
        crate::backend::cpu::subnormals::keeping_subnormals(|| {
            let x = args[0];
            let n = *x.shape().last().expect("rank checked");
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
