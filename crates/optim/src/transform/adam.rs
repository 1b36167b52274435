//! Adam's rescaling (`optax.scale_by_adam`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, cast, cast_like, debiased_first_moment, safe_increment, update_moment,
    update_moment_per_elem_norm, zero_count, zeros_like,
};

/// The state of [`ScaleByAdam`] (`optax.ScaleByAdamState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAdamState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The first moment.
    pub mu: P,
    /// The second moment.
    pub nu: P,
}

/// The options of [`scale_by_adam_with_options`], [`adam_with_options`](crate::adam_with_options)
/// and friends, with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdamOptions {
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
    /// Nesterov momentum, as in NAdam (false).
    pub nesterov: bool,
}

impl Default for ScaleByAdamOptions {
    fn default() -> Self {
        ScaleByAdamOptions {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            mu_dtype: None,
            nesterov: false,
        }
    }
}

/// Adam's rescaling ([`scale_by_adam`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ScaleByAdam {
    /// The options.
    pub options: ScaleByAdamOptions,
}

/// Rescales by Adam's bias-corrected moments, `mu_hat / (sqrt(nu_hat + eps_root) + eps)`
/// (`optax.scale_by_adam` with its defaults).
pub fn scale_by_adam() -> ScaleByAdam {
    ScaleByAdam::default()
}

/// [`scale_by_adam`] with options.
///
/// ```
/// use equinox_optim::{scale_by_adam_with_options, ScaleByAdamOptions};
/// let t = scale_by_adam_with_options(ScaleByAdamOptions { nesterov: true, ..Default::default() });
/// ```
pub fn scale_by_adam_with_options(options: ScaleByAdamOptions) -> ScaleByAdam {
    ScaleByAdam { options }
}

impl GradientTransformation for ScaleByAdam {
    type State<P: PyTree> = ScaleByAdamState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdamState<P> {
        ScaleByAdamState {
            count: zero_count(),
            mu: zeros_like(params, self.options.mu_dtype),
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
        check_state_tree("scale_by_adam", updates, &state.nu);
        let ScaleByAdamOptions {
            b1,
            b2,
            eps,
            eps_root,
            mu_dtype,
            nesterov,
        } = self.options;
        let mu = update_moment(updates, &state.mu, b1, 1);
        let nu = update_moment_per_elem_norm(updates, &state.nu, b2, 2);
        let count_inc = safe_increment(&state.count);
        let mu_hat = debiased_first_moment(&mu, updates, b1, &count_inc, nesterov);
        let nu_hat = bias_correction(&nu, b2, &count_inc);
        let updates = tree::map2(&mu_hat, &nu_hat, |m, v| {
            m / (jnp::sqrt(&(v + eps_root)) + eps)
        });
        let mu = cast(mu, mu_dtype);
        let nu = cast_like(&nu, &state.nu);
        (
            updates,
            ScaleByAdamState {
                count: count_inc,
                mu,
                nu,
            },
        )
    }
}
