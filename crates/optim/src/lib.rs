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
//!   [`ema`], [`scale_by_adam`], [`scale_by_adamax`], [`scale_by_amsgrad`],
//!   [`scale_by_radam`], [`scale_by_belief`], [`scale_by_yogi`], [`scale_by_adan`],
//!   [`scale_by_rms`], [`scale_by_stddev`], [`scale_by_rss`], [`scale_by_adadelta`],
//!   [`scale_by_factored_rms`], [`scale_by_sm3`], [`scale_by_novograd`], [`scale_by_lion`],
//!   [`scale_by_rprop`], [`scale_by_sign`], [`scale_by_trust_ratio`],
//!   [`scale_by_param_block_norm`], [`scale_by_param_block_rms`], [`scale_by_polyak`],
//!   [`scale_by_optimistic_gradient`], [`scale_by_distance_over_gradients`],
//!   [`add_decayed_weights`], [`add_noise`], [`centralize`], [`set_to_zero`], [`clip`],
//!   [`clip_by_global_norm`]; custom ones from functions: [`stateless`],
//!   [`stateless_with_tree_map`];
//! - optimisers: [`sgd`] (with momentum or Nesterov momentum), [`noisy_sgd`], [`sign_sgd`],
//!   [`polyak_sgd`], [`optimistic_gradient_descent`], [`rprop`], [`adam`], [`adamw`],
//!   [`nadam`], [`nadamw`], [`adamax`], [`adamaxw`], [`amsgrad`], [`radam`], [`adabelief`],
//!   [`yogi`], [`adan`], [`lion`], [`lamb`], [`lars`], [`fromage`], [`rmsprop`],
//!   [`adagrad`], [`adadelta`], [`adafactor`], [`sm3`], [`novograd`], [`lbfgs`] (with
//!   [`scale_by_lbfgs`] and [`scale_by_zoom_linesearch`]), each with a `*_with_options` form;
//! - schedules ([`Schedule`]; learning rates are [`ScalarOrSchedule`]):
//!   [`constant_schedule`], [`linear_schedule`], [`polynomial_schedule`],
//!   [`exponential_decay`], [`cosine_decay_schedule`], [`warmup_cosine_decay_schedule`],
//!   [`warmup_constant_schedule`], [`warmup_exponential_decay_schedule`],
//!   [`piecewise_constant_schedule`], [`piecewise_interpolate_schedule`],
//!   [`linear_onecycle_schedule`], [`cosine_onecycle_schedule`], [`sgdr_schedule`],
//!   [`join_schedules`];
//! - combinators: [`named_chain`], [`partition`] / [`multi_transform`] (leaves labelled by
//!   [`Labels`]), [`freeze`], [`selective_transform`], [`apply_if_finite`], [`MultiSteps`]
//!   (gradient accumulation, skipping with [`skip_not_finite`] / [`skip_large_updates`]),
//!   [`apply_every`], [`inject_hyperparams`] (hyperparameters as state leaves),
//!   [`lookahead`]; target updates [`incremental_update`], [`periodic_update`];
//! - clipping and constraints: [`clip_by_block_rms`], [`adaptive_grad_clip`] (with
//!   [`unitwise_norm`]), [`per_example_global_norm_clip`], [`per_example_layer_norm_clip`],
//!   [`zero_nans`], [`keep_params_nonnegative`];
//! - losses ([`losses`], Optax's `optax.losses`): regression, sigmoid, margin, softmax
//!   cross-entropy, KL, CTC, label smoothing and self-supervised losses;
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
#![forbid(unsafe_code)]

mod alias;
mod base;
mod combine;
pub mod contrib;
pub mod losses;
mod numerics;
mod schedule;
mod transform;

pub use alias::{
    adabelief, adabelief_with_options, adadelta, adadelta_with_options, adafactor,
    adafactor_with_options, adagrad, adagrad_with_options, adam, adam_with_options, adamax,
    adamax_with_options, adamaxw, adamaxw_with_options, adamw, adamw_with_options, adan,
    adan_with_options, amsgrad, amsgrad_with_options, fromage, fromage_with_options, lamb,
    lamb_with_options, lars, lars_with_options, lbfgs, lbfgs_with_options, lion, lion_with_options,
    nadam, nadam_with_options, nadamw, nadamw_with_options, noisy_sgd, noisy_sgd_with_options,
    novograd, novograd_with_options, optimistic_gradient_descent,
    optimistic_gradient_descent_with_options, polyak_sgd, polyak_sgd_with_options, radam,
    radam_with_options, rmsprop, rmsprop_with_options, rprop, rprop_with_options, sgd,
    sgd_with_options, sign_sgd, sm3, sm3_with_options, yogi, yogi_with_options, Adabelief,
    AdabeliefOptions, Adadelta, AdadeltaOptions, Adafactor, AdafactorOptions, Adagrad,
    AdagradOptions, Adam, AdamOptions, AdamW, AdamWOptions, Adamax, AdamaxOptions, AdamaxW,
    AdamaxWOptions, Adan, AdanOptions, Amsgrad, AmsgradOptions, BoxedSchedule, Decayed, Fromage,
    FromageLearningRate, FromageOptions, Lamb, LambOptions, Lars, LarsOptions, Lbfgs, LbfgsOptions,
    Lion, LionOptions, NoisySgd, NoisySgdOptions, Novograd, NovogradOptions,
    OptimisticGradientDescent, OptimisticGradientDescentOptions, PolyakSgd, PolyakSgdOptions,
    Radam, RadamOptions, RmsProp, RmsPropOptions, Rprop, RpropOptions, ScaleByLearningRate, Scaled,
    Sgd, SgdOptions, SignSgd, Sm3, Sm3Options, Yogi, YogiOptions,
};
pub use base::{
    apply_updates, chain, identity, Either, EitherState, EmptyState, GradientTransformation,
    Identity,
};
pub use combine::{
    apply_every, apply_every_default, apply_if_finite, freeze, incremental_update,
    inject_hyperparams, inject_hyperparams_with_options, lookahead, lookahead_with_options,
    multi_transform, named_chain, partition, periodic_update, selective_transform,
    skip_large_updates, skip_not_finite, ApplyEvery, ApplyEveryState, ApplyIfFinite,
    ApplyIfFiniteState, EveryKSchedule, Freeze, Hyperparam, InjectHyperparams,
    InjectHyperparamsOptions, InjectHyperparamsState, LabelledTransformations, Labels, Lookahead,
    LookaheadOptions, LookaheadParams, LookaheadState, MultiSteps, MultiStepsOptions,
    MultiStepsState, Named, NamedState, NamedTransformations, NoSkip, Partition, PartitionState,
    ScaleByArray, SelectiveTransform, ShouldSkipUpdate, SkipLargeUpdates, SkipLargeUpdatesState,
    SkipNotFinite, SkipNotFiniteState, WrappedScheduleState,
};
pub use numerics::{global_norm, safe_increment};
pub use schedule::{
    constant_schedule, cosine_decay_schedule, cosine_decay_schedule_with_options,
    cosine_onecycle_schedule, cosine_onecycle_schedule_with_options, exponential_decay,
    exponential_decay_with_options, join_schedules, linear_onecycle_schedule,
    linear_onecycle_schedule_with_options, linear_schedule, linear_schedule_with_options,
    piecewise_constant_schedule, piecewise_interpolate_schedule, polynomial_schedule,
    polynomial_schedule_with_options, sgdr_schedule, warmup_constant_schedule,
    warmup_cosine_decay_schedule, warmup_cosine_decay_schedule_with_options,
    warmup_exponential_decay_schedule, warmup_exponential_decay_schedule_with_options,
    CosineDecayOptions, CosineOnecycleOptions, DynSchedule, ExponentialDecayOptions,
    LinearOnecycleOptions, PolynomialScheduleOptions, ScalarOrSchedule, Schedule, SgdrCycle,
    Signed, WarmupCosineDecayOptions,
};
pub use transform::{
    adaptive_grad_clip, adaptive_grad_clip_with_options, clip_by_block_rms,
    keep_params_nonnegative, per_example_global_norm_clip, per_example_layer_norm_clip,
    per_example_layer_norm_clip_with_options, unitwise_clip, unitwise_norm, zero_nans,
    AdaptiveGradClip, AdaptiveGradClipOptions, ClipByBlockRms, KeepParamsNonnegative,
    PerExampleLayerNormClipOptions, ZeroNans, ZeroNansState,
};
pub use transform::{
    add_decayed_weights, add_decayed_weights_masked, add_noise, add_noise_with_key, centralize,
    clip, clip_by_global_norm, ema, masked, scale, scale_by_adadelta, scale_by_adam,
    scale_by_adam_with_options, scale_by_adamax, scale_by_adan, scale_by_amsgrad, scale_by_belief,
    scale_by_distance_over_gradients, scale_by_factored_rms, scale_by_lbfgs,
    scale_by_learning_rate, scale_by_learning_rate_with_sign, scale_by_lion, scale_by_novograd,
    scale_by_optimistic_gradient, scale_by_param_block_norm, scale_by_param_block_rms,
    scale_by_polyak, scale_by_radam, scale_by_rms, scale_by_rms_with_options, scale_by_rprop,
    scale_by_rss, scale_by_schedule, scale_by_sign, scale_by_sm3, scale_by_stddev,
    scale_by_stddev_with_options, scale_by_trust_ratio, scale_by_yogi, scale_by_zoom_linesearch,
    set_to_zero, stateless, stateless_with_tree_map, trace, AddDecayedWeights, AddNoise,
    AddNoiseState, Centralize, Clip, ClipByGlobalNorm, Ema, EmaState, FactoredState,
    InitialGuessStrategy, Mask, Masked, MaskedState, PolyakVariant, Scale, ScaleByAdadelta,
    ScaleByAdadeltaState, ScaleByAdam, ScaleByAdamOptions, ScaleByAdamState, ScaleByAdamax,
    ScaleByAdan, ScaleByAdanState, ScaleByAmsgrad, ScaleByAmsgradState, ScaleByBelief,
    ScaleByBeliefState, ScaleByDistanceOverGradients, ScaleByDistanceOverGradientsState,
    ScaleByFactoredRms, ScaleByLbfgs, ScaleByLbfgsState, ScaleByLion, ScaleByLionState,
    ScaleByNovograd, ScaleByNovogradState, ScaleByOptimisticGradient,
    ScaleByOptimisticGradientState, ScaleByParamBlockNorm, ScaleByParamBlockRms, ScaleByPolyak,
    ScaleByRadam, ScaleByRms, ScaleByRmsOptions, ScaleByRmsState, ScaleByRprop, ScaleByRpropState,
    ScaleByRss, ScaleByRssState, ScaleBySchedule, ScaleByScheduleState, ScaleBySign, ScaleBySm3,
    ScaleBySm3State, ScaleByStddev, ScaleByTrustRatio, ScaleByYogi, ScaleByZoomLinesearch,
    ScaleByZoomLinesearchState, SetToZero, Stateless, StatelessWithTreeMap, Trace, TraceState,
    WeightDecay, WeightDecayScheduleState, ZoomLinesearchInfo,
};
