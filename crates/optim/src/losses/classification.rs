//! Binary and multiclass margin and sigmoid losses (`optax.losses._classification`):
//! sigmoid cross entropy, sigmoid focal loss, hinge and perceptron losses.

use equinox_core::{nn, numpy as jnp, Array};

use super::reductions::{check_floating, check_shapes_equal, logsumexp_scaled_last};

/// Elementwise sigmoid cross entropy of `logits` against `labels` (0/1 or probabilities, cast
/// to the logits' dtype; broadcast): `-labels * log_sigmoid(logits) - (1 - labels) *
/// log_sigmoid(-logits)` (`optax.losses.sigmoid_binary_cross_entropy`). Stable for large
/// logits.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::sigmoid_binary_cross_entropy;
/// let logits = Array::from_vec(vec![0.0f32, 100.0], [2]);
/// let labels = Array::from_vec(vec![1.0f32, 0.0], [2]);
/// let loss = sigmoid_binary_cross_entropy(&logits, &labels).to_vec::<f32>();
/// assert_eq!(loss, vec![2f32.ln(), 100.0]);
/// ```
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn sigmoid_binary_cross_entropy(logits: &Array, labels: &Array) -> Array {
    check_floating(logits);
    let labels = labels.astype(logits.dtype());
    let log_p = nn::log_sigmoid(logits);
    // log(1 - sigmoid(x)) = log_sigmoid(-x), the stable form.
    let log_not_p = nn::log_sigmoid(&-logits);
    -&labels * log_p - (1.0 - &labels) * log_not_p
}

/// Options of [`sigmoid_focal_loss_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SigmoidFocalLossOptions {
    /// The weight of positive examples, `1 - alpha` that of negative ones (default none: no
    /// weighting).
    pub alpha: Option<f64>,
    /// The exponent of the modulating factor `(1 - p_t)` (default 2).
    pub gamma: f64,
}

impl Default for SigmoidFocalLossOptions {
    fn default() -> Self {
        SigmoidFocalLossOptions {
            alpha: None,
            gamma: 2.0,
        }
    }
}

/// The focal loss with `gamma = 2` and no class weighting (`optax.losses.sigmoid_focal_loss`):
/// the sigmoid cross entropy scaled by `(1 - p_t)^2`, `p_t` the predicted probability of
/// the true label.
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn sigmoid_focal_loss(logits: &Array, labels: &Array) -> Array {
    sigmoid_focal_loss_with_options(logits, labels, SigmoidFocalLossOptions::default())
}

/// The focal loss `-alpha_t * (1 - p_t)^gamma * log(p_t)` elementwise
/// (`optax.losses.sigmoid_focal_loss`), with `(1 - p_t)^gamma` computed in log space as
/// Optax 0.2.8 does (`exp(gamma * logsumexp([log p, log(1 - p)], b=[1 - y, y]))`), so soft
/// labels and extreme logits stay finite.
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn sigmoid_focal_loss_with_options(
    logits: &Array,
    labels: &Array,
    options: SigmoidFocalLossOptions,
) -> Array {
    check_floating(logits);
    let labels = labels.astype(logits.dtype());
    let ce_loss = sigmoid_binary_cross_entropy(logits, &labels);
    let log_p = nn::log_sigmoid(logits);
    let log_q = nn::log_sigmoid(&-logits);
    let log_one_minus_p_t = logsumexp_scaled_last(
        &jnp::stack(&[&log_p, &log_q], -1),
        &jnp::stack(&[&(1 - &labels), &labels], -1),
    );
    let focal_weight = jnp::exp(&(options.gamma * log_one_minus_p_t));
    let loss = ce_loss * focal_weight;
    match options.alpha {
        None => loss,
        Some(alpha) => (alpha * &labels + (1.0 - alpha) * (1.0 - &labels)) * loss,
    }
}

/// `max(0, 1 - predictor_outputs * targets)`, targets in {-1, 1}
/// (`optax.losses.hinge_loss`).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::hinge_loss;
/// let out = Array::from_vec(vec![0.3f32, 2.0], [2]);
/// let t = Array::from_vec(vec![1.0f32, 1.0], [2]);
/// assert_eq!(hinge_loss(&out, &t).to_vec::<f32>(), vec![0.7, 0.0]);
/// ```
pub fn hinge_loss(predictor_outputs: &Array, targets: &Array) -> Array {
    jnp::maximum(
        &Array::weak_scalar(0i32),
        &(1 - predictor_outputs * targets),
    )
}

/// `max(0, -predictor_outputs * targets)`, targets in {-1, 1}
/// (`optax.losses.perceptron_loss`).
///
/// # Panics
/// If the shapes differ (Optax's message).
#[track_caller]
pub fn perceptron_loss(predictor_outputs: &Array, targets: &Array) -> Array {
    check_shapes_equal(predictor_outputs, targets);
    jnp::maximum(&Array::weak_scalar(0i32), &(-predictor_outputs * targets))
}

/// `scores · one_hot(labels)` over the last axis (Optax's vectorised `jnp.dot`).
fn label_scores(scores: &Array, one_hot: &Array) -> Array {
    jnp::sum(&(scores * one_hot), -1)
}

/// `max_k(scores_k + 1 - [k = label]) - scores_label` over the last axis
/// (`optax.losses.multiclass_hinge_loss`); `labels` are integers.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::multiclass_hinge_loss;
/// let scores = Array::from_vec(vec![2.0f32, 0.5, 0.0], [1, 3]);
/// let labels = Array::from_vec(vec![0i32], [1]);
/// assert_eq!(multiclass_hinge_loss(&scores, &labels).to_vec::<f32>(), vec![0.0]);
/// ```
pub fn multiclass_hinge_loss(scores: &Array, labels: &Array) -> Array {
    let num_classes = *scores.shape().last().expect("scores have a class axis");
    let one_hot = nn::one_hot(labels, num_classes);
    jnp::max(&(scores + 1.0 - &one_hot), -1) - label_scores(scores, &one_hot)
}

/// `max_k scores_k - scores_label` over the last axis
/// (`optax.losses.multiclass_perceptron_loss`); `labels` are integers.
pub fn multiclass_perceptron_loss(scores: &Array, labels: &Array) -> Array {
    let num_classes = *scores.shape().last().expect("scores have a class axis");
    let one_hot = nn::one_hot(labels, num_classes);
    jnp::max(scores, -1) - label_scores(scores, &one_hot)
}

/// `sparse_plus(x)`: 0 below -1, `(x + 1)^2 / 4` between -1 and 1, `x` above
/// (`jax.nn.sparse_plus`).
fn sparse_plus(x: &Array) -> Array {
    let smooth = jnp::integer_pow(&(x + 1.0), 2) / 4.0;
    let upper = jnp::where_(
        &jnp::greater_equal(x, &Array::weak_scalar(1.0f64)),
        x,
        &smooth,
    );
    jnp::where_(
        &jnp::less_equal(x, &Array::weak_scalar(-1.0f64)),
        &Array::weak_scalar(0.0f64),
        &upper,
    )
}

/// The binary sparsemax loss, `sparse_plus(labels ? -logits : logits)`, labels 0 or 1
/// (`optax.losses.sparsemax_loss`): zero exactly when `sparse_sigmoid(logits)` equals the
/// label.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::sparsemax_loss;
/// let logits = Array::from_vec(vec![2.0f32, 0.0, -3.0], [3]);
/// let labels = Array::from_vec(vec![1i32, 1, 1], [3]);
/// assert_eq!(sparsemax_loss(&logits, &labels).to_vec::<f32>(), vec![0.0, 0.25, 3.0]);
/// ```
pub fn sparsemax_loss(logits: &Array, labels: &Array) -> Array {
    sparse_plus(&jnp::where_(labels, &-logits, logits))
}
