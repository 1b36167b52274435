//! AMSGrad's rescaling (`optax.scale_by_amsgrad`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, cast, safe_increment, update_moment, update_moment_per_elem_norm, zero_count,
    zeros_like,
};

/// The state of [`ScaleByAmsgrad`] (`optax.ScaleByAmsgradState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAmsgradState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The first moment.
    pub mu: P,
    /// The second moment.
    pub nu: P,
    /// The running maximum of the (bias-corrected) second moment.
    pub nu_max: P,
}

/// AMSGrad's rescaling ([`scale_by_amsgrad`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAmsgrad {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// The dtype the first moment is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
    /// Bias-correct the first moment (true).
    pub bias_correction_mu: bool,
    /// Bias-correct the second moment before its running maximum (true).
    pub bias_correction_nu: bool,
}

impl Default for ScaleByAmsgrad {
    fn default() -> Self {
        ScaleByAmsgrad {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            mu_dtype: None,
            bias_correction_mu: true,
            bias_correction_nu: true,
        }
    }
}

/// Adam with the running maximum of the second moment in the denominator
/// (`optax.scale_by_amsgrad` with its defaults; build [`ScaleByAmsgrad`] for others).
pub fn scale_by_amsgrad() -> ScaleByAmsgrad {
    ScaleByAmsgrad::default()
}

impl GradientTransformation for ScaleByAmsgrad {
    type State<P: PyTree> = ScaleByAmsgradState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAmsgradState<P> {
        ScaleByAmsgradState {
            count: zero_count(),
            mu: zeros_like(params, self.mu_dtype),
            nu: zeros_like(params, None),
            nu_max: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAmsgradState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAmsgradState<P>) {
        check_state_tree("scale_by_amsgrad", updates, &state.nu);
        let mu = update_moment(updates, &state.mu, self.b1, 1);
        let nu = update_moment_per_elem_norm(updates, &state.nu, self.b2, 2);
        let count = safe_increment(&state.count);
        let mu_hat = if self.bias_correction_mu {
            bias_correction(&mu, self.b1, &count)
        } else {
            tree::map(&mu, Array::clone)
        };
        let nu_eff = if self.bias_correction_nu {
            bias_correction(&nu, self.b2, &count)
        } else {
            tree::map(&nu, Array::clone)
        };
        let nu_max = tree::map2(&state.nu_max, &nu_eff, |a, b| a.maximum(b));
        let updates = tree::map2(&mu_hat, &nu_max, |m, v| {
            m / (jnp::sqrt(&(v + self.eps_root)) + self.eps)
        });
        let mu = cast(mu, self.mu_dtype);
        (
            updates,
            ScaleByAmsgradState {
                count,
                mu,
                nu,
                nu_max,
            },
        )
    }
}
