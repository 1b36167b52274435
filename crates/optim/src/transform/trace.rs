//! Momentum (`optax.trace`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{cast, zeros_like};

/// The state of [`Trace`] (`optax.TraceState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct TraceState<P> {
    /// The running trace of the updates (momentum).
    pub trace: P,
}

/// Momentum ([`trace`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Trace {
    /// The decay of the trace.
    pub decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// The dtype the trace is kept in (default: the parameters').
    pub accumulator_dtype: Option<DType>,
}

/// Heavy-ball momentum, `t = g + decay * t`, returning `t` (`optax.trace` with its
/// defaults). For Nesterov momentum or another accumulator dtype, build [`Trace`] directly:
/// `Trace { nesterov: true, ..trace(0.9) }`.
pub fn trace(decay: f64) -> Trace {
    Trace {
        decay,
        nesterov: false,
        accumulator_dtype: None,
    }
}

impl GradientTransformation for Trace {
    type State<P: PyTree> = TraceState<P>;

    fn init<P: PyTree>(&self, params: &P) -> TraceState<P> {
        TraceState {
            trace: zeros_like(params, self.accumulator_dtype),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &TraceState<P>,
        _: Option<&P>,
    ) -> (P, TraceState<P>) {
        check_state_tree("trace", updates, &state.trace);
        let f = |g: &Array, t: &Array| g + self.decay * t;
        let new_trace = tree::map2(updates, &state.trace, f);
        let updates = if self.nesterov {
            tree::map2(updates, &new_trace, f)
        } else {
            tree::map(&new_trace, |t| t.clone())
        };
        let trace = cast(new_trace, self.accumulator_dtype);
        (updates, TraceState { trace })
    }
}
