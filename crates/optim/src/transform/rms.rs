//! Rescaling by the running root mean square or standard deviation (`optax.scale_by_rms`,
//! `scale_by_stddev`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array};
use equinox_macros::Module;

use crate::base::{check_state_tree, GradientTransformation};
use crate::numerics::{
    bias_correction, full_like, safe_increment, update_moment, update_moment_per_elem_norm,
    zero_count, zeros_like,
};

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
