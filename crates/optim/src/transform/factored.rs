//! Adafactor's factored second-moment rescaling (`optax.scale_by_factored_rms`).

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_macros::Module;

use crate::base::{check_same_tree, GradientTransformation, NO_PARAMS_MSG};
use crate::numerics::{safe_increment, zero_count};

/// The state of [`ScaleByFactoredRms`] (`optax.FactoredState`), leaves in Optax's order.
/// Each leaf keeps either the row and column factors (`v_row`, `v_col`; `v` is a
/// placeholder of shape `[1]`) or, when not factored, the full second moment `v` (the
/// factors are placeholders).
#[derive(Module, Clone)]
#[module(crate = "equinox_core", debug)]
pub struct FactoredState<P> {
    /// Steps taken so far (`int32` scalar, saturating).
    pub count: Array,
    /// The row factors of the second moment.
    pub v_row: P,
    /// The column factors of the second moment.
    pub v_col: P,
    /// The unfactored second moment.
    pub v: P,
}

/// Adafactor's rescaling ([`scale_by_factored_rms`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleByFactoredRms {
    /// Factor the second moment of leaves with two or more dimensions (true).
    pub factored: bool,
    /// The decay exponent: the decay at step `t` is `1 - (t + 1)^-decay_rate` (0.8).
    pub decay_rate: f64,
    /// Steps subtracted from the count in the decay (0).
    pub step_offset: i32,
    /// Factor only when the second-largest dimension is at least this (128).
    pub min_dim_size_to_factor: usize,
    /// Added to the squared gradients (1e-30).
    pub epsilon: f64,
}

impl Default for ScaleByFactoredRms {
    fn default() -> Self {
        ScaleByFactoredRms {
            factored: true,
            decay_rate: 0.8,
            step_offset: 0,
            min_dim_size_to_factor: 128,
            epsilon: 1e-30,
        }
    }
}

/// Divides the updates by the root of a decaying second moment that, for large matrices,
/// is stored as row and column factors (`optax.scale_by_factored_rms` with its defaults;
/// build [`ScaleByFactoredRms`] for others). Needs the parameters.
pub fn scale_by_factored_rms() -> ScaleByFactoredRms {
    ScaleByFactoredRms::default()
}

impl ScaleByFactoredRms {
    /// The two dimensions to factor over, `(d1, d0)`: the second largest and the largest
    /// (numpy's `argsort` order), or `None` to keep the full moment.
    fn factored_dims(&self, shape: &[usize]) -> Option<(usize, usize)> {
        if !self.factored || shape.len() < 2 {
            return None;
        }
        let mut sorted: Vec<usize> = (0..shape.len()).collect();
        sorted.sort_by_key(|&i| shape[i]);
        let (d1, d0) = (sorted[sorted.len() - 2], sorted[sorted.len() - 1]);
        (shape[d1] >= self.min_dim_size_to_factor).then_some((d1, d0))
    }
}

/// The shape of `x` with `axis` removed.
fn without_axis(shape: &[usize], axis: usize) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != axis)
        .map(|(_, &n)| n)
        .collect()
}

impl GradientTransformation for ScaleByFactoredRms {
    type State<P: PyTree> = FactoredState<P>;

    fn init<P: PyTree>(&self, params: &P) -> FactoredState<P> {
        let placeholder = |p: &Array| jnp::zeros_dtype([1], p.dtype());
        let dims = |p: &Array| self.factored_dims(p.shape());
        FactoredState {
            count: zero_count(),
            v_row: tree::map(params, |p| match dims(p) {
                Some((_, d0)) => jnp::zeros_dtype(without_axis(p.shape(), d0), p.dtype()),
                None => placeholder(p),
            }),
            v_col: tree::map(params, |p| match dims(p) {
                Some((d1, _)) => jnp::zeros_dtype(without_axis(p.shape(), d1), p.dtype()),
                None => placeholder(p),
            }),
            v: tree::map(params, |p| match dims(p) {
                Some(_) => placeholder(p),
                None => jnp::zeros_like(p),
            }),
        }
    }

    #[track_caller]
    fn update<P: PyTree>(
        &self,
        updates: &P,
        state: &FactoredState<P>,
        params: Option<&P>,
    ) -> (P, FactoredState<P>) {
        let op = "scale_by_factored_rms";
        let params = params.unwrap_or_else(|| panic!("{op}: {NO_PARAMS_MSG}"));
        check_same_tree(op, "the updates", updates, "the parameters", params);
        // `1 - (t + 1)^-decay_rate` with `t = count - step_offset`, in float32.
        let t = (&state.count - self.step_offset + 1).astype(DType::F32);
        let decay_t = 1.0 - jnp::power(&t, &Array::weak_scalar(-self.decay_rate));
        let leaves = |t: &P| -> Vec<Array> { tree::leaves(t).into_iter().cloned().collect() };
        let (rows, cols, vs, ps) = (
            leaves(&state.v_row),
            leaves(&state.v_col),
            leaves(&state.v),
            leaves(params),
        );
        let mut results = Vec::with_capacity(ps.len());
        for (i, g) in tree::leaves(updates).into_iter().enumerate() {
            let dtype = ps[i].dtype();
            let placeholder = jnp::zeros_dtype([1], dtype);
            let grad_sqr = g * g + self.epsilon;
            results.push(match self.factored_dims(ps[i].shape()) {
                Some((d1, d0)) => {
                    let new_v_row = (&decay_t * &rows[i]
                        + (1.0 - &decay_t) * jnp::mean(&grad_sqr, d0))
                    .astype(dtype);
                    let new_v_col = (&decay_t * &cols[i]
                        + (1.0 - &decay_t) * jnp::mean(&grad_sqr, d1))
                    .astype(dtype);
                    let reduced_d1 = if d1 > d0 { d1 - 1 } else { d1 };
                    let row_col_mean = jnp::mean_keepdims(&new_v_row, reduced_d1);
                    let row_factor = (&new_v_row / row_col_mean).powf(-0.5);
                    let col_factor = new_v_col.powf(-0.5);
                    let update =
                        g * jnp::expand_dims(&row_factor, d0) * jnp::expand_dims(&col_factor, d1);
                    (update, new_v_row, new_v_col, placeholder)
                }
                None => {
                    let new_v = (&decay_t * &vs[i] + (1.0 - &decay_t) * &grad_sqr).astype(dtype);
                    let update = g * new_v.powf(-0.5);
                    (update, placeholder.clone(), placeholder, new_v)
                }
            });
        }
        let pick = |k: usize| {
            let mut it = results.iter();
            tree::map(updates, |_| {
                let r = it.next().expect("one result per leaf");
                match k {
                    0 => r.0.clone(),
                    1 => r.1.clone(),
                    2 => r.2.clone(),
                    _ => r.3.clone(),
                }
            })
        };
        let new_updates = pick(0);
        let new_state = FactoredState {
            count: safe_increment(&state.count),
            v_row: pick(1),
            v_col: pick(2),
            v: pick(3),
        };
        (new_updates, new_state)
    }
}
