//! Periodic target updates (`optax.periodic_update`).

use equinox_core::tree::PyTree;
use equinox_core::{numpy as jnp, Array};

use crate::base::check_same_tree;
use crate::combine::select::select_tree;

/// `new_tensors` when `steps` is a multiple of `update_period`, else `old_tensors`
/// (`optax.periodic_update`); `steps` is an integer scalar, possibly traced.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::periodic_update;
/// let (new, old) = (vec![jnp::ones([1])], vec![jnp::zeros([1])]);
/// assert_eq!(periodic_update(&new, &old, &Array::scalar(4), 2)[0].to_vec::<f32>(), vec![1.0]);
/// assert_eq!(periodic_update(&new, &old, &Array::scalar(5), 2)[0].to_vec::<f32>(), vec![0.0]);
/// ```
///
/// # Panics
/// If the trees differ in structure or shapes.
#[track_caller]
pub fn periodic_update<P: PyTree>(
    new_tensors: &P,
    old_tensors: &P,
    steps: &Array,
    update_period: i64,
) -> P {
    check_same_tree(
        "periodic_update",
        "the new tensors",
        new_tensors,
        "the old tensors",
        old_tensors,
    );
    let now = jnp::equal(
        &jnp::remainder(steps, &Array::weak_scalar(update_period)),
        &Array::weak_scalar(0i32),
    );
    select_tree(&now, new_tensors, old_tensors)
}
