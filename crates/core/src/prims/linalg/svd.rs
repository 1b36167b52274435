//! `svd`: the singular value decomposition of (a batch of) matrices, with JAX's JVP rule.

use super::cholesky::{with_linalg_type, LinalgScalar};
use super::eigh::all_finite;
use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, matrix_aval, mh, mt, row_major,
    split_matrix, wrap_outputs,
};
use crate::array::{Array, ShapeDtype};
use crate::prims::compare::CompareOp;
use crate::prims::ops;
use crate::prims::rules::py_bool;
use crate::prims::{bind, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::ComputeSvdVectors;
use faer::{linalg, Mat, MatRef, Par};

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

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, m, n) = split_matrix(x.aval());
        let op = *self;
        let count = batch_count(x.aval());
        with_linalg_type!(x.dtype(), T => wrap_outputs(
            map_matrices(x.as_slice::<T>(), count, m, n, |a, par| {
                svd_kernel(a, op, par)
            }),
            out,
        ))
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
            Default::default(),
        ))),
        Default::default(),
    );
    if result.is_err() {
        return nan_outputs();
    }
    let mut outs = vec![s.column_vector().iter().copied().collect::<Vec<T>>()];
    if op.compute_uv {
        outs.push(row_major(u.as_ref()));
        outs.push(row_major(v.as_ref().adjoint().to_owned().as_ref()));
    }
    outs
}
