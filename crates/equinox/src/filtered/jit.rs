//! `filter_jit`.

use crate::transforms::{jit, Jit};
use crate::Module;

/// A function compiled by [`filter_jit`].
pub type FilterJit<T, R, F> = Jit<T, R, F>;

/// `eqx.filter_jit`: compiles `f`, tracing the array leaves of its argument and treating
/// everything else (non-array fields, numbers, flags, activation functions) as static: part of
/// the cache key, so a change retraces. Several arguments are passed as a tuple.
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
/// let f = eqx::filter_jit(|(m, x): &(Scale, Array)| &m.factor * &x.power(&jnp::full([], m.power as f32)));
/// let m = Scale { factor: jnp::full([], 2.0f32), power: 2 };
/// let y = f.call(&(m.clone(), jnp::full([2], 3.0f32)));
/// assert_eq!(y.to_vec::<f32>(), vec![18.0, 18.0]);
/// f.call(&(m.clone(), jnp::full([2], 4.0f32)));
/// assert_eq!(f.trace_count(), 1);
/// f.call(&(Scale { power: 3, ..m }, jnp::full([2], 4.0f32)));
/// assert_eq!(f.trace_count(), 2);
/// ```
pub fn filter_jit<T: Module, R: Module, F: Fn(&T) -> R>(f: F) -> FilterJit<T, R, F> {
    jit(f)
}
