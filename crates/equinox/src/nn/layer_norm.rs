//! `eqx.nn.LayerNorm`.

use super::Layer;
use crate::numpy as jnp;
use crate::{Array, DType, Module, Shape};

/// The optional settings of a [`LayerNorm`], with Equinox's defaults from [`Default`]:
/// `eps = 1e-5`, a weight and a bias, float32 parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerNormOptions {
    /// Added to the variance before the square root, for numerical stability.
    pub eps: f64,
    /// Whether the layer has a learnable elementwise weight (initially ones).
    pub use_weight: bool,
    /// Whether the layer has a learnable elementwise bias (initially zeros).
    pub use_bias: bool,
    /// The parameters' floating dtype.
    pub dtype: DType,
}

impl Default for LayerNormOptions {
    fn default() -> LayerNormOptions {
        LayerNormOptions {
            eps: 1e-5,
            use_weight: true,
            use_bias: true,
            dtype: DType::F32,
        }
    }
}

/// Layer normalisation (`eqx.nn.LayerNorm`): normalises the whole input by its mean and
/// variance, then applies an elementwise affine map,
/// `(x - mean(x)) / sqrt(var(x) + eps) * weight + bias`.
///
/// The input must have exactly the layer's `shape` (to normalise over some axes only, map
/// the layer over the others with `vmap`). As in Equinox the statistics are computed in at
/// least float32 (a float16 input is promoted, and the result cast back to its dtype).
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array};
///
/// let ln = nn::LayerNorm::new([4]);
/// let y = ln.forward(&Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]));
/// let v = y.to_vec::<f32>();
/// assert!(v.iter().sum::<f32>().abs() < 1e-6);
/// assert!((v[3] - 1.3416355).abs() < 1e-6); // 1.5 / sqrt(1.25 + 1e-5)
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct LayerNorm {
    /// The shape of an input.
    #[module(static)]
    pub shape: Shape,
    /// Added to the variance for numerical stability.
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

impl LayerNorm {
    /// `eqx.nn.LayerNorm(shape)`: `eps = 1e-5`, weight and bias, float32.
    pub fn new(shape: impl Into<Shape>) -> LayerNorm {
        LayerNorm::with_options(shape, LayerNormOptions::default())
    }

    /// `eqx.nn.LayerNorm(shape, eps, use_weight, use_bias, dtype)`, the settings in
    /// `options`. Panics if `options.dtype` is not a float type.
    pub fn with_options(shape: impl Into<Shape>, options: LayerNormOptions) -> LayerNorm {
        let shape = shape.into();
        let LayerNormOptions {
            eps,
            use_weight,
            use_bias,
            dtype,
        } = options;
        let (weight, bias) = elementwise_params("LayerNorm", &shape, use_weight, use_bias, dtype);
        LayerNorm {
            weight,
            bias,
            shape,
            eps,
            use_weight,
            use_bias,
        }
    }

    /// Normalises `x`, which must have the layer's `shape`; the result has `x`'s shape and
    /// dtype.
    pub fn forward(&self, x: &Array) -> Array {
        check_whole_input("LayerNorm", &self.shape, x);
        let (out, dtype) = normalise(
            x,
            |x| {
                let mean = jnp::mean_keepdims(x, ());
                let variance = jnp::var_ddof(x, (), 0, true);
                (mean, variance)
            },
            self.eps,
        );
        affine(out, self.weight.as_ref(), self.bias.as_ref(), dtype).astype(x.dtype())
    }
}

/// The normalisation shared by the normalisation layers: `x` in its computation dtype (at
/// least float32, JAX's `result_type(x.dtype, float32)`), then `(x - mean) * rsqrt(max(0, var)
/// + eps)` with `stats` giving the mean and variance. Returns the result and that dtype.
pub(super) fn normalise(
    x: &Array,
    stats: impl Fn(&Array) -> (Array, Array),
    eps: f64,
) -> (Array, DType) {
    let dtype = crate::promote_types(x.dtype(), DType::F32);
    let x = x.astype(dtype);
    let (mean, variance) = stats(&x);
    let variance = Array::weak_scalar(0.0f64).maximum(&variance);
    let inv = jnp::rsqrt(&(&variance + eps));
    (&(&x - &mean) * &inv, dtype)
}

/// The elementwise weight (ones) and bias (zeros) of a layer that normalises whole inputs of
/// `shape` (`LayerNorm`, `RMSNorm`), each only when wanted. Panics naming `layer` unless
/// `dtype` is a float type.
pub(super) fn elementwise_params(
    layer: &str,
    shape: &Shape,
    use_weight: bool,
    use_bias: bool,
    dtype: DType,
) -> (Option<Array>, Option<Array>) {
    if !dtype.is_float() {
        panic!("nn::{layer}: parameters need a floating dtype, got {dtype:?}");
    }
    (
        use_weight.then(|| jnp::ones_dtype(shape, dtype)),
        use_bias.then(|| jnp::zeros_dtype(shape, dtype)),
    )
}

/// Panics naming `layer` unless `x` has exactly the layer's `shape`: as in Equinox, these
/// layers normalise the whole input, and batch axes are mapped over rather than broadcast.
pub(super) fn check_whole_input(layer: &str, shape: &Shape, x: &Array) {
    if x.shape() != &shape[..] {
        panic!(
            "nn::{layer}: expected an input of shape {shape:?}, got {}; {layer}(shape)(x) \
             needs shape == x.shape, so map over any batch axes (vmap)",
            x.aval()
        );
    }
}

/// `weight * out + bias` with the parameters cast to the computation dtype, each only when
/// present.
pub(super) fn affine(
    out: Array,
    weight: Option<&Array>,
    bias: Option<&Array>,
    dtype: DType,
) -> Array {
    let out = match weight {
        Some(w) => &w.astype(dtype) * &out,
        None => out,
    };
    match bias {
        Some(b) => &out + &b.astype(dtype),
        None => out,
    }
}

impl Layer for LayerNorm {
    fn forward(&self, x: &Array) -> Array {
        LayerNorm::forward(self, x)
    }
}
