//! `jax.lax.linalg.eigh`.

use super::symmetrize::symmetrize;
use crate::array::Array;
use crate::prims::bind;
use crate::prims::linalg::eigh::EighOp;

/// `jax.lax.linalg.eigh(x, lower=..., symmetrize_input=...)`: `(v, w)` for Hermitian
/// `x: [..., n, n]`, the eigenvectors in the columns of `v` and the eigenvalues `w` in
/// ascending order, `x = v diag(w) vᴴ` (`w` real: float32/float64 for complex input). With
/// `symmetrize_input`, `x` is first replaced by `(x + xᴴ) / 2`; otherwise only the triangle
/// named by `lower` is read. Eigenvector signs (phases) are unspecified (as in JAX). Float32,
/// float64, complex64 and complex128; panics with JAX's message on other dtypes, rank < 2 or
/// non-square matrices.
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
        check_symmetrizable(x);
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

/// Panics as JAX's `symmetrize` (`(x + _T(x)) / 2`) does on an input that is not a stack of
/// square matrices (those are the messages JAX's `eigh` gives), naming eigh.
fn check_symmetrizable(x: &Array) {
    let nd = x.ndim();
    let shape = crate::prims::rules::py_tuple(x.shape());
    if nd < 2 {
        let perm: Vec<String> = (0..nd as i64 - 2)
            .chain([nd as i64 - 1, nd as i64 - 2])
            .map(|d| d.to_string())
            .collect();
        panic!(
            "transpose permutation isn't a permutation of operand dimensions, got permutation \
             ({}) for operand shape {shape}. (eigh needs a matrix of shape [..., n, n], got {})",
            perm.join(", "),
            x.aval()
        );
    }
    let (m, n) = (x.shape()[nd - 2], x.shape()[nd - 1]);
    if m != n {
        let mut swapped = x.shape().to_vec();
        swapped.swap(nd - 2, nd - 1);
        panic!(
            "add got incompatible shapes for broadcasting: {shape}, {}. (eigh needs square \
             matrices, shape [..., n, n], got {})",
            crate::prims::rules::py_tuple(&swapped),
            x.aval()
        );
    }
}
