//! Fenchel-Young losses from a max function (`optax.losses.make_fenchel_young_loss`).

use equinox_core::transforms::vmap;
use equinox_core::{numpy as jnp, Array};

/// The Fenchel-Young loss built on `max_fun`, a function from a score vector (1-D) to a
/// scalar, e.g. `logsumexp` (`optax.losses.make_fenchel_young_loss`): the returned
/// `loss(scores, targets)` is `max_fun(scores) - targets · scores` over the last axis, with
/// `max_fun` mapped over any leading axes (Optax's `jnp.vectorize`).
///
/// ```
/// use equinox_core::{nn, Array};
/// use equinox_optim::losses::{make_fenchel_young_loss, softmax_cross_entropy};
/// let fy = make_fenchel_young_loss(|s: &Array| nn::logsumexp(s, -1, false));
/// let scores = Array::from_vec(vec![1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0], [2, 3]);
/// let one_hot = Array::from_vec(vec![0.0f32, 1.0, 0.0, 1.0, 0.0, 0.0], [2, 3]);
/// // With one-hot targets it is the softmax cross entropy.
/// let (a, b) = (fy(&scores, &one_hot).to_vec::<f32>(), softmax_cross_entropy(&scores, &one_hot).to_vec::<f32>());
/// assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-6));
/// ```
pub fn make_fenchel_young_loss<F>(max_fun: F) -> impl Fn(&Array, &Array) -> Array + Clone
where
    F: Fn(&Array) -> Array + Clone,
{
    move |scores: &Array, targets: &Array| {
        let shape = scores.shape().to_vec();
        let n = *shape.last().expect("scores have a last axis");
        let max_value = if shape.len() == 1 {
            max_fun(scores)
        } else {
            let rows = scores.reshape([shape[..shape.len() - 1].iter().product::<usize>(), n]);
            let f = max_fun.clone();
            vmap(move |row: &Array| f(row))(&rows).reshape(&shape[..shape.len() - 1])
        };
        max_value - jnp::sum(&(targets * scores), -1)
    }
}
