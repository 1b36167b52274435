//! `filter_jit`.

use crate::transforms::{jit, FnArgsAll};
use crate::Module;

/// `eqx.filter_jit`: compiles `f`, returning a function of the same arguments. Array leaves
/// of the arguments are traced; everything else (non-array fields, numbers, flags, activation
/// functions) is static: part of the cache key, so a change retraces.
///
/// In this crate that is exactly what [`jit`] does (static structure lives in the types), so
/// `filter_jit` is `jit` under Equinox's name.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Scale { factor: Array, power: i32 }
///
/// let f = eqx::filter_jit(|m: &Scale, x: &Array| &m.factor * &x.power(&jnp::full([], m.power as f32)));
/// let m = Scale { factor: jnp::full([], 2.0f32), power: 2 };
/// assert_eq!(f(&m, &jnp::full([2], 3.0f32)).to_vec::<f32>(), vec![18.0, 18.0]);
/// assert_eq!(f(&Scale { power: 3, ..m }, &jnp::full([2], 2.0f32)).to_vec::<f32>(), vec![16.0, 16.0]);
/// ```
pub fn filter_jit<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module + 'f,
    F::Output: Module,
{
    jit(f)
}
