//! `jax.nn.logsumexp` (= `jax.scipy.special.logsumexp`).

use super::{keep_dims, max_with_neg_inf_initial, to_inexact};
use crate::array::Array;
use crate::lax::stop_gradient;
use crate::numpy::{self as jnp, Axes};

/// `log(sum(exp(x), axes))`, computed stably, optionally keeping the reduced axes as size 1.
/// `axes` may be one axis, several, or `None` for all.
///
/// JAX's formula and order:
/// ```text
/// m   = max(-inf, reduce_max(x, axes))
/// m   = stop_gradient(is_finite(m) ? m : 0)
/// out = log(|sum(exp(x - m), axes)|) + m
/// ```
/// Replacing a non-finite maximum by 0 makes an all-`-inf` slice give `-inf` (not NaN), and
/// `+inf` entries give `+inf`.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 0.0, 1000.0, 1000.0], [2, 2]);
/// let y = nn::logsumexp(&x, -1, false).to_vec::<f32>();
/// assert_eq!(y, vec![2f32.ln(), 1000.0 + 2f32.ln()]);
/// assert_eq!(x.logsumexp(None, true).shape(), &[1, 1]);
/// ```
pub fn logsumexp(x: &Array, axes: impl Into<Axes>, keepdims: bool) -> Array {
    let axes = axes.into();
    let x = to_inexact(x);
    let dims = axes.resolve(x.ndim(), "logsumexp");
    let m = max_with_neg_inf_initial(&x, &axes, keepdims, "logsumexp");
    let m = jnp::where_(&jnp::isfinite(&m), &m, &jnp::zeros_dtype([], m.dtype()));
    let m = stop_gradient(&m);
    let m_with_dims = if keepdims {
        m.clone()
    } else {
        keep_dims(&m, x.shape(), &dims)
    };
    let e = jnp::exp(&(&x - &m_with_dims));
    let s = if keepdims {
        jnp::sum_keepdims(&e, axes)
    } else {
        jnp::sum(&e, axes)
    };
    &jnp::log(&jnp::abs(&s)) + &m
}

impl Array {
    /// [`logsumexp`] as a method: `x.logsumexp(-1, false)`.
    pub fn logsumexp(&self, axes: impl Into<Axes>, keepdims: bool) -> Array {
        logsumexp(self, axes, keepdims)
    }
}

/// `jax.nn.logmeanexp`: `log(mean(exp(x), axes))`, computed stably as [`logsumexp`] minus
/// the log of the number of elements reduced.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 0.0, 1000.0, 1000.0], [2, 2]);
/// assert_eq!(nn::logmeanexp(&x, -1, false).to_vec::<f32>(), vec![0.0, 1000.0]);
/// ```
pub fn logmeanexp(x: &Array, axes: impl Into<Axes>, keepdims: bool) -> Array {
    let axes = axes.into();
    let x = to_inexact(x);
    let dims = axes.resolve(x.ndim(), "logmeanexp");
    let count: usize = dims.iter().map(|&d| x.shape()[d]).product();
    let lse = logsumexp(&x, axes, keepdims);
    let count = Array::scalar(count as f64).astype(lse.dtype());
    &lse - &jnp::log(&count)
}
