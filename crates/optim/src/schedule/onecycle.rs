//! One-cycle schedules (`optax.linear_onecycle_schedule`, `optax.cosine_onecycle_schedule`):
//! up from `peak_value / div_factor` to `peak_value`, then down far below the start.

use equinox_core::Array;

use super::piecewise::piecewise_interpolate_schedule;

/// Options of [`linear_onecycle_schedule_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearOnecycleOptions {
    /// The fraction of `transition_steps` spent rising to `peak_value` (default 0.3).
    pub pct_start: f64,
    /// The fraction of `transition_steps` at which the value is back at its start
    /// (default 0.85).
    pub pct_final: f64,
    /// The start is `peak_value / div_factor` (default 25).
    pub div_factor: f64,
    /// The end is the start divided by `final_div_factor` (default 1e4).
    pub final_div_factor: f64,
}

impl Default for LinearOnecycleOptions {
    fn default() -> Self {
        LinearOnecycleOptions {
            pct_start: 0.3,
            pct_final: 0.85,
            div_factor: 25.0,
            final_div_factor: 1e4,
        }
    }
}

/// Options of [`cosine_onecycle_schedule_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineOnecycleOptions {
    /// The fraction of `transition_steps` spent rising to `peak_value` (default 0.3).
    pub pct_start: f64,
    /// The start is `peak_value / div_factor` (default 25).
    pub div_factor: f64,
    /// The end is the start divided by `final_div_factor` (default 1e4).
    pub final_div_factor: f64,
}

impl Default for CosineOnecycleOptions {
    fn default() -> Self {
        CosineOnecycleOptions {
            pct_start: 0.3,
            div_factor: 25.0,
            final_div_factor: 1e4,
        }
    }
}

/// Optax's boundary `int(pct * transition_steps)`: the product in double precision,
/// truncated toward zero.
fn boundary(pct: f64, transition_steps: i64) -> i64 {
    (pct * transition_steps as f64) as i64
}

#[track_caller]
fn check_steps(transition_steps: i64) {
    if transition_steps <= 0 {
        // Optax's message, which says "linear" for the cosine schedule too.
        panic!("A linear onecycle schedule was set with a non-positive `transition_steps`");
    }
}

/// Three linear phases (`optax.linear_onecycle_schedule` with its defaults): from
/// `peak_value / 25` up to `peak_value` over the first 30% of `transition_steps`, back down
/// to the start by 85%, then down to the start divided by 1e4 at `transition_steps`.
///
/// ```
/// use equinox_optim::{linear_onecycle_schedule, Schedule};
/// let s = linear_onecycle_schedule(10, 1.0);
/// assert!((s.at(0) - 0.04).abs() < 1e-7);
/// assert_eq!(s.at(3), 1.0);
/// assert!((s.at(10) - 4e-6).abs() < 1e-12);
/// ```
///
/// # Panics
/// If `transition_steps` is not positive (Optax's message).
#[track_caller]
pub fn linear_onecycle_schedule(
    transition_steps: i64,
    peak_value: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    linear_onecycle_schedule_with_options(
        transition_steps,
        peak_value,
        LinearOnecycleOptions::default(),
    )
}

/// [`linear_onecycle_schedule`] with its options (`optax.linear_onecycle_schedule`): a
/// linear [`piecewise_interpolate_schedule`] from `peak_value / div_factor` with boundaries
/// at `pct_start` and `pct_final` of `transition_steps` and at `transition_steps`.
///
/// # Panics
/// If `transition_steps` is not positive (Optax's message).
#[track_caller]
pub fn linear_onecycle_schedule_with_options(
    transition_steps: i64,
    peak_value: f64,
    options: LinearOnecycleOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    check_steps(transition_steps);
    let LinearOnecycleOptions {
        pct_start,
        pct_final,
        div_factor,
        final_div_factor,
    } = options;
    // Optax's dict literal: a later boundary equal to an earlier one replaces it.
    piecewise_interpolate_schedule(
        "linear",
        peak_value / div_factor,
        &[
            (boundary(pct_start, transition_steps), div_factor),
            (boundary(pct_final, transition_steps), 1.0 / div_factor),
            (transition_steps, 1.0 / final_div_factor),
        ],
    )
}

/// A cosine rise from `peak_value / 25` to `peak_value` over the first 30% of
/// `transition_steps`, then a cosine fall to the start divided by 1e4
/// (`optax.cosine_onecycle_schedule` with its defaults).
///
/// ```
/// use equinox_optim::{cosine_onecycle_schedule, Schedule};
/// let s = cosine_onecycle_schedule(10, 1.0);
/// assert_eq!(s.at(3), 1.0);
/// assert!((s.at(20) - 4e-6).abs() < 1e-12);
/// ```
///
/// # Panics
/// If `transition_steps` is not positive (Optax's message).
#[track_caller]
pub fn cosine_onecycle_schedule(
    transition_steps: i64,
    peak_value: f64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    cosine_onecycle_schedule_with_options(
        transition_steps,
        peak_value,
        CosineOnecycleOptions::default(),
    )
}

/// [`cosine_onecycle_schedule`] with its options (`optax.cosine_onecycle_schedule`): a
/// cosine [`piecewise_interpolate_schedule`] from `peak_value / div_factor` with boundaries
/// at `pct_start` of `transition_steps` and at `transition_steps`.
///
/// # Panics
/// If `transition_steps` is not positive (Optax's message).
#[track_caller]
pub fn cosine_onecycle_schedule_with_options(
    transition_steps: i64,
    peak_value: f64,
    options: CosineOnecycleOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    check_steps(transition_steps);
    let CosineOnecycleOptions {
        pct_start,
        div_factor,
        final_div_factor,
    } = options;
    piecewise_interpolate_schedule(
        "cosine",
        peak_value / div_factor,
        &[
            (boundary(pct_start, transition_steps), div_factor),
            (transition_steps, 1.0 / (div_factor * final_div_factor)),
        ],
    )
}
