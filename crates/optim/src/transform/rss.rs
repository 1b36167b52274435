//! Rescaling by the root of the sum of squares, as Adagrad (`optax.scale_by_rss`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::full_like;

/// The state of [`ScaleByRss`] (`optax.ScaleByRssState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByRssState<P> {
    /// The running sum of squared updates.
    pub sum_of_squares: P,
}

/// Rescaling by the root of the sum of squares of all past updates ([`scale_by_rss`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRss {
    /// The initial sum of squares (0.1).
    pub initial_accumulator_value: f64,
    /// Added inside the root (1e-7).
    pub eps: f64,
}

impl Default for ScaleByRss {
    fn default() -> Self {
        ScaleByRss {
            initial_accumulator_value: 0.1,
            eps: 1e-7,
        }
    }
}

/// Divides the updates by the root of the sum of all squared updates so far, as Adagrad
/// does (`optax.scale_by_rss` with its defaults; build [`ScaleByRss`] directly for others).
pub fn scale_by_rss() -> ScaleByRss {
    ScaleByRss::default()
}

impl GradientTransformation for ScaleByRss {
    type State<P: PyTree> = ScaleByRssState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByRssState<P> {
        ScaleByRssState {
            sum_of_squares: full_like(params, self.initial_accumulator_value),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByRssState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByRssState<P>) {
        check_state_tree("scale_by_rss", updates, &state.sum_of_squares);
        let sum_of_squares = tree::map2(updates, &state.sum_of_squares, |g, t| g * g + t);
        let inv_sqrt = tree::map(&sum_of_squares, |t| {
            let positive = jnp::greater(t, &Array::weak_scalar(0i32));
            jnp::where_(
                &positive,
                &jnp::rsqrt(&(t + self.eps)),
                &Array::weak_scalar(0.0f64),
            )
        });
        let updates = tree::map2(&inv_sqrt, updates, |s, g| s * g);
        (updates, ScaleByRssState { sum_of_squares })
    }
}
