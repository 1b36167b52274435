//! The zoom line search (`optax.scale_by_zoom_linesearch`): a step size satisfying the
//! strong Wolfe conditions, found by evaluating the objective along the update direction.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{add_scale, safe_increment, tree_vdot, zeros_like};

/// The line search's report on its last run (`optax.ZoomLinesearchInfo`).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ZoomLinesearchInfo {
    /// How many trial steps were evaluated (`int32`).
    pub num_linesearch_steps: Array,
    /// How far the accepted step is from sufficient decrease (0 when met).
    pub decrease_error: Array,
    /// How far it is from the curvature condition (0 when met).
    pub curvature_error: Array,
}

/// The state of [`ScaleByZoomLinesearch`] (`optax.ScaleByZoomLinesearchState`), leaves in
/// Optax's order.
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct ScaleByZoomLinesearchState<P> {
    /// The accepted step size.
    pub learning_rate: Array,
    /// The objective at the accepted step.
    pub value: Array,
    /// The gradient at the accepted step.
    pub grad: P,
    /// The search's report.
    pub info: ZoomLinesearchInfo,
}

/// How the search's first trial step size is chosen ([`ScaleByZoomLinesearch`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitialGuessStrategy {
    /// Start from 1 (Optax's `"one"`).
    One,
    /// Start from the previous accepted step size (Optax's `"keep"`, the default).
    #[default]
    Keep,
}

/// The zoom line search ([`scale_by_zoom_linesearch`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByZoomLinesearch {
    /// The most trial steps per search.
    pub max_linesearch_steps: usize,
    /// The largest step size, or `None` for no bound.
    pub max_learning_rate: Option<f64>,
    /// The tolerance on the conditions (0).
    pub tol: f64,
    /// The factor the step grows by while looking for an interval (2).
    pub increase_factor: f64,
    /// The sufficient-decrease constant (1e-4).
    pub slope_rtol: f64,
    /// The curvature constant (0.9).
    pub curv_rtol: f64,
    /// The relative tolerance of the approximate decrease condition, or `None` (1e-6).
    pub approx_dec_rtol: Option<f64>,
    /// The interval length below which the search gives up (1e-5).
    pub stepsize_precision: f64,
    /// The first trial step size (`Keep`).
    pub initial_guess_strategy: InitialGuessStrategy,
}

/// The zoom line search with Optax's defaults for the given step budget
/// (`optax.scale_by_zoom_linesearch(max_linesearch_steps)`). Its update needs the
/// objective: call [`ScaleByZoomLinesearch::update_with_value_and_grad`].
pub fn scale_by_zoom_linesearch(max_linesearch_steps: usize) -> ScaleByZoomLinesearch {
    ScaleByZoomLinesearch {
        max_linesearch_steps,
        max_learning_rate: None,
        tol: 0.0,
        increase_factor: 2.0,
        slope_rtol: 1e-4,
        curv_rtol: 0.9,
        approx_dec_rtol: Some(1e-6),
        stepsize_precision: 1e-5,
        initial_guess_strategy: InitialGuessStrategy::Keep,
    }
}

/// One point on the line: step size, value, gradient, slope.
struct Point<P> {
    stepsize: Array,
    value: Array,
    grad: P,
    slope: Array,
}

impl<P: PyTree> Point<P> {
    fn copy(&self) -> Self {
        Point {
            stepsize: self.stepsize.clone(),
            value: self.value.clone(),
            grad: tree::map(&self.grad, Array::clone),
            slope: self.slope.clone(),
        }
    }
}

/// Optax's `ZoomLinesearchState`, the search's loop state.
struct Search<P> {
    count: Array,
    current: Point<P>,
    decrease_error: Array,
    curvature_error: Array,
    interval_found: bool,
    done: bool,
    failed: bool,
    low: (Array, Array, Array),
    high: (Array, Array, Array),
    cubic_ref: (Array, Array),
    safe: (Array, Array, P),
}

fn truth(x: &Array) -> bool {
    x.item::<bool>()
}

fn select(cond: &Array, a: &Array, b: &Array) -> Array {
    jnp::where_(cond, a, b)
}

fn select_tree<P: PyTree>(cond: &Array, a: &P, b: &P) -> P {
    tree::map2(a, b, |x, y| jnp::where_(cond, x, y))
}

fn f32_scalar(v: f64) -> Array {
    Array::scalar(v as f32)
}

/// The minimiser of the cubic through `(a, fa)` with slope `fpa`, `(b, fb)` and
/// `(c, fc)` (Optax's `_cubicmin`).
fn cubicmin(
    a: &Array,
    fa: &Array,
    fpa: &Array,
    b: &Array,
    fb: &Array,
    c: &Array,
    fc: &Array,
) -> Array {
    let cc = fpa;
    let db = b - a;
    let dc = c - a;
    let denom = jnp::integer_pow(&(&db * &dc), 2) * (&db - &dc);
    let d1 = jnp::stack(
        &[
            &jnp::stack(&[&jnp::integer_pow(&dc, 2), &-jnp::integer_pow(&db, 2)], 0),
            &jnp::stack(&[&-jnp::integer_pow(&dc, 3), &jnp::integer_pow(&db, 3)], 0),
        ],
        0,
    );
    let rhs = jnp::stack(&[&(fb - fa - cc * &db), &(fc - fa - cc * &dc)], 0);
    let ab = jnp::dot(&d1, &rhs) / &denom;
    let aa = ab.reshape([2]);
    let big_a = lax_index(&aa, 0);
    let big_b = lax_index(&aa, 1);
    let radical = &big_b * &big_b - 3.0 * &big_a * cc;
    a + (-&big_b + jnp::sqrt(&radical)) / (3.0 * &big_a)
}

fn lax_index(x: &Array, i: usize) -> Array {
    equinox_core::lax::slice_in_dim(x, i, i + 1, 1, 0).reshape(Vec::<usize>::new())
}

/// The minimiser of the quadratic through `(a, fa)` with slope `fpa` and `(b, fb)`
/// (Optax's `_quadmin`).
fn quadmin(a: &Array, fa: &Array, fpa: &Array, b: &Array, fb: &Array) -> Array {
    let db = b - a;
    let bb = (fb - fa - fpa * &db) / jnp::integer_pow(&db, 2);
    a - fpa / (2.0 * bb)
}

impl ScaleByZoomLinesearch {
    fn decrease_error(
        &self,
        stepsize: &Array,
        value_step: &Array,
        slope_step: &Array,
        value_init: &Array,
        slope_init: &Array,
    ) -> Array {
        let mut err = value_step - value_init - self.slope_rtol * stepsize * slope_init;
        if let Some(rtol) = self.approx_dec_rtol {
            let approx = slope_step - (2.0 * self.slope_rtol - 1.0) * slope_init;
            let delta = value_step - value_init - rtol * jnp::abs(value_init);
            let approx = approx.maximum(&delta);
            err = approx.minimum(&err);
        }
        let err = err.maximum(&Array::weak_scalar(0.0f64));
        select(&jnp::isnan(&err), &Array::weak_scalar(f64::INFINITY), &err)
    }

    fn curvature_error(&self, slope_step: &Array, slope_init: &Array) -> Array {
        let err = jnp::abs(slope_step) - self.curv_rtol * jnp::abs(slope_init);
        let err = err.maximum(&Array::weak_scalar(0.0f64));
        select(&jnp::isnan(&err), &Array::weak_scalar(f64::INFINITY), &err)
    }

    #[allow(clippy::too_many_arguments)]
    fn point_on_line<P: PyTree>(
        &self,
        params: &P,
        updates: &P,
        stepsize: &Array,
        value_and_grad_fn: &mut impl FnMut(&P) -> (Array, P),
    ) -> Point<P> {
        let step = add_scale(params, stepsize, updates);
        let (value, grad) = value_and_grad_fn(&step);
        let slope = tree_vdot(&grad, updates);
        Point {
            stepsize: stepsize.clone(),
            value,
            grad,
            slope,
        }
    }

    /// Optax's `_search_interval`: grow the step until an interval holding a good step is
    /// bracketed.
    fn search_interval<P: PyTree>(
        &self,
        s: Search<P>,
        params: &P,
        updates: &P,
        stepsize_guess: &Array,
        init: &Point<P>,
        f: &mut impl FnMut(&P) -> (Array, P),
    ) -> Search<P> {
        let first = jnp::equal(&s.count, &Array::weak_scalar(0i32));
        let larger = self.increase_factor * &s.current.stepsize;
        let mut new_stepsize = select(&first, stepsize_guess, &larger);
        let max_reached = match self.max_learning_rate {
            Some(max) => {
                let reached = jnp::greater_equal(&new_stepsize, &Array::weak_scalar(max));
                new_stepsize = new_stepsize.minimum(&Array::weak_scalar(max));
                reached
            }
            None => Array::scalar(false),
        };
        let new = self.point_on_line(params, updates, &new_stepsize, f);
        let decrease_error = self.decrease_error(
            &new.stepsize,
            &new.value,
            &new.slope,
            &init.value,
            &init.slope,
        );
        let curvature_error = self.curvature_error(&new.slope, &init.slope);
        let new_error = decrease_error.maximum(&curvature_error);
        let tol = Array::weak_scalar(self.tol);
        let safe_decrease = jnp::less_equal(&decrease_error, &tol);
        let safe = (
            select(&safe_decrease, &new.stepsize, &s.safe.0),
            select(&safe_decrease, &new.value, &s.safe.1),
            select_tree(&safe_decrease, &new.grad, &s.safe.2),
        );
        let zero = Array::weak_scalar(0.0f64);
        let started = jnp::greater(&s.count, &Array::weak_scalar(0i32));
        let set_high_to_new = jnp::logical_or(
            &jnp::greater(&decrease_error, &zero),
            &jnp::logical_and(&jnp::greater_equal(&new.value, &s.current.value), &started),
        );
        let set_low_to_new = jnp::logical_and(
            &jnp::greater_equal(&new.slope, &zero),
            &jnp::logical_not(&set_high_to_new),
        );
        let prev = &s.current;
        let pick = |c: &Array, a: &Array, b: &Array| select(c, a, b);
        let low = (
            pick(&set_low_to_new, &new.stepsize, &prev.stepsize),
            pick(&set_low_to_new, &new.value, &prev.value),
            pick(&set_low_to_new, &new.slope, &prev.slope),
        );
        let high = (
            pick(&set_low_to_new, &prev.stepsize, &new.stepsize),
            pick(&set_low_to_new, &prev.value, &new.value),
            pick(&set_low_to_new, &prev.slope, &new.slope),
        );
        let within_tol = jnp::less_equal(&new_error, &tol);
        let interval_found =
            truth(&set_high_to_new) || truth(&set_low_to_new) || truth(&within_tol);
        let done = truth(&within_tol) || (truth(&max_reached) && !interval_found);
        let failed = (s.count.item::<i32>() as usize + 1 >= self.max_linesearch_steps) && !done;
        Search {
            count: safe_increment(&s.count),
            current: new,
            decrease_error,
            curvature_error,
            interval_found,
            done,
            failed,
            cubic_ref: (low.0.clone(), low.1.clone()),
            low,
            high,
            safe,
        }
    }

    /// Optax's `_zoom_into_interval`: shrink the bracketing interval by cubic, quadratic
    /// or bisection steps.
    fn zoom_into_interval<P: PyTree>(
        &self,
        s: Search<P>,
        params: &P,
        updates: &P,
        init: &Point<P>,
        f: &mut impl FnMut(&P) -> (Array, P),
    ) -> Search<P> {
        let (low, value_low, slope_low) = &s.low;
        let (high, value_high, slope_high) = &s.high;
        let (cubic_ref, value_cubic_ref) = &s.cubic_ref;
        let delta = jnp::abs(&(high - low));
        let left = high.minimum(low);
        let right = high.maximum(low);
        let cubic_chk = 0.2 * &delta;
        let quad_chk = 0.1 * &delta;
        let too_small = jnp::less_equal(&delta, &Array::weak_scalar(self.stepsize_precision));
        let in_range = |x: &Array, chk: &Array| {
            jnp::logical_and(
                &jnp::greater(x, &(&left + chk)),
                &jnp::less(x, &(&right - chk)),
            )
        };
        let middle_cubic = cubicmin(
            low,
            value_low,
            slope_low,
            high,
            value_high,
            cubic_ref,
            value_cubic_ref,
        );
        let use_cubic = in_range(&middle_cubic, &cubic_chk);
        let middle_quad = quadmin(low, value_low, slope_low, high, value_high);
        let use_quad = jnp::logical_and(
            &jnp::logical_not(&use_cubic),
            &in_range(&middle_quad, &quad_chk),
        );
        let middle_bisection = (low + high) / 2.0;
        let use_bisection =
            jnp::logical_and(&jnp::logical_not(&use_cubic), &jnp::logical_not(&use_quad));
        let middle = select(&use_cubic, &middle_cubic, cubic_ref);
        let middle = select(&use_quad, &middle_quad, &middle);
        let middle = select(&use_bisection, &middle_bisection, &middle);
        let mid = self.point_on_line(params, updates, &middle, f);
        let decrease_error = self.decrease_error(
            &mid.stepsize,
            &mid.value,
            &mid.slope,
            &init.value,
            &init.slope,
        );
        let curvature_error = self.curvature_error(&mid.slope, &init.slope);
        let new_error = decrease_error.maximum(&curvature_error);
        let tol = Array::weak_scalar(self.tol);
        let safe_decrease = jnp::less_equal(&decrease_error, &tol);
        let update_safe = jnp::logical_and(&safe_decrease, &jnp::less(&mid.value, &s.safe.1));
        let safe = (
            select(&update_safe, &mid.stepsize, &s.safe.0),
            select(&update_safe, &mid.value, &s.safe.1),
            select_tree(&update_safe, &mid.grad, &s.safe.2),
        );
        let done = truth(&jnp::less_equal(&new_error, &tol));
        let zero = Array::weak_scalar(0.0f64);
        let set_high_to_middle = jnp::logical_or(
            &jnp::greater(&decrease_error, &zero),
            &jnp::greater_equal(&mid.value, value_low),
        );
        let secant = &mid.slope * (high - low);
        let set_high_to_low = jnp::logical_and(
            &jnp::greater_equal(&secant, &zero),
            &jnp::logical_not(&set_high_to_middle),
        );
        let set_low_to_middle = jnp::logical_not(&set_high_to_middle);
        let h1 = (
            select(&set_high_to_middle, &mid.stepsize, high),
            select(&set_high_to_middle, &mid.value, value_high),
            select(&set_high_to_middle, &mid.slope, slope_high),
        );
        let new_high = (
            select(&set_high_to_low, low, &h1.0),
            select(&set_high_to_low, value_low, &h1.1),
            select(&set_high_to_low, slope_low, &h1.2),
        );
        let new_low = (
            select(&set_low_to_middle, &mid.stepsize, low),
            select(&set_low_to_middle, &mid.value, value_low),
            select(&set_low_to_middle, &mid.slope, slope_low),
        );
        let high_moved = jnp::logical_or(&set_high_to_middle, &set_high_to_low);
        let new_cubic_ref = (
            select(&high_moved, high, low),
            select(&high_moved, value_high, value_low),
        );
        let max_iter_reached = s.count.item::<i32>() as usize + 1 >= self.max_linesearch_steps;
        let presumably_failed =
            max_iter_reached || (truth(&too_small) && truth(&jnp::greater(&safe.0, &zero)));
        Search {
            count: safe_increment(&s.count),
            current: mid,
            decrease_error,
            curvature_error,
            interval_found: s.interval_found,
            done,
            failed: presumably_failed && !done,
            low: new_low,
            high: new_high,
            cubic_ref: new_cubic_ref,
            safe,
        }
    }

    /// Optax's `_try_safe_step`: after a failed search, fall back on the best step with
    /// sufficient decrease, if any.
    fn try_safe_step<P: PyTree>(&self, mut s: Search<P>) -> Search<P> {
        let outside_domain = jnp::isinf(&s.decrease_error);
        let use_safe = jnp::logical_or(
            &jnp::greater(&s.safe.0, &Array::weak_scalar(0.0f64)),
            &outside_domain,
        );
        s.current = Point {
            stepsize: select(&use_safe, &s.safe.0, &s.current.stepsize),
            value: select(&use_safe, &s.safe.1, &s.current.value),
            grad: select_tree(&use_safe, &s.safe.2, &s.current.grad),
            slope: s.current.slope.clone(),
        };
        s
    }

    /// `update` with the objective (Optax's `update(updates, state, params, value=value,
    /// grad=grad, value_fn=value_fn)`): `value` and `grad` are the objective and its
    /// gradient at `params`, and `value_and_grad_fn` evaluates both at trial parameters
    /// (e.g. `equinox_core::transforms::value_and_grad(loss)`). The search runs eagerly,
    /// one trial step after another.
    ///
    /// # Panics
    /// Without `params`, or if the trees do not match the state's.
    #[track_caller]
    pub fn update_with_value_and_grad<P: PyTree>(
        &self,
        updates: &P,
        state: &ScaleByZoomLinesearchState<P>,
        params: &P,
        value: &Array,
        grad: &P,
        mut value_and_grad_fn: impl FnMut(&P) -> (Array, P),
    ) -> (P, ScaleByZoomLinesearchState<P>) {
        check_state_tree("scale_by_zoom_linesearch", updates, &state.grad);
        let stepsize_guess = match self.initial_guess_strategy {
            InitialGuessStrategy::One => f32_scalar(1.0),
            InitialGuessStrategy::Keep => state.learning_rate.clone(),
        };
        let val_dtype = tree::leaves(params)
            .first()
            .map_or(DType::F32, |l| l.dtype());
        let slope = tree_vdot(updates, grad);
        let init = Point {
            stepsize: jnp::zeros_dtype((), val_dtype),
            value: value.astype(val_dtype),
            grad: tree::map(grad, Array::clone),
            slope: slope.clone(),
        };
        let zero = f32_scalar(0.0);
        let inf = f32_scalar(f64::INFINITY);
        let mut s = Search {
            count: Array::scalar(0i32),
            current: init.copy(),
            decrease_error: inf.clone(),
            curvature_error: inf.clone(),
            interval_found: false,
            done: false,
            failed: false,
            low: (zero.clone(), value.clone(), slope.clone()),
            high: (zero.clone(), value.clone(), slope.clone()),
            cubic_ref: (zero.clone(), value.clone()),
            safe: (zero, value.clone(), tree::map(grad, Array::clone)),
        };
        let init = Point {
            value: value.clone(),
            ..init
        };
        while !(s.done || s.failed) {
            s = if s.interval_found {
                self.zoom_into_interval(s, params, updates, &init, &mut value_and_grad_fn)
            } else {
                self.search_interval(
                    s,
                    params,
                    updates,
                    &stepsize_guess,
                    &init,
                    &mut value_and_grad_fn,
                )
            };
            if s.failed {
                s = self.try_safe_step(s);
            }
        }
        let learning_rate = s.current.stepsize.astype(state.learning_rate.dtype());
        let scaled = tree::map(updates, |u| &learning_rate * u);
        let new_state = ScaleByZoomLinesearchState {
            learning_rate,
            value: s.current.value.astype(state.value.dtype()),
            grad: tree::map2(&s.current.grad, &state.grad, |g, o| g.astype(o.dtype())),
            info: ZoomLinesearchInfo {
                num_linesearch_steps: s.count.astype(state.info.num_linesearch_steps.dtype()),
                decrease_error: s.decrease_error.astype(state.info.decrease_error.dtype()),
                curvature_error: s.curvature_error.astype(state.info.curvature_error.dtype()),
            },
        };
        (scaled, new_state)
    }
}

impl GradientTransformation for ScaleByZoomLinesearch {
    type State<P: PyTree> = ScaleByZoomLinesearchState<P>;

    fn init<P: PyTree>(&self, params: &P) -> ScaleByZoomLinesearchState<P> {
        let val_dtype = tree::leaves(params)
            .first()
            .map_or(DType::F32, |l| l.dtype());
        ScaleByZoomLinesearchState {
            learning_rate: jnp::ones_dtype((), val_dtype),
            value: jnp::full_like(&jnp::zeros_dtype((), val_dtype), f64::INFINITY),
            grad: zeros_like(params, None),
            info: ZoomLinesearchInfo {
                num_linesearch_steps: Array::scalar(0i32),
                decrease_error: f32_scalar(f64::INFINITY),
                curvature_error: f32_scalar(f64::INFINITY),
            },
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        _: &P,
        _: &ScaleByZoomLinesearchState<P>,
        _: Option<&P>,
    ) -> (P, ScaleByZoomLinesearchState<P>) {
        panic!(
            "scale_by_zoom_linesearch: update() missing required keyword arguments: 'value', \
             'grad' and 'value_fn'; call `update_with_value_and_grad`"
        )
    }
}
