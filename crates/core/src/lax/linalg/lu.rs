//! `lax.linalg.lu`, `lu_pivots_to_permutation` and `lu_solve`.

use crate::array::Array;
use crate::prims::linalg::lu::{Lu, LuPivotsToPermutation};
use crate::prims::{bind, bind1};

pub(crate) use crate::prims::linalg::lu::broadcast_batch;

/// `lax.linalg.lu(x) -> (lu, pivots, permutation)`: LU decomposition with partial pivoting of
/// each `[m, n]` matrix in the last two axes of `x`, `P x = L U`. `lu` holds `L` (unit
/// diagonal, not stored) below the diagonal and `U` on and above it; `pivots` (int32,
/// `[..., min(m, n)]`) are the row swaps LAPACK applied, in order; `permutation` (int32,
/// `[..., m]`) the resulting row order (`x[..., permutation, :] = L U`).
///
/// Panics unless `x` is float32/float64/complex64/complex128 of rank at least 2, with JAX's
/// messages.
///
/// ```
/// use equinox_core::{lax, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// let (lu, pivots, perm) = lax::linalg::lu(&a);
/// assert_eq!(lu.to_vec::<f32>(), vec![3.0, 4.0, 1.0 / 3.0, 2.0 - 4.0 / 3.0]);
/// assert_eq!(pivots.to_vec::<i32>(), vec![1, 1]);
/// assert_eq!(perm.to_vec::<i32>(), vec![1, 0]);
/// ```
pub fn lu(x: &Array) -> (Array, Array, Array) {
    let mut outs = bind(Lu, &[x]).into_iter();
    let mut next = || outs.next().expect("lu has three outputs");
    (next(), next(), next())
}

/// `lax.linalg.lu_pivots_to_permutation(pivots, permutation_size)`: the permutation of
/// `0..permutation_size` that the row swaps `pivots` (int32, `[..., k]`, applied in order)
/// produce, batched over leading axes.
///
/// Panics unless `pivots` is int32 of rank at least 1 with `k <= permutation_size`.
///
/// ```
/// use equinox_core::{lax, Array};
/// let pivots = Array::from_vec(vec![2i32, 2], [2]);
/// let p = lax::linalg::lu_pivots_to_permutation(&pivots, 3);
/// assert_eq!(p.to_vec::<i32>(), vec![2, 0, 1]);
/// ```
pub fn lu_pivots_to_permutation(pivots: &Array, permutation_size: usize) -> Array {
    bind1(LuPivotsToPermutation { permutation_size }, &[pivots])
}

/// JAX's `lax.linalg.lu_solve(lu, permutation, b, trans)`: solves `a x = b` (`trans` 0),
/// `aᵀ x = b` (1) or `aᴴ x = b` (2, the same as 1 for real matrices) from the factorisation
/// of [`lu`], for `b` of shape `[..., m, k]` or `[..., m]` (a vector when `b` has one axis
/// fewer than `lu`), broadcasting batch axes.
///
/// Panics on a non-square `lu`, mismatched shapes or a `trans` outside 0..=2, with JAX's
/// messages.
///
/// ```
/// use equinox_core::{lax, Array};
/// let a = Array::from_vec(vec![1.0f64, 2.0, 3.0, 4.0], [2, 2]);
/// let (lu, _, perm) = lax::linalg::lu(&a);
/// let b = Array::from_vec(vec![5.0f64, 11.0], [2]);
/// let x = lax::linalg::lu_solve(&lu, &perm, &b, 0);
/// assert!((x.to_vec::<f64>()[0] - 1.0).abs() < 1e-12);
/// assert!((x.to_vec::<f64>()[1] - 2.0).abs() < 1e-12);
/// ```
pub fn lu_solve(lu: &Array, permutation: &Array, b: &Array, trans: u8) -> Array {
    crate::prims::linalg::lu::lu_solve(lu, permutation, b, trans)
}
