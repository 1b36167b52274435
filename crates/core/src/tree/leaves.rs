//! Reading leaves: `leaves`, `leaves_with_path` (`jax.tree_util.tree_leaves`,
//! `tree_leaves_with_path`).

use super::path::KeyPath;
use super::pytree::PyTree;
use crate::Array;

/// The leaves of `tree` in order, skipping filtered-out ones (`jax.tree_util.tree_leaves`).
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let t = (jnp::zeros([2]), 3usize, vec![jnp::ones([3])]);
/// let l = tree::leaves(&t);
/// assert_eq!(l.len(), 2);
/// assert_eq!(l[1].shape(), &[3]);
/// ```
pub fn leaves<T: PyTree>(tree: &T) -> Vec<&Array> {
    let mut out = Vec::new();
    tree.visit_leaves(&mut |l| {
        if !l.is_filtered_out() {
            out.push(l)
        }
    });
    out
}

/// The leaves of `tree` with their paths, skipping filtered-out ones
/// (`jax.tree_util.tree_leaves_with_path`).
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let t = (jnp::zeros([2]), vec![jnp::ones([3])]);
/// let paths: Vec<String> = tree::leaves_with_path(&t).iter().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(paths, [".0", ".1[0]"]);
/// ```
pub fn leaves_with_path<T: PyTree>(tree: &T) -> Vec<(KeyPath, &Array)> {
    let mut out = Vec::new();
    tree.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
        if !l.is_filtered_out() {
            out.push((p.clone(), l))
        }
    });
    out
}

/// The number of leaves of `tree`, not counting filtered-out ones.
pub fn num_leaves<T: PyTree>(tree: &T) -> usize {
    let mut n = 0;
    tree.visit_leaves(&mut |l| n += !l.is_filtered_out() as usize);
    n
}
