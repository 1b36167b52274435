//! Linear warmup followed by another schedule: constant
//! (`optax.warmup_constant_schedule`), cosine decay (`optax.warmup_cosine_decay_schedule`)
//! or exponential decay (`optax.warmup_exponential_decay_schedule`).

use equinox_core::Array;

use super::cosine::{cosine_decay_schedule_with_options, CosineDecayOptions};
use super::exponential::{exponential_decay_with_options, ExponentialDecayOptions};
use super::join::switch_at;
use super::polynomial::linear_schedule;

/// A linear warmup from `init_value` to `peak_value` over `warmup_steps`, then `peak_value`
/// (`optax.warmup_constant_schedule`).
///
/// ```
/// use equinox_optim::{warmup_constant_schedule, Schedule};
/// let s = warmup_constant_schedule(0.0, 1.0, 4);
/// assert_eq!(s.at(1), 0.25);
/// assert_eq!(s.at(100), 1.0);
/// ```
pub fn warmup_constant_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    linear_schedule(init_value, peak_value, warmup_steps)
}

/// Options of [`warmup_cosine_decay_schedule_with_options`] beyond the required ones, with
/// Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WarmupCosineDecayOptions {
    /// The value at `decay_steps` and after (default 0).
    pub end_value: f64,
    /// The power the cosine factor is raised to (default 1).
    pub exponent: f64,
}

impl Default for WarmupCosineDecayOptions {
    fn default() -> WarmupCosineDecayOptions {
        WarmupCosineDecayOptions {
            end_value: 0.0,
            exponent: 1.0,
        }
    }
}

/// A linear warmup from `init_value` to `peak_value` over `warmup_steps`, then a cosine
/// decay to 0 at `decay_steps` (counted from 0, warmup included)
/// (`optax.warmup_cosine_decay_schedule` with its defaults).
///
/// ```
/// use equinox_optim::{warmup_cosine_decay_schedule, Schedule};
/// let lr = warmup_cosine_decay_schedule(0.0, 1.0, 2, 6);
/// assert_eq!(lr.at(1), 0.5);
/// assert_eq!(lr.at(2), 1.0);
/// assert_eq!(lr.at(6), 0.0);
/// ```
///
/// # Panics
/// If `decay_steps <= warmup_steps` (Optax's message, from the cosine decay).
#[track_caller]
pub fn warmup_cosine_decay_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    decay_steps: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    warmup_cosine_decay_schedule_with_options(
        init_value,
        peak_value,
        warmup_steps,
        decay_steps,
        WarmupCosineDecayOptions::default(),
    )
}

/// A linear warmup from `init_value` to `peak_value` over `warmup_steps`, then a cosine
/// decay to `options.end_value` at `decay_steps` (counted from 0, warmup included)
/// (`optax.warmup_cosine_decay_schedule`).
///
/// ```
/// use equinox_optim::{warmup_cosine_decay_schedule_with_options, Schedule, WarmupCosineDecayOptions};
/// let lr = warmup_cosine_decay_schedule_with_options(
///     0.0,
///     1.0,
///     3,
///     10,
///     WarmupCosineDecayOptions { end_value: 0.05, ..Default::default() },
/// );
/// assert_eq!(lr.at(0), 0.0);
/// assert_eq!(lr.at(3), 1.0);
/// assert!((lr.at(10) - 0.05).abs() < 1e-7);
/// ```
///
/// # Panics
/// If `decay_steps <= warmup_steps` (Optax's message, from the cosine decay).
#[track_caller]
pub fn warmup_cosine_decay_schedule_with_options(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    decay_steps: i64,
    options: WarmupCosineDecayOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let WarmupCosineDecayOptions {
        end_value,
        exponent,
    } = options;
    let alpha = if peak_value == 0.0 {
        0.0
    } else {
        end_value / peak_value
    };
    let warmup = linear_schedule(init_value, peak_value, warmup_steps);
    let decay = cosine_decay_schedule_with_options(
        peak_value,
        decay_steps - warmup_steps,
        CosineDecayOptions { alpha, exponent },
    );
    move |step: &Array| {
        switch_at(
            step,
            warmup_steps,
            &warmup(step),
            &decay(&(step - warmup_steps)),
        )
    }
}

/// A linear warmup from `init_value` to `peak_value` over `warmup_steps`, then
/// [`exponential_decay`](crate::exponential_decay) from `peak_value`, counted from the end of
/// the warmup (`optax.warmup_exponential_decay_schedule` with its defaults).
///
/// ```
/// use equinox_optim::{warmup_exponential_decay_schedule, Schedule};
/// let s = warmup_exponential_decay_schedule(0.0, 1.0, 2, 3, 0.5);
/// assert_eq!(s.at(1), 0.5);
/// assert_eq!(s.at(5), 0.5);
/// ```
pub fn warmup_exponential_decay_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    transition_steps: i64,
    decay_rate: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    warmup_exponential_decay_schedule_with_options(
        init_value,
        peak_value,
        warmup_steps,
        transition_steps,
        decay_rate,
        ExponentialDecayOptions::default(),
    )
}

/// [`warmup_exponential_decay_schedule`] with the exponential decay's options
/// (`transition_begin`, counted from the end of the warmup, `staircase`, `end_value`)
/// (`optax.warmup_exponential_decay_schedule`).
pub fn warmup_exponential_decay_schedule_with_options(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    transition_steps: i64,
    decay_rate: f64,
    options: ExponentialDecayOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let warmup = linear_schedule(init_value, peak_value, warmup_steps);
    let decay = exponential_decay_with_options(peak_value, transition_steps, decay_rate, options);
    move |step: &Array| {
        switch_at(
            step,
            warmup_steps,
            &warmup(step),
            &decay(&(step - warmup_steps)),
        )
    }
}
