//! Exponential decay (`optax.exponential_decay`).

use equinox_core::{numpy as jnp, Array};

/// Options of [`exponential_decay_with_options`] (and of
/// [`warmup_exponential_decay_schedule_with_options`](crate::warmup_exponential_decay_schedule_with_options))
/// beyond the required ones, with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExponentialDecayOptions {
    /// The step where decay starts (default 0; negative counts as 0).
    pub transition_begin: i64,
    /// Decay in discrete steps: the exponent is floored (default false).
    pub staircase: bool,
    /// A bound the value does not pass: a lower bound when `decay_rate < 1`, an upper bound
    /// otherwise (default none).
    pub end_value: Option<f64>,
}

/// `init_value * decay_rate^(count / transition_steps)` (`optax.exponential_decay` with its
/// defaults).
///
/// ```
/// use equinox_optim::{exponential_decay, Schedule};
/// let s = exponential_decay(1.0, 3, 0.5);
/// assert_eq!(s.at(3), 0.5);
/// assert_eq!(s.at(6), 0.25);
/// ```
pub fn exponential_decay(
    init_value: f64,
    transition_steps: i64,
    decay_rate: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    exponential_decay_with_options(
        init_value,
        transition_steps,
        decay_rate,
        ExponentialDecayOptions::default(),
    )
}

/// `init_value * decay_rate^((count - transition_begin) / transition_steps)`, `init_value`
/// up to `transition_begin`, optionally in stairs and bounded by `end_value`
/// (`optax.exponential_decay`). A non-positive `transition_steps` or a zero `decay_rate`
/// gives the constant `init_value` (Optax logs this and goes on).
///
/// ```
/// use equinox_optim::{exponential_decay_with_options, ExponentialDecayOptions, Schedule};
/// let s = exponential_decay_with_options(
///     1.0,
///     2,
///     0.5,
///     ExponentialDecayOptions { staircase: true, end_value: Some(0.2), ..Default::default() },
/// );
/// assert_eq!(s.at(3), 0.5);
/// assert!((s.at(20) - 0.2).abs() < 1e-7);
/// ```
pub fn exponential_decay_with_options(
    init_value: f64,
    transition_steps: i64,
    decay_rate: f64,
    options: ExponentialDecayOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let ExponentialDecayOptions {
        transition_begin,
        staircase,
        end_value,
    } = options;
    let transition_begin = transition_begin.max(0);
    let constant = transition_steps <= 0 || decay_rate == 0.0;
    move |count: &Array| {
        if constant {
            return Array::weak_scalar(init_value);
        }
        let decreased_count = count - transition_begin;
        let mut p = jnp::divide(&decreased_count, &Array::weak_scalar(transition_steps));
        if staircase {
            p = p.floor();
        }
        let decayed = init_value * jnp::power(&Array::weak_scalar(decay_rate), &p);
        let before = jnp::less_equal(&decreased_count, &Array::weak_scalar(0i32));
        let decayed = jnp::where_(&before, &Array::weak_scalar(init_value), &decayed);
        match end_value {
            Some(end) if decay_rate < 1.0 => decayed.maximum(&Array::weak_scalar(end)),
            Some(end) => decayed.minimum(&Array::weak_scalar(end)),
            None => decayed,
        }
    }
}
