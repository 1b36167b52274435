//! `eqx.nn.RMSNorm`.

use super::layer_norm::{affine, check_whole_input, elementwise_params};
use super::Layer;
use crate::numpy as jnp;
use crate::{Array, DType, Module, Shape};

/// The optional settings of an [`RMSNorm`], with Equinox's defaults from [`Default`]:
/// `eps = 1e-5`, a weight and a bias, float32 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsNormOptions {
    /// Added to the mean square before the square root, for numerical stability.
    pub eps: f64,
    /// Whether the layer has a learnable elementwise weight (initially ones).
    pub use_weight: bool,
    /// Whether the layer has a learnable elementwise bias (initially zeros).
    pub use_bias: bool,
    /// The parameters' floating dtype.
    pub dtype: DType,
}

impl Default for RmsNormOptions {
    fn default() -> RmsNormOptions {
        RmsNormOptions {
            eps: 1e-5,
            use_weight: true,
            use_bias: true,
            dtype: DType::F32,
        }
    }
}

/// Root-mean-square normalisation (`eqx.nn.RMSNorm`): rescales the whole input by the inverse
/// of its root mean square, without centring it, then applies an elementwise affine map:
/// `x / sqrt(mean(x²) + eps) * weight + bias`.
///
/// The input must have exactly the layer's `shape`. As in Equinox the computation is in at
/// least float32 and the result has the input's dtype.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array};
///
/// let rms = nn::RMSNorm::new([2]);
/// let y = rms.forward(&Array::from_vec(vec![3.0f32, 4.0], [2])).to_vec::<f32>();
/// let r = (12.5f32 + 1e-5).sqrt();
/// assert!((y[0] - 3.0 / r).abs() < 1e-6 && (y[1] - 4.0 / r).abs() < 1e-6);
/// ```
#[allow(clippy::upper_case_acronyms)] // Equinox's name, and how it prints
#[derive(Module, Clone)]
#[module(debug)]
pub struct RMSNorm {
    /// The shape of an input.
    #[module(static)]
    pub shape: Shape,
    /// Added to the mean square for numerical stability.
    pub eps: f64,
    /// Whether the layer has a weight.
    pub use_weight: bool,
    /// Whether the layer has a bias.
    pub use_bias: bool,
    /// The elementwise weight, of `shape` (ones initially), or `None`.
    pub weight: Option<Array>,
    /// The elementwise bias, of `shape` (zeros initially), or `None`.
    pub bias: Option<Array>,
}

impl RMSNorm {
    /// `eqx.nn.RMSNorm(shape)`: `eps = 1e-5`, weight and bias, float32.
    pub fn new(shape: impl Into<Shape>) -> RMSNorm {
        RMSNorm::with_options(shape, RmsNormOptions::default())
    }

    /// `eqx.nn.RMSNorm(shape, eps, use_weight, use_bias, dtype)`, the settings in `options`.
    /// Panics if `options.dtype` is not a float type.
    pub fn with_options(shape: impl Into<Shape>, options: RmsNormOptions) -> RMSNorm {
        let shape = shape.into();
        let RmsNormOptions {
            eps,
            use_weight,
            use_bias,
            dtype,
        } = options;
        let (weight, bias) = elementwise_params("RMSNorm", &shape, use_weight, use_bias, dtype);
        RMSNorm {
            weight,
            bias,
            shape,
            eps,
            use_weight,
            use_bias,
        }
    }

    /// Rescales `x`, which must have the layer's `shape`; the result has `x`'s shape and
    /// dtype.
    pub fn forward(&self, x: &Array) -> Array {
        check_whole_input("RMSNorm", &self.shape, x);
        let dtype = crate::promote_types(x.dtype(), DType::F32);
        let xc = x.astype(dtype);
        let inv_rms = jnp::rsqrt(&(&jnp::mean(&jnp::square(&xc), ()) + self.eps));
        let out = &inv_rms * &xc;
        affine(out, self.weight.as_ref(), self.bias.as_ref(), dtype).astype(x.dtype())
    }
}

impl Layer for RMSNorm {
    fn forward(&self, x: &Array) -> Array {
        RMSNorm::forward(self, x)
    }
}
