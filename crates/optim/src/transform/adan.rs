//! Adan's rescaling (`optax.scale_by_adan`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, safe_increment, update_moment, update_moment_per_elem_norm, zero_count,
    zeros_like,
};

/// The state of [`ScaleByAdan`] (`optax.ScaleByAdanState`), leaves in Optax's order (the
/// count last).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAdanState<P> {
    /// The first moment of the gradients.
    pub m: P,
    /// The first moment of the gradient differences.
    pub v: P,
    /// The second moment of the extrapolated gradients.
    pub n: P,
    /// The previous gradients.
    pub g: P,
    /// Steps taken so far (`int32` scalar, saturating).
    pub t: Array,
}

/// Adan's rescaling ([`scale_by_adan`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdan {
    /// Decay of the gradients' first moment (0.98).
    pub b1: f64,
    /// Decay of the gradient differences' moment (0.92).
    pub b2: f64,
    /// Decay of the second moment (0.99).
    pub b3: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
}

impl Default for ScaleByAdan {
    fn default() -> Self {
        ScaleByAdan {
            b1: 0.98,
            b2: 0.92,
            b3: 0.99,
            eps: 1e-8,
            eps_root: 0.0,
        }
    }
}

/// Adaptive Nesterov momentum: moments of the gradients, of their differences and of the
/// extrapolated gradients (`optax.scale_by_adan` with its defaults; build [`ScaleByAdan`]
/// for others).
pub fn scale_by_adan() -> ScaleByAdan {
    ScaleByAdan::default()
}

impl GradientTransformation for ScaleByAdan {
    type State<P: PyTree> = ScaleByAdanState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdanState<P> {
        ScaleByAdanState {
            m: zeros_like(params, None),
            v: zeros_like(params, None),
            n: zeros_like(params, None),
            g: zeros_like(params, None),
            t: zero_count(),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdanState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdanState<P>) {
        check_state_tree("scale_by_adan", updates, &state.g);
        let ScaleByAdan {
            b1,
            b2,
            b3,
            eps,
            eps_root,
        } = *self;
        let first = jnp::equal(&state.t, &Array::weak_scalar(0i32));
        let diff = tree::map2(updates, &state.g, |g, prev| {
            jnp::where_(&first, &jnp::zeros_like(g), &(g - prev))
        });
        let m = update_moment(updates, &state.m, b1, 1);
        let v = update_moment(&diff, &state.v, b2, 1);
        let extrapolated = tree::map2(updates, &diff, |g, d| g + (1.0 - b2) * d);
        let n = update_moment_per_elem_norm(&extrapolated, &state.n, b3, 2);
        let t = safe_increment(&state.t);
        let m_hat = bias_correction(&m, b1, &t);
        let v_hat = bias_correction(&v, b2, &t);
        let n_hat = bias_correction(&n, b3, &t);
        let u = tree::map2(&m_hat, &v_hat, |m, v| m + (1.0 - b2) * v);
        let u = tree::map2(&u, &n_hat, |u, n| u / (jnp::sqrt(&(n + eps_root)) + eps));
        let g = tree::map(updates, Array::clone);
        (u, ScaleByAdanState { m, v, n, g, t })
    }
}
