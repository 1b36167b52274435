//! When [`MultiSteps`](crate::MultiSteps) skips a gradient (`optax.skip_not_finite`,
//! `optax.skip_large_updates`, Optax's `ShouldSkipUpdateFunction`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

/// Decides whether [`MultiSteps`](crate::MultiSteps) ignores a gradient (Optax's
/// `should_skip_update_fn`), and returns a state recording why (kept as the `skip_state`).
pub trait ShouldSkipUpdate {
    /// What is recorded in `MultiStepsState::skip_state`.
    type State: PyTree;

    /// A `bool` scalar (skip or not) and the record, for `updates` at the gradient step
    /// `gradient_step`.
    fn should_skip<P: PyTree>(
        &self,
        updates: &P,
        gradient_step: &Array,
        params: Option<&P>,
    ) -> (Array, Self::State);
}

/// Never skips (Optax's default, whose record `()` has no leaves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoSkip;

impl ShouldSkipUpdate for NoSkip {
    type State = ();

    fn should_skip<P: PyTree>(&self, _: &P, _: &Array, _: Option<&P>) -> (Array, ()) {
        (Array::scalar(false), ())
    }
}

/// The record of [`skip_not_finite`]: Optax's dict, keys in its (sorted) order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct SkipNotFiniteState {
    /// How many elements were not finite (`int32`).
    pub num_not_finite: Array,
    /// Whether the gradient was skipped (`bool`).
    pub should_skip: Array,
}

/// Skips gradients with any non-finite element ([`skip_not_finite`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SkipNotFinite;

/// Skips a gradient with any NaN or infinite element (`optax.skip_not_finite`).
pub fn skip_not_finite() -> SkipNotFinite {
    SkipNotFinite
}

impl ShouldSkipUpdate for SkipNotFinite {
    type State = SkipNotFiniteState;

    fn should_skip<P: PyTree>(
        &self,
        updates: &P,
        _: &Array,
        _: Option<&P>,
    ) -> (Array, SkipNotFiniteState) {
        let counts: Vec<Array> = tree::leaves(updates)
            .into_iter()
            .map(|p| jnp::sum(&jnp::logical_not(&jnp::isfinite(p)), ()))
            .collect();
        let refs: Vec<&Array> = counts.iter().collect();
        let num_not_finite = jnp::sum(&jnp::stack(&refs, 0), ());
        let should_skip = jnp::greater(&num_not_finite, &Array::weak_scalar(0i32));
        (
            should_skip.clone(),
            SkipNotFiniteState {
                num_not_finite,
                should_skip,
            },
        )
    }
}

/// The record of [`skip_large_updates`]: Optax's dict, keys in its (sorted) order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct SkipLargeUpdatesState {
    /// The squared norm of the gradient.
    pub norm_squared: Array,
    /// Whether the gradient was skipped (`bool`).
    pub should_skip: Array,
}

/// Skips gradients of large norm ([`skip_large_updates`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SkipLargeUpdates {
    /// The squared norm from which a gradient is skipped.
    pub max_squared_norm: f64,
}

/// Skips a gradient whose squared global norm is not below `max_squared_norm`
/// (`optax.skip_large_updates`).
pub fn skip_large_updates(max_squared_norm: f64) -> SkipLargeUpdates {
    SkipLargeUpdates { max_squared_norm }
}

impl ShouldSkipUpdate for SkipLargeUpdates {
    type State = SkipLargeUpdatesState;

    fn should_skip<P: PyTree>(
        &self,
        updates: &P,
        _: &Array,
        _: Option<&P>,
    ) -> (Array, SkipLargeUpdatesState) {
        let sums: Vec<Array> = tree::leaves(updates)
            .into_iter()
            .map(|p| jnp::sum(&jnp::integer_pow(p, 2), ()))
            .collect();
        let refs: Vec<&Array> = sums.iter().collect();
        let norm_squared = jnp::sum(&jnp::stack(&refs, 0), ());
        let should_skip = jnp::logical_not(&jnp::less(
            &norm_squared,
            &Array::weak_scalar(self.max_squared_norm),
        ));
        (
            should_skip.clone(),
            SkipLargeUpdatesState {
                norm_squared,
                should_skip,
            },
        )
    }
}
