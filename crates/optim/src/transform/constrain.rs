//! Constraints on updates (`optax.zero_nans`, `optax.keep_params_nonnegative`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{
    check_state_structure, require_params, zip_map, EmptyState, GradientTransformation,
};

/// The state of [`ZeroNans`] (`optax.ZeroNansState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ZeroNansState<P> {
    /// Per leaf, whether the last updates had a NaN there (`bool` scalars).
    pub found_nan: P,
}

/// Replaces NaNs in the updates by zeros ([`zero_nans`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ZeroNans;

/// Replaces every NaN in the updates by 0 and records, per leaf, whether there was one
/// (`optax.zero_nans`).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::{zero_nans, GradientTransformation};
/// let g = vec![Array::from_vec(vec![f32::NAN, 1.0], [2])];
/// let t = zero_nans();
/// let (u, s) = t.update(&g, &t.init(&g), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![0.0, 1.0]);
/// assert!(s.found_nan[0].item::<bool>());
/// ```
pub fn zero_nans() -> ZeroNans {
    ZeroNans
}

impl GradientTransformation for ZeroNans {
    type State<P: PyTree> = ZeroNansState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ZeroNansState<P> {
        ZeroNansState {
            found_nan: tree::map(params, |_| Array::scalar(false)),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ZeroNansState<P>,
        _: Option<&P>,
    ) -> (P, ZeroNansState<P>) {
        check_state_structure("zero_nans", updates, &state.found_nan);
        let found_nan = tree::map(updates, |p| jnp::any(&jnp::isnan(p), ()));
        let updates = tree::map(updates, |p| {
            jnp::where_(&jnp::isnan(p), &jnp::zeros_like(p), p)
        });
        (updates, ZeroNansState { found_nan })
    }
}

/// Keeps the parameters non-negative ([`keep_params_nonnegative`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeepParamsNonnegative;

/// Where an update would take a parameter below zero, replaces it by `-param`, so the
/// parameter lands on 0 (`optax.keep_params_nonnegative`). Needs the parameters; no state.
pub fn keep_params_nonnegative() -> KeepParamsNonnegative {
    KeepParamsNonnegative
}

impl GradientTransformation for KeepParamsNonnegative {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        params: Option<&P>,
    ) -> (P, EmptyState) {
        let params = require_params("keep_params_nonnegative", updates, params);
        let updates = zip_map(params, updates, |_, p, u| {
            if p.is_filtered_out() || u.is_filtered_out() {
                u.clone()
            } else {
                let below = jnp::less(&(p + u), &Array::weak_scalar(0.0));
                jnp::where_(&below, &-p, u)
            }
        });
        (updates, *state)
    }
}
