//! `eqx.nn.SpectralNorm`, and the access to a layer's parameter by field name that it shares
//! with [`WeightNorm`](super::WeightNorm).

use super::batch_norm::{InferenceFlag, StatefulCallOptions};
use super::{Layer, State, StateIndex, StatefulLayer};
use crate::random::{self, Key};
use crate::tree::{self, PathKey, PyTree};
use crate::{numpy as jnp, Array, Module};

/// The array field `name` of `layer` (Equinox's `getattr(layer, weight_name)`): the leaf whose
/// path is that one field. Panics, naming `op`, if there is none.
pub(super) fn field_leaf<L: PyTree>(layer: &L, name: &str, op: &str) -> Array {
    tree::leaves_with_path(layer)
        .into_iter()
        .find(|(p, _)| matches!(p.keys(), [PathKey::Field(f)] if *f == name))
        .map(|(_, a)| a.clone())
        .unwrap_or_else(|| panic!("{op}: the layer has no array field `{name}`"))
}

/// `layer` with its array field `name` replaced by `value` (Equinox's `tree_at`).
pub(super) fn with_field_leaf<L: PyTree>(layer: &L, name: &str, value: &Array) -> L {
    tree::map_with_path(layer, |p, a| {
        if matches!(p.keys(), [PathKey::Field(f)] if *f == name) {
            value.clone()
        } else {
            a.clone()
        }
    })
}

/// One power iteration for the leading singular vectors of `weight` (Equinox's
/// `_power_iteration`): the new `u` depends only on the old `v`.
fn power_iteration(weight: &Array, v: &Array, eps: f64) -> (Array, Array) {
    let normalise = |x: Array| {
        let norm = jnp::sqrt(&(&x * &x).sum(None));
        &x / &jnp::maximum(&jnp::full_like(&norm, eps), &norm)
    };
    let u = normalise(weight.matmul(v));
    let v = normalise(jnp::transpose(weight, None).matmul(&u));
    (u, v)
}

/// `weight` as a matrix `(shape[0], rest)`.
fn as_matrix(weight: &Array) -> Array {
    let rows = weight.shape()[0];
    weight.reshape([rows as i64, -1])
}

/// Spectral normalisation of one parameter of a layer (`eqx.nn.SpectralNorm`): the layer is
/// applied with its weight `W` replaced by `W / σ(W)`, where `σ(W)` is the largest singular value
/// of `W` (reshaped to a matrix `(W.shape[0], -1)`), estimated by power iteration.
///
/// The power-iteration vectors `(u, v)` are state: in training each call runs
/// `num_power_iterations` iterations (on `stop_gradient(W)`) and stores the new vectors; in
/// inference they are used as they are. Initialisation is Equinox's: `ukey, vkey = split(key)`,
/// `u, v` standard normal of `W`'s dtype, then 15 power iterations, so the same key gives
/// Python's state.
///
/// The parameter is named by its field (`"weight"`), and may be any array field of the wrapped
/// layer (`L` is any [`Layer`] that derives `Module`).
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, numpy as jnp};
///
/// let [k1, k2] = random::split_into(random::key(0));
/// let sn = nn::SpectralNorm::new(nn::Linear::new(3, 4, k1), "weight", k2);
/// let (sn, state) = nn::make_with_state(sn);
/// let (y, state) = sn.call(&jnp::ones([3]), state);
/// assert_eq!(y.shape(), &[4]);
/// let (u, v) = state.get(&sn.uv_index);
/// assert_eq!((u.shape(), v.shape()), (&[4][..], &[3][..]));
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct SpectralNorm<L> {
    /// The wrapped layer.
    pub layer: L,
    /// The name of the normalised array field of `layer`.
    pub weight_name: &'static str,
    /// The power-iteration vectors `(u, v)`, of lengths `W.shape[0]` and `W.size / W.shape[0]`.
    pub uv_index: StateIndex<(Array, Array)>,
    /// Power iterations per training call.
    pub num_power_iterations: usize,
    /// The lower bound on the norms divided by.
    pub eps: f64,
    /// Whether the layer is in inference mode (a 0-d bool array, as for
    /// [`inference_mode`](super::inference_mode)).
    pub inference: Array,
}

/// The optional settings of a [`SpectralNorm`], with Equinox's defaults from [`Default`].
#[derive(Clone, Copy, Debug)]
pub struct SpectralNormOptions {
    /// Power iterations per training call (default 1).
    pub num_power_iterations: usize,
    /// The lower bound on the norms divided by (default `1e-12`).
    pub eps: f64,
    /// Whether the layer starts in inference mode (default `false`).
    pub inference: bool,
}

impl Default for SpectralNormOptions {
    fn default() -> SpectralNormOptions {
        SpectralNormOptions {
            num_power_iterations: 1,
            eps: 1e-12,
            inference: false,
        }
    }
}

impl<L: Module + Clone + Layer> SpectralNorm<L> {
    /// `eqx.nn.SpectralNorm(layer, weight_name, key=key)` with Equinox's defaults.
    pub fn new(layer: L, weight_name: &'static str, key: Key) -> SpectralNorm<L> {
        SpectralNorm::with_options(layer, weight_name, SpectralNormOptions::default(), key)
    }

    /// `eqx.nn.SpectralNorm(layer, weight_name, num_power_iterations, eps, inference, key=key)`.
    ///
    /// Panics if `layer` has no array field `weight_name`, or if it has fewer than two
    /// dimensions (Equinox's "`weight` must be at least two-dimensional").
    pub fn with_options(
        layer: L,
        weight_name: &'static str,
        options: SpectralNormOptions,
        key: Key,
    ) -> SpectralNorm<L> {
        let weight = field_leaf(&layer, weight_name, "nn::SpectralNorm");
        if weight.ndim() < 2 {
            panic!(
                "nn::SpectralNorm: `weight` must be at least two-dimensional, got {}",
                weight.aval()
            );
        }
        let weight = as_matrix(&weight);
        let (rows, cols) = (weight.shape()[0], weight.shape()[1]);
        let [ukey, vkey] = random::split_into(key);
        let mut u = random::normal(ukey, [rows], weight.dtype());
        let mut v = random::normal(vkey, [cols], weight.dtype());
        for _ in 0..15 {
            (u, v) = power_iteration(&weight, &v, options.eps);
        }
        SpectralNorm {
            layer,
            weight_name,
            uv_index: StateIndex::new((u, v)),
            num_power_iterations: options.num_power_iterations,
            eps: options.eps,
            inference: Array::scalar(options.inference),
        }
    }

    /// `sn(x, state)`: the wrapped layer applied to `x` with its weight normalised, and the
    /// state with the updated power iterations (unchanged in inference).
    pub fn call(&self, x: &Array, state: State) -> (Array, State) {
        self.call_with_options(x, state, StatefulCallOptions::default())
    }

    /// `sn(x, state, key=key, inference=inference)`: as [`call`](SpectralNorm::call), with the
    /// `inference` override in `options` (the key is ignored, as in Equinox).
    pub fn call_with_options(
        &self,
        x: &Array,
        state: State,
        options: StatefulCallOptions,
    ) -> (Array, State) {
        let weight = field_leaf(&self.layer, self.weight_name, "nn::SpectralNorm");
        let shape = weight.shape().to_vec();
        let weight = as_matrix(&weight);
        let flag = InferenceFlag::resolve(&self.inference, options.inference, "nn::SpectralNorm");
        let ((u, v), state) = flag.select(
            || (state.get(&self.uv_index), state.clone()),
            || {
                let stop_weight = weight.stop_gradient();
                let (mut u, mut v) = state.get(&self.uv_index);
                for _ in 0..self.num_power_iterations {
                    (u, v) = power_iteration(&stop_weight, &v, self.eps);
                }
                let s = state.clone().set(&self.uv_index, (u.clone(), v.clone()));
                ((u, v), s)
            },
        );
        let sigma = u.matmul(&weight).matmul(&v);
        let normalised = (&weight / &sigma).reshape(shape);
        let layer = with_field_leaf(&self.layer, self.weight_name, &normalised);
        (layer.forward(x), state)
    }
}

impl<L: Module + Clone + Layer> StatefulLayer for SpectralNorm<L> {
    fn call(&self, x: &Array, state: State, _key: Option<Key>) -> (Array, State) {
        SpectralNorm::call(self, x, state)
    }
}
