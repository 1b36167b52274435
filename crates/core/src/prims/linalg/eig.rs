//! `eig`: the eigendecomposition of (a batch of) general square matrices, forward only for the
//! eigenvectors and with JAX's JVP rule for the eigenvalues alone, as JAX on CPU.

use super::cholesky::linalg_keeping_subnormals;
use super::lu::{lu_solve, Lu};
use super::qr::{
    batch_count, batch_leading, check_operand, map_matrices, map_matrices_is_parallel, matrix_aval,
    mt, split_matrix, wrap_outputs, THREADS_FROM,
};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::prims::ops;
use crate::prims::rules::py_bool;
use crate::prims::{bind, expect_arity, rules, LinearArg, PrimitiveRule};
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::ComputeEigenvectors;
use faer::{linalg, Mat, MatRef, Par};
use num_complex::Complex;

/// `eig[compute_left_eigenvectors, compute_right_eigenvectors]` for `x: [..., n, n]`: the
/// eigenvalues `w: [..., n]` and, when asked, the left eigenvectors (`vlᴴ x = diag(w) vlᴴ`)
/// and the right ones (`x vr = vr diag(w)`), one per column, each `[..., n, n]`, all complex
/// (complex64 for float32 input, complex128 for float64), in JAX's `eig_p` order `w, vl, vr`.
///
/// For real input the eigenvalues come in the order the real Schur form gives them, a complex
/// conjugate pair next to each other with the positive imaginary part first (as LAPACK's
/// `geev`, though the order of the pairs and real eigenvalues may differ from it). Each
/// eigenvector has unit 2-norm and a real largest-magnitude component (`geev`'s
/// normalisation). A matrix with a non-finite entry gives NaN outputs, as JAX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EigOp {
    /// Compute the left eigenvectors.
    pub compute_left: bool,
    /// Compute the right eigenvectors.
    pub compute_right: bool,
}

impl PrimitiveRule for EigOp {
    fn name(&self) -> &'static str {
        "eig"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity("eig", args, 1);
        let x = args[0];
        check_operand("eig", x);
        let (batch, m, n) = split_matrix(x);
        if m != n {
            panic!(
                "The input to eig must be a square matrix. Got shape {}. (operand {x})",
                rules::py_tuple(&[m, n])
            );
        }
        let complex = x.dtype.complex_dtype();
        let w = matrix_aval(x, &batch, &[n], complex);
        let v = matrix_aval(x, &batch, &[n, n], complex);
        let vectors = usize::from(self.compute_left) + usize::from(self.compute_right);
        let mut out = vec![w];
        out.extend(std::iter::repeat_n(v, vectors));
        out
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let (_, n, _) = split_matrix(x.aval());
        let count = batch_count(x.aval());
        let parallel = map_matrices_is_parallel(count, n, n, THREADS_FROM);
        linalg_keeping_subnormals(parallel, || {
            let op = *self;
            match x.dtype() {
                DType::F32 => wrap_outputs(
                    map_matrices(x.as_slice::<f32>(), count, n, n, THREADS_FROM, |a, par| {
                        eig_real(a, op, par)
                    }),
                    out,
                ),
                DType::F64 => wrap_outputs(
                    map_matrices(x.as_slice::<f64>(), count, n, n, THREADS_FROM, |a, par| {
                        eig_real(a, op, par)
                    }),
                    out,
                ),
                DType::C64 => wrap_outputs(
                    map_matrices(
                        x.as_slice::<Complex<f32>>(),
                        count,
                        n,
                        n,
                        THREADS_FROM,
                        |a, par| eig_complex(a, op, par),
                    ),
                    out,
                ),
                DType::C128 => wrap_outputs(
                    map_matrices(
                        x.as_slice::<Complex<f64>>(),
                        count,
                        n,
                        n,
                        THREADS_FROM,
                        |a, par| eig_complex(a, op, par),
                    ),
                    out,
                ),
                d => unreachable!("eig: dtype {d} passed the operand check"),
            }
        })
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        if self.compute_left || self.compute_right {
            panic!(
                "Derivatives of non-symmetric eigenvectors are only valid under assumptions on \
                 the input that JAX cannot check (see the enable_eigvec_derivs argument to \
                 jax.lax.linalg.eig). equinox-core does not provide enable_eigvec_derivs: \
                 differentiate the eigenvalues alone (eigvals). See \
                 https://github.com/jax-ml/jax/issues/2748 for discussion."
            );
        }
        // JAX's `eig_jvp_rule` for the eigenvalues alone: dw = diag(vr⁻¹ da vr), written as
        // sum(solve(vr, da) * vrᵀ, -1).
        let a = primals[0];
        let outs = bind(
            EigOp {
                compute_left: false,
                compute_right: true,
            },
            &[a],
        );
        let (w, vr) = (&outs[0], &outs[1]);
        let da = rules::instantiate(tangents[0], a.aval()).astype(vr.dtype());
        // `jnp.linalg.solve(vr, da)`: both are `[..., n, n]`, so of its promotion and
        // broadcasting only the promotion can apply.
        let p = ops::promote_dtypes(&[vr, &da]);
        let factors = bind(Lu, &[&p[0]]);
        let solved = lu_solve(&factors[0], &factors[2], &p[1], 0);
        let dw = rules::reduce_sum(
            &(&solved * &mt(vr)),
            [solved.ndim() - 1].into_iter().collect(),
        );
        (vec![w.clone()], vec![Some(dw)])
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear("eig")
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
            ("compute_left_eigenvectors", py_bool(self.compute_left)),
            ("compute_right_eigenvectors", py_bool(self.compute_right)),
            ("enable_eigvec_derivs", "False".into()),
            ("implementation", "None".into()),
        ]
    }

    /// A host call of this kernel, as JAX on CPU calls LAPACK's `geev`: StableHLO has no
    /// nonsymmetric eigensolver and XLA expands none.
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let (op, out_avals) = (*self, out.to_vec());
        let host = std::sync::Arc::new(move |xs: &[Array]| op.eval(&[&xs[0]], &out_avals));
        Ok(cx.host_call(self.name(), host, &[&args[0]], out, false))
    }
}

/// Whether to compute a side's eigenvectors, as faer asks it.
fn compute(yes: bool) -> ComputeEigenvectors {
    if yes {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    }
}

/// NaN for every output of one `n × n` matrix (faer's iteration did not converge).
fn nan_outputs<T: faer::traits::RealField + num_traits::Float>(
    n: usize,
    op: EigOp,
) -> Vec<Vec<Complex<T>>> {
    let nan = Complex::new(T::nan(), T::nan());
    let vectors = usize::from(op.compute_left) + usize::from(op.compute_right);
    let mut outs = vec![vec![nan; n]];
    outs.extend(std::iter::repeat_n(vec![nan; n * n], vectors));
    outs
}

/// `w`, then the left and right eigenvectors asked for (row-major), of one real matrix.
fn eig_real<T>(a: MatRef<'_, T>, op: EigOp, par: Par) -> Vec<Vec<Complex<T>>>
where
    T: faer::traits::RealField + num_traits::Float,
{
    let n = a.nrows();
    let mut s_re = Diag::<T>::zeros(n);
    let mut s_im = Diag::<T>::zeros(n);
    let mut ul = Mat::<T>::zeros(if op.compute_left { n } else { 0 }, n);
    let mut ur = Mat::<T>::zeros(if op.compute_right { n } else { 0 }, n);
    let result = linalg::evd::evd_real(
        a,
        s_re.as_mut(),
        s_im.as_mut(),
        op.compute_left.then(|| ul.as_mut()),
        op.compute_right.then(|| ur.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(linalg::evd::evd_scratch::<T>(
            n,
            compute(op.compute_left),
            compute(op.compute_right),
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    if result.is_err() {
        return nan_outputs(n, op);
    }
    let w_im: Vec<T> = s_im.column_vector().iter().copied().collect();
    let w = s_re
        .column_vector()
        .iter()
        .zip(&w_im)
        .map(|(&re, &im)| Complex::new(re, im))
        .collect();
    let mut outs = vec![w];
    for (yes, u) in [(op.compute_left, &ul), (op.compute_right, &ur)] {
        if yes {
            outs.push(unpack_eigenvectors(u.as_ref(), &w_im));
        }
    }
    outs
}

/// `w`, then the left and right eigenvectors asked for (row-major), of one complex matrix.
fn eig_complex<T>(a: MatRef<'_, Complex<T>>, op: EigOp, par: Par) -> Vec<Vec<Complex<T>>>
where
    T: faer::traits::RealField + num_traits::Float,
{
    let n = a.nrows();
    let mut s = Diag::<Complex<T>>::zeros(n);
    let mut ul = Mat::<Complex<T>>::zeros(if op.compute_left { n } else { 0 }, n);
    let mut ur = Mat::<Complex<T>>::zeros(if op.compute_right { n } else { 0 }, n);
    let result = linalg::evd::evd_cplx(
        a,
        s.as_mut(),
        op.compute_left.then(|| ul.as_mut()),
        op.compute_right.then(|| ur.as_mut()),
        par,
        MemStack::new(&mut MemBuffer::new(linalg::evd::evd_scratch::<Complex<T>>(
            n,
            compute(op.compute_left),
            compute(op.compute_right),
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    if result.is_err() {
        return nan_outputs(n, op);
    }
    let mut outs = vec![s.column_vector().iter().copied().collect()];
    for (yes, u) in [(op.compute_left, &ul), (op.compute_right, &ur)] {
        if yes {
            outs.push(normalize_eigenvectors(u.as_ref()));
        }
    }
    outs
}

/// The columns of `u` (row-major `n × n`) normalised as `zgeev` does: unit 2-norm, then
/// rotated so that the first component of largest magnitude is real and positive.
fn normalize_eigenvectors<T>(u: MatRef<'_, Complex<T>>) -> Vec<Complex<T>>
where
    T: faer::traits::RealField + num_traits::Float,
{
    let n = u.nrows();
    let mut out = vec![Complex::new(T::zero(), T::zero()); n * n];
    for j in 0..n {
        let norm = (0..n)
            .map(|i| u[(i, j)].norm_sqr())
            .fold(T::zero(), |a, b| a + b)
            .sqrt();
        let col: Vec<Complex<T>> = (0..n).map(|i| u[(i, j)] / norm).collect();
        // `idamax`: the first index of the largest |v_i|².
        let k = (0..n).fold(0, |k, i| {
            if col[i].norm_sqr() > col[k].norm_sqr() {
                i
            } else {
                k
            }
        });
        let rotate = col[k].conj() / col[k].norm();
        for i in 0..n {
            out[i * n + j] = col[i] * rotate;
        }
        out[k * n + j] = Complex::new(out[k * n + j].re, T::zero());
    }
    out
}

/// The eigenvectors (row-major `n × n`, one per column) packed as LAPACK packs
/// them for a real matrix: a real eigenvalue's vector is its column; a conjugate pair
/// `w_j, w_{j+1} = conj(w_j)` shares the columns `j, j+1` as `v_j = c_j + i c_{j+1}`,
/// `v_{j+1} = conj(v_j)`. Each vector is normalised as `geev` does: unit 2-norm, and a complex
/// one rotated so that its largest-magnitude component is real.
fn unpack_eigenvectors<T>(u: MatRef<'_, T>, w_im: &[T]) -> Vec<Complex<T>>
where
    T: faer::traits::RealField + num_traits::Float,
{
    let n = u.nrows();
    let zero = T::zero();
    let mut re = vec![zero; n * n];
    let mut im = vec![zero; n * n];
    let mut j = 0;
    while j < n {
        if w_im[j] == zero || j + 1 == n {
            let norm = (0..n)
                .map(|i| u[(i, j)] * u[(i, j)])
                .fold(zero, |a, b| a + b);
            let scale = norm.sqrt().recip();
            for i in 0..n {
                re[i * n + j] = u[(i, j)] * scale;
            }
            j += 1;
            continue;
        }
        let norm = (0..n)
            .map(|i| u[(i, j)] * u[(i, j)] + u[(i, j + 1)] * u[(i, j + 1)])
            .fold(zero, |a, b| a + b)
            .sqrt();
        // The largest component x_k + i y_k becomes real: multiply by (cs - i sn), with
        // LAPACK's `dlartg(x_k, y_k)` (cs >= 0, the real result keeps x_k's sign).
        let k = (0..n)
            .max_by(|&p, &q| {
                let mag = |i: usize| u[(i, j)] * u[(i, j)] + u[(i, j + 1)] * u[(i, j + 1)];
                mag(p)
                    .partial_cmp(&mag(q))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .expect("n > 0");
        let (f, g) = (u[(k, j)], u[(k, j + 1)]);
        let d = (f * f + g * g).sqrt();
        let (cs, sn) = if d == zero {
            (T::one(), zero)
        } else {
            let r = if f < zero { -d } else { d };
            (f.abs() / d, g / r)
        };
        for i in 0..n {
            let (x, y) = (u[(i, j)] / norm, u[(i, j + 1)] / norm);
            let (vr, vi) = (cs * x + sn * y, cs * y - sn * x);
            re[i * n + j] = vr;
            im[i * n + j] = vi;
            re[i * n + j + 1] = vr;
            im[i * n + j + 1] = -vi;
        }
        im[k * n + j] = zero;
        im[k * n + j + 1] = zero;
        j += 2;
    }
    re.into_iter()
        .zip(im)
        .map(|(re, im)| Complex::new(re, im))
        .collect()
}
