//! Optimisers that divide by a running root mean square: RMSProp, Adagrad, AdaDelta,
//! Adafactor, SM3, NovoGrad.

use equinox_core::DType;

use super::{scaled, ScaleByLearningRate, Scaled};
use crate::base::Either;
use crate::schedule::ScalarOrSchedule;
use crate::transform::{
    clip_by_block_rms, scale, AddDecayedWeights, ClipByBlockRms, Ema, Mask, Scale, ScaleByAdadelta,
    ScaleByFactoredRms, ScaleByNovograd, ScaleByParamBlockRms, ScaleByRms, ScaleByRmsOptions,
    ScaleByRss, ScaleBySm3, ScaleByStddev, Trace, WeightDecay,
};

/// [`rmsprop`]'s chain.
pub type RmsProp<L> = (
    Either<ScaleByRms, ScaleByStddev>,
    ScaleByLearningRate<L>,
    Option<Trace>,
);

/// The options of [`rmsprop_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RmsPropOptions {
    /// `decay`, `eps`, `initial_scale`, `eps_in_sqrt`, `bias_correction`.
    pub rms: ScaleByRmsOptions,
    /// Divide by the standard deviation rather than the root mean square (false).
    pub centered: bool,
    /// Momentum after the scaling, or `None` (the default).
    pub momentum: Option<f64>,
    /// Nesterov momentum (false).
    pub nesterov: bool,
}

/// RMSProp (`optax.rmsprop` with its defaults: decay 0.9, eps 1e-8 inside the root).
pub fn rmsprop<L: ScalarOrSchedule>(learning_rate: L) -> RmsProp<L> {
    rmsprop_with_options(learning_rate, RmsPropOptions::default())
}

/// [`rmsprop`] with options (`optax.rmsprop`).
pub fn rmsprop_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: RmsPropOptions,
) -> RmsProp<L> {
    let scaling = if options.centered {
        Either::Right(ScaleByStddev {
            options: options.rms,
        })
    } else {
        Either::Left(ScaleByRms {
            options: options.rms,
        })
    };
    let momentum = options.momentum.map(|decay| Trace {
        decay,
        nesterov: options.nesterov,
        accumulator_dtype: None,
    });
    (
        scaling,
        learning_rate.scale_by_learning_rate(true),
        momentum,
    )
}

/// [`adagrad`]'s chain.
pub type Adagrad<L> = Scaled<ScaleByRss, L>;

/// The options of [`adagrad_with_options`] (Optax's `initial_accumulator_value = 0.1`,
/// `eps = 1e-7`).
pub type AdagradOptions = ScaleByRss;

/// Adagrad (`optax.adagrad` with its defaults).
pub fn adagrad<L: ScalarOrSchedule>(learning_rate: L) -> Adagrad<L> {
    adagrad_with_options(learning_rate, AdagradOptions::default())
}

/// [`adagrad`] with options (`optax.adagrad`).
pub fn adagrad_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: AdagradOptions,
) -> Adagrad<L> {
    scaled(options, learning_rate)
}

/// [`adadelta`]'s chain: weight decay, AdaDelta's rescaling, then the learning rate if any.
pub type Adadelta<L = f64, W = f64> = (
    AddDecayedWeights<W>,
    ScaleByAdadelta,
    Option<ScaleByLearningRate<L>>,
);

/// The options of [`adadelta_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct AdadeltaOptions<L = f64, W = f64> {
    /// The learning rate, or `None` (the default) for none: the updates are then AdaDelta's
    /// own, unscaled and unnegated, as in Optax.
    pub learning_rate: Option<L>,
    /// Decay of the running averages (0.9).
    pub rho: f64,
    /// Added inside the roots (1e-6).
    pub eps: f64,
    /// The weight decay, added before the rescaling (0).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub weight_decay_mask: Option<Mask>,
}

impl Default for AdadeltaOptions {
    fn default() -> Self {
        AdadeltaOptions {
            learning_rate: None,
            rho: 0.9,
            eps: 1e-6,
            weight_decay: 0.0,
            weight_decay_mask: None,
        }
    }
}

/// AdaDelta (`optax.adadelta` with its defaults: no learning rate).
pub fn adadelta() -> Adadelta {
    adadelta_with_options(AdadeltaOptions::default())
}

/// [`adadelta`] with options (`optax.adadelta`), e.g. with a learning rate:
/// `adadelta_with_options(AdadeltaOptions { learning_rate: Some(0.5), ..Default::default() })`.
pub fn adadelta_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    options: AdadeltaOptions<L, W>,
) -> Adadelta<L, W> {
    (
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.weight_decay_mask,
        },
        ScaleByAdadelta {
            rho: options.rho,
            eps: options.eps,
        },
        options
            .learning_rate
            .map(|lr| lr.scale_by_learning_rate(true)),
    )
}

/// [`adafactor`]'s chain: the factored rescaling, then the optional block-RMS clipping,
/// learning rate (unnegated), parameter-scale multiplication, momentum and weight decay,
/// then `scale(-1)`.
pub type Adafactor<L = f64, W = f64> = (
    ScaleByFactoredRms,
    Option<ClipByBlockRms>,
    Option<ScaleByLearningRate<L>>,
    Option<ScaleByParamBlockRms>,
    Option<Ema>,
    Option<AddDecayedWeights<W>>,
    Scale,
);

/// The options of [`adafactor_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct AdafactorOptions<L = f64, W = f64> {
    /// The learning rate, or `None` (the default) for none.
    pub learning_rate: Option<L>,
    /// Factor only when the second-largest dimension is at least this (128).
    pub min_dim_size_to_factor: usize,
    /// The decay exponent of the second moment (0.8).
    pub decay_rate: f64,
    /// Steps subtracted from the count in the decay (0).
    pub decay_offset: i32,
    /// Multiply the updates by each parameter's root mean square (true).
    pub multiply_by_parameter_scale: bool,
    /// Clip each update leaf to this root mean square, or `None` (1).
    pub clipping_threshold: Option<f64>,
    /// Momentum (an EMA without bias correction), or `None` (the default).
    pub momentum: Option<f64>,
    /// The dtype of the momentum (float32).
    pub dtype_momentum: DType,
    /// Weight decay, or `None` (the default).
    pub weight_decay_rate: Option<W>,
    /// Added to the squared gradients (1e-30).
    pub eps: f64,
    /// Factor the second moment of large matrices (true).
    pub factored: bool,
    /// The leaves to decay (default: all).
    pub weight_decay_mask: Option<Mask>,
}

impl Default for AdafactorOptions {
    fn default() -> Self {
        AdafactorOptions {
            learning_rate: None,
            min_dim_size_to_factor: 128,
            decay_rate: 0.8,
            decay_offset: 0,
            multiply_by_parameter_scale: true,
            clipping_threshold: Some(1.0),
            momentum: None,
            dtype_momentum: DType::F32,
            weight_decay_rate: None,
            eps: 1e-30,
            factored: true,
            weight_decay_mask: None,
        }
    }
}

/// Adafactor (`optax.adafactor` with its defaults: no learning rate, so the step size is
/// the parameters' scale).
pub fn adafactor() -> Adafactor {
    adafactor_with_options(AdafactorOptions::default())
}

/// [`adafactor`] with options (`optax.adafactor`).
pub fn adafactor_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    options: AdafactorOptions<L, W>,
) -> Adafactor<L, W> {
    (
        ScaleByFactoredRms {
            factored: options.factored,
            decay_rate: options.decay_rate,
            step_offset: options.decay_offset,
            min_dim_size_to_factor: options.min_dim_size_to_factor,
            epsilon: options.eps,
        },
        options.clipping_threshold.map(clip_by_block_rms),
        options
            .learning_rate
            .map(|lr| lr.scale_by_learning_rate(false)),
        options
            .multiply_by_parameter_scale
            .then(ScaleByParamBlockRms::default),
        options.momentum.map(|decay| Ema {
            decay,
            debias: false,
            accumulator_dtype: Some(options.dtype_momentum),
        }),
        options
            .weight_decay_rate
            .map(|weight_decay| AddDecayedWeights {
                weight_decay,
                mask: options.weight_decay_mask,
            }),
        scale(-1.0),
    )
}

/// [`sm3`]'s chain: SM3's rescaling, then `scale(-learning_rate)`.
pub type Sm3 = (ScaleBySm3, Scale);

/// The options of [`sm3_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sm3Options {
    /// The momentum (0.9).
    pub momentum: f64,
}

impl Default for Sm3Options {
    fn default() -> Self {
        Sm3Options { momentum: 0.9 }
    }
}

/// SM3 (`optax.sm3` with its defaults); the learning rate is a constant.
pub fn sm3(learning_rate: f64) -> Sm3 {
    sm3_with_options(learning_rate, Sm3Options::default())
}

/// [`sm3`] with options (`optax.sm3`).
pub fn sm3_with_options(learning_rate: f64, options: Sm3Options) -> Sm3 {
    (
        ScaleBySm3 {
            b1: options.momentum,
            ..ScaleBySm3::default()
        },
        scale(-learning_rate),
    )
}

/// [`novograd`]'s chain.
pub type Novograd<L> = Scaled<ScaleByNovograd, L>;

/// The options of [`novograd_with_options`], with Optax's defaults (note `eps = 1e-6` here,
/// where [`scale_by_novograd`](crate::scale_by_novograd) defaults to 1e-8).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NovogradOptions {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.25).
    pub b2: f64,
    /// Added to the root of the second moment (1e-6).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// Weight decay (0).
    pub weight_decay: f64,
}

impl Default for NovogradOptions {
    fn default() -> Self {
        NovogradOptions {
            b1: 0.9,
            b2: 0.25,
            eps: 1e-6,
            eps_root: 0.0,
            weight_decay: 0.0,
        }
    }
}

/// NovoGrad (`optax.novograd` with its defaults). Needs the parameters.
pub fn novograd<L: ScalarOrSchedule>(learning_rate: L) -> Novograd<L> {
    novograd_with_options(learning_rate, NovogradOptions::default())
}

/// [`novograd`] with options (`optax.novograd`).
pub fn novograd_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: NovogradOptions,
) -> Novograd<L> {
    scaled(
        ScaleByNovograd {
            b1: options.b1,
            b2: options.b2,
            eps: options.eps,
            eps_root: options.eps_root,
            weight_decay: options.weight_decay,
            mu_dtype: None,
        },
        learning_rate,
    )
}
