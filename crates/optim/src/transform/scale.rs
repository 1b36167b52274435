//! Scaling by a constant, the learning rate or a schedule (`optax.scale`,
//! `scale_by_learning_rate`, `scale_by_schedule`).

use equinox_core::tree::{self, PyTree};
use equinox_core::Array;
use equinox_macros::Module;

use super::stateless::{impl_stateless, Leafwise};
use crate::base::GradientTransformation;
use crate::numerics::{safe_increment, zero_count};
use crate::schedule::{ScalarOrSchedule, Schedule};

/// Multiplies the updates by a constant ([`scale`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// The factor.
    pub step_size: f64,
}

/// Multiplies every update by `step_size` (`optax.scale`). No state.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{scale, GradientTransformation};
/// let g = vec![jnp::ones([2])];
/// let s = scale(-0.5);
/// let (u, _) = s.update(&g, &s.init(&g), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![-0.5, -0.5]);
/// ```
pub fn scale(step_size: f64) -> Scale {
    Scale { step_size }
}

impl Leafwise for Scale {
    const NAME: &'static str = "scale";
    const NEEDS_PARAMS: bool = false;

    fn leaf(&self, update: &Array, _: Option<&Array>) -> Array {
        self.step_size * update
    }
}

impl_stateless!(Scale);

/// Scales the updates by the learning rate, negated (`optax.scale_by_learning_rate` with
/// `flip_sign=True`): a constant gives a [`Scale`], a schedule a [`ScaleBySchedule`].
///
/// ```
/// use equinox_optim::{linear_schedule, scale_by_learning_rate};
/// let constant = scale_by_learning_rate(0.1f64);
/// assert_eq!(constant.step_size, -0.1);
/// let scheduled = scale_by_learning_rate(linear_schedule(0.1, 0.0, 10));
/// ```
pub fn scale_by_learning_rate<L: ScalarOrSchedule>(learning_rate: L) -> L::ByLearningRate {
    learning_rate.scale_by_learning_rate(true)
}

/// [`scale_by_learning_rate`] with Optax's `flip_sign` argument: `false` scales by the
/// learning rate itself (for gradient ascent).
pub fn scale_by_learning_rate_with_sign<L: ScalarOrSchedule>(
    learning_rate: L,
    flip_sign: bool,
) -> L::ByLearningRate {
    learning_rate.scale_by_learning_rate(flip_sign)
}

/// The state of [`ScaleBySchedule`] (`optax.ScaleByScheduleState`): the step count.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByScheduleState {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
}

/// Multiplies the updates by a schedule's value at the current step ([`scale_by_schedule`]).
#[derive(Clone, Debug)]
pub struct ScaleBySchedule<S> {
    /// The schedule.
    pub schedule: S,
}

impl<S> ScaleBySchedule<S> {
    /// Scaling by `schedule`.
    pub fn new(schedule: S) -> Self {
        ScaleBySchedule { schedule }
    }
}

/// Multiplies the updates by `step_size_fn(count)`, converted to each update's dtype, and
/// counts the step (`optax.scale_by_schedule`).
pub fn scale_by_schedule<S: Schedule>(step_size_fn: S) -> ScaleBySchedule<S> {
    ScaleBySchedule::new(step_size_fn)
}

impl<S: Schedule> GradientTransformation for ScaleBySchedule<S> {
    type State<P: PyTree> = ScaleByScheduleState;

    fn init<P: PyTree>(&self, _params: &P) -> ScaleByScheduleState {
        ScaleByScheduleState {
            count: zero_count(),
        }
    }

    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByScheduleState,
        _: Option<&P>,
    ) -> (P, ScaleByScheduleState) {
        let step_size = self.schedule.value(&state.count);
        let updates = tree::map(updates, |g| step_size.astype(g.dtype()) * g);
        let count = safe_increment(&state.count);
        (updates, ScaleByScheduleState { count })
    }
}
