//! `eigh`: the eigendecomposition of (a batch of) symmetric matrices, with JAX's JVP rule.

use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, matrix_aval, mt, py_bool, row_major,
    split_matrix, wrap_outputs,
};
use crate::array::{Array, DType, ShapeDtype};
use crate::numpy as jnp;
use crate::prims::{bind, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::{linalg, Mat, MatRef, Par};

/// `eigh[lower]`: for a symmetric `x: [..., n, n]`, the eigenvectors `v: [..., n, n]` (columns)
/// and the eigenvalues `w: [..., n]` in ascending order, `x = v diag(w) vᵀ`. Only the triangle
/// named by `lower` is read. Float32/float64 only; a matrix with a non-finite entry gives NaN
/// outputs, as LAPACK's `syevd` in JAX.
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
            matrix_aval(x, &batch, &[n], x.dtype),
        ]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, n, _) = split_matrix(x.aval());
        let lower = self.lower;
        let count = batch_count(x.aval());
        match x.dtype() {
            DType::F32 => wrap_outputs(
                map_matrices(x.as_slice::<f32>(), count, n, n, |a, par| {
                    eigh_kernel(a, lower, par)
                }),
                out,
            ),
            DType::F64 => wrap_outputs(
                map_matrices(x.as_slice::<f64>(), count, n, n, |a, par| {
                    eigh_kernel(a, lower, par)
                }),
                out,
            ),
            d => unreachable!("abstract_eval accepts float32/float64 only, not {d}"),
        }
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
        let (v, w) = (&outs[0], &outs[1]);
        let n = a.shape()[a.ndim() - 1];
        let eye = jnp::eye(n, None, 0).astype(a.dtype());
        // F[i, j] = 1 / (w[j] - w[i]) off the diagonal, 0 on it, without dividing by zero.
        let diff = &eye + &(&jnp::expand_dims(w, -2) - &jnp::expand_dims(w, -1));
        let fmat = &jnp::reciprocal(&diff) - &eye;
        let vt_adot_v = jnp::matmul(&jnp::matmul(&mt(v), &a_dot), v);
        let dv = jnp::matmul(v, &(&fmat * &vt_adot_v));
        let dw = jnp::diagonal(&vt_adot_v, 0, -2, -1);
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

/// `(x + xᵀ) / 2` over the last two axes (JAX's `lax.linalg.symmetrize` for real inputs).
pub(crate) fn symmetrize(x: &Array) -> Array {
    (x + &mt(x)) / 2.0
}

/// The eigenvectors (row-major, one per column) and ascending eigenvalues of one matrix.
fn eigh_kernel<T>(a: MatRef<'_, T>, lower: bool, par: Par) -> Vec<Vec<T>>
where
    T: faer::traits::RealField + num_traits::Float,
{
    let n = a.nrows();
    let nan = T::from_f64_impl(f64::NAN);
    let nan_outputs = || vec![vec![nan; n * n], vec![nan; n]];
    let finite = (0..n).all(|i| (0..n).all(|j| a[(i, j)].is_finite()));
    if !finite {
        return nan_outputs();
    }
    // faer reads the lower triangle; the upper one is the lower triangle of the transpose.
    let a = if lower { a } else { a.transpose() };
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
