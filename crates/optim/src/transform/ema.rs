//! Exponential moving average of the updates (`optax.ema`).

use equinox_core::tree::PyTree;
use equinox_core::{Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, cast, safe_increment, update_moment, zero_count, zeros_like,
};

/// The state of [`Ema`] (`optax.EmaState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct EmaState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The moving average.
    pub ema: P,
}

/// An exponential moving average of the updates ([`ema`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ema {
    /// The decay.
    pub decay: f64,
    /// Return the bias-corrected average (true).
    pub debias: bool,
    /// The dtype the average is kept in (default: the parameters').
    pub accumulator_dtype: Option<DType>,
}

/// Replaces the updates by their bias-corrected exponential moving average
/// (`optax.ema` with its defaults; build [`Ema`] for `debias = false` or another
/// accumulator dtype: `Ema { debias: false, ..ema(0.9) }`).
pub fn ema(decay: f64) -> Ema {
    Ema {
        decay,
        debias: true,
        accumulator_dtype: None,
    }
}

impl GradientTransformation for Ema {
    type State<P: PyTree> = EmaState<P>;

    fn init<P: PyTree>(&self, params: &P) -> EmaState<P> {
        EmaState {
            count: zero_count(),
            ema: zeros_like(params, self.accumulator_dtype),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &EmaState<P>,
        _: Option<&P>,
    ) -> (P, EmaState<P>) {
        check_state_tree("ema", updates, &state.ema);
        let new_ema = update_moment(updates, &state.ema, self.decay, 1);
        let count = safe_increment(&state.count);
        let updates = if self.debias {
            bias_correction(&new_ema, self.decay, &count)
        } else {
            equinox_core::tree::map(&new_ema, Array::clone)
        };
        let ema = cast(new_ema, self.accumulator_dtype);
        (updates, EmaState { count, ema })
    }
}
