//! `jax.nn.one_hot`.

use crate::array::{normalize_axis, Array, DType};
use crate::numpy as jnp;

/// One-hot encodes integer class indices as float32, with the classes on a new last axis.
/// Indices outside `[0, num_classes)` (including negative ones) give all-zero rows.
///
/// ```
/// use equinox_core::{nn, Array};
/// let labels = Array::from_vec(vec![0i32, 2, -1], [3]);
/// let y = nn::one_hot(&labels, 3);
/// assert_eq!(y.shape(), &[3, 3]);
/// assert_eq!(
///     y.to_vec::<f32>(),
///     vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
/// );
/// ```
pub fn one_hot(x: &Array, num_classes: usize) -> Array {
    one_hot_with(x, num_classes, DType::F32, -1)
}

/// One-hot encoding with the output `dtype` and the position `axis` of the class axis in the
/// output (negative counts from the end of the output's axes, so `-1` is last).
///
/// As in JAX: `convert(eq(expand_dims(x, axis), iota), dtype)`, where the iota over the
/// classes has `x`'s dtype. Panics unless `x` holds integers.
pub fn one_hot_with(x: &Array, num_classes: usize, dtype: DType, axis: isize) -> Array {
    if !x.dtype().is_integer() {
        panic!(
            "one_hot: class indices must be integers, got an array of dtype {}",
            x.dtype()
        );
    }
    let out_axis = normalize_axis(axis, x.ndim() + 1, "one_hot");
    let lhs = jnp::expand_dims(x, out_axis);
    let mut classes_shape = vec![1usize; x.ndim() + 1];
    classes_shape[out_axis] = num_classes;
    let classes = jnp::arange_step(0i64, num_classes as i64, 1)
        .astype(x.dtype())
        .reshape(classes_shape);
    jnp::equal(&lhs, &classes).astype(dtype)
}

impl Array {
    /// [`one_hot`] as a method: `labels.one_hot(10)`.
    pub fn one_hot(&self, num_classes: usize) -> Array {
        one_hot(self, num_classes)
    }
}
