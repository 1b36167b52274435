//! Runtime checks that work inside transformations (Equinox's `eqx.error_if`,
//! `eqx.branched_error_if`) and host callbacks (`jax.pure_callback`).

use crate::array::{Array, ShapeDtype};
use crate::numpy as jnp;
use crate::prims::bind1;
use crate::prims::callback::PureCallback;
use crate::prims::error_check::ErrorCheck;
pub use crate::prims::error_check::RuntimeCheckFailed;
use crate::tree::{self, PyTree};
use std::sync::Arc;

/// `eqx.error_if`: returns `x`, and fails at run time with `message` if any element of `pred`
/// is true. Works eagerly and inside `jit` (the check is part of the compiled program), `vmap`
/// (any lane failing fails) and `grad` (the check runs in the forward pass).
///
/// The failure unwinds with a [`RuntimeCheckFailed`] payload; [`checked`] turns it into an
/// `Err` for the caller. Use the returned value: a check whose result is unused may be removed
/// from a compiled program, as in Equinox.
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let safe_log = jit(|x: &Array| debug::error_if(x, &jnp::less_equal(x, &jnp::zeros_like(x)), "log of a non-positive number").log());
/// assert!(debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, 2.0], [2]))).is_ok());
/// let err = debug::checked(|| safe_log(&Array::from_vec(vec![1.0f32, -2.0], [2]))).unwrap_err();
/// assert_eq!(err.message, "log of a non-positive number");
/// ```
pub fn error_if(x: &Array, pred: &Array, message: &str) -> Array {
    bind1(
        ErrorCheck {
            message: message.to_string(),
        },
        &[x, pred],
    )
}

/// Runs `f`, turning a failed runtime check ([`error_if`]) into an `Err`. Other panics
/// propagate unchanged.
pub fn checked<R>(f: impl FnOnce() -> R) -> Result<R, RuntimeCheckFailed> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => Ok(r),
        Err(payload) => match payload.downcast::<RuntimeCheckFailed>() {
            Ok(e) => Err(*e),
            Err(other) => std::panic::resume_unwind(other),
        },
    }
}

/// `jax.pure_callback`: calls the host function `f` on the concrete values of `args` from inside
/// a traced or compiled program. `result_shape` gives the structure, shapes and dtypes of the
/// result (its leaves' values are not used; [`crate::transforms::eval_shape`] output works).
/// Under `vmap` the callback runs once per lane (JAX's `vmap_method="sequential"`); it has no
/// derivative (wrap it in `custom_jvp`/`custom_vjp` to differentiate).
///
/// ```
/// use equinox_core::{debug, numpy as jnp, transforms::jit, Array};
/// let host_cumsum = |x: &Array| {
///     let mut acc = 0.0f32;
///     Array::from_vec(x.to_vec::<f32>().into_iter().map(|v| { acc += v; acc }).collect(), x.shape())
/// };
/// let f = jit(move |x: &Array| debug::pure_callback(host_cumsum, x, x) * 2.0);
/// assert_eq!(f(&jnp::ones([3])).to_vec::<f32>(), vec![2.0, 4.0, 6.0]);
/// ```
pub fn pure_callback<T, R>(f: impl Fn(&T) -> R + Send + Sync + 'static, result_shape: &R, args: &T) -> R
where
    T: PyTree + Send + Sync + 'static,
    R: PyTree,
{
    let in_def = tree::structure(args);
    let out_avals: Vec<ShapeDtype> = tree::leaves(result_shape).iter().map(|l| l.aval().clone()).collect();
    let callback = Arc::new(move |xs: &[Array]| -> Vec<Array> {
        let r = f(&in_def.unflatten(xs.iter().cloned()));
        tree::leaves(&r).into_iter().cloned().collect()
    });
    let leaves: Vec<Array> = tree::leaves(args).into_iter().cloned().collect();
    let refs: Vec<&Array> = leaves.iter().collect();
    let outs = crate::prims::bind(PureCallback { callback, out_avals }, &refs);
    tree::rebuild(result_shape, outs)
}

/// Whether any element of `x` is NaN, as a 0-d boolean array (for `error_if` checks).
pub fn any_nan(x: &Array) -> Array {
    jnp::isnan(x).any(None)
}
