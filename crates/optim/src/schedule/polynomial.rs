//! Polynomial and linear schedules (`optax.polynomial_schedule`, `optax.linear_schedule`).

use equinox_core::{numpy as jnp, Array};

/// Options of [`polynomial_schedule_with_options`] and [`linear_schedule_with_options`] beyond
/// the required ones, with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PolynomialScheduleOptions {
    /// The step where the transition starts (default 0; negative counts as 0).
    pub transition_begin: i64,
}

/// `(init_value - end_value) * (1 - count / transition_steps)^power + end_value`, the count
/// clipped to `[0, transition_steps]` (`optax.polynomial_schedule` with its defaults).
///
/// ```
/// use equinox_optim::{polynomial_schedule, Schedule};
/// let s = polynomial_schedule(1.0, 0.0, 2.0, 10);
/// assert_eq!(s.at(5), 0.25);
/// assert_eq!(s.at(20), 0.0);
/// ```
pub fn polynomial_schedule(
    init_value: f64,
    end_value: f64,
    power: f64,
    transition_steps: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    polynomial_schedule_with_options(
        init_value,
        end_value,
        power,
        transition_steps,
        PolynomialScheduleOptions::default(),
    )
}

/// `(init_value - end_value) * (1 - t / transition_steps)^power + end_value`, with `t` the
/// count less `transition_begin` clipped to `[0, transition_steps]`
/// (`optax.polynomial_schedule`). A non-positive `transition_steps` gives the constant
/// `init_value`; a negative `transition_begin` counts as 0 (Optax logs both and goes on).
///
/// An integer-valued `power` is computed by repeated multiplication (`lax.integer_pow`), as
/// Optax does for a Python `int` power; others with `pow`.
///
/// ```
/// use equinox_optim::{polynomial_schedule_with_options, PolynomialScheduleOptions, Schedule};
/// let s = polynomial_schedule_with_options(
///     1.0,
///     0.01,
///     2.0,
///     100,
///     PolynomialScheduleOptions { transition_begin: 5 },
/// );
/// assert_eq!(s.at(5), 1.0);
/// assert!((s.at(6) - 0.9803).abs() < 1e-4);
/// assert!((s.at(110) - 0.01).abs() < 1e-7);
/// ```
pub fn polynomial_schedule_with_options(
    init_value: f64,
    end_value: f64,
    power: f64,
    transition_steps: i64,
    options: PolynomialScheduleOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    let transition_begin = options.transition_begin.max(0);
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

/// The linear ramp from `init_value` to `end_value` over `transition_steps` steps
/// (`optax.linear_schedule` with its defaults: a polynomial schedule of power 1).
///
/// ```
/// use equinox_optim::{linear_schedule, Schedule};
/// let s = linear_schedule(1.0, 0.0, 4);
/// assert_eq!(s.at(1), 0.75);
/// assert_eq!(s.at(9), 0.0);
/// ```
pub fn linear_schedule(
    init_value: f64,
    end_value: f64,
    transition_steps: i64,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    linear_schedule_with_options(
        init_value,
        end_value,
        transition_steps,
        PolynomialScheduleOptions::default(),
    )
}

/// The linear ramp from `init_value` to `end_value` over `transition_steps` steps starting at
/// `options.transition_begin` (`optax.linear_schedule`).
///
/// ```
/// use equinox_optim::{linear_schedule_with_options, PolynomialScheduleOptions, Schedule};
/// let s = linear_schedule_with_options(1.0, 0.0, 4, PolynomialScheduleOptions { transition_begin: 2 });
/// assert_eq!(s.at(2), 1.0);
/// assert_eq!(s.at(3), 0.75);
/// ```
pub fn linear_schedule_with_options(
    init_value: f64,
    end_value: f64,
    transition_steps: i64,
    options: PolynomialScheduleOptions,
) -> impl Fn(&Array) -> Array + Clone + Send + Sync {
    polynomial_schedule_with_options(init_value, end_value, 1.0, transition_steps, options)
}
