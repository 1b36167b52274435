//! AdaBelief's rescaling (`optax.scale_by_belief`).

use equinox_core::numpy as jnp;
use equinox_core::tree::{self, PyTree};

use super::adam::ScaleByAdamState;
use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, debiased_first_moment, safe_increment, update_moment,
    update_moment_per_elem_norm, zero_count, zeros_like,
};

/// The state of [`ScaleByBelief`] (`optax.ScaleByBeliefState`: `count`, `mu`, and the
/// second moment of the prediction error as `nu`), laid out as Adam's.
pub type ScaleByBeliefState<P> = ScaleByAdamState<P>;

/// AdaBelief's rescaling ([`scale_by_belief`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByBelief {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment of the prediction error (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-16).
    pub eps: f64,
    /// Added to the second moment each step (1e-16).
    pub eps_root: f64,
    /// Nesterov momentum (false).
    pub nesterov: bool,
}

impl Default for ScaleByBelief {
    fn default() -> Self {
        ScaleByBelief {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-16,
            eps_root: 1e-16,
            nesterov: false,
        }
    }
}

/// Adam with the second moment of the prediction error `g - mu` in place of that of `g`
/// (`optax.scale_by_belief` with its defaults; build [`ScaleByBelief`] for others).
pub fn scale_by_belief() -> ScaleByBelief {
    ScaleByBelief::default()
}

impl GradientTransformation for ScaleByBelief {
    type State<P: PyTree> = ScaleByBeliefState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByBeliefState<P> {
        ScaleByAdamState {
            count: zero_count(),
            mu: zeros_like(params, None),
            nu: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByBeliefState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByBeliefState<P>) {
        check_state_tree("scale_by_belief", updates, &state.nu);
        let mu = update_moment(updates, &state.mu, self.b1, 1);
        let prediction_error = tree::map2(updates, &mu, |g, m| g - m);
        let nu = update_moment_per_elem_norm(&prediction_error, &state.nu, self.b2, 2);
        let nu = tree::map(&nu, |v| v + self.eps_root);
        let count = safe_increment(&state.count);
        let mu_hat = debiased_first_moment(&mu, updates, self.b1, &count, self.nesterov);
        let nu_hat = bias_correction(&nu, self.b2, &count);
        let updates = tree::map2(&mu_hat, &nu_hat, |m, v| m / (jnp::sqrt(v) + self.eps));
        (updates, ScaleByAdamState { count, mu, nu })
    }
}
