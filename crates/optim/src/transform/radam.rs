//! Rectified Adam's rescaling (`optax.scale_by_radam`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};

use super::adam::ScaleByAdamState;
use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, debiased_first_moment, safe_increment, update_moment,
    update_moment_per_elem_norm, zero_count, zeros_like,
};

/// Rectified Adam's rescaling ([`scale_by_radam`]); its state is Optax's `ScaleByAdamState`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRadam {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// The length of the approximated simple moving average above which the adaptive
    /// update is used (5).
    pub threshold: f64,
    /// Nesterov momentum (false).
    pub nesterov: bool,
}

impl Default for ScaleByRadam {
    fn default() -> Self {
        ScaleByRadam {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            threshold: 5.0,
            nesterov: false,
        }
    }
}

/// Adam's update rectified by the variance of its adaptive learning rate, falling back to
/// the bias-corrected first moment while the second moment is too young
/// (`optax.scale_by_radam` with its defaults; build [`ScaleByRadam`] for others).
pub fn scale_by_radam() -> ScaleByRadam {
    ScaleByRadam::default()
}

impl GradientTransformation for ScaleByRadam {
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
        check_state_tree("scale_by_radam", updates, &state.nu);
        let ScaleByRadam {
            b1,
            b2,
            eps,
            eps_root,
            threshold,
            nesterov,
        } = *self;
        let ro_inf = 2.0 / (1.0 - b2) - 1.0;
        let mu = update_moment(updates, &state.mu, b1, 1);
        let nu = update_moment_per_elem_norm(updates, &state.nu, b2, 2);
        let count = safe_increment(&state.count);
        let b2t = jnp::power(&Array::weak_scalar(b2), &count);
        let ro = ro_inf - 2 * &count * &b2t / (1 - &b2t);
        let mu_hat = debiased_first_moment(&mu, updates, b1, &count, nesterov);
        let nu_hat = bias_correction(&nu, b2, &count);
        let r = jnp::sqrt(
            &((&ro - 4.0) * (&ro - 2.0) * ro_inf / ((ro_inf - 4.0) * (ro_inf - 2.0) * &ro)),
        );
        let use_adaptive = jnp::greater_equal(&ro, &Array::weak_scalar(threshold));
        let updates = tree::map2(&mu_hat, &nu_hat, |m, v| {
            let rectified = r.astype(m.dtype()) * m / (jnp::sqrt(&(v + eps_root)) + eps);
            jnp::where_(&use_adaptive, &rectified, m)
        });
        (updates, ScaleByAdamState { count, mu, nu })
    }
}
