//! `jax.lax.linalg.eig`.

use crate::array::Array;
use crate::prims::bind;
use crate::prims::linalg::eig::EigOp;

/// The options of [`eig_with`] (JAX's keyword arguments of `lax.linalg.eig`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EigOptions {
    /// Compute the left eigenvectors `vl` (`vlᴴ x = diag(w) vlᴴ`; default true).
    pub compute_left_eigenvectors: bool,
    /// Compute the right eigenvectors `vr` (`x vr = vr diag(w)`; default true).
    pub compute_right_eigenvectors: bool,
}

impl Default for EigOptions {
    fn default() -> Self {
        EigOptions {
            compute_left_eigenvectors: true,
            compute_right_eigenvectors: true,
        }
    }
}

/// What [`eig_with`] returns: JAX's list `[w, vl, vr]`, the vectors present when asked for.
#[derive(Clone, Debug)]
pub struct EigOutputs {
    /// The eigenvalues, `[..., n]`.
    pub w: Array,
    /// The left eigenvectors, one per column, `[..., n, n]`.
    pub vl: Option<Array>,
    /// The right eigenvectors, one per column, `[..., n, n]`.
    pub vr: Option<Array>,
}

/// `jax.lax.linalg.eig(x)`: the eigenvalues and the left and right eigenvectors of a general
/// square `x: [..., n, n]`, as complex arrays (complex64 for float32 input, complex128 for
/// float64).
///
/// Eigenvalues come in the order of the real Schur form (a complex conjugate pair adjacent,
/// the positive imaginary part first, as LAPACK's `geev`); each eigenvector has unit 2-norm
/// and a complex one a real largest-magnitude component. Forward only as JAX on CPU: the
/// eigenvalues alone (both vector flags off, see [`eig_with`]) have a JVP, the eigenvectors
/// panic with JAX's message under differentiation. Float32, float64, complex64 and
/// complex128 (complex input: the eigenvalues in the order of the complex Schur form);
/// panics with JAX's message on other dtypes, rank < 2 or a non-square matrix; a non-finite
/// input gives NaNs.
///
/// ```
/// use equinox_core::{lax, Array, Complex64};
/// // A rotation by 90 degrees: eigenvalues ±i.
/// let x = Array::from_vec(vec![0.0f64, -1.0, 1.0, 0.0], [2, 2]);
/// let out = lax::linalg::eig(&x);
/// let i = Complex64::new(0.0, 1.0);
/// assert_eq!(out.w.to_vec::<Complex64>(), vec![i, -i]);
/// assert!(out.vl.is_some() && out.vr.is_some());
/// ```
pub fn eig(x: &Array) -> EigOutputs {
    eig_with(x, EigOptions::default())
}

/// `jax.lax.linalg.eig(x, compute_left_eigenvectors=..., compute_right_eigenvectors=...)`.
pub fn eig_with(x: &Array, options: EigOptions) -> EigOutputs {
    let op = EigOp {
        compute_left: options.compute_left_eigenvectors,
        compute_right: options.compute_right_eigenvectors,
    };
    let mut outs = bind(op, &[x]).into_iter();
    let w = outs.next().expect("eig returns the eigenvalues");
    let vl = op
        .compute_left
        .then(|| outs.next().expect("eig returns vl"));
    let vr = op
        .compute_right
        .then(|| outs.next().expect("eig returns vr"));
    EigOutputs { w, vl, vr }
}
