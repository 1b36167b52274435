//! The gradient transformation trait (Optax's `GradientTransformation`), its composition
//! (`chain`, optional and either-or transformations), `identity` and `apply_updates`.

use equinox_core::tree::{self, KeyPath, PyTree};
use equinox_core::Array;
use equinox_macros::Module;

/// A gradient transformation: Optax's pair of pure functions `init(params) -> state` and
/// `update(updates, state, params) -> (updates, state)`, as a trait.
///
/// The state is a typed PyTree built for the parameter tree `P`, so a training step can take
/// it as an argument of `filter_jit` and save it with `tree_serialise_leaves`. Its leaves come
/// in Optax's order (e.g. [`ScaleByAdamState`](crate::ScaleByAdamState) is `(count, mu, nu)`),
/// so a state serialised here lines up leaf for leaf with the same Optax state.
///
/// `params` may contain filtered-out leaves (Equinox's `None` after `eqx::filter`) and static
/// fields: the state holds filtered-out slots in their places and the updates leave them
/// untouched, as Optax does with `None`.
///
/// Tuples of transformations are transformations applied in order ([`chain`]); `Option<T>` is
/// `T` or [`identity`]; [`Either`] picks one of two at construction.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
///
/// let params = (jnp::ones([3]), jnp::zeros([2]));
/// let opt = optim::adam(0.1);
/// let mut state = opt.init(&params);
/// let mut p = params.clone();
/// for _ in 0..3 {
///     let grads = (&p.0 * 2.0, &p.1 + 1.0); // the gradient of sum(x^2) + sum(y)
///     let (updates, new_state) = opt.update(&grads, &state, Some(&p));
///     p = optim::apply_updates(&p, &updates);
///     state = new_state;
/// }
/// // Adam moves each coordinate by about the learning rate per step.
/// assert!((p.0.to_vec::<f32>()[0] - 0.7).abs() < 1e-2);
/// ```
pub trait GradientTransformation {
    /// The state for parameters of type `P`.
    type State<P: PyTree>: PyTree;

    /// The initial state for `params` (Optax's `init`).
    fn init<P: PyTree>(&self, params: &P) -> Self::State<P>;

    /// Transforms `updates` (usually gradients) given the state and, for the transformations
    /// that need them, the current parameters; returns the new updates and the new state
    /// (Optax's `update`).
    ///
    /// # Panics
    /// If the state was initialised for a tree of another structure or other shapes, or if
    /// the transformation needs `params` and none are given.
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>);
}

/// The state of a transformation that keeps none (Optax's `EmptyState`): no leaves.
#[derive(Module, Clone, Copy, Default, PartialEq, Eq)]
#[module(crate = "equinox_core", debug)]
pub struct EmptyState {}

/// The transformation that returns the updates unchanged ([`identity`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

/// The transformation that returns the updates unchanged (`optax.identity`).
pub fn identity() -> Identity {
    Identity
}

impl GradientTransformation for Identity {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        _params: Option<&P>,
    ) -> (P, EmptyState) {
        (updates.map_leaves(&mut |l| l.clone()), *state)
    }
}

/// `None` is [`identity`] (whose state has no leaves), `Some(t)` is `t`: Optax's
/// `t if condition else identity()`, e.g. the optional momentum of `sgd`.
impl<T: GradientTransformation> GradientTransformation for Option<T> {
    type State<P: PyTree> = Option<T::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        self.as_ref().map(|t| t.init(params))
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        match (self, state) {
            (Some(t), Some(s)) => {
                let (u, s) = t.update(updates, s, params);
                (u, Some(s))
            }
            (None, None) => (updates.map_leaves(&mut |l| l.clone()), None),
            _ => wrong_state_variant(
                if state.is_some() {
                    "a present transformation"
                } else {
                    "an absent (identity) transformation"
                },
                if self.is_some() {
                    "present"
                } else {
                    "absent (identity)"
                },
            ),
        }
    }
}

/// One of two transformations, chosen when the optimiser is built (Optax's
/// `a if flag else b`, e.g. `rmsprop`'s centred and plain scalings).
#[derive(Clone, Debug)]
pub enum Either<A, B> {
    /// The first transformation.
    Left(A),
    /// The second transformation.
    Right(B),
}

/// The state of an [`Either`]: the state of the transformation chosen.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug, transparent)]
pub enum EitherState<A, B> {
    /// The state of [`Either::Left`].
    Left(A),
    /// The state of [`Either::Right`].
    Right(B),
}

impl<A: GradientTransformation, B: GradientTransformation> GradientTransformation for Either<A, B> {
    type State<P: PyTree> = EitherState<A::State<P>, B::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        match self {
            Either::Left(a) => EitherState::Left(a.init(params)),
            Either::Right(b) => EitherState::Right(b.init(params)),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        match (self, state) {
            (Either::Left(a), EitherState::Left(s)) => {
                let (u, s) = a.update(updates, s, params);
                (u, EitherState::Left(s))
            }
            (Either::Right(b), EitherState::Right(s)) => {
                let (u, s) = b.update(updates, s, params);
                (u, EitherState::Right(s))
            }
            _ => wrong_state_variant(
                match state {
                    EitherState::Left(_) => "the `Left` branch of an `Either`",
                    EitherState::Right(_) => "the `Right` branch of an `Either`",
                },
                match self {
                    Either::Left(_) => "its `Left` branch",
                    Either::Right(_) => "its `Right` branch",
                },
            ),
        }
    }
}

macro_rules! chain_tuple {
    ($first_idx:tt $first:ident $(, $idx:tt $t:ident)*) => {
        /// Applies the transformations in order (`optax.chain`); the state is the tuple of
        /// their states.
        impl<$first: GradientTransformation $(, $t: GradientTransformation)*> GradientTransformation
            for ($first, $($t,)*)
        {
            type State<P: PyTree> = ($first::State<P>, $($t::State<P>,)*);

            fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
                (self.$first_idx.init(params), $(self.$idx.init(params),)*)
            }

            #[allow(non_snake_case)]
            fn update<P: PyTree>(
                &self,
                updates: &P,
                state: &Self::State<P>,
                params: Option<&P>,
            ) -> (P, Self::State<P>) {
                let (u, $first) = self.$first_idx.update(updates, &state.$first_idx, params);
                $(let (u, $t) = self.$idx.update(&u, &state.$idx, params);)*
                (u, ($first, $($t,)*))
            }
        }
    };
}

chain_tuple!(0 T0);
chain_tuple!(0 T0, 1 T1);
chain_tuple!(0 T0, 1 T1, 2 T2);
chain_tuple!(0 T0, 1 T1, 2 T2, 3 T3);
chain_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4);
chain_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5);
chain_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6);
chain_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7);

/// Chains transformations, given as a tuple of up to 8, applied in order (`optax.chain`). The
/// tuple is itself the chained transformation (no boxing): its state is the tuple of the
/// states, as in Optax.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = optim::chain((optim::clip_by_global_norm(1.0), optim::adam(1e-3)));
/// let params = vec![jnp::ones([2, 2])];
/// let state = opt.init(&params);
/// let (updates, _state) = opt.update(&params, &state, Some(&params));
/// assert_eq!(updates[0].shape(), &[2, 2]);
/// ```
pub fn chain<T: GradientTransformation>(transformations: T) -> T {
    transformations
}

/// `params + updates` leaf by leaf, cast back to each parameter's dtype
/// (`optax.apply_updates`). Where an update is filtered out, or the parameter is (Optax's
/// `None`), the parameter is kept as it is; static fields are kept.
///
/// # Panics
/// If the two trees differ in structure or in a leaf's shape; the message names both trees.
#[track_caller]
pub fn apply_updates<P: PyTree>(params: &P, updates: &P) -> P {
    check_same_tree(
        "apply_updates",
        "the updates",
        updates,
        "the parameters",
        params,
    );
    zip_map(params, updates, |_, p, u| {
        if p.is_filtered_out() || u.is_filtered_out() {
            p.clone()
        } else {
            (p + u).astype(p.dtype())
        }
    })
}

/// The tree of `f(path, a_leaf, b_leaf)` over every slot of two trees of the same structure,
/// filtered-out slots included.
pub(crate) fn zip_map<P: PyTree>(
    a: &P,
    b: &P,
    mut f: impl FnMut(&KeyPath, &Array, &Array) -> Array,
) -> P {
    let mut bs = Vec::with_capacity(a.num_leaves());
    b.visit_leaves(&mut |l| bs.push(l));
    let mut bs = bs.into_iter();
    a.map_leaves_with_path(&mut KeyPath::new(), &mut |p, x| {
        let y = bs
            .next()
            .expect("trees of equal structure have equal leaf counts");
        f(p, x, y)
    })
}

/// Panics, naming both trees, unless `a` and `b` have the same structure and their present
/// leaves the same shapes.
#[track_caller]
pub(crate) fn check_same_tree<P: PyTree>(op: &str, a_name: &str, a: &P, b_name: &str, b: &P) {
    let problem = match a.static_diff(b) {
        Some(d) => Some(format!("their structures differ {d}")),
        None => {
            let mut shapes = Vec::with_capacity(a.num_leaves());
            a.visit_leaves(&mut |l| shapes.push(l));
            let mut i = 0;
            let mut found = None;
            b.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, l| {
                let x = shapes[i];
                i += 1;
                if found.is_none()
                    && !x.is_filtered_out()
                    && !l.is_filtered_out()
                    && x.shape() != l.shape()
                {
                    found = Some(format!(
                        "the leaf at `{path}` has shape {:?} in {a_name} but {:?} in {b_name}",
                        x.shape(),
                        l.shape()
                    ));
                }
            });
            found
        }
    };
    if let Some(problem) = problem {
        panic!(
            "{op}: {a_name} do not match {b_name}: {problem}; {a_name}: {}; {b_name}: {}",
            tree::tree_pformat(a),
            tree::tree_pformat(b)
        );
    }
}

/// Panics, naming both trees, unless `updates` matches the tree a state was initialised with
/// (`state_tree`, one of the state's per-parameter trees). Every transformation whose state
/// holds a tree per parameter checks it here first, so a state built for other parameters
/// fails with both structures named, not deep inside the arithmetic.
#[track_caller]
pub(crate) fn check_state_tree<P: PyTree>(op: &str, updates: &P, state_tree: &P) {
    check_same_tree(
        op,
        "the updates",
        updates,
        "the tree the state was initialised with",
        state_tree,
    );
}

/// [`check_state_tree`] for a state tree whose leaves have other shapes than the parameters
/// (e.g. one flag per leaf): the structures only.
#[track_caller]
pub(crate) fn check_state_structure<P: PyTree>(op: &str, updates: &P, state_tree: &P) {
    if let Some(d) = updates.static_diff(state_tree) {
        panic!(
            "{op}: the updates do not match the tree the state was initialised with: their \
             structures differ {d}; the updates: {}; the tree the state was initialised with: {}",
            tree::tree_pformat(updates),
            tree::tree_pformat(state_tree)
        );
    }
}

/// The parameters of a transformation that needs them, checked against the updates: panics
/// with Optax's message (after `op: `) when there are none, and naming both trees when they
/// differ.
#[track_caller]
pub(crate) fn require_params<'a, P: PyTree>(op: &str, updates: &P, params: Option<&'a P>) -> &'a P {
    let Some(params) = params else {
        panic!("{op}: {NO_PARAMS_MSG}");
    };
    check_same_tree(op, "the updates", updates, "the parameters", params);
    params
}

/// The panic of a composite transformation (`Option`, [`Either`]) given the state of another
/// variant than its own.
#[track_caller]
fn wrong_state_variant(state_from: &str, this_one: &str) -> ! {
    panic!(
        "update: the state was initialised by {state_from}, but this transformation is {this_one}"
    )
}

/// Optax's message when a transformation needs the parameters and `update` got none.
pub(crate) const NO_PARAMS_MSG: &str = "You are using a transformation that requires the \
    current value of parameters, but you are not passing `params` when calling `update`.";
