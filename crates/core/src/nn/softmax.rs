//! `jax.nn.softmax` and `jax.nn.log_softmax`.

use super::{max_with_neg_inf_initial, to_inexact};
use crate::array::Array;
use crate::lax::stop_gradient;
use crate::numpy::{self as jnp, Axes};

/// Softmax over `axes` (JAX's default is `-1`): `exp(x - m) / sum(exp(x - m))`.
///
/// JAX 0.10.2 defaults to its non-custom-JVP path (`jax_softmax_custom_jvp = False`), which is
/// what this follows, op for op:
/// ```text
/// m   = stop_gradient(max(-inf, reduce_max(x, axes)))   (kept as size-1 axes)
/// u   = exp(x - m)
/// out = u / sum(u, axes, keepdims)
/// ```
/// Subtracting the maximum keeps `exp` from overflowing; it cancels mathematically, so it is
/// excluded from differentiation. A slice that is all `-inf` gives NaN, as in JAX.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 0.0, 1000.0, 1000.0], [2, 2]);
/// assert_eq!(nn::softmax(&x, -1).to_vec::<f32>(), vec![0.5; 4]);
/// assert_eq!(x.softmax(0).to_vec::<f32>(), vec![0.0, 0.0, 1.0, 1.0]);
/// ```
pub fn softmax(x: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    let x = to_inexact(x);
    let m = stop_gradient(&max_with_neg_inf_initial(&x, &axes, true, "softmax"));
    let unnormalized = jnp::exp(&(&x - &m));
    &unnormalized / &jnp::sum_keepdims(&unnormalized, axes)
}

/// Log-softmax over `axes` (JAX's default is `-1`): `x - logsumexp(x)`, in JAX's order:
/// ```text
/// m       = stop_gradient(max(-inf, reduce_max(x, axes)))   (kept as size-1 axes)
/// shifted = x - m
/// out     = shifted - log(sum(exp(shifted), axes, keepdims))
/// ```
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![1.0f32, 1.0], [2]);
/// let y = nn::log_softmax(&x, -1).to_vec::<f32>();
/// assert_eq!(y, vec![-(2f32.ln()); 2]);
/// ```
pub fn log_softmax(x: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    let x = to_inexact(x);
    let m = max_with_neg_inf_initial(&x, &axes, true, "log_softmax");
    let shifted = &x - &stop_gradient(&m);
    let lse = jnp::log(&jnp::sum_keepdims(&jnp::exp(&shifted), axes));
    &shifted - &lse
}

impl Array {
    /// [`softmax`] as a method: `x.softmax(-1)`.
    pub fn softmax(&self, axes: impl Into<Axes>) -> Array {
        softmax(self, axes)
    }
    /// [`log_softmax`] as a method: `x.log_softmax(-1)`.
    pub fn log_softmax(&self, axes: impl Into<Axes>) -> Array {
        log_softmax(self, axes)
    }
}
