//! `jax.scipy.linalg.cho_factor` and `cho_solve`.

use super::core_dims::{broadcast_operands, finish, is_vector_rhs};
use crate::array::Array;
use crate::lax::linalg::{cholesky, triangular_solve_with, TriangularSolveOptions};
use crate::numpy::promotion::to_inexact;
use crate::numpy::{self as jnp, promote_dtypes};

/// Options of [`cho_factor_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChoFactorOptions {
    /// Return the lower factor `L` (`a = L Lᴴ`) instead of the upper one `U` (`a = Uᴴ U`,
    /// SciPy's default).
    pub lower: bool,
}

/// `jax.scipy.linalg.cho_factor(a) -> (c, lower)` with SciPy's default `lower=False`: the
/// upper Cholesky factor of each matrix in the last two axes, for [`cho_solve`]. See
/// [`cho_factor_with`].
///
/// ```
/// use equinox_core::{scipy::linalg, Array};
/// let a = Array::from_vec(vec![4.0f64, 2.0, 2.0, 5.0], [2, 2]);
/// let factor = linalg::cho_factor(&a);
/// assert_eq!(factor.0.to_vec::<f64>(), vec![2.0, 1.0, 0.0, 2.0]);
/// assert!(!factor.1);
/// let x = linalg::cho_solve(&factor, &Array::from_vec(vec![6.0f64, 7.0], [2]));
/// assert_eq!(x.to_vec::<f64>(), vec![1.0, 1.0]);
/// ```
pub fn cho_factor(a: &Array) -> (Array, bool) {
    cho_factor_with(a, ChoFactorOptions::default())
}

/// `jax.scipy.linalg.cho_factor(a, lower=) -> (c, lower)`: the Cholesky factor `c` of each
/// matrix in the last two axes of `a`, zero in the other triangle (SciPy leaves garbage there;
/// JAX zeros). Unlike `jnp.linalg.cholesky` the input is not symmetrised: only the triangle
/// named by `lower` is read, so derivatives follow that triangle. A matrix that is not positive
/// definite gives NaNs.
pub fn cho_factor_with(a: &Array, options: ChoFactorOptions) -> (Array, bool) {
    let a = to_inexact(a);
    let c = if options.lower {
        cholesky(&a, false)
    } else {
        // The lower factor of aᴴ reads a's upper triangle; its conjugate transpose is U.
        let h = |x: &Array| jnp::conj(&jnp::matrix_transpose(x));
        h(&cholesky(&h(&a), false))
    };
    (c, options.lower)
}

/// `jax.scipy.linalg.cho_solve((c, lower), b)`: solves `a x = b` given the Cholesky factor `c`
/// of `a` from [`cho_factor`] (lower or upper as `lower` says), by two triangular solves. `b`
/// is `[n]` or `[..., n, k]` (or a stack of vectors with one axis fewer than `c`); leading
/// axes broadcast. Differentiable in `c` and `b`.
///
/// Panics with JAX's messages when the shapes do not fit.
pub fn cho_solve(c_and_lower: &(Array, bool), b: &Array) -> Array {
    let (c, lower) = (&c_and_lower.0, c_and_lower.1);
    let promoted = promote_dtypes(&[c, b]);
    let (c, b) = (to_inexact(&promoted[0]), to_inexact(&promoted[1]));
    let vector = is_vector_rhs(&c, &b);
    let ops = broadcast_operands(&[&c, &b], vector);
    // a = L Lᴴ = Uᴴ U: first solve with the factor that stands on the left (Lᴴ's transpose,
    // i.e. L, or Uᴴ), then with the other.
    let solve = |rhs: &Array, transpose_a: bool| {
        let options = TriangularSolveOptions {
            left_side: true,
            lower,
            transpose_a,
            conjugate_a: transpose_a,
            unit_diagonal: false,
        };
        triangular_solve_with(&ops[0], rhs, options)
    };
    let y = solve(&ops[1], !lower);
    finish(solve(&y, lower), vector)
}
