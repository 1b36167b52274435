//! AdaMax's rescaling by the infinity norm (`optax.scale_by_adamax`).

use equinox_core::tree::{self, PyTree};

use super::adam::ScaleByAdamState;
use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, safe_increment, update_infinity_moment, update_moment, zero_count, zeros_like,
};

/// AdaMax's rescaling ([`scale_by_adamax`]); its state is Optax's `ScaleByAdamState`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdamax {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the infinity norm (0.999).
    pub b2: f64,
    /// Added to `|g|` in the infinity norm (1e-8).
    pub eps: f64,
}

impl Default for ScaleByAdamax {
    fn default() -> Self {
        ScaleByAdamax {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Divides the bias-corrected first moment by the decayed infinity norm of the updates,
/// `nu = max(|g| + eps, b2 * nu)` (`optax.scale_by_adamax` with its defaults; build
/// [`ScaleByAdamax`] for others).
pub fn scale_by_adamax() -> ScaleByAdamax {
    ScaleByAdamax::default()
}

impl GradientTransformation for ScaleByAdamax {
    type State<P: PyTree> = ScaleByAdamState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdamState<P> {
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
        state: &ScaleByAdamState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdamState<P>) {
        check_state_tree("scale_by_adamax", updates, &state.nu);
        let count = safe_increment(&state.count);
        let mu = update_moment(updates, &state.mu, self.b1, 1);
        let nu = update_infinity_moment(updates, &state.nu, self.b2, self.eps);
        let mu_hat = bias_correction(&mu, self.b1, &count);
        let updates = tree::map2(&mu_hat, &nu, |m, v| m / v);
        (updates, ScaleByAdamState { count, mu, nu })
    }
}
