//! Connectionist temporal classification (`optax.losses.ctc_loss`,
//! `optax.losses.ctc_loss_with_forward_probs`).

use equinox_core::{nn, numpy as jnp, s, Array, DType};

use super::reductions::{check_rank, check_shapes_equal};

/// Options of [`ctc_loss_with_options`] and [`ctc_loss_with_forward_probs_with_options`],
/// with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CtcLossOptions {
    /// The class of the blank symbol (default 0).
    pub blank_id: usize,
    /// The stand-in for `log(0)` (default -1e5).
    pub log_epsilon: f64,
}

impl Default for CtcLossOptions {
    fn default() -> Self {
        CtcLossOptions {
            blank_id: 0,
            log_epsilon: -1e5,
        }
    }
}

/// The CTC loss per sequence, `[B]` (`optax.losses.ctc_loss`, blank 0).
///
/// `logits` is `[B, T, K]` (K classes, blank included), `logit_paddings` `[B, T]` (1.0 marks a
/// padded frame), `labels` `[B, N]` integers and `label_paddings` `[B, N]` (1.0 marks a
/// padded label; labels are right-padded).
///
/// # Panics
/// On ranks or shapes that do not fit together (Optax's messages).
#[track_caller]
pub fn ctc_loss(
    logits: &Array,
    logit_paddings: &Array,
    labels: &Array,
    label_paddings: &Array,
) -> Array {
    ctc_loss_with_options(
        logits,
        logit_paddings,
        labels,
        label_paddings,
        CtcLossOptions::default(),
    )
}

/// [`ctc_loss`] with a given blank class and `log(0)` stand-in (`optax.losses.ctc_loss`).
///
/// # Panics
/// On ranks or shapes that do not fit together (Optax's messages).
#[track_caller]
pub fn ctc_loss_with_options(
    logits: &Array,
    logit_paddings: &Array,
    labels: &Array,
    label_paddings: &Array,
    options: CtcLossOptions,
) -> Array {
    ctc_loss_with_forward_probs_with_options(
        logits,
        logit_paddings,
        labels,
        label_paddings,
        options,
    )
    .0
}

/// The CTC loss and the forward log-probabilities `(loss [B], logalpha_blank [T, B, N+1],
/// logalpha_nonblank [T, B, N])` (`optax.losses.ctc_loss_with_forward_probs`, blank 0).
///
/// # Panics
/// On ranks or shapes that do not fit together (Optax's messages).
#[track_caller]
pub fn ctc_loss_with_forward_probs(
    logits: &Array,
    logit_paddings: &Array,
    labels: &Array,
    label_paddings: &Array,
) -> (Array, Array, Array) {
    ctc_loss_with_forward_probs_with_options(
        logits,
        logit_paddings,
        labels,
        label_paddings,
        CtcLossOptions::default(),
    )
}

/// `logaddexp(phi[:, 1:], added)` written back into `phi[:, 1:]` (Optax's
/// `update_phi_score`).
fn update_phi_score(phi: &Array, added_score: &Array) -> Array {
    jnp::concatenate(
        &[
            &phi.index(s![.., ..1]),
            &jnp::logaddexp(&phi.index(s![.., 1..]), added_score),
        ],
        -1,
    )
}

/// [`ctc_loss_with_forward_probs`] with a given blank class and `log(0)` stand-in
/// (`optax.losses.ctc_loss_with_forward_probs`). The forward recursion is Optax's
/// `lax.scan` body, run once per frame.
///
/// # Panics
/// On ranks or shapes that do not fit together (Optax's messages).
#[track_caller]
pub fn ctc_loss_with_forward_probs_with_options(
    logits: &Array,
    logit_paddings: &Array,
    labels: &Array,
    label_paddings: &Array,
    options: CtcLossOptions,
) -> (Array, Array, Array) {
    check_rank(logits, 3);
    check_rank(labels, 2);
    check_shapes_equal(labels, label_paddings);
    check_shapes_equal(&logits.index(s![.., .., 0]), logit_paddings);
    let (batchsize, maxinputlen, num_classes) =
        (logits.shape()[0], logits.shape()[1], logits.shape()[2]);
    let (batchsize_of_labels, maxlabellen) = (labels.shape()[0], labels.shape()[1]);
    if batchsize_of_labels != batchsize {
        panic!("Expected `labels` to have batch size {batchsize}, got {batchsize_of_labels}.");
    }
    let CtcLossOptions {
        blank_id,
        log_epsilon,
    } = options;
    let log_eps = Array::weak_scalar(log_epsilon);

    let logprobs = nn::log_softmax(logits, -1);
    let labellens = maxlabellen as i32 - jnp::sum(label_paddings, 1).astype(DType::I32);

    // repeat[b, n] = 1.0 when labels[b, n] == labels[b, n + 1].
    let repeat =
        jnp::equal(&labels.index(s![.., ..-1]), &labels.index(s![.., 1..])).astype(DType::F32);
    let repeat = jnp::pad(&repeat, &[(0, 0), (0, 1)], 0.0);

    let b = blank_id as i64;
    let logprobs_phi = logprobs.index(s![.., .., b..b + 1]).transpose(&[1, 0, 2]); // [T, B, 1]
    let one_hot = nn::one_hot(labels, num_classes); // [B, N, K]
    let logprobs_emit = jnp::einsum("btk,bnk->btn", &[&logprobs, &one_hot]).transpose(&[1, 0, 2]);

    let phi_init = jnp::ones([batchsize, maxlabellen + 1]) * &log_eps;
    let mut prev_phi = phi_init.at(s![.., 0]).set(0.0);
    let mut prev_emit = jnp::ones([batchsize, maxlabellen]) * &log_eps;
    let pads = logit_paddings.transpose(&[1, 0]);

    let mut phis = Vec::with_capacity(maxinputlen);
    let mut emits = Vec::with_capacity(maxinputlen);
    for t in 0..maxinputlen as i64 {
        let logprob_emit = logprobs_emit.index(s![t]);
        let logprob_phi = logprobs_phi.index(s![t]);
        let pad = pads.index(s![t]).reshape([batchsize, 1]);
        let prev_phi_orig = prev_phi.clone();
        // Emit-to-phi epsilon transition, except when the next label repeats.
        let phi = update_phi_score(&prev_phi, &(&prev_emit + &log_eps * &repeat));
        // Phi-to-emit transition.
        let next_emit = jnp::logaddexp(
            &(phi.index(s![.., ..-1]) + &logprob_emit),
            &(&prev_emit + &logprob_emit),
        );
        // Self-loop transition.
        let next_phi = &phi + &logprob_phi;
        // Emit-to-phi blank transition, only when the next label repeats.
        let next_phi = update_phi_score(
            &next_phi,
            &(&prev_emit + &logprob_phi + &log_eps * (1.0 - &repeat)),
        );
        let next_emit = &pad * &prev_emit + (1.0 - &pad) * next_emit;
        let next_phi = &pad * &prev_phi_orig + (1.0 - &pad) * next_phi;
        prev_phi = next_phi;
        prev_emit = next_emit;
        phis.push(prev_phi.clone());
        emits.push(prev_emit.clone());
    }

    // The last row takes the final epsilon transition.
    let last_phi = update_phi_score(&prev_phi, &prev_emit);
    phis.pop();
    phis.push(last_phi.clone());
    let logalpha_phi = jnp::stack(&phis.iter().collect::<Vec<_>>(), 0);
    let logalpha_emit = jnp::stack(&emits.iter().collect::<Vec<_>>(), 0);

    let one_hot = nn::one_hot(&labellens, maxlabellen + 1); // [B, N+1]
    let per_seq_loss = -jnp::einsum("bn,bn->b", &[&last_phi, &one_hot]);
    (per_seq_loss, logalpha_phi, logalpha_emit)
}
