//! `jax.lax.linalg.eigh`.

use crate::array::Array;
use crate::prims::bind;
use crate::prims::linalg::eigh::{symmetrize, EighOp};

/// `jax.lax.linalg.eigh(x, lower=..., symmetrize_input=...)`: `(v, w)` for symmetric
/// `x: [..., n, n]`, the eigenvectors in the columns of `v` and the eigenvalues `w` in
/// ascending order, `x = v diag(w) vᵀ`. With `symmetrize_input`, `x` is first replaced by
/// `(x + xᵀ) / 2`; otherwise only the triangle named by `lower` is read. Eigenvector signs are
/// unspecified (as in JAX). Float32/float64 only; panics with JAX's message on other dtypes,
/// rank < 2 or non-square matrices.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![2.0f64, 1.0, 1.0, 2.0], [2, 2]);
/// let (_v, w) = lax::linalg::eigh(&x, true, true);
/// let w = w.to_vec::<f64>();
/// assert!((w[0] - 1.0).abs() < 1e-12 && (w[1] - 3.0).abs() < 1e-12);
/// ```
pub fn eigh(x: &Array, lower: bool, symmetrize_input: bool) -> (Array, Array) {
    let sym;
    let input = if symmetrize_input {
        // The primitive's checks (rank, dtype, square) come before the symmetrisation, whose
        // own messages would not name eigh.
        crate::prims::PrimitiveRule::abstract_eval(&EighOp { lower }, &[x.aval()]);
        sym = symmetrize(x);
        &sym
    } else {
        x
    };
    let mut outs = bind(EighOp { lower }, &[input]).into_iter();
    let v = outs.next().expect("eigh returns v");
    let w = outs.next().expect("eigh returns w");
    (v, w)
}
