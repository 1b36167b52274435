//! Segmentation losses (`optax.losses._segmentation`): the soft Dice loss (with Tversky
//! weighting), its binary form and the generalised Dice loss.

use equinox_core::numpy::{self as jnp, Index};
use equinox_core::{nn, Array, Axes, DType};

use super::reductions::{check_rank, check_shapes_equal};

/// `x[..., None]`: a trailing class axis of size 1.
fn with_class_axis(x: &Array) -> Array {
    x.index([Index::Ellipsis, Index::NewAxis])
}

/// How [`dice_loss_with_options`] combines the per-class losses (Optax's `reduction`
/// string).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiceReduction {
    /// Their mean (`"mean"`, the default).
    #[default]
    Mean,
    /// Their sum (`"sum"`).
    Sum,
    /// The per-class losses as they are (`"none"`).
    None,
}

/// Options of [`dice_loss_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct DiceLossOptions {
    /// A weight per class, shape `[classes]` (default none: equal weights).
    pub class_weights: Option<Array>,
    /// Added to numerator and denominator (default 1).
    pub smooth: f64,
    /// The weight of false positives (default 0.5).
    pub alpha: f64,
    /// The weight of false negatives (default 0.5).
    pub beta: f64,
    /// Turn the predictions into probabilities first: softmax over classes, or a sigmoid
    /// when there is one class (default true). When false they must already sum to 1 over
    /// the class axis.
    pub apply_softmax: bool,
    /// How the per-class losses are combined (default the mean).
    pub reduction: DiceReduction,
    /// Leave out class 0 (default false).
    pub ignore_background: bool,
    /// The axes summed over (default none: every axis but the first and the last).
    pub axis: Option<Axes>,
}

impl Default for DiceLossOptions {
    fn default() -> Self {
        DiceLossOptions {
            class_weights: None,
            smooth: 1.0,
            alpha: 0.5,
            beta: 0.5,
            apply_softmax: true,
            reduction: DiceReduction::Mean,
            ignore_background: false,
            axis: None,
        }
    }
}

/// The soft Dice loss of logits `[batch, ..., classes]` against one-hot targets, averaged
/// over classes (`optax.losses.dice_loss` with its defaults); shape `[batch]`.
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn dice_loss(predictions: &Array, targets: &Array) -> Array {
    dice_loss_with_options(predictions, targets, DiceLossOptions::default())
}

/// The Dice loss per class, `1 - (I + smooth) / (I + alpha * (P - I) + beta * (T - I) +
/// smooth)` with `I`, `P`, `T` the sums over `axis` of `probs * targets`, `probs` and
/// `targets`, then weighted and reduced over classes (`optax.losses.dice_loss`). Inputs one
/// dimension short of the other get a class axis of size 1.
///
/// # Panics
/// If the shapes differ, `class_weights` is not of rank 1, or (with `apply_softmax` false
/// and concrete inputs) the predictions do not sum to 1 (Optax's messages).
#[track_caller]
pub fn dice_loss_with_options(
    predictions: &Array,
    targets: &Array,
    options: DiceLossOptions,
) -> Array {
    let mut predictions = predictions.clone();
    let mut targets = targets.clone();
    if predictions.ndim() + 1 == targets.ndim() {
        predictions = with_class_axis(&predictions);
    }
    if targets.ndim() + 1 == predictions.ndim() {
        targets = with_class_axis(&targets);
    }
    check_shapes_equal(&predictions, &targets);
    if !options.apply_softmax {
        let sums = jnp::sum(&predictions, -1);
        // A check on values: only when they are known (under a transformation they are not).
        if !sums.is_tracer() {
            let close = jnp::allclose(&sums, &Array::weak_scalar(1.0f64), 1e-5, 1e-8);
            if !close.item::<bool>() {
                panic!(
                    "When apply_softmax=False, predictions must be valid probability \
                     distributions that sum to 1 along the class axis. Found sum range: \
                     [{:.6}, {:.6}]",
                    jnp::min(&sums, ()).astype(DType::F64).item::<f64>(),
                    jnp::max(&sums, ()).astype(DType::F64).item::<f64>()
                );
            }
        }
    }
    let classes = *predictions.shape().last().expect("a class axis");
    let probs = if !options.apply_softmax {
        predictions
    } else if classes == 1 {
        nn::sigmoid(&predictions)
    } else {
        nn::softmax(&predictions, -1)
    };
    let axis = options
        .axis
        .unwrap_or_else(|| Axes::Some((1..probs.ndim().saturating_sub(1) as isize).collect()));
    let intersection = jnp::sum(&(&probs * &targets), axis.clone());
    let pred_sum = jnp::sum(&probs, axis.clone());
    let target_sum = jnp::sum(&targets, axis);
    let numerator = &intersection + options.smooth;
    let denominator = &intersection
        + options.alpha * (pred_sum - &intersection)
        + options.beta * (target_sum - &intersection)
        + options.smooth;
    let mut dice = 1.0 - numerator / denominator;
    if let Some(w) = &options.class_weights {
        check_rank(w, 1);
        dice = dice * w;
    }
    if options.ignore_background && classes > 1 {
        dice = dice.index([Index::Ellipsis, Index::from(1..)]);
    }
    match options.reduction {
        DiceReduction::Mean => jnp::mean(&dice, -1),
        DiceReduction::Sum => jnp::sum(&dice, -1),
        DiceReduction::None => dice,
    }
}

/// Options of [`binary_dice_loss_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinaryDiceLossOptions {
    /// Added to numerator and denominator (default 1).
    pub smooth: f64,
    /// Apply a sigmoid to the predictions first (default true).
    pub apply_sigmoid: bool,
}

impl Default for BinaryDiceLossOptions {
    fn default() -> Self {
        BinaryDiceLossOptions {
            smooth: 1.0,
            apply_sigmoid: true,
        }
    }
}

/// The Dice loss of binary logits `[batch, ...]` (or `[batch, ..., 1]`) against 0/1
/// targets (`optax.losses.binary_dice_loss`); shape `[batch]`.
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn binary_dice_loss(predictions: &Array, targets: &Array) -> Array {
    binary_dice_loss_with_options(predictions, targets, BinaryDiceLossOptions::default())
}

/// [`binary_dice_loss`] with its options (`optax.losses.binary_dice_loss`).
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn binary_dice_loss_with_options(
    predictions: &Array,
    targets: &Array,
    options: BinaryDiceLossOptions,
) -> Array {
    let (mut predictions, mut targets) = (predictions.clone(), targets.clone());
    if predictions.ndim() == targets.ndim() && predictions.shape().last() != Some(&1) {
        predictions = with_class_axis(&predictions);
        targets = with_class_axis(&targets);
    }
    dice_loss_with_options(
        &predictions,
        &targets,
        DiceLossOptions {
            smooth: options.smooth,
            apply_softmax: options.apply_sigmoid,
            ..Default::default()
        },
    )
}

/// Options of [`multiclass_generalized_dice_loss_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeneralizedDiceLossOptions {
    /// Added to numerator and denominator (default 1).
    pub smooth: f64,
    /// Apply a softmax over classes first (default true).
    pub apply_softmax: bool,
    /// Leave out class 0 (default false).
    pub ignore_background: bool,
}

impl Default for GeneralizedDiceLossOptions {
    fn default() -> Self {
        GeneralizedDiceLossOptions {
            smooth: 1.0,
            apply_softmax: true,
            ignore_background: false,
        }
    }
}

/// The generalised Dice loss (`optax.losses.multiclass_generalized_dice_loss`): the Dice
/// loss per class weighted by the inverse squared class frequency (normalised to average
/// 1), averaged to a scalar.
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn multiclass_generalized_dice_loss(predictions: &Array, targets: &Array) -> Array {
    multiclass_generalized_dice_loss_with_options(
        predictions,
        targets,
        GeneralizedDiceLossOptions::default(),
    )
}

/// [`multiclass_generalized_dice_loss`] with its options
/// (`optax.losses.multiclass_generalized_dice_loss`).
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn multiclass_generalized_dice_loss_with_options(
    predictions: &Array,
    targets: &Array,
    options: GeneralizedDiceLossOptions,
) -> Array {
    check_shapes_equal(predictions, targets);
    let leading: Vec<i32> = (0..targets.ndim() as i32 - 1).collect();
    let class_frequencies = jnp::sum(targets, leading);
    let class_weights = 1.0 / (jnp::integer_pow(&class_frequencies, 2) + 1e-7);
    let n = class_weights.shape()[0];
    let class_weights = &class_weights / jnp::sum(&class_weights, ()) * n as i64;
    jnp::mean(
        &dice_loss_with_options(
            predictions,
            targets,
            DiceLossOptions {
                class_weights: Some(class_weights),
                smooth: options.smooth,
                apply_softmax: options.apply_softmax,
                reduction: DiceReduction::None,
                ignore_background: options.ignore_background,
                ..Default::default()
            },
        ),
        (),
    )
}
