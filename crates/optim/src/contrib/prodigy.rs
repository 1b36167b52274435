//! Prodigy (`optax.contrib.prodigy`): Adam with a learning rate it estimates itself.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use super::hyper::{div_by_broadcast, tree_dtype, tree_sum, tree_vdot, HyperValue, Hyperparameter};
use crate::base::{check_state_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{safe_increment, zero_count, zeros_like};

/// The state of [`Prodigy`] (`optax.contrib.ProdigyState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ProdigyState<P> {
    /// The first moment of the scaled gradients.
    pub exp_avg: P,
    /// The second moment of the scaled gradients.
    pub exp_avg_sq: P,
    /// The decayed sum of the scaled gradients.
    pub grad_sum: P,
    /// The initial parameters.
    pub params0: P,
    /// The learning-rate estimate (`d`), a scalar of the parameters' lowest dtype.
    pub estim_lr: Array,
    /// The decayed, weighted sum of `<g, params0 - params>`.
    pub numerator_weighted: Array,
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
}

/// The options of [`prodigy_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProdigyOptions {
    /// Adam's `(b1, b2)` ((0.9, 0.999)).
    pub betas: (f64, f64),
    /// The decay of the estimate's sums (default `sqrt(b2)`).
    pub beta3: Option<f64>,
    /// Added to the root of the second moment, times the estimate (1e-8).
    pub eps: f64,
    /// The initial estimate (1e-6).
    pub estim_lr0: f64,
    /// A factor on the estimate (1).
    pub estim_lr_coef: f64,
    /// Decoupled weight decay (0).
    pub weight_decay: f64,
    /// Leave the learning rate out of the denominator's sum, for a stable warmup (false).
    pub safeguard_warmup: bool,
}

impl Default for ProdigyOptions {
    fn default() -> Self {
        ProdigyOptions {
            betas: (0.9, 0.999),
            beta3: None,
            eps: 1e-8,
            estim_lr0: 1e-6,
            estim_lr_coef: 1.0,
            weight_decay: 0.0,
            safeguard_warmup: false,
        }
    }
}

/// The Prodigy optimiser ([`prodigy`]).
#[derive(Clone, Debug)]
pub struct Prodigy<L = f64> {
    /// The learning rate, a factor on the estimate: a constant or a schedule.
    pub learning_rate: L,
    /// The options.
    pub options: ProdigyOptions,
}

/// Prodigy (`optax.contrib.prodigy` with its defaults; Optax's default learning rate is 1):
/// Adam steps scaled by an estimate of the distance to the solution, which it grows from
/// `estim_lr0`. Needs the parameters in `update`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{contrib, GradientTransformation};
/// let opt = contrib::prodigy(1.0);
/// let params = vec![jnp::ones([3])];
/// let state = opt.init(&params);
/// let grads = vec![&params[0] * 2.0];
/// let (u, state) = opt.update(&grads, &state, Some(&params));
/// // The first step is Adam's first step (the gradient's sign) times the initial estimate.
/// assert!((u[0].to_vec::<f32>()[0] + 1e-6).abs() < 1e-9);
/// assert_eq!(state.count.item::<i32>(), 1);
/// ```
pub fn prodigy<L: Hyperparameter>(learning_rate: L) -> Prodigy<L> {
    prodigy_with_options(learning_rate, ProdigyOptions::default())
}

/// [`prodigy`] with options (`optax.contrib.prodigy`).
pub fn prodigy_with_options<L: Hyperparameter>(
    learning_rate: L,
    options: ProdigyOptions,
) -> Prodigy<L> {
    Prodigy {
        learning_rate,
        options,
    }
}

impl<L: Hyperparameter> GradientTransformation for Prodigy<L> {
    type State<P: PyTree> = ProdigyState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ProdigyState<P> {
        let dtype = tree_dtype(params, true);
        ProdigyState {
            exp_avg: zeros_like(params, None),
            exp_avg_sq: zeros_like(params, None),
            grad_sum: zeros_like(params, None),
            params0: tree::map(params, Array::clone),
            estim_lr: Array::scalar(self.options.estim_lr0).astype(dtype),
            numerator_weighted: jnp::zeros_dtype((), dtype),
            count: zero_count(),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ProdigyState<P>,
        params: Option<&P>,
    ) -> (P, ProdigyState<P>) {
        let params = params.unwrap_or_else(|| panic!("prodigy: {NO_PARAMS_MSG}"));
        check_state_tree("prodigy", updates, &state.exp_avg);
        let o = &self.options;
        let (beta1, beta2) = o.betas;
        let beta3 = o.beta3.unwrap_or(beta2.powf(0.5));
        let count_inc = safe_increment(&state.count);
        let sched = match self.learning_rate.value_at(&state.count) {
            HyperValue::Constant(c) => Array::weak_scalar(c),
            HyperValue::Array(a) => a,
        };
        let estim_lr = &state.estim_lr;
        let pow = |b: f64| jnp::power(&Array::weak_scalar(b), &count_inc);
        let bc = jnp::power(&(1 - pow(beta2)), &Array::weak_scalar(0.5)) / (1 - pow(beta1));
        let dlr = (estim_lr * &sched * &bc).astype(estim_lr.dtype());
        let dg = tree::map(updates, |g| estim_lr * g);
        let param_diff = tree::map2(&state.params0, params, |p0, p| p0 - p);
        let numerator_acum = tree_vdot(updates, &param_diff);
        let exp_avg = tree::map2(&state.exp_avg, &dg, |ea, d| beta1 * ea + (1.0 - beta1) * d);
        let exp_avg_sq = tree::map2(&state.exp_avg_sq, &dg, |eas, d| {
            beta2 * eas + (1.0 - beta2) * d * d
        });
        let grad_sum = tree::map2(&state.grad_sum, &dg, |sk, d| {
            let scale = if o.safeguard_warmup { estim_lr } else { &dlr };
            beta3 * sk + div_by_broadcast(&(scale * d), &Array::weak_scalar(o.estim_lr0))
        });
        let numerator_weighted =
            beta3 * &state.numerator_weighted + (estim_lr / o.estim_lr0) * &dlr * &numerator_acum;
        let denominator = tree_sum(&tree::map(&grad_sum, jnp::abs));
        let lr_estimate = o.estim_lr_coef * &numerator_weighted / &denominator;
        let estim_lr = jnp::maximum(&state.estim_lr, &lr_estimate);
        let p_update = tree::map_n(&[&exp_avg, &exp_avg_sq, params], |l| {
            -o.weight_decay * &dlr * l[2] - &dlr * l[0] / (jnp::sqrt(l[1]) + &estim_lr * o.eps)
        });
        (
            p_update,
            ProdigyState {
                exp_avg,
                exp_avg_sq,
                grad_sum,
                params0: tree::map(&state.params0, Array::clone),
                estim_lr,
                numerator_weighted,
                count: count_inc,
            },
        )
    }
}
