//! AdaDelta's rescaling (`optax.scale_by_adadelta`).

use equinox_core::numpy as jnp;
use equinox_core::tree::{self, PyTree};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{update_moment, zeros_like};

/// The state of [`ScaleByAdadelta`] (`optax.ScaleByAdaDeltaState`), leaves in Optax's
/// order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAdadeltaState<P> {
    /// The running average of squared gradients.
    pub e_g: P,
    /// The running average of squared updates.
    pub e_x: P,
}

/// AdaDelta's rescaling ([`scale_by_adadelta`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdadelta {
    /// Decay of both running averages (0.9).
    pub rho: f64,
    /// Added inside both roots (1e-6).
    pub eps: f64,
}

impl Default for ScaleByAdadelta {
    fn default() -> Self {
        ScaleByAdadelta {
            rho: 0.9,
            eps: 1e-6,
        }
    }
}

/// Scales the updates by `sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps)`
/// (`optax.scale_by_adadelta` with its defaults; build [`ScaleByAdadelta`] for others).
pub fn scale_by_adadelta() -> ScaleByAdadelta {
    ScaleByAdadelta::default()
}

impl GradientTransformation for ScaleByAdadelta {
    type State<P: PyTree> = ScaleByAdadeltaState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdadeltaState<P> {
        ScaleByAdadeltaState {
            e_g: zeros_like(params, None),
            e_x: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdadeltaState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdadeltaState<P>) {
        check_state_tree("scale_by_adadelta", updates, &state.e_g);
        let eps = self.eps;
        let e_g = update_moment(updates, &state.e_g, self.rho, 2);
        let scaling = tree::map2(&e_g, &state.e_x, |cur_e_g, prev_e_x| {
            jnp::sqrt(&(prev_e_x + eps)) / jnp::sqrt(&(cur_e_g + eps))
        });
        let updates = tree::map2(&scaling, updates, |s, g| s * g);
        let e_x = update_moment(&updates, &state.e_x, self.rho, 2);
        (updates, ScaleByAdadeltaState { e_g, e_x })
    }
}
