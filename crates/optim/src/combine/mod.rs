//! Combinators (Optax's `transforms/_combining.py`, `_conditionality.py`, `_accumulation.py`,
//! `_freezing.py`, `schedules/_inject.py`, `lookahead.py`, `update.py`): transformations built
//! from other transformations, gradient accumulation, injected hyperparameters, lookahead
//! and target-network updates; one concept per file.

mod apply_every;
mod apply_if_finite;
mod freeze;
mod incremental_update;
mod inject_hyperparams;
mod lookahead;
mod multi_steps;
mod named_chain;
mod partition;
mod periodic_update;
mod select;
mod skip;

pub use apply_every::{apply_every, apply_every_default, ApplyEvery, ApplyEveryState};
pub use apply_if_finite::{apply_if_finite, ApplyIfFinite, ApplyIfFiniteState};
pub use freeze::{freeze, selective_transform, Freeze, SelectiveTransform};
pub use incremental_update::incremental_update;
pub use inject_hyperparams::{
    inject_hyperparams, inject_hyperparams_with_options, Hyperparam, InjectHyperparams,
    InjectHyperparamsOptions, InjectHyperparamsState, ScaleByArray, WrappedScheduleState,
};
pub use lookahead::{
    lookahead, lookahead_with_options, Lookahead, LookaheadOptions, LookaheadParams, LookaheadState,
};
pub use multi_steps::{EveryKSchedule, MultiSteps, MultiStepsOptions, MultiStepsState};
pub use named_chain::{named_chain, Named, NamedState, NamedTransformations};
pub use partition::{
    multi_transform, partition, LabelledTransformations, Labels, Partition, PartitionState,
};
pub use periodic_update::periodic_update;
pub use skip::{
    skip_large_updates, skip_not_finite, NoSkip, ShouldSkipUpdate, SkipLargeUpdates,
    SkipLargeUpdatesState, SkipNotFinite, SkipNotFiniteState,
};
