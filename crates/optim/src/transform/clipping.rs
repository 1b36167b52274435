//! Clipping (`optax.clip`, `clip_by_global_norm`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};

use crate::base::{EmptyState, GradientTransformation};

/// Clips every update element to `[-max_delta, max_delta]` ([`clip`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    /// The bound.
    pub max_delta: f64,
}

/// Clips every update element to `[-max_delta, max_delta]` (`optax.clip`). No state.
pub fn clip(max_delta: f64) -> Clip {
    Clip { max_delta }
}

impl GradientTransformation for Clip {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let lo = Array::weak_scalar(-self.max_delta);
        let hi = Array::weak_scalar(self.max_delta);
        (
            tree::map(updates, |g| jnp::clip(g, Some(&lo), Some(&hi))),
            *state,
        )
    }
}

/// Rescales the updates to global norm `max_norm` when theirs is larger
/// ([`clip_by_global_norm`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipByGlobalNorm {
    /// The largest global norm let through.
    pub max_norm: f64,
}

/// Where the [`global_norm`](crate::global_norm) of the updates is at least `max_norm`,
/// scales them all by `max_norm / norm` (`optax.clip_by_global_norm`). No state.
pub fn clip_by_global_norm(max_norm: f64) -> ClipByGlobalNorm {
    ClipByGlobalNorm { max_norm }
}

impl GradientTransformation for ClipByGlobalNorm {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let g_norm = crate::numerics::global_norm(updates);
        let trigger = jnp::less(&g_norm, &Array::weak_scalar(self.max_norm));
        let updates = tree::map(updates, |t| {
            let clipped = (t / g_norm.astype(t.dtype())) * self.max_norm;
            jnp::where_(&trigger, t, &clipped)
        });
        (updates, *state)
    }
}
