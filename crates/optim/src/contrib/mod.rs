//! Optax's contributed optimisers (`optax.contrib`): schedule-free learning, Muon, Prodigy,
//! SAM, reduce-on-plateau, ADOPT, AdEMAMix, D-Adaptation AdamW and Mechanic, one family per file, with Optax 0.2.8's
//! formulas, defaults and state layouts (`parity/optim_contrib.py` holds the proof).

mod ademamix;
mod adopt;
mod dadapt_adamw;
mod hyper;
mod mechanic;
mod muon;
mod prodigy;
mod reduce_on_plateau;
mod sam;
mod schedule_free;

pub use ademamix::{
    ademamix, ademamix_with_options, scale_by_ademamix, scale_by_ademamix_with_options,
    scale_by_simplified_ademamix, scale_by_simplified_ademamix_with_options, simplified_ademamix,
    simplified_ademamix_with_options, Ademamix, AdemamixOptions, ScaleByAdemamix,
    ScaleByAdemamixOptions, ScaleByAdemamixState, ScaleBySimplifiedAdemamix,
    ScaleBySimplifiedAdemamixOptions, ScaleBySimplifiedAdemamixState, SimplifiedAdemamix,
    SimplifiedAdemamixOptions,
};
pub use adopt::{
    adopt, adopt_with_options, scale_by_adopt, scale_by_adopt_with_options, Adopt, ClipValueFn,
    ScaleByAdopt, ScaleByAdoptOptions,
};
pub use dadapt_adamw::{
    dadapt_adamw, dadapt_adamw_with_options, DAdaptAdamW, DAdaptAdamWOptions, DAdaptAdamWState,
};
pub use hyper::{HyperValue, Hyperparameter};
pub use mechanic::{mechanize, mechanize_with_options, MechanicState, Mechanize, MechanizeOptions};
pub use muon::{
    muon, muon_with_options, orthogonalize_via_newton_schulz, scale_by_muon,
    scale_by_muon_with_options, Muon, MuonDimensionNumbers, MuonOptions, MuonPartitionState,
    MuonState, NsCoeffs, Preconditioning, ScaleByMuon, ScaleByMuonOptions, ScaleByShape,
    WeightDimensionNumbers,
};
pub use prodigy::{prodigy, prodigy_with_options, Prodigy, ProdigyOptions, ProdigyState};
pub use reduce_on_plateau::{
    reduce_on_plateau, reduce_on_plateau_with_options, ReduceLrOnPlateauState, ReduceOnPlateau,
    ReduceOnPlateauOptions, UpdateWithValue,
};
pub use sam::{normalize, sam, sam_with_options, Normalize, Sam, SamOptions, SamState};
pub use schedule_free::{
    schedule_free, schedule_free_adamw, schedule_free_adamw_with_options,
    schedule_free_eval_params, schedule_free_sgd, schedule_free_sgd_with_options,
    schedule_free_with_options, ScheduleFree, ScheduleFreeAdamW, ScheduleFreeAdamWBase,
    ScheduleFreeAdamWOptions, ScheduleFreeLearningRate, ScheduleFreeOptions, ScheduleFreeSgd,
    ScheduleFreeSgdBase, ScheduleFreeSgdOptions, ScheduleFreeState, WarmupSchedule,
};
