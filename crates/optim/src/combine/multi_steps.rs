//! Gradient accumulation (`optax.MultiSteps`).

use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::combine::select::select_tree;
use crate::combine::skip::{NoSkip, ShouldSkipUpdate};
use crate::numerics::{cast_like, safe_increment, zero_count, zeros_like};
use crate::schedule::DynSchedule;

/// The state of [`MultiSteps`] (`optax.MultiStepsState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct MultiStepsState<S, P, K> {
    /// Gradients accumulated since the last update (`int32`).
    pub mini_step: Array,
    /// Updates applied so far (`int32`).
    pub gradient_step: Array,
    /// The inner optimiser's state.
    pub inner_opt_state: S,
    /// The accumulated gradients (their mean or sum).
    pub acc_grads: P,
    /// The record of the last skip decision.
    pub skip_state: K,
}

/// How many gradients to accumulate per update: a constant or a function of the number of
/// updates so far (Optax's `every_k_schedule`).
#[derive(Clone)]
pub enum EveryKSchedule {
    /// Every `k` gradients.
    Constant(usize),
    /// `k` as a function of the gradient step (an `int32` scalar) giving an integer scalar.
    Schedule(DynSchedule),
}

impl EveryKSchedule {
    /// `k` given by `f(gradient_step)`.
    pub fn schedule(f: impl Fn(&Array) -> Array + Send + Sync + 'static) -> EveryKSchedule {
        EveryKSchedule::Schedule(Arc::new(f))
    }

    fn k(&self, gradient_step: &Array) -> Array {
        match self {
            EveryKSchedule::Constant(k) => Array::weak_scalar(*k as i64),
            EveryKSchedule::Schedule(f) => f(gradient_step),
        }
    }
}

impl From<usize> for EveryKSchedule {
    fn from(k: usize) -> EveryKSchedule {
        EveryKSchedule::Constant(k)
    }
}

impl fmt::Debug for EveryKSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EveryKSchedule::Constant(k) => write!(f, "Constant({k})"),
            EveryKSchedule::Schedule(_) => f.write_str("Schedule(..)"),
        }
    }
}

/// The options of [`MultiSteps::with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct MultiStepsOptions<K = NoSkip> {
    /// Accumulate the mean of the gradients (true) or their sum.
    pub use_grad_mean: bool,
    /// Which gradients to ignore (default: none).
    pub should_skip_update_fn: K,
    /// The dtype of the accumulator (`float32`).
    pub accumulator_dtype: DType,
}

impl Default for MultiStepsOptions {
    fn default() -> Self {
        MultiStepsOptions {
            use_grad_mean: true,
            should_skip_update_fn: NoSkip,
            accumulator_dtype: DType::F32,
        }
    }
}

/// Gradient accumulation (`optax.MultiSteps`): accumulates `k` gradients, then applies the
/// inner optimiser once to their mean (or sum), returning zero updates in between.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation, MultiSteps};
/// let opt = MultiSteps::new(optim::sgd(1.0), 2);
/// let p = vec![jnp::zeros([1])];
/// let s = opt.init(&p);
/// let (u, s) = opt.update(&vec![jnp::ones([1])], &s, None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![0.0]);
/// assert!(!opt.has_updated(&s).item::<bool>());
/// let (u, s) = opt.update(&vec![jnp::full([1], 3.0f32)], &s, None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![-2.0]); // minus the mean
/// assert!(opt.has_updated(&s).item::<bool>());
/// ```
#[derive(Clone, Debug)]
pub struct MultiSteps<T, K = NoSkip> {
    opt: T,
    every_k_schedule: EveryKSchedule,
    options: MultiStepsOptions<K>,
}

impl<T: GradientTransformation> MultiSteps<T> {
    /// Accumulates `every_k_schedule` gradients per update of `opt`, with Optax's defaults
    /// (the mean, no skipping, a `float32` accumulator).
    ///
    /// # Panics
    /// If `every_k_schedule` is 0: no update would ever be applied.
    #[track_caller]
    pub fn new(opt: T, every_k_schedule: usize) -> MultiSteps<T> {
        MultiSteps::with_options(opt, every_k_schedule, MultiStepsOptions::default())
    }
}

impl<T: GradientTransformation, K: ShouldSkipUpdate> MultiSteps<T, K> {
    /// [`MultiSteps::new`] with a schedule for `k` or other options.
    ///
    /// # Panics
    /// If `every_k_schedule` is the constant 0.
    #[track_caller]
    pub fn with_options(
        opt: T,
        every_k_schedule: impl Into<EveryKSchedule>,
        options: MultiStepsOptions<K>,
    ) -> MultiSteps<T, K> {
        let every_k_schedule = every_k_schedule.into();
        if let EveryKSchedule::Constant(0) = every_k_schedule {
            panic!(
                "MultiSteps: every_k_schedule must be at least 1, got 0 (accumulating 0 \
                 gradients per update would never update)"
            );
        }
        MultiSteps {
            opt,
            every_k_schedule,
            options,
        }
    }

    /// The inner optimiser (`MultiSteps.inner_opt`).
    pub fn inner_opt(&self) -> &T {
        &self.opt
    }

    /// Whether the last `update` applied the inner optimiser (`MultiSteps.has_updated`): a
    /// `bool` scalar.
    pub fn has_updated<S, P, Q>(&self, state: &MultiStepsState<S, P, Q>) -> Array {
        jnp::logical_and(
            &jnp::equal(&state.mini_step, &Array::weak_scalar(0i32)),
            &jnp::greater(&state.gradient_step, &Array::weak_scalar(0i32)),
        )
    }
}

impl<T: GradientTransformation, K: ShouldSkipUpdate> GradientTransformation for MultiSteps<T, K> {
    type State<P: PyTree> = MultiStepsState<T::State<P>, P, K::State>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        let gradient_step = zero_count();
        let (_, skip_state) = self.options.should_skip_update_fn.should_skip(
            &zeros_like(params, None),
            &gradient_step,
            Some(params),
        );
        MultiStepsState {
            mini_step: zero_count(),
            gradient_step,
            inner_opt_state: self.opt.init(params),
            acc_grads: zeros_like(params, Some(self.options.accumulator_dtype)),
            skip_state,
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        check_state_tree("MultiSteps", updates, &state.acc_grads);
        let k_steps = self.every_k_schedule.k(&state.gradient_step);
        let (should_skip, skip_state) =
            self.options
                .should_skip_update_fn
                .should_skip(updates, &state.gradient_step, params);
        if should_skip.dtype() != DType::Bool || should_skip.ndim() != 0 {
            panic!(
                "The `should_skip_update_fn` function should return a boolean scalar array, \
                 but it returned an array of dtype {} and shape {:?}",
                should_skip.dtype(),
                should_skip.shape()
            );
        }
        let n_acc = &state.mini_step;
        let acc_grads = tree::map2(updates, &state.acc_grads, |g, acc| {
            if self.options.use_grad_mean {
                acc + (g - acc) / (n_acc + 1)
            } else {
                g + acc
            }
        });
        let (final_updates, new_inner) = self.opt.update(
            &cast_like(&acc_grads, updates),
            &state.inner_opt_state,
            params,
        );
        let emit = jnp::equal(&state.mini_step, &(&k_steps - 1));
        let keep = 1 - emit.astype(DType::I32);
        let done = MultiStepsState {
            mini_step: jnp::remainder(&safe_increment(&state.mini_step), &k_steps),
            gradient_step: jnp::where_(
                &emit,
                &safe_increment(&state.gradient_step),
                &state.gradient_step,
            ),
            inner_opt_state: select_tree(&emit, &new_inner, &state.inner_opt_state),
            acc_grads: tree::map(&acc_grads, |ga| {
                (&keep * ga).astype(self.options.accumulator_dtype)
            }),
            skip_state: (),
        };
        let final_updates = tree::map(&final_updates, |ga| ga * emit.astype(ga.dtype()));
        let updates = select_tree(
            &should_skip,
            &zeros_like(&final_updates, None),
            &final_updates,
        );
        let state = MultiStepsState {
            mini_step: jnp::where_(&should_skip, &state.mini_step, &done.mini_step),
            gradient_step: jnp::where_(&should_skip, &state.gradient_step, &done.gradient_step),
            inner_opt_state: select_tree(
                &should_skip,
                &state.inner_opt_state,
                &done.inner_opt_state,
            ),
            acc_grads: select_tree(&should_skip, &state.acc_grads, &done.acc_grads),
            skip_state,
        };
        (updates, state)
    }
}
