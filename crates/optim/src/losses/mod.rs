//! Losses (`optax.losses`), with Optax 0.2.8's formulas op for op, so `float32` values and
//! gradients agree with Optax's (`parity/optim_losses.py` holds the proof). They are built
//! from differentiable array operations: `grad` of a loss is Optax's `jax.grad` of it.
//!
//! Families, one per file:
//! - regression: [`squared_error`], [`l2_loss`], [`huber_loss`], [`log_cosh`],
//!   [`cosine_similarity`], [`cosine_distance`];
//! - sigmoid and margin losses: [`sigmoid_binary_cross_entropy`], [`sigmoid_focal_loss`],
//!   [`hinge_loss`], [`perceptron_loss`], [`multiclass_hinge_loss`],
//!   [`multiclass_perceptron_loss`], [`sparsemax_loss`], [`multiclass_sparsemax_loss`];
//! - softmax cross entropies: [`softmax_cross_entropy`],
//!   [`softmax_cross_entropy_with_integer_labels`], [`safe_softmax_cross_entropy`],
//!   [`poly_loss_cross_entropy`];
//! - KL divergences: [`kl_divergence`], [`kl_divergence_with_log_targets`],
//!   [`generalized_kl_divergence`] (and its former name [`convex_kl_divergence`]);
//! - [`ctc_loss`], [`ctc_loss_with_forward_probs`];
//! - [`make_fenchel_young_loss`] (a loss from a max function);
//! - [`smooth_labels`];
//! - ranking: [`ranking_softmax_loss`];
//! - segmentation: [`dice_loss`], [`binary_dice_loss`], [`multiclass_generalized_dice_loss`];
//! - self-supervised: [`triplet_margin_loss`], [`ntxent`].
//!
//! Optional arguments (Optax's keyword arguments: `axis`, `where`, `delta`, ...) go through
//! the `*_with_options` forms and their options structs, whose `Default` is Optax's.
//!
//! ```
//! use equinox_core::{transforms::grad, Array};
//! use equinox_optim::losses::{softmax_cross_entropy_with_integer_labels, smooth_labels};
//! let logits = Array::from_vec(vec![2.0f32, 0.0, 0.0, 1.0], [2, 2]);
//! let labels = Array::from_vec(vec![0i32, 1], [2]);
//! let loss = |l: &Array| softmax_cross_entropy_with_integer_labels(l, &labels).mean(());
//! let g = grad(loss)(&logits);
//! assert_eq!(g.shape(), &[2, 2]);
//! assert_eq!(smooth_labels(&Array::from_vec(vec![1.0f32, 0.0], [2]), 0.5).to_vec::<f32>(), vec![0.75, 0.25]);
//! ```

mod classification;
mod cross_entropy;
mod ctc;
mod fenchel_young;
mod kl;
mod ranking;
mod reductions;
mod regression;
mod segmentation;
mod self_supervised;
mod smoothing;
mod sparsemax;

pub use classification::{
    hinge_loss, multiclass_hinge_loss, multiclass_perceptron_loss, perceptron_loss,
    sigmoid_binary_cross_entropy, sigmoid_focal_loss, sigmoid_focal_loss_with_options,
    sparsemax_loss, SigmoidFocalLossOptions,
};
pub use cross_entropy::{
    poly_loss_cross_entropy, poly_loss_cross_entropy_with_options, safe_softmax_cross_entropy,
    softmax_cross_entropy, softmax_cross_entropy_with_integer_labels,
    softmax_cross_entropy_with_integer_labels_with_options, softmax_cross_entropy_with_options,
    PolyLossOptions, ReduceOptions, SoftmaxCrossEntropyOptions,
};
pub use ctc::{
    ctc_loss, ctc_loss_with_forward_probs, ctc_loss_with_forward_probs_with_options,
    ctc_loss_with_options, CtcLossOptions,
};
pub use fenchel_young::make_fenchel_young_loss;
pub use kl::{
    convex_kl_divergence, convex_kl_divergence_with_options, generalized_kl_divergence,
    generalized_kl_divergence_with_options, kl_divergence, kl_divergence_with_log_targets,
    kl_divergence_with_log_targets_with_options, kl_divergence_with_options, KlDivergenceOptions,
};
pub use ranking::{
    ranking_softmax_loss, ranking_softmax_loss_with_options, RankingReduction,
    RankingSoftmaxLossOptions,
};
pub use regression::{
    cosine_distance, cosine_distance_with_options, cosine_similarity,
    cosine_similarity_with_options, huber_loss, huber_loss_with_options, l2_loss, log_cosh,
    squared_error, CosineSimilarityOptions, HuberLossOptions,
};
pub use segmentation::{
    binary_dice_loss, binary_dice_loss_with_options, dice_loss, dice_loss_with_options,
    multiclass_generalized_dice_loss, multiclass_generalized_dice_loss_with_options,
    BinaryDiceLossOptions, DiceLossOptions, DiceReduction, GeneralizedDiceLossOptions,
};
pub use self_supervised::{
    ntxent, ntxent_with_options, triplet_margin_loss, triplet_margin_loss_with_options,
    NtxentOptions, TripletMarginLossOptions,
};
pub use smoothing::{smooth_labels, smooth_labels_with_options, SmoothLabelsOptions};
pub use sparsemax::multiclass_sparsemax_loss;
