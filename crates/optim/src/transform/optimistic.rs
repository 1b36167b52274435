//! Optimistic gradient steps (`optax.scale_by_optimistic_gradient`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::zeros_like;

/// The state of [`ScaleByOptimisticGradient`] (`optax.ScaleByOptimisticGradientState`),
/// leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByOptimisticGradientState<P> {
    /// Whether no step was taken yet (`bool` scalar).
    pub is_initial_step: Array,
    /// The previous step's gradients.
    pub previous_gradient: P,
}

/// The optimistic gradient rescaling ([`scale_by_optimistic_gradient`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByOptimisticGradient {
    /// The weight of the current gradient (1).
    pub alpha: f64,
    /// The weight of the correction by the previous gradient (1).
    pub beta: f64,
}

impl Default for ScaleByOptimisticGradient {
    fn default() -> Self {
        ScaleByOptimisticGradient {
            alpha: 1.0,
            beta: 1.0,
        }
    }
}

/// `(alpha + beta) * g - beta * g_prev`, with `g_prev = g` at the first step
/// (`optax.scale_by_optimistic_gradient` with its defaults; build
/// [`ScaleByOptimisticGradient`] for others).
pub fn scale_by_optimistic_gradient() -> ScaleByOptimisticGradient {
    ScaleByOptimisticGradient::default()
}

impl GradientTransformation for ScaleByOptimisticGradient {
    type State<P: PyTree> = ScaleByOptimisticGradientState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByOptimisticGradientState<P> {
        ScaleByOptimisticGradientState {
            is_initial_step: Array::scalar(true),
            previous_gradient: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByOptimisticGradientState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByOptimisticGradientState<P>) {
        check_state_tree(
            "scale_by_optimistic_gradient",
            updates,
            &state.previous_gradient,
        );
        let new_updates = tree::map2(updates, &state.previous_gradient, |g, prev| {
            let prev = jnp::where_(&state.is_initial_step, g, prev);
            (self.alpha + self.beta) * g - self.beta * prev
        });
        (
            new_updates,
            ScaleByOptimisticGradientState {
                is_initial_step: Array::scalar(false),
                previous_gradient: tree::map(updates, Array::clone),
            },
        )
    }
}
