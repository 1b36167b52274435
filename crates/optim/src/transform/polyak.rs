//! The Polyak step size (`optax.scale_by_polyak`), which needs the objective's value.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};

use crate::base::{EmptyState, GradientTransformation};
use crate::numerics::tree_norm_squared;

/// Which Polyak step size ([`ScaleByPolyak::variant`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PolyakVariant {
    /// `(f - f_min) / (|g|^2 + eps)` (Optax's `"sps"`, the default).
    #[default]
    Sps,
    /// The same with the gap clipped at zero (Optax's `"sps+"`).
    SpsPlus,
}

/// The Polyak step size ([`scale_by_polyak`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByPolyak {
    /// A lower bound on the objective (0).
    pub f_min: f64,
    /// The largest step size (1).
    pub max_learning_rate: f64,
    /// Added to the squared gradient norm (0).
    pub eps: f64,
    /// `sps` or `sps+`.
    pub variant: PolyakVariant,
}

impl Default for ScaleByPolyak {
    fn default() -> Self {
        ScaleByPolyak {
            f_min: 0.0,
            max_learning_rate: 1.0,
            eps: 0.0,
            variant: PolyakVariant::Sps,
        }
    }
}

/// Scales the updates by `min((f(x) - f_min) / (|g|^2 + eps), max_learning_rate)`, or by 0
/// where `|g|^2 + eps` is below float64's machine epsilon (`optax.scale_by_polyak` with its
/// defaults; build [`ScaleByPolyak`] for others). It needs the objective's value at the
/// current parameters: call [`ScaleByPolyak::update_with_value`] (Optax's `value=`
/// argument); the plain `update` panics.
pub fn scale_by_polyak() -> ScaleByPolyak {
    ScaleByPolyak::default()
}

impl ScaleByPolyak {
    /// `update` with the objective's value at the current parameters (Optax's
    /// `update(updates, state, params, value=value)`; the parameters are not used).
    pub fn update_with_value<P: PyTree>(
        &self,
        updates: &P,
        state: &EmptyState,
        _params: Option<&P>,
        value: &Array,
    ) -> (P, EmptyState) {
        let grad_sq_norm = tree_norm_squared(updates);
        let gap = (value - self.f_min).astype(grad_sq_norm.dtype());
        let gap = match self.variant {
            PolyakVariant::Sps => gap,
            PolyakVariant::SpsPlus => gap.maximum(&Array::weak_scalar(0.0f64)),
        };
        let denominator = &grad_sq_norm + self.eps;
        let tiny = jnp::less_equal(&denominator, &Array::weak_scalar(f64::EPSILON));
        let step = jnp::where_(
            &tiny,
            &jnp::zeros_dtype((), DType::F32),
            &(gap / &denominator).minimum(&Array::weak_scalar(self.max_learning_rate)),
        );
        (tree::map(updates, |g| &step * g), *state)
    }
}

impl GradientTransformation for ScaleByPolyak {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    #[track_caller]
    fn update<P: PyTree>(&self, _: &P, _: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        panic!(
            "scale_by_polyak: update() missing required keyword argument: 'value'; call \
             `update_with_value` with the objective's value at the current parameters"
        )
    }
}
