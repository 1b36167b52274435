//! `eigh`: the eigendecomposition of (a batch of) Hermitian matrices, with JAX's JVP rule.

use super::cholesky::{with_linalg_type, LinalgScalar};
use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, matrix_aval, mh, row_major,
    split_matrix, wrap_outputs,
};
use crate::array::{Array, ShapeDtype};
use crate::prims::ops;
use crate::prims::rules::py_bool;
use crate::prims::{bind, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{linalg, Mat, MatRef, Par};

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

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, n, _) = split_matrix(x.aval());
        let lower = self.lower;
        let count = batch_count(x.aval());
        with_linalg_type!(x.dtype(), T => wrap_outputs(
            map_matrices(x.as_slice::<T>(), count, n, n, |a, par| {
                eigh_kernel(a, lower, par)
            }),
            out,
        ))
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

/// `(x + xᴴ) / 2` over the last two axes (JAX's `lax.linalg.symmetrize`).
pub(crate) fn symmetrize(x: &Array) -> Array {
    (x + &mh(x)) / 2.0
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
                Default::default(),
            ),
        )),
        Default::default(),
    );
    if result.is_err() {
        return nan_outputs();
    }
    let w: Vec<T> = s.column_vector().iter().copied().collect();
    vec![row_major(u.as_ref()), w]
}

/// Whether every entry of `a` is finite.
pub(crate) fn all_finite<T: LinalgScalar>(a: MatRef<'_, T>) -> bool {
    (0..a.nrows()).all(|i| (0..a.ncols()).all(|j| faer::traits::math_utils::is_finite(&a[(i, j)])))
}
