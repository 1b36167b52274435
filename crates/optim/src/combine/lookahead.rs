//! The lookahead optimiser (`optax.lookahead`).

use equinox_core::tree::PyTree;
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_same_tree, zip_map, GradientTransformation};
use crate::combine::select::select_tree;
use crate::numerics::zero_count;

/// Lookahead's parameters (`optax.LookaheadParams`): the fast ones the inner optimiser moves
/// and the slow ones pulled towards them every `sync_period` steps.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct LookaheadParams<P> {
    /// The fast parameters (the gradients are taken at these).
    pub fast: P,
    /// The slow parameters (the ones to evaluate).
    pub slow: P,
}

impl<P: PyTree + Clone> LookaheadParams<P> {
    /// Fast and slow parameters both equal to `params` (`LookaheadParams.init_synced`).
    pub fn init_synced(params: &P) -> LookaheadParams<P> {
        LookaheadParams {
            fast: params.clone(),
            slow: params.clone(),
        }
    }
}

/// The state of [`Lookahead`] (`optax.LookaheadState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct LookaheadState<S> {
    /// The fast optimiser's state.
    pub fast_state: S,
    /// Steps since the last synchronisation (`int32`).
    pub steps_since_sync: Array,
}

/// The lookahead optimiser ([`lookahead`]).
#[derive(Clone, Debug)]
pub struct Lookahead<T> {
    /// The optimiser of the fast parameters.
    pub fast_optimizer: T,
    /// Steps between synchronisations.
    pub sync_period: usize,
    /// How far the slow parameters move towards the fast ones at a synchronisation.
    pub slow_step_size: f64,
    /// Whether the fast optimiser's state restarts at each synchronisation.
    pub reset_state: bool,
}

/// The options of [`lookahead_with_options`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookaheadOptions {
    /// Restart the fast optimiser's state at each synchronisation (false).
    pub reset_state: bool,
}

/// Lookahead (`optax.lookahead`, Zhang et al. 2019): `fast_optimizer` moves the fast
/// parameters; every `sync_period` steps the slow parameters move `slow_step_size` of the way
/// to the fast ones and the fast ones are reset to them.
///
/// Its parameters are [`LookaheadParams`] while the gradients are those of the fast
/// parameters, so it has its own `init`/`update` instead of being a
/// [`GradientTransformation`]:
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, LookaheadParams};
/// let opt = optim::lookahead(optim::sgd(0.5), 2, 0.5);
/// let mut params = LookaheadParams::init_synced(&vec![jnp::ones([1])]);
/// let mut state = opt.init(&params);
/// for _ in 0..2 {
///     let grads = vec![jnp::ones([1])];
///     let (updates, s) = opt.update(&grads, &state, &params);
///     params = optim::apply_updates(&params, &updates);
///     state = s;
/// }
/// // The fast parameters went 1 -> 0.5 -> 0; the slow ones moved half way, to 0.5.
/// assert_eq!(params.slow[0].to_vec::<f32>(), vec![0.5]);
/// assert_eq!(params.fast[0].to_vec::<f32>(), vec![0.5]);
/// ```
///
/// # Panics
/// If `sync_period` is 0 (Optax's message).
#[track_caller]
pub fn lookahead<T: GradientTransformation>(
    fast_optimizer: T,
    sync_period: usize,
    slow_step_size: f64,
) -> Lookahead<T> {
    lookahead_with_options(
        fast_optimizer,
        sync_period,
        slow_step_size,
        LookaheadOptions::default(),
    )
}

/// [`lookahead`] with options (Optax's `reset_state`).
#[track_caller]
pub fn lookahead_with_options<T: GradientTransformation>(
    fast_optimizer: T,
    sync_period: usize,
    slow_step_size: f64,
    options: LookaheadOptions,
) -> Lookahead<T> {
    if sync_period < 1 {
        panic!("Synchronization period must be >= 1.");
    }
    Lookahead {
        fast_optimizer,
        sync_period,
        slow_step_size,
        reset_state: options.reset_state,
    }
}

impl<T: GradientTransformation> Lookahead<T> {
    /// The initial state, for the fast parameters.
    pub fn init<P: PyTree>(&self, params: &LookaheadParams<P>) -> LookaheadState<T::State<P>> {
        LookaheadState {
            fast_state: self.fast_optimizer.init(&params.fast),
            steps_since_sync: zero_count(),
        }
    }

    /// The updates of both fast and slow parameters, for the gradients `updates` of the fast
    /// ones; apply them with [`apply_updates`](crate::apply_updates).
    ///
    /// # Panics
    /// If the trees differ in structure or shapes (the message names both).
    #[track_caller]
    pub fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &LookaheadState<T::State<P>>,
        params: &LookaheadParams<P>,
    ) -> (LookaheadParams<P>, LookaheadState<T::State<P>>) {
        check_same_tree(
            "lookahead",
            "the updates",
            updates,
            "the fast parameters",
            &params.fast,
        );
        check_same_tree(
            "lookahead",
            "the fast parameters",
            &params.fast,
            "the slow parameters",
            &params.slow,
        );
        let (updates, fast_state) =
            self.fast_optimizer
                .update(updates, &state.fast_state, Some(&params.fast));
        let sync_next = jnp::equal(
            &state.steps_since_sync,
            &Array::weak_scalar(self.sync_period as i64 - 1),
        );
        let updates = self.lookahead_update(&updates, &sync_next, params);
        let fast_state = if self.reset_state {
            let initial = self.fast_optimizer.init(&params.fast);
            select_tree(&sync_next, &initial, &fast_state)
        } else {
            fast_state
        };
        let steps_since_sync = jnp::remainder(
            &(&state.steps_since_sync + 1),
            &Array::weak_scalar(self.sync_period as i64),
        );
        (
            updates,
            LookaheadState {
                fast_state,
                steps_since_sync,
            },
        )
    }

    /// Optax's `_lookahead_update`.
    fn lookahead_update<P: PyTree>(
        &self,
        updates: &P,
        sync_next: &Array,
        params: &LookaheadParams<P>,
    ) -> LookaheadParams<P> {
        let last_difference = zip_map(&params.fast, updates, |_, f, u| {
            if f.is_filtered_out() || u.is_filtered_out() {
                u.clone()
            } else {
                f + u
            }
        });
        let last_difference = zip_map(&last_difference, &params.slow, |_, d, s| {
            if d.is_filtered_out() || s.is_filtered_out() {
                d.clone()
            } else {
                d - s
            }
        });
        let sync = sync_next.astype(DType::F32);
        let slow = zip_map(&last_difference, &last_difference, |_, d, _| {
            if d.is_filtered_out() {
                d.clone()
            } else {
                self.slow_step_size * &sync * d
            }
        });
        let fast = zip_map(updates, &last_difference, |_, u, d| {
            if u.is_filtered_out() || d.is_filtered_out() {
                u.clone()
            } else {
                u - &sync * (1.0 - self.slow_step_size) * d
            }
        });
        LookaheadParams { fast, slow }
    }
}
