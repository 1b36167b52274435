//! The `PyTree` trait: what every model, gradient and optimiser state is.

use super::path::{KeyPath, PathKey};
use super::pretty::{Doc, PrettyOptions};
use crate::Array;
use std::fmt;
use std::hash::Hasher;

/// A tree whose leaves are [`Array`]s and whose other content is static structure (JAX's
/// PyTree, Equinox's Module).
///
/// Leaves come in a fixed order: depth first, struct fields in declaration order, sequences by
/// index, maps by key. Everything that is not a leaf (numbers, strings, `fn` pointers, sequence
/// lengths, map keys, which `Option`s are `Some`, enum variants) is *static*: it is fed to a
/// hasher by [`hash_static`](PyTree::hash_static) and compared by
/// [`static_diff`](PyTree::static_diff), which is what jit cache keys and
/// [`tree_equal`](super::tree_equal) use.
///
/// The traversals take `&mut impl FnMut`, so a whole traversal is one monomorphised loop with
/// no allocation per leaf. Leaves that were filtered out ([`Array::filtered_out`]) are still
/// visited here; the functions in [`crate::tree`] (`leaves`, `map`, ...) skip them.
///
/// Implement it with `#[derive(Module)]` (re-exported by `equinox`); implementations for
/// `Array`, `Option`, `Vec`, `[T; N]`, tuples up to 12, `Box`, `Arc`, `BTreeMap`, `HashMap`
/// and the static scalar types are provided. A hand-written implementation follows the same
/// pattern as the derive's:
///
/// ```
/// use equinox_core::tree::{self, Difference, Doc, KeyPath, PathKey, PrettyOptions, PyTree};
/// use equinox_core::{numpy as jnp, Array, DType};
/// use std::hash::Hasher;
///
/// struct Affine { scale: Array, size: usize }
///
/// impl PyTree for Affine {
///     fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
///         self.scale.visit_leaves(f);
///         self.size.visit_leaves(f);
///     }
///     fn visit_leaves_with_path<'a>(&'a self, p: &mut KeyPath, f: &mut impl FnMut(&KeyPath, &'a Array)) {
///         p.with(PathKey::Field("scale"), |p| self.scale.visit_leaves_with_path(p, f));
///         p.with(PathKey::Field("size"), |p| self.size.visit_leaves_with_path(p, f));
///     }
///     fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
///         Affine { scale: self.scale.map_leaves(f), size: self.size.map_leaves(f) }
///     }
///     fn map_leaves_with_path(&self, p: &mut KeyPath, f: &mut impl FnMut(&KeyPath, &Array) -> Array) -> Self {
///         Affine {
///             scale: p.with(PathKey::Field("scale"), |p| self.scale.map_leaves_with_path(p, f)),
///             size: p.with(PathKey::Field("size"), |p| self.size.map_leaves_with_path(p, f)),
///         }
///     }
///     fn hash_static<H: Hasher>(&self, state: &mut H) {
///         self.scale.hash_static(state);
///         self.size.hash_static(state);
///     }
///     fn static_diff(&self, other: &Self) -> Option<Difference> {
///         let d = self.scale.static_diff(&other.scale);
///         let d = d.map(|d| d.at(PathKey::Field("scale")));
///         d.or_else(|| self.size.static_diff(&other.size).map(|d| d.at(PathKey::Field("size"))))
///     }
///     fn pdoc(&self, o: &PrettyOptions) -> Doc {
///         let fields = vec![tree::named("scale", self.scale.pdoc(o)), tree::named("size", self.size.pdoc(o))];
///         tree::named_fields("Affine", fields, o)
///     }
/// }
///
/// let a = Affine { scale: jnp::ones([3]), size: 3 };
/// assert_eq!(tree::leaves(&a).len(), 1);
/// assert_eq!(tree::tree_pformat(&a), "Affine(scale=f32[3], size=3)");
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a PyTree",
    label = "`{Self}` is not a PyTree, so it cannot be part of a Module",
    note = "leaves are `Array`s; numbers, strings, bools, `()` and `fn` pointers are static; \
            `Option`, `Vec`, `[T; N]`, tuples, `Box`, `Arc`, `BTreeMap` and `HashMap` of PyTrees \
            are PyTrees",
    note = "derive `Module` for your own types, or mark the field `#[module(static)]` to keep it \
            as static structure (it then needs `Clone + Hash + Eq + Debug`)"
)]
pub trait PyTree: Sized {
    /// Calls `f` on every leaf, in order (including filtered-out leaves).
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array));

    /// As [`visit_leaves`](PyTree::visit_leaves), also passing each leaf's path. `path` is the
    /// path of `self`; implementations push and pop their children's keys on it.
    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    );

    /// A tree with the same static structure whose leaves are `f` of this tree's leaves, in
    /// order. `f` sees every leaf, including filtered-out ones.
    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self;

    /// As [`map_leaves`](PyTree::map_leaves), also passing each leaf's path.
    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self;

    /// Feeds the static structure (everything except the leaves' values and avals) to `state`.
    /// Trees for which [`static_diff`](PyTree::static_diff) finds no difference hash equally.
    fn hash_static<H: Hasher>(&self, state: &mut H);

    /// The first difference in static structure between two trees, or `None` when they have
    /// the same structure (same lengths, keys, variants and equal static values). Leaves are
    /// not compared.
    fn static_diff(&self, other: &Self) -> Option<Difference>;

    /// The pretty-printing document for this tree (see [`tree_pformat`](super::tree_pformat)).
    fn pdoc(&self, opts: &PrettyOptions) -> Doc;

    /// True when the two trees have the same static structure.
    fn static_eq(&self, other: &Self) -> bool {
        self.static_diff(other).is_none()
    }

    /// The number of leaf slots, filtered-out ones included.
    fn num_leaves(&self) -> usize {
        let mut n = 0;
        self.visit_leaves(&mut |_| n += 1);
        n
    }
}

/// Where and how two trees' static structures differ (see [`PyTree::static_diff`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Difference {
    /// The path from the root, innermost key first (it is built on the way back up, so the
    /// equal case costs nothing).
    reversed_path: Vec<PathKey>,
    what: String,
}

impl Difference {
    /// A difference found at the current node.
    pub fn new(what: impl Into<String>) -> Difference {
        Difference {
            reversed_path: Vec::new(),
            what: what.into(),
        }
    }

    /// This difference, seen from the parent of the node it was found at through `key`.
    pub fn at(mut self, key: PathKey) -> Difference {
        self.reversed_path.push(key);
        self
    }

    /// The path of the node where the trees differ.
    pub fn path(&self) -> KeyPath {
        KeyPath::from(self.reversed_path.iter().rev().cloned().collect::<Vec<_>>())
    }

    /// What differs there.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.reversed_path.is_empty() {
            write!(f, "at the root: {}", self.what)
        } else {
            write!(f, "at `{}`: {}", self.path(), self.what)
        }
    }
}

impl fmt::Debug for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
