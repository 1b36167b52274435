//! Stateful models: `eqx.nn.State`, `eqx.nn.StateIndex`, `eqx.nn.make_with_state`,
//! `eqx.nn.delete_init_state`.
//!
//! A stateful layer (such as [`BatchNorm`](super::BatchNorm)) holds [`StateIndex`]es: keys into
//! a separate [`State`] that carries the values that change as the model runs (running
//! statistics, power-iteration vectors). The model stays an immutable PyTree of parameters;
//! each call takes a `State` and returns the updated one.
//!
//! Finding the indices inside an arbitrary model needs no support from the model's type: the
//! functions here walk the model with its ordinary [`PyTree`] traversals while a thread-local
//! "collector" is active, and each [`StateIndex`] reached reports (or rewrites) itself. So any
//! struct deriving [`Module`](trait@crate::Module) that contains stateful layers, at any depth,
//! works with [`make_with_state`] and [`State::new`].

use crate::tree::{self, Difference, Doc, KeyPath, PathKey, PrettyOptions, PyTree};
use crate::Array;
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A value stored in a [`State`], with its concrete type erased so that one `State` holds the
/// values of different layers (a flag, a pair of vectors, a counter) and is still a PyTree.
trait StateValue: Any {
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Array));
    fn visit_with_path<'a>(&'a self, p: &mut KeyPath, f: &mut dyn FnMut(&KeyPath, &'a Array));
    fn map(&self, f: &mut dyn FnMut(&Array) -> Array) -> Box<dyn StateValue>;
    fn map_with_path(
        &self,
        p: &mut KeyPath,
        f: &mut dyn FnMut(&KeyPath, &Array) -> Array,
    ) -> Box<dyn StateValue>;
    fn hash_dyn(&self, h: &mut dyn Hasher);
    fn diff(&self, other: &dyn StateValue) -> Option<Difference>;
    fn doc(&self, o: &PrettyOptions) -> Doc;
    fn clone_box(&self) -> Box<dyn StateValue>;
    fn as_any(&self) -> &dyn Any;
    fn type_name(&self) -> &'static str;
}

impl<V: PyTree + Clone + 'static> StateValue for V {
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Array)) {
        self.visit_leaves(&mut |a| f(a));
    }
    fn visit_with_path<'a>(&'a self, p: &mut KeyPath, f: &mut dyn FnMut(&KeyPath, &'a Array)) {
        self.visit_leaves_with_path(p, &mut |p, a| f(p, a));
    }
    fn map(&self, f: &mut dyn FnMut(&Array) -> Array) -> Box<dyn StateValue> {
        Box::new(self.map_leaves(&mut |a| f(a)))
    }
    fn map_with_path(
        &self,
        p: &mut KeyPath,
        f: &mut dyn FnMut(&KeyPath, &Array) -> Array,
    ) -> Box<dyn StateValue> {
        Box::new(self.map_leaves_with_path(p, &mut |p, a| f(p, a)))
    }
    fn hash_dyn(&self, mut h: &mut dyn Hasher) {
        TypeId::of::<V>().hash(&mut h);
        self.hash_static(&mut h);
    }
    fn diff(&self, other: &dyn StateValue) -> Option<Difference> {
        match other.as_any().downcast_ref::<V>() {
            Some(o) => self.static_diff(o),
            None => Some(Difference::new(format!(
                "state values of different types: {} != {}",
                std::any::type_name::<V>(),
                other.type_name()
            ))),
        }
    }
    fn doc(&self, o: &PrettyOptions) -> Doc {
        self.pdoc(o)
    }
    fn clone_box(&self) -> Box<dyn StateValue> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<V>()
    }
}

/// What a traversal of a model does to the [`StateIndex`]es it reaches (see the module docs).
enum Collector {
    /// `State::new`: record each index's marker and initial value, in leaf order.
    Collect(Vec<(String, Box<dyn StateValue>)>),
    /// `State::substate`: record each index's marker, in leaf order.
    Markers(Vec<String>),
    /// `make_with_state`: set each marker to `prefix + keystr(path)`.
    Rename(String),
    /// `delete_init_state`: drop each initial value.
    Delete,
}

thread_local! {
    static COLLECTOR: RefCell<Option<Collector>> = const { RefCell::new(None) };
}

/// Runs `f` with `collector` active, returning what `f` gives and the collector afterwards.
/// The previous collector (if a traversal nests another) is restored even if `f` panics.
fn with_collector<R>(collector: Collector, f: impl FnOnce() -> R) -> (R, Collector) {
    struct Restore(Option<Collector>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            COLLECTOR.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = COLLECTOR.with(|c| c.borrow_mut().replace(collector));
    let restore = Restore(previous);
    let out = f();
    let collector = COLLECTOR.with(|c| c.borrow_mut().take());
    drop(restore);
    (
        out,
        collector.expect("the collector is set for the whole traversal"),
    )
}

/// A fresh marker for an index that [`make_with_state`] has not named yet (Equinox's
/// `object()`): unique, so that two such indices never collide.
fn unique_marker() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("<object {}>", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A key into a [`State`] together with the initial value of that state
/// (`eqx.nn.StateIndex`). Stateful layers hold one per piece of state, of the value's type `V`
/// (an [`Array`], a tuple of arrays, any PyTree).
///
/// Its `marker` is static structure that identifies the entry: unique when built with
/// [`StateIndex::new`], then replaced by [`make_with_state`] with the index's path in the model
/// (`"BatchNorm.batch_counter"`, Equinox's `ClassName + keystr(path)`), so that two models built
/// the same way share markers and can use each other's states. Its leaves are those of `init`;
/// after [`delete_init_state`] (which [`make_with_state`] applies) `init` is `None` and the index
/// has no leaves.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, numpy as jnp, Array, Module};
///
/// // A layer that counts how often it was called.
/// #[derive(Module, Clone)]
/// struct Counter {
///     index: nn::StateIndex<Array>,
/// }
///
/// impl Counter {
///     fn call(&self, x: &Array, state: nn::State) -> (Array, nn::State) {
///         let count = state.get(&self.index);
///         let y = x + &count.astype(eqx::DType::F32);
///         (y, state.set(&self.index, &count + 1))
///     }
/// }
///
/// let (layer, state) = nn::make_with_state(Counter { index: nn::StateIndex::new(Array::scalar(0i32)) });
/// let (_, state) = layer.call(&jnp::zeros([2]), state);
/// let (y, state) = layer.call(&jnp::zeros([2]), state);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 1.0]);
/// assert_eq!(state.get(&layer.index).item::<i32>(), 2);
/// assert_eq!(layer.index.marker, "Counter.index");
/// ```
#[derive(Clone)]
pub struct StateIndex<V> {
    /// The key of the entry in a [`State`] (static structure).
    pub marker: String,
    /// The initial value, until [`delete_init_state`] removes it.
    pub init: Option<V>,
}

impl<V: PyTree + Clone + 'static> StateIndex<V> {
    /// `eqx.nn.StateIndex(init)`: a new index with a unique marker and initial value `init`.
    pub fn new(init: V) -> StateIndex<V> {
        StateIndex {
            marker: unique_marker(),
            init: Some(init),
        }
    }

    /// Applies the active collector, if any, to this index (reached at `path`).
    fn on_visit(&self) {
        COLLECTOR.with(|c| match &mut *c.borrow_mut() {
            Some(Collector::Markers(markers)) => markers.push(self.marker.clone()),
            Some(Collector::Collect(entries)) => {
                let init = self.init.as_ref().unwrap_or_else(|| {
                    panic!(
                        "nn::State::new: the StateIndex `{}` has no initial value (it was removed \
                         by delete_init_state). Do not call `State::new(model)` on such a model: \
                         build it with `nn::make_with_state(model)` instead",
                        self.marker
                    )
                });
                entries.push((self.marker.clone(), Box::new(init.clone())));
            }
            _ => {}
        });
    }

    /// This index as the active collector rewrites it (reached at `path`).
    fn on_map(&self, path: Option<&KeyPath>) -> StateIndex<V> {
        let mut out = self.clone();
        COLLECTOR.with(|c| match &*c.borrow() {
            Some(Collector::Rename(prefix)) => {
                let path = path.expect("renaming traverses with paths");
                out.marker = format!("{prefix}{}", keystr(path));
            }
            Some(Collector::Delete) => out.init = None,
            _ => {}
        });
        out
    }
}

/// A path as JAX's `jax.tree_util.keystr` writes it: `.field`, `[index]`.
fn keystr(path: &KeyPath) -> String {
    path.keys()
        .iter()
        .map(|k| match k {
            PathKey::Field(name) => format!(".{name}"),
            PathKey::Position(i) | PathKey::Index(i) => format!("[{i}]"),
            PathKey::Key(k) => format!("[{k}]"),
        })
        .collect()
}

impl<V: PyTree + Clone + 'static> PyTree for StateIndex<V> {
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        self.on_visit();
        self.init.visit_leaves(f);
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        self.on_visit();
        path.with(PathKey::Field("init"), |p| {
            self.init.visit_leaves_with_path(p, f)
        });
    }

    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        let out = self.on_map(None);
        StateIndex {
            init: out.init.map_leaves(f),
            marker: out.marker,
        }
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        let out = self.on_map(Some(path));
        let init = path.with(PathKey::Field("init"), |p| {
            out.init.map_leaves_with_path(p, f)
        });
        StateIndex {
            init,
            marker: out.marker,
        }
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        self.marker.hash(state);
        self.init.hash_static(state);
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        if self.marker != other.marker {
            return Some(
                Difference::new(format!(
                    "static values differ: {:?} != {:?}",
                    self.marker, other.marker
                ))
                .at(PathKey::Field("marker")),
            );
        }
        self.init
            .static_diff(&other.init)
            .map(|d| d.at(PathKey::Field("init")))
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        let init = match &self.init {
            Some(v) => v.pdoc(opts),
            None => Doc::text("None"),
        };
        tree::named_fields(
            "StateIndex",
            vec![
                tree::named("marker", Doc::text(format!("{:?}", self.marker))),
                tree::named("init", init),
            ],
            opts,
        )
    }
}

impl<V: PyTree + Clone + 'static> fmt::Debug for StateIndex<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&tree::tree_pformat(self))
    }
}

/// The state of a model (`eqx.nn.State`): a map from [`StateIndex`] markers to values, for
/// example the running statistics of every [`BatchNorm`](super::BatchNorm) in a model.
///
/// Build it with [`make_with_state`] (or [`State::new`] on a model that still holds its initial
/// states). Read an entry with [`get`](State::get) and replace it with [`set`](State::set), which
/// *consumes* the state and returns the new one: Equinox invalidates the old `State` object at
/// run time, and here the compiler enforces the same rule (clone a state deliberately to keep an
/// old one).
///
/// A `State` is a PyTree whose leaves are its values' leaves, entry by entry in the order of
/// the indices in the model (Equinox's order); the markers are static structure. So it passes
/// through `filter_jit` (donated too), `filter_vmap`, `filter_grad` and `tree_serialise_leaves`
/// like any model, and `tree_serialise_leaves(path, &(model, state))` writes what Equinox writes
/// for the same pair. Leaf paths name the marker: `["BatchNorm.batch_counter"]`.
///
/// Using the state of one model with another (whose indices have other markers) is refused by
/// [`get`](State::get) and [`set`](State::set), naming the missing entry.
pub struct State {
    entries: Vec<(String, Box<dyn StateValue>)>,
}

impl Clone for State {
    fn clone(&self) -> State {
        State {
            entries: self
                .entries
                .iter()
                .map(|(k, v)| (k.clone(), v.clone_box()))
                .collect(),
        }
    }
}

/// The empty state, for a model without stateful layers (and for layers that only take keys).
impl Default for State {
    fn default() -> State {
        State {
            entries: Vec::new(),
        }
    }
}

impl State {
    /// `eqx.nn.State(model)`: the initial values of every [`StateIndex`] in `model`, in leaf
    /// order. The model must still hold them: prefer [`make_with_state`], which also gives the
    /// indices stable markers and strips the initial values from the model.
    ///
    /// Panics (with Equinox's advice) if an index's initial value was deleted.
    pub fn new<T: PyTree>(model: &T) -> State {
        let ((), collector) = with_collector(Collector::Collect(Vec::new()), || {
            model.visit_leaves(&mut |_| {})
        });
        match collector {
            Collector::Collect(entries) => State { entries },
            _ => unreachable!("the collector keeps its kind"),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the state has no entries (a model without stateful layers).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The markers of the entries, in order.
    pub fn markers(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    fn position<V>(&self, index: &StateIndex<V>, op: &str) -> usize {
        self.entries
            .iter()
            .position(|(k, _)| *k == index.marker)
            .unwrap_or_else(|| {
                let markers: Vec<&str> = self.markers().collect();
                panic!(
                    "nn::State::{op}: this State has no entry for the StateIndex {:?}; it was made \
                     for another model (its entries are {markers:?}). Use the State that \
                     make_with_state returned together with this model",
                    index.marker
                )
            })
    }

    /// `state.get(index)`: the current value of the entry of `index`.
    ///
    /// Panics if the state has no such entry (it belongs to another model).
    pub fn get<V: PyTree + Clone + 'static>(&self, index: &StateIndex<V>) -> V {
        let i = self.position(index, "get");
        let value = &self.entries[i].1;
        match value.as_any().downcast_ref::<V>() {
            Some(v) => v.clone(),
            None => panic!(
                "nn::State::get: the entry {:?} holds a {}, but the StateIndex is for a {}",
                index.marker,
                value.type_name(),
                std::any::type_name::<V>()
            ),
        }
    }

    /// `state.set(index, value)`: the state with the entry of `index` replaced by `value`. The
    /// old state is consumed (Equinox makes it unusable).
    ///
    /// Panics if the state has no such entry, or if `value` differs from the current value in
    /// structure, shapes or dtypes (Equinox's "Old and new values have different
    /// structures/shapes/dtypes").
    pub fn set<V: PyTree + Clone + 'static>(mut self, index: &StateIndex<V>, value: V) -> State {
        let i = self.position(index, "set");
        let old = self.entries[i].1.as_any().downcast_ref::<V>();
        let same = old.is_some_and(|old| {
            old.static_eq(&value) && {
                let avals = |t: &V| -> Vec<_> {
                    let mut v = Vec::new();
                    t.visit_leaves(&mut |a| v.push((a.shape().to_vec(), a.dtype())));
                    v
                };
                avals(old) == avals(&value)
            }
        });
        if !same {
            let old_repr = self.entries[i].1.doc(&PrettyOptions::default());
            panic!(
                "nn::State::set: Old and new values have different structures/shapes/dtypes. The \
                 old value is {} and the new value is {}.",
                tree::pformat_doc(&old_repr, 80),
                tree::tree_pformat(&value)
            );
        }
        self.entries[i].1 = Box::new(value);
        self
    }

    /// `state.substate(pytree)`: a smaller state holding only the entries of the
    /// [`StateIndex`]es found in `pytree` (a part of the model).
    pub fn substate<T: PyTree>(&self, pytree: &T) -> State {
        let markers = index_markers(pytree);
        let entries = markers
            .into_iter()
            .map(|m| {
                let value = self
                    .entries
                    .iter()
                    .find(|(k, _)| *k == m)
                    .unwrap_or_else(|| {
                        panic!(
                            "nn::State::substate: this State has no entry for the StateIndex {m:?}"
                        )
                    });
                (m, value.1.clone_box())
            })
            .collect();
        State { entries }
    }

    /// `state.update(substate)`: this state with the entries of `substate` (typically from
    /// [`substate`](State::substate)) written over its own.
    ///
    /// Panics if `substate` has an entry this state lacks (Equinox's "Cannot call
    /// `state1.update(state2)` unless `state2` is a substate of `state1`").
    pub fn update(mut self, substate: State) -> State {
        for (k, v) in substate.entries {
            match self.entries.iter_mut().find(|(m, _)| *m == k) {
                Some(slot) => slot.1 = v,
                None => panic!(
                    "nn::State::update: Cannot call `state1.update(state2)` unless `state2` is a \
                     substate of `state1` (no entry {k:?})"
                ),
            }
        }
        self
    }
}

/// The markers of the [`StateIndex`]es in `pytree`, in leaf order.
fn index_markers<T: PyTree>(pytree: &T) -> Vec<String> {
    match with_collector(Collector::Markers(Vec::new()), || {
        pytree.visit_leaves(&mut |_| {})
    })
    .1
    {
        Collector::Markers(markers) => markers,
        _ => unreachable!("the collector keeps its kind"),
    }
}

impl PyTree for State {
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        for (_, v) in &self.entries {
            v.visit(f);
        }
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        for (k, v) in &self.entries {
            path.with(PathKey::Key(format!("{k:?}")), |p| v.visit_with_path(p, f));
        }
    }

    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        State {
            entries: self
                .entries
                .iter()
                .map(|(k, v)| (k.clone(), v.map(f)))
                .collect(),
        }
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        State {
            entries: self
                .entries
                .iter()
                .map(|(k, v)| {
                    let v = path.with(PathKey::Key(format!("{k:?}")), |p| v.map_with_path(p, f));
                    (k.clone(), v)
                })
                .collect(),
        }
    }

    fn hash_static<H: Hasher>(&self, mut state: &mut H) {
        self.entries.len().hash(state);
        for (k, v) in &self.entries {
            k.hash(state);
            v.hash_dyn(&mut state);
        }
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        let ours: Vec<&str> = self.markers().collect();
        let theirs: Vec<&str> = other.markers().collect();
        if ours != theirs {
            return Some(Difference::new(format!(
                "States with different entries: {ours:?} != {theirs:?}"
            )));
        }
        self.entries
            .iter()
            .zip(&other.entries)
            .find_map(|((k, a), (_, b))| {
                a.diff(b.as_ref())
                    .map(|d| d.at(PathKey::Key(format!("{k:?}"))))
            })
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        let docs = self
            .entries
            .iter()
            .map(|(k, v)| Doc::concat([Doc::text(k.clone()), Doc::text("="), v.doc(opts)]))
            .collect();
        tree::bracketed(Doc::text("State("), docs, Doc::text(")"), opts.indent)
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&tree::tree_pformat(self))
    }
}

/// The last segment of a type's name without its generics (Python's `type(x).__name__`):
/// `BatchNorm` for `equinox::nn::BatchNorm`, `Sequential` for `Sequential<L>`, `tuple` for a
/// tuple.
fn class_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    if full.starts_with('(') {
        return "tuple";
    }
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// `eqx.nn.delete_init_state(model)`: a copy of `model` whose [`StateIndex`]es no longer hold
/// their initial values (so the model does not keep a second copy of its state).
pub fn delete_init_state<T: PyTree>(model: &T) -> T {
    with_collector(Collector::Delete, || model.map_leaves(&mut |a| a.clone())).0
}

/// `eqx.nn.make_with_state(Model)(...)`: splits a freshly built model into the model and its
/// [`State`].
///
/// Each [`StateIndex`] gets the marker `ClassName + keystr(path)` (`"BatchNorm.batch_counter"`,
/// `"Sequential.layers[1].batch_state_index"`), as in Equinox, so two models built alike share
/// markers; the state is `State::new` of that model; the model is returned with its initial
/// states deleted ([`delete_init_state`]). Equinox takes the constructor and its arguments;
/// here the built model is passed.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn;
/// let (bn, state) = nn::make_with_state(nn::BatchNorm::new(3, "batch"));
/// assert_eq!(state.markers().collect::<Vec<_>>(), ["BatchNorm.ema_first_time_index", "BatchNorm.ema_state_index"]);
/// assert_eq!(eqx::tree::leaves(&state).len(), 3);
/// ```
pub fn make_with_state<T: PyTree>(model: T) -> (T, State) {
    let prefix = class_name::<T>().to_string();
    let model = with_collector(Collector::Rename(prefix), || {
        model.map_leaves_with_path(&mut KeyPath::new(), &mut |_, a| a.clone())
    })
    .0;
    let state = State::new(&model);
    (delete_init_state(&model), state)
}
