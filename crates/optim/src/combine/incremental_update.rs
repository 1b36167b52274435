//! Moving-average target updates (`optax.incremental_update`).

use equinox_core::tree::PyTree;

use crate::base::{check_same_tree, zip_map};

/// `step_size * new + (1 - step_size) * old` leaf by leaf, e.g. a Polyak average of target
/// network parameters (`optax.incremental_update`). Filtered-out leaves of `new` stay
/// filtered out.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::incremental_update;
/// let t = incremental_update(&vec![jnp::ones([2])], &vec![jnp::zeros([2])], 0.25);
/// assert_eq!(t[0].to_vec::<f32>(), vec![0.25, 0.25]);
/// ```
///
/// # Panics
/// If the trees differ in structure or shapes.
#[track_caller]
pub fn incremental_update<P: PyTree>(new_tensors: &P, old_tensors: &P, step_size: f64) -> P {
    check_same_tree(
        "incremental_update",
        "the new tensors",
        new_tensors,
        "the old tensors",
        old_tensors,
    );
    zip_map(new_tensors, old_tensors, |_, new, old| {
        if new.is_filtered_out() {
            new.clone()
        } else {
            step_size * new + (1.0 - step_size) * old
        }
    })
}
