//! `lax.linalg.triangular_solve`.

use crate::array::Array;
use crate::prims::bind1;
pub use crate::prims::linalg::triangular_solve::TriangularSolve as TriangularSolveOptions;
use crate::prims::ops;

impl Default for TriangularSolveOptions {
    /// JAX's defaults: `x op(a) = b` (`left_side=False`), upper triangle, no transpose, no
    /// conjugation, diagonal read.
    fn default() -> Self {
        TriangularSolveOptions {
            left_side: false,
            lower: false,
            transpose_a: false,
            conjugate_a: false,
            unit_diagonal: false,
        }
    }
}

/// `lax.linalg.triangular_solve(a, b)` with JAX's defaults: solves `x a = b` for `x`, reading
/// the upper triangle of `a`. See [`triangular_solve_with`].
///
/// ```
/// use equinox_core::{lax, Array};
/// let a = Array::from_vec(vec![2.0f32, 1.0, 0.0, 4.0], [2, 2]);
/// let b = Array::from_vec(vec![2.0f32, 9.0], [1, 2]);
/// // x @ a = b with a upper triangular: x = [1, 2].
/// assert_eq!(lax::linalg::triangular_solve(&a, &b).to_vec::<f32>(), vec![1.0, 2.0]);
/// ```
pub fn triangular_solve(a: &Array, b: &Array) -> Array {
    triangular_solve_with(a, b, TriangularSolveOptions::default())
}

/// `lax.linalg.triangular_solve(a, b, left_side=, lower=, transpose_a=, conjugate_a=,
/// unit_diagonal=)`: solves `op(a) x = b` (`left_side`) or `x op(a) = b` for `x`, where `a` is
/// `[..., m, m]` triangular (only the `lower` or upper triangle is read; the diagonal is taken
/// as ones with `unit_diagonal`) and `op` transposes with `transpose_a`. `b` is `[..., m, n]`
/// (`left_side`) or `[..., n, m]` with the same batch axes as `a`, or one axis fewer than `a`
/// (a single right-hand side vector, as in JAX). The result has `b`'s shape.
///
/// Panics on non-float or mixed dtypes, a non-square `a`, or mismatched shapes, with JAX's
/// messages.
///
/// ```
/// use equinox_core::{lax, lax::linalg::TriangularSolveOptions, Array};
/// let a = Array::from_vec(vec![2.0f64, 0.0, 1.0, 4.0], [2, 2]);
/// let b = Array::from_vec(vec![2.0f64, 9.0], [2]);
/// let opts = TriangularSolveOptions { left_side: true, lower: true, ..Default::default() };
/// // a x = b with a lower triangular: x = [1, 2].
/// assert_eq!(lax::linalg::triangular_solve_with(&a, &b, opts).to_vec::<f64>(), vec![1.0, 2.0]);
/// ```
pub fn triangular_solve_with(a: &Array, b: &Array, options: TriangularSolveOptions) -> Array {
    // A vector right-hand side; an `a` of fewer than two axes is left for the primitive's shape
    // rule to refuse with its message.
    let singleton = b.ndim() + 1 == a.ndim() && a.ndim() >= 2;
    // The vector's new axis: last for `left_side` (a column), second to last otherwise (a row);
    // positions in the rank-`a.ndim()` operand.
    let axis = if options.left_side {
        a.ndim() - 1
    } else {
        a.ndim() - 2
    };
    let b = if singleton {
        ops::expand_dims(b, &[axis])
    } else {
        b.clone()
    };
    let out = bind1(options, &[a, &b]);
    if singleton {
        ops::squeeze(&out, &[axis])
    } else {
        out
    }
}
