//! `jnp.logaddexp`: `log(exp(x1) + exp(x2))` without overflow.

use super::creation::zeros_dtype;
use super::math::{isnan, select};
use super::promotion::{broadcast_for_elementwise, broadcast_to_shape, promote_dtypes, to_inexact};
use crate::array::Array;
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::unary::UnaryOp;

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
    // Promote first, then go to float: `(i32, f16)` gives f16, as `promote_args_inexact` does.
    let p: Vec<Array> = promote_dtypes(&[x1, x2]).iter().map(to_inexact).collect();
    let p = broadcast_for_elementwise(&p, "logaddexp");
    let (x1, x2) = (&p[0], &p[1]);
    let delta = bind1(BinaryOp::Sub, &[x1, x2]);
    let positive = bind1(CompareOp::Gt, &[&delta, &zeros_dtype([], delta.dtype())]);
    // `select_n` needs equal shapes; a 0-d operand (softplus's 0) is broadcast for it.
    let full = |x: &Array| broadcast_to_shape(x, delta.shape_obj(), "logaddexp");
    let amax = select(&positive, &full(x1), &full(x2));
    let u = select(&positive, &bind1(UnaryOp::Neg, &[&delta]), &delta);
    let log1p = bind1(UnaryOp::Log1p, &[&bind1(UnaryOp::Exp, &[&u])]);
    let stable = bind1(BinaryOp::Add, &[&amax, &log1p]);
    let delta_nan = isnan(&delta);
    let sum = bind1(BinaryOp::Add, &[x1, x2]);
    select(&delta_nan, &sum, &stable)
}

impl Array {
    /// [`logaddexp`] with another array.
    pub fn logaddexp(&self, other: &Array) -> Array {
        logaddexp(self, other)
    }
}
