//! Ranking losses (`optax.losses.ranking_softmax_loss`).

use equinox_core::{nn, numpy as jnp, Array};

use super::reductions::{check_floating, sum_where};

/// How [`ranking_softmax_loss_with_options`] reduces the per-list losses (Optax's
/// `reduce_fn`: `jnp.mean`, `jnp.sum` or `None`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RankingReduction {
    /// The mean over the lists with a valid item; 0 when there is none (the default).
    #[default]
    Mean,
    /// The sum over the lists with a valid item.
    Sum,
    /// The loss per list, 0 for lists without a valid item.
    None,
}

/// Options of [`ranking_softmax_loss_with_options`], with Optax's defaults.
#[derive(Clone, Debug, Default)]
pub struct RankingSoftmaxLossOptions {
    /// Which items take part, of the logits' shape (default all).
    pub where_: Option<Array>,
    /// A weight per item multiplying its label (default none).
    pub weights: Option<Array>,
    /// How the per-list losses are reduced (default the mean).
    pub reduce_fn: RankingReduction,
}

/// The listwise softmax loss of scores `[..., list_size]` against relevance labels, averaged
/// over lists (`optax.losses.ranking_softmax_loss` with its defaults): the softmax cross
/// entropy with the labels as (unnormalised) target weights.
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn ranking_softmax_loss(logits: &Array, labels: &Array) -> Array {
    ranking_softmax_loss_with_options(logits, labels, RankingSoftmaxLossOptions::default())
}

/// [`ranking_softmax_loss`] with a mask of valid items, item weights and the reduction
/// (`optax.losses.ranking_softmax_loss`).
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn ranking_softmax_loss_with_options(
    logits: &Array,
    labels: &Array,
    options: RankingSoftmaxLossOptions,
) -> Array {
    check_floating(logits);
    let RankingSoftmaxLossOptions {
        where_,
        weights,
        reduce_fn,
    } = options;
    let mut labels = labels.astype(logits.dtype());
    let mut logits = logits.clone();
    // Masked items count for nothing: label 0, logit -inf.
    if let Some(w) = &where_ {
        labels = jnp::where_(w, &labels, &jnp::zeros_like(&labels));
        logits = jnp::where_(w, &logits, &(-jnp::ones_like(&logits) * f64::INFINITY));
    }
    if let Some(weights) = &weights {
        labels = labels * weights;
    }
    let log_softmax = nn::log_softmax(&logits, -1);
    let cross_entropy = labels * log_softmax;
    let loss = -sum_where(&cross_entropy, &(-1).into(), where_.as_ref(), false);
    // A list without a valid item does not count in the reduction.
    let valid_lists = where_.map(|w| jnp::any(&w, -1));
    match reduce_fn {
        RankingReduction::Mean => {
            let mean = match &valid_lists {
                Some(v) => {
                    let count = jnp::sum(&v.astype(loss.dtype()), ());
                    sum_where(&loss, &().into(), Some(v), false) / count
                }
                None => jnp::mean(&loss, ()),
            };
            // An empty mean is NaN; Optax makes it 0 unless a loss itself is NaN.
            let input_valid = jnp::logical_not(&jnp::any(&jnp::isnan(&loss), ()));
            jnp::where_(
                &jnp::logical_and(&jnp::isnan(&mean), &input_valid),
                &Array::weak_scalar(0.0f64),
                &mean,
            )
        }
        RankingReduction::Sum => sum_where(&loss, &().into(), valid_lists.as_ref(), false),
        RankingReduction::None => match &valid_lists {
            Some(v) => jnp::where_(v, &loss, &Array::weak_scalar(0.0f64)),
            None => loss,
        },
    }
}
