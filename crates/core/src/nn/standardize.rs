//! `jax.nn.standardize`.

use super::to_inexact;
use crate::array::Array;
use crate::numpy::{self as jnp, Axes};

/// Normalizes `x` to zero mean and unit variance over `axes` (JAX's default is `-1`;
/// its default `epsilon` is `1e-5`), with JAX's default "fast" algorithm:
/// ```text
/// mean = mean(x, axes, keepdims)
/// var  = max(0, mean(x², axes, keepdims) - mean²)
/// out  = (x - mean) * rsqrt(var + epsilon)
/// ```
/// The fast variance can round below zero when `|mean|` dwarfs the spread, hence the clip.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![1.0f32, 3.0], [1, 2]);
/// let y = nn::standardize(&x, -1, 0.0).to_vec::<f32>();
/// assert_eq!(y, vec![-1.0, 1.0]);
/// ```
pub fn standardize(x: &Array, axes: impl Into<Axes>, epsilon: f64) -> Array {
    let axes = axes.into();
    let x = to_inexact(x);
    let mean = jnp::mean_keepdims(&x, axes.clone());
    let mean_sq = jnp::mean_keepdims(&jnp::square(&x), axes);
    let var = &mean_sq - &jnp::square(&mean);
    let var = jnp::clip(&var, Some(&Array::weak_scalar(0i32)), None);
    &(&x - &mean) * &jnp::rsqrt(&(&var + &super::Array::weak_scalar(epsilon)))
}

impl Array {
    /// [`standardize`] as a method: `x.standardize(-1, 1e-5)`.
    pub fn standardize(&self, axes: impl Into<Axes>, epsilon: f64) -> Array {
        standardize(self, axes, epsilon)
    }
}
