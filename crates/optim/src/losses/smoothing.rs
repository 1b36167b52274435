//! Label smoothing (`optax.losses.smooth_labels`).

use equinox_core::{numpy as jnp, Array, Axes};

use super::cross_entropy::ReduceOptions;
use super::reductions::check_floating;

/// Options of [`smooth_labels_with_options`] (`axis`, default `-1`, and `where`).
pub type SmoothLabelsOptions = ReduceOptions;

/// `(1 - alpha) * labels + alpha / num_classes`, the classes along the last axis
/// (`optax.losses.smooth_labels`).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::smooth_labels;
/// let one_hot = Array::from_vec(vec![0.0f32, 1.0, 0.0, 0.0], [4]);
/// let s = smooth_labels(&one_hot, 0.2).to_vec::<f32>();
/// assert_eq!(s, vec![0.05, 0.85, 0.05, 0.05]);
/// ```
///
/// # Panics
/// If `labels` is not floating point (Optax's message).
#[track_caller]
pub fn smooth_labels(labels: &Array, alpha: f64) -> Array {
    smooth_labels_with_options(labels, alpha, ReduceOptions::default())
}

/// [`smooth_labels`] with the classes along `axis` (their count is the product of its
/// sizes), or, with `where_`, only the selected elements counted as classes
/// (`optax.losses.smooth_labels`).
///
/// # Panics
/// If `labels` is not floating point (Optax's message).
#[track_caller]
pub fn smooth_labels_with_options(
    labels: &Array,
    alpha: f64,
    options: SmoothLabelsOptions,
) -> Array {
    check_floating(labels);
    let ReduceOptions { axis, where_ } = options;
    match where_ {
        None => {
            // `jnp.size(labels, axis)` is a Python int, so `alpha / n` is a double.
            let n: usize = match &axis {
                Axes::All => labels.size(),
                Axes::Some(_) => axis
                    .resolve(labels.ndim(), "smooth_labels")
                    .iter()
                    .map(|&a| labels.shape()[a])
                    .product(),
            };
            (1.0 - alpha) * labels + alpha / n as f64
        }
        Some(w) => {
            let num_categories = jnp::sum_keepdims(&w, axis);
            (1.0 - alpha) * labels + jnp::divide(&Array::weak_scalar(alpha), &num_categories)
        }
    }
}
