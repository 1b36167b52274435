//! `jax.scipy.linalg.lu_factor`, `lu_solve` and `lu`.

use super::core_dims::{broadcast_operands, finish, is_vector_rhs};
use crate::array::{Array, DType};
use crate::lax;
use crate::numpy::promotion::to_inexact;
use crate::numpy::{self as jnp, promote_dtypes};

/// `jax.scipy.linalg.lu_factor(a) -> (lu, piv)`: the LU factorisation with partial pivoting of
/// each `[m, n]` matrix in the last two axes, for [`lu_solve`]. `lu` holds the unit lower
/// factor below its diagonal and the upper factor on and above it; `piv` (int32,
/// `[..., min(m, n)]`) the row swaps LAPACK applied, in order. Integers promote to float.
///
/// ```
/// use equinox_core::{scipy::linalg, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2]);
/// let (lu, piv) = linalg::lu_factor(&a);
/// assert_eq!(piv.to_vec::<i32>(), vec![1, 1]);
/// let x = linalg::lu_solve(&(lu, piv), &Array::from_vec(vec![3.0f64, 7.0], [2]));
/// assert!(x.to_vec::<f64>().iter().all(|v| (v - 1.0).abs() < 1e-12));
/// ```
pub fn lu_factor(a: &Array) -> (Array, Array) {
    let (lu, pivots, _) = lax::linalg::lu(&to_inexact(a));
    (lu, pivots)
}

/// Options of [`lu_solve_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LuSolveOptions {
    /// Which system: 0 solves `a x = b`, 1 `aᵀ x = b`, 2 `aᴴ x = b` (the same as 1 for real
    /// matrices).
    pub trans: u8,
}

/// `jax.scipy.linalg.lu_solve((lu, piv), b)`: solves `a x = b` from [`lu_factor`]'s
/// factorisation of `a`. See [`lu_solve_with`].
pub fn lu_solve(lu_and_piv: &(Array, Array), b: &Array) -> Array {
    lu_solve_with(lu_and_piv, b, LuSolveOptions::default())
}

/// `jax.scipy.linalg.lu_solve((lu, piv), b, trans=)`: solves `a x = b`, `aᵀ x = b` or
/// `aᴴ x = b` (`trans` 0, 1, 2) from [`lu_factor`]'s `(lu, piv)`, for `b` of shape `[n]` or
/// `[..., n, k]` (or a stack of vectors with one axis fewer than `lu`); leading axes
/// broadcast. Differentiable in `lu` and `b`.
///
/// Panics with JAX's messages when the shapes do not fit or `trans` is not 0, 1 or 2.
///
/// ```
/// use equinox_core::{scipy::linalg::{self, LuSolveOptions}, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2]);
/// let factors = linalg::lu_factor(&a);
/// // aᵀ x = [4, 6]: x = [1, 1].
/// let x = linalg::lu_solve_with(&factors, &Array::from_vec(vec![4.0f64, 6.0], [2]),
///     LuSolveOptions { trans: 1 });
/// assert_eq!(x.to_vec::<f64>(), vec![1.0, 1.0]);
/// ```
pub fn lu_solve_with(lu_and_piv: &(Array, Array), b: &Array, options: LuSolveOptions) -> Array {
    let (lu, pivots) = (&lu_and_piv.0, &lu_and_piv.1);
    let promoted = promote_dtypes(&[lu, b]);
    let (lu, b) = (to_inexact(&promoted[0]), to_inexact(&promoted[1]));
    let m = lu.shape()[lu.ndim().saturating_sub(2)];
    let permutation = lax::linalg::lu_pivots_to_permutation(pivots, m);
    let vector = is_vector_rhs(&lu, &b);
    let ops = broadcast_operands(&[&lu, &permutation, &b], vector);
    let x = lax::linalg::lu_solve(&ops[0], &ops[1], &ops[2], options.trans);
    finish(x, vector)
}

/// `jax.scipy.linalg.lu(a) -> (p, l, u)`: the LU decomposition with partial pivoting of each
/// `[m, n]` matrix in the last two axes as explicit matrices, `a = p @ l @ u`: `p` the `[m, m]`
/// permutation matrix, `l` unit lower triangular `[m, k]`, `u` upper triangular `[k, n]`,
/// `k = min(m, n)`. Differentiable (the permutation is locally constant). For
/// `permute_l=True` see [`lu_permute_l`].
///
/// Panics unless `a` has at least two axes.
///
/// ```
/// use equinox_core::{numpy as jnp, scipy::linalg, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2]);
/// let (p, l, u) = linalg::lu(&a);
/// assert_eq!(p.to_vec::<f64>(), vec![0.0, 1.0, 1.0, 0.0]);
/// assert_eq!(jnp::matmul(&p, &jnp::matmul(&l, &u)).to_vec::<f64>(), a.to_vec::<f64>());
/// ```
pub fn lu(a: &Array) -> (Array, Array, Array) {
    let a = to_inexact(a);
    let (lu, _, permutation) = lax::linalg::lu(&a);
    let r = a.ndim();
    let (m, n) = (a.shape()[r - 2], a.shape()[r - 1]);
    let k = m.min(n);
    // P[..., i, j] = (permutation[j] == i): a = P L U.
    let rows = lax::broadcasted_iota(DType::I32, [m, m], 0);
    let p = jnp::equal(&jnp::expand_dims(&permutation, -2), &rows).astype(a.dtype());
    let l = &lax::slice_in_dim(&jnp::tril(&lu, -1), 0, k, 1, r - 1)
        + &jnp::eye_with_options(
            m,
            jnp::EyeOptions {
                m: Some(k),
                k: 0,
                dtype: a.dtype(),
            },
        );
    let u = lax::slice_in_dim(&jnp::triu(&lu, 0), 0, k, 1, r - 2);
    (p, l, u)
}

/// `jax.scipy.linalg.lu(a, permute_l=True) -> (pl, u)`: [`lu`] with the permutation folded
/// into the lower factor, `pl = p @ l` (`[m, k]`), so that `a = pl @ u`.
///
/// ```
/// use equinox_core::{numpy as jnp, scipy::linalg, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2]);
/// let (pl, u) = linalg::lu_permute_l(&a);
/// assert_eq!(jnp::matmul(&pl, &u).to_vec::<f64>(), a.to_vec::<f64>());
/// ```
pub fn lu_permute_l(a: &Array) -> (Array, Array) {
    let (p, l, u) = lu(a);
    (jnp::matmul(&p, &l), u)
}
