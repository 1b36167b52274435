//! Adam and its relatives: Adam, AdamW, NAdam(W), AdaMax(W), AMSGrad, RAdam, AdaBelief,
//! Yogi, Adan.

use super::{decayed, scaled, Decayed, Scaled};
use crate::schedule::ScalarOrSchedule;
use crate::transform::{
    Mask, ScaleByAdam, ScaleByAdamOptions, ScaleByAdamax, ScaleByAdan, ScaleByAmsgrad,
    ScaleByBelief, ScaleByRadam, ScaleByYogi, WeightDecay,
};

/// [`adam`]'s chain.
pub type Adam<L> = Scaled<ScaleByAdam, L>;

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
    scaled(ScaleByAdam { options }, learning_rate)
}

/// NAdam, Adam with Nesterov momentum (`optax.nadam` with its defaults).
pub fn nadam<L: ScalarOrSchedule>(learning_rate: L) -> Adam<L> {
    nadam_with_options(learning_rate, AdamOptions::default())
}

/// [`nadam`] with options (`optax.nadam`); `nesterov` is set whatever `options` says.
pub fn nadam_with_options<L: ScalarOrSchedule>(learning_rate: L, options: AdamOptions) -> Adam<L> {
    adam_with_options(
        learning_rate,
        AdamOptions {
            nesterov: true,
            ..options
        },
    )
}

/// [`adamw`]'s chain.
pub type AdamW<L, W = f64> = Decayed<ScaleByAdam, L, W>;

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
    decayed(
        ScaleByAdam {
            options: options.adam,
        },
        options.weight_decay,
        options.mask,
        learning_rate,
    )
}

/// NAdamW, AdamW with Nesterov momentum (`optax.nadamw` with its defaults).
pub fn nadamw<L: ScalarOrSchedule>(learning_rate: L) -> AdamW<L> {
    nadamw_with_options(learning_rate, AdamWOptions::default())
}

/// [`nadamw`] with options (`optax.nadamw`); `nesterov` is set whatever `options` says.
pub fn nadamw_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: AdamWOptions<W>,
) -> AdamW<L, W> {
    adamw_with_options(
        learning_rate,
        AdamWOptions {
            adam: AdamOptions {
                nesterov: true,
                ..options.adam
            },
            ..options
        },
    )
}

/// [`adamax`]'s chain.
pub type Adamax<L> = Scaled<ScaleByAdamax, L>;

/// The options of [`adamax_with_options`] (`b1 = 0.9`, `b2 = 0.999`, `eps = 1e-8`).
pub type AdamaxOptions = ScaleByAdamax;

/// AdaMax, Adam with the infinity norm (`optax.adamax` with its defaults).
pub fn adamax<L: ScalarOrSchedule>(learning_rate: L) -> Adamax<L> {
    adamax_with_options(learning_rate, AdamaxOptions::default())
}

/// [`adamax`] with options (`optax.adamax`).
pub fn adamax_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: AdamaxOptions,
) -> Adamax<L> {
    scaled(options, learning_rate)
}

/// [`adamaxw`]'s chain.
pub type AdamaxW<L, W = f64> = Decayed<ScaleByAdamax, L, W>;

/// The options of [`adamaxw_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct AdamaxWOptions<W = f64> {
    /// AdaMax's options.
    pub adamax: AdamaxOptions,
    /// The weight decay (1e-4).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for AdamaxWOptions {
    fn default() -> Self {
        AdamaxWOptions {
            adamax: AdamaxOptions::default(),
            weight_decay: 1e-4,
            mask: None,
        }
    }
}

/// AdaMax with decoupled weight decay (`optax.adamaxw` with its defaults).
pub fn adamaxw<L: ScalarOrSchedule>(learning_rate: L) -> AdamaxW<L> {
    adamaxw_with_options(learning_rate, AdamaxWOptions::default())
}

/// [`adamaxw`] with options (`optax.adamaxw`).
pub fn adamaxw_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: AdamaxWOptions<W>,
) -> AdamaxW<L, W> {
    decayed(
        options.adamax,
        options.weight_decay,
        options.mask,
        learning_rate,
    )
}

/// [`amsgrad`]'s chain.
pub type Amsgrad<L> = Scaled<ScaleByAmsgrad, L>;

/// The options of [`amsgrad_with_options`], with Optax's defaults.
pub type AmsgradOptions = ScaleByAmsgrad;

/// AMSGrad (`optax.amsgrad` with its defaults).
pub fn amsgrad<L: ScalarOrSchedule>(learning_rate: L) -> Amsgrad<L> {
    amsgrad_with_options(learning_rate, AmsgradOptions::default())
}

/// [`amsgrad`] with options (`optax.amsgrad`).
pub fn amsgrad_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: AmsgradOptions,
) -> Amsgrad<L> {
    scaled(options, learning_rate)
}

/// [`radam`]'s chain.
pub type Radam<L> = Scaled<ScaleByRadam, L>;

/// The options of [`radam_with_options`], with Optax's defaults.
pub type RadamOptions = ScaleByRadam;

/// Rectified Adam (`optax.radam` with its defaults).
pub fn radam<L: ScalarOrSchedule>(learning_rate: L) -> Radam<L> {
    radam_with_options(learning_rate, RadamOptions::default())
}

/// [`radam`] with options (`optax.radam`).
pub fn radam_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: RadamOptions,
) -> Radam<L> {
    scaled(options, learning_rate)
}

/// [`adabelief`]'s chain.
pub type Adabelief<L> = Scaled<ScaleByBelief, L>;

/// The options of [`adabelief_with_options`], with Optax's defaults (`eps = eps_root =
/// 1e-16`).
pub type AdabeliefOptions = ScaleByBelief;

/// AdaBelief (`optax.adabelief` with its defaults).
pub fn adabelief<L: ScalarOrSchedule>(learning_rate: L) -> Adabelief<L> {
    adabelief_with_options(learning_rate, AdabeliefOptions::default())
}

/// [`adabelief`] with options (`optax.adabelief`).
pub fn adabelief_with_options<L: ScalarOrSchedule>(
    learning_rate: L,
    options: AdabeliefOptions,
) -> Adabelief<L> {
    scaled(options, learning_rate)
}

/// [`yogi`]'s chain.
pub type Yogi<L> = Scaled<ScaleByYogi, L>;

/// The options of [`yogi_with_options`], with Optax's defaults (`eps = 1e-3`).
pub type YogiOptions = ScaleByYogi;

/// Yogi (`optax.yogi` with its defaults).
pub fn yogi<L: ScalarOrSchedule>(learning_rate: L) -> Yogi<L> {
    yogi_with_options(learning_rate, YogiOptions::default())
}

/// [`yogi`] with options (`optax.yogi`).
pub fn yogi_with_options<L: ScalarOrSchedule>(learning_rate: L, options: YogiOptions) -> Yogi<L> {
    scaled(options, learning_rate)
}

/// [`adan`]'s chain.
pub type Adan<L, W = f64> = Decayed<ScaleByAdan, L, W>;

/// The options of [`adan_with_options`], with Optax's defaults (note `eps_root = 1e-8`
/// here, where [`scale_by_adan`](crate::scale_by_adan) defaults to 0).
#[derive(Clone, Debug)]
pub struct AdanOptions<W = f64> {
    /// `b1`, `b2`, `b3`, `eps`, `eps_root`.
    pub adan: ScaleByAdan,
    /// The weight decay (0).
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

impl Default for AdanOptions {
    fn default() -> Self {
        AdanOptions {
            adan: ScaleByAdan {
                eps_root: 1e-8,
                ..ScaleByAdan::default()
            },
            weight_decay: 0.0,
            mask: None,
        }
    }
}

/// Adan, adaptive Nesterov momentum (`optax.adan` with its defaults).
pub fn adan<L: ScalarOrSchedule>(learning_rate: L) -> Adan<L> {
    adan_with_options(learning_rate, AdanOptions::default())
}

/// [`adan`] with options (`optax.adan`).
pub fn adan_with_options<L: ScalarOrSchedule, W: WeightDecay>(
    learning_rate: L,
    options: AdanOptions<W>,
) -> Adan<L, W> {
    decayed(
        options.adan,
        options.weight_decay,
        options.mask,
        learning_rate,
    )
}
