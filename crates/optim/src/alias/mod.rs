//! The optimisers (Optax's `alias.py`): chains of the transformations, with Optax's defaults;
//! one file per optimiser family.
//!
//! Each is a plain function of the learning rate with Optax's defaults, plus a
//! `*_with_options` form taking an options struct (`AdamOptions { b1: 0.8,
//! ..Default::default() }`). The result is the chain itself (a tuple), so its state is the
//! tuple of states Optax's optimiser has. The optimisers whose `update` needs more than the
//! gradients ([`polyak_sgd`], [`lbfgs`]) are structs with an extra update method.

mod adam;
mod lbfgs;
mod lion;
mod rms;
mod sgd;
mod trust_ratio;

pub use adam::{
    adabelief, adabelief_with_options, adam, adam_with_options, adamax, adamax_with_options,
    adamaxw, adamaxw_with_options, adamw, adamw_with_options, adan, adan_with_options, amsgrad,
    amsgrad_with_options, nadam, nadam_with_options, nadamw, nadamw_with_options, radam,
    radam_with_options, yogi, yogi_with_options, Adabelief, AdabeliefOptions, Adam, AdamOptions,
    AdamW, AdamWOptions, Adamax, AdamaxOptions, AdamaxW, AdamaxWOptions, Adan, AdanOptions,
    Amsgrad, AmsgradOptions, Radam, RadamOptions, Yogi, YogiOptions,
};
pub use lbfgs::{lbfgs, lbfgs_with_options, Lbfgs, LbfgsOptions};
pub use lion::{lion, lion_with_options, Lion, LionOptions};
pub use rms::{
    adadelta, adadelta_with_options, adafactor, adafactor_with_options, adagrad,
    adagrad_with_options, novograd, novograd_with_options, rmsprop, rmsprop_with_options, sm3,
    sm3_with_options, Adadelta, AdadeltaOptions, Adafactor, AdafactorOptions, Adagrad,
    AdagradOptions, Novograd, NovogradOptions, RmsProp, RmsPropOptions, Sm3, Sm3Options,
};
pub use sgd::{
    noisy_sgd, noisy_sgd_with_options, optimistic_gradient_descent,
    optimistic_gradient_descent_with_options, polyak_sgd, polyak_sgd_with_options, rprop,
    rprop_with_options, sgd, sgd_with_options, sign_sgd, NoisySgd, NoisySgdOptions,
    OptimisticGradientDescent, OptimisticGradientDescentOptions, PolyakSgd, PolyakSgdOptions,
    Rprop, RpropOptions, Sgd, SgdOptions, SignSgd,
};
pub use trust_ratio::{
    fromage, fromage_with_options, lamb, lamb_with_options, lars, lars_with_options, BoxedSchedule,
    Fromage, FromageLearningRate, FromageOptions, Lamb, LambOptions, Lars, LarsOptions,
};

use crate::schedule::ScalarOrSchedule;
use crate::transform::{AddDecayedWeights, Mask, WeightDecay};

/// The transformation a learning rate of type `L` scales by.
pub type ScaleByLearningRate<L> = <L as ScalarOrSchedule>::ByLearningRate;

/// The most common optimiser shape: a rescaling `T`, then the learning rate (Adam, AdaMax,
/// Yogi, ...).
pub type Scaled<T, L> = (T, ScaleByLearningRate<L>);

/// A rescaling `T`, decoupled weight decay, then the learning rate (AdamW, Lion, Adan, ...).
pub type Decayed<T, L, W> = (T, AddDecayedWeights<W>, ScaleByLearningRate<L>);

/// `(scaling, scale_by_learning_rate(learning_rate))`.
fn scaled<T, L: ScalarOrSchedule>(scaling: T, learning_rate: L) -> Scaled<T, L> {
    (scaling, learning_rate.scale_by_learning_rate(true))
}

/// `(scaling, add_decayed_weights(weight_decay, mask), scale_by_learning_rate(learning_rate))`.
fn decayed<T, L: ScalarOrSchedule, W: WeightDecay>(
    scaling: T,
    weight_decay: W,
    mask: Option<Mask>,
    learning_rate: L,
) -> Decayed<T, L, W> {
    (
        scaling,
        AddDecayedWeights { weight_decay, mask },
        learning_rate.scale_by_learning_rate(true),
    )
}
