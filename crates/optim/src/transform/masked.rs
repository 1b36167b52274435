//! Masks and masked transformations (`optax.masked`).

use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{self, KeyPath, PyTree};
use equinox_core::Array;
use equinox_macros::Module;

use crate::base::{zip_map, GradientTransformation};

/// A per-leaf mask: true for the leaves a masked transformation acts on. It sees each leaf's
/// path and value (Optax's mask is a tree of bools or a function of the parameters giving
/// one; a function of the leaf covers the usual `lambda p: jax.tree.map(lambda x: x.ndim > 1,
/// p)`).
#[derive(Clone)]
pub struct Mask(Arc<MaskFn>);

/// The predicate inside a [`Mask`].
type MaskFn = dyn Fn(&KeyPath, &Array) -> bool + Send + Sync;

impl Mask {
    /// The mask given by `f(path, leaf)`.
    pub fn new(f: impl Fn(&KeyPath, &Array) -> bool + Send + Sync + 'static) -> Mask {
        Mask(Arc::new(f))
    }

    /// Whether the leaf at `path` is masked in.
    pub fn includes(&self, path: &KeyPath, leaf: &Array) -> bool {
        (self.0)(path, leaf)
    }

    /// The tree with every leaf the mask excludes filtered out (Optax's `MaskedNode`).
    fn apply<P: PyTree>(&self, tree: &P) -> P {
        tree::map_with_path(tree, |p, x| {
            if self.includes(p, x) {
                x.clone()
            } else {
                Array::filtered_out(x.aval().clone())
            }
        })
    }
}

impl fmt::Debug for Mask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mask(..)")
    }
}

/// The state of [`Masked`] (`optax.MaskedState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct MaskedState<S> {
    /// The inner transformation's state, built for the masked-in leaves only (the others are
    /// filtered-out slots).
    pub inner_state: S,
}

/// A transformation applied to the masked-in leaves only ([`masked`]).
#[derive(Clone, Debug)]
pub struct Masked<T> {
    /// The transformation.
    pub inner: T,
    /// Which leaves it acts on.
    pub mask: Mask,
}

/// Applies `inner` to the leaves `mask` selects and passes the others through unchanged
/// (`optax.masked`); the mask is evaluated on the parameters at `init` and on the updates at
/// `update`, as in Optax.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{masked, scale, GradientTransformation, Mask};
/// let g = (jnp::ones([2, 2]), jnp::ones([2]));
/// let t = masked(scale(0.5), Mask::new(|_, x| x.ndim() > 1));
/// let (u, _) = t.update(&g, &t.init(&g), None);
/// assert_eq!(u.0.to_vec::<f32>(), vec![0.5; 4]);
/// assert_eq!(u.1.to_vec::<f32>(), vec![1.0; 2]);
/// ```
pub fn masked<T: GradientTransformation>(inner: T, mask: Mask) -> Masked<T> {
    Masked { inner, mask }
}

impl<T: GradientTransformation> GradientTransformation for Masked<T> {
    type State<P: PyTree> = MaskedState<T::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        MaskedState {
            inner_state: self.inner.init(&self.mask.apply(params)),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let masked_updates = self.mask.apply(updates);
        let masked_params = params.map(|p| self.mask.apply(p));
        let (new_updates, inner_state) =
            self.inner
                .update(&masked_updates, &state.inner_state, masked_params.as_ref());
        let updates = zip_map(updates, &new_updates, |p, old, new| {
            if !old.is_filtered_out() && self.mask.includes(p, old) {
                new.clone()
            } else {
                old.clone()
            }
        });
        (updates, MaskedState { inner_state })
    }
}
