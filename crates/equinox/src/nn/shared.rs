//! `eqx.nn.Shared`: tying nodes of a PyTree together.

use crate::tree::{self, Difference, Doc, KeyPath, PathKey, PrettyOptions, PyTree};
use crate::{tree_at, Array};
use std::fmt;
use std::hash::Hasher;

/// Ties one node of a PyTree to another (`eqx.nn.Shared`), such as the embedding matrix of a
/// language model and the weight of its output layer.
///
/// A PyTree holds no aliases: the same layer stored twice is two independent copies that
/// train apart. `Shared` stores the tree with the node selected by `where_` *removed* (its
/// leaves are filtered-out placeholders, Equinox's `SharedNode`), so the tied leaves appear
/// once among the leaves (once in gradients, optimiser states and `.eqx` files), and
/// [`call`](Shared::call) rebuilds the full tree with `get(pytree)` put in that place. Gradients
/// through the rebuilt tree flow to the source node.
///
/// `where_` selects the node by reaching it (as in [`tree_at`](fn@crate::tree_at)) and `get`
/// computes its value from the tree (possibly transformed, for example transposed); both are
/// plain functions (closures that capture nothing), static structure compared by address.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, tree, numpy as jnp};
///
/// let [k1, k2] = random::split_into(random::key(0));
/// let pair = (nn::Linear::new(3, 3, k1), nn::Linear::new(3, 3, k2));
/// let shared = nn::Shared::new(
///     pair,
///     |p: &mut (nn::Linear, nn::Linear)| &mut p.1.weight,
///     |p: &(nn::Linear, nn::Linear)| p.0.weight.clone(),
/// );
/// assert_eq!(tree::leaves(&shared).len(), 3); // weight and bias, and the second bias
/// let (a, b) = shared.call();
/// assert_eq!(a.weight.to_vec::<f32>(), b.weight.to_vec::<f32>());
/// ```
#[derive(Clone)]
pub struct Shared<T, N> {
    /// The tree, with the tied node's leaves filtered out.
    pub pytree: T,
    /// Selects the tied node (Equinox's `where`).
    pub where_: for<'a> fn(&'a mut T) -> &'a mut N,
    /// Computes the tied node's value from the tree (Equinox's `get`).
    pub get: fn(&T) -> N,
}

/// The leaves' shapes and dtypes, to compare the two sides of a tie.
fn avals<N: PyTree>(node: &N) -> Vec<(Vec<usize>, crate::DType)> {
    let mut out = Vec::new();
    node.visit_leaves(&mut |a| out.push((a.shape().to_vec(), a.dtype())));
    out
}

impl<T: PyTree + Clone, N: PyTree> Shared<T, N> {
    /// `eqx.nn.Shared(pytree, where, get)`: ties the node `where_` selects to `get(pytree)`.
    ///
    /// Panics (with Equinox's message) if the two differ in structure, shapes or dtypes.
    pub fn new(
        pytree: T,
        where_: for<'a> fn(&'a mut T) -> &'a mut N,
        get: fn(&T) -> N,
    ) -> Shared<T, N> {
        let source = get(&pytree);
        let mut scratch = pytree.clone();
        let dest = where_(&mut scratch);
        if !source.static_eq(dest) || avals(&source) != avals(dest) {
            panic!(
                "nn::Shared: Every node being shared together must have the same pytree \
                 structure, shape+dtype of arrays, etc., as each other. Got:\n{}\nand\n{}",
                tree::tree_pformat(&source),
                tree::tree_pformat(dest)
            );
        }
        let pytree = crate::tree_at_with(where_, &pytree, |node| {
            node.map_leaves(&mut |a| Array::filtered_out(a.aval().clone()))
        });
        Shared {
            pytree,
            where_,
            get,
        }
    }

    /// `shared()`: the full tree, with `get(pytree)` in the place of the tied node.
    pub fn call(&self) -> T {
        tree_at(self.where_, &self.pytree, (self.get)(&self.pytree))
    }
}

impl<T: PyTree, N> PyTree for Shared<T, N> {
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        self.pytree.visit_leaves(f);
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        path.with(PathKey::Field("pytree"), |p| {
            self.pytree.visit_leaves_with_path(p, f)
        });
    }

    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        Shared {
            pytree: self.pytree.map_leaves(f),
            where_: self.where_,
            get: self.get,
        }
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        Shared {
            pytree: path.with(PathKey::Field("pytree"), |p| {
                self.pytree.map_leaves_with_path(p, f)
            }),
            where_: self.where_,
            get: self.get,
        }
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        self.pytree.hash_static(state);
        state.write_usize(self.where_ as usize);
        state.write_usize(self.get as usize);
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        if let Some(d) = self.pytree.static_diff(&other.pytree) {
            return Some(d.at(PathKey::Field("pytree")));
        }
        if self.where_ as usize != other.where_ as usize {
            return Some(Difference::new("different functions").at(PathKey::Field("where_")));
        }
        if self.get as usize != other.get as usize {
            return Some(Difference::new("different functions").at(PathKey::Field("get")));
        }
        None
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        tree::named_fields(
            "Shared",
            vec![
                tree::named("pytree", self.pytree.pdoc(opts)),
                tree::named("where", Doc::text("<function>")),
                tree::named("get", Doc::text("<function>")),
            ],
            opts,
        )
    }
}

impl<T: PyTree, N> fmt::Debug for Shared<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&tree::tree_pformat(self))
    }
}
