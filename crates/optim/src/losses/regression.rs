//! Regression losses (`optax.losses._regression`): squared error, L2, Huber, log-cosh,
//! cosine similarity and distance.

use equinox_core::{numpy as jnp, Array, Axes};

use super::reductions::{check_floating, check_shapes_equal, sum_where};

/// `predictions - targets`, or `predictions` when there are no targets.
fn errors(predictions: &Array, targets: Option<&Array>) -> Array {
    match targets {
        Some(t) => predictions - t,
        None => predictions.clone(),
    }
}

/// Elementwise `(predictions - targets)^2`, or `predictions^2` without targets
/// (`optax.losses.squared_error`). The mean squared error is its mean.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::squared_error;
/// let p = Array::from_vec(vec![1.0f32, 3.0], [2]);
/// let t = Array::from_vec(vec![0.0f32, 1.0], [2]);
/// assert_eq!(squared_error(&p, Some(&t)).to_vec::<f32>(), vec![1.0, 4.0]);
/// ```
///
/// # Panics
/// If `predictions` is not floating point, or `targets` has another shape (Optax's
/// messages; Optax does not broadcast here).
#[track_caller]
pub fn squared_error(predictions: &Array, targets: Option<&Array>) -> Array {
    check_floating(predictions);
    if let Some(t) = targets {
        check_shapes_equal(predictions, t);
    }
    jnp::integer_pow(&errors(predictions, targets), 2)
}

/// Half the squared error, `0.5 * (predictions - targets)^2` (`optax.losses.l2_loss`).
///
/// # Panics
/// As [`squared_error`].
#[track_caller]
pub fn l2_loss(predictions: &Array, targets: Option<&Array>) -> Array {
    0.5 * squared_error(predictions, targets)
}

/// Options of [`huber_loss_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HuberLossOptions {
    /// Where the loss turns from quadratic to linear (default 1).
    pub delta: f64,
}

impl Default for HuberLossOptions {
    fn default() -> Self {
        HuberLossOptions { delta: 1.0 }
    }
}

/// The Huber loss with `delta = 1` (`optax.losses.huber_loss`): `0.5 * e^2` for `|e| <= 1`,
/// `|e| - 0.5` beyond, elementwise, with `e = predictions - targets` (or `predictions`).
/// `targets` broadcasts.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::huber_loss;
/// let e = Array::from_vec(vec![0.5f32, -3.0], [2]);
/// assert_eq!(huber_loss(&e, None).to_vec::<f32>(), vec![0.125, 2.5]);
/// ```
///
/// # Panics
/// If `predictions` is not floating point (Optax's message).
#[track_caller]
pub fn huber_loss(predictions: &Array, targets: Option<&Array>) -> Array {
    huber_loss_with_options(predictions, targets, HuberLossOptions::default())
}

/// The Huber loss (`optax.losses.huber_loss`): `0.5 * e^2` for `|e| <= delta`,
/// `0.5 * delta^2 + delta * (|e| - delta)` beyond. Its gradient is the L2 loss's clipped to
/// `[-delta, delta]`.
///
/// # Panics
/// If `predictions` is not floating point (Optax's message).
#[track_caller]
pub fn huber_loss_with_options(
    predictions: &Array,
    targets: Option<&Array>,
    options: HuberLossOptions,
) -> Array {
    check_floating(predictions);
    let abs_errors = jnp::abs(&errors(predictions, targets));
    let quadratic = jnp::minimum(&abs_errors, &Array::weak_scalar(options.delta));
    // `|e| - min(|e|, delta)` rather than `max(|e| - delta, 0)`: at `|e| = delta` only the
    // quadratic part takes the gradient, as in Optax.
    let linear = &abs_errors - &quadratic;
    0.5 * jnp::integer_pow(&quadratic, 2) + options.delta * linear
}

/// `log(cosh(e))` elementwise, with `e = predictions - targets` (or `predictions`), computed
/// as `logaddexp(e, -e) - log(2)` so large errors do not overflow
/// (`optax.losses.log_cosh`). About `e^2 / 2` near 0 and `|e| - log(2)` far from it.
///
/// # Panics
/// If `predictions` is not floating point (Optax's message).
#[track_caller]
pub fn log_cosh(predictions: &Array, targets: Option<&Array>) -> Array {
    check_floating(predictions);
    let e = errors(predictions, targets);
    let log2 = jnp::log(&Array::weak_scalar(2.0f32)).astype(e.dtype());
    jnp::logaddexp(&e, &-&e) - log2
}

/// Options of [`cosine_similarity_with_options`] and [`cosine_distance_with_options`], with
/// Optax's defaults.
#[derive(Clone, Debug)]
pub struct CosineSimilarityOptions {
    /// The smallest squared norm the denominators use (default 0: a zero vector gives NaN).
    pub epsilon: f64,
    /// The axis or axes holding the vectors (default `-1`; `Axes::All` for the whole array).
    pub axis: Axes,
    /// Which elements take part (default all); broadcast against the inputs.
    pub where_: Option<Array>,
}

impl Default for CosineSimilarityOptions {
    fn default() -> Self {
        CosineSimilarityOptions {
            epsilon: 0.0,
            axis: Axes::from(-1),
            where_: None,
        }
    }
}

/// The cosine of the angle between `predictions` and `targets` along the last axis
/// (`optax.losses.cosine_similarity`); shape `[...]` for inputs `[..., dim]`.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::cosine_similarity;
/// let a = Array::from_vec(vec![1.0f32, 0.0, 3.0, 4.0], [2, 2]);
/// let b = Array::from_vec(vec![2.0f32, 0.0, 4.0, -3.0], [2, 2]);
/// assert_eq!(cosine_similarity(&a, &b).to_vec::<f32>(), vec![1.0, 0.0]);
/// ```
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn cosine_similarity(predictions: &Array, targets: &Array) -> Array {
    cosine_similarity_with_options(predictions, targets, CosineSimilarityOptions::default())
}

/// The cosine similarity with Optax's options (`optax.losses.cosine_similarity`): each
/// input divided by `sqrt(max(squared norm, epsilon))`, then the sum of products, over
/// `axis`, counting only the elements `where_` selects.
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn cosine_similarity_with_options(
    predictions: &Array,
    targets: &Array,
    options: CosineSimilarityOptions,
) -> Array {
    check_floating(predictions);
    check_floating(targets);
    let CosineSimilarityOptions {
        epsilon,
        axis,
        where_,
    } = options;
    let mask = where_.as_ref();
    let unit = |x: &Array| {
        let norm2 = sum_where(&x.square(), &axis, mask, true);
        x / jnp::sqrt(&jnp::clip(&norm2, Some(&Array::weak_scalar(epsilon)), None))
    };
    sum_where(&(unit(predictions) * unit(targets)), &axis, mask, false)
}

/// `1 - cosine_similarity(predictions, targets)` along the last axis
/// (`optax.losses.cosine_distance`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn cosine_distance(predictions: &Array, targets: &Array) -> Array {
    cosine_distance_with_options(predictions, targets, CosineSimilarityOptions::default())
}

/// `1 - cosine_similarity_with_options(..)` (`optax.losses.cosine_distance`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn cosine_distance_with_options(
    predictions: &Array,
    targets: &Array,
    options: CosineSimilarityOptions,
) -> Array {
    1.0 - cosine_similarity_with_options(predictions, targets, options)
}
