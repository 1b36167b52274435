//! Optimisers built on the trust ratio `norm(params) / norm(updates)`: LAMB, LARS,
//! Fromage.

use equinox_core::Array;

use super::ScaleByLearningRate;
use crate::base::Either;
use crate::schedule::ScalarOrSchedule;
use crate::transform::{
    masked, AddDecayedWeights, Mask, Masked, ScaleByAdam, ScaleByTrustRatio, Trace, WeightDecay,
};
use crate::AdamOptions;

/// [`lamb`]'s chain.
pub type Lamb<L, W = f64> = (
    ScaleByAdam,
    AddDecayedWeights<W>,
    ScaleByTrustRatio,
    ScaleByLearningRate<L>,
);

/// The options of [`lamb_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct LambOptions<W = f64> {
    /// Adam's options (LAMB's default `eps` is 1e-6).
    pub adam: AdamOptions,
    /// The weight decay (0).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for LambOptions {
    fn default() -> Self {
        LambOptions {
            adam: AdamOptions {
                eps: 1e-6,
                ..AdamOptions::default()
            },
            weight_decay: 0.0,
            mask: None,
        }
    }
}

/// LAMB, Adam rescaled by the trust ratio per leaf (`optax.lamb` with its defaults).
pub fn lamb<L: ScalarOrSchedule>(learning_rate: L) -> Lamb<L> {
    lamb_with_options(learning_rate, LambOptions::default())
}

/// [`lamb`] with options (`optax.lamb`).
pub fn lamb_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: LambOptions<W>,
) -> Lamb<L, W> {
    (
        ScaleByAdam {
            options: options.adam,
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.mask,
        },
        ScaleByTrustRatio::default(),
        learning_rate.scale_by_learning_rate(true),
    )
}

/// [`lars`]'s chain.
pub type Lars<L, W = f64> = (
    AddDecayedWeights<W>,
    Either<ScaleByTrustRatio, Masked<ScaleByTrustRatio>>,
    ScaleByLearningRate<L>,
    Trace,
);

/// The options of [`lars_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct LarsOptions<W = f64> {
    /// The weight decay (0).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub weight_decay_mask: Option<Mask>,
    /// The factor on the trust ratio (1e-3).
    pub trust_coefficient: f64,
    /// Added to the update's norm in the trust ratio (0).
    pub eps: f64,
    /// The leaves the trust ratio applies to (default: all).
    pub trust_ratio_mask: Option<Mask>,
    /// The momentum (0.9).
    pub momentum: f64,
    /// Nesterov momentum (false).
    pub nesterov: bool,
}

impl Default for LarsOptions {
    fn default() -> Self {
        LarsOptions {
            weight_decay: 0.0,
            weight_decay_mask: None,
            trust_coefficient: 1e-3,
            eps: 0.0,
            trust_ratio_mask: None,
            momentum: 0.9,
            nesterov: false,
        }
    }
}

/// LARS, SGD with momentum and a per-leaf trust ratio (`optax.lars` with its defaults).
pub fn lars<L: ScalarOrSchedule>(learning_rate: L) -> Lars<L> {
    lars_with_options(learning_rate, LarsOptions::default())
}

/// [`lars`] with options (`optax.lars`).
pub fn lars_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: LarsOptions<W>,
) -> Lars<L, W> {
    let trust_ratio = ScaleByTrustRatio {
        trust_coefficient: options.trust_coefficient,
        eps: options.eps,
        ..ScaleByTrustRatio::default()
    };
    (
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.weight_decay_mask,
        },
        match options.trust_ratio_mask {
            None => Either::Left(trust_ratio),
            Some(mask) => Either::Right(masked(trust_ratio, mask)),
        },
        learning_rate.scale_by_learning_rate(true),
        Trace {
            decay: options.momentum,
            nesterov: options.nesterov,
            accumulator_dtype: None,
        },
    )
}

/// What [`fromage`] accepts as its learning rate: a constant or a schedule. Fromage derives
/// its weight decay from the learning rate, so a schedule gives scheduled factors.
pub trait FromageLearningRate {
    /// The chain [`fromage_with_options`] builds.
    type Chain;

    /// `optax.fromage(self, min_norm)`.
    fn fromage_chain(self, min_norm: f64) -> Self::Chain;
}

/// A boxed schedule, what Fromage derives from a scheduled learning rate.
pub type BoxedSchedule = Box<dyn Fn(&Array) -> Array + Send + Sync>;

impl FromageLearningRate for f64 {
    type Chain = (
        ScaleByTrustRatio,
        ScaleByLearningRate<f64>,
        AddDecayedWeights<f64>,
    );

    fn fromage_chain(self, min_norm: f64) -> Self::Chain {
        // Python float arithmetic, as Optax does it for a constant learning rate.
        let mult = 1.0 / (1.0 + self.powi(2)).powf(0.5);
        (
            ScaleByTrustRatio {
                min_norm,
                ..ScaleByTrustRatio::default()
            },
            (self * mult).scale_by_learning_rate(true),
            AddDecayedWeights {
                weight_decay: mult - 1.0,
                mask: None,
            },
        )
    }
}

impl<F: Fn(&Array) -> Array + Send + Sync + 'static> FromageLearningRate for F {
    type Chain = (
        ScaleByTrustRatio,
        ScaleByLearningRate<BoxedSchedule>,
        AddDecayedWeights<BoxedSchedule>,
    );

    fn fromage_chain(self, min_norm: f64) -> Self::Chain {
        let lr = std::sync::Arc::new(self);
        let mult_lr = |lr: &F, count: &Array| 1.0 / (1.0 + lr(count).powf(2.0)).powf(0.5);
        let (lr1, lr2) = (lr.clone(), lr);
        let scaled_lr: BoxedSchedule = Box::new(move |c: &Array| mult_lr(&lr1, c) * lr1(c));
        let decay: BoxedSchedule = Box::new(move |c: &Array| mult_lr(&lr2, c) - 1.0);
        (
            ScaleByTrustRatio {
                min_norm,
                ..ScaleByTrustRatio::default()
            },
            scaled_lr.scale_by_learning_rate(true),
            AddDecayedWeights {
                weight_decay: decay,
                mask: None,
            },
        )
    }
}

/// [`fromage`]'s chain.
pub type Fromage<L> = <L as FromageLearningRate>::Chain;

/// The options of [`fromage_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FromageOptions {
    /// The smallest norm used in the trust ratio (1e-6).
    pub min_norm: f64,
}

impl Default for FromageOptions {
    fn default() -> Self {
        FromageOptions { min_norm: 1e-6 }
    }
}

/// Fromage, the Frobenius matched gradient descent (`optax.fromage` with its default
/// `min_norm = 1e-6`); the learning rate is a constant or a schedule.
pub fn fromage<L: FromageLearningRate>(learning_rate: L) -> Fromage<L> {
    fromage_with_options(learning_rate, FromageOptions::default())
}

/// [`fromage`] with options (`optax.fromage`).
pub fn fromage_with_options<L: FromageLearningRate>(
    learning_rate: L,
    options: FromageOptions,
) -> Fromage<L> {
    learning_rate.fromage_chain(options.min_norm)
}
