//! Freezing parameters (`optax.freeze`, `optax.selective_transform`).

use equinox_core::numpy as jnp;
use equinox_core::tree::{self, KeyPath, PyTree};

use crate::base::{EmptyState, GradientTransformation};
use crate::combine::partition::{partition, Labels, Partition};
use crate::transform::{Mask, MaskedState};

/// Zeroes the updates of the leaves a mask selects ([`freeze`]).
#[derive(Clone, Debug)]
pub struct Freeze {
    /// The frozen leaves.
    pub mask: Mask,
}

/// Sets the updates of the leaves `mask` selects to zero and passes the others through
/// (`optax.freeze`: `masked(set_to_zero(), mask)`, so the state is a [`MaskedState`] with no
/// leaves). `Mask::new(|_, _| true)` freezes everything (Optax's `freeze(True)`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{self as optim, GradientTransformation, Mask};
/// let params = (jnp::ones([2, 2]), jnp::ones([2]));
/// let opt = optim::chain((optim::freeze(Mask::new(|_, x| x.ndim() == 1)), optim::sgd(0.1)));
/// let (u, _) = opt.update(&params, &opt.init(&params), None);
/// assert_eq!(u.1.to_vec::<f32>(), vec![0.0, 0.0]);
/// assert_eq!(u.0.to_vec::<f32>(), vec![-0.1; 4]);
/// ```
pub fn freeze(mask: Mask) -> Freeze {
    Freeze { mask }
}

impl GradientTransformation for Freeze {
    type State<P: PyTree> = MaskedState<EmptyState>;

    fn init<P: PyTree>(&self, _params: &P) -> Self::State<P> {
        MaskedState {
            inner_state: EmptyState {},
        }
    }

    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        _: Option<&P>,
    ) -> (P, Self::State<P>) {
        let updates = tree::map_with_path(updates, |p: &KeyPath, g| {
            if self.mask.includes(p, g) {
                jnp::zeros_like(g)
            } else {
                g.clone()
            }
        });
        (updates, state.clone())
    }
}

/// [`selective_transform`]'s partition: `"freeze"` (zeroed) and `"train"` (the optimiser).
pub type SelectiveTransform<T> = Partition<((&'static str, Freeze), (&'static str, T))>;

/// Trains the leaves `freeze_mask` does not select with `optimizer` and freezes the others
/// (`optax.selective_transform`: a [`partition`] into `"freeze"` and `"train"`, so the
/// state is Optax's).
pub fn selective_transform<T: GradientTransformation>(
    optimizer: T,
    freeze_mask: Mask,
) -> SelectiveTransform<T> {
    partition(
        (
            ("freeze", freeze(Mask::new(|_, _| true))),
            ("train", optimizer),
        ),
        Labels::new(move |p, x| {
            if freeze_mask.includes(p, x) {
                "freeze"
            } else {
                "train"
            }
        }),
    )
}
