//! Lion's sign update (`optax.scale_by_lion`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{cast, safe_increment, update_moment, zero_count, zeros_like};

/// The state of [`ScaleByLion`] (`optax.ScaleByLionState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByLionState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The moment.
    pub mu: P,
}

/// Lion's sign update ([`scale_by_lion`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByLion {
    /// The interpolation between gradient and moment in the update (0.9).
    pub b1: f64,
    /// Decay of the moment (0.99).
    pub b2: f64,
    /// The dtype the moment is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
}

impl Default for ScaleByLion {
    fn default() -> Self {
        ScaleByLion {
            b1: 0.9,
            b2: 0.99,
            mu_dtype: None,
        }
    }
}

/// `sign((1 - b1) * g + b1 * mu)`, then `mu` decays towards `g` with `b2`
/// (`optax.scale_by_lion` with its defaults, `mode="hard"`).
pub fn scale_by_lion() -> ScaleByLion {
    ScaleByLion::default()
}

impl GradientTransformation for ScaleByLion {
    type State<P: PyTree> = ScaleByLionState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByLionState<P> {
        ScaleByLionState {
            count: zero_count(),
            mu: zeros_like(params, self.mu_dtype),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByLionState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByLionState<P>) {
        check_state_tree("scale_by_lion", updates, &state.mu);
        let new_updates = tree::map2(updates, &state.mu, |g, m| {
            ((1.0 - self.b1) * g + self.b1 * m).sign()
        });
        let mu = cast(update_moment(updates, &state.mu, self.b2, 1), self.mu_dtype);
        let count = safe_increment(&state.count);
        (new_updates, ScaleByLionState { count, mu })
    }
}
