//! The gradient transformations (Optax's `transform.py`, `transforms/`): scalings, moments,
//! weight decay, masking, clipping; one transformation family per file.

mod adadelta;
mod adam;
mod adamax;
mod adan;
mod amsgrad;
mod belief;
mod clipping;
mod constrain;
mod dog;
mod ema;
mod factored;
mod lbfgs;
mod linesearch;
mod lion;
mod masked;
mod noise;
mod novograd;
mod optimistic;
mod param_block;
mod polyak;
mod radam;
mod rms;
mod rprop;
mod rss;
mod scale;
mod sm3;
mod stateless;
mod trace;
mod weight_decay;
mod yogi;

pub use adadelta::{scale_by_adadelta, ScaleByAdadelta, ScaleByAdadeltaState};
pub use adam::{
    scale_by_adam, scale_by_adam_with_options, ScaleByAdam, ScaleByAdamOptions, ScaleByAdamState,
};
pub use adamax::{scale_by_adamax, ScaleByAdamax};
pub use adan::{scale_by_adan, ScaleByAdan, ScaleByAdanState};
pub use amsgrad::{scale_by_amsgrad, ScaleByAmsgrad, ScaleByAmsgradState};
pub use belief::{scale_by_belief, ScaleByBelief, ScaleByBeliefState};
pub use clipping::{
    adaptive_grad_clip, adaptive_grad_clip_with_options, clip, clip_by_block_rms,
    clip_by_global_norm, per_example_global_norm_clip, per_example_layer_norm_clip,
    per_example_layer_norm_clip_with_options, unitwise_clip, unitwise_norm, AdaptiveGradClip,
    AdaptiveGradClipOptions, Clip, ClipByBlockRms, ClipByGlobalNorm,
    PerExampleLayerNormClipOptions,
};
pub use constrain::{
    keep_params_nonnegative, zero_nans, KeepParamsNonnegative, ZeroNans, ZeroNansState,
};
pub use dog::{
    scale_by_distance_over_gradients, ScaleByDistanceOverGradients,
    ScaleByDistanceOverGradientsState,
};
pub use ema::{ema, Ema, EmaState};
pub use factored::{scale_by_factored_rms, FactoredState, ScaleByFactoredRms};
pub use lbfgs::{scale_by_lbfgs, ScaleByLbfgs, ScaleByLbfgsState};
pub use linesearch::{
    scale_by_zoom_linesearch, InitialGuessStrategy, ScaleByZoomLinesearch,
    ScaleByZoomLinesearchState, ZoomLinesearchInfo,
};
pub use lion::{scale_by_lion, ScaleByLion, ScaleByLionState};
pub use masked::{masked, Mask, Masked, MaskedState};
pub use noise::{add_noise, add_noise_with_key, AddNoise, AddNoiseState};
pub use novograd::{scale_by_novograd, ScaleByNovograd, ScaleByNovogradState};
pub use optimistic::{
    scale_by_optimistic_gradient, ScaleByOptimisticGradient, ScaleByOptimisticGradientState,
};
pub use param_block::{
    scale_by_param_block_norm, scale_by_param_block_rms, scale_by_trust_ratio,
    ScaleByParamBlockNorm, ScaleByParamBlockRms, ScaleByTrustRatio,
};
pub use polyak::{scale_by_polyak, PolyakVariant, ScaleByPolyak};
pub use radam::{scale_by_radam, ScaleByRadam};
pub use rms::{
    scale_by_rms, scale_by_rms_with_options, scale_by_stddev, scale_by_stddev_with_options,
    ScaleByRms, ScaleByRmsOptions, ScaleByRmsState, ScaleByStddev,
};
pub use rprop::{scale_by_rprop, ScaleByRprop, ScaleByRpropState};
pub use rss::{scale_by_rss, ScaleByRss, ScaleByRssState};
pub use scale::{
    scale, scale_by_learning_rate, scale_by_learning_rate_with_sign, scale_by_schedule, Scale,
    ScaleBySchedule, ScaleByScheduleState,
};
pub use sm3::{scale_by_sm3, ScaleBySm3, ScaleBySm3State};
pub use stateless::{
    centralize, scale_by_sign, set_to_zero, stateless, stateless_with_tree_map, Centralize,
    ScaleBySign, SetToZero, Stateless, StatelessWithTreeMap,
};
pub use trace::{trace, Trace, TraceState};
pub use weight_decay::{
    add_decayed_weights, add_decayed_weights_masked, AddDecayedWeights, WeightDecay,
    WeightDecayScheduleState,
};
pub use yogi::{scale_by_yogi, ScaleByYogi};
