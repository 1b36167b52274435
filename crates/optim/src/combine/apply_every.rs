//! Accumulating updates and emitting them every k steps (`optax.apply_every`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{safe_increment, zero_count, zeros_like};

/// The state of [`ApplyEvery`] (`optax.ApplyEvery`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ApplyEveryState<P> {
    /// Steps since the last emission (`int32`, modulo `k`).
    pub count: Array,
    /// The updates accumulated since then.
    pub grad_acc: P,
}

/// Sums updates and emits the sum every `k` steps ([`apply_every`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApplyEvery {
    /// The period.
    pub k: usize,
}

/// Accumulates the updates and emits their sum every `k`-th step, zeros otherwise
/// (`optax.apply_every`, default `k = 1`: [`apply_every_default`]). Unlike
/// [`MultiSteps`](crate::MultiSteps), the transformations chained around it still step
/// every time.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{apply_every, GradientTransformation};
/// let t = apply_every(2);
/// let g = vec![jnp::ones([1])];
/// let (u, s) = t.update(&g, &t.init(&g), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![0.0]);
/// let (u, _) = t.update(&g, &s, None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![2.0]);
/// ```
///
/// # Panics
/// If `k` is 0.
#[track_caller]
pub fn apply_every(k: usize) -> ApplyEvery {
    if k == 0 {
        panic!("apply_every: k must be at least 1, got 0 (a period of 0 steps never emits)");
    }
    ApplyEvery { k }
}

/// [`apply_every`] with Optax's default `k = 1` (every update passes through).
pub fn apply_every_default() -> ApplyEvery {
    apply_every(1)
}

impl GradientTransformation for ApplyEvery {
    type State<P: PyTree> = ApplyEveryState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ApplyEveryState<P> {
        ApplyEveryState {
            count: zero_count(),
            grad_acc: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ApplyEveryState<P>,
        _: Option<&P>,
    ) -> (P, ApplyEveryState<P>) {
        check_state_tree("apply_every", updates, &state.grad_acc);
        let k = Array::weak_scalar(self.k as i64);
        let c = jnp::remainder(&state.count, &k);
        let acc = jnp::not_equal(&c, &Array::weak_scalar(0i32));
        let grad_acc = tree::map2(updates, &state.grad_acc, |g, ga| {
            acc.astype(ga.dtype()) * ga + g
        });
        let emit = jnp::equal(&c, &Array::weak_scalar(self.k as i64 - 1));
        let updates = tree::map(&grad_acc, |ga| emit.astype(ga.dtype()) * ga);
        let count = jnp::remainder(&safe_increment(&state.count), &k);
        (updates, ApplyEveryState { count, grad_acc })
    }
}
