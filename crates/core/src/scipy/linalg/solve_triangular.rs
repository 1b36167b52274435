//! `jax.scipy.linalg.solve_triangular`.

use super::core_dims::{broadcast_operands, finish, is_vector_rhs};
use crate::array::Array;
use crate::lax::linalg::{triangular_solve_with, TriangularSolveOptions};
use crate::numpy::promote_dtypes;
use crate::numpy::promotion::to_inexact;

/// Options of [`solve_triangular_with`] (SciPy's keywords; the defaults are SciPy's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SolveTriangularOptions {
    /// Which system: 0 solves `a x = b`, 1 `aᵀ x = b`, 2 `aᴴ x = b` (the same as 1 for real
    /// matrices). SciPy's `'N'`, `'T'` and `'C'`.
    pub trans: u8,
    /// Read the lower triangle of `a` (true) or the upper one (false, the default).
    pub lower: bool,
    /// Take the diagonal of `a` as ones without reading it.
    pub unit_diagonal: bool,
}

/// `jax.scipy.linalg.solve_triangular(a, b)`: solves `a x = b` for `x`, reading only the upper
/// triangle of `a`. See [`solve_triangular_with`].
///
/// ```
/// use equinox_core::{scipy::linalg, Array};
/// let a = Array::from_vec(vec![2.0f64, 1.0, 0.0, 4.0], [2, 2]);
/// let b = Array::from_vec(vec![4.0f64, 8.0], [2]);
/// // 2 x0 + x1 = 4, 4 x1 = 8.
/// assert_eq!(linalg::solve_triangular(&a, &b).to_vec::<f64>(), vec![1.0, 2.0]);
/// ```
pub fn solve_triangular(a: &Array, b: &Array) -> Array {
    solve_triangular_with(a, b, SolveTriangularOptions::default())
}

/// `jax.scipy.linalg.solve_triangular(a, b, trans=, lower=, unit_diagonal=)`: solves
/// `op(a) x = b` for triangular `a` of shape `[..., n, n]` and `b` of shape `[n]` or
/// `[..., n, k]` (or, as JAX still accepts, a stack of vectors `[..., n]` with one axis fewer
/// than `a`); leading axes broadcast. Integer inputs promote to float. Differentiable in both
/// arguments.
///
/// Panics with JAX's messages for a `trans` outside 0..=2 or shapes that do not fit.
///
/// ```
/// use equinox_core::{scipy::linalg::{self, SolveTriangularOptions}, Array};
/// let a = Array::from_vec(vec![2.0f32, 0.0, 1.0, 4.0], [2, 2]);
/// let b = Array::from_vec(vec![4.0f32, 9.0], [2]);
/// let opts = SolveTriangularOptions { trans: 1, lower: true, ..Default::default() };
/// // aᵀ = [[2, 1], [0, 4]]: 4 x1 = 9, 2 x0 + x1 = 4.
/// assert_eq!(linalg::solve_triangular_with(&a, &b, opts).to_vec::<f32>(), vec![0.875, 2.25]);
/// ```
pub fn solve_triangular_with(a: &Array, b: &Array, options: SolveTriangularOptions) -> Array {
    let (transpose_a, conjugate_a) = match options.trans {
        0 => (false, false),
        1 => (true, false),
        2 => (true, true),
        t => panic!("Invalid 'trans' value {t}"),
    };
    let promoted = promote_dtypes(&[a, b]);
    let (a, b) = (to_inexact(&promoted[0]), to_inexact(&promoted[1]));
    let vector = is_vector_rhs(&a, &b);
    let ops = broadcast_operands(&[&a, &b], vector);
    let solve = TriangularSolveOptions {
        left_side: true,
        lower: options.lower,
        transpose_a,
        conjugate_a,
        unit_diagonal: options.unit_diagonal,
    };
    finish(triangular_solve_with(&ops[0], &ops[1], solve), vector)
}
