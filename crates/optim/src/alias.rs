//! The optimisers (Optax's `alias.py`): chains of the transformations, with Optax's defaults.
//!
//! Each is a plain function of the learning rate with Optax's defaults, plus a
//! `*_with_options` form taking an options struct (`AdamOptions { b1: 0.8,
//! ..Default::default() }`). The result is the chain itself (a tuple), so its state is the
//! tuple of states Optax's optimiser has.

use equinox_core::DType;

use crate::base::Either;
use crate::schedule::ScalarOrSchedule;
use crate::transform::{
    AddDecayedWeights, Mask, ScaleByAdam, ScaleByAdamOptions, ScaleByLion, ScaleByRms,
    ScaleByRmsOptions, ScaleByRss, ScaleByStddev, Trace, WeightDecay,
};

/// The transformation a learning rate of type `L` scales by.
pub type ScaleByLearningRate<L> = <L as ScalarOrSchedule>::ByLearningRate;

/// [`sgd`]'s chain: optional momentum, then the learning rate.
pub type Sgd<L> = (Option<Trace>, ScaleByLearningRate<L>);

/// The options of [`sgd_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SgdOptions {
    /// The momentum decay, or `None` for none (the default).
    pub momentum: Option<f64>,
    /// Nesterov momentum (false).
    pub nesterov: bool,
    /// The dtype of the momentum accumulator (default: the parameters').
    pub accumulator_dtype: Option<DType>,
}

/// Stochastic gradient descent: `-learning_rate * g` (`optax.sgd` with its defaults).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation};
///
/// // Minimise sum((p - 3)^2) by hand-written gradients.
/// let opt = optim::sgd(0.25);
/// let mut params = vec![jnp::zeros([2])];
/// let mut state = opt.init(&params);
/// for _ in 0..20 {
///     let grads = vec![(&params[0] - 3.0) * 2.0];
///     let (updates, s) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &updates);
///     state = s;
/// }
/// assert!((params[0].to_vec::<f32>()[0] - 3.0).abs() < 1e-4);
/// ```
pub fn sgd<L: ScalarOrSchedule>(learning_rate: L) -> Sgd<L> {
    sgd_with_options(learning_rate, SgdOptions::default())
}

/// [`sgd`] with momentum or Nesterov momentum (`optax.sgd`).
pub fn sgd_with_options<L: ScalarOrSchedule>(learning_rate: L, options: SgdOptions) -> Sgd<L> {
    let momentum = options.momentum.map(|decay| Trace {
        decay,
        nesterov: options.nesterov,
        accumulator_dtype: options.accumulator_dtype,
    });
    (momentum, learning_rate.scale_by_learning_rate(true))
}

/// [`adam`]'s chain.
pub type Adam<L> = (ScaleByAdam, ScaleByLearningRate<L>);

/// The options of [`adam_with_options`] (Optax's `b1`, `b2`, `eps`, `eps_root`, `mu_dtype`,
/// `nesterov`).
pub type AdamOptions = ScaleByAdamOptions;

/// Adam (`optax.adam` with its defaults: `b1 = 0.9`, `b2 = 0.999`, `eps = 1e-8`).
///
/// A training loop, with the gradients from `grad`:
///
/// ```
/// use equinox_core::{numpy as jnp, transforms::grad, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
///
/// let loss = |p: &Vec<Array>| ((&p[0] - 1.0).square().sum(()) + p[1].square().sum(()));
/// let mut params = vec![jnp::zeros([3]), jnp::ones([2])];
/// let opt = optim::adam(0.05);
/// let mut state = opt.init(&params);
/// for _ in 0..100 {
///     let grads = grad(loss)(&params);
///     let (updates, new_state) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &updates);
///     state = new_state;
/// }
/// assert!(loss(&params).item::<f32>() < 1e-2);
/// assert_eq!(state.0.count.item::<i32>(), 100);
/// ```
pub fn adam<L: ScalarOrSchedule>(learning_rate: L) -> Adam<L> {
    adam_with_options(learning_rate, AdamOptions::default())
}

/// [`adam`] with options (`optax.adam`), e.g. NAdam:
/// `adam_with_options(1e-3, AdamOptions { nesterov: true, ..Default::default() })`.
pub fn adam_with_options<L: ScalarOrSchedule>(learning_rate: L, options: AdamOptions) -> Adam<L> {
    (
        ScaleByAdam { options },
        learning_rate.scale_by_learning_rate(true),
    )
}

/// [`adamw`]'s chain.
pub type AdamW<L, W = f64> = (ScaleByAdam, AddDecayedWeights<W>, ScaleByLearningRate<L>);

/// The options of [`adamw_with_options`], with Optax's defaults. The weight decay is a
/// constant or a schedule ([`WeightDecay`]); `..Default::default()` fills in the rest for a
/// constant one.
#[derive(Clone, Debug)]
pub struct AdamWOptions<W = f64> {
    /// Adam's options.
    pub adam: AdamOptions,
    /// The weight decay (1e-4).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for AdamWOptions {
    fn default() -> Self {
        AdamWOptions {
            adam: AdamOptions::default(),
            weight_decay: 1e-4,
            mask: None,
        }
    }
}

/// Adam with decoupled weight decay (`optax.adamw` with its defaults: weight decay 1e-4 on
/// every leaf).
pub fn adamw<L: ScalarOrSchedule>(learning_rate: L) -> AdamW<L> {
    adamw_with_options(learning_rate, AdamWOptions::default())
}

/// [`adamw`] with options (`optax.adamw`), e.g. decaying matrices only:
///
/// ```
/// use equinox_optim::{adamw_with_options, AdamWOptions, Mask};
/// let opt = adamw_with_options(1e-3, AdamWOptions {
///     weight_decay: 0.1,
///     mask: Some(Mask::new(|_path, x| x.ndim() > 1)),
///     ..Default::default()
/// });
/// ```
pub fn adamw_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: AdamWOptions<W>,
) -> AdamW<L, W> {
    (
        ScaleByAdam {
            options: options.adam,
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.mask,
        },
        learning_rate.scale_by_learning_rate(true),
    )
}

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
pub type Adagrad<L> = (ScaleByRss, ScaleByLearningRate<L>);

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
    (options, learning_rate.scale_by_learning_rate(true))
}

/// [`lion`]'s chain.
pub type Lion<L, W = f64> = (ScaleByLion, AddDecayedWeights<W>, ScaleByLearningRate<L>);

/// The options of [`lion_with_options`], with Optax's defaults (the weight decay as in
/// [`AdamWOptions`]).
#[derive(Clone, Debug)]
pub struct LionOptions<W = f64> {
    /// `b1` (0.9), `b2` (0.99), `mu_dtype`.
    pub lion: ScaleByLion,
    /// The weight decay (1e-3).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for LionOptions {
    fn default() -> Self {
        LionOptions {
            lion: ScaleByLion::default(),
            weight_decay: 1e-3,
            mask: None,
        }
    }
}

/// Lion (`optax.lion` with its defaults: `b1 = 0.9`, `b2 = 0.99`, weight decay 1e-3).
pub fn lion<L: ScalarOrSchedule>(learning_rate: L) -> Lion<L> {
    lion_with_options(learning_rate, LionOptions::default())
}

/// [`lion`] with options (`optax.lion`).
pub fn lion_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: LionOptions<W>,
) -> Lion<L, W> {
    (
        options.lion,
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: options.mask,
        },
        learning_rate.scale_by_learning_rate(true),
    )
}
