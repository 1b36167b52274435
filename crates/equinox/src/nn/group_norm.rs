//! `eqx.nn.GroupNorm`.

use super::layer_norm::{affine, normalise};
use super::Layer;
use crate::numpy as jnp;
use crate::{Array, DType, Module};

/// The optional settings of a [`GroupNorm`], with Equinox's defaults from [`Default`]:
/// `eps = 1e-5`, a channelwise weight and bias, float32 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GroupNormOptions {
    /// Added to the variance before the square root, for numerical stability.
    pub eps: f64,
    /// Whether the layer has a learnable per-channel weight and bias (ones and zeros
    /// initially). Needs the number of channels.
    pub channelwise_affine: bool,
    /// The parameters' floating dtype.
    pub dtype: DType,
}

impl Default for GroupNormOptions {
    fn default() -> GroupNormOptions {
        GroupNormOptions {
            eps: 1e-5,
            channelwise_affine: true,
            dtype: DType::F32,
        }
    }
}

/// Group normalisation (`eqx.nn.GroupNorm`): splits the first axis (the channels) of an input
/// of shape `(channels, ...)` into `groups` groups of equal size, normalises each group by its
/// own mean and variance, then applies a per-channel affine map.
///
/// `groups = 1` is layer normalisation over the whole input and `groups = channels` instance
/// normalisation. As in Equinox the statistics are computed in at least float32, and the
/// result has the input's dtype.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array};
///
/// let gn = nn::GroupNorm::new(2, 4);
/// let x = Array::from_vec(vec![1.0f32, 3.0, 10.0, 20.0], [4]);
/// let y = gn.forward(&x).to_vec::<f32>();
/// // Each pair is normalised on its own.
/// assert!((y[0] + 1.0).abs() < 1e-4 && (y[1] - 1.0).abs() < 1e-4);
/// assert!((y[2] + 1.0).abs() < 1e-4 && (y[3] - 1.0).abs() < 1e-4);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct GroupNorm {
    /// The number of groups the channels are split into.
    pub groups: usize,
    /// The number of channels (`None` is allowed without the affine map).
    pub channels: Option<usize>,
    /// Added to the variance for numerical stability.
    pub eps: f64,
    /// Whether the layer has a per-channel weight and bias.
    pub channelwise_affine: bool,
    /// The per-channel weight, shape `(channels,)`, or `None`.
    pub weight: Option<Array>,
    /// The per-channel bias, shape `(channels,)`, or `None`.
    pub bias: Option<Array>,
}

impl GroupNorm {
    /// `eqx.nn.GroupNorm(groups, channels)`: `eps = 1e-5`, with the channelwise affine map,
    /// float32. Panics unless `groups` divides `channels`.
    pub fn new(groups: usize, channels: usize) -> GroupNorm {
        GroupNorm::with_options(groups, Some(channels), GroupNormOptions::default())
    }

    /// `eqx.nn.GroupNorm(groups, channels, eps, channelwise_affine, dtype)`, the settings in
    /// `options`.
    ///
    /// Panics, as Equinox raises, when `groups` does not divide `channels`, when
    /// `channelwise_affine` is set without `channels`, or when `options.dtype` is not a float
    /// type.
    pub fn with_options(
        groups: usize,
        channels: Option<usize>,
        options: GroupNormOptions,
    ) -> GroupNorm {
        let GroupNormOptions {
            eps,
            channelwise_affine,
            dtype,
        } = options;
        if groups == 0 {
            panic!("nn::GroupNorm: groups must be positive, got 0");
        }
        if let Some(c) = channels
            && c % groups != 0
        {
            panic!(
                "nn::GroupNorm: The number of groups must divide the number of channels \
                     (groups={groups}, channels={c})."
            );
        }
        if !dtype.is_float() {
            panic!("nn::GroupNorm: parameters need a floating dtype, got {dtype:?}");
        }
        let params = match (channelwise_affine, channels) {
            (false, _) => None,
            (true, Some(c)) => Some((jnp::ones_dtype([c], dtype), jnp::zeros_dtype([c], dtype))),
            (true, None) => panic!(
                "nn::GroupNorm: The number of channels should be specified if \
                 `channelwise_affine=True`"
            ),
        };
        let (weight, bias) = params.unzip();
        GroupNorm {
            groups,
            channels,
            eps,
            channelwise_affine,
            weight,
            bias,
        }
    }

    /// Normalises `x` of shape `(channels, ...)`; the result has `x`'s shape and dtype.
    ///
    /// Panics if `x` has no axes, if `groups` does not divide its first dimension, or if the
    /// layer has the affine map and that dimension is not `channels`.
    pub fn forward(&self, x: &Array) -> Array {
        let Some(&c) = x.shape().first() else {
            panic!(
                "nn::GroupNorm: expected an input of shape (channels, ...), got {}",
                x.aval()
            );
        };
        if c % self.groups != 0 {
            panic!(
                "nn::GroupNorm: {} groups do not divide the {c} channels of the input {}",
                self.groups,
                x.aval()
            );
        }
        if self.channelwise_affine && Some(c) != self.channels {
            panic!(
                "nn::GroupNorm: expected an input of shape ({}, ...), got {}",
                self.channels.unwrap_or(0),
                x.aval()
            );
        }
        let mut grouped = vec![self.groups, c / self.groups];
        grouped.extend_from_slice(&x.shape()[1..]);
        let per_group: Vec<i32> = (1..grouped.len() as i32).collect();
        let (out, dtype) = normalise(
            &x.reshape(grouped),
            |y| {
                let mean = jnp::mean_keepdims(y, per_group.clone());
                let variance = jnp::var_ddof(y, per_group.clone(), 0, true);
                (mean, variance)
            },
            self.eps,
        );
        let out = out.reshape(x.shape().to_vec());
        // Equinox's `left_broadcast_to`: the `(channels,)` parameters against axis 0.
        let mut column = vec![1; x.ndim()];
        column[0] = c;
        let to_channels = |p: &Array| p.reshape(column.clone());
        let (weight, bias) = (
            self.weight.as_ref().map(to_channels),
            self.bias.as_ref().map(to_channels),
        );
        affine(out, weight.as_ref(), bias.as_ref(), dtype).astype(x.dtype())
    }
}

impl Layer for GroupNorm {
    fn forward(&self, x: &Array) -> Array {
        GroupNorm::forward(self, x)
    }
}
