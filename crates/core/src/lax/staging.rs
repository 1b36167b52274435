//! `jax.lax.composite` and `jax.lax.stage`: markers that JAX passes to XLA (a named composite
//! operation, a value lifted into the trace). The CPU compiler here needs neither, so they
//! keep their meaning and compute exactly what their inputs say.

use crate::array::Array;

/// `jax.lax.composite(decomposition, name, version)`: a function with the name of a composite
/// operation whose meaning is `decomposition`. XLA may replace a named composite with a
/// special kernel; here the decomposition always runs, so the result is `decomposition`
/// itself (the name and version only document the intent).
///
/// ```
/// use equinox_core::{lax, Array};
/// let double = lax::composite(|x: &Array| x * 2.0, "my.double", 0);
/// assert_eq!(double(&Array::scalar(3.0f32)).item::<f32>(), 6.0);
/// ```
pub fn composite<T, R>(
    decomposition: impl Fn(&T) -> R,
    name: &str,
    version: u32,
) -> impl Fn(&T) -> R {
    if name.is_empty() {
        panic!("composite: the name must not be empty (version {version})");
    }
    decomposition
}

/// `jax.lax.stage(x)`: `x` as a value of the current trace. Values and tracers mix freely
/// here, so this is `x` itself.
pub fn stage(x: &Array) -> Array {
    x.clone()
}
