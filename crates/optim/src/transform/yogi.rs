//! Yogi's rescaling (`optax.scale_by_yogi`).

use equinox_core::numpy as jnp;
use equinox_core::tree::{self, PyTree};

use super::adam::ScaleByAdamState;
use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{bias_correction, full_like, safe_increment, update_moment, zero_count};

/// Yogi's rescaling ([`scale_by_yogi`]); its state is Optax's `ScaleByAdamState`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByYogi {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-3).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// The initial value of both moments (1e-6).
    pub initial_accumulator_value: f64,
}

impl Default for ScaleByYogi {
    fn default() -> Self {
        ScaleByYogi {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-3,
            eps_root: 0.0,
            initial_accumulator_value: 1e-6,
        }
    }
}

/// Adam with an additive second-moment update,
/// `nu = nu - (1 - b2) * sign(nu - g^2) * g^2` (`optax.scale_by_yogi` with its defaults;
/// build [`ScaleByYogi`] for others).
pub fn scale_by_yogi() -> ScaleByYogi {
    ScaleByYogi::default()
}

impl GradientTransformation for ScaleByYogi {
    type State<P: PyTree> = ScaleByAdamState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdamState<P> {
        ScaleByAdamState {
            count: zero_count(),
            mu: full_like(params, self.initial_accumulator_value),
            nu: full_like(params, self.initial_accumulator_value),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdamState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdamState<P>) {
        check_state_tree("scale_by_yogi", updates, &state.nu);
        let mu = update_moment(updates, &state.mu, self.b1, 1);
        let nu = tree::map2(updates, &state.nu, |g, v| {
            let g2 = g * g;
            v - (1.0 - self.b2) * jnp::sign(&(v - &g2)) * &g2
        });
        let count = safe_increment(&state.count);
        let mu_hat = bias_correction(&mu, self.b1, &count);
        let nu_hat = bias_correction(&nu, self.b2, &count);
        let updates = tree::map2(&mu_hat, &nu_hat, |m, v| {
            m / (jnp::sqrt(&(v + self.eps_root)) + self.eps)
        });
        (updates, ScaleByAdamState { count, mu, nu })
    }
}
