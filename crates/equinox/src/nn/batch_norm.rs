//! `eqx.nn.BatchNorm`.

use super::{State, StateIndex, StatefulLayer};
use crate::random::Key;
use crate::{lax, numpy as jnp, Array, DType, Module};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which variant of batch normalisation a [`BatchNorm`] computes (Equinox's `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum BatchNormMode {
    /// `"ema"`: exponential moving averages of the batch statistics are kept and used for
    /// normalisation, in training too (filled with the first batch's statistics).
    Ema,
    /// `"batch"`: training normalises with the batch statistics and keeps zero-debiased
    /// moving averages for inference, as PyTorch, Flax and Haiku do.
    Batch,
    /// `"legacy"`, Equinox's default: means [`Ema`](BatchNormMode::Ema), with a warning that
    /// `Batch` is recommended for new code. A built layer stores `Ema`.
    #[default]
    Legacy,
}

/// The optional settings of a [`BatchNorm`], with Equinox's defaults from [`Default`].
#[derive(Clone, Copy, Debug)]
pub struct BatchNormOptions {
    /// Added to the variance for numerical stability (default `1e-5`).
    pub eps: f64,
    /// Whether the layer has a learnt per-channel scale `weight` and shift `bias` (default
    /// `true`).
    pub channelwise_affine: bool,
    /// How much of the old running statistics each update keeps, in `(0, 1)` (default `0.99`).
    pub momentum: f64,
    /// Whether the layer starts in inference mode (default `false`; toggle with
    /// [`inference_mode`](super::inference_mode)).
    pub inference: bool,
    /// The floating dtype of the parameters and running statistics (default float32).
    pub dtype: DType,
    /// The variant (default [`BatchNormMode::Legacy`], which is `Ema` with a warning).
    pub mode: BatchNormMode,
}

impl Default for BatchNormOptions {
    fn default() -> BatchNormOptions {
        BatchNormOptions {
            eps: 1e-5,
            channelwise_affine: true,
            momentum: 0.99,
            inference: false,
            dtype: DType::F32,
            mode: BatchNormMode::Legacy,
        }
    }
}

/// The named vmap axis (or axes) a [`BatchNorm`] takes its statistics over (Equinox's
/// `axis_name`, a name or a sequence of names). Converts from `&str`, `String` and arrays or
/// `Vec`s of them.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AxisName(pub Vec<String>);

impl From<&str> for AxisName {
    fn from(name: &str) -> AxisName {
        AxisName(vec![name.to_string()])
    }
}

impl From<String> for AxisName {
    fn from(name: String) -> AxisName {
        AxisName(vec![name])
    }
}

impl<const N: usize> From<[&str; N]> for AxisName {
    fn from(names: [&str; N]) -> AxisName {
        AxisName(names.iter().map(|s| s.to_string()).collect())
    }
}

impl From<Vec<String>> for AxisName {
    fn from(names: Vec<String>) -> AxisName {
        AxisName(names)
    }
}

impl fmt::Debug for AxisName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "{one:?}"),
            many => {
                f.write_str("(")?;
                for (i, n) in many.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n:?}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The optional arguments of a stateful layer's call (the keyword arguments of Equinox's
/// `BatchNorm.__call__` / `SpectralNorm.__call__`).
#[derive(Clone, Debug, Default)]
pub struct StatefulCallOptions {
    /// Ignored by these layers; accepted for compatibility (default `None`).
    pub key: Option<Key>,
    /// Overrides the layer's `inference` field when `Some` (default `None`).
    pub inference: Option<bool>,
}

/// Whether a call runs in inference mode: known now, or only at run time (the layer's
/// `inference` leaf is traced, as inside `filter_jit`), in which case both behaviours are
/// computed and the flag selects between them.
pub(super) enum InferenceFlag {
    Known(bool),
    Traced(Array),
}

impl InferenceFlag {
    /// The flag for a call: the override if given, else the layer's field.
    pub(super) fn resolve(field: &Array, override_: Option<bool>, op: &str) -> InferenceFlag {
        if let Some(v) = override_ {
            return InferenceFlag::Known(v);
        }
        if field.dtype() != DType::Bool || field.ndim() != 0 {
            panic!(
                "{op}: the `inference` field must be a 0-d bool array, got {}",
                field.aval()
            );
        }
        if field.is_concrete() {
            InferenceFlag::Known(field.item::<bool>())
        } else {
            InferenceFlag::Traced(field.clone())
        }
    }

    /// `inference ? a : b`, leaf by leaf.
    pub(super) fn select<T: Module>(
        &self,
        inference: impl FnOnce() -> T,
        training: impl FnOnce() -> T,
    ) -> T {
        match self {
            InferenceFlag::Known(true) => inference(),
            InferenceFlag::Known(false) => training(),
            InferenceFlag::Traced(flag) => {
                crate::tree::map2(&inference(), &training(), |a, b| jnp::where_(flag, a, b))
            }
        }
    }
}

/// Batch normalisation (`eqx.nn.BatchNorm`): normalises each channel of the input by the mean
/// and variance over the batch *and* the spatial dimensions, then optionally applies a
/// per-channel affine map: `(x - E[x]) / sqrt(Var[x] + eps) * weight + bias`.
///
/// The layer acts on one example of shape `(input_size, dim_1, ..., dim_N)` and must be called
/// inside a `vmap` whose `axis_name` is the layer's `axis_name`: the batch statistics are
/// collectives (`pmean`) over that axis. Called outside one it panics ("unbound axis name"), as
/// Equinox raises a `NameError`. The running statistics live in a [`State`]; build the layer
/// with [`make_with_state`](super::make_with_state). With `in_axes` mapping the example but not
/// the state, and `out_axes` the same, the returned state is the one shared update:
///
/// ```
/// use equinox as eqx;
/// use eqx::transforms::{AxisSpec, VmapSpec};
/// use eqx::{nn, numpy as jnp, Array};
///
/// let opts = nn::BatchNormOptions { mode: nn::BatchNormMode::Batch, ..Default::default() };
/// let (bn, state) = nn::make_with_state(nn::BatchNorm::with_options(2, "batch", opts));
/// let spec = VmapSpec::default()
///     .axis_name("batch")
///     .in_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
///     .out_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]));
/// let step = eqx::filter_vmap_with(|x: &Array, s: &nn::State| bn.call(x, s.clone()), spec);
/// let xs = Array::from_vec(vec![1.0f32, 10.0, 3.0, 30.0], [2, 2]);
/// let (ys, state) = step(&xs, &state);
/// assert_eq!(ys.shape(), &[2, 2]);
/// // Each channel is normalised over the batch: -1 and 1 (up to eps).
/// assert!((ys.to_vec::<f32>()[0] + 1.0).abs() < 1e-4);
/// let (mean, _var) = state.get(bn.batch_state_index.as_ref().unwrap());
/// assert!((mean.to_vec::<f32>()[0] - 0.02).abs() < 1e-6); // 0.99 * 0 + 0.01 * 2
/// ```
///
/// `mode` chooses the variant ([`BatchNormMode`]): in `Batch` mode training normalises with the
/// batch statistics and updates debiased moving averages, which inference uses; in `Ema` mode
/// moving averages are used in both. The state entries are Equinox's, in Equinox's order, so
/// `tree_serialise_leaves(&(model, state))` writes the records Equinox writes.
#[derive(Module, Clone)]
#[module(debug)]
pub struct BatchNorm {
    /// The per-channel scale, shape `(input_size,)`, ones at first; `None` without
    /// `channelwise_affine`.
    pub weight: Option<Array>,
    /// The per-channel shift, shape `(input_size,)`, zeros at first; `None` without
    /// `channelwise_affine`.
    pub bias: Option<Array>,
    /// `Ema` mode: whether no batch has been seen yet (a bool scalar, `true` at first).
    pub ema_first_time_index: Option<StateIndex<Array>>,
    /// `Ema` mode: the running `(mean, variance)`.
    pub ema_state_index: Option<StateIndex<(Array, Array)>>,
    /// `Batch` mode: the number of training batches seen (an int32 scalar).
    pub batch_counter: Option<StateIndex<Array>>,
    /// `Batch` mode: the biased moving averages `(mean, variance)`, zeros and ones at first.
    pub batch_state_index: Option<StateIndex<(Array, Array)>>,
    /// The vmap axis (or axes) the statistics are taken over.
    #[module(static)]
    pub axis_name: AxisName,
    /// Whether the layer is in inference mode (a 0-d bool array, so that
    /// [`inference_mode`](super::inference_mode) and `.eqx` files see it as Equinox does).
    pub inference: Array,
    /// The number of channels.
    #[module(static)]
    pub input_size: usize,
    /// Added to the variance.
    pub eps: f64,
    /// Whether `weight` and `bias` exist.
    #[module(static)]
    pub channelwise_affine: bool,
    /// The moving averages' momentum.
    pub momentum: f64,
    /// The variant (`Ema` or `Batch`).
    #[module(static)]
    pub mode: BatchNormMode,
}

static LEGACY_WARNED: AtomicBool = AtomicBool::new(false);

impl BatchNorm {
    /// `eqx.nn.BatchNorm(input_size, axis_name)` with Equinox's defaults (legacy mode, which is
    /// `Ema` with a warning; pass [`BatchNormOptions`] to choose).
    pub fn new(input_size: usize, axis_name: impl Into<AxisName>) -> BatchNorm {
        BatchNorm::with_options(input_size, axis_name, BatchNormOptions::default())
    }

    /// `eqx.nn.BatchNorm(input_size, axis_name, eps, channelwise_affine, momentum, inference,
    /// dtype, mode)`, the settings in `options`.
    ///
    /// Panics if `dtype` is not a floating type.
    pub fn with_options(
        input_size: usize,
        axis_name: impl Into<AxisName>,
        options: BatchNormOptions,
    ) -> BatchNorm {
        let BatchNormOptions {
            eps,
            channelwise_affine,
            momentum,
            inference,
            dtype,
            mode,
        } = options;
        if !dtype.is_float() {
            panic!("nn::BatchNorm: parameters need a floating dtype, got {dtype:?}");
        }
        let mode = match mode {
            BatchNormMode::Legacy => {
                if !LEGACY_WARNED.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "warning: When `nn::BatchNorm` is built without a mode it defaults to \
                         'ema', for backward compatibility. This typically has a performance \
                         impact, and for new code the user is encouraged to use \
                         `BatchNormMode::Batch` instead. See \
                         `https://github.com/patrick-kidger/equinox/issues/659`."
                    );
                }
                BatchNormMode::Ema
            }
            m => m,
        };
        let c = [input_size];
        let (weight, bias) = if channelwise_affine {
            (
                Some(jnp::ones_dtype(c, dtype)),
                Some(jnp::zeros_dtype(c, dtype)),
            )
        } else {
            (None, None)
        };
        let ema = mode == BatchNormMode::Ema;
        BatchNorm {
            weight,
            bias,
            ema_first_time_index: ema.then(|| StateIndex::new(Array::scalar(true))),
            // Equinox's `jnp.empty`, which JAX fills with zeros.
            ema_state_index: ema
                .then(|| StateIndex::new((jnp::zeros_dtype(c, dtype), jnp::zeros_dtype(c, dtype)))),
            batch_counter: (!ema).then(|| StateIndex::new(Array::scalar(0i32))),
            batch_state_index: (!ema)
                .then(|| StateIndex::new((jnp::zeros_dtype(c, dtype), jnp::ones_dtype(c, dtype)))),
            axis_name: axis_name.into(),
            inference: Array::scalar(inference),
            input_size,
            eps,
            channelwise_affine,
            momentum,
            mode,
        }
    }

    /// Training takes statistics with `pmean` over `axis_name`: refuse, before tracing any of
    /// it, a call that no vmap with that name encloses (Equinox's `NameError`), saying how to
    /// fix it.
    fn check_axis_names_bound(&self) {
        for name in &self.axis_name.0 {
            if lax::try_axis_size(name).is_none() {
                panic!(
                    "nn::BatchNorm: unbound axis name: {name}. The following axis names (e.g. \
                     defined by vmap) are available to collective operations: {:?}. BatchNorm \
                     normalises over the batch: call it on one example inside \
                     `filter_vmap_with(.., VmapSpec::default().axis_name({name:?}))`, or in \
                     inference mode",
                    lax::bound_axis_names()
                );
            }
        }
    }

    /// `bn(x, state)`: the normalised example and the updated state.
    ///
    /// `x` has shape `(input_size, dim_1, ..., dim_N)`. In training the batch statistics are
    /// taken with `pmean` over `axis_name`, so this must run inside a `vmap` with that name.
    pub fn call(&self, x: &Array, state: State) -> (Array, State) {
        self.call_with_options(x, state, StatefulCallOptions::default())
    }

    /// `bn(x, state, key=key, inference=inference)`: as [`call`](BatchNorm::call), with the
    /// `inference` override in `options` (the key is ignored, as in Equinox).
    pub fn call_with_options(
        &self,
        x: &Array,
        state: State,
        options: StatefulCallOptions,
    ) -> (Array, State) {
        if x.ndim() == 0 || x.shape()[0] != self.input_size {
            panic!(
                "nn::BatchNorm: expected one example of shape (input_size={}, ...), got {}; the \
                 layer acts on a single example inside a vmap over the batch",
                self.input_size,
                x.aval()
            );
        }
        let flag = InferenceFlag::resolve(&self.inference, options.inference, "nn::BatchNorm");
        if !matches!(flag, InferenceFlag::Known(true)) {
            self.check_axis_names_bound();
        }
        let m = self.momentum;
        let ((mean, var), state) = match self.mode {
            BatchNormMode::Batch => {
                let counter_index = self
                    .batch_counter
                    .as_ref()
                    .expect("batch mode has a counter");
                let hidden_index = self
                    .batch_state_index
                    .as_ref()
                    .expect("batch mode has statistics");
                let counter = state.get(counter_index);
                let (hidden_mean, hidden_var) = state.get(hidden_index);
                let inference = || {
                    let counter_f = counter.astype(hidden_mean.dtype());
                    let debias = -&jnp::power(&jnp::full_like(&counter_f, m), &counter_f) + 1.0;
                    let zero = jnp::equal(&counter, &Array::scalar(0i32));
                    let scale = jnp::where_(&zero, &jnp::ones_like(&debias), &debias);
                    ((&hidden_mean / &scale, &hidden_var / &scale), state.clone())
                };
                let training = || {
                    let (mean, var) = self.batch_stats(x);
                    let new_mean = &(&hidden_mean * m) + &(&mean * (1.0 - m));
                    let new_var = &(&hidden_var * m) + &(&var * (1.0 - m));
                    let s = state
                        .clone()
                        .set(counter_index, &counter + 1)
                        .set(hidden_index, (new_mean, new_var));
                    ((mean, var), s)
                };
                flag.select(inference, training)
            }
            BatchNormMode::Ema | BatchNormMode::Legacy => {
                let first_index = self
                    .ema_first_time_index
                    .as_ref()
                    .expect("ema mode has a flag");
                let ema_index = self
                    .ema_state_index
                    .as_ref()
                    .expect("ema mode has statistics");
                let inference = || (state.get(ema_index), state.clone());
                let training = || {
                    let first_time = state.get(first_index);
                    let s = state.clone().set(first_index, Array::scalar(false));
                    let (batch_mean, batch_var) = self.batch_stats(x);
                    let (running_mean, running_var) = s.get(ema_index);
                    let mean = &(&batch_mean * (1.0 - m)) + &(&running_mean * m);
                    let var = &(&batch_var * (1.0 - m)) + &(&running_var * m);
                    let mean = jnp::where_(&first_time, &batch_mean, &mean);
                    let var = jnp::where_(&first_time, &batch_var, &var);
                    let s = s.set(ema_index, (mean.clone(), var.clone()));
                    ((mean, var), s)
                };
                flag.select(inference, training)
            }
        };
        (self.normalise(x, &mean, &var), state)
    }

    /// The per-channel mean and (biased) variance over the spatial axes and the batch axes.
    fn batch_stats(&self, x: &Array) -> (Array, Array) {
        let spatial: Vec<usize> = (1..x.ndim()).collect();
        let pmean = |v: &Array| {
            self.axis_name
                .0
                .iter()
                .fold(v.clone(), |v, name| lax::pmean(&v, name))
        };
        let mean = pmean(&x.mean(&spatial[..]));
        let centred = x - &self.per_channel(&mean, x);
        let var = pmean(&(&centred * &centred).mean(&spatial[..]));
        let var = jnp::maximum(&jnp::zeros_like(&var), &var);
        (mean, var)
    }

    /// A per-channel vector shaped to broadcast against `x` (channels first).
    fn per_channel(&self, v: &Array, x: &Array) -> Array {
        let mut shape = vec![1usize; x.ndim()];
        shape[0] = self.input_size;
        v.reshape(shape)
    }

    fn normalise(&self, x: &Array, mean: &Array, var: &Array) -> Array {
        let std = jnp::sqrt(&(var + self.eps));
        let out = &(x - &self.per_channel(mean, x)) / &self.per_channel(&std, x);
        match (&self.weight, &self.bias) {
            (Some(w), Some(b)) if self.channelwise_affine => {
                &(&out * &self.per_channel(w, x)) + &self.per_channel(b, x)
            }
            _ => out,
        }
    }
}

impl StatefulLayer for BatchNorm {
    fn call(&self, x: &Array, state: State, _key: Option<Key>) -> (Array, State) {
        BatchNorm::call(self, x, state)
    }
}
