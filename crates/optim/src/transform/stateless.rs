//! Transformations without state (`optax.stateless`, `stateless_with_tree_map`,
//! `set_to_zero`, `scale_by_sign`, `centralize`), and the shared machinery every stateless
//! transformation of this crate is built on.

use equinox_core::tree::PyTree;
use equinox_core::{numpy as jnp, Array};

use crate::base::{check_same_tree, zip_map, EmptyState, GradientTransformation, NO_PARAMS_MSG};

/// A transformation that keeps no state and maps each update leaf on its own, given the
/// matching parameter leaf when it needs one. Implementing it (and invoking
/// `impl_stateless!`) gives the [`GradientTransformation`] with [`EmptyState`].
pub(crate) trait Leafwise {
    /// The Optax name, for messages.
    const NAME: &'static str;
    /// Whether `update` needs the parameters (Optax raises `NO_PARAMS_MSG` without them).
    const NEEDS_PARAMS: bool;
    /// The new update leaf from an update leaf and, when given, its parameter leaf.
    fn leaf(&self, update: &Array, param: Option<&Array>) -> Array;
}

/// Applies a [`Leafwise`] map to every present update leaf; a leaf whose parameter is
/// filtered out passes through unchanged.
#[track_caller]
pub(crate) fn apply_leafwise<T: Leafwise, P: PyTree>(t: &T, updates: &P, params: Option<&P>) -> P {
    match params {
        None if T::NEEDS_PARAMS => panic!("{}: {NO_PARAMS_MSG}", T::NAME),
        None => updates.map_leaves(&mut |g| {
            if g.is_filtered_out() {
                g.clone()
            } else {
                t.leaf(g, None)
            }
        }),
        Some(params) => {
            check_same_tree(T::NAME, "the updates", updates, "the parameters", params);
            zip_map(updates, params, |_, g, p| {
                if g.is_filtered_out() || p.is_filtered_out() {
                    g.clone()
                } else {
                    t.leaf(g, Some(p))
                }
            })
        }
    }
}

/// Implements [`GradientTransformation`] with [`EmptyState`] for [`Leafwise`] types.
macro_rules! impl_stateless {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::base::GradientTransformation for $t {
            type State<P: equinox_core::tree::PyTree> = $crate::base::EmptyState;

            fn init<P: equinox_core::tree::PyTree>(&self, _params: &P) -> $crate::base::EmptyState {
                $crate::base::EmptyState {}
            }

            #[track_caller]
            fn update<P: equinox_core::tree::PyTree>(
                &self,
                updates: &P,
                state: &$crate::base::EmptyState,
                params: Option<&P>,
            ) -> (P, $crate::base::EmptyState) {
                ($crate::transform::stateless::apply_leafwise(self, updates, params), *state)
            }
        }
    )*};
}
pub(crate) use impl_stateless;

/// A stateless transformation from a function of all the update leaves (and the parameter
/// leaves, when `update` gets them) ([`stateless`]).
#[derive(Clone, Debug)]
pub struct Stateless<F> {
    /// The function: update leaves and parameter leaves in leaf order, to new update leaves.
    pub f: F,
}

/// A transformation with no state that replaces the updates by `f(updates, params)`
/// (`optax.stateless`). Rust's `f` sees the present leaves in leaf order (a tree-generic
/// closure is not expressible) and returns one new leaf for each.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{stateless, GradientTransformation};
/// // Divide every update by the number of leaves.
/// let t = stateless(|g: Vec<equinox_core::Array>, _p: Option<Vec<equinox_core::Array>>| {
///     let n = g.len() as f64;
///     g.iter().map(|x| x / n).collect()
/// });
/// let u = (jnp::ones([2]), jnp::ones([3]));
/// let (out, _) = t.update(&u, &t.init(&u), None);
/// assert_eq!(out.1.to_vec::<f32>(), vec![0.5; 3]);
/// ```
pub fn stateless<F>(f: F) -> Stateless<F>
where
    F: Fn(Vec<Array>, Option<Vec<Array>>) -> Vec<Array>,
{
    Stateless { f }
}

impl<F> GradientTransformation for Stateless<F>
where
    F: Fn(Vec<Array>, Option<Vec<Array>>) -> Vec<Array>,
{
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        params: Option<&P>,
    ) -> (P, EmptyState) {
        let present =
            |t: &P| -> Vec<Array> { equinox_core::tree::leaves(t).into_iter().cloned().collect() };
        let n = equinox_core::tree::num_leaves(updates);
        let new = (self.f)(present(updates), params.map(present));
        assert!(
            new.len() == n,
            "stateless: the function returned {} leaves for {n} update leaves",
            new.len()
        );
        let mut new = new.into_iter();
        let out = updates.map_leaves(&mut |g| {
            if g.is_filtered_out() {
                g.clone()
            } else {
                new.next().expect("counted above")
            }
        });
        (out, *state)
    }
}

/// A stateless transformation from a function of one update leaf and its parameter leaf
/// ([`stateless_with_tree_map`]).
#[derive(Clone, Debug)]
pub struct StatelessWithTreeMap<F> {
    /// The per-leaf function.
    pub f: F,
}

/// A transformation with no state that maps each update leaf `g` to `f(g, p)`, `p` being
/// the parameter leaf when `update` gets the parameters (`optax.stateless_with_tree_map`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::{stateless_with_tree_map, GradientTransformation};
/// let t = stateless_with_tree_map(|g: &Array, _p: Option<&Array>| g * 2.0);
/// let u = vec![jnp::ones([2])];
/// let (out, _) = t.update(&u, &t.init(&u), None);
/// assert_eq!(out[0].to_vec::<f32>(), vec![2.0, 2.0]);
/// ```
pub fn stateless_with_tree_map<F>(f: F) -> StatelessWithTreeMap<F>
where
    F: Fn(&Array, Option<&Array>) -> Array,
{
    StatelessWithTreeMap { f }
}

impl<F> GradientTransformation for StatelessWithTreeMap<F>
where
    F: Fn(&Array, Option<&Array>) -> Array,
{
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        params: Option<&P>,
    ) -> (P, EmptyState) {
        (apply_leafwise(self, updates, params), *state)
    }
}

impl<F: Fn(&Array, Option<&Array>) -> Array> Leafwise for StatelessWithTreeMap<F> {
    const NAME: &'static str = "stateless_with_tree_map";
    const NEEDS_PARAMS: bool = false;

    fn leaf(&self, update: &Array, param: Option<&Array>) -> Array {
        (self.f)(update, param)
    }
}

/// Replaces every update by zeros ([`set_to_zero`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetToZero;

/// Replaces every update by zeros of its shape and dtype, freezing the parameters
/// (`optax.set_to_zero`). No state.
pub fn set_to_zero() -> SetToZero {
    SetToZero
}

impl Leafwise for SetToZero {
    const NAME: &'static str = "set_to_zero";
    const NEEDS_PARAMS: bool = false;

    fn leaf(&self, update: &Array, _: Option<&Array>) -> Array {
        jnp::zeros_like(update)
    }
}

/// Replaces every update by its sign ([`scale_by_sign`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScaleBySign;

/// Replaces every update element by its sign, `-1`, `0` or `1` (`optax.scale_by_sign`). No
/// state.
pub fn scale_by_sign() -> ScaleBySign {
    ScaleBySign
}

impl Leafwise for ScaleBySign {
    const NAME: &'static str = "scale_by_sign";
    const NEEDS_PARAMS: bool = false;

    fn leaf(&self, update: &Array, _: Option<&Array>) -> Array {
        jnp::sign(update)
    }
}

/// Gradient centralisation ([`centralize`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Centralize;

/// Subtracts from every update of two or more dimensions its mean over all axes but the
/// first; vectors and scalars pass unchanged (`optax.centralize`). No state.
pub fn centralize() -> Centralize {
    Centralize
}

impl Leafwise for Centralize {
    const NAME: &'static str = "centralize";
    const NEEDS_PARAMS: bool = false;

    fn leaf(&self, update: &Array, _: Option<&Array>) -> Array {
        if update.ndim() > 1 {
            let axes: Vec<i32> = (1..update.ndim() as i32).collect();
            update - jnp::mean_keepdims(update, axes)
        } else {
            update.clone()
        }
    }
}

impl_stateless!(SetToZero, ScaleBySign, Centralize);
