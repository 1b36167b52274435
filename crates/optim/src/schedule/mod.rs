//! Schedules (`optax.schedules`): functions from the step count to a value, e.g. a learning
//! rate, and [`ScalarOrSchedule`], what a learning-rate argument accepts. One family per
//! file: polynomial and linear, exponential decay, cosine decay, piecewise (constant and
//! interpolated), joins, warmups, one-cycle, SGDR.
//!
//! A schedule is any `Fn(&Array) -> Array` taking the step count (an `int32` scalar, as
//! Optax's states hold it) to a scalar. Counts and values are arrays, not Rust numbers, so a
//! schedule works inside `filter_jit`, where the count is traced; [`Schedule::at`] evaluates
//! one at a given step. The constructors here compute with the same operations as Optax's, so
//! their `float32` values are Optax's.
//!
//! ```
//! use equinox_optim::{warmup_cosine_decay_schedule, Schedule};
//! let lr = warmup_cosine_decay_schedule(0.0, 1.0, 3, 10);
//! assert_eq!(lr.at(0), 0.0);
//! assert_eq!(lr.at(3), 1.0);
//! assert_eq!(lr.at(10), 0.0);
//! ```

use std::sync::Arc;

use equinox_core::{Array, DType};

use crate::base::GradientTransformation;
use crate::transform::{scale, Scale, ScaleBySchedule};

mod cosine;
mod exponential;
mod join;
mod onecycle;
mod piecewise;
mod polynomial;
mod sgdr;
mod warmup;

pub use cosine::{cosine_decay_schedule, cosine_decay_schedule_with_options, CosineDecayOptions};
pub use exponential::{exponential_decay, exponential_decay_with_options, ExponentialDecayOptions};
pub use join::join_schedules;
pub use onecycle::{
    cosine_onecycle_schedule, cosine_onecycle_schedule_with_options, linear_onecycle_schedule,
    linear_onecycle_schedule_with_options, CosineOnecycleOptions, LinearOnecycleOptions,
};
pub use piecewise::{piecewise_constant_schedule, piecewise_interpolate_schedule};
pub use polynomial::{
    linear_schedule, linear_schedule_with_options, polynomial_schedule,
    polynomial_schedule_with_options, PolynomialScheduleOptions,
};
pub use sgdr::{sgdr_schedule, SgdrCycle};
pub use warmup::{
    warmup_constant_schedule, warmup_cosine_decay_schedule,
    warmup_cosine_decay_schedule_with_options, warmup_exponential_decay_schedule,
    warmup_exponential_decay_schedule_with_options, WarmupCosineDecayOptions,
};

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
