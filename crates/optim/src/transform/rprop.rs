//! Rprop's sign-based step sizes (`optax.scale_by_rprop`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{full_like, zeros_like};

/// The state of [`ScaleByRprop`] (`optax.ScaleByRpropState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByRpropState<P> {
    /// The current step size of each element.
    pub step_sizes: P,
    /// The previous step's signed steps.
    pub prev_updates: P,
}

/// Rprop's rescaling ([`scale_by_rprop`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRprop {
    /// The initial step size.
    pub learning_rate: f64,
    /// The factor the step shrinks by when the gradient changes sign (0.5).
    pub eta_minus: f64,
    /// The factor the step grows by when it keeps its sign (1.2).
    pub eta_plus: f64,
    /// The smallest step size (1e-6).
    pub min_step_size: f64,
    /// The largest step size (50).
    pub max_step_size: f64,
}

/// Per-element step sizes that grow while the gradient keeps its sign and shrink when it
/// flips (`optax.scale_by_rprop` with its defaults; build [`ScaleByRprop`] for others).
pub fn scale_by_rprop(learning_rate: f64) -> ScaleByRprop {
    ScaleByRprop {
        learning_rate,
        eta_minus: 0.5,
        eta_plus: 1.2,
        min_step_size: 1e-6,
        max_step_size: 50.0,
    }
}

impl GradientTransformation for ScaleByRprop {
    type State<P: PyTree> = ScaleByRpropState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByRpropState<P> {
        ScaleByRpropState {
            step_sizes: full_like(params, self.learning_rate),
            prev_updates: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByRpropState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByRpropState<P>) {
        check_state_tree("scale_by_rprop", updates, &state.step_sizes);
        let zero = Array::weak_scalar(0.0f64);
        let sign = tree::map2(updates, &state.prev_updates, |g, prev| g * prev);
        let step_sizes = tree::map2(&sign, &state.step_sizes, |s, step| {
            let factor = jnp::where_(
                &jnp::greater(s, &zero),
                &Array::weak_scalar(self.eta_plus),
                &Array::weak_scalar(self.eta_minus),
            );
            let changed = jnp::clip(
                &(step * factor),
                Some(&Array::weak_scalar(self.min_step_size)),
                Some(&Array::weak_scalar(self.max_step_size)),
            );
            jnp::where_(&jnp::equal(s, &zero), step, &changed)
        });
        let flipped = |s: &Array| jnp::less(s, &zero);
        let prev_updates = tree::map_n(&[&sign, updates, &step_sizes], |a| {
            jnp::where_(
                &flipped(a[0]),
                &jnp::zeros_like(a[1]),
                &(a[2] * jnp::sign(a[1])),
            )
        });
        // As in Optax 0.2.8, the update is the previous step's signed step (zero where the
        // gradient flipped).
        let new_updates = tree::map2(&sign, &state.prev_updates, |s, prev| {
            jnp::where_(&flipped(s), &jnp::zeros_like(prev), prev)
        });
        (
            new_updates,
            ScaleByRpropState {
                step_sizes,
                prev_updates,
            },
        )
    }
}
