//! Structures: `flatten`, `unflatten`, `structure`, `rebuild` (`jax.tree_util.tree_flatten`,
//! `tree_unflatten`, `tree_structure`).

use super::pretty::{pformat_doc, PrettyOptions};
use super::pytree::PyTree;
use crate::Array;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

/// The structure of a tree without its leaves (JAX's `PyTreeDef`): comparable, hashable, and
/// able to rebuild a tree from a list of leaves.
///
/// It holds a *skeleton*: the tree with each leaf replaced by one shared empty array, and each
/// filtered-out leaf kept as the placeholder it is (filtered-out slots are part of the
/// structure, as Equinox's `None`s are). So it keeps no leaf buffers alive. Two structures are
/// equal when their static content is equal ([`PyTree::static_eq`]) and the same slots are
/// filtered out; array shapes are not part of the structure.
///
/// ```
/// use equinox_core::{numpy as jnp, tree};
/// let a = (jnp::zeros([2]), vec![jnp::ones([3]), jnp::ones([1])]);
/// let b = (jnp::ones([5]), vec![jnp::zeros([3]), jnp::zeros([3])]);
/// assert_eq!(tree::structure(&a), tree::structure(&b));
/// assert_eq!(format!("{:?}", tree::structure(&a)), "PyTreeDef((*, [*, *]))");
/// ```
#[derive(Clone)]
pub struct TreeDef<T> {
    skeleton: T,
    num_leaves: usize,
}

/// The shared stand-in for a real leaf in a skeleton: one allocation for the whole process.
fn hole() -> &'static Array {
    static HOLE: OnceLock<Array> = OnceLock::new();
    HOLE.get_or_init(|| Array::from_vec(Vec::<f32>::new(), [0]))
}

impl<T: PyTree> TreeDef<T> {
    /// The number of leaves a tree of this structure has (filtered-out slots not counted).
    pub fn num_leaves(&self) -> usize {
        self.num_leaves
    }

    /// Builds the tree of this structure with the given leaves, in order
    /// (`treedef.unflatten(leaves)`). Panics if the number of leaves is wrong.
    #[track_caller]
    pub fn unflatten(&self, leaves: impl IntoIterator<Item = Array>) -> T {
        rebuild_from(&self.skeleton, leaves, "unflatten")
    }

    /// Whether `tree` has this structure.
    pub fn matches(&self, tree: &T) -> bool {
        self.skeleton.static_eq(tree) && same_filtered_slots(&self.skeleton, tree)
    }
}

/// True when the two trees (of equal static structure) have their filtered-out leaves in the
/// same slots.
fn same_filtered_slots<T: PyTree>(a: &T, b: &T) -> bool {
    let mut fa = Vec::new();
    a.visit_leaves(&mut |l| fa.push(l.is_filtered_out()));
    let mut i = 0;
    let mut same = true;
    b.visit_leaves(&mut |l| {
        same &= fa.get(i) == Some(&l.is_filtered_out());
        i += 1;
    });
    same && i == fa.len()
}

impl<T: PyTree> PartialEq for TreeDef<T> {
    fn eq(&self, other: &Self) -> bool {
        self.num_leaves == other.num_leaves
            && self.skeleton.static_eq(&other.skeleton)
            && same_filtered_slots(&self.skeleton, &other.skeleton)
    }
}

impl<T: PyTree> Eq for TreeDef<T> {}

impl<T: PyTree> Hash for TreeDef<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.skeleton.hash_static(state);
        self.skeleton
            .visit_leaves(&mut |l| state.write_u8(l.is_filtered_out() as u8));
    }
}

/// Prints like JAX's treedefs: the tree with `*` for each leaf and `None` for filtered-out
/// slots, e.g. `PyTreeDef(Linear(weight=*, bias=None, in_features=3))`.
impl<T: PyTree> fmt::Debug for TreeDef<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let opts = PrettyOptions {
            leaves_as_star: true,
            ..PrettyOptions::default()
        };
        let body = pformat_doc(&self.skeleton.pdoc(&opts), opts.width);
        write!(f, "PyTreeDef({body})")
    }
}

/// The structure of `tree` (`jax.tree_util.tree_structure`).
pub fn structure<T: PyTree>(tree: &T) -> TreeDef<T> {
    let mut num_leaves = 0;
    let skeleton = tree.map_leaves(&mut |l| {
        if l.is_filtered_out() {
            l.clone()
        } else {
            num_leaves += 1;
            hole().clone()
        }
    });
    TreeDef {
        skeleton,
        num_leaves,
    }
}

/// The leaves of `tree` (filtered-out ones skipped) and its structure
/// (`jax.tree_util.tree_flatten`).
///
/// ```
/// use equinox_core::{numpy as jnp, tree};
/// let t = vec![(jnp::zeros([2]), 1usize), (jnp::ones([2]), 2usize)];
/// let (leaves, def) = tree::flatten(&t);
/// let leaves: Vec<_> = leaves.iter().map(|x| x + 1.0).collect();
/// let t2 = tree::unflatten(&def, leaves);
/// assert_eq!(t2[1].0.to_vec::<f32>(), vec![2.0, 2.0]);
/// assert_eq!(t2[1].1, 2);
/// ```
pub fn flatten<T: PyTree>(tree: &T) -> (Vec<Array>, TreeDef<T>) {
    let mut leaves = Vec::new();
    tree.visit_leaves(&mut |l| {
        if !l.is_filtered_out() {
            leaves.push(l.clone())
        }
    });
    (leaves, structure(tree))
}

/// Builds a tree of structure `def` from leaves in order (`jax.tree_util.tree_unflatten`).
/// Panics if the number of leaves is wrong.
#[track_caller]
pub fn unflatten<T: PyTree>(def: &TreeDef<T>, leaves: impl IntoIterator<Item = Array>) -> T {
    def.unflatten(leaves)
}

/// A tree with `like`'s structure and the given leaves in order, one for each leaf of `like`
/// that is not filtered out (filtered-out slots stay filtered out). This is
/// [`flatten`]/[`unflatten`] without building a [`TreeDef`]: the fast path when the original
/// tree is at hand. Panics if the number of leaves is wrong.
///
/// ```
/// use equinox_core::{numpy as jnp, tree};
/// let t = (jnp::zeros([2]), 7i32);
/// let t2 = tree::rebuild(&t, [jnp::ones([3])]);
/// assert_eq!(t2.0.shape(), &[3]);
/// assert_eq!(t2.1, 7);
/// ```
#[track_caller]
pub fn rebuild<T: PyTree>(like: &T, leaves: impl IntoIterator<Item = Array>) -> T {
    rebuild_from(like, leaves, "rebuild")
}

/// Fills the non-filtered-out slots of `like` from `leaves`, in order.
#[track_caller]
fn rebuild_from<T: PyTree>(like: &T, leaves: impl IntoIterator<Item = Array>, op: &str) -> T {
    let mut it = leaves.into_iter();
    let (mut needed, mut given) = (0usize, 0usize);
    let out = like.map_leaves(&mut |slot| {
        if slot.is_filtered_out() {
            return slot.clone();
        }
        needed += 1;
        match it.next() {
            Some(l) => {
                given += 1;
                l
            }
            // Keep going to count the slots; the result is discarded by the panic below.
            None => slot.clone(),
        }
    });
    given += it.count();
    if given != needed {
        panic!("tree::{op}: the structure has {needed} leaves but {given} were given");
    }
    out
}
