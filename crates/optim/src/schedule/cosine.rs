//! Cosine decay (`optax.cosine_decay_schedule`).

use equinox_core::{numpy as jnp, Array};

/// Options of [`cosine_decay_schedule_with_options`] beyond the required ones, with Optax's
/// defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineDecayOptions {
    /// The value's floor, as a fraction of `init_value` (default 0).
    pub alpha: f64,
    /// The power the cosine factor is raised to (default 1).
    pub exponent: f64,
}

impl Default for CosineDecayOptions {
    fn default() -> CosineDecayOptions {
        CosineDecayOptions {
            alpha: 0.0,
            exponent: 1.0,
        }
    }
}

/// `init_value * 0.5 * (1 + cos(pi * t / decay_steps))`, with `t` the count capped at
/// `decay_steps` (`optax.cosine_decay_schedule` with its defaults).
///
/// ```
/// use equinox_optim::{cosine_decay_schedule, Schedule};
/// let s = cosine_decay_schedule(1.0, 10);
/// assert_eq!(s.at(0), 1.0);
/// assert!((s.at(5) - 0.5).abs() < 1e-7);
/// assert_eq!(s.at(50), 0.0);
/// ```
///
/// # Panics
/// If `decay_steps` is not positive (Optax's `ValueError` message).
#[track_caller]
pub fn cosine_decay_schedule(
    init_value: f64,
    decay_steps: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    cosine_decay_schedule_with_options(init_value, decay_steps, CosineDecayOptions::default())
}

/// `init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * t / decay_steps)))^exponent + alpha)`
/// with `t` the count capped at `decay_steps` (`optax.cosine_decay_schedule`).
///
/// ```
/// use equinox_optim::{cosine_decay_schedule_with_options, CosineDecayOptions, Schedule};
/// let s = cosine_decay_schedule_with_options(
///     1.0,
///     10,
///     CosineDecayOptions { alpha: 0.1, ..Default::default() },
/// );
/// assert_eq!(s.at(0), 1.0);
/// assert!((s.at(5) - 0.55).abs() < 1e-7);
/// assert!((s.at(50) - 0.1).abs() < 1e-7);
/// ```
///
/// # Panics
/// If `decay_steps` is not positive (Optax's `ValueError` message).
#[track_caller]
pub fn cosine_decay_schedule_with_options(
    init_value: f64,
    decay_steps: i64,
    options: CosineDecayOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let CosineDecayOptions { alpha, exponent } = options;
    if decay_steps <= 0 {
        panic!(
            "The cosine_decay_schedule requires positive decay_steps, got \
             decay_steps={decay_steps}."
        );
    }
    // Optax turns the integer `decay_steps` into a Python float.
    let decay_steps = decay_steps as f64;
    move |count: &Array| {
        let count = jnp::minimum(count, &Array::weak_scalar(decay_steps));
        let cosine_decay = 0.5 * (1 + jnp::cos(&(std::f64::consts::PI * count / decay_steps)));
        // `exponent` is a Python float in Optax, so `**` is `lax.pow`, not `integer_pow`.
        let decayed =
            (1.0 - alpha) * jnp::power(&cosine_decay, &Array::weak_scalar(exponent)) + alpha;
        init_value * decayed
    }
}
