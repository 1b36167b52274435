//! Stochastic gradient descent with warm restarts (`optax.sgdr_schedule`).

use std::sync::Arc;

use equinox_core::Array;

use super::join::join_schedules;
use super::warmup::{warmup_cosine_decay_schedule_with_options, WarmupCosineDecayOptions};
use super::DynSchedule;

/// One cycle of [`sgdr_schedule`]: the arguments of a
/// [`warmup_cosine_decay_schedule`](crate::warmup_cosine_decay_schedule) (Optax's dict of
/// keyword arguments). `Default` gives Optax's defaults for the optional ones
/// (`end_value = 0.0`, `exponent = 1.0`) and zeros for the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdrCycle {
    /// The value at the start of the cycle.
    pub init_value: f64,
    /// The value at the end of the warmup.
    pub peak_value: f64,
    /// The length of the linear warmup.
    pub warmup_steps: i64,
    /// The length of the whole cycle, warmup included.
    pub decay_steps: i64,
    /// The value at the end of the cycle (default 0).
    pub end_value: f64,
    /// The cosine's exponent (default 1).
    pub exponent: f64,
}

impl Default for SgdrCycle {
    fn default() -> Self {
        SgdrCycle {
            init_value: 0.0,
            peak_value: 0.0,
            warmup_steps: 0,
            decay_steps: 0,
            end_value: 0.0,
            exponent: 1.0,
        }
    }
}

/// Warmup-cosine-decay cycles one after another, each restarting from its own `init_value`
/// when the previous one's `decay_steps` are over (`optax.sgdr_schedule`).
///
/// ```
/// use equinox_optim::{sgdr_schedule, Schedule, SgdrCycle};
/// let cycle = SgdrCycle { peak_value: 1.0, warmup_steps: 2, decay_steps: 6, ..Default::default() };
/// let s = sgdr_schedule(&[cycle, cycle]);
/// assert_eq!(s.at(2), 1.0);
/// assert_eq!(s.at(6), 0.0);
/// assert_eq!(s.at(8), 1.0);
/// ```
///
/// # Panics
/// If `cycles` is empty, or a cycle's `decay_steps` is not more than its `warmup_steps`
/// (Optax's message, from the cosine decay).
#[track_caller]
pub fn sgdr_schedule(
    cycles: &[SgdrCycle],
) -> impl Fn(&Array) -> Array + Clone + Send + Sync + use<> {
    let mut schedules: Vec<DynSchedule> = Vec::with_capacity(cycles.len());
    let mut boundaries = Vec::with_capacity(cycles.len());
    let mut step = 0;
    for c in cycles {
        schedules.push(Arc::new(warmup_cosine_decay_schedule_with_options(
            c.init_value,
            c.peak_value,
            c.warmup_steps,
            c.decay_steps,
            WarmupCosineDecayOptions {
                end_value: c.end_value,
                exponent: c.exponent,
            },
        )));
        step += c.decay_steps;
        boundaries.push(step);
    }
    boundaries.pop();
    join_schedules(schedules, &boundaries)
}
