//! Weight decay (`optax.add_decayed_weights`).

use equinox_core::tree::{self, PyTree};
use equinox_core::Array;
use equinox_macros::Module;

use super::masked::Mask;
use crate::base::{check_same_tree, zip_map, EmptyState, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{safe_increment, zero_count};

/// What [`add_decayed_weights`] accepts as the weight decay (Optax's `ScalarOrSchedule`
/// there): a constant (`f64`, `f32`), which keeps no state, or a schedule (any
/// `Fn(&Array) -> Array`), which keeps a step count.
pub trait WeightDecay {
    /// The state this weight decay needs.
    type State: PyTree + Clone;

    /// The initial state.
    fn init_state(&self) -> Self::State;

    /// The factor for this step (`None` for a constant zero, which leaves the updates as they
    /// are) and the next state.
    fn factor(&self, state: &Self::State) -> (Option<Array>, Self::State);
}

impl WeightDecay for f64 {
    type State = EmptyState;

    fn init_state(&self) -> EmptyState {
        EmptyState {}
    }

    fn factor(&self, state: &EmptyState) -> (Option<Array>, EmptyState) {
        ((*self != 0.0).then(|| Array::weak_scalar(*self)), *state)
    }
}

impl WeightDecay for f32 {
    type State = EmptyState;

    fn init_state(&self) -> EmptyState {
        EmptyState {}
    }

    fn factor(&self, state: &EmptyState) -> (Option<Array>, EmptyState) {
        f64::from(*self).factor(state)
    }
}

/// The state of a scheduled weight decay (Optax's `WeightDecaySchedule`): the step count.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct WeightDecayScheduleState {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
}

impl<F: Fn(&Array) -> Array> WeightDecay for F {
    type State = WeightDecayScheduleState;

    fn init_state(&self) -> WeightDecayScheduleState {
        WeightDecayScheduleState {
            count: zero_count(),
        }
    }

    fn factor(
        &self,
        state: &WeightDecayScheduleState,
    ) -> (Option<Array>, WeightDecayScheduleState) {
        let next = WeightDecayScheduleState {
            count: safe_increment(&state.count),
        };
        (Some(self(&state.count)), next)
    }
}

/// Adds `weight_decay * params` to the updates ([`add_decayed_weights`]).
#[derive(Clone, Debug)]
pub struct AddDecayedWeights<W = f64> {
    /// The factor: a constant or a schedule.
    pub weight_decay: W,
    /// The leaves to decay (default: all).
    pub mask: Option<Mask>,
}

/// `updates + weight_decay * params` (`optax.add_decayed_weights` without a mask); the
/// weight decay is a constant or a schedule. Needs the parameters in `update`.
pub fn add_decayed_weights<W: WeightDecay>(weight_decay: W) -> AddDecayedWeights<W> {
    AddDecayedWeights {
        weight_decay,
        mask: None,
    }
}

/// [`add_decayed_weights`] on the leaves `mask` selects only (`optax.add_decayed_weights`
/// with a mask, e.g. to leave biases undecayed).
pub fn add_decayed_weights_masked<W: WeightDecay>(
    weight_decay: W,
    mask: Mask,
) -> AddDecayedWeights<W> {
    AddDecayedWeights {
        weight_decay,
        mask: Some(mask),
    }
}

impl<W: WeightDecay> GradientTransformation for AddDecayedWeights<W> {
    // Optax wraps the state in `MaskedState` when there is a mask; it has no leaves of its own.
    type State<P: PyTree> = W::State;

    fn init<P: PyTree>(&self, _params: &P) -> W::State {
        self.weight_decay.init_state()
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &W::State,
        params: Option<&P>,
    ) -> (P, W::State) {
        let params = params.unwrap_or_else(|| panic!("add_decayed_weights: {NO_PARAMS_MSG}"));
        check_same_tree(
            "add_decayed_weights",
            "the updates",
            updates,
            "the parameters",
            params,
        );
        let (factor, new_state) = self.weight_decay.factor(state);
        let Some(s) = factor else {
            return (tree::map(updates, Array::clone), new_state);
        };
        let updates = zip_map(updates, params, |path, g, p| {
            let included = self
                .mask
                .as_ref()
                .is_none_or(|m| g.is_filtered_out() || m.includes(path, g));
            if g.is_filtered_out() || p.is_filtered_out() || !included {
                g.clone()
            } else {
                g + &s * p
            }
        });
        (updates, new_state)
    }
}
