//! Skipping non-finite updates (`optax.apply_if_finite`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::GradientTransformation;
use crate::combine::select::select_tree;
use crate::numerics::{safe_increment, zero_count, zeros_like};

/// The state of [`ApplyIfFinite`] (`optax.ApplyIfFiniteState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ApplyIfFiniteState<S> {
    /// Non-finite updates in a row (`int32`).
    pub notfinite_count: Array,
    /// Whether the last updates were all finite (`bool`).
    pub last_finite: Array,
    /// Non-finite updates in all (`int32`).
    pub total_notfinite: Array,
    /// The inner transformation's state.
    pub inner_state: S,
}

/// A transformation applied only to finite updates ([`apply_if_finite`]).
#[derive(Clone, Debug)]
pub struct ApplyIfFinite<T> {
    /// The transformation.
    pub inner: T,
    /// How many non-finite updates in a row are skipped before they go through.
    pub max_consecutive_errors: u32,
}

/// Applies `inner` only when every update is finite; otherwise returns zero updates and keeps
/// `inner`'s state, unless more than `max_consecutive_errors` non-finite updates came in a
/// row, when it applies them anyway (`optax.apply_if_finite`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = optim::apply_if_finite(optim::sgd(0.1), 2);
/// let p = vec![jnp::ones([2])];
/// let bad = vec![Array::from_vec(vec![f32::NAN, 1.0], [2])];
/// let (u, s) = opt.update(&bad, &opt.init(&p), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![0.0, 0.0]);
/// assert_eq!(s.total_notfinite.item::<i32>(), 1);
/// ```
pub fn apply_if_finite<T: GradientTransformation>(
    inner: T,
    max_consecutive_errors: u32,
) -> ApplyIfFinite<T> {
    ApplyIfFinite {
        inner,
        max_consecutive_errors,
    }
}

/// Whether every element of every leaf is finite (a `bool` scalar).
pub(crate) fn all_finite<P: PyTree>(updates: &P) -> Array {
    tree::leaves(updates)
        .into_iter()
        .fold(Array::scalar(true), |acc, x| {
            jnp::logical_and(&acc, &jnp::all(&jnp::isfinite(x), ()))
        })
}

impl<T: GradientTransformation> GradientTransformation for ApplyIfFinite<T> {
    type State<P: PyTree> = ApplyIfFiniteState<T::State<P>>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        ApplyIfFiniteState {
            notfinite_count: zero_count(),
            last_finite: Array::scalar(true),
            total_notfinite: zero_count(),
            inner_state: self.inner.init(params),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let isfinite = all_finite(updates);
        let notfinite_count = jnp::where_(
            &isfinite,
            &jnp::zeros_dtype((), DType::I32),
            &safe_increment(&state.notfinite_count),
        );
        let apply = jnp::logical_or(
            &isfinite,
            &jnp::greater(
                &notfinite_count,
                &Array::weak_scalar(i64::from(self.max_consecutive_errors)),
            ),
        );
        let (new_updates, new_inner) = self.inner.update(updates, &state.inner_state, params);
        let updates = select_tree(&apply, &new_updates, &zeros_like(updates, None));
        let inner_state = select_tree(&apply, &new_inner, &state.inner_state);
        let total_notfinite = jnp::where_(
            &isfinite,
            &state.total_notfinite,
            &safe_increment(&state.total_notfinite),
        );
        (
            updates,
            ApplyIfFiniteState {
                notfinite_count,
                last_finite: isfinite,
                total_notfinite,
                inner_state,
            },
        )
    }
}
