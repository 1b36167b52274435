//! `eigh`: the eigendecomposition of (a batch of) Hermitian matrices, with JAX's JVP rule.

use super::cholesky::{linalg_keeping_subnormals, with_linalg_type, LinalgScalar};
use super::lowering::{abs, expanded_call, frobenius, nan_where_not_finite};
use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, map_matrices_is_parallel, matrix_aval,
    mh, row_major, split_matrix, wrap_outputs, DIVIDE_AND_CONQUER_THREADS_FROM,
};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::compare::CompareOp;
use crate::prims::ops;
use crate::prims::rules::py_bool;
use crate::prims::{bind, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::SelfAdjointEvdParams;
use faer::{linalg, Auto, Mat, MatRef, Par};

/// `eigh[lower]`: for a Hermitian `x: [..., n, n]`, the eigenvectors `v: [..., n, n]`
/// (columns, `x`'s dtype) and the real eigenvalues `w: [..., n]` (float32 for complex64 input,
/// float64 for complex128) in ascending order, `x = v diag(w) vᴴ`. Only the triangle named by
/// `lower` is read. A matrix with a non-finite entry gives NaN outputs, as LAPACK's
/// `syevd`/`heevd` in JAX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EighOp {
    /// Read the lower triangle (else the upper one).
    pub lower: bool,
}

impl PrimitiveRule for EighOp {
    fn name(&self) -> &'static str {
        "eigh"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("eigh", args, 1);
        let x = args[0];
        check_operand("eigh", x);
        let (batch, m, n) = split_matrix(x);
        if m != n {
            panic!(
                "Argument to symmetric eigendecomposition must have shape [..., n, n], got shape \
                 {} (eigh of {x})",
                rules::py_tuple(&[m, n])
            );
        }
        vec![
            matrix_aval(x, &batch, &[n, n], x.dtype),
            matrix_aval(x, &batch, &[n], x.dtype.real_dtype()),
        ]
    }

    /// XLA's `Eigh` expansion (parallel Jacobi sweeps), as JAX's TPU lowering emits it,
    /// then refined. The expansion stops when its off-diagonal norm, computed as
    /// `sqrt(‖A‖² - ‖diag A‖²)`, reaches the cancellation floor of that difference: about
    /// `sqrt(ε)·‖A‖` (1e-8 in float64), so its eigenvectors are that far off. Two steps of Ogita
    /// and Aishima's refinement (matrix products only, quadratically convergent) bring them to
    /// working precision. A matrix with a non-finite entry gives NaNs, as the CPU kernel does.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        if x.aval.size() == 0 {
            let zero = cx.scalar(out[1].dtype, 0.0);
            let w = cx.broadcast_to(&zero, &out[1].shape);
            return Ok(vec![x.clone(), w]);
        }
        // The tolerance is the expansion's stopping rule; the floor above ends it sooner.
        let config = format!("{},1,100,1e-6", u8::from(self.lower));
        let jacobi = expanded_call(cx, "Eigh", &[x], &config, out);
        let lower = self.lower;
        cx.lower_function(
            &|a: &[Array]| {
                let (x, v) = (&a[0], &a[1]);
                let full = hermitian_from_triangle(x, lower);
                let (v, w) = refine_eigenvectors(&refine_eigenvectors(v, &full).0, &full);
                // The refined eigenvalues back in ascending order, their vectors with them.
                let r = x.ndim();
                let order = ops::argsort(&w, r - 2);
                let w = ops::take_along_axis(&w, &order, r - 2);
                let columns = ops::broadcast_to_shape(
                    &ops::expand_dims(&order, &[r - 2]),
                    v.shape_obj(),
                    "eigh",
                );
                let v = ops::take_along_axis(&v, &columns, r - 1);
                nan_where_not_finite(x, vec![v, w])
            },
            &[x.clone(), jacobi[0].clone()],
        )
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, n, _) = split_matrix(x.aval());
        let count = batch_count(x.aval());
        let parallel = map_matrices_is_parallel(count, n, n, DIVIDE_AND_CONQUER_THREADS_FROM);
        linalg_keeping_subnormals(parallel, || {
            let lower = self.lower;
            with_linalg_type!(x.dtype(), T => wrap_outputs(
                map_matrices(
                    x.as_slice::<T>(),
                    count,
                    n, n,
                    DIVIDE_AND_CONQUER_THREADS_FROM,
                    |a, par| eigh_kernel(a, lower, par),
                ),
                out,
            ))
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        // JAX's `_eigh_jvp_rule`: nondegenerate perturbation theory on the symmetrised input.
        let a = primals[0];
        let a_dot = rules::instantiate(tangents[0], a.aval());
        let outs = bind(*self, &[&symmetrize(a)]);
        let v = &outs[0];
        // The eigenvalues in `a`'s dtype, so that the products below stay complex for complex
        // input.
        let w = outs[1].astype(a.dtype());
        let n = a.shape()[a.ndim() - 1];
        let eye = ops::eye(n, None, 0).astype(a.dtype());
        // F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it, without dividing by zero.
        let last = w.ndim();
        let diff = &eye + &(&ops::expand_dims(&w, &[last - 1]) - &ops::expand_dims(&w, &[last]));
        let fmat = &ops::reciprocal(&diff) - &eye;
        let vh_adot_v = ops::matmul(&ops::matmul(&mh(v), &a_dot), v);
        let dv = ops::matmul(v, &(&fmat * &vh_adot_v));
        let dw = ops::real(&ops::diagonal(&vh_adot_v));
        (outs.clone(), vec![Some(dv), Some(dw)])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear("eigh")
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        batch_leading(*self, args[0], dims[0])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("algorithm", "None".into()),
            ("lower", py_bool(self.lower)),
            ("sort_eigenvalues", "True".into()),
            ("subset_by_index", "None".into()),
        ]
    }
}

/// The Hermitian matrix whose lower (or upper) triangle is that of `x`, over the last two axes.
fn hermitian_from_triangle(x: &Array, lower: bool) -> Array {
    if lower {
        &ops::tril(x, 0) + &mh(&ops::tril(x, -1))
    } else {
        &ops::triu(x, 0) + &mh(&ops::triu(x, 1))
    }
}

/// One step of Ogita and Aishima's refinement of approximate eigenvectors `x` (columns, over
/// the last two axes) of the Hermitian `a` ("Iterative refinement for symmetric eigenvalue
/// decomposition", Japan J. Indust. Appl. Math. 35, 2018, written there for real symmetric
/// matrices; with conjugate transposes it holds as is): with `R = I - xᴴx` and `S = xᴴ a x`,
/// the eigenvalues are `λᵢ = re Sᵢᵢ / (1 - re Rᵢᵢ)` and `x (I + E)` the new vectors,
/// `Eᵢⱼ = (Sᵢⱼ + λⱼ Rᵢⱼ) / (λⱼ - λᵢ)` where the two eigenvalues are apart by more than the
/// step's error bound `δ`, `Rᵢⱼ / 2` where they are not (a cluster's vectors are then kept as
/// a basis of its subspace). Returns the vectors and the eigenvalues `λ`.
fn refine_eigenvectors(x: &Array, a: &Array) -> (Array, Array) {
    let r = x.ndim();
    let n = x.shape()[r - 1];
    let xt = mh(x);
    let eye = ops::eye(n, None, 0).astype(x.dtype());
    let residual = &eye - &ops::matmul(&xt, x);
    let s = ops::matmul(&ops::matmul(&xt, a), x);
    let lambda = &ops::real(&ops::diagonal(&s)) / &(1.0 - &ops::real(&ops::diagonal(&residual)));
    let lambda_col = ops::expand_dims(&lambda, &[r - 2]);
    let lambda_row = ops::expand_dims(&lambda, &[r - 1]);
    let off = &s - &(&eye * &lambda_col);
    let delta = 2.0 * (&frobenius(&off) + &(&frobenius(a) * &frobenius(&residual)));
    let gap = &lambda_col - &lambda_row;
    let separated = ops::compare(CompareOp::Gt, &abs(&gap), &delta, "eigh");
    // The division is only taken where `separated`; elsewhere its denominator is made 1.
    let safe_gap = ops::where_(&separated, &gap, &ops::full_like_scalar(&gap, 1.0));
    let apart = &(&s + &(&residual * &lambda_col)) / &safe_gap;
    let e = ops::where_(&separated, &apart, &(&residual * 0.5));
    (x + &ops::matmul(x, &e), lambda)
}

/// `(x + xᴴ) / 2` over the last two axes (JAX's `lax.linalg.symmetrize`), as three bound
/// operations (`lax::linalg`'s input symmetrization runs them as one compiled loop when
/// called eagerly).
pub(crate) fn symmetrize(x: &Array) -> Array {
    (x + &mh(x)) / 2.0
}

/// The size from which faer's divide and conquer splits a tridiagonal (or bidiagonal) problem
/// in two rather than solving it by the QR algorithm, whose rotations cost `O(n³)` one column
/// pair at a time. faer's default is 128; with 64, `eigh` of a 256 × 256 f32 matrix went from
/// 3.39 to 2.88-3.01 ms and `svd` from 6.8-7.1 to 6.2-6.3 (2 cores, Intel Xeon), f64 unchanged
/// within noise, and 1024 × 1024 unchanged. LAPACK's `stedc` stops at 25; 40 was slower here.
pub(crate) const DIVIDE_AND_CONQUER_LEAF: usize = 64;

/// Whether faer's reduction to tridiagonal (`eigh`) or bidiagonal (`svd`) form runs on one
/// thread for elements of type `T`, even where the divide and conquer gets threads: for
/// 4-byte elements (f32). The reduction's parallel loop synchronises the threads once per
/// column, which pays only where a column holds enough bytes to stream. At n = 1024 on 2
/// cores (Intel Xeon), two alternating rounds each: `eigh` in f32 took 105-110 ms with the
/// threads and 94-96 without, `svd` in f32 217-224 and 197; f64 took 150-156 and 175-178
/// (`eigh`), 338-339 and 375-386 (`svd`).
pub(crate) fn reduces_on_one_thread<T>() -> bool {
    std::mem::size_of::<T>() <= 4
}

/// faer's parameters for `T`: leaves of [`DIVIDE_AND_CONQUER_LEAF`], and the
/// tridiagonalization on one thread where [`reduces_on_one_thread`].
fn evd_params<T: LinalgScalar>() -> SelfAdjointEvdParams {
    let mut params = SelfAdjointEvdParams {
        recursion_threshold: DIVIDE_AND_CONQUER_LEAF,
        ..<SelfAdjointEvdParams as Auto<T>>::auto()
    };
    if reduces_on_one_thread::<T>() {
        params.tridiag.par_threshold = usize::MAX;
    }
    params
}

/// The eigenvectors (row-major, one per column) and ascending eigenvalues (in `T`, real) of
/// one matrix.
fn eigh_kernel<T: LinalgScalar>(a: MatRef<'_, T>, lower: bool, par: Par) -> Vec<Vec<T>> {
    let n = a.nrows();
    let nan = faer::traits::math_utils::nan::<T>();
    let nan_outputs = || vec![vec![nan; n * n], vec![nan; n]];
    if !all_finite(a) {
        return nan_outputs();
    }
    // faer reads the lower triangle; the upper one is the lower triangle of the adjoint (a
    // Hermitian matrix's upper triangle is the conjugate of its lower one).
    let upper_as_lower;
    let a = if lower {
        a
    } else {
        upper_as_lower = a.adjoint().to_owned();
        upper_as_lower.as_ref()
    };
    let params = evd_params::<T>();
    let mut s = Diag::<T>::zeros(n);
    let mut u = Mat::<T>::zeros(n, n);
    let result = linalg::evd::self_adjoint_evd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(
            linalg::evd::self_adjoint_evd_scratch::<T>(
                n,
                linalg::evd::ComputeEigenvectors::Yes,
                par,
                params.into(),
            ),
        )),
        params.into(),
    );
    if result.is_err() {
        return nan_outputs();
    }
    let w: Vec<T> = s.column_vector().iter().copied().collect();
    vec![row_major(u.as_ref()), w]
}

/// Whether every entry of `a` is finite. Walks down the columns: the kernels' matrices are
/// column-major, and along a row every element would lie in another cache line.
pub(crate) fn all_finite<T: LinalgScalar>(a: MatRef<'_, T>) -> bool {
    (0..a.ncols()).all(|j| (0..a.nrows()).all(|i| faer::traits::math_utils::is_finite(&a[(i, j)])))
}
