//! Reducing the learning rate when the loss stops improving
//! (`optax.contrib.reduce_on_plateau`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use super::hyper::tree_dtype;
use crate::base::GradientTransformation;
use crate::numerics::safe_increment;

/// The state of [`ReduceOnPlateau`] (`optax.contrib.ReduceLROnPlateauState`), leaves in
/// Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ReduceLrOnPlateauState {
    /// The factor on the updates (starts at 1; the parameters' lowest dtype).
    pub scale: Array,
    /// The best average loss so far (the parameters' highest dtype).
    pub best_value: Array,
    /// Evaluations without improvement (`int32`).
    pub plateau_count: Array,
    /// Evaluations left before plateaus count again (`int32`).
    pub cooldown_count: Array,
    /// Losses accumulated into the current average (`int32`).
    pub count: Array,
    /// The average of the losses accumulated so far.
    pub avg_value: Array,
}

/// The options of [`reduce_on_plateau_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceOnPlateauOptions {
    /// The factor the scale is multiplied by on a plateau, in (0, 1) (0.1).
    pub factor: f64,
    /// Evaluations without improvement that make a plateau (10).
    pub patience: i32,
    /// The relative improvement that counts (1e-4).
    pub rtol: f64,
    /// The absolute improvement that counts (0).
    pub atol: f64,
    /// Evaluations after a reduction during which plateaus do not count (0).
    pub cooldown: i32,
    /// Losses averaged into one evaluation (1).
    pub accumulation_size: i32,
    /// The smallest scale (0).
    pub min_scale: f64,
}

impl Default for ReduceOnPlateauOptions {
    fn default() -> Self {
        ReduceOnPlateauOptions {
            factor: 0.1,
            patience: 10,
            rtol: 1e-4,
            atol: 0.0,
            cooldown: 0,
            accumulation_size: 1,
            min_scale: 0.0,
        }
    }
}

/// Scales the updates down when the loss plateaus ([`reduce_on_plateau`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceOnPlateau {
    /// The options.
    pub options: ReduceOnPlateauOptions,
}

/// Multiplies the updates by a scale that drops by `factor` whenever the average loss has not
/// improved for `patience` evaluations (`optax.contrib.reduce_on_plateau` with its defaults).
///
/// It needs the loss: call [`UpdateWithValue::update_with_value`] (Optax's `value=` extra
/// argument), also on a chain ending with it.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_optim::contrib::{reduce_on_plateau_with_options, ReduceOnPlateauOptions, UpdateWithValue};
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = optim::chain((
///     optim::sgd(0.1),
///     reduce_on_plateau_with_options(ReduceOnPlateauOptions { patience: 1, factor: 0.5, ..Default::default() }),
/// ));
/// let params = vec![jnp::ones([2])];
/// let mut state = opt.init(&params);
/// for loss in [1.0f32, 1.0, 1.0] {
///     let (_, s) = opt.update_with_value(&params, &state, Some(&params), &Array::scalar(loss));
///     state = s;
/// }
/// assert_eq!(state.1.scale.item::<f32>(), 0.25);
/// ```
pub fn reduce_on_plateau() -> ReduceOnPlateau {
    reduce_on_plateau_with_options(ReduceOnPlateauOptions::default())
}

/// [`reduce_on_plateau`] with options (`optax.contrib.reduce_on_plateau`).
///
/// # Panics
/// If `factor` is not in (0, 1), a tolerance is negative, both are 0 or `rtol` exceeds 1
/// (Optax's messages).
#[track_caller]
pub fn reduce_on_plateau_with_options(options: ReduceOnPlateauOptions) -> ReduceOnPlateau {
    let ReduceOnPlateauOptions {
        factor, rtol, atol, ..
    } = options;
    assert!(
        factor > 0.0 && factor < 1.0,
        "Factor must be in the range (0, 1), got factor = {}.",
        py_float(factor)
    );
    assert!(
        rtol >= 0.0 && atol >= 0.0,
        "Both rtol and atol must be non-negative, got rtol = {} and atol = {}.",
        py_float(rtol),
        py_float(atol)
    );
    assert!(
        rtol != 0.0 || atol != 0.0,
        "At least one of rtol or atol must be positive, got rtol = {} and atol = {}.",
        py_float(rtol),
        py_float(atol)
    );
    assert!(
        rtol <= 1.0,
        "rtol must be less than or equal to 1.0, got rtol = {}.",
        py_float(rtol)
    );
    ReduceOnPlateau { options }
}

/// A float as Python prints it (`1.0`, not `1`).
fn py_float(x: f64) -> String {
    if x.fract() == 0.0 && x.is_finite() {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

/// A transformation whose update needs the loss value (Optax's `value=` extra argument to
/// `update`): [`ReduceOnPlateau`], and chains (tuples) that end with one, where the value goes
/// to the last element.
pub trait UpdateWithValue: GradientTransformation {
    /// [`GradientTransformation::update`] given the loss `value` at `params` too.
    fn update_with_value<P: PyTree>(
        &self,
        updates: &P,
        state: &Self::State<P>,
        params: Option<&P>,
        value: &Array,
    ) -> (P, Self::State<P>);
}

impl ReduceOnPlateau {
    /// A new plateau evaluation from the averaged loss in `state`.
    fn update_scale(&self, state: &ReduceLrOnPlateauState) -> ReduceLrOnPlateauState {
        let o = &self.options;
        let int = |x: i32| Array::weak_scalar(x);
        let avg_value = &state.avg_value;
        let threshold = (1.0 - o.rtol) * &state.best_value - o.atol;
        let has_improved = jnp::less(avg_value, &threshold);
        let best_value = jnp::where_(
            &has_improved,
            &avg_value.astype(state.best_value.dtype()),
            &state.best_value,
        );
        let curr_plateau_count = jnp::where_(
            &has_improved,
            &jnp::zeros_dtype((), DType::I32),
            &safe_increment(&state.plateau_count),
        );
        let at_patience = jnp::equal(&curr_plateau_count, &int(o.patience));
        // Outside a cooldown: a plateau of `patience` evaluations reduces the scale.
        let plateau_count = jnp::where_(&at_patience, &int(0), &curr_plateau_count);
        let scale = jnp::maximum(
            &jnp::where_(&at_patience, &(&state.scale * o.factor), &state.scale),
            &Array::weak_scalar(o.min_scale),
        );
        let cooldown_count =
            jnp::where_(&at_patience, &int(o.cooldown), &int(0)).astype(DType::I32);
        // In a cooldown: count it down, keep the scale, forget the plateau.
        let in_cooldown = jnp::greater(&state.cooldown_count, &int(0));
        ReduceLrOnPlateauState {
            scale: jnp::where_(&in_cooldown, &state.scale, &scale),
            best_value,
            plateau_count: jnp::where_(
                &in_cooldown,
                &jnp::zeros_dtype((), DType::I32),
                &plateau_count,
            ),
            cooldown_count: jnp::where_(
                &in_cooldown,
                &(&state.cooldown_count - 1),
                &cooldown_count,
            ),
            count: jnp::zeros_dtype((), DType::I32),
            avg_value: jnp::zeros_dtype((), avg_value.dtype()),
        }
    }
}

impl GradientTransformation for ReduceOnPlateau {
    type State<P: PyTree> = ReduceLrOnPlateauState;

    fn init<P: PyTree>(&self, params: &P) -> ReduceLrOnPlateauState {
        let lowest = tree_dtype(params, true);
        let highest = tree_dtype(params, false);
        ReduceLrOnPlateauState {
            scale: jnp::ones_dtype((), lowest),
            best_value: Array::scalar(f64::INFINITY).astype(highest),
            plateau_count: jnp::zeros_dtype((), DType::I32),
            cooldown_count: jnp::zeros_dtype((), DType::I32),
            count: jnp::zeros_dtype((), DType::I32),
            avg_value: jnp::zeros_dtype((), highest),
        }
    }

    /// # Panics
    /// Always: the transformation needs the loss value, as Optax's needs `value=`; call
    /// [`UpdateWithValue::update_with_value`].
    #[track_caller]
    fn update<P: PyTree>(
        &self,
        _: &P,
        _: &ReduceLrOnPlateauState,
        _: Option<&P>,
    ) -> (P, ReduceLrOnPlateauState) {
        panic!(
            "reduce_on_plateau: update needs the loss value (Optax's `value=`): call \
             `update_with_value`"
        )
    }
}

impl UpdateWithValue for ReduceOnPlateau {
    fn update_with_value<P: PyTree>(
        &self,
        updates: &P,
        state: &ReduceLrOnPlateauState,
        _: Option<&P>,
        value: &Array,
    ) -> (P, ReduceLrOnPlateauState) {
        let new_count = safe_increment(&state.count);
        let avg_dtype = state.avg_value.dtype();
        let new_avg = ((&state.count * &state.avg_value + value.astype(avg_dtype)) / &new_count)
            .astype(avg_dtype);
        let accumulated = ReduceLrOnPlateauState {
            avg_value: new_avg,
            count: new_count,
            ..state.clone()
        };
        let evaluated = self.update_scale(&accumulated);
        let evaluate = jnp::equal(
            &accumulated.count,
            &Array::weak_scalar(self.options.accumulation_size),
        );
        let new_state = pick(&evaluate, &evaluated, &accumulated);
        let updates = tree::map(updates, |g| &new_state.scale * g);
        (updates, new_state)
    }
}

/// `lax.cond(pred, ..)` between two computed states, leaf by leaf (so it also traces).
fn pick(
    pred: &Array,
    if_true: &ReduceLrOnPlateauState,
    if_false: &ReduceLrOnPlateauState,
) -> ReduceLrOnPlateauState {
    tree::map2(if_true, if_false, |t, f| jnp::where_(pred, t, f))
}

macro_rules! update_with_value_tuple {
    ($($idx:tt $t:ident),* ; $last_idx:tt $last:ident) => {
        /// A chain whose last transformation takes the loss value: the value goes to it, the
        /// others update as usual (Optax's chain passes `value=` to those that accept it).
        impl<$($t: GradientTransformation,)* $last: UpdateWithValue> UpdateWithValue
            for ($($t,)* $last,)
        {
            #[allow(non_snake_case)]
            fn update_with_value<P: PyTree>(
                &self,
                updates: &P,
                state: &Self::State<P>,
                params: Option<&P>,
                value: &Array,
            ) -> (P, Self::State<P>) {
                let u = tree::map(updates, Array::clone);
                $(let (u, $t) = self.$idx.update(&u, &state.$idx, params);)*
                let (u, $last) = self.$last_idx.update_with_value(&u, &state.$last_idx, params, value);
                (u, ($($t,)* $last,))
            }
        }
    };
}

update_with_value_tuple!(0 T0; 1 T1);
update_with_value_tuple!(0 T0, 1 T1; 2 T2);
update_with_value_tuple!(0 T0, 1 T1, 2 T2; 3 T3);
