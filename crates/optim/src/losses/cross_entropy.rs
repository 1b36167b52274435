//! Softmax cross entropies (`optax.losses._classification`): against probability labels,
//! safe for `-inf` logits, against integer labels, and the poly-1 loss.

use equinox_core::transforms::custom_jvp;
use equinox_core::{nn, numpy as jnp, Array, Axes};

use super::reductions::{
    check_floating, check_integer, log_softmax_where, logsumexp_where, softmax_where, sum_where,
};

/// The `axis` and `where` options of the losses that reduce over classes or vector
/// components, with Optax's defaults.
#[derive(Clone, Debug)]
pub struct ReduceOptions {
    /// The axis or axes reduced over (default `-1`; `Axes::All` for the whole array where
    /// the loss allows it).
    pub axis: Axes,
    /// Which elements take part (default all). For the softmax cross entropies it may also
    /// have the loss's shape, `[batch]` for `[batch, classes]` logits: it is then expanded
    /// along `axis`, as in Optax.
    pub where_: Option<Array>,
}

impl Default for ReduceOptions {
    fn default() -> Self {
        ReduceOptions {
            axis: Axes::from(-1),
            where_: None,
        }
    }
}

/// Options of [`softmax_cross_entropy_with_options`] and
/// [`softmax_cross_entropy_with_integer_labels_with_options`].
pub type SoftmaxCrossEntropyOptions = ReduceOptions;

/// A `where` of fewer dimensions than the logits, expanded along `axis` (Optax's
/// `jnp.expand_dims(where, axis)`).
fn expand_where(where_: Option<Array>, logits: &Array, axis: &Axes) -> Option<Array> {
    where_.map(|w| {
        if w.ndim() == logits.ndim() {
            w
        } else {
            jnp::expand_dims(&w, axis.clone())
        }
    })
}

/// `-sum(labels * log_softmax(logits))` over the last axis
/// (`optax.losses.softmax_cross_entropy`); `labels` are probability distributions (e.g.
/// one-hot), broadcastable to the logits. Result shape `[...]` for logits `[..., classes]`.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::softmax_cross_entropy;
/// let logits = Array::from_vec(vec![1.2f32, -0.8, -0.5, 0.9, -1.2, 1.1], [2, 3]);
/// let labels = Array::from_vec(vec![1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0], [2, 3]);
/// let loss = softmax_cross_entropy(&logits, &labels).to_vec::<f32>();
/// assert!((loss[0] - 0.2761).abs() < 1e-4 && (loss[1] - 2.9518).abs() < 1e-4);
/// ```
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn softmax_cross_entropy(logits: &Array, labels: &Array) -> Array {
    softmax_cross_entropy_with_options(logits, labels, ReduceOptions::default())
}

/// [`softmax_cross_entropy`] over `axis`, counting only the elements `where_` selects
/// (`optax.losses.softmax_cross_entropy`). Masked-out logits get log-probability `-inf` and
/// do not count in the sum.
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn softmax_cross_entropy_with_options(
    logits: &Array,
    labels: &Array,
    options: SoftmaxCrossEntropyOptions,
) -> Array {
    check_floating(logits);
    let ReduceOptions { axis, where_ } = options;
    let where_ = expand_where(where_, logits, &axis);
    let log_probs = log_softmax_where(logits, &axis, where_.as_ref());
    -sum_where(&(labels * log_probs), &axis, where_.as_ref(), false)
}

/// `weights * log_softmax(x)` over the last axis, 0 where a weight is 0 (so `0 * -inf` is
/// 0), with Optax's derivative `w * dx - w * sum(dx * softmax(x)) + dw * log_softmax(x)`
/// (`optax.losses._classification.weighted_logsoftmax`, a `custom_jvp`).
fn weighted_logsoftmax(x: &Array, weights: &Array) -> Array {
    fn value(x: &Array, weights: &Array) -> (Array, Array) {
        let log_softmax = nn::log_softmax(x, -1);
        let nonzero = jnp::not_equal(weights, &Array::weak_scalar(0.0f64));
        let zeros = jnp::zeros_like(&log_softmax);
        (
            jnp::where_(&nonzero, &(weights * &log_softmax), &zeros),
            log_softmax,
        )
    }
    let f = custom_jvp(
        |(x, w): &(Array, Array)| value(x, w).0,
        |(x, w): &(Array, Array), (x_dot, w_dot): &(Array, Array)| {
            let (out, log_softmax) = value(x, w);
            let softmax = nn::softmax(x, -1);
            let tangent =
                w * x_dot - w * jnp::sum_keepdims(&(x_dot * softmax), -1) + w_dot * log_softmax;
            (out, tangent)
        },
    );
    f(&(x.clone(), weights.clone()))
}

/// The softmax cross entropy with `0 * log(0) = 0` (`optax.losses.safe_softmax_cross_entropy`):
/// a `-inf` logit with label 0 adds nothing, where [`softmax_cross_entropy`] gives NaN.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::safe_softmax_cross_entropy;
/// let logits = Array::from_vec(vec![0.0f32, f32::NEG_INFINITY], [2]);
/// let labels = Array::from_vec(vec![1.0f32, 0.0], [2]);
/// assert_eq!(safe_softmax_cross_entropy(&logits, &labels).item::<f32>(), 0.0);
/// ```
///
/// # Panics
/// If `logits` is not floating point (Optax's message).
#[track_caller]
pub fn safe_softmax_cross_entropy(logits: &Array, labels: &Array) -> Array {
    check_floating(logits);
    -jnp::sum(&weighted_logsoftmax(logits, labels), -1)
}

/// `logsumexp(logits) - logits[label]` over the last axis
/// (`optax.losses.softmax_cross_entropy_with_integer_labels`); `labels` are integer class
/// indices of shape `[...]` for logits `[..., classes]`.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::losses::softmax_cross_entropy_with_integer_labels;
/// let logits = Array::from_vec(vec![1.2f32, -0.8, -0.5, 0.9, -1.2, 1.1], [2, 3]);
/// let labels = Array::from_vec(vec![0i32, 1], [2]);
/// let loss = softmax_cross_entropy_with_integer_labels(&logits, &labels).to_vec::<f32>();
/// assert!((loss[0] - 0.2761).abs() < 1e-4 && (loss[1] - 2.9518).abs() < 1e-4);
/// ```
///
/// # Panics
/// If `logits` is not floating point or `labels` not integer (Optax's messages).
#[track_caller]
pub fn softmax_cross_entropy_with_integer_labels(logits: &Array, labels: &Array) -> Array {
    softmax_cross_entropy_with_integer_labels_with_options(logits, labels, ReduceOptions::default())
}

/// Optax's `canonicalize_axis`: `axis` as a non-negative index, or its `ValueError`.
#[track_caller]
fn canonicalize_axis(axis: isize, ndim: usize) -> usize {
    let n = ndim as isize;
    if (0..n).contains(&axis) {
        axis as usize
    } else if (-n..0).contains(&axis) {
        (axis + n) as usize
    } else {
        panic!("axis {axis} is out of bounds for array of dimension {ndim}")
    }
}

/// [`softmax_cross_entropy_with_integer_labels`] over `axis`, counting only the logits
/// `where_` selects; a row with none selected gives 0
/// (`optax.losses.softmax_cross_entropy_with_integer_labels`). With several axes the label
/// is a flat (row-major) index into the slice they span.
///
/// # Panics
/// If `logits` is not floating point, `labels` not integer, an axis is out of range or
/// `axis` is `Axes::All` (Optax's messages).
#[track_caller]
pub fn softmax_cross_entropy_with_integer_labels_with_options(
    logits: &Array,
    labels: &Array,
    options: SoftmaxCrossEntropyOptions,
) -> Array {
    check_floating(logits);
    check_integer(labels);
    let ReduceOptions { axis, where_ } = options;
    let mut where_ = expand_where(where_, logits, &axis);
    let ndim = logits.ndim();
    let (logits, class_axis) = match &axis {
        Axes::All => panic!(
            "Keyword argument 'axis' must be of type 'int' or 'tuple[int, ...]' but actual \
             type is <class 'NoneType'>."
        ),
        Axes::Some(list) if list.len() == 1 => (logits.clone(), canonicalize_axis(list[0], ndim)),
        Axes::Some(list) => {
            // The class axes moved to the end, in order, and flattened into one.
            let logit_axes: Vec<usize> = list.iter().map(|&a| canonicalize_axis(a, ndim)).collect();
            let batch_axes: Vec<usize> = (0..ndim).filter(|a| !logit_axes.contains(a)).collect();
            let perm: Vec<isize> = batch_axes
                .iter()
                .chain(&logit_axes)
                .map(|&a| a as isize)
                .collect();
            let flatten = |x: &Array| {
                let moved = x.transpose(&perm);
                let mut shape: Vec<i32> = moved.shape()[..batch_axes.len()]
                    .iter()
                    .map(|&d| d as i32)
                    .collect();
                shape.push(-1);
                moved.reshape(shape.as_slice())
            };
            where_ = where_.map(|w| flatten(&w));
            (flatten(logits), batch_axes.len())
        }
    };
    let axis = class_axis as isize;
    let label_logits = jnp::squeeze(
        &jnp::take_along_axis(&logits, &jnp::expand_dims(labels, axis), axis),
        axis,
    );
    let log_normalizers = logsumexp_where(&logits, &Axes::from(axis), where_.as_ref());
    let out = log_normalizers - label_logits;
    match where_ {
        Some(w) => jnp::where_(&jnp::any(&w, axis), &out, &Array::weak_scalar(0.0f64)),
        None => out,
    }
}

/// Options of [`poly_loss_cross_entropy_with_options`], with Optax's defaults.
#[derive(Clone, Debug)]
pub struct PolyLossOptions {
    /// The coefficient of the first polynomial term (default 2).
    pub epsilon: f64,
    /// The class axis or axes (default `-1`).
    pub axis: Axes,
    /// Which elements take part (default all), of the logits' shape.
    pub where_: Option<Array>,
}

impl Default for PolyLossOptions {
    fn default() -> Self {
        PolyLossOptions {
            epsilon: 2.0,
            axis: Axes::from(-1),
            where_: None,
        }
    }
}

/// The Poly-1 loss with `epsilon = 2` (`optax.losses.poly_loss_cross_entropy`): the softmax
/// cross entropy plus `epsilon * (1 - p_t)`, `p_t` the label-weighted predicted probability.
///
/// # Panics
/// If `logits` or `labels` is not floating point (Optax's message).
#[track_caller]
pub fn poly_loss_cross_entropy(logits: &Array, labels: &Array) -> Array {
    poly_loss_cross_entropy_with_options(logits, labels, PolyLossOptions::default())
}

/// The Poly-1 loss `cross_entropy + epsilon * sum(labels * (1 - softmax(logits)))` over
/// `axis`, counting only the elements `where_` selects
/// (`optax.losses.poly_loss_cross_entropy`).
///
/// # Panics
/// If `logits` or `labels` is not floating point (Optax's message).
#[track_caller]
pub fn poly_loss_cross_entropy_with_options(
    logits: &Array,
    labels: &Array,
    options: PolyLossOptions,
) -> Array {
    check_floating(logits);
    check_floating(labels);
    let PolyLossOptions {
        epsilon,
        axis,
        where_,
    } = options;
    let p = softmax_where(logits, &axis, where_.as_ref());
    let one_minus_pt = sum_where(&(labels * (1 - p)), &axis, where_.as_ref(), false);
    let cross_entropy =
        softmax_cross_entropy_with_options(logits, labels, ReduceOptions { axis, where_ });
    cross_entropy + epsilon * one_minus_pt
}
