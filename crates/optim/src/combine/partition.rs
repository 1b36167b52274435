//! Different transformations for differently labelled parameters (`optax.partition`,
//! `optax.multi_transform`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{KeyPath, PyTree};
use equinox_core::Array;
use equinox_macros::Module;

use crate::base::{check_same_tree, GradientTransformation};
use crate::transform::MaskedState;

/// A label for each parameter leaf, saying which transformation of a [`partition`] it gets:
/// Optax's `param_labels`, a tree of labels or a function of the parameters giving one.
///
/// [`Labels::new`] labels each leaf by a function of its path and value (the way Equinox
/// code selects leaves with filters); [`Labels::from_leaves`] lists the labels of the
/// present leaves in leaf order (Optax's label tree, flattened).
#[derive(Clone)]
pub struct Labels(LabelSource);

#[derive(Clone)]
enum LabelSource {
    Function(Arc<LabelFn>),
    Leaves(Vec<String>),
}

/// The function inside [`Labels::new`].
type LabelFn = dyn Fn(&KeyPath, &Array) -> String + Send + Sync;

impl Labels {
    /// Each leaf's label is `f(path, leaf)`.
    pub fn new<S: Into<String>>(
        f: impl Fn(&KeyPath, &Array) -> S + Send + Sync + 'static,
    ) -> Labels {
        Labels(LabelSource::Function(Arc::new(move |p, x| f(p, x).into())))
    }

    /// The labels of the present (not filtered-out) leaves, in leaf order: what
    /// `jax.tree.leaves` gives for Optax's label tree.
    pub fn from_leaves<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Labels {
        Labels(LabelSource::Leaves(
            labels.into_iter().map(Into::into).collect(),
        ))
    }

    /// The label of every slot of `tree` (`None` for filtered-out slots).
    ///
    /// # Panics
    /// If the labels were listed and their number is not the tree's number of leaves.
    #[track_caller]
    pub fn of<P: PyTree>(&self, tree: &P) -> Vec<Option<String>> {
        let mut out = Vec::with_capacity(tree.num_leaves());
        match &self.0 {
            LabelSource::Function(f) => {
                tree.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, x| {
                    out.push((!x.is_filtered_out()).then(|| f(p, x)));
                });
            }
            LabelSource::Leaves(labels) => {
                let mut next = labels.iter();
                let mut present = 0;
                tree.visit_leaves(&mut |x| {
                    if x.is_filtered_out() {
                        out.push(None);
                    } else {
                        present += 1;
                        out.push(next.next().cloned());
                    }
                });
                if present != labels.len() {
                    panic!(
                        "partition: {} labels were given for a tree of {present} leaves: {}",
                        labels.len(),
                        equinox_core::tree::tree_pformat(tree)
                    );
                }
            }
        }
        out
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            LabelSource::Function(_) => f.write_str("Labels(..)"),
            LabelSource::Leaves(l) => f.debug_tuple("Labels").field(l).finish(),
        }
    }
}

/// The tree with every slot whose `keep` entry is false filtered out.
pub(crate) fn keep_slots<P: PyTree>(tree: &P, keep: &[bool]) -> P {
    let mut i = 0;
    tree.map_leaves(&mut |x| {
        let k = keep[i];
        i += 1;
        if k || x.is_filtered_out() {
            x.clone()
        } else {
            Array::filtered_out(x.aval().clone())
        }
    })
}

/// `new`'s leaf where `keep` is true and `old` is present, else `old`'s.
pub(crate) fn merge_slots<P: PyTree>(old: &P, new: &P, keep: &[bool]) -> P {
    let mut news = Vec::with_capacity(keep.len());
    new.visit_leaves(&mut |l| news.push(l));
    let mut i = 0;
    old.map_leaves(&mut |x| {
        let (k, n) = (keep[i], news[i]);
        i += 1;
        if k && !x.is_filtered_out() {
            n.clone()
        } else {
            x.clone()
        }
    })
}

/// `transformation` on the slots labelled `group` only: Optax's `masked(tx, labels == group)`.
fn init_group<T: GradientTransformation, P: PyTree>(
    transformation: &T,
    group: &str,
    params: &P,
    labels: &[Option<String>],
) -> MaskedState<T::State<P>> {
    let keep: Vec<bool> = labels.iter().map(|l| l.as_deref() == Some(group)).collect();
    MaskedState {
        inner_state: transformation.init(&keep_slots(params, &keep)),
    }
}

#[track_caller]
fn update_group<T: GradientTransformation, P: PyTree>(
    transformation: &T,
    group: &str,
    updates: &P,
    state: &MaskedState<T::State<P>>,
    params: Option<&P>,
    labels: &[Option<String>],
) -> (P, MaskedState<T::State<P>>) {
    let keep: Vec<bool> = labels.iter().map(|l| l.as_deref() == Some(group)).collect();
    let masked_params = params.map(|p| keep_slots(p, &keep));
    let (new, inner_state) = transformation.update(
        &keep_slots(updates, &keep),
        &state.inner_state,
        masked_params.as_ref(),
    );
    (
        merge_slots(updates, &new, &keep),
        MaskedState { inner_state },
    )
}

/// A tuple of `(label, transformation)` pairs, what [`partition`] takes.
pub trait LabelledTransformations {
    /// The states: a tuple of one [`MaskedState`] per label.
    type States<P: PyTree>: PyTree;

    /// The labels, in order.
    fn labels(&self) -> Vec<&str>;

    /// Each transformation's state for its leaves.
    fn init_each<P: PyTree>(&self, params: &P, labels: &[Option<String>]) -> Self::States<P>;

    /// Each transformation applied, in order, to its leaves.
    fn update_each<P: PyTree>(
        &self,
        updates: &P,
        states: &Self::States<P>,
        params: Option<&P>,
        labels: &[Option<String>],
    ) -> (P, Self::States<P>);
}

macro_rules! labelled_tuple {
    ($($idx:tt $t:ident),+) => {
        impl<$($t: GradientTransformation),+> LabelledTransformations
            for ($((&'static str, $t),)+)
        {
            type States<P: PyTree> = ($(MaskedState<$t::State<P>>,)+);

            fn labels(&self) -> Vec<&str> {
                vec![$(self.$idx.0),+]
            }

            fn init_each<P: PyTree>(
                &self,
                params: &P,
                labels: &[Option<String>],
            ) -> Self::States<P> {
                ($(init_group(&self.$idx.1, self.$idx.0, params, labels),)+)
            }

            #[allow(non_snake_case)]
            #[track_caller]
            fn update_each<P: PyTree>(
                &self,
                updates: &P,
                states: &Self::States<P>,
                params: Option<&P>,
                labels: &[Option<String>],
            ) -> (P, Self::States<P>) {
                let u = updates.map_leaves(&mut |l| l.clone());
                $(let (u, $t) = update_group(
                    &self.$idx.1, self.$idx.0, &u, &states.$idx, params, labels);)+
                (u, ($($t,)+))
            }
        }
    };
}

labelled_tuple!(0 T0);
labelled_tuple!(0 T0, 1 T1);
labelled_tuple!(0 T0, 1 T1, 2 T2);
labelled_tuple!(0 T0, 1 T1, 2 T2, 3 T3);
labelled_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4);
labelled_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5);
labelled_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6);
labelled_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7);

/// A map from labels to transformations of one type (e.g. `adam`s with different learning
/// rates, or [`Either`](crate::Either)s), for labels known only at run time; the map keeps
/// the labels sorted, as Optax's state dict.
impl<T: GradientTransformation> LabelledTransformations for BTreeMap<String, T> {
    type States<P: PyTree> = BTreeMap<String, MaskedState<T::State<P>>>;

    fn labels(&self) -> Vec<&str> {
        self.keys().map(String::as_str).collect()
    }

    fn init_each<P: PyTree>(&self, params: &P, labels: &[Option<String>]) -> Self::States<P> {
        self.iter()
            .map(|(group, t)| (group.clone(), init_group(t, group, params, labels)))
            .collect()
    }

    #[track_caller]
    fn update_each<P: PyTree>(
        &self,
        updates: &P,
        states: &Self::States<P>,
        params: Option<&P>,
        labels: &[Option<String>],
    ) -> (P, Self::States<P>) {
        let mut u = updates.map_leaves(&mut |l| l.clone());
        let mut new_states = BTreeMap::new();
        for (group, t) in self {
            let Some(state) = states.get(group) else {
                panic!(
                    "partition: the state has no entry for the label {group:?}; it was \
                     initialised by another partition"
                );
            };
            let (next, s) = update_group(t, group, &u, state, params, labels);
            u = next;
            new_states.insert(group.clone(), s);
        }
        (u, new_states)
    }
}

/// The state of a [`Partition`] (`optax.PartitionState`): one [`MaskedState`] per label, in
/// label order (the order of Optax's `inner_states` dict).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct PartitionState<S> {
    /// The states of the transformations, in label order.
    pub inner_states: S,
}

/// Transformations applied to the leaves with their label ([`partition`]).
#[derive(Clone, Debug)]
pub struct Partition<T> {
    /// The `(label, transformation)` pairs, labels sorted.
    pub transforms: T,
    /// Each leaf's label.
    pub param_labels: Labels,
}

/// Applies each transformation to the leaves carrying its label (`optax.partition`):
/// `transforms` is a tuple of `(label, transformation)` pairs (up to 8), or a
/// `BTreeMap<String, T>` of transformations of one type, and `param_labels`
/// gives each leaf's label, evaluated on the parameters at `init` and on the updates at
/// `update`, as in Optax. Each transformation sees the tree with the other leaves filtered
/// out, so its state is built for its own leaves (Optax's `masked`).
///
/// The labels must be given in sorted order: that is the order of Optax's state dict, so the
/// state's leaves line up with Optax's.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation, Labels};
/// let params = (jnp::ones([2, 2]), jnp::ones([2]));
/// let opt = optim::partition(
///     (("bias", optim::sgd(0.5)), ("weight", optim::adam(0.1))),
///     Labels::new(|_, x| if x.ndim() > 1 { "weight" } else { "bias" }),
/// );
/// let state = opt.init(&params);
/// let (u, _) = opt.update(&params, &state, Some(&params));
/// assert_eq!(u.1.to_vec::<f32>(), vec![-0.5, -0.5]);
/// assert!((u.0.to_vec::<f32>()[0] + 0.1).abs() < 1e-6);
/// ```
///
/// # Panics
/// If the labels are not sorted and distinct; at `init`, if a leaf's label has no
/// transformation (Optax's message).
#[track_caller]
pub fn partition<T: LabelledTransformations>(transforms: T, param_labels: Labels) -> Partition<T> {
    let labels = transforms.labels();
    if !labels.windows(2).all(|w| w[0] < w[1]) {
        panic!(
            "partition: the labels must be distinct and in sorted order (the order of Optax's \
             state dict, so that the state's leaves line up with Optax's), got {labels:?}"
        );
    }
    Partition {
        transforms,
        param_labels,
    }
}

/// [`partition`] under its former name (`optax.multi_transform`).
#[track_caller]
pub fn multi_transform<T: LabelledTransformations>(
    transforms: T,
    param_labels: Labels,
) -> Partition<T> {
    partition(transforms, param_labels)
}

/// Python's `repr` of a sorted list of strings.
fn python_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = items.into_iter().collect();
    v.sort_unstable();
    v.dedup();
    let quoted: Vec<String> = v.iter().map(|s| format!("'{s}'")).collect();
    format!("[{}]", quoted.join(", "))
}

impl<T: LabelledTransformations> GradientTransformation for Partition<T> {
    type State<P: PyTree> = PartitionState<T::States<P>>;

    #[track_caller]
    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        let labels = self.param_labels.of(params);
        let groups = self.transforms.labels();
        if labels
            .iter()
            .flatten()
            .any(|l| !groups.contains(&l.as_str()))
        {
            panic!(
                "Some parameters have no corresponding transformation.\nParameter labels: {} \n\
                 Transforms keys: {} \n",
                python_list(labels.iter().flatten().map(String::as_str)),
                python_list(groups.iter().copied())
            );
        }
        PartitionState {
            inner_states: self.transforms.init_each(params, &labels),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        if let Some(params) = params {
            check_same_tree(
                "partition",
                "the updates",
                updates,
                "the parameters",
                params,
            );
        }
        let labels = self.param_labels.of(updates);
        let (updates, inner_states) =
            self.transforms
                .update_each(updates, &state.inner_states, params, &labels);
        (updates, PartitionState { inner_states })
    }
}
