//! Sharpness-aware minimisation (`optax.contrib.sam`, `normalize`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use super::hyper::div_by_broadcast;
use crate::base::{apply_updates, EmptyState, GradientTransformation};
use crate::numerics::global_norm;

/// Divides the updates by their global norm ([`normalize`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Normalize;

/// Scales the updates to unit global norm, `g / ||g||` (`optax.contrib.normalize`), SAM's
/// usual adversarial direction. No state.
pub fn normalize() -> Normalize {
    Normalize
}

impl GradientTransformation for Normalize {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let norm = global_norm(updates);
        (tree::map(updates, |g| div_by_broadcast(g, &norm)), *state)
    }
}

/// The state of [`Sam`] (`optax.contrib.SAMState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct SamState<S, A, P> {
    /// Steps since the last outer step (`int32` scalar, modulo `sync_period`).
    pub steps_since_sync: Array,
    /// The outer optimiser's state.
    pub opt_state: S,
    /// The adversarial optimiser's state.
    pub adv_state: A,
    /// The parameters at the last outer step (`None` in opaque mode).
    pub cache: Option<P>,
}

/// The options of [`sam_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamOptions {
    /// Steps per cycle: `sync_period - 1` adversarial steps, then one outer step (2).
    pub sync_period: usize,
    /// Reset the adversarial optimiser's state after each outer step (true).
    pub reset_state: bool,
    /// Run the adversarial steps inside one `update` ([`Sam::update_opaque`], which takes the
    /// gradient function) rather than one per call (false).
    pub opaque_mode: bool,
}

impl Default for SamOptions {
    fn default() -> Self {
        SamOptions {
            sync_period: 2,
            reset_state: true,
            opaque_mode: false,
        }
    }
}

/// Sharpness-aware minimisation ([`sam`]).
#[derive(Clone, Debug)]
pub struct Sam<O, A> {
    /// The outer optimiser.
    pub optimizer: O,
    /// The adversarial optimiser (its updates are negated: it ascends).
    pub adv_optimizer: A,
    /// The options.
    pub options: SamOptions,
}

/// Sharpness-aware minimisation (`optax.contrib.sam` with its defaults: `sync_period = 2`,
/// state reset, transparent mode). Each cycle takes `sync_period - 1` adversarial (ascent)
/// steps with `adv_optimizer`, then one step of `optimizer` from the cached parameters with
/// the gradient at the adversarial point. In the default transparent mode every call to
/// `update` is one of these steps, so the caller just keeps computing gradients at the
/// current parameters. Needs the parameters in `update`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, contrib, GradientTransformation};
/// let opt = contrib::sam(optim::sgd(0.1), optim::chain((contrib::normalize(), optim::sgd(0.05))));
/// let mut params = vec![jnp::ones([2])];
/// let mut state = opt.init(&params);
/// for _ in 0..4 {
///     let grads = vec![&params[0] * 2.0];
///     let (u, s) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &u);
///     state = s;
/// }
/// assert_eq!(state.steps_since_sync.item::<i32>(), 0);
/// ```
pub fn sam<O: GradientTransformation, A: GradientTransformation>(
    optimizer: O,
    adv_optimizer: A,
) -> Sam<O, A> {
    sam_with_options(optimizer, adv_optimizer, SamOptions::default())
}

/// [`sam`] with options (`optax.contrib.sam`; Optax's `batch_axis_name` has no counterpart).
///
/// # Panics
/// If `sync_period` is 0 (Optax's message).
#[track_caller]
pub fn sam_with_options<O: GradientTransformation, A: GradientTransformation>(
    optimizer: O,
    adv_optimizer: A,
    options: SamOptions,
) -> Sam<O, A> {
    assert!(
        options.sync_period >= 1,
        "Synchronization period must be >= 1."
    );
    Sam {
        optimizer,
        adv_optimizer,
        options,
    }
}

/// `cond * if_true + (1 - cond) * if_false` per leaf, as Optax picks between trees (so NaNs
/// and infinities in either propagate as they do there).
fn pick_one<T: PyTree>(cond: &Array, if_true: &T, if_false: &T) -> T {
    tree::map2(if_true, if_false, |t, f| {
        let c = cond.astype(t.dtype());
        let not_c = (1 - cond.astype(DType::I32)).astype(t.dtype());
        &c * t + &not_c * f
    })
}

impl<O: GradientTransformation, A: GradientTransformation> Sam<O, A> {
    /// One whole cycle in one call (Optax's opaque mode, `update(..., grad_fn=grad_fn)`):
    /// `sync_period - 1` adversarial steps from `params`, `grad_fn(adv_params, i)` giving the
    /// gradient at the `i`-th adversarial point, then the outer step from `params` with the
    /// last of them. `updates` are the gradients at `params`.
    ///
    /// # Panics
    /// If `params` is `None`.
    #[track_caller]
    pub fn update_opaque<P: PyTree>(
        &self,
        updates: &P,
        state: &<Self as GradientTransformation>::State<P>,
        params: Option<&P>,
        mut grad_fn: impl FnMut(&P, usize) -> P,
    ) -> (P, <Self as GradientTransformation>::State<P>) {
        let params = params.unwrap_or_else(|| panic!("sam: the opaque mode needs `params`"));
        let mut adv_params = tree::map(params, Array::clone);
        let mut adv_updates = tree::map(updates, Array::clone);
        let mut adv_state = tree::map(&state.adv_state, Array::clone);
        for i in 0..self.options.sync_period - 1 {
            let (u, s) = self
                .adv_optimizer
                .update(&adv_updates, &adv_state, Some(&adv_params));
            adv_state = s;
            let ascent = tree::map(&u, |x| -x);
            adv_params = apply_updates(&adv_params, &ascent);
            adv_updates = grad_fn(&adv_params, i);
        }
        if self.options.reset_state {
            adv_state = self.adv_optimizer.init(params);
        }
        let (updates, opt_state) =
            self.optimizer
                .update(&adv_updates, &state.opt_state, Some(params));
        (
            updates,
            SamState {
                steps_since_sync: jnp::zeros_dtype((), DType::I32),
                opt_state,
                adv_state,
                cache: None,
            },
        )
    }
}

impl<O: GradientTransformation, A: GradientTransformation> GradientTransformation for Sam<O, A> {
    type State<P: PyTree> = SamState<O::State<P>, A::State<P>, P>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        SamState {
            steps_since_sync: jnp::zeros_dtype((), DType::I32),
            opt_state: self.optimizer.init(params),
            adv_state: self.adv_optimizer.init(params),
            cache: (!self.options.opaque_mode).then(|| tree::map(params, Array::clone)),
        }
    }

    /// One step of the cycle (Optax's transparent mode).
    ///
    /// # Panics
    /// In opaque mode, which needs [`Sam::update_opaque`] (Optax's message), or if `params`
    /// is `None`.
    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        assert!(
            !self.options.opaque_mode,
            "grad_fn must be provided when opaque_mode=True."
        );
        let params = params.unwrap_or_else(|| panic!("sam: {}", crate::base::NO_PARAMS_MSG));
        let cache = state
            .cache
            .as_ref()
            .expect("sam: the state has no cached parameters: it was built in opaque mode");
        let period = self.options.sync_period as i32;
        let first_step = jnp::equal(&state.steps_since_sync, &Array::weak_scalar(0i32));
        let last_step = jnp::equal(&state.steps_since_sync, &Array::weak_scalar(period - 1));
        let (adv_updates, adv_state) =
            self.adv_optimizer
                .update(updates, &state.adv_state, Some(params));
        let adv_updates = tree::map(&adv_updates, |x| -x);
        let (opt_updates, opt_state) =
            self.optimizer
                .update(updates, &state.opt_state, Some(cache));
        let opt_updates = tree::map_n(&[cache, params, &opt_updates], |l| l[0] - l[1] + l[2]);
        let new_cache = pick_one(&first_step, params, cache);
        let updates = pick_one(&last_step, &opt_updates, &adv_updates);
        let adv_state = if self.options.reset_state {
            pick_one(&last_step, &self.adv_optimizer.init(params), &adv_state)
        } else {
            pick_one(&last_step, &state.adv_state, &adv_state)
        };
        let opt_state = pick_one(&last_step, &opt_state, &state.opt_state);
        let steps_since_sync =
            jnp::remainder(&(&state.steps_since_sync + 1), &Array::weak_scalar(period));
        (
            updates,
            SamState {
                steps_since_sync,
                opt_state,
                adv_state,
                cache: Some(new_cache),
            },
        )
    }
}
