//! `jnp.logaddexp`: `log(exp(x1) + exp(x2))` without overflow.

use crate::array::Array;

/// `log(exp(x1) + exp(x2))`, computed stably (`jnp.logaddexp`), with broadcasting and JAX
/// promotion (integers become float).
///
/// JAX's formula, with its maximum and `-|delta|` written as selects on `delta > 0`:
/// ```text
/// delta = x1 - x2
/// amax  = delta > 0 ? x1 : x2              (= max(x1, x2))
/// u     = delta > 0 ? -delta : delta       (= -|delta|)
/// out   = isnan(delta) ? x1 + x2 : amax + log1p(exp(u))
/// ```
/// The values are JAX's. The NaN branch makes `logaddexp(inf, inf) = inf` and
/// `logaddexp(-inf, -inf) = -inf` (there `delta` is NaN) while real NaN inputs still
/// propagate.
///
/// JAX wraps this in a `custom_jvp` whose tangent is `t1 * exp(x1 - out) + t2 * exp(x2 - out)`.
/// With the selects, each side of `delta > 0` is an analytic expression of `logaddexp`, so the
/// ordinary derivatives of every order are those of that rule, ties included:
/// `d/dx1 logaddexp(x, x) = 0.5` and `softplus''(0) = 0.25` (the `max`/`abs` form would give
/// 0 for the first, as `max` splits ties and `abs'(0) = 1`, and 0 for the second). `exp` only
/// ever sees `u <= 0`, so no branch produces infinities that could turn into NaN gradients.
/// At infinite inputs JAX's rule has its own conventions, which are not reproduced.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0.0f32, 100.0, f32::NEG_INFINITY], [3]);
/// let y = jnp::logaddexp(&x, &Array::weak_scalar(0.0));
/// let v = y.to_vec::<f32>();
/// assert!((v[0] - 2f32.ln()).abs() < 1e-7);
/// assert_eq!(v[1], 100.0);
/// assert_eq!(v[2], 0.0);
/// ```
pub fn logaddexp(x1: &Array, x2: &Array) -> Array {
    crate::prims::ops::logaddexp(x1, x2)
}

impl Array {
    /// [`logaddexp`] with another array.
    pub fn logaddexp(&self, other: &Array) -> Array {
        logaddexp(self, other)
    }
}
