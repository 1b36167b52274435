//! D-Adaptation AdamW (`optax.contrib.dadapt_adamw`): AdamW with a learning rate it estimates
//! itself.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use super::hyper::{tree_dtype, tree_sum, tree_vdot, HyperValue, Hyperparameter};
use crate::base::{check_state_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{safe_increment, zero_count, zeros_like};

/// The state of [`DAdaptAdamW`] (`optax.contrib.DAdaptAdamWState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct DAdaptAdamWState<P> {
    /// The first moment of the gradients scaled by the step size.
    pub exp_avg: P,
    /// The second moment of the gradients.
    pub exp_avg_sq: P,
    /// The decayed sum of the gradients scaled by the step size.
    pub grad_sum: P,
    /// The learning-rate estimate (`d`), a scalar of the parameters' lowest dtype.
    pub estim_lr: Array,
    /// The decayed, weighted sum the estimate's numerator accumulates.
    pub numerator_weighted: Array,
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
}

/// The options of [`dadapt_adamw_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DAdaptAdamWOptions {
    /// Adam's `(b1, b2)` ((0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// The initial estimate (1e-6).
    pub estim_lr0: f64,
    /// Decoupled weight decay (0).
    pub weight_decay: f64,
}

impl Default for DAdaptAdamWOptions {
    fn default() -> Self {
        DAdaptAdamWOptions {
            betas: (0.9, 0.999),
            eps: 1e-8,
            estim_lr0: 1e-6,
            weight_decay: 0.0,
        }
    }
}

/// The D-Adaptation AdamW optimiser ([`dadapt_adamw`]).
#[derive(Clone, Debug)]
pub struct DAdaptAdamW<L = f64> {
    /// The learning rate, a factor on the estimate: a constant or a schedule.
    pub learning_rate: L,
    /// The options.
    pub options: DAdaptAdamWOptions,
}

/// D-Adaptation AdamW (`optax.contrib.dadapt_adamw` with its defaults; Optax's default
/// learning rate is 1). Needs the parameters in `update`.
pub fn dadapt_adamw<L: Hyperparameter>(learning_rate: L) -> DAdaptAdamW<L> {
    dadapt_adamw_with_options(learning_rate, DAdaptAdamWOptions::default())
}

/// [`dadapt_adamw`] with options (`optax.contrib.dadapt_adamw`).
pub fn dadapt_adamw_with_options<L: Hyperparameter>(
    learning_rate: L,
    options: DAdaptAdamWOptions,
) -> DAdaptAdamW<L> {
    DAdaptAdamW {
        learning_rate,
        options,
    }
}

impl<L: Hyperparameter> GradientTransformation for DAdaptAdamW<L> {
    type State<P: PyTree> = DAdaptAdamWState<P>;

    fn init<P: PyTree>(&self, params: &P) -> DAdaptAdamWState<P> {
        let dtype = tree_dtype(params, true);
        DAdaptAdamWState {
            exp_avg: zeros_like(params, None),
            exp_avg_sq: zeros_like(params, None),
            grad_sum: zeros_like(params, None),
            estim_lr: Array::scalar(self.options.estim_lr0).astype(dtype),
            numerator_weighted: jnp::zeros_dtype((), dtype),
            count: zero_count(),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &DAdaptAdamWState<P>,
        params: Option<&P>,
    ) -> (P, DAdaptAdamWState<P>) {
        let params = params.unwrap_or_else(|| panic!("dadapt_adamw: {NO_PARAMS_MSG}"));
        check_state_tree("dadapt_adamw", updates, &state.exp_avg);
        let o = &self.options;
        let (beta1, beta2) = o.betas;
        let sb2 = beta2.powf(0.5);
        let sched = match self.learning_rate.value_at(&state.count) {
            HyperValue::Constant(c) => Array::weak_scalar(c),
            HyperValue::Array(a) => a,
        };
        let count_inc = safe_increment(&state.count);
        let pow = |b: f64| jnp::power(&Array::weak_scalar(b), &count_inc);
        let bc = jnp::power(&(1 - pow(beta2)), &Array::weak_scalar(0.5)) / (1 - pow(beta1));
        let dlr = (&state.estim_lr * &sched * &bc).astype(state.numerator_weighted.dtype());
        let s_weighted = tree::map2(&state.grad_sum, &state.exp_avg_sq, |sk, eas| {
            sk / (jnp::sqrt(eas) + o.eps)
        });
        let numerator_acum = tree_vdot(updates, &s_weighted);
        let exp_avg = tree::map2(&state.exp_avg, updates, |ea, g| {
            beta1 * ea + (1.0 - beta1) * &dlr * g
        });
        let exp_avg_sq = tree::map2(&state.exp_avg_sq, updates, |eas, g| {
            beta2 * eas + (1.0 - beta2) * g * g
        });
        let grad_sum = tree::map2(&state.grad_sum, updates, |sk, g| {
            sb2 * sk + (1.0 - sb2) * &dlr * g
        });
        let grad_sum_l1 = tree_sum(&tree::map(&grad_sum, jnp::abs));
        let numerator_weighted =
            sb2 * &state.numerator_weighted + (1.0 - sb2) * &dlr * &numerator_acum;
        let d_estimate = &numerator_weighted / ((1.0 - sb2) * &grad_sum_l1);
        let estim_lr = jnp::maximum(&state.estim_lr, &d_estimate);
        let p_update = tree::map_n(&[&exp_avg, &exp_avg_sq, params], |l| {
            -o.weight_decay * &dlr * l[2] - l[0] / (jnp::sqrt(l[1]) + o.eps)
        });
        (
            p_update,
            DAdaptAdamWState {
                exp_avg,
                exp_avg_sq,
                grad_sum,
                estim_lr,
                numerator_weighted,
                count: count_inc,
            },
        )
    }
}
