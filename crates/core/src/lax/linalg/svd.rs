//! `jax.lax.linalg.svd`.

use crate::array::Array;
use crate::prims::bind;
use crate::prims::linalg::svd::SvdOp;

/// `jax.lax.linalg.svd(x, full_matrices=..., compute_uv=True)`: `(u, s, vt)` with
/// `x = u @ diag(s) @ vt` over the last two axes of `x: [..., m, n]`, `s` descending. With
/// `full_matrices`, `u` is `m × m` and `vt` is `n × n`; otherwise `m × k` and `k × n` for
/// `k = min(m, n)`. Singular-vector signs are unspecified (as in JAX). For the singular values
/// alone (`compute_uv=False`) use [`svd_values`]. Float32, float64, complex64 and complex128
/// (`s` is real: float32/float64); panics with JAX's message on other dtypes or rank < 2.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let x = Array::from_vec(vec![3.0f32, 0.0, 0.0, -2.0, 0.0, 0.0], [3, 2]);
/// let (u, s, vt) = lax::linalg::svd(&x, false);
/// assert_eq!(s.to_vec::<f32>(), vec![3.0, 2.0]);
/// assert_eq!((u.shape(), vt.shape()), (&[3, 2][..], &[2, 2][..]));
/// ```
pub fn svd(x: &Array, full_matrices: bool) -> (Array, Array, Array) {
    let mut outs = bind(
        SvdOp {
            full_matrices,
            compute_uv: true,
        },
        &[x],
    )
    .into_iter();
    let s = outs.next().expect("svd returns s");
    let u = outs.next().expect("svd returns u");
    let vt = outs.next().expect("svd returns vt");
    (u, s, vt)
}

/// `jax.lax.linalg.svd(x, compute_uv=False)`: the singular values of `x: [..., m, n]` in
/// descending order, `[..., min(m, n)]`, computed without the singular vectors (much cheaper).
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![0.0f64, 2.0, 1.0, 0.0], [2, 2]);
/// assert_eq!(lax::linalg::svd_values(&x).to_vec::<f64>(), vec![2.0, 1.0]);
/// ```
pub fn svd_values(x: &Array) -> Array {
    bind(
        SvdOp {
            full_matrices: false,
            compute_uv: false,
        },
        &[x],
    )
    .pop()
    .expect("svd returns s")
}
