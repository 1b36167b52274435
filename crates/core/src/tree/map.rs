//! Mapping over leaves: `map`, `map2`, `map_n`, `map_with_path` (`jax.tree_util.tree_map`,
//! `tree_map_with_path`).
//!
//! Filtered-out leaves are skipped: `f` is called only where every tree has a real leaf, and
//! elsewhere the result keeps the first tree's leaf. So `map2(&model, &grads, ...)` with
//! `grads` from a filtered gradient leaves the model's non-differentiated leaves unchanged
//! (what `eqx.apply_updates` does with `None` updates).

use super::path::KeyPath;
use super::pytree::PyTree;
use crate::Array;
use smallvec::SmallVec;

/// A tree with the same structure whose leaves are `f(leaf)` (`jax.tree_util.tree_map`).
/// Filtered-out leaves are kept as they are.
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let t = (jnp::ones([2]), 5usize);
/// let doubled = tree::map(&t, |x| x * 2.0);
/// assert_eq!(doubled.0.to_vec::<f32>(), vec![2.0, 2.0]);
/// assert_eq!(doubled.1, 5);
/// ```
pub fn map<T: PyTree>(tree: &T, mut f: impl FnMut(&Array) -> Array) -> T {
    tree.map_leaves(&mut |l| if l.is_filtered_out() { l.clone() } else { f(l) })
}

/// As [`map`], also passing each leaf's path (`jax.tree_util.tree_map_with_path`).
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let t = vec![jnp::ones([2]), jnp::ones([2])];
/// let t = tree::map_with_path(&t, |p, x| if p.to_string() == "[1]" { x * 0.0 } else { x.clone() });
/// assert_eq!(t[1].to_vec::<f32>(), vec![0.0, 0.0]);
/// ```
pub fn map_with_path<T: PyTree>(tree: &T, mut f: impl FnMut(&KeyPath, &Array) -> Array) -> T {
    tree.map_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
        if l.is_filtered_out() {
            l.clone()
        } else {
            f(p, l)
        }
    })
}

/// Panics, naming the first difference, unless `other` has `first`'s structure.
#[track_caller]
fn check_same_structure<T: PyTree>(op: &str, first: &T, other: &T, index: usize) {
    if let Some(d) = first.static_diff(other) {
        panic!("tree::{op}: tree {index} does not have the structure of tree 0; they differ {d}");
    }
}

/// A tree whose leaves are `f(a_leaf, b_leaf)` for the corresponding leaves of two trees of
/// the same structure (`jax.tree_util.tree_map(f, a, b)`). Panics, naming the first differing
/// path, if the structures differ.
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let params = vec![jnp::ones([2])];
/// let grads = vec![jnp::full([2], 0.5f32)];
/// let new = tree::map2(&params, &grads, |p, g| p - g * 0.1);
/// assert_eq!(new[0].to_vec::<f32>(), vec![0.95, 0.95]);
/// ```
#[track_caller]
pub fn map2<T: PyTree>(a: &T, b: &T, mut f: impl FnMut(&Array, &Array) -> Array) -> T {
    check_same_structure("map2", a, b, 1);
    let mut bs = Vec::with_capacity(a.num_leaves());
    b.visit_leaves(&mut |l| bs.push(l));
    let mut bs = bs.into_iter();
    a.map_leaves(&mut |x| {
        let y = bs.next().expect("equal structures have equal leaf counts");
        if x.is_filtered_out() || y.is_filtered_out() {
            x.clone()
        } else {
            f(x, y)
        }
    })
}

/// A tree whose leaves are `f(&[leaf of trees[0], leaf of trees[1], ...])`, for any number of
/// trees of the same structure. Panics, naming the first differing path, if the structures
/// differ, or if `trees` is empty.
///
/// ```
/// use equinox_core::{numpy as jnp, tree, DType};
/// let ts: Vec<_> = (1..=3).map(|i| (jnp::full([2], i as f32),)).collect();
/// let refs: Vec<_> = ts.iter().collect();
/// let sum = tree::map_n(&refs, |xs| xs.iter().fold(xs[0] * 0.0, |acc, x| acc + *x));
/// assert_eq!(sum.0.to_vec::<f32>(), vec![6.0, 6.0]);
/// ```
#[track_caller]
pub fn map_n<T: PyTree>(trees: &[&T], mut f: impl FnMut(&[&Array]) -> Array) -> T {
    let (first, rest) = trees
        .split_first()
        .expect("tree::map_n: needs at least one tree");
    for (i, t) in rest.iter().enumerate() {
        check_same_structure("map_n", *first, *t, i + 1);
    }
    let mut others: Vec<std::vec::IntoIter<&Array>> = rest
        .iter()
        .map(|t| {
            let mut v = Vec::with_capacity(first.num_leaves());
            t.visit_leaves(&mut |l| v.push(l));
            v.into_iter()
        })
        .collect();
    first.map_leaves(&mut |x| {
        let mut args: SmallVec<[&Array; 8]> = SmallVec::with_capacity(trees.len());
        args.push(x);
        for it in others.iter_mut() {
            args.push(it.next().expect("equal structures have equal leaf counts"));
        }
        if args.iter().any(|l| l.is_filtered_out()) {
            x.clone()
        } else {
            f(&args)
        }
    })
}
