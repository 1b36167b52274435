//! Mechanic (`optax.contrib.mechanize`): a base optimiser's steps rescaled by a learned
//! factor.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use super::hyper::{div_by_broadcast, tree_dtype, tree_vdot};
use crate::base::{GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{global_norm, safe_increment, zero_count};

/// The state of [`Mechanize`] (`optax.contrib.MechanicState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct MechanicState<S, P> {
    /// The base optimiser's state.
    pub base_optimizer_state: S,
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The wealth's running reward, one per beta.
    pub r: Array,
    /// The running maximum of `|h|`, one per beta.
    pub m: Array,
    /// The running second moment of `h`, one per beta.
    pub v: Array,
    /// The scale factors, one per beta (their sum scales the steps).
    pub s: Array,
    /// The initial parameters.
    pub x0: P,
}

/// The options of [`mechanize_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MechanizeOptions {
    /// The weight decay, relative to the gradient and parameter norms (1e-2).
    pub weight_decay: f64,
    /// Keeps divisions finite (1e-8).
    pub eps: f64,
    /// The initial scale, per beta (1e-6).
    pub s_init: f64,
    /// The number of betas, `1 - 0.1**i` for `i = 1..=num_betas` (6).
    pub num_betas: usize,
}

impl Default for MechanizeOptions {
    fn default() -> Self {
        MechanizeOptions {
            weight_decay: 1e-2,
            eps: 1e-8,
            s_init: 1e-6,
            num_betas: 6,
        }
    }
}

/// A base optimiser tuned by Mechanic ([`mechanize`]).
#[derive(Clone, Debug)]
pub struct Mechanize<T> {
    /// The base optimiser.
    pub base_optimizer: T,
    /// The options.
    pub options: MechanizeOptions,
}

/// Mechanic (`optax.contrib.mechanize` with its defaults): the parameters move from their
/// initial values along the base optimiser's accumulated steps, scaled by a factor learned
/// online. Needs the parameters in `update`.
pub fn mechanize<T: GradientTransformation>(base_optimizer: T) -> Mechanize<T> {
    mechanize_with_options(base_optimizer, MechanizeOptions::default())
}

/// [`mechanize`] with options (`optax.contrib.mechanize`).
pub fn mechanize_with_options<T: GradientTransformation>(
    base_optimizer: T,
    options: MechanizeOptions,
) -> Mechanize<T> {
    Mechanize {
        base_optimizer,
        options,
    }
}

impl<T: GradientTransformation> GradientTransformation for Mechanize<T> {
    type State<P: PyTree> = MechanicState<T::State<P>, P>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        let dtype = tree_dtype(params, true);
        let n = self.options.num_betas;
        MechanicState {
            base_optimizer_state: self.base_optimizer.init(params),
            count: zero_count(),
            r: jnp::zeros_dtype([n], dtype),
            m: jnp::zeros_dtype([n], dtype),
            v: jnp::zeros_dtype([n], dtype),
            s: jnp::ones_dtype([n], dtype) * self.options.s_init,
            x0: tree::map(params, Array::clone),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let params = params.unwrap_or_else(|| panic!("mechanize: {NO_PARAMS_MSG}"));
        let o = &self.options;
        let count_inc = safe_increment(&state.count);
        let (new_neg_updates, base_optimizer_state) =
            self.base_optimizer
                .update(updates, &state.base_optimizer_state, Some(params));
        let first = jnp::equal(&state.count, &Array::weak_scalar(0i32));
        let x0 = tree::map2(params, &state.x0, |p, x| jnp::where_(&first, p, x));
        let s_sum = jnp::sum(&state.s, ());
        let grad_norm = global_norm(updates);
        let param_norm = global_norm(params);
        let decay = o.weight_decay * &s_sum * &grad_norm / (&param_norm + o.eps);
        let updates = tree::map2(updates, params, |g, p| g + &decay * p);
        let divisor = &s_sum + o.eps;
        let delta_prev = tree::map2(params, &x0, |xt, x0| div_by_broadcast(&(x0 - xt), &divisor));
        let delta = tree::map2(&delta_prev, &new_neg_updates, |d, u| d - u);
        let h = tree_vdot(&updates, &delta_prev);
        let ones_h = jnp::ones_like(&state.m) * &h;
        let clipped_h = jnp::minimum(&jnp::maximum(&ones_h, &-&state.m), &state.m);
        let betas: Vec<f64> = (1..=o.num_betas as i32)
            .map(|i| 1.0 - 0.1f64.powf(f64::from(i)))
            .collect();
        let betas = Array::from_vec(betas, [o.num_betas]).astype(state.s.dtype());
        let m = jnp::maximum(&(&betas * &state.m), &(jnp::abs(&h) + o.eps));
        let v = jnp::integer_pow(&betas, 2) * &state.v + jnp::integer_pow(&h, 2);
        let r = &betas * &state.r + &clipped_h * &state.s;
        let rc = jnp::maximum(&Array::weak_scalar(0.0), &r);
        let wealth = (o.s_init / o.num_betas as f64) * &m + &rc;
        let s = &wealth / (jnp::sqrt(&v) + o.eps);
        let s_total = jnp::sum(&s, ());
        let new_params = tree::map2(&x0, &delta, |x0, d| x0 - &s_total * d);
        let new_neg_updates = tree::map2(&new_params, params, |n, p| n - p);
        (
            new_neg_updates,
            MechanicState {
                base_optimizer_state,
                count: count_inc,
                r,
                m,
                v,
                s,
                x0,
            },
        )
    }
}
