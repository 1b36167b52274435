//! Filtering: choosing some of a model's leaves (`eqx.filter`, `eqx.partition`,
//! `eqx.combine`, `eqx.is_array`, `eqx.is_inexact_array`, `eqx.apply_updates`).
//!
//! A filtered tree keeps its Rust type: a leaf that is filtered out becomes
//! [`Array::filtered_out`] (Equinox's `None`), which keeps the leaf's shape and dtype, is
//! skipped by [`tree::leaves`](crate::tree::leaves) and [`tree::map`](crate::tree::map), and panics if computed with. So
//! `partition(&model, is_inexact_array)` returns two `Model`s, and `combine` puts them back.
//!
//! ## Filter specs
//! Equinox's `filter_spec` is a PyTree of bools and callables whose structure is a *prefix* of
//! the tree: a bool at a node keeps or drops its whole subtree, a callable is mapped over the
//! leaves of its subtree. In Rust a spec is anything implementing [`FilterSpec`]; it gives one
//! bool per leaf. The forms correspond as follows:
//!
//! | Equinox `filter_spec` | Rust |
//! |---|---|
//! | `True` / `False` | `true` / `false` |
//! | a callable `leaf -> bool` (`eqx.is_array`, a lambda) | a `Fn(&Array) -> bool` ([`is_array`], a closure `\|x: &Array\| ..`), or [`Filter::leaf`] |
//! | a callable that looks at where the leaf is (via `jtu.tree_map_with_path`) | [`Filter::path`] |
//! | a prefix tree with `True` at `m.linear` and `False` elsewhere (usually built with `tree_at(lambda m: m.linear, jtu.tree_map(lambda _: False, m), True)`) | [`Filter::select`]`(\|m: &Model\| &m.linear)` |
//! | the same with `True` at several nodes | [`Filter::select_many`] or [`Filter::or`] |
//! | a callable at `m.linear`, `False` elsewhere | `Filter::select(\|m: &Model\| &m.linear).and(pred)` |
//! | `is_leaf=` to treat a whole node as one leaf | select the nodes: the selector can look at them (`Filter::select_many(\|v: &Vec<Layer>\| v.iter().filter(..).collect())`) |
//!
//! Because the Rust tree is typed, a spec cannot have the wrong structure (Equinox's
//! `ValueError` for a spec that is not a prefix of the tree has no counterpart), and Equinox's
//! `replace=` argument is always "filtered out".
//!
//! There is no `is_array_like` / `is_inexact_array_like`: they differ from [`is_array`] /
//! [`is_inexact_array`] only on Python scalars (`1`, `2.0`, `True`), and a Rust number in a
//! model is a static field, never a leaf, so it is never seen by a filter. To make a scalar a
//! leaf, store it as a 0-d [`Array`] (`Array::scalar(2.0f32)`).
//!
//! ```
//! use equinox as eqx;
//! use eqx::{numpy as jnp, tree, Array, DType, Filter, Module};
//!
//! #[derive(Module, Clone)]
//! struct Model { weight: Array, step: Array, scale: Array }
//!
//! let m = Model { weight: jnp::ones([2, 2]), step: jnp::zeros_dtype([], DType::I32), scale: jnp::ones([2]) };
//! // Floating-point leaves only (what `filter_grad` differentiates).
//! let (params, rest) = eqx::partition(&m, eqx::is_inexact_array);
//! assert_eq!(tree::num_leaves(&params), 2);
//! assert!(rest.weight.is_filtered_out() && !rest.step.is_filtered_out());
//! assert!(tree::tree_equal(&eqx::combine2(&params, &rest), &m));
//! // One node, then a node and a predicate.
//! let w = eqx::filter(&m, Filter::select(|m: &Model| &m.weight));
//! assert_eq!(tree::num_leaves(&w), 1);
//! let inverse = eqx::FilterOptions { inverse: true };
//! let not_2d = eqx::filter_with_options(&m, Filter::leaf(|x| x.ndim() == 2), inverse);
//! assert!(not_2d.weight.is_filtered_out() && !not_2d.scale.is_filtered_out());
//! ```

use equinox_core::tree::{KeyPath, PyTree};
use equinox_core::Array;
use std::ops::Not;

/// True for every leaf that has not been filtered out (`eqx.is_array`).
///
/// Every leaf of a Rust tree is an [`Array`], so as a filter it keeps everything; it is the
/// spec Equinox's transformations use to tell arrays from static content, which in Rust is
/// never a leaf.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, ShapeDtype, DType};
/// assert!(eqx::is_array(&jnp::zeros_dtype([1], DType::I32)));
/// assert!(!eqx::is_array(&Array::filtered_out(ShapeDtype::new([1], DType::F32))));
/// ```
pub fn is_array(x: &Array) -> bool {
    !x.is_filtered_out()
}

/// True for a leaf of a float or complex dtype (f16, bf16, f32, f64, c64, c128) that has not
/// been filtered out (`eqx.is_inexact_array`). This is the default filter of differentiation:
/// integer and bool leaves have no gradient.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, DType};
/// assert!(eqx::is_inexact_array(&jnp::zeros_dtype([1], DType::BF16)));
/// assert!(!eqx::is_inexact_array(&jnp::zeros_dtype([1], DType::I32)));
/// ```
pub fn is_inexact_array(x: &Array) -> bool {
    is_array(x) && x.dtype().is_inexact()
}

/// Something that picks leaves of a tree of type `T` (Equinox's `filter_spec`): `true`/`false`,
/// a predicate `Fn(&Array) -> bool`, or a [`Filter`] (also by reference, to reuse one).
///
/// Implement it to write a spec of your own; [`Filter`] covers the usual forms.
pub trait FilterSpec<T> {
    /// One bool per leaf slot of `tree`, in [`PyTree::visit_leaves`] order, filtered-out slots
    /// included (their value is ignored: a filtered-out leaf stays filtered out).
    fn mask(&self, tree: &T) -> Vec<bool>;
}

impl<T: PyTree> FilterSpec<T> for bool {
    fn mask(&self, tree: &T) -> Vec<bool> {
        vec![*self; tree.num_leaves()]
    }
}

impl<T: PyTree, F: Fn(&Array) -> bool> FilterSpec<T> for F {
    fn mask(&self, tree: &T) -> Vec<bool> {
        let mut mask = Vec::with_capacity(tree.num_leaves());
        tree.visit_leaves(&mut |l| mask.push(!l.is_filtered_out() && self(l)));
        mask
    }
}

impl<T> FilterSpec<T> for Filter<'_, T> {
    fn mask(&self, tree: &T) -> Vec<bool> {
        (self.mask)(tree)
    }
}

impl<T> FilterSpec<T> for &Filter<'_, T> {
    fn mask(&self, tree: &T) -> Vec<bool> {
        (self.mask)(tree)
    }
}

/// A filter spec for trees of type `T`, built from predicates, selections of nodes and their
/// combinations (the Rust form of Equinox's prefix trees of bools and callables; see the
/// [module documentation](self)).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, tree, Array, Filter, Module};
///
/// #[derive(Module, Clone)]
/// struct Linear { weight: Array, bias: Array }
/// #[derive(Module, Clone)]
/// struct Model { encoder: Linear, head: Linear }
///
/// let lin = || Linear { weight: jnp::ones([2, 2]), bias: jnp::zeros([2]) };
/// let m = Model { encoder: lin(), head: lin() };
/// // Train only the head's weight and every bias.
/// let trainable = Filter::select(|m: &Model| &m.head.weight)
///     .or(Filter::path(|p, _| p.to_string().ends_with("bias")));
/// let (train, frozen) = eqx::partition(&m, &trainable);
/// let names: Vec<String> = tree::leaves_with_path(&train).iter().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(names, ["encoder.bias", "head.weight", "head.bias"]);
/// assert_eq!(tree::num_leaves(&frozen), 1);
/// ```
pub struct Filter<'f, T> {
    mask: MaskFn<'f, T>,
}

/// What a [`Filter`] holds: the function from a tree to its mask.
type MaskFn<'f, T> = Box<dyn Fn(&T) -> Vec<bool> + 'f>;

impl<'f, T: PyTree + 'f> Filter<'f, T> {
    /// A filter from any [`FilterSpec`] (`true`, a predicate, ...), for combining it with
    /// [`and`](Filter::and), [`or`](Filter::or) and `!`.
    pub fn new(spec: impl FilterSpec<T> + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t| spec.mask(t)),
        }
    }

    /// Keeps the leaves for which `pred` is true (a callable in Equinox's spec). The same as
    /// passing the closure itself, but the closure's argument type is inferred.
    ///
    /// ```
    /// use equinox as eqx;
    /// use eqx::{numpy as jnp, tree, Filter};
    /// let t = vec![jnp::ones([2, 2]), jnp::ones([3])];
    /// let matrices = eqx::filter(&t, Filter::leaf(|x| x.ndim() == 2));
    /// assert_eq!(tree::leaves(&matrices).len(), 1);
    /// ```
    pub fn leaf(pred: impl Fn(&Array) -> bool + 'f) -> Filter<'f, T> {
        Filter::new(pred)
    }

    /// Keeps the leaves for which `pred(path, leaf)` is true, where `path` is the leaf's
    /// [`KeyPath`] from the root (`layers[0].weight`).
    ///
    /// ```
    /// use equinox as eqx;
    /// use eqx::{numpy as jnp, tree, Filter};
    /// let t = vec![jnp::ones([2]), jnp::ones([3])];
    /// let second = eqx::filter(&t, Filter::path(|p, _| p.to_string() == "[1]"));
    /// assert_eq!(tree::leaves(&second)[0].shape(), &[3]);
    /// ```
    pub fn path(pred: impl Fn(&KeyPath, &Array) -> bool + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| {
                let mut mask = Vec::with_capacity(t.num_leaves());
                t.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
                    mask.push(!l.is_filtered_out() && pred(p, l))
                });
                mask
            }),
        }
    }

    /// Keeps every leaf under the node `selector` returns: a sub-module, a container or a
    /// single leaf (a `True` at that node of an Equinox prefix spec, `False` elsewhere). The
    /// selector works like [`tree_at`](fn@crate::tree_at)'s, but only reads the tree, so it takes
    /// `&T`.
    ///
    /// Panics when the filter is applied if the selector returns a node with leaves that is
    /// not part of the tree it was given (a `'static` value, say).
    ///
    /// ```
    /// use equinox as eqx;
    /// use eqx::{numpy as jnp, tree, Array, Filter, Module};
    /// #[derive(Module, Clone)]
    /// struct Pair { a: Vec<Array>, b: Array }
    /// let p = Pair { a: vec![jnp::ones([1]), jnp::ones([2])], b: jnp::ones([3]) };
    /// let only_a = eqx::filter(&p, Filter::select(|p: &Pair| &p.a));
    /// assert_eq!(tree::num_leaves(&only_a), 2);
    /// assert!(only_a.b.is_filtered_out());
    /// ```
    pub fn select<N: PyTree>(selector: impl Fn(&T) -> &N + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| selection_mask("Filter::select", t, &[selector(t)])),
        }
    }

    /// As [`select`](Filter::select), for several nodes of one type (for nodes of different
    /// types, combine `select`s with [`or`](Filter::or)). A node may be returned twice.
    ///
    /// ```
    /// use equinox as eqx;
    /// use eqx::{numpy as jnp, tree, Array, Filter};
    /// let layers = vec![jnp::ones([1]), jnp::ones([2]), jnp::ones([3])];
    /// let ends = Filter::select_many(|l: &Vec<Array>| vec![&l[0], &l[2]]);
    /// let kept = eqx::filter(&layers, &ends);
    /// assert!(kept[1].is_filtered_out() && !kept[2].is_filtered_out());
    /// ```
    pub fn select_many<N: PyTree>(selector: impl Fn(&T) -> Vec<&N> + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| selection_mask("Filter::select_many", t, &selector(t))),
        }
    }

    /// Keeps the leaves both filters keep.
    pub fn and(self, other: impl FilterSpec<T> + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| {
                let mut m = self.mask(t);
                m.iter_mut().zip(other.mask(t)).for_each(|(a, b)| *a &= b);
                m
            }),
        }
    }

    /// Keeps the leaves either filter keeps.
    pub fn or(self, other: impl FilterSpec<T> + 'f) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| {
                let mut m = self.mask(t);
                m.iter_mut().zip(other.mask(t)).for_each(|(a, b)| *a |= b);
                m
            }),
        }
    }
}

/// `!filter` keeps the leaves `filter` drops (filtered-out leaves stay filtered out).
impl<'f, T: PyTree + 'f> Not for Filter<'f, T> {
    type Output = Filter<'f, T>;

    fn not(self) -> Filter<'f, T> {
        Filter {
            mask: Box::new(move |t: &T| self.mask(t).into_iter().map(|b| !b).collect()),
        }
    }
}

/// Marks the leaves of `tree` that lie under one of `nodes`.
///
/// The nodes are references into `tree` itself, and [`PyTree::visit_leaves`] hands out
/// references into the tree it visits, so a leaf is under a node exactly when the node's visit
/// and the tree's visit yield the same address. This needs no clone and no marker values, and
/// it is exact however the node is reached (through a `Vec`, an `Option`, an enum variant).
#[track_caller]
fn selection_mask<T: PyTree, N: PyTree>(op: &str, tree: &T, nodes: &[&N]) -> Vec<bool> {
    let mut selected: Vec<*const Array> = Vec::new();
    for node in nodes {
        node.visit_leaves(&mut |l| selected.push(l as *const Array));
    }
    selected.sort_unstable();
    selected.dedup();
    let mut mask = Vec::with_capacity(tree.num_leaves());
    let mut found = 0;
    tree.visit_leaves(&mut |l| {
        let hit = selected.binary_search(&(l as *const Array)).is_ok();
        found += hit as usize;
        mask.push(hit);
    });
    if found != selected.len() {
        panic!(
            "{op}: the selector returned a node that is not part of the tree it was given \
             ({} of its {} leaves are not in the tree); it must return references into its \
             argument",
            selected.len() - found,
            selected.len()
        );
    }
    mask
}

/// The mask of `spec` on `tree`, checked to have one entry per leaf slot.
#[track_caller]
fn checked_mask<T: PyTree>(op: &str, tree: &T, spec: &impl FilterSpec<T>) -> Vec<bool> {
    let mask = spec.mask(tree);
    let slots = tree.num_leaves();
    if mask.len() != slots {
        panic!(
            "{op}: the filter spec gave {} bools for a tree with {slots} leaf slots",
            mask.len()
        );
    }
    mask
}

/// `leaf` if `keep`, else a filtered-out placeholder with its shape and dtype.
fn keep_or_filter_out(leaf: &Array, keep: bool) -> Array {
    if keep || leaf.is_filtered_out() {
        leaf.clone()
    } else {
        Array::filtered_out(leaf.aval().clone())
    }
}

/// The tree with the leaves `filter_spec` does not keep filtered out (`eqx.filter`). Leaves
/// that were already filtered out stay so. Static content is untouched.
/// [`filter_with_options`] keeps the others instead (`inverse=True`).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, tree, Array, DType};
/// let t = (jnp::ones([2]), jnp::zeros_dtype([2], DType::I32), "static");
/// let floats = eqx::filter(&t, eqx::is_inexact_array);
/// assert!(!floats.0.is_filtered_out() && floats.1.is_filtered_out());
/// assert_eq!(floats.2, "static");
/// ```
#[track_caller]
pub fn filter<T: PyTree>(tree: &T, filter_spec: impl FilterSpec<T>) -> T {
    filter_with_options(tree, filter_spec, FilterOptions::default())
}

/// Options of [`filter_with_options`]; the defaults are Equinox's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FilterOptions {
    /// Filter out the leaves the spec keeps, and keep the others (default `false`).
    pub inverse: bool,
}

/// [`filter`] with options: `eqx.filter(tree, filter_spec, inverse=...)`.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, DType, FilterOptions};
/// let t = (jnp::ones([2]), jnp::zeros_dtype([2], DType::I32));
/// let ints = eqx::filter_with_options(&t, eqx::is_inexact_array, FilterOptions { inverse: true });
/// assert!(ints.0.is_filtered_out() && !ints.1.is_filtered_out());
/// ```
#[track_caller]
pub fn filter_with_options<T: PyTree>(
    tree: &T,
    filter_spec: impl FilterSpec<T>,
    options: FilterOptions,
) -> T {
    let mut mask = checked_mask("filter", tree, &filter_spec).into_iter();
    tree.map_leaves(&mut |l| keep_or_filter_out(l, mask.next().unwrap() != options.inverse))
}

/// Splits a tree in two (`eqx.partition`): the first keeps the leaves `filter_spec` picks, the
/// second the others, each with the rest filtered out. [`combine`] undoes it. The same as
/// `filter(tree, spec)` and its `inverse`, evaluating the spec once.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, tree, Array, DType};
/// let t = vec![jnp::ones([2]), jnp::zeros_dtype([2], DType::I32)];
/// let (floats, others) = eqx::partition(&t, eqx::is_inexact_array);
/// assert!(floats[1].is_filtered_out() && others[0].is_filtered_out());
/// assert!(tree::tree_equal(&eqx::combine2(&floats, &others), &t));
/// ```
#[track_caller]
pub fn partition<T: PyTree>(tree: &T, filter_spec: impl FilterSpec<T>) -> (T, T) {
    let mask = checked_mask("partition", tree, &filter_spec);
    let mut keep = mask.iter();
    let picked = tree.map_leaves(&mut |l| keep_or_filter_out(l, *keep.next().unwrap()));
    let mut keep = mask.iter();
    let rest = tree.map_leaves(&mut |l| keep_or_filter_out(l, !*keep.next().unwrap()));
    (picked, rest)
}

/// Merges trees of one structure leaf by leaf, taking each leaf from the first tree in which
/// it is not filtered out (`eqx.combine`); where every tree has it filtered out, it stays
/// filtered out. Undoes [`partition`] and [`filter`].
///
/// Panics, naming the first differing path, if the trees' static structures differ, or if
/// `trees` is empty.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, tree};
/// let t = vec![jnp::ones([1]), jnp::ones([2]), jnp::ones([3])];
/// let a = eqx::filter(&t, eqx::Filter::path(|p, _| p.to_string() == "[0]"));
/// let b = eqx::filter(&t, eqx::Filter::path(|p, _| p.to_string() == "[2]"));
/// let ab = eqx::combine(&[&a, &b]);
/// assert!(!ab[0].is_filtered_out() && ab[1].is_filtered_out() && !ab[2].is_filtered_out());
/// ```
#[track_caller]
pub fn combine<T: PyTree>(trees: &[&T]) -> T {
    let (first, rest) = trees
        .split_first()
        .expect("combine: needs at least one tree");
    let mut others: Vec<std::vec::IntoIter<&Array>> = Vec::with_capacity(rest.len());
    for (i, t) in rest.iter().enumerate() {
        if let Some(d) = first.static_diff(t) {
            panic!(
                "combine: tree {} does not have the structure of tree 0; they differ {d}",
                i + 1
            );
        }
        let mut leaves = Vec::with_capacity(first.num_leaves());
        t.visit_leaves(&mut |l| leaves.push(l));
        others.push(leaves.into_iter());
    }
    first.map_leaves(&mut |x| {
        let mut chosen = x;
        for it in others.iter_mut() {
            let y = it.next().expect("equal structures have equal leaf counts");
            if chosen.is_filtered_out() {
                chosen = y;
            }
        }
        chosen.clone()
    })
}

/// [`combine`] of two trees: `a`'s leaves, with `b`'s where `a`'s are filtered out.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, tree};
/// let model = (jnp::ones([2]), jnp::zeros([3]));
/// let (params, rest) = eqx::partition(&model, eqx::Filter::leaf(|x| x.size() == 2));
/// assert!(tree::tree_equal(&eqx::combine2(&rest, &params), &model));
/// ```
#[track_caller]
pub fn combine2<T: PyTree>(a: &T, b: &T) -> T {
    combine(&[a, b])
}

/// `model + updates` leaf by leaf, keeping the model's leaf wherever the update is filtered
/// out (`eqx.apply_updates`, where Equinox's updates are `None`). `updates` usually comes
/// from an optimiser applied to a filtered gradient.
///
/// Panics if the structures differ, or if an update is present for a leaf of `model` that is
/// filtered out (as adding to Equinox's `None` fails).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, DType};
/// let model = (jnp::ones([2]), jnp::zeros_dtype([2], DType::I32));
/// let grads = eqx::filter(&(jnp::full([2], 0.5f32), jnp::zeros_dtype([2], DType::I32)), eqx::is_inexact_array);
/// let new = eqx::apply_updates(&model, &grads);
/// assert_eq!(new.0.to_vec::<f32>(), vec![1.5, 1.5]);
/// assert!(new.1.ptr_eq(&model.1));
/// ```
#[track_caller]
pub fn apply_updates<T: PyTree>(model: &T, updates: &T) -> T {
    if let Some(d) = model.static_diff(updates) {
        panic!("apply_updates: the updates do not have the model's structure; they differ {d}");
    }
    let mut ups = Vec::with_capacity(model.num_leaves());
    updates.visit_leaves(&mut |l| ups.push(l));
    let mut ups = ups.into_iter();
    model.map_leaves(&mut |p| {
        let u = ups.next().expect("equal structures have equal leaf counts");
        if u.is_filtered_out() {
            p.clone()
        } else {
            p + u
        }
    })
}
