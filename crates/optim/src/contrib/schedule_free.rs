//! Schedule-free learning (`optax.contrib.schedule_free`, `schedule_free_sgd`,
//! `schedule_free_adamw`, `schedule_free_eval_params`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use super::hyper::{div_by_broadcast, tree_dtype, HyperValue, Hyperparameter};
use crate::base::{Either, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{cast, safe_increment};
use crate::ScaleByLearningRate;
use crate::{linear_schedule, ScalarOrSchedule};
use crate::{sgd, Sgd};
use crate::{AddDecayedWeights, ScaleByRms, ScaleByRmsOptions};

/// The state of [`ScheduleFree`] (`optax.contrib.ScheduleFreeState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScheduleFreeState<S, P> {
    /// `b1` as an array of the parameters' lowest dtype (read by
    /// [`schedule_free_eval_params`]).
    pub b1: Array,
    /// The sum of the averaging weights so far.
    pub weight_sum: Array,
    /// The step count, starting at 1 (`int32` scalar, saturating).
    pub step_count: Array,
    /// The largest learning rate seen so far.
    pub max_lr: Array,
    /// The base optimiser's state.
    pub base_optimizer_state: S,
    /// The `z` sequence: the base optimiser's iterates.
    pub z: P,
}

/// The options of [`schedule_free_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduleFreeOptions {
    /// The interpolation between `x` and `z` for the gradient point `y`; must be positive (0.9).
    pub b1: f64,
    /// The power of the largest learning rate so far that weighs each iterate in the average
    /// (2.0).
    pub weight_lr_power: f64,
    /// The dtype `z` is kept in (default: the parameters').
    pub state_dtype: Option<DType>,
}

impl Default for ScheduleFreeOptions {
    fn default() -> Self {
        ScheduleFreeOptions {
            b1: 0.9,
            weight_lr_power: 2.0,
            state_dtype: None,
        }
    }
}

/// A base optimiser made schedule-free ([`schedule_free`]).
#[derive(Clone, Debug)]
pub struct ScheduleFree<T, L> {
    /// The base optimiser, without momentum.
    pub base_optimizer: T,
    /// The learning rate (warmup but no decay), as the base optimiser's.
    pub learning_rate: L,
    /// The options.
    pub options: ScheduleFreeOptions,
}

/// Makes `base_optimizer` schedule-free (`optax.contrib.schedule_free` with its defaults):
/// the updates move the parameters to `y = b1 * x + (1 - b1) * z`, where `z` follows the base
/// optimiser and `x` averages `z`. Evaluate at [`schedule_free_eval_params`]. Needs the
/// parameters in `update`; `learning_rate` must be the base optimiser's.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::contrib::{schedule_free, schedule_free_eval_params};
/// use equinox_optim::{self as optim, GradientTransformation};
/// let opt = schedule_free(optim::sgd(0.1), 0.1);
/// let mut params = vec![jnp::ones([2])];
/// let mut state = opt.init(&params);
/// for _ in 0..3 {
///     let grads = vec![&params[0] * 2.0];
///     let (updates, s) = opt.update(&grads, &state, Some(&params));
///     params = optim::apply_updates(&params, &updates);
///     state = s;
/// }
/// let eval = schedule_free_eval_params(&state, &params);
/// assert!(eval[0].to_vec::<f32>()[0] < 1.0);
/// ```
pub fn schedule_free<T: GradientTransformation, L: Hyperparameter>(
    base_optimizer: T,
    learning_rate: L,
) -> ScheduleFree<T, L> {
    schedule_free_with_options(
        base_optimizer,
        learning_rate,
        ScheduleFreeOptions::default(),
    )
}

/// [`schedule_free`] with options (`optax.contrib.schedule_free`).
pub fn schedule_free_with_options<T: GradientTransformation, L: Hyperparameter>(
    base_optimizer: T,
    learning_rate: L,
    options: ScheduleFreeOptions,
) -> ScheduleFree<T, L> {
    ScheduleFree {
        base_optimizer,
        learning_rate,
        options,
    }
}

/// The parameters to evaluate a schedule-free model at, `x = (y - (1 - b1) z) / b1`
/// (`optax.contrib.schedule_free_eval_params`).
pub fn schedule_free_eval_params<S, P: PyTree>(state: &ScheduleFreeState<S, P>, params: &P) -> P {
    let b1 = &state.b1;
    tree::map2(params, &state.z, |y, z| {
        div_by_broadcast(&(y - (1.0 - b1) * z), b1)
    })
}

/// `nan_to_num(x, nan=0.0, posinf=inf)`: NaN becomes 0, `-inf` the lowest finite value.
fn nan_to_zero(x: &Array) -> Array {
    let lowest = Array::scalar(f32::MIN).astype(x.dtype());
    let zero = jnp::zeros_dtype((), x.dtype());
    let x = jnp::where_(&jnp::isnan(x), &zero, x);
    jnp::where_(
        &jnp::equal(&x, &(-jnp::full_like(&x, f64::INFINITY))),
        &lowest,
        &x,
    )
}

impl<T: GradientTransformation, L: Hyperparameter> GradientTransformation for ScheduleFree<T, L> {
    type State<P: PyTree> = ScheduleFreeState<T::State<P>, P>;

    fn init<P: PyTree>(&self, params: &P) -> Self::State<P> {
        let dtype = tree_dtype(params, true);
        ScheduleFreeState {
            b1: Array::scalar(self.options.b1).astype(dtype),
            weight_sum: jnp::zeros_dtype((), dtype),
            step_count: jnp::ones_dtype((), DType::I32),
            max_lr: jnp::zeros_dtype((), dtype),
            base_optimizer_state: self.base_optimizer.init(params),
            z: cast(tree::map(params, Array::clone), self.options.state_dtype),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        grads: &P,
        state: &Self::State<P>,
        params: Option<&P>,
    ) -> (P, Self::State<P>) {
        let params = params.unwrap_or_else(|| panic!("schedule_free: {NO_PARAMS_MSG}"));
        let ScheduleFreeOptions {
            b1,
            weight_lr_power,
            ..
        } = self.options;
        let lr = match self.learning_rate.value_at(&state.step_count) {
            HyperValue::Constant(c) => Array::weak_scalar(c),
            HyperValue::Array(a) => a.astype(state.max_lr.dtype()),
        };
        let max_lr = jnp::maximum(&state.max_lr, &lr);
        let next_step_count = safe_increment(&state.step_count);
        // `max_lr ** weight_lr_power` with a Python float exponent: `pow`, not `integer_pow`.
        let weight = jnp::power(&max_lr, &Array::weak_scalar(weight_lr_power));
        let next_total_weight = &state.weight_sum + &weight;
        let either_nan = jnp::logical_or(&jnp::isnan(&weight), &jnp::isnan(&next_total_weight));
        let ck = jnp::where_(
            &either_nan,
            &jnp::full_like(&weight, f64::NAN),
            &nan_to_zero(&(&weight / &next_total_weight)),
        );
        let (base_updates, next_base_state) =
            self.base_optimizer
                .update(grads, &state.base_optimizer_state, Some(params));
        let z = tree::map2(&state.z, &base_updates, |p, u| (p + u).astype(p.dtype()));
        let b1_divisor = Array::weak_scalar(b1);
        let prev_x = tree::map2(params, &state.z, |y, z| {
            div_by_broadcast(&(y - (1.0 - b1) * z), &b1_divisor)
        });
        let x = tree::map2(&prev_x, &z, |x, z| (1.0 - &ck) * x + &ck * z);
        let new_params = tree::map2(&x, &z, |x, z| b1 * x + (1.0 - b1) * z);
        let updates = tree::map2(&new_params, params, |n, p| n - p);
        (
            updates,
            ScheduleFreeState {
                b1: state.b1.clone(),
                weight_sum: next_total_weight,
                step_count: next_step_count,
                max_lr,
                base_optimizer_state: next_base_state,
                z,
            },
        )
    }
}

/// A schedule as schedule-free's warmup builds it.
pub type WarmupSchedule = Box<dyn Fn(&Array) -> Array + Send + Sync>;

/// Schedule-free's learning rate: the constant given, or a linear warmup to it.
pub type ScheduleFreeLearningRate = Either<f64, WarmupSchedule>;

/// `learning_rate`, or Optax's `warmup_constant_schedule(0, learning_rate, warmup_steps)`.
fn warmup(learning_rate: f64, warmup_steps: Option<i64>) -> ScheduleFreeLearningRate {
    match warmup_steps {
        None => Either::Left(learning_rate),
        Some(steps) => Either::Right(Box::new(linear_schedule(0.0, learning_rate, steps))),
    }
}

/// [`schedule_free_sgd`]'s base optimiser: optional weight decay, then SGD.
pub type ScheduleFreeSgdBase = (Option<AddDecayedWeights>, Sgd<ScheduleFreeLearningRate>);

/// [`schedule_free_sgd`]: schedule-free SGD.
pub type ScheduleFreeSgd = ScheduleFree<ScheduleFreeSgdBase, ScheduleFreeLearningRate>;

/// The options of [`schedule_free_sgd_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ScheduleFreeSgdOptions {
    /// The length of a linear warmup from 0, or `None` for none (the default).
    pub warmup_steps: Option<i64>,
    /// Weight decay added to the gradients before the learning rate, or `None` (the default).
    pub weight_decay: Option<f64>,
    /// `b1`, `weight_lr_power`, `state_dtype`.
    pub schedule_free: ScheduleFreeOptions,
}

/// Schedule-free SGD (`optax.contrib.schedule_free_sgd`; Optax's default learning rate is 1).
pub fn schedule_free_sgd(learning_rate: f64) -> ScheduleFreeSgd {
    schedule_free_sgd_with_options(learning_rate, ScheduleFreeSgdOptions::default())
}

/// [`schedule_free_sgd`] with options (`optax.contrib.schedule_free_sgd`).
pub fn schedule_free_sgd_with_options(
    learning_rate: f64,
    options: ScheduleFreeSgdOptions,
) -> ScheduleFreeSgd {
    let decay = options.weight_decay.map(|w| AddDecayedWeights {
        weight_decay: w,
        mask: None,
    });
    // The base optimiser and the wrapper each need the learning rate (a schedule is not
    // `Clone`), so it is built twice.
    let base = (decay, sgd(warmup(learning_rate, options.warmup_steps)));
    schedule_free_with_options(
        base,
        warmup(learning_rate, options.warmup_steps),
        options.schedule_free,
    )
}

/// [`schedule_free_adamw`]'s base optimiser: Adam's scaling without momentum (Optax uses
/// `scale_by_rms` with bias correction), weight decay, the learning rate.
pub type ScheduleFreeAdamWBase = (
    ScaleByRms,
    AddDecayedWeights,
    ScaleByLearningRate<ScheduleFreeLearningRate>,
);

/// [`schedule_free_adamw`]: schedule-free AdamW.
pub type ScheduleFreeAdamW = ScheduleFree<ScheduleFreeAdamWBase, ScheduleFreeLearningRate>;

/// The options of [`schedule_free_adamw_with_options`], with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduleFreeAdamWOptions {
    /// The length of a linear warmup from 0, or `None` for none (the default).
    pub warmup_steps: Option<i64>,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// The weight decay (0).
    pub weight_decay: f64,
    /// `b1`, `weight_lr_power`, `state_dtype`.
    pub schedule_free: ScheduleFreeOptions,
}

impl Default for ScheduleFreeAdamWOptions {
    fn default() -> Self {
        ScheduleFreeAdamWOptions {
            warmup_steps: None,
            b2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            schedule_free: ScheduleFreeOptions::default(),
        }
    }
}

/// Schedule-free AdamW (`optax.contrib.schedule_free_adamw` with its defaults; Optax's
/// default learning rate is 0.0025).
pub fn schedule_free_adamw(learning_rate: f64) -> ScheduleFreeAdamW {
    schedule_free_adamw_with_options(learning_rate, ScheduleFreeAdamWOptions::default())
}

/// [`schedule_free_adamw`] with options (`optax.contrib.schedule_free_adamw`).
pub fn schedule_free_adamw_with_options(
    learning_rate: f64,
    options: ScheduleFreeAdamWOptions,
) -> ScheduleFreeAdamW {
    let base = (
        ScaleByRms {
            options: ScaleByRmsOptions {
                decay: options.b2,
                eps: options.eps,
                eps_in_sqrt: false,
                bias_correction: true,
                ..Default::default()
            },
        },
        AddDecayedWeights {
            weight_decay: options.weight_decay,
            mask: None,
        },
        warmup(learning_rate, options.warmup_steps).scale_by_learning_rate(true),
    );
    schedule_free_with_options(
        base,
        warmup(learning_rate, options.warmup_steps),
        options.schedule_free,
    )
}
