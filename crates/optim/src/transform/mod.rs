//! The gradient transformations (Optax's `transform.py`, `transforms/`): scalings, moments,
//! weight decay, masking, clipping; one transformation family per file.

mod adam;
mod clipping;
mod lion;
mod masked;
mod rms;
mod rss;
mod scale;
mod trace;
mod weight_decay;

pub use adam::{
    scale_by_adam, scale_by_adam_with_options, ScaleByAdam, ScaleByAdamOptions, ScaleByAdamState,
};
pub use clipping::{clip, clip_by_global_norm, Clip, ClipByGlobalNorm};
pub use lion::{scale_by_lion, ScaleByLion, ScaleByLionState};
pub use masked::{masked, Mask, Masked, MaskedState};
pub use rms::{
    scale_by_rms, scale_by_rms_with_options, scale_by_stddev, scale_by_stddev_with_options,
    ScaleByRms, ScaleByRmsOptions, ScaleByRmsState, ScaleByStddev,
};
pub use rss::{scale_by_rss, ScaleByRss, ScaleByRssState};
pub use scale::{
    scale, scale_by_learning_rate, scale_by_learning_rate_with_sign, scale_by_schedule, Scale,
    ScaleBySchedule, ScaleByScheduleState,
};
pub use trace::{trace, Trace, TraceState};
pub use weight_decay::{
    add_decayed_weights, add_decayed_weights_masked, AddDecayedWeights, WeightDecay,
    WeightDecayScheduleState,
};
