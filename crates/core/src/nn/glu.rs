//! `jax.nn.glu`: the gated linear unit.

use super::activations::sigmoid;
use crate::array::{normalize_axis, Array};
use crate::numpy as jnp;

/// Gated linear unit: splits `x` into halves `a, b` along `axis` (`jnp.split`, two `slice`s)
/// and returns `a * sigmoid(b)`, as JAX does.
///
/// Panics if the size of `axis` is odd.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 0.0, 100.0], [1, 4]);
/// let y = nn::glu(&x, -1);
/// assert_eq!(y.shape(), &[1, 2]);
/// assert_eq!(y.to_vec::<f32>(), vec![0.5, 2.0]);
/// ```
pub fn glu(x: &Array, axis: isize) -> Array {
    let ax = normalize_axis(axis, x.ndim(), "glu");
    let size = x.shape()[ax];
    if !size.is_multiple_of(2) {
        panic!(
            "glu: the size of axis {axis} must be divisible by 2, got an array of shape {}",
            x.shape_obj()
        );
    }
    let halves = jnp::split(x, 2, ax as isize);
    &halves[0] * &sigmoid(&halves[1])
}
