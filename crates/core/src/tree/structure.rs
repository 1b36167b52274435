//! Structures: `flatten`, `unflatten`, `structure`, `rebuild` (`jax.tree_util.tree_flatten`,
//! `tree_unflatten`, `tree_structure`).

use super::pretty::{pformat_doc, PrettyOptions};
use super::pytree::PyTree;
use crate::{Array, DType, Shape, ShapeDtype};
use std::fmt;
use std::hash::{Hash, Hasher};

/// The structure of a tree without its leaves (JAX's `PyTreeDef`): comparable, hashable, and
/// able to rebuild a tree from a list of leaves.
///
/// It holds a *skeleton*: the tree with every leaf replaced by an element-less placeholder (no
/// buffer is kept alive, and making one costs no reference counting), plus a bit per slot
/// saying which slots were already filtered out in the original tree (filtered-out slots are
/// part of the structure, as Equinox's `None`s are, and keep their placeholder). Two
/// structures are equal when their static content is equal ([`PyTree::static_eq`]) and the
/// same slots are filtered out; array shapes are not part of the structure.
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
    /// Bit `i` is set when slot `i` was filtered out in the original tree. Empty when none was.
    filtered: Vec<u64>,
    num_slots: usize,
    num_leaves: usize,
}

/// The placeholder for a real leaf in a skeleton: built without allocating or counting
/// references.
fn hole() -> Array {
    Array::filtered_out(ShapeDtype::new(Shape::scalar(), DType::F32))
}

/// One bit per leaf slot of `tree`, set for the filtered-out ones (empty if there are none),
/// and the number of slots.
fn filtered_bits<T: PyTree>(tree: &T) -> (Vec<u64>, usize) {
    let mut bits = Vec::new();
    let mut i = 0;
    tree.visit_leaves(&mut |l| {
        if l.is_filtered_out() {
            set_bit(&mut bits, i);
        }
        i += 1;
    });
    (bits, i)
}

fn set_bit(bits: &mut Vec<u64>, i: usize) {
    if bits.len() <= i / 64 {
        bits.resize(i / 64 + 1, 0);
    }
    bits[i / 64] |= 1 << (i % 64);
}

fn bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
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
        let mut it = leaves.into_iter();
        let mut given = 0usize;
        let mut slot = 0usize;
        let out = self.skeleton.map_leaves(&mut |placeholder| {
            slot += 1;
            if bit(&self.filtered, slot - 1) {
                return placeholder.clone();
            }
            match it.next() {
                Some(l) => {
                    given += 1;
                    l
                }
                // Keep going; the result is discarded by the panic below.
                None => placeholder.clone(),
            }
        });
        given += it.count();
        if given != self.num_leaves {
            panic!(
                "tree::unflatten: the structure has {} leaves but {given} were given",
                self.num_leaves
            );
        }
        out
    }

    /// Whether `tree` has this structure.
    pub fn matches(&self, tree: &T) -> bool {
        self.skeleton.static_eq(tree)
            && filtered_bits(tree) == (self.filtered.clone(), self.num_slots)
    }
}

impl<T: PyTree> PartialEq for TreeDef<T> {
    fn eq(&self, other: &Self) -> bool {
        self.num_slots == other.num_slots
            && self.filtered == other.filtered
            && self.skeleton.static_eq(&other.skeleton)
    }
}

impl<T: PyTree> Eq for TreeDef<T> {}

impl<T: PyTree> Hash for TreeDef<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.skeleton.hash_static(state);
        self.filtered.hash(state);
        self.num_slots.hash(state);
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
        // Real slots become a concrete (empty) array so that they print as `*`.
        let star = Array::from_vec(Vec::<f32>::new(), [0]);
        let mut slot = 0;
        let printable = self.skeleton.map_leaves(&mut |placeholder| {
            slot += 1;
            if bit(&self.filtered, slot - 1) {
                placeholder.clone()
            } else {
                star.clone()
            }
        });
        let body = pformat_doc(&printable.pdoc(&opts), opts.width);
        write!(f, "PyTreeDef({body})")
    }
}

/// The structure of `tree` (`jax.tree_util.tree_structure`).
pub fn structure<T: PyTree>(tree: &T) -> TreeDef<T> {
    let mut filtered = Vec::new();
    let (mut num_slots, mut num_leaves) = (0, 0);
    let skeleton = tree.map_leaves(&mut |l| {
        num_slots += 1;
        if l.is_filtered_out() {
            set_bit(&mut filtered, num_slots - 1);
            l.clone()
        } else {
            num_leaves += 1;
            hole()
        }
    });
    TreeDef {
        skeleton,
        filtered,
        num_slots,
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
    let mut leaves = Vec::with_capacity(tree.num_leaves());
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
        panic!("tree::rebuild: the structure has {needed} leaves but {given} were given");
    }
    out
}
