//! The multiclass sparsemax loss (`optax.losses.multiclass_sparsemax_loss`) and the
//! Euclidean projection onto the probability simplex it is built on
//! (`optax.projections.projection_simplex`, per row).

use equinox_core::transforms::custom_jvp;
use equinox_core::{nn, numpy as jnp, Array, DType};

/// The projection of each row (last axis) of `values` onto the probability simplex: the
/// nearest vector with non-negative entries summing to 1 (Optax's `_projection_unit_simplex`,
/// sort-based, with its custom JVP `supp * dv - mean over the support of dv`).
fn projection_unit_simplex_rows(values: &Array) -> Array {
    fn project(values: &Array) -> Array {
        let n = *values.shape().last().expect("a last axis");
        let u = jnp::flip(&jnp::sort(values, -1), -1);
        let cumsum_u = jnp::cumsum(&u, -1);
        let ind = jnp::arange(n as i32) + 1;
        let cond = jnp::greater(
            &(jnp::divide(&Array::weak_scalar(1i32), &ind) + (&u - jnp::divide(&cumsum_u, &ind))),
            &Array::weak_scalar(0i32),
        );
        let idx = jnp::sum_keepdims(&cond.astype(DType::I32), -1);
        let picked = jnp::take_along_axis(&cumsum_u, &(&idx - 1), -1);
        nn::relu(
            &(jnp::divide(&Array::weak_scalar(1i32), &idx) + (values - jnp::divide(&picked, &idx))),
        )
    }
    let f = custom_jvp(
        |v: &Array| project(v),
        |v: &Array, dv: &Array| {
            let out = project(v);
            let supp = jnp::greater(&out, &Array::weak_scalar(0i32)).astype(out.dtype());
            let card = jnp::sum_keepdims(&supp, -1);
            let tangent = &supp * dv - jnp::sum_keepdims(&(&supp * dv), -1) / card * &supp;
            (out, tangent)
        },
    );
    f(values)
}

/// The multiclass sparsemax loss of `scores` `[batch, classes]` against integer `labels`
/// `[batch]` (`optax.losses.multiclass_sparsemax_loss`): the Fenchel-Young loss of the
/// Gini negentropy, zero exactly when `sparsemax(scores)` is the label's one-hot vector.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::multiclass_sparsemax_loss;
/// let scores = Array::from_vec(vec![3.0f32, 0.0, 0.0], [1, 3]);
/// let labels = Array::from_vec(vec![0i32], [1]);
/// assert_eq!(multiclass_sparsemax_loss(&scores, &labels).to_vec::<f32>(), vec![0.0]);
/// ```
pub fn multiclass_sparsemax_loss(scores: &Array, labels: &Array) -> Array {
    let proba = projection_unit_simplex_rows(scores);
    let label = jnp::expand_dims(labels, -1);
    let label_scores = jnp::take_along_axis(scores, &label, -1);
    // `scores - scores[label]`, with exactly 0 at the label.
    let num_classes = *scores.shape().last().expect("a class axis");
    let is_label = jnp::equal(&jnp::arange(num_classes as i32), &label);
    let shifted = jnp::where_(
        &is_label,
        &Array::weak_scalar(0.0f64),
        &(scores - &label_scores),
    );
    let nonzero = jnp::not_equal(&proba, &Array::weak_scalar(0i32));
    let masked = jnp::where_(&nonzero, &shifted, &Array::weak_scalar(0.0f64));
    jnp::sum(&(&proba * &masked), -1) + 0.5 * (1.0 - jnp::sum(&(&proba * &proba), -1))
}
