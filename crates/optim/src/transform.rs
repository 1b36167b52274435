//! The gradient transformations (Optax's `transform.py`, `transforms/`): scalings, moments,
//! weight decay, masking.

use std::fmt;
use std::sync::Arc;

use equinox_core::tree::{self, KeyPath, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{
    check_same_tree, check_state_tree, zip_map, EmptyState, GradientTransformation, NO_PARAMS_MSG,
};
use crate::numerics::{
    bias_correction, cast, cast_like, full_like, safe_increment, update_moment,
    update_moment_per_elem_norm, zero_count, zeros_like,
};
use crate::schedule::{ScalarOrSchedule, Schedule};

/// Multiplies the updates by a constant ([`scale`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    /// The factor.
    pub step_size: f64,
}

/// Multiplies every update by `step_size` (`optax.scale`). No state.
///
/// ```
/// use equinox_core::numpy as jnp;
/// use equinox_optim::{scale, GradientTransformation};
/// let g = vec![jnp::ones([2])];
/// let s = scale(-0.5);
/// let (u, _) = s.update(&g, &s.init(&g), None);
/// assert_eq!(u[0].to_vec::<f32>(), vec![-0.5, -0.5]);
/// ```
pub fn scale(step_size: f64) -> Scale {
    Scale { step_size }
}

impl GradientTransformation for Scale {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        (tree::map(updates, |g| self.step_size * g), *state)
    }
}

/// Scales the updates by the learning rate, negated (`optax.scale_by_learning_rate` with
/// `flip_sign=True`): a constant gives a [`Scale`], a schedule a [`ScaleBySchedule`].
///
/// ```
/// use equinox_optim::{linear_schedule, scale_by_learning_rate};
/// let constant = scale_by_learning_rate(0.1f64);
/// assert_eq!(constant.step_size, -0.1);
/// let scheduled = scale_by_learning_rate(linear_schedule(0.1, 0.0, 10, 0));
/// ```
pub fn scale_by_learning_rate<L: ScalarOrSchedule>(learning_rate: L) -> L::ByLearningRate {
    learning_rate.scale_by_learning_rate(true)
}

/// [`scale_by_learning_rate`] with Optax's `flip_sign` argument: `false` scales by the
/// learning rate itself (for gradient ascent).
pub fn scale_by_learning_rate_with_sign<L: ScalarOrSchedule>(
    learning_rate: L,
    flip_sign: bool,
) -> L::ByLearningRate {
    learning_rate.scale_by_learning_rate(flip_sign)
}

/// The state of [`ScaleBySchedule`] (`optax.ScaleByScheduleState`): the step count.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByScheduleState {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
}

/// Multiplies the updates by a schedule's value at the current step ([`scale_by_schedule`]).
#[derive(Clone, Debug)]
pub struct ScaleBySchedule<S> {
    /// The schedule.
    pub schedule: S,
}

impl<S> ScaleBySchedule<S> {
    /// Scaling by `schedule`.
    pub fn new(schedule: S) -> Self {
        ScaleBySchedule { schedule }
    }
}

/// Multiplies the updates by `step_size_fn(count)`, converted to each update's dtype, and
/// counts the step (`optax.scale_by_schedule`).
pub fn scale_by_schedule<S: Schedule>(step_size_fn: S) -> ScaleBySchedule<S> {
    ScaleBySchedule::new(step_size_fn)
}

impl<S: Schedule> GradientTransformation for ScaleBySchedule<S> {
    type State<P: PyTree> = ScaleByScheduleState;

    fn init<P: PyTree>(&self, _params: &P) -> ScaleByScheduleState {
        ScaleByScheduleState {
            count: zero_count(),
        }
    }

    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByScheduleState,
        _: Option<&P>,
    ) -> (P, ScaleByScheduleState) {
        let step_size = self.schedule.value(&state.count);
        let updates = tree::map(updates, |g| step_size.astype(g.dtype()) * g);
        let count = safe_increment(&state.count);
        (updates, ScaleByScheduleState { count })
    }
}

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

/// The state of [`ScaleByAdam`] (`optax.ScaleByAdamState`), leaves in Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByAdamState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The first moment.
    pub mu: P,
    /// The second moment.
    pub nu: P,
}

/// The options of [`scale_by_adam_with_options`], [`adam_with_options`](crate::adam_with_options)
/// and friends, with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByAdamOptions {
    /// Decay of the first moment (0.9).
    pub b1: f64,
    /// Decay of the second moment (0.999).
    pub b2: f64,
    /// Added to the root of the second moment (1e-8).
    pub eps: f64,
    /// Added to the second moment inside the root (0).
    pub eps_root: f64,
    /// The dtype the first moment is kept in (default: the parameters').
    pub mu_dtype: Option<DType>,
    /// Nesterov momentum, as in NAdam (false).
    pub nesterov: bool,
}

impl Default for ScaleByAdamOptions {
    fn default() -> Self {
        ScaleByAdamOptions {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            eps_root: 0.0,
            mu_dtype: None,
            nesterov: false,
        }
    }
}

/// Adam's rescaling ([`scale_by_adam`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ScaleByAdam {
    /// The options.
    pub options: ScaleByAdamOptions,
}

/// Rescales by Adam's bias-corrected moments, `mu_hat / (sqrt(nu_hat + eps_root) + eps)`
/// (`optax.scale_by_adam` with its defaults).
pub fn scale_by_adam() -> ScaleByAdam {
    ScaleByAdam::default()
}

/// [`scale_by_adam`] with options.
///
/// ```
/// use equinox_optim::{scale_by_adam_with_options, ScaleByAdamOptions};
/// let t = scale_by_adam_with_options(ScaleByAdamOptions { nesterov: true, ..Default::default() });
/// ```
pub fn scale_by_adam_with_options(options: ScaleByAdamOptions) -> ScaleByAdam {
    ScaleByAdam { options }
}

impl GradientTransformation for ScaleByAdam {
    type State<P: PyTree> = ScaleByAdamState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByAdamState<P> {
        ScaleByAdamState {
            count: zero_count(),
            mu: zeros_like(params, self.options.mu_dtype),
            nu: zeros_like(params, None),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByAdamState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByAdamState<P>) {
        check_state_tree("scale_by_adam", updates, &state.nu);
        let ScaleByAdamOptions {
            b1,
            b2,
            eps,
            eps_root,
            mu_dtype,
            nesterov,
        } = self.options;
        let mu = update_moment(updates, &state.mu, b1, 1);
        let nu = update_moment_per_elem_norm(updates, &state.nu, b2, 2);
        let count_inc = safe_increment(&state.count);
        let mu_hat = if nesterov {
            tree::map2(
                &bias_correction(&mu, b1, &safe_increment(&count_inc)),
                &bias_correction(updates, b1, &count_inc),
                |m, g| b1 * m + (1.0 - b1) * g,
            )
        } else {
            bias_correction(&mu, b1, &count_inc)
        };
        let nu_hat = bias_correction(&nu, b2, &count_inc);
        let updates = tree::map2(&mu_hat, &nu_hat, |m, v| {
            m / (jnp::sqrt(&(v + eps_root)) + eps)
        });
        let mu = cast(mu, mu_dtype);
        let nu = cast_like(&nu, &state.nu);
        (
            updates,
            ScaleByAdamState {
                count: count_inc,
                mu,
                nu,
            },
        )
    }
}

/// The state of [`ScaleByRms`] and [`ScaleByStddev`] (Optax's `ScaleByRmsState`,
/// `ScaleByRmsWithCountState`, `ScaleByRStdDevState`, `ScaleByRStdDevWithCountState` in one
/// type): `count` is present only with bias correction, `mu` only for the centred
/// [`ScaleByStddev`], so the leaves come out as in the Optax state of the same options.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByRmsState<P> {
    /// Steps taken so far, kept only with `bias_correction`.
    pub count: Option<Array>,
    /// The first moment, kept only by [`ScaleByStddev`].
    pub mu: Option<P>,
    /// The second moment.
    pub nu: P,
}

/// The options of [`scale_by_rms_with_options`], [`scale_by_stddev_with_options`] and
/// [`rmsprop_with_options`](crate::rmsprop_with_options), with Optax's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRmsOptions {
    /// Decay of the moments (0.9).
    pub decay: f64,
    /// Added to the denominator (1e-8).
    pub eps: f64,
    /// The initial second moment (0).
    pub initial_scale: f64,
    /// `eps` inside the square root (`rsqrt(nu + eps)`) rather than outside
    /// (`1 / (sqrt(nu) + eps)`) (true).
    pub eps_in_sqrt: bool,
    /// Bias-correct the moments, which makes the state keep a count (false).
    pub bias_correction: bool,
}

impl Default for ScaleByRmsOptions {
    fn default() -> Self {
        ScaleByRmsOptions {
            decay: 0.9,
            eps: 1e-8,
            initial_scale: 0.0,
            eps_in_sqrt: true,
            bias_correction: false,
        }
    }
}

/// Rescaling by the root mean square of past updates ([`scale_by_rms`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ScaleByRms {
    /// The options.
    pub options: ScaleByRmsOptions,
}

/// Divides the updates by the root of their running mean square (`optax.scale_by_rms` with
/// its defaults).
pub fn scale_by_rms() -> ScaleByRms {
    ScaleByRms::default()
}

/// [`scale_by_rms`] with options.
pub fn scale_by_rms_with_options(options: ScaleByRmsOptions) -> ScaleByRms {
    ScaleByRms { options }
}

/// Rescaling by the running standard deviation of past updates ([`scale_by_stddev`]).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct ScaleByStddev {
    /// The options.
    pub options: ScaleByRmsOptions,
}

/// Divides the updates by their running standard deviation, `sqrt(nu - mu^2)`
/// (`optax.scale_by_stddev` with its defaults: centred RMSProp).
pub fn scale_by_stddev() -> ScaleByStddev {
    ScaleByStddev::default()
}

/// [`scale_by_stddev`] with options.
pub fn scale_by_stddev_with_options(options: ScaleByRmsOptions) -> ScaleByStddev {
    ScaleByStddev { options }
}

/// The shared body of [`ScaleByRms`] and [`ScaleByStddev`].
#[track_caller]
fn rms_update<P: PyTree>(
    op: &str,
    o: &ScaleByRmsOptions,
    centred: bool,
    updates: &P,
    state: &ScaleByRmsState<P>,
) -> (P, ScaleByRmsState<P>) {
    check_state_tree(op, updates, &state.nu);
    let mu = state
        .mu
        .as_ref()
        .map(|m| update_moment(updates, m, o.decay, 1));
    let nu = update_moment_per_elem_norm(updates, &state.nu, o.decay, 2);
    let count = match (&state.count, o.bias_correction) {
        (Some(c), true) => Some(safe_increment(c)),
        (None, false) => None,
        _ => panic!("{op}: the state's count does not match the bias_correction option"),
    };
    let (mu_hat, nu_hat) = match &count {
        Some(c) => (
            mu.as_ref().map(|m| bias_correction(m, o.decay, c)),
            bias_correction(&nu, o.decay, c),
        ),
        None => (
            mu.as_ref().map(|m| tree::map(m, Array::clone)),
            tree::map(&nu, Array::clone),
        ),
    };
    let denominator = |n: Array| {
        if o.eps_in_sqrt {
            jnp::rsqrt(&(n + o.eps))
        } else {
            1.0 / (jnp::sqrt(&n) + o.eps)
        }
    };
    let scaling = match (&mu_hat, centred) {
        (Some(m), true) => tree::map2(m, &nu_hat, |m, n| denominator(n - m * m)),
        (None, false) => tree::map(&nu_hat, |n| denominator(n.clone())),
        _ => panic!("{op}: the state's first moment does not match the transformation"),
    };
    let updates = tree::map2(&scaling, updates, |s, g| s * g);
    (updates, ScaleByRmsState { count, mu, nu })
}

fn rms_init<P: PyTree>(o: &ScaleByRmsOptions, centred: bool, params: &P) -> ScaleByRmsState<P> {
    ScaleByRmsState {
        count: o.bias_correction.then(zero_count),
        mu: centred.then(|| zeros_like(params, None)),
        nu: full_like(params, o.initial_scale),
    }
}

impl GradientTransformation for ScaleByRms {
    type State<P: PyTree> = ScaleByRmsState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByRmsState<P> {
        rms_init(&self.options, false, params)
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByRmsState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByRmsState<P>) {
        rms_update("scale_by_rms", &self.options, false, updates, state)
    }
}

impl GradientTransformation for ScaleByStddev {
    type State<P: PyTree> = ScaleByRmsState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByRmsState<P> {
        rms_init(&self.options, true, params)
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByRmsState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByRmsState<P>) {
        rms_update("scale_by_stddev", &self.options, true, updates, state)
    }
}

/// The state of [`ScaleByRss`] (`optax.ScaleByRssState`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByRssState<P> {
    /// The running sum of squared updates.
    pub sum_of_squares: P,
}

/// Rescaling by the root of the sum of squares of all past updates ([`scale_by_rss`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByRss {
    /// The initial sum of squares (0.1).
    pub initial_accumulator_value: f64,
    /// Added inside the root (1e-7).
    pub eps: f64,
}

impl Default for ScaleByRss {
    fn default() -> Self {
        ScaleByRss {
            initial_accumulator_value: 0.1,
            eps: 1e-7,
        }
    }
}

/// Divides the updates by the root of the sum of all squared updates so far, as Adagrad
/// does (`optax.scale_by_rss` with its defaults; build [`ScaleByRss`] directly for others).
pub fn scale_by_rss() -> ScaleByRss {
    ScaleByRss::default()
}

impl GradientTransformation for ScaleByRss {
    type State<P: PyTree> = ScaleByRssState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByRssState<P> {
        ScaleByRssState {
            sum_of_squares: full_like(params, self.initial_accumulator_value),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByRssState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByRssState<P>) {
        check_state_tree("scale_by_rss", updates, &state.sum_of_squares);
        let sum_of_squares = tree::map2(updates, &state.sum_of_squares, |g, t| g * g + t);
        let inv_sqrt = tree::map(&sum_of_squares, |t| {
            let positive = jnp::greater(t, &Array::weak_scalar(0i32));
            jnp::where_(
                &positive,
                &jnp::rsqrt(&(t + self.eps)),
                &Array::weak_scalar(0.0f64),
            )
        });
        let updates = tree::map2(&inv_sqrt, updates, |s, g| s * g);
        (updates, ScaleByRssState { sum_of_squares })
    }
}

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

/// Clips every update element to `[-max_delta, max_delta]` ([`clip`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip {
    /// The bound.
    pub max_delta: f64,
}

/// Clips every update element to `[-max_delta, max_delta]` (`optax.clip`). No state.
pub fn clip(max_delta: f64) -> Clip {
    Clip { max_delta }
}

impl GradientTransformation for Clip {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let lo = Array::weak_scalar(-self.max_delta);
        let hi = Array::weak_scalar(self.max_delta);
        (
            tree::map(updates, |g| jnp::clip(g, Some(&lo), Some(&hi))),
            *state,
        )
    }
}

/// Rescales the updates to global norm `max_norm` when theirs is larger
/// ([`clip_by_global_norm`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClipByGlobalNorm {
    /// The largest global norm let through.
    pub max_norm: f64,
}

/// Where the [`global_norm`](crate::global_norm) of the updates is at least `max_norm`,
/// scales them all by `max_norm / norm` (`optax.clip_by_global_norm`). No state.
pub fn clip_by_global_norm(max_norm: f64) -> ClipByGlobalNorm {
    ClipByGlobalNorm { max_norm }
}

impl GradientTransformation for ClipByGlobalNorm {
    type State<P: PyTree> = EmptyState;

    fn init<P: PyTree>(&self, _params: &P) -> EmptyState {
        EmptyState {}
    }

    fn update<P: PyTree>(&self, updates: &P, state: &EmptyState, _: Option<&P>) -> (P, EmptyState) {
        let g_norm = crate::numerics::global_norm(updates);
        let trigger = jnp::less(&g_norm, &Array::weak_scalar(self.max_norm));
        let updates = tree::map(updates, |t| {
            let clipped = (t / g_norm.astype(t.dtype())) * self.max_norm;
            jnp::where_(&trigger, t, &clipped)
        });
        (updates, *state)
    }
}
