"""Goldens for equinox-optim's losses (issue 12): every loss of `optax.losses` that
equinox-optim ports, from Optax 0.2.8 / JAX 0.10.2, float32, on fixed inputs.

Each case records the loss function's name, its array inputs, its non-array options (as the
keyword arguments given to Optax), the loss values and, for the losses differentiable in their
main input (predictions / logits / scores / log-predictions / anchors), the gradient of the
summed loss with respect to it. Cases cover the defaults and non-default options, `where`
masks, and edge values (zero and one probabilities, large logits, -inf logits).

Run: .venv/bin/python parity/optim_losses.py  (writes parity/goldens/optim_losses.json)
Checked by crates/optim/tests/suite/losses.rs.
"""

import json
import os
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

from golden_encoding import enc

warnings.simplefilter("ignore")
L = optax.losses
rng = np.random.RandomState(12)


def f32(x):
    return jnp.asarray(np.asarray(x, np.float32))


def normal(*shape, scale=1.0):
    return f32(rng.randn(*shape) * scale)


def probs(*shape):
    return jax.nn.softmax(normal(*shape), axis=-1)


CASES = []

# Losses built by a factory: the case's "fn" names the factory call.
EXTRA_FNS = {
    "fenchel_young_logsumexp": L.make_fenchel_young_loss(jax.scipy.special.logsumexp),
}


def case(name, fn, inputs, main=None, options=None, outputs=1):
    """Records `fn(*inputs.values(), **options)` and its gradient in `inputs[main]`."""
    options = options or {}
    keys = list(inputs)
    reduce_fns = {"mean": jnp.mean, "sum": jnp.sum, "none": None}
    kwargs = {k: (reduce_fns[v] if k == "reduce_fn" else v) for k, v in options.items()}
    loss_fn = EXTRA_FNS[fn] if fn in EXTRA_FNS else getattr(L, fn)
    call = lambda *xs: loss_fn(*xs, **kwargs)
    out = call(*inputs.values())
    entry = {
        "name": name,
        "fn": fn,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "options": {k: (enc(v) if hasattr(v, "shape") else v) for k, v in options.items()},
    }
    if outputs == 1:
        entry["out"] = enc(out)
    else:
        entry["out"] = [enc(o) for o in out]
    if main is not None:
        i = keys.index(main)

        def summed(x):
            xs = list(inputs.values())
            xs[i] = x
            r = call(*xs)
            return jnp.sum(r if outputs == 1 else r[0])

        entry["grad_of"] = main
        entry["grad"] = enc(jax.grad(summed)(inputs[main]))
    CASES.append(entry)


def regression():
    p, t = normal(3, 4, scale=1.5), normal(3, 4)
    case("squared_error", "squared_error", {"predictions": p, "targets": t}, "predictions")
    case("squared_error_no_targets", "squared_error", {"predictions": p}, "predictions")
    case("l2_loss", "l2_loss", {"predictions": p, "targets": t}, "predictions")
    case("l2_loss_no_targets", "l2_loss", {"predictions": p}, "predictions")
    case("huber_loss", "huber_loss", {"predictions": p, "targets": t}, "predictions")
    case("huber_loss_delta", "huber_loss", {"predictions": p, "targets": t}, "predictions",
         {"delta": 0.5})
    case("huber_loss_no_targets", "huber_loss", {"predictions": p * 2}, "predictions",
         {"delta": 2.0})
    kink = f32([[0.0, 1.0, -1.0, 0.5, 3.0]])
    case("huber_loss_at_kinks", "huber_loss", {"predictions": kink}, "predictions")
    case("log_cosh", "log_cosh", {"predictions": p, "targets": t}, "predictions")
    big = f32([[0.0, 1e-4, -3.0, 40.0, -100.0, 1e4]])
    case("log_cosh_large", "log_cosh", {"predictions": big}, "predictions")
    case("cosine_similarity", "cosine_similarity", {"predictions": p, "targets": t},
         "predictions")
    case("cosine_similarity_epsilon_axis0", "cosine_similarity",
         {"predictions": p, "targets": t}, "predictions", {"epsilon": 0.5, "axis": 0})
    case("cosine_similarity_axis_none", "cosine_similarity",
         {"predictions": p, "targets": t}, "predictions", {"axis": None})
    case("cosine_similarity_axes_tuple", "cosine_similarity",
         {"predictions": normal(2, 3, 4), "targets": normal(2, 3, 4)}, "predictions",
         {"axis": (0, 2)})
    mask = jnp.asarray(rng.rand(3, 4) > 0.3)
    case("cosine_similarity_where", "cosine_similarity",
         {"predictions": p, "targets": t}, "predictions", {"where": mask})
    zero = f32([[0.0, 0.0, 0.0], [1.0, 2.0, 2.0]])
    case("cosine_similarity_zero_vector", "cosine_similarity",
         {"predictions": zero, "targets": f32([[1.0, 0.0, 0.0], [2.0, 0.0, 1.0]])}, None)
    case("cosine_similarity_zero_vector_epsilon", "cosine_similarity",
         {"predictions": zero, "targets": f32([[1.0, 0.0, 0.0], [2.0, 0.0, 1.0]])},
         "predictions", {"epsilon": 1e-3})
    case("cosine_distance", "cosine_distance", {"predictions": p, "targets": t}, "predictions")
    case("cosine_distance_options", "cosine_distance", {"predictions": p, "targets": t},
         "predictions", {"epsilon": 0.1, "axis": 0, "where": mask})


def classification():
    logits = normal(3, 4, scale=2.0)
    hard = f32(rng.rand(3, 4) > 0.5)
    soft = f32(rng.rand(3, 4))
    case("sigmoid_binary_cross_entropy", "sigmoid_binary_cross_entropy",
         {"logits": logits, "labels": hard}, "logits")
    case("sigmoid_binary_cross_entropy_soft", "sigmoid_binary_cross_entropy",
         {"logits": logits, "labels": soft}, "logits")
    large = f32([[-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4]])
    large_labels = f32([[0.0, 1.0, 1.0, 0.5, 0.0, 0.0, 1.0]])
    case("sigmoid_binary_cross_entropy_large", "sigmoid_binary_cross_entropy",
         {"logits": large, "labels": large_labels}, "logits")
    case("sigmoid_binary_cross_entropy_int_labels", "sigmoid_binary_cross_entropy",
         {"logits": logits, "labels": jnp.asarray(np.asarray(hard), jnp.int32)}, "logits")
    case("sigmoid_binary_cross_entropy_broadcast", "sigmoid_binary_cross_entropy",
         {"logits": logits, "labels": soft[0]}, "logits")
    case("sigmoid_focal_loss", "sigmoid_focal_loss", {"logits": logits, "labels": hard},
         "logits")
    case("sigmoid_focal_loss_alpha", "sigmoid_focal_loss", {"logits": logits, "labels": hard},
         "logits", {"alpha": 0.25})
    case("sigmoid_focal_loss_gamma", "sigmoid_focal_loss", {"logits": logits, "labels": soft},
         "logits", {"alpha": 0.6, "gamma": 0.5})
    case("sigmoid_focal_loss_gamma0", "sigmoid_focal_loss", {"logits": logits, "labels": hard},
         "logits", {"gamma": 0.0})
    case("sigmoid_focal_loss_large", "sigmoid_focal_loss",
         {"logits": large, "labels": large_labels}, "logits", {"gamma": 1.5})
    scores = f32([[0.3, -2.0, 1.0, 0.0, 2.5, -0.5]])
    targets = f32([[1.0, -1.0, 1.0, -1.0, -1.0, 1.0]])
    case("hinge_loss", "hinge_loss", {"predictor_outputs": scores, "targets": targets},
         "predictor_outputs")
    case("perceptron_loss", "perceptron_loss",
         {"predictor_outputs": scores, "targets": targets}, "predictor_outputs")
    mscores = normal(4, 5)
    mscores = mscores.at[3].set(f32([1.0, 0.0, 2.0, 1.0, 0.0]))  # a tie in the max
    mlabels = jnp.asarray([1, 0, 4, 3], jnp.int32)
    case("multiclass_hinge_loss", "multiclass_hinge_loss",
         {"scores": mscores, "labels": mlabels}, "scores")
    case("multiclass_perceptron_loss", "multiclass_perceptron_loss",
         {"scores": mscores, "labels": mlabels}, "scores")
    case("multiclass_sparsemax_loss", "multiclass_sparsemax_loss",
         {"scores": mscores, "labels": mlabels}, "scores")
    case("multiclass_sparsemax_loss_confident", "multiclass_sparsemax_loss",
         {"scores": f32([[3.0, 0.0, 0.0, 0.5], [0.1, 0.2, 0.3, 0.4]]),
          "labels": jnp.asarray([0, 2], jnp.int32)}, "scores")
    sparse_logits = f32([[-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.5, 0.2]])
    sparse_labels = jnp.asarray([[1, 0, 1, 0, 1, 1, 0, 0]], jnp.int32)
    case("sparsemax_loss", "sparsemax_loss",
         {"logits": sparse_logits, "labels": sparse_labels}, "logits")


def cross_entropy():
    logits = normal(3, 5, scale=2.0)
    labels = probs(3, 5)
    one_hot = jax.nn.one_hot(jnp.asarray([2, 0, 4]), 5)
    case("softmax_cross_entropy", "softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "logits")
    case("softmax_cross_entropy_one_hot", "softmax_cross_entropy",
         {"logits": logits, "labels": one_hot}, "logits")
    case("softmax_cross_entropy_axis0", "softmax_cross_entropy",
         {"logits": logits, "labels": jax.nn.softmax(normal(3, 5), axis=0)}, "logits",
         {"axis": 0})
    case("softmax_cross_entropy_axis_none", "softmax_cross_entropy",
         {"logits": logits, "labels": labels / 3}, "logits", {"axis": None})
    case("softmax_cross_entropy_axes_tuple", "softmax_cross_entropy",
         {"logits": normal(2, 3, 4), "labels": jax.nn.softmax(normal(2, 3, 4), axis=(0, 2))},
         "logits", {"axis": (0, 2)})
    mask = jnp.asarray(rng.rand(3, 5) > 0.3)
    case("softmax_cross_entropy_where", "softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "logits", {"where": mask})
    row_mask = jnp.asarray([True, False, True])
    case("softmax_cross_entropy_where_rows", "softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "logits",
         {"where": row_mask, "axis": -1})
    large = f32([[1e4, 0.0, -1e4], [100.0, 100.0, 99.0]])
    case("softmax_cross_entropy_large", "softmax_cross_entropy",
         {"logits": large, "labels": f32([[0.0, 1.0, 0.0], [0.5, 0.25, 0.25]])}, "logits")
    neg_inf = f32([[-np.inf, 1.0, 0.5], [0.0, -np.inf, -np.inf]])
    neg_inf_labels = f32([[0.0, 0.7, 0.3], [1.0, 0.0, 0.0]])
    case("softmax_cross_entropy_neg_inf", "softmax_cross_entropy",
         {"logits": neg_inf, "labels": neg_inf_labels}, "logits")
    case("safe_softmax_cross_entropy", "safe_softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "logits")
    case("safe_softmax_cross_entropy_neg_inf", "safe_softmax_cross_entropy",
         {"logits": neg_inf, "labels": neg_inf_labels}, "logits")
    # Gradients in the labels: through the custom JVP's `weights_dot` term.
    case("safe_softmax_cross_entropy_label_gradient", "safe_softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "labels")
    case("softmax_cross_entropy_label_gradient", "softmax_cross_entropy",
         {"logits": logits, "labels": labels}, "labels")
    case("safe_softmax_cross_entropy_large", "safe_softmax_cross_entropy",
         {"logits": large, "labels": f32([[0.0, 1.0, 0.0], [0.5, 0.25, 0.25]])}, "logits")
    int_labels = jnp.asarray([2, 0, 4], jnp.int32)
    case("softmax_cross_entropy_with_integer_labels",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": logits, "labels": int_labels}, "logits")
    case("softmax_cross_entropy_with_integer_labels_axis0",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": logits, "labels": jnp.asarray([0, 2, 1, 1, 0], jnp.int32)}, "logits",
         {"axis": 0})
    shape = (1, 2, 3, 4)
    logits4 = jnp.arange(np.prod(shape), dtype=jnp.float32).reshape(shape) * 0.3
    case("softmax_cross_entropy_with_integer_labels_axes_tuple",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": logits4, "labels": jnp.asarray([[5, 11]], jnp.int32)}, "logits",
         {"axis": (2, 3)})
    case("softmax_cross_entropy_with_integer_labels_axes_tuple_middle",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": normal(2, 3, 4), "labels": jnp.asarray([1, 7, 5], jnp.int32)}, "logits",
         {"axis": (0, 2)})
    case("softmax_cross_entropy_with_integer_labels_where_rows",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": logits, "labels": int_labels}, "logits", {"where": row_mask})
    case("softmax_cross_entropy_with_integer_labels_where",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": logits, "labels": int_labels}, "logits",
         {"where": mask.at[1].set(False).at[0, 2].set(True)})
    case("softmax_cross_entropy_with_integer_labels_neg_inf",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": neg_inf, "labels": jnp.asarray([1, 0], jnp.int32)}, "logits")
    case("softmax_cross_entropy_with_integer_labels_large",
         "softmax_cross_entropy_with_integer_labels",
         {"logits": large, "labels": jnp.asarray([2, 1], jnp.int32)}, "logits")
    case("poly_loss_cross_entropy", "poly_loss_cross_entropy",
         {"logits": logits, "labels": labels}, "logits")
    case("poly_loss_cross_entropy_epsilon", "poly_loss_cross_entropy",
         {"logits": logits, "labels": one_hot}, "logits", {"epsilon": -1.0})
    case("poly_loss_cross_entropy_where", "poly_loss_cross_entropy",
         {"logits": logits, "labels": labels}, "logits", {"epsilon": 0.5, "where": mask})
    case("poly_loss_cross_entropy_axis0", "poly_loss_cross_entropy",
         {"logits": logits, "labels": jax.nn.softmax(normal(3, 5), axis=0)}, "logits",
         {"axis": 0})


def kl():
    log_p = jax.nn.log_softmax(normal(3, 4), axis=-1)
    t = probs(3, 4).at[0, 1].set(0.0)
    mask = jnp.asarray(rng.rand(3, 4) > 0.3)
    case("kl_divergence", "kl_divergence", {"log_predictions": log_p, "targets": t},
         "log_predictions")
    case("kl_divergence_axis0_where", "kl_divergence",
         {"log_predictions": log_p, "targets": t}, "log_predictions",
         {"axis": 0, "where": mask})
    case("kl_divergence_axis_none", "kl_divergence",
         {"log_predictions": log_p, "targets": t / 3}, "log_predictions", {"axis": None})
    log_t = jax.nn.log_softmax(normal(3, 4), axis=-1)
    case("kl_divergence_with_log_targets", "kl_divergence_with_log_targets",
         {"log_predictions": log_p, "log_targets": log_t}, "log_predictions")
    case("kl_divergence_with_log_targets_where", "kl_divergence_with_log_targets",
         {"log_predictions": log_p, "log_targets": log_t}, "log_predictions",
         {"where": mask})
    unnorm = f32(rng.rand(3, 4) * 2 + 0.1)
    case("convex_kl_divergence", "convex_kl_divergence",
         {"log_predictions": log_p, "targets": unnorm}, "log_predictions")
    case("generalized_kl_divergence", "generalized_kl_divergence",
         {"log_predictions": log_p, "targets": unnorm}, "log_predictions",
         {"axis": 0, "where": mask})


def segmentation():
    logits = normal(2, 3, 3, 4)
    targets = jax.nn.one_hot(jnp.asarray(rng.randint(0, 4, (2, 3, 3))), 4)
    case("dice_loss", "dice_loss", {"predictions": logits, "targets": targets}, "predictions")
    case("dice_loss_options", "dice_loss", {"predictions": logits, "targets": targets},
         "predictions",
         {"class_weights": f32([0.5, 1.0, 2.0, 1.5]), "smooth": 0.1, "alpha": 0.3,
          "beta": 0.7, "reduction": "sum", "ignore_background": True, "axis": (1,)})
    case("dice_loss_none", "dice_loss",
         {"predictions": jax.nn.softmax(logits, -1), "targets": targets}, "predictions",
         {"apply_softmax": False, "reduction": "none"})
    case("dice_loss_binary_class_axis", "dice_loss",
         {"predictions": normal(2, 5), "targets": f32(rng.rand(2, 5) > 0.5)[..., None]},
         "predictions")
    bin_logits = normal(3, 6)
    bin_targets = f32(rng.rand(3, 6) > 0.5)
    case("binary_dice_loss", "binary_dice_loss",
         {"predictions": bin_logits, "targets": bin_targets}, "predictions")
    case("binary_dice_loss_options", "binary_dice_loss",
         {"predictions": bin_logits, "targets": bin_targets}, "predictions", {"smooth": 0.5})
    case("multiclass_generalized_dice_loss", "multiclass_generalized_dice_loss",
         {"predictions": logits, "targets": targets}, "predictions")
    case("multiclass_generalized_dice_loss_options", "multiclass_generalized_dice_loss",
         {"predictions": logits, "targets": targets}, "predictions",
         {"smooth": 0.2, "ignore_background": True})


def ranking():
    scores = normal(3, 5)
    relevance = f32(rng.randint(0, 3, (3, 5)))
    mask = jnp.asarray(rng.rand(3, 5) > 0.3).at[2].set(False)
    weights = f32(rng.rand(3, 5) + 0.5)
    case("ranking_softmax_loss", "ranking_softmax_loss",
         {"logits": scores, "labels": relevance}, "logits")
    case("ranking_softmax_loss_where", "ranking_softmax_loss",
         {"logits": scores, "labels": relevance}, "logits", {"where": mask})
    case("ranking_softmax_loss_weights_sum", "ranking_softmax_loss",
         {"logits": scores, "labels": relevance}, "logits",
         {"where": mask, "weights": weights, "reduce_fn": "sum"})
    case("ranking_softmax_loss_none", "ranking_softmax_loss",
         {"logits": scores, "labels": relevance}, "logits",
         {"where": mask, "reduce_fn": "none"})
    case("ranking_softmax_loss_all_masked", "ranking_softmax_loss",
         {"logits": scores, "labels": relevance}, "logits",
         {"where": jnp.zeros((3, 5), bool)})


def fenchel_young():
    scores = normal(3, 5)
    case("fenchel_young_logsumexp", "fenchel_young_logsumexp",
         {"scores": scores, "targets": probs(3, 5)}, "scores")
    case("fenchel_young_logsumexp_1d", "fenchel_young_logsumexp",
         {"scores": scores[0], "targets": probs(5)}, "scores")
    case("fenchel_young_logsumexp_3d", "fenchel_young_logsumexp",
         {"scores": normal(2, 2, 4), "targets": probs(2, 2, 4)}, "scores")


def smoothing():
    one_hot = jax.nn.one_hot(jnp.asarray([2, 0, 3]), 4)
    case("smooth_labels", "smooth_labels", {"labels": one_hot}, None, {"alpha": 0.1})
    case("smooth_labels_axis0", "smooth_labels", {"labels": one_hot}, None,
         {"alpha": 0.3, "axis": 0})
    case("smooth_labels_axis_none", "smooth_labels", {"labels": one_hot}, None,
         {"alpha": 0.2, "axis": None})
    case("smooth_labels_where", "smooth_labels", {"labels": one_hot}, None,
         {"alpha": 0.1, "where": jnp.asarray(rng.rand(3, 4) > 0.3)})


def self_supervised():
    a, p, n = normal(3, 4), normal(3, 4), normal(3, 4)
    case("triplet_margin_loss", "triplet_margin_loss",
         {"anchors": a, "positives": p, "negatives": n}, "anchors")
    case("triplet_margin_loss_options", "triplet_margin_loss",
         {"anchors": a, "positives": p, "negatives": n}, "anchors",
         {"norm_degree": 1, "margin": 2.0, "eps": 1e-3})
    case("triplet_margin_loss_axis0", "triplet_margin_loss",
         {"anchors": a, "positives": a + 0.1, "negatives": n}, "anchors",
         {"axis": 0, "norm_degree": 4, "margin": 3.0})
    emb = normal(6, 3)
    case("ntxent", "ntxent", {"embeddings": emb, "labels": jnp.asarray([0, 0, 1, 1, 2, 2])},
         "embeddings")
    case("ntxent_temperature", "ntxent",
         {"embeddings": emb, "labels": jnp.asarray([0, 1, 0, 1, 1, 0])}, "embeddings",
         {"temperature": 0.5})


def ctc():
    logits = normal(2, 6, 5)
    logit_paddings = f32([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]])
    labels = jnp.asarray([[1, 2, 2], [3, 1, 0]], jnp.int32)
    label_paddings = f32([[0, 0, 0], [0, 0, 1]])
    inputs = {"logits": logits, "logit_paddings": logit_paddings, "labels": labels,
              "label_paddings": label_paddings}
    case("ctc_loss", "ctc_loss", inputs, "logits")
    case("ctc_loss_options", "ctc_loss",
         dict(inputs, labels=jnp.asarray([[1, 2, 2], [3, 1, 1]], jnp.int32)), "logits",
         {"blank_id": 4, "log_epsilon": -1e4})
    case("ctc_loss_with_forward_probs", "ctc_loss_with_forward_probs", inputs, "logits",
         outputs=3)
    # Too few frames for the first sequence's labels: its loss is about -log_epsilon. (No
    # gradient: it is the derivative of 1e5 + a small term, all float32 rounding.)
    case("ctc_loss_impossible", "ctc_loss",
         dict(inputs, logits=logits[:, :2], logit_paddings=logit_paddings[:, :2]))


def errors():
    """Messages of Optax's errors that depend on the data."""
    probs_not_normalised = jax.nn.sigmoid(f32([[0.3, -1.2, 2.0], [0.0, 0.5, -0.7]]))
    try:
        L.binary_dice_loss(probs_not_normalised, f32([[1, 0, 1], [0, 0, 1]]),
                           apply_sigmoid=False)
    except ValueError as e:
        return {"binary_dice_loss_not_probabilities": {
            "predictions": enc(probs_not_normalised), "message": str(e)}}
    raise AssertionError("no error")


def main():
    regression()
    classification()
    cross_entropy()
    kl()
    segmentation()
    ranking()
    fenchel_young()
    smoothing()
    self_supervised()
    ctc()
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    out = {
        "_meta": {"jax": jax.__version__, "optax": optax.__version__},
        "losses": {c.pop("name"): c for c in CASES},
        "errors": errors(),
    }
    path = os.path.join(os.path.dirname(__file__), "goldens", "optim_losses.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
