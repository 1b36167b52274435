//! Schedules (`optax.schedules`): functions from the step count to a value, e.g. a learning
//! rate, and [`ScalarOrSchedule`], what a learning-rate argument accepts.
//!
//! A schedule is any `Fn(&Array) -> Array` taking the step count (an `int32` scalar, as
//! Optax's states hold it) to a scalar. Counts and values are arrays, not Rust numbers, so a
//! schedule works inside `filter_jit`, where the count is traced; [`Schedule::at`] evaluates
//! one at a given step. The constructors here compute with the same operations as Optax's, so
//! their `float32` values are Optax's.
//!
//! ```
//! use equinox_optim::{warmup_cosine_decay_schedule, Schedule};
//! let lr = warmup_cosine_decay_schedule(0.0, 1.0, 3, 10, 0.05, 1.0);
//! assert_eq!(lr.at(0), 0.0);
//! assert_eq!(lr.at(3), 1.0);
//! assert!((lr.at(10) - 0.05).abs() < 1e-7);
//! ```

use std::sync::Arc;

use equinox_core::{numpy as jnp, Array, DType};

use crate::base::GradientTransformation;
use crate::transform::{scale, Scale, ScaleBySchedule};

/// A function of the step count (`optax.Schedule`). Implemented by every
/// `Fn(&Array) -> Array`.
pub trait Schedule {
    /// The value at step `count` (an integer scalar array, possibly traced).
    fn value(&self, count: &Array) -> Array;

    /// The value at step `step`, evaluated now, as `f64` (a `float32` schedule's value
    /// widened exactly).
    fn at(&self, step: i32) -> f64 {
        self.value(&Array::scalar(step))
            .astype(DType::F64)
            .item::<f64>()
    }
}

impl<F: Fn(&Array) -> Array> Schedule for F {
    fn value(&self, count: &Array) -> Array {
        self(count)
    }
}

/// A shareable schedule of any type, for [`join_schedules`].
pub type DynSchedule = Arc<dyn Fn(&Array) -> Array + Send + Sync>;

/// What a learning rate (or other `optax.ScalarOrSchedule` argument) accepts: a constant
/// (`f64` or `f32`) or a schedule (any `Fn(&Array) -> Array`). The two build different
/// transformations, as in Optax: a constant scales by a number and keeps no state; a schedule
/// keeps a step count.
pub trait ScalarOrSchedule {
    /// The transformation [`scale_by_learning_rate`](crate::scale_by_learning_rate) builds.
    type ByLearningRate: GradientTransformation;

    /// `optax.scale_by_learning_rate(self, flip_sign=flip_sign)`.
    fn scale_by_learning_rate(self, flip_sign: bool) -> Self::ByLearningRate;
}

impl ScalarOrSchedule for f64 {
    type ByLearningRate = Scale;

    fn scale_by_learning_rate(self, flip_sign: bool) -> Scale {
        scale(if flip_sign { -self } else { self })
    }
}

impl ScalarOrSchedule for f32 {
    type ByLearningRate = Scale;

    fn scale_by_learning_rate(self, flip_sign: bool) -> Scale {
        f64::from(self).scale_by_learning_rate(flip_sign)
    }
}

impl<F: Fn(&Array) -> Array> ScalarOrSchedule for F {
    type ByLearningRate = ScaleBySchedule<Signed<F>>;

    fn scale_by_learning_rate(self, flip_sign: bool) -> ScaleBySchedule<Signed<F>> {
        ScaleBySchedule::new(Signed {
            schedule: self,
            sign: if flip_sign { -1 } else { 1 },
        })
    }
}

/// A schedule times `-1` or `1` (Optax's `lambda count: m * learning_rate(count)`).
#[derive(Clone, Debug)]
pub struct Signed<F> {
    schedule: F,
    sign: i32,
}

impl<F: Fn(&Array) -> Array> Schedule for Signed<F> {
    fn value(&self, count: &Array) -> Array {
        self.sign * (self.schedule)(count)
    }
}

/// The schedule that is always `value` (`optax.constant_schedule`).
pub fn constant_schedule(value: f64) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    move |_| Array::weak_scalar(value)
}

/// `(init_value - end_value) * (1 - t / transition_steps)^power + end_value`, with `t` the
/// count less `transition_begin` clipped to `[0, transition_steps]`
/// (`optax.polynomial_schedule`). A non-positive `transition_steps` gives the constant
/// `init_value`; a negative `transition_begin` counts as 0.
///
/// An integer-valued `power` is computed by repeated multiplication (`lax.integer_pow`), as
/// Optax does for a Python `int` power; others with `pow`.
pub fn polynomial_schedule(
    init_value: f64,
    end_value: f64,
    power: f64,
    transition_steps: i64,
    transition_begin: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let transition_begin = transition_begin.max(0);
    move |count: &Array| {
        if transition_steps <= 0 {
            return Array::weak_scalar(init_value);
        }
        let steps = Array::weak_scalar(transition_steps);
        let count = jnp::clip(
            &(count - transition_begin),
            Some(&Array::weak_scalar(0i32)),
            Some(&steps),
        );
        let frac = 1 - jnp::divide(&count, &steps);
        (init_value - end_value) * frac.powf(power) + end_value
    }
}

/// The linear ramp from `init_value` to `end_value` over `transition_steps` steps starting at
/// `transition_begin` (`optax.linear_schedule`: a polynomial schedule of power 1).
pub fn linear_schedule(
    init_value: f64,
    end_value: f64,
    transition_steps: i64,
    transition_begin: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    polynomial_schedule(
        init_value,
        end_value,
        1.0,
        transition_steps,
        transition_begin,
    )
}

/// Options of [`exponential_decay_with_options`] beyond the three required ones, with
/// Optax's defaults.
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
/// gives the constant `init_value`.
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

/// `init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * t / decay_steps)))^exponent + alpha)`
/// with `t` the count capped at `decay_steps` (`optax.cosine_decay_schedule`).
///
/// # Panics
/// If `decay_steps` is not positive (Optax's `ValueError` message).
#[track_caller]
pub fn cosine_decay_schedule(
    init_value: f64,
    decay_steps: i64,
    alpha: f64,
    exponent: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
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
        let decayed = (1.0 - alpha) * cosine_decay.powf(exponent) + alpha;
        init_value * decayed
    }
}

/// A linear warmup from `init_value` to `peak_value` over `warmup_steps`, then a cosine
/// decay to `end_value` at `decay_steps` (counted from 0, warmup included)
/// (`optax.warmup_cosine_decay_schedule`).
///
/// # Panics
/// If `decay_steps <= warmup_steps` (Optax's message, from the cosine decay).
#[track_caller]
pub fn warmup_cosine_decay_schedule(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i64,
    decay_steps: i64,
    end_value: f64,
    exponent: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let alpha = if peak_value == 0.0 {
        0.0
    } else {
        end_value / peak_value
    };
    let warmup = linear_schedule(init_value, peak_value, warmup_steps, 0);
    let decay = cosine_decay_schedule(peak_value, decay_steps - warmup_steps, alpha, exponent);
    move |step: &Array| {
        let output = warmup(step);
        let later = decay(&(step - warmup_steps));
        jnp::where_(
            &jnp::less(step, &Array::weak_scalar(warmup_steps)),
            &output,
            &later,
        )
    }
}

/// `init_value`, multiplied by `scale` from each `(boundary, scale)` step on
/// (`optax.piecewise_constant_schedule`; Optax's dict becomes a slice, sorted here).
///
/// # Panics
/// If a scale is negative (Optax's `ValueError` message).
#[track_caller]
pub fn piecewise_constant_schedule(
    init_value: f64,
    boundaries_and_scales: &[(i64, f64)],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    if boundaries_and_scales.iter().any(|&(_, s)| s < 0.0) {
        panic!("`piecewise_constant_schedule` expects non-negative scale factors");
    }
    let mut sorted = boundaries_and_scales.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).expect("scales are not NaN"));
    move |count: &Array| {
        let mut v = Array::weak_scalar(init_value);
        for &(threshold, scale) in &sorted {
            let indicator = jnp::maximum(
                &Array::weak_scalar(0.0f64),
                &jnp::sign(&(Array::weak_scalar(threshold) - count)),
            );
            v = &v * &indicator + (1 - &indicator) * scale * &v;
        }
        v
    }
}

/// `schedules[0]` until `boundaries[0]`, then `schedules[1]` counted from that boundary, and
/// so on (`optax.join_schedules`).
///
/// ```
/// use std::sync::Arc;
/// use equinox_optim::{constant_schedule, join_schedules, linear_schedule, Schedule};
/// let s = join_schedules(
///     vec![Arc::new(constant_schedule(1.0)), Arc::new(linear_schedule(1.0, 0.0, 4, 0))],
///     &[3],
/// );
/// assert_eq!(s.at(2), 1.0);
/// assert_eq!(s.at(5), 0.5);
/// ```
///
/// # Panics
/// If there is not one boundary fewer than schedules.
#[track_caller]
pub fn join_schedules(
    schedules: Vec<DynSchedule>,
    boundaries: &[i64],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    assert!(
        !schedules.is_empty() && boundaries.len() + 1 == schedules.len(),
        "join_schedules: {} schedules need {} boundaries, got {}",
        schedules.len(),
        schedules.len().saturating_sub(1),
        boundaries.len()
    );
    let boundaries = boundaries.to_vec();
    move |step: &Array| {
        let mut output = schedules[0](step);
        for (&boundary, schedule) in boundaries.iter().zip(&schedules[1..]) {
            let later = schedule(&(step - boundary));
            output = jnp::where_(
                &jnp::less(step, &Array::weak_scalar(boundary)),
                &output,
                &later,
            );
        }
        output
    }
}
