//! `filter_eval_shape` and `filter_make_jaxpr`.

use crate::jaxpr::ClosedJaxpr;
use crate::transforms::{eval_shape, make_jaxpr, FnArgsAll};
use crate::Module;

/// `eqx.filter_eval_shape`: the output of `f` with element-less leaves carrying each output's
/// shape and dtype, computed without running anything (see [`eval_shape`]). Useful to build a
/// model's structure without initialising it.
pub fn filter_eval_shape<T: Module, R: Module>(f: impl FnOnce(&T) -> R, x: &T) -> R {
    eval_shape(f, x)
}

/// `eqx.filter_make_jaxpr(f)`: a function of the same arguments as `f` returning the staged
/// program of `f` for their array leaves (non-array fields are static and do not appear).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
///
/// let jaxpr = eqx::filter_make_jaxpr(|x: &Array, n: &i32| x * *n)(&jnp::ones([2]), &3);
/// assert_eq!(jaxpr.to_string(), "{ lambda ; a:f32[2]. let b:f32[2] = mul a 3.0:f32[] in (b,) }");
/// ```
pub fn filter_make_jaxpr<'f, M, F>(f: F) -> F::With<ClosedJaxpr>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module,
    F::Output: Module,
{
    make_jaxpr(f)
}
