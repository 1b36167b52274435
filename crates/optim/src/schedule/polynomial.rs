//! Polynomial and linear schedules (`optax.polynomial_schedule`, `optax.linear_schedule`).

use equinox_core::{numpy as jnp, Array};

/// `(init_value - end_value) * (1 - t / transition_steps)^power + end_value`, with `t` the
/// count less `transition_begin` clipped to `[0, transition_steps]`
/// (`optax.polynomial_schedule`). A non-positive `transition_steps` gives the constant
/// `init_value`; a negative `transition_begin` counts as 0 (Optax logs both and goes on).
///
/// An integer-valued `power` is computed by repeated multiplication (`lax.integer_pow`), as
/// Optax does for a Python `int` power; others with `pow`.
///
/// ```
/// use equinox_optim::{polynomial_schedule, Schedule};
/// let s = polynomial_schedule(1.0, 0.01, 2.0, 100, 5);
/// assert_eq!(s.at(5), 1.0);
/// assert!((s.at(6) - 0.9803).abs() < 1e-4);
/// assert!((s.at(110) - 0.01).abs() < 1e-7);
/// ```
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
///
/// ```
/// use equinox_optim::{linear_schedule, Schedule};
/// let s = linear_schedule(1.0, 0.0, 4, 0);
/// assert_eq!(s.at(1), 0.75);
/// assert_eq!(s.at(9), 0.0);
/// ```
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
