//! A chain whose states carry names (`optax.named_chain`).

use equinox_core::tree::PyTree;
use equinox_macros::Module;

use crate::base::GradientTransformation;

/// A transformation with a name, one link of a [`named_chain`].
#[derive(Clone, Debug)]
pub struct Named<T> {
    /// The name its state goes under.
    pub name: String,
    /// The transformation.
    pub inner: T,
}

/// The state of a [`Named`] transformation: the name (static structure, no leaf) and the
/// state, so a named chain's state has the leaves of Optax's `OrderedDict`, in the chain's
/// order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct NamedState<S> {
    /// The name given in [`named_chain`].
    pub name: String,
    /// The transformation's state.
    pub state: S,
}

impl<T: GradientTransformation> GradientTransformation for Named<T> {
    type State<P: PyTree> = NamedState<T::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        NamedState {
            name: self.name.clone(),
            state: self.inner.init(params),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        if state.name != self.name {
            panic!(
                "named_chain: the state under {:?} was given to the transformation named {:?}",
                state.name, self.name
            );
        }
        let (updates, inner) = self.inner.update(updates, &state.state, params);
        (
            updates,
            NamedState {
                name: self.name.clone(),
                state: inner,
            },
        )
    }
}

/// A tuple of `(name, transformation)` pairs, what [`named_chain`] takes.
pub trait NamedTransformations {
    /// The chain: a tuple of [`Named`] transformations.
    type Chain: GradientTransformation;

    /// The names, in order.
    fn names(&self) -> Vec<&str>;

    /// The chain of named transformations.
    fn into_chain(self) -> Self::Chain;
}

macro_rules! named_tuple {
    ($($idx:tt $t:ident),+) => {
        impl<$($t: GradientTransformation),+> NamedTransformations for ($((&str, $t),)+) {
            type Chain = ($(Named<$t>,)+);

            fn names(&self) -> Vec<&str> {
                vec![$(self.$idx.0),+]
            }

            fn into_chain(self) -> Self::Chain {
                ($(Named { name: self.$idx.0.to_string(), inner: self.$idx.1 },)+)
            }
        }
    };
}

named_tuple!(0 T0);
named_tuple!(0 T0, 1 T1);
named_tuple!(0 T0, 1 T1, 2 T2);
named_tuple!(0 T0, 1 T1, 2 T2, 3 T3);
named_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4);
named_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5);
named_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6);
named_tuple!(0 T0, 1 T1, 2 T2, 3 T3, 4 T4, 5 T5, 6 T6, 7 T7);

/// Chains transformations given as `(name, transformation)` pairs (up to 8), applied in order
/// (`optax.named_chain`). Each state is a [`NamedState`] holding its name, so the state's
/// leaves are those of Optax's `OrderedDict` of states.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = optim::named_chain((("clip", optim::clip(1.0)), ("adam", optim::adam(0.1))));
/// let params = vec![jnp::ones([2])];
/// let state = opt.init(&params);
/// assert_eq!(state.1.name, "adam");
/// let (_, state) = opt.update(&params, &state, None);
/// assert_eq!(state.1.state.0.count.item::<i32>(), 1);
/// ```
///
/// # Panics
/// If two names are equal (Optax's message).
#[track_caller]
pub fn named_chain<N: NamedTransformations>(transformations: N) -> N::Chain {
    let names = transformations.names();
    let mut seen = std::collections::BTreeSet::new();
    if !names.iter().all(|n| seen.insert(*n)) {
        let listed: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        panic!(
            "Named transformations must have unique names, but got [{}]",
            listed.join(", ")
        );
    }
    transformations.into_chain()
}
