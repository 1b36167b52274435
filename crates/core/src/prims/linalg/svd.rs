//! `svd`: the singular value decomposition of (a batch of) matrices, with JAX's JVP rule.

use super::cholesky::{linalg_keeping_subnormals, with_linalg_type, LinalgScalar};
use super::eigh::{all_finite, reduces_on_one_thread, EighOp, DIVIDE_AND_CONQUER_LEAF};
use super::lowering::{eye_like, frobenius, nan_where_not_finite};
use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, map_matrices_is_parallel, matrix_aval,
    mh, mt, row_major, split_matrix, wrap_outputs, QrOp, DIVIDE_AND_CONQUER_THREADS_FROM,
};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::binary::BinaryOp;
use crate::prims::compare::CompareOp;
use crate::prims::layout::LayoutOp;
use crate::prims::ops;
use crate::prims::rules::py_bool;
use crate::prims::slicing::slice_in_dim;
use crate::prims::{bind, bind1, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{ComputeSvdVectors, SvdParams};
use faer::traits::math_utils;
use faer::{linalg, Auto, Mat, MatRef, Par};

/// `svd[full_matrices, compute_uv]`: for `x: [..., m, n]` with `k = min(m, n)`, the singular
/// values `s: [..., k]` (real: float32 for complex64 input, float64 for complex128) in
/// descending order and, when `compute_uv`, `u: [..., m, m or k]` and `vt: [..., n or k, n]`
/// with `x = u diag(s) vt` (`vt` is `vᴴ`; outputs in the primitive's order `s, u, vt`, as
/// JAX's `svd_p`). A matrix with a non-finite entry gives NaN outputs, as LAPACK's `gesdd` in
/// JAX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SvdOp {
    /// Return the square `u` and `vt` (else the reduced ones).
    pub full_matrices: bool,
    /// Return `u` and `vt` (else only `s`, which is much cheaper).
    pub compute_uv: bool,
}

impl PrimitiveRule for SvdOp {
    fn name(&self) -> &'static str {
        "svd"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("svd", args, 1);
        let x = args[0];
        check_operand("svd", x);
        let (batch, m, n) = split_matrix(x);
        let k = m.min(n);
        let s = matrix_aval(x, &batch, &[k], x.dtype.real_dtype());
        if !self.compute_uv {
            return vec![s];
        }
        let (uk, vk) = if self.full_matrices { (m, n) } else { (k, k) };
        vec![
            s,
            matrix_aval(x, &batch, &[m, uk], x.dtype),
            matrix_aval(x, &batch, &[vk, n], x.dtype),
        ]
    }

    /// As JAX computes the SVD where no LAPACK is at hand (`jax/_src/tpu/linalg/svd.py`):
    /// see `svd_by_polar_decomposition`; its QRs and eigendecomposition lower through XLA's
    /// expansions.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        if out[0].size() == 0 {
            // An empty matrix: no singular values, and (the leading columns of) identities.
            let zero = cx.scalar(out[0].dtype, 0.0);
            let s = cx.broadcast_to(&zero, &out[0].shape);
            let mut outs = vec![s];
            outs.extend(out[1..].iter().map(|aval| eye_like(cx, aval)));
            return Ok(outs);
        }
        let op = *self;
        cx.lower_function(
            &|a: &[Array]| {
                let x = &a[0];
                let outs = svd_by_polar_decomposition(x, op.full_matrices);
                let mut outs = nan_where_not_finite(x, outs);
                if !op.compute_uv {
                    outs.truncate(1);
                }
                outs
            },
            args,
        )
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, m, n) = split_matrix(x.aval());
        let count = batch_count(x.aval());
        let parallel = map_matrices_is_parallel(count, m, n, DIVIDE_AND_CONQUER_THREADS_FROM);
        linalg_keeping_subnormals(parallel, || {
            let op = *self;
            with_linalg_type!(x.dtype(), T => wrap_outputs(
                map_matrices(
                    x.as_slice::<T>(),
                    count,
                    m, n,
                    DIVIDE_AND_CONQUER_THREADS_FROM,
                    |a, par| svd_kernel(a, op, par),
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
        // JAX's `_svd_jvp_rule`.
        let a = primals[0];
        let nd = a.ndim();
        let (m, n) = (a.shape()[nd - 2], a.shape()[nd - 1]);
        if self.compute_uv && self.full_matrices && m != n {
            panic!(
                "Singular value decomposition JVP not implemented for full matrices (svd of {}; \
                 use full_matrices=false)",
                a.aval()
            );
        }
        let da = rules::instantiate(tangents[0], a.aval());
        let outs = bind(
            SvdOp {
                full_matrices: false,
                compute_uv: true,
            },
            &[a],
        );
        let (s, u, vt) = (&outs[0], &outs[1], &outs[2]);
        let (ut, v) = (mh(u), mh(vt));
        let dtype = a.dtype();
        let real = s.dtype();
        let s_dim = ops::expand_dims(s, &[s.ndim() - 1]);
        let ds_mat = ops::matmul(&ops::matmul(&ut, &da), &v);
        let ds = ops::diagonal(&ops::real(&ds_mat));
        if !self.compute_uv {
            return (vec![s.clone()], vec![Some(ds)]);
        }
        let k = s.shape()[s.ndim() - 1];
        let s_col = mt(&s_dim);
        let s_diffs = &(&s_dim + &s_col) * &(&s_dim - &s_col);
        let eye = ops::eye(k, None, 0).astype(real);
        let f = (&ops::reciprocal(&(&s_diffs + &eye)) - &eye).astype(dtype);
        let dss = &s_dim.astype(dtype) * &ds_mat;
        let sds = &s_col.astype(dtype) * &ds_mat;
        let s_zeros = ops::compare(CompareOp::Eq, s, &ops::zeros_like(s), "equal").astype(real);
        let s_inv = &ops::reciprocal(&(s + &s_zeros)) - &s_zeros;
        let s_inv_mat = (&ops::expand_dims(&s_inv, &[s_inv.ndim()]) * &eye).astype(dtype);
        let dudv_diag = &(&(&ds_mat - &mh(&ds_mat)) * 0.5) * &s_inv_mat;
        let mut du = ops::matmul(u, &(&(&f * &(&dss + &mh(&dss))) + &dudv_diag));
        let mut dv = ops::matmul(&v, &(&f * &(&sds + &mh(&sds))));
        let s_dim = s_dim.astype(dtype);
        if m > n {
            let dav = ops::matmul(&da, &v);
            du = &du + &(&(&dav - &ops::matmul(u, &ops::matmul(&ut, &dav))) / &s_dim);
        }
        if n > m {
            let dahu = ops::matmul(&mh(&da), u);
            dv = &dv + &(&(&dahu - &ops::matmul(&v, &ops::matmul(vt, &dahu))) / &s_dim);
        }
        (outs.clone(), vec![Some(ds), Some(du), Some(mh(&dv))])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear("svd")
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
            ("compute_uv", py_bool(self.compute_uv)),
            ("full_matrices", py_bool(self.full_matrices)),
            ("subset_by_index", "None".into()),
        ]
    }
}

/// `[s, u, vt]` of `x` (`[..., m, n]`, finite) from operations that lower to StableHLO, as JAX's
/// TPU SVD computes them: a wide matrix is decomposed through its adjoint; a tall one is first
/// reduced to its square `r` by a QR (the full QR when `full_matrices`, whose trailing columns
/// complete `u`); the square matrix's polar decomposition `U_p H` comes from QDWH
/// ([`polar_factor`]), the eigendecomposition of the Hermitian `H = V Σ Vᴴ` gives the singular
/// values and `v`, and `u = U_p V`, passed through one more QR (signs kept) so that its columns
/// stay orthonormal where singular values are zero (Nakatsukasa and Higham 2013, §5.5).
fn svd_by_polar_decomposition(x: &Array, full_matrices: bool) -> Vec<Array> {
    let r = x.ndim();
    let (m, n) = (x.shape()[r - 2], x.shape()[r - 1]);
    if m < n {
        // x = (xᴴ)ᴴ = (u' s vt')ᴴ = vt'ᴴ s u'ᴴ.
        let outs = svd_by_polar_decomposition(&mh(x), full_matrices);
        return vec![outs[0].clone(), mh(&outs[2]), mh(&outs[1])];
    }
    let (q, square) = if m > n {
        let mut qr = bind(QrOp { full_matrices }, &[x]);
        let factor = qr.pop().expect("qr returns r");
        (qr.pop(), slice_in_dim(&factor, 0, n, 1, r - 2))
    } else {
        (None, x.clone())
    };
    let up = polar_factor(&square);
    let h = ops::matmul(&mh(&up), &square);
    let h = (&h + &mh(&h)) * 0.5;
    let mut eigh = bind(EighOp { lower: true }, &[&h]);
    let w = eigh.pop().expect("eigh returns w");
    let v = eigh.pop().expect("eigh returns v");
    // Descending, and never below zero (H is positive semi-definite; rounding may say not).
    let rev = |y: &Array, axis: usize| {
        bind1(
            LayoutOp::Rev {
                dimensions: [axis].into_iter().collect(),
            },
            &[y],
        )
    };
    let nonnegative = ops::binary(BinaryOp::Max, &w, &ops::full_like_scalar(&w, 0.0), "svd");
    let s = rev(&nonnegative, r - 2);
    let v = rev(&v, r - 1);
    let u = ops::matmul(&up, &v);
    let mut qr = bind(
        QrOp {
            full_matrices: false,
        },
        &[&u],
    );
    let triangle = qr.pop().expect("qr returns r");
    let u = qr.pop().expect("qr returns q");
    let signs = ops::where_(
        &ops::compare(
            CompareOp::Ge,
            &ops::real(&ops::diagonal(&triangle)),
            &ops::full_like_scalar(&ops::real(&triangle), 0.0),
            "svd",
        ),
        &ops::full_like_scalar(&u, 1.0),
        &ops::full_like_scalar(&u, -1.0),
    );
    let u = &u * &ops::expand_dims(&signs, &[r - 2]);
    let u = match q {
        None => u,
        Some(q) if full_matrices => {
            let reduced = ops::matmul(&slice_in_dim(&q, 0, n, 1, r - 1), &u);
            ops::concatenate(&[&reduced, &slice_in_dim(&q, n, m, 1, r - 1)], r - 1)
        }
        Some(q) => ops::matmul(&q, &u),
    };
    vec![s, u, mh(&v)]
}

/// The unitary polar factor `U_p` of square matrices `a = U_p H` (over the last two axes) by
/// the QR-based dynamically weighted Halley iteration (QDWH; Nakatsukasa, Bai and Gygi 2010).
/// `a` is scaled by its Frobenius norm so its singular values lie in `[ℓ₀, 1]` with `ℓ₀ = ε`
/// (JAX's bound); each step maps them by the rational function whose weights the bound `ℓ`
/// fixes, and the bound's own recurrence says when they have all reached 1. The weights depend
/// on `ℓ` alone, so they are computed here, not in the program. A last Newton–Schulz step
/// polishes the orthogonality.
fn polar_factor(a: &Array) -> Array {
    let r = a.ndim();
    let n = a.shape()[r - 1];
    let eps = if matches!(a.dtype().real_dtype(), crate::array::DType::F32) {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    let norm = frobenius(a);
    // A zero matrix stays zero (its polar factor is completed by the caller's QR).
    let norm = ops::where_(
        &ops::compare(
            CompareOp::Gt,
            &norm,
            &ops::full_like_scalar(&norm, 0.0),
            "svd",
        ),
        &norm,
        &ops::full_like_scalar(&norm, 1.0),
    );
    let mut x = a / &norm;
    let eye = ops::broadcast_to_shape(
        &ops::eye(n, None, 0).astype(a.dtype()),
        x.shape_obj(),
        "svd",
    );
    let mut l = eps;
    for _ in 0..12 {
        if 1.0 - l <= 10.0 * eps {
            break;
        }
        let l2 = l * l;
        let d = (4.0 * (1.0 - l2) / (l2 * l2)).cbrt();
        let weight_a = (1.0 + d).sqrt()
            + 0.5 * (8.0 - 4.0 * d + 8.0 * (2.0 - l2) / (l2 * (1.0 + d).sqrt())).sqrt();
        let weight_b = (weight_a - 1.0).powi(2) / 4.0;
        let weight_c = weight_a + weight_b - 1.0;
        // [√c x; I] = [q₁; q₂] r gives x (b/c) + q₁ q₂ᴴ (a - b/c)/√c.
        let stacked = ops::concatenate(&[&(&x * weight_c.sqrt()), &eye], r - 2);
        let q = bind(
            QrOp {
                full_matrices: false,
            },
            &[&stacked],
        )
        .remove(0);
        let q1 = slice_in_dim(&q, 0, n, 1, r - 2);
        let q2 = slice_in_dim(&q, n, 2 * n, 1, r - 2);
        let ratio = weight_b / weight_c;
        x = &(&x * ratio) + &(ops::matmul(&q1, &mh(&q2)) * ((weight_a - ratio) / weight_c.sqrt()));
        l = (l * (weight_a + weight_b * l2) / (1.0 + weight_c * l2)).min(1.0);
    }
    // Newton–Schulz: x (3I - xᴴx) / 2.
    &(&x * 1.5) - &(ops::matmul(&x, &ops::matmul(&mh(&x), &x)) * 0.5)
}

/// faer's parameters for `T`: leaves of [`DIVIDE_AND_CONQUER_LEAF`], and the
/// bidiagonalization on one thread where [`reduces_on_one_thread`] (at 256 × 256 in f32 that
/// took `svd` from 6.2 ms to 5.9 on 2 cores, Intel Xeon).
fn svd_params<T: LinalgScalar>() -> SvdParams {
    let mut params = SvdParams {
        recursion_threshold: DIVIDE_AND_CONQUER_LEAF,
        ..<SvdParams as Auto<T>>::auto()
    };
    if reduces_on_one_thread::<T>() {
        params.bidiag.par_threshold = usize::MAX;
    }
    params
}

/// `s` (in `T`, real), then `u` and `vt` (row-major) when asked, for one matrix.
fn svd_kernel<T: LinalgScalar>(a: MatRef<'_, T>, op: SvdOp, par: Par) -> Vec<Vec<T>> {
    let (m, n) = a.shape();
    let k = m.min(n);
    let (uk, vk) = if op.full_matrices { (m, n) } else { (k, k) };
    let nan = faer::traits::math_utils::nan::<T>();
    let nan_outputs = || {
        let mut outs = vec![vec![nan; k]];
        if op.compute_uv {
            outs.push(vec![nan; m * uk]);
            outs.push(vec![nan; vk * n]);
        }
        outs
    };
    if !all_finite(a) {
        return nan_outputs();
    }
    let compute = match (op.compute_uv, op.full_matrices) {
        (false, _) => ComputeSvdVectors::No,
        (true, true) => ComputeSvdVectors::Full,
        (true, false) => ComputeSvdVectors::Thin,
    };
    let mut s = Diag::<T>::zeros(k);
    let (mut u, mut v) = if op.compute_uv {
        (Mat::<T>::zeros(m, uk), Mat::<T>::zeros(n, vk))
    } else {
        (Mat::<T>::zeros(0, 0), Mat::<T>::zeros(0, 0))
    };
    let params = svd_params::<T>();
    let result = linalg::svd::svd(
        a,
        s.as_mut(),
        op.compute_uv.then(|| u.as_mut()),
        op.compute_uv.then(|| v.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(linalg::svd::svd_scratch::<T>(
            m,
            n,
            compute,
            compute,
            par,
            params.into(),
        ))),
        params.into(),
    );
    if result.is_err() {
        return nan_outputs();
    }
    let mut outs = vec![s.column_vector().iter().copied().collect::<Vec<T>>()];
    if op.compute_uv {
        outs.push(row_major(u.as_ref()));
        // Row i of `vh` is column i of `v`, conjugated: a contiguous run of faer's storage.
        let mut vh = Vec::with_capacity(vk * n);
        for i in 0..vk {
            vh.extend(v.col(i).iter().map(math_utils::conj));
        }
        outs.push(vh);
    }
    outs
}
