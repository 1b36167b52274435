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
/// let f = eqx::filter_jit(|m: &Scale, x: &Array| &m.factor * &x.powf(m.power as f64));
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

/// `eqx.filter_jit(f, donate=...)` for the first argument: like [`filter_jit`], but the
/// compiled function takes its first argument by value and *donates* its arrays (JAX's
/// `donate_argnums`). A buffer the caller gave up, that nothing else shares, may be overwritten
/// by an output of the same shape and dtype once the program has read it for the last time: in
/// a training step that returns the updated model, the new parameters are written over the old
/// ones. Results are those of [`filter_jit`]; a buffer still shared elsewhere (a clone the
/// caller kept) is simply not reused.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, numpy as jnp, Array};
///
/// let step = eqx::filter_jit_donate(|model: &nn::Linear, x: &Array| {
///     let grads = eqx::filter_grad(|m: &nn::Linear, x: &Array| m.forward(x).sum(None))(model, x);
///     eqx::tree::map2(model, &grads, |p, g| p - g * 0.1)
/// });
/// let mut model = nn::Linear::new(3, 2, random::key(0));
/// let x = jnp::ones([3]);
/// for _ in 0..3 {
///     model = step(model, &x); // the old model is moved in and its buffers reused
/// }
/// assert_eq!(model.weight.shape(), &[2, 3]);
/// ```
pub fn filter_jit_donate<'f, M, F>(f: F) -> F::WithFirstOwned<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module + 'f,
    F::Output: Module,
{
    crate::transforms::jit_donate(f)
}
