//! Kullback-Leibler divergences (`optax.losses._classification`): with targets as
//! probabilities or log-probabilities, and the generalised one for unnormalised targets.

use equinox_core::{numpy as jnp, Array};

use super::cross_entropy::ReduceOptions;
use super::reductions::{check_floating, sum_where};

/// Options of the KL divergences (`axis`, default `-1`, and `where`).
pub type KlDivergenceOptions = ReduceOptions;

/// `sum(targets * (log(targets) - log_predictions))` over the last axis, with
/// `0 * log(0) = 0` (`optax.losses.kl_divergence`); predictions are given as log-probabilities.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::kl_divergence;
/// let log_p = Array::from_vec(vec![0.5f32.ln(), 0.5f32.ln()], [2]);
/// let t = Array::from_vec(vec![1.0f32, 0.0], [2]);
/// assert!((kl_divergence(&log_p, &t).item::<f32>() - 2f32.ln()).abs() < 1e-7);
/// ```
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn kl_divergence(log_predictions: &Array, targets: &Array) -> Array {
    kl_divergence_with_options(log_predictions, targets, ReduceOptions::default())
}

/// [`kl_divergence`] over `axis`, counting only the elements `where_` selects
/// (`optax.losses.kl_divergence`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn kl_divergence_with_options(
    log_predictions: &Array,
    targets: &Array,
    options: KlDivergenceOptions,
) -> Array {
    check_floating(log_predictions);
    check_floating(targets);
    let log_targets = jnp::where_(
        &jnp::equal(targets, &Array::weak_scalar(0i32)),
        &Array::weak_scalar(0i32),
        &jnp::log(targets),
    );
    let loss = targets * (log_targets - log_predictions);
    sum_where(&loss, &options.axis, options.where_.as_ref(), false)
}

/// `sum(exp(log_targets) * (log_targets - log_predictions))` over the last axis
/// (`optax.losses.kl_divergence_with_log_targets`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn kl_divergence_with_log_targets(log_predictions: &Array, log_targets: &Array) -> Array {
    kl_divergence_with_log_targets_with_options(
        log_predictions,
        log_targets,
        ReduceOptions::default(),
    )
}

/// [`kl_divergence_with_log_targets`] over `axis`, counting only the elements `where_`
/// selects (`optax.losses.kl_divergence_with_log_targets`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn kl_divergence_with_log_targets_with_options(
    log_predictions: &Array,
    log_targets: &Array,
    options: KlDivergenceOptions,
) -> Array {
    check_floating(log_predictions);
    check_floating(log_targets);
    let loss = jnp::exp(log_targets) * (log_targets - log_predictions);
    sum_where(&loss, &options.axis, options.where_.as_ref(), false)
}

/// The KL divergence for unnormalised distributions, `kl_divergence + sum(exp(log_predictions)
/// - targets)` over the last axis (`optax.losses.generalized_kl_divergence`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn generalized_kl_divergence(log_predictions: &Array, targets: &Array) -> Array {
    generalized_kl_divergence_with_options(log_predictions, targets, ReduceOptions::default())
}

/// [`generalized_kl_divergence`] over `axis`, counting only the elements `where_` selects
/// (`optax.losses.generalized_kl_divergence`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn generalized_kl_divergence_with_options(
    log_predictions: &Array,
    targets: &Array,
    options: KlDivergenceOptions,
) -> Array {
    let x = kl_divergence_with_options(log_predictions, targets, options.clone());
    let y = sum_where(
        &(jnp::exp(log_predictions) - targets),
        &options.axis,
        options.where_.as_ref(),
        false,
    );
    x + y
}

/// The former name of [`generalized_kl_divergence`] (`optax.losses.convex_kl_divergence`,
/// deprecated in Optax 0.2.8 but still there).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn convex_kl_divergence(log_predictions: &Array, targets: &Array) -> Array {
    generalized_kl_divergence(log_predictions, targets)
}

/// The former name of [`generalized_kl_divergence_with_options`]
/// (`optax.losses.convex_kl_divergence`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn convex_kl_divergence_with_options(
    log_predictions: &Array,
    targets: &Array,
    options: KlDivergenceOptions,
) -> Array {
    generalized_kl_divergence_with_options(log_predictions, targets, options)
}
