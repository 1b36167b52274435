//! Self-supervised losses (`optax.losses._self_supervised`): the triplet margin loss and
//! NT-Xent.

use equinox_core::lax::stop_gradient;
use equinox_core::numpy::{self as jnp, NEWAXIS};
use equinox_core::{s, Array, DType};

use super::reductions::check_floating;
use super::regression::{cosine_similarity_with_options, CosineSimilarityOptions};

/// Options of [`triplet_margin_loss_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TripletMarginLossOptions {
    /// The axis the distances are taken along (default `-1`).
    pub axis: isize,
    /// The degree `p` of the distance `(sum(d^p) + eps)^(1/p)` (default 2). Differences are
    /// raised to it as they are, not their absolute values, as in Optax.
    pub norm_degree: f64,
    /// How much nearer the positive must be than the negative (default 1).
    pub margin: f64,
    /// Added under the root for stability (default 1e-6).
    pub eps: f64,
}

impl Default for TripletMarginLossOptions {
    fn default() -> Self {
        TripletMarginLossOptions {
            axis: -1,
            norm_degree: 2.0,
            margin: 1.0,
            eps: 1e-6,
        }
    }
}

/// `max(d(anchor, positive) - d(anchor, negative) + 1, 0)` with Euclidean distances along the
/// last axis (`optax.losses.triplet_margin_loss`).
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::triplet_margin_loss;
/// let a = Array::from_vec(vec![0.0f32, 0.0, 1.0, 1.0], [2, 2]);
/// let p = Array::from_vec(vec![0.1f32, 0.1, 1.1, 1.1], [2, 2]);
/// let n = Array::from_vec(vec![1.0f32, 0.0, 0.0, 1.0], [2, 2]);
/// let loss = triplet_margin_loss(&a, &p, &n).to_vec::<f32>();
/// assert!((loss[0] - 0.1414).abs() < 1e-4 && (loss[1] - 0.1414).abs() < 1e-4);
/// ```
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn triplet_margin_loss(anchors: &Array, positives: &Array, negatives: &Array) -> Array {
    triplet_margin_loss_with_options(
        anchors,
        positives,
        negatives,
        TripletMarginLossOptions::default(),
    )
}

/// The triplet margin loss with Optax's options (`optax.losses.triplet_margin_loss`).
///
/// # Panics
/// If an input is not floating point (Optax's message).
#[track_caller]
pub fn triplet_margin_loss_with_options(
    anchors: &Array,
    positives: &Array,
    negatives: &Array,
    options: TripletMarginLossOptions,
) -> Array {
    check_floating(anchors);
    check_floating(positives);
    check_floating(negatives);
    let TripletMarginLossOptions {
        axis,
        norm_degree,
        margin,
        eps,
    } = options;
    let distance = |other: &Array| {
        let powered = (anchors - other).powf(norm_degree);
        // `1 / norm_degree` is a Python float, so this root is `lax.pow`.
        jnp::power(
            &(jnp::sum(&powered, axis) + eps),
            &Array::weak_scalar(1.0 / norm_degree),
        )
    };
    let loss = distance(positives) - distance(negatives) + margin;
    jnp::maximum(&loss, &Array::weak_scalar(0i32))
}

/// Options of [`ntxent_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NtxentOptions {
    /// The temperature dividing the cosine similarities (default 0.07).
    pub temperature: f64,
}

impl Default for NtxentOptions {
    fn default() -> Self {
        NtxentOptions { temperature: 0.07 }
    }
}

/// The normalised temperature-scaled cross entropy (NT-Xent) of a batch of embeddings
/// `[batch, features]`, where equal `labels` mark positive pairs, averaged over the positive
/// pairs (`optax.losses.ntxent`, temperature 0.07).
///
/// # Panics
/// If `embeddings` is not floating point or the leading dimensions differ (Optax's
/// messages).
#[track_caller]
pub fn ntxent(embeddings: &Array, labels: &Array) -> Array {
    ntxent_with_options(embeddings, labels, NtxentOptions::default())
}

/// NT-Xent with a given temperature (`optax.losses.ntxent`).
///
/// # Panics
/// If `embeddings` is not floating point or the leading dimensions differ (Optax's
/// messages).
#[track_caller]
pub fn ntxent_with_options(embeddings: &Array, labels: &Array, options: NtxentOptions) -> Array {
    check_floating(embeddings);
    if labels.shape()[0] != embeddings.shape()[0] {
        panic!(
            "Labels and embeddings must have the same leading dimension, found {} for labels \
             and {} for embeddings.",
            labels.shape()[0],
            embeddings.shape()[0]
        );
    }
    let eps = match embeddings.dtype() {
        DType::F64 => f64::EPSILON,
        DType::F32 => f64::from(f32::EPSILON),
        d => panic!("ntxent: embeddings of dtype {d} are not supported"),
    };
    // xcs[i, j]: the cosine similarity of embeddings j and i, over the temperature.
    let xcs = cosine_similarity_with_options(
        &embeddings.index(s![NEWAXIS, .., ..]),
        &embeddings.index(s![.., NEWAXIS, ..]),
        CosineSimilarityOptions {
            epsilon: eps,
            ..Default::default()
        },
    ) / options.temperature;
    let same = jnp::equal(
        &labels.index(s![.., NEWAXIS]),
        &labels.index(s![NEWAXIS, ..]),
    );
    let diffs = jnp::logical_not(&same);
    let n = labels.shape()[0];
    // Positive pairs: the same label, not the embedding with itself.
    let matches = jnp::logical_and(&same, &jnp::logical_not(&jnp::eye(n).astype(DType::Bool)));
    let neg_inf = Array::weak_scalar(f64::NEG_INFINITY);
    let xcs_diffs = jnp::where_(&diffs, &xcs, &neg_inf);
    let xcs_matches = jnp::where_(&matches, &xcs, &neg_inf);
    // Shifted by the row maximum for stability.
    let comb = jnp::concatenate(&[&xcs_diffs, &xcs_matches], -1);
    let xcs_max = stop_gradient(&jnp::max_keepdims(&comb, 1));
    let xcs_shift_diffs = &xcs_diffs - &xcs_max;
    let numer = &xcs_matches - &xcs_max;
    let denom = jnp::sum_keepdims(&jnp::exp(&xcs_shift_diffs), 1) + jnp::exp(&numer);
    let log_softm = &numer - jnp::log(&denom);
    let picked = jnp::where_(&matches, &log_softm, &Array::weak_scalar(0.0f64));
    -jnp::sum(&picked, ()) / jnp::sum(&matches, ())
}
