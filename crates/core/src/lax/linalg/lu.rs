//! `lax.linalg.lu`, `lu_pivots_to_permutation` and `lu_solve`.

use super::triangular_solve::{triangular_solve_with, TriangularSolveOptions};
use crate::array::{Array, DType};
use crate::numpy as jnp;
use crate::prims::linalg::lu::{permute_rows, Lu, LuPivotsToPermutation};
use crate::prims::{bind, bind1, rules};

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
    let r = lu.ndim();
    if r < 2 || lu.shape()[r - 1] != lu.shape()[r - 2] {
        panic!(
            "last two dimensions of LU decomposition must be equal, got shape {:?}",
            lu.shape()
        );
    }
    if b.ndim() < 1 {
        panic!("b matrix must have rank >= 1, got shape {:?}", b.shape());
    }
    if trans > 2 {
        panic!("'trans' value must be 0, 1, or 2, got {trans}");
    }
    let m = lu.shape()[r - 1];
    let rhs_vector = r == b.ndim() + 1;
    let b = if rhs_vector {
        if b.shape()[b.ndim() - 1] != m {
            panic!(
                "When LU decomposition matrix and b have the same number of dimensions, last \
                 axis of LU decomposition matrix (shape {:?}) and b array (shape {:?}) must \
                 match",
                lu.shape(),
                b.shape()
            );
        }
        jnp::expand_dims(b, -1)
    } else {
        if b.ndim() < 2 || b.shape()[b.ndim() - 2] != m {
            panic!(
                "When LU decomposition matrix and b different numbers of dimensions, last axis \
                 of LU decomposition matrix (shape {:?}) and second to last axis of b array \
                 (shape {:?}) must match",
                lu.shape(),
                b.shape()
            );
        }
        b.clone()
    };
    let batch = broadcast_batch(
        "lu_solve",
        &[
            &lu.shape()[..r - 2],
            &permutation.shape()[..permutation.ndim() - 1],
            &b.shape()[..b.ndim() - 2],
        ],
    );
    let with = |tail: &[usize]| -> Vec<usize> { batch.iter().chain(tail).copied().collect() };
    let lu = jnp::broadcast_to(lu, with(&[m, m]));
    let permutation = jnp::broadcast_to(permutation, with(&[m]));
    let k = b.shape()[b.ndim() - 1];
    let b = jnp::broadcast_to(&b, with(&[m, k]));
    let solve = |x: &Array, lower: bool, transpose_a: bool| {
        let options = TriangularSolveOptions {
            left_side: true,
            lower,
            transpose_a,
            conjugate_a: trans == 2,
            unit_diagonal: lower,
        };
        triangular_solve_with(&lu, x, options)
    };
    let x = if trans == 0 {
        let x = permute_rows(&b, &permutation);
        let x = solve(&x, true, false);
        solve(&x, false, false)
    } else {
        let x = solve(&b, false, true);
        let x = solve(&x, true, true);
        // Undo the row permutation: the inverse permutation is the argsort of `permutation`.
        let inverse = jnp::argsort(&permutation, -1).astype(DType::I32);
        permute_rows(&x, &inverse)
    };
    if rhs_vector {
        jnp::squeeze(&x, -1)
    } else {
        x
    }
}

/// The broadcast of batch shapes, or a panic naming `op` and the shapes.
pub(crate) fn broadcast_batch(op: &str, shapes: &[&[usize]]) -> Vec<usize> {
    shapes
        .iter()
        .try_fold(Vec::new(), |acc, s| {
            crate::array::broadcast_shapes(&acc, s).map(|s| s.to_vec())
        })
        .unwrap_or_else(|| {
            let shapes: Vec<String> = shapes.iter().map(|s| rules::py_tuple(s)).collect();
            panic!(
                "{op}: Incompatible shapes for broadcasting: shapes=[{}]",
                shapes.join(", ")
            )
        })
}
