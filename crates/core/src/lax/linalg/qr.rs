//! `jax.lax.linalg.qr`.

use crate::array::Array;
use crate::prims::bind;
use crate::prims::linalg::qr::QrOp;

/// `jax.lax.linalg.qr(x, full_matrices=...)`: `(q, r)` with `x = q @ r` over the last two axes
/// of `x: [..., m, n]`, `q` unitary and `r` upper triangular. With `full_matrices`, `q` is
/// `m × m` and `r` is `m × n`; otherwise `q` is `m × k` and `r` is `k × n` for
/// `k = min(m, n)`. The signs are LAPACK's, as JAX's on CPU (`r`'s diagonal is real).
/// Float32, float64, complex64 and complex128; panics with JAX's message on other dtypes or
/// rank < 2.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let x = Array::from_vec(vec![3.0f32, 1.0, 4.0, 2.0], [2, 2]);
/// let (q, r) = lax::linalg::qr(&x, true);
/// assert!(jnp::allclose(&jnp::matmul(&q, &r), &x, 1e-5, 1e-5).item::<bool>());
/// assert_eq!(r.to_vec::<f32>()[2], 0.0);
/// ```
pub fn qr(x: &Array, full_matrices: bool) -> (Array, Array) {
    let mut outs = bind(QrOp { full_matrices }, &[x]).into_iter();
    let q = outs.next().expect("qr returns q");
    let r = outs.next().expect("qr returns r");
    (q, r)
}
