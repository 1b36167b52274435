//! Out-of-place tree surgery: `tree_at` (`eqx.tree_at`).
//!
//! Equinox modules are immutable, so changing one node means building a new tree:
//! `eqx.tree_at(lambda m: m.linear.weight, model, new_weight)`. The `where` lambda names the
//! node by *reaching* it, and Equinox then finds that object in the tree by identity.
//!
//! In Rust a closure `|m: &mut Model| &mut m.linear.weight` says the same thing, and the
//! borrow checker does the rest: the `&mut` it returns *is* the place in the tree, so
//! `tree_at` clones the model (cheap: arrays are reference counted), writes the replacement
//! through that reference, and returns the clone. The original is untouched. This is why the
//! selectors take `&mut`: they point at the place to write. It also makes Equinox's error
//! cases impossible: a `&mut` cannot name a node that is not in the tree, cannot depend on
//! the leaves' identities (Equinox's "`where` must not depend on the leaves"), and several
//! `&mut`s from one selector cannot overlap (Equinox's "does not uniquely identify").
//!
//! Differences from Equinox, all from Rust's types:
//! - the replacement has the node's type. To change a layer's kind, make the field an enum
//!   (see the crate documentation on heterogeneous layers); `Option` and `Vec` nodes can be
//!   replaced by `Some`/`None` or by a sequence of another length, which changes the structure.
//! - any field can be reached, static ones included (`|m| &mut m.inference`), since a static
//!   field is an ordinary Rust field.
//! - one node: [`tree_at`], [`tree_at_with`]; several nodes of one type: [`tree_at_many`],
//!   [`tree_at_many_with`] (for nodes of different types, chain calls).
//! - a node behind an `Arc` is reached with `Arc::make_mut(&mut m.shared)`, which copies it
//!   when it is shared, so other holders keep the old value.

/// A copy of `tree` with the node `where_` selects replaced by `replace` (`eqx.tree_at(where,
/// pytree, replace)`). The node may be a leaf, a sub-module, a container, or a static field.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Linear { weight: Array, bias: Option<Array> }
/// #[derive(Module, Clone)]
/// struct Mlp { layers: Vec<Linear> }
///
/// let mlp = Mlp { layers: vec![Linear { weight: jnp::zeros([2, 2]), bias: None }; 2] };
/// let new = eqx::tree_at(|m: &mut Mlp| &mut m.layers[0].weight, &mlp, jnp::eye(2));
/// assert_eq!(new.layers[0].weight.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// assert_eq!(mlp.layers[0].weight.to_vec::<f32>(), vec![0.0; 4]); // unchanged
/// // A subtree, here changing the structure (adding a bias).
/// let new = eqx::tree_at(|m: &mut Mlp| &mut m.layers[1].bias, &mlp, Some(jnp::ones([2])));
/// assert!(new.layers[1].bias.is_some());
/// ```
pub fn tree_at<T: Clone, N>(where_: impl FnOnce(&mut T) -> &mut N, tree: &T, replace: N) -> T {
    let mut out = tree.clone();
    *where_(&mut out) = replace;
    out
}

/// A copy of `tree` with the node `where_` selects replaced by `replace_fn(node)`
/// (`eqx.tree_at(where, pytree, replace_fn=...)`).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
/// let t = (jnp::ones([2]), 3usize);
/// let t2 = eqx::tree_at_with(|t: &mut (Array, usize)| &mut t.0, &t, |w| w * 10.0);
/// assert_eq!(t2.0.to_vec::<f32>(), vec![10.0, 10.0]);
/// let t3 = eqx::tree_at_with(|t: &mut (Array, usize)| &mut t.1, &t, |n| n + 1);
/// assert_eq!(t3.1, 4);
/// ```
pub fn tree_at_with<T: Clone, N>(
    where_: impl FnOnce(&mut T) -> &mut N,
    tree: &T,
    replace_fn: impl FnOnce(&N) -> N,
) -> T {
    let mut out = tree.clone();
    let node = where_(&mut out);
    *node = replace_fn(node);
    out
}

/// A copy of `tree` with each node `where_` selects replaced by the replacement at the same
/// position (`eqx.tree_at(lambda m: (m.a, m.b), pytree, (a, b))`).
///
/// Panics if the selector returns a different number of nodes than there are replacements.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, Module};
/// #[derive(Module, Clone)]
/// struct Linear { weight: Array, bias: Array }
/// let lin = Linear { weight: jnp::zeros([2, 2]), bias: jnp::zeros([2]) };
/// let new = eqx::tree_at_many(
///     |l: &mut Linear| vec![&mut l.weight, &mut l.bias],
///     &lin,
///     vec![jnp::ones([2, 2]), jnp::full([2], 3.0f32)],
/// );
/// assert_eq!(new.bias.to_vec::<f32>(), vec![3.0, 3.0]);
/// ```
#[track_caller]
pub fn tree_at_many<T: Clone, N>(
    where_: impl FnOnce(&mut T) -> Vec<&mut N>,
    tree: &T,
    replace: Vec<N>,
) -> T {
    let mut out = tree.clone();
    let nodes = where_(&mut out);
    if nodes.len() != replace.len() {
        panic!(
            "tree_at_many: the selector returned {} nodes but {} replacements were given",
            nodes.len(),
            replace.len()
        );
    }
    for (node, new) in nodes.into_iter().zip(replace) {
        *node = new;
    }
    out
}

/// A copy of `tree` with each node `where_` selects replaced by `replace_fn(node)`.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
/// let t = vec![jnp::ones([1]), jnp::ones([1]), jnp::ones([1])];
/// let t2 = eqx::tree_at_many_with(|t: &mut Vec<Array>| t.iter_mut().step_by(2).collect(), &t, |x| x * -1.0);
/// assert_eq!(t2.iter().map(|x| x.item::<f32>()).collect::<Vec<_>>(), vec![-1.0, 1.0, -1.0]);
/// ```
pub fn tree_at_many_with<T: Clone, N>(
    where_: impl FnOnce(&mut T) -> Vec<&mut N>,
    tree: &T,
    mut replace_fn: impl FnMut(&N) -> N,
) -> T {
    let mut out = tree.clone();
    for node in where_(&mut out) {
        *node = replace_fn(node);
    }
    out
}
