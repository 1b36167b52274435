//! Optax in Rust: gradient transformations, optimisers and schedules with Optax 0.2.8's
//! formulas, so the same parameters and gradients give the same updates (float32 results
//! agree with Optax's to about an ulp; `parity/optim.py` holds the proof).
//!
//! Users reach it as `equinox::optim`. The pieces:
//! - [`GradientTransformation`]: Optax's `init`/`update` pair as a trait whose state is a
//!   typed PyTree (so a step can `filter_jit` with the state as an argument, and it serialises
//!   with `tree_serialise_leaves`, leaves in Optax's order);
//! - composition: [`chain`] (tuples of transformations), `Option<T>` (Optax's `identity()`
//!   alternative), [`Either`], [`masked`];
//! - blocks: [`scale`], [`scale_by_learning_rate`], [`scale_by_schedule`], [`trace`],
//!   [`scale_by_adam`], [`scale_by_rms`], [`scale_by_stddev`], [`scale_by_rss`],
//!   [`scale_by_lion`], [`add_decayed_weights`], [`clip`], [`clip_by_global_norm`];
//! - optimisers: [`sgd`], [`adam`], [`adamw`], [`rmsprop`], [`adagrad`], [`lion`], each with
//!   a `*_with_options` form;
//! - schedules ([`Schedule`]; learning rates are [`ScalarOrSchedule`]):
//!   [`constant_schedule`], [`linear_schedule`], [`polynomial_schedule`],
//!   [`exponential_decay`], [`cosine_decay_schedule`], [`warmup_cosine_decay_schedule`],
//!   [`warmup_constant_schedule`], [`warmup_exponential_decay_schedule`],
//!   [`piecewise_constant_schedule`], [`piecewise_interpolate_schedule`],
//!   [`linear_onecycle_schedule`], [`cosine_onecycle_schedule`], [`sgdr_schedule`],
//!   [`join_schedules`];
//! - [`apply_updates`], [`global_norm`], [`safe_increment`].
//!
//! A training loop (Optax's: init, then per step gradients, update, apply):
//!
//! ```
//! use equinox_core::{numpy as jnp, transforms::grad, Array};
//! use equinox_optim::{self as optim, GradientTransformation};
//!
//! let x = Array::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4]);
//! let y = &x * 2.0 + 1.0;
//! // params = (slope, intercept, a label that is static structure)
//! let loss = |p: &(Array, Array, &str), x: &Array, y: &Array| {
//!     (&p.0 * x + &p.1 - y).square().mean(())
//! };
//! let mut params = (jnp::zeros([]), jnp::zeros([]), "line");
//! let opt = optim::chain((optim::clip_by_global_norm(10.0), optim::adam(0.1)));
//! let mut state = opt.init(&params);
//! for _ in 0..300 {
//!     let grads = grad(loss)(&params, &x, &y);
//!     let (updates, new_state) = opt.update(&grads, &state, Some(&params));
//!     params = optim::apply_updates(&params, &updates);
//!     state = new_state;
//! }
//! assert!((params.0.item::<f32>() - 2.0).abs() < 1e-2);
//! assert!((params.1.item::<f32>() - 1.0).abs() < 3e-2);
//! ```

mod alias;
mod base;
pub mod contrib;
mod numerics;
mod schedule;
mod transform;

pub use alias::{
    adagrad, adagrad_with_options, adam, adam_with_options, adamw, adamw_with_options, lion,
    lion_with_options, rmsprop, rmsprop_with_options, sgd, sgd_with_options, Adagrad,
    AdagradOptions, Adam, AdamOptions, AdamW, AdamWOptions, Lion, LionOptions, RmsProp,
    RmsPropOptions, ScaleByLearningRate, Sgd, SgdOptions,
};
pub use base::{
    apply_updates, chain, identity, Either, EitherState, EmptyState, GradientTransformation,
    Identity,
};
pub use numerics::{global_norm, safe_increment};
pub use schedule::{
    constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule,
    cosine_onecycle_schedule_with_options, exponential_decay, exponential_decay_with_options,
    join_schedules, linear_onecycle_schedule, linear_onecycle_schedule_with_options,
    linear_schedule, piecewise_constant_schedule, piecewise_interpolate_schedule,
    polynomial_schedule, sgdr_schedule, warmup_constant_schedule, warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule, warmup_exponential_decay_schedule_with_options,
    CosineOnecycleOptions, DynSchedule, ExponentialDecayOptions, LinearOnecycleOptions,
    ScalarOrSchedule, Schedule, SgdrCycle, Signed,
};
pub use transform::{
    add_decayed_weights, add_decayed_weights_masked, clip, clip_by_global_norm, masked, scale,
    scale_by_adam, scale_by_adam_with_options, scale_by_learning_rate,
    scale_by_learning_rate_with_sign, scale_by_lion, scale_by_rms, scale_by_rms_with_options,
    scale_by_rss, scale_by_schedule, scale_by_stddev, scale_by_stddev_with_options, trace,
    AddDecayedWeights, Clip, ClipByGlobalNorm, Mask, Masked, MaskedState, Scale, ScaleByAdam,
    ScaleByAdamOptions, ScaleByAdamState, ScaleByLion, ScaleByLionState, ScaleByRms,
    ScaleByRmsOptions, ScaleByRmsState, ScaleByRss, ScaleByRssState, ScaleBySchedule,
    ScaleByScheduleState, ScaleByStddev, Trace, TraceState, WeightDecay, WeightDecayScheduleState,
};
