//! `jax.nn.glu`: the gated linear unit.

use super::activations::sigmoid;
use crate::array::{normalize_axis, Array};
use crate::numpy as jnp;

/// Gated linear unit: splits `x` into halves `a, b` along `axis` and returns `a * sigmoid(b)`.
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
    if size % 2 != 0 {
        panic!(
            "glu: the size of axis {axis} must be divisible by 2, got an array of shape {}",
            x.shape_obj()
        );
    }
    // Split as [..., 2, size/2, ...]: the two halves are index 0 and 1 of the new axis.
    let mut split_shape: Vec<usize> = x.shape().to_vec();
    split_shape[ax] = size / 2;
    split_shape.insert(ax, 2);
    let pairs = x.reshape(split_shape.clone());
    let (a, b) = (half(&pairs, ax, 0), half(&pairs, ax, 1));
    &a * &sigmoid(&b)
}

/// Element `which` (0 or 1) of size-2 axis `ax`, with that axis removed.
///
/// There is no slicing primitive yet, so this masks out the other half with zeros and sums
/// the size-2 axis. That is exact (adding a zero changes no value, and infinities and NaNs
/// pass through) up to the sign of a zero, and it is linear, so its derivative under the
/// coming transformations is the derivative of a slice. Replace it with `split` once slicing
/// lands.
fn half(pairs: &Array, ax: usize, which: i32) -> Array {
    let mut mask_shape = vec![1usize; pairs.ndim()];
    mask_shape[ax] = 2;
    let index = jnp::arange(2).reshape(mask_shape);
    let mask = jnp::equal(&index, &Array::weak_scalar(which));
    let masked = jnp::where_(&mask, pairs, &jnp::zeros_dtype([], pairs.dtype()));
    jnp::sum(&masked, ax)
}
