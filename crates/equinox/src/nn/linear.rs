//! `eqx.nn.Linear`.

use super::{Features, Layer};
use crate::random::{self, Key};
use crate::{Array, DType, Module};

/// An affine map `y = weight @ x + bias` (`eqx.nn.Linear`), on one example of shape
/// `(in_features,)`, giving shape `(out_features,)`; a [`Features::Scalar`] size means shape
/// `()` instead.
///
/// Initialisation is Equinox's: with `wkey, bkey = split(key)` and
/// `lim = 1 / sqrt(in_features)` (1 for a scalar input, and `lim = 1` when `in_features` is 0),
/// `weight ~ U(wkey, (out, in), -lim, lim)` and `bias ~ U(bkey, (out,), -lim, lim)`, bit-exact
/// with Python for the same key.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, Array};
///
/// let lin = nn::Linear::new(3, 4, random::key(0));
/// // eqx.nn.Linear(3, 4, key=jax.random.PRNGKey(0)).weight[0, 0]
/// assert_eq!(lin.weight.to_vec::<f32>()[0], 0.3952703);
/// // Printed as eqx.tree_pformat prints it (static values in Rust syntax).
/// assert_eq!(
///     format!("{lin:?}"),
///     "Linear(\n  weight=f32[4,3], bias=f32[4], in_features=3, out_features=4, use_bias=true\n)"
/// );
/// let y = lin.forward(&Array::from_vec(vec![1.0f32, 0.0, 0.0], [3]));
/// assert_eq!(y.shape(), &[4]);
///
/// // Scalar in and out, no bias, float64 parameters.
/// use nn::Features::Scalar;
/// let s = nn::Linear::with_options(Scalar, Scalar, false, eqx::DType::F64, random::key(1));
/// assert_eq!(s.forward(&Array::scalar(2.0f64)).shape(), &[] as &[usize]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Linear {
    /// The weight matrix, shape `(out, in)` (1 for a scalar size).
    pub weight: Array,
    /// The bias, shape `(out,)`, or `None` when built with `use_bias = false`.
    pub bias: Option<Array>,
    /// The input size.
    #[module(static)]
    pub in_features: Features,
    /// The output size.
    #[module(static)]
    pub out_features: Features,
    /// Whether the layer has a bias.
    #[module(static)]
    pub use_bias: bool,
}

impl Linear {
    /// `eqx.nn.Linear(in_features, out_features, key=key)`: with a bias, float32 parameters.
    pub fn new(
        in_features: impl Into<Features>,
        out_features: impl Into<Features>,
        key: Key,
    ) -> Linear {
        Linear::with_options(in_features, out_features, true, DType::F32, key)
    }

    /// `eqx.nn.Linear(in_features, out_features, use_bias, dtype, key=key)`.
    ///
    /// `dtype` is the parameters' floating dtype (float32 is Equinox's default; float64 gives
    /// what Equinox gives with `jax_enable_x64`). Panics if `dtype` is not a float type.
    pub fn with_options(
        in_features: impl Into<Features>,
        out_features: impl Into<Features>,
        use_bias: bool,
        dtype: DType,
        key: Key,
    ) -> Linear {
        let (in_features, out_features) = (in_features.into(), out_features.into());
        if !dtype.is_float() {
            panic!("nn::Linear: parameters need a floating dtype, got {dtype:?}");
        }
        let [wkey, bkey] = random::split_into(key);
        let (in_, out) = (in_features.size(), out_features.size());
        let lim = if in_ == 0 {
            1.0
        } else {
            1.0 / (in_ as f64).sqrt()
        };
        let weight = random::uniform(wkey, [out, in_], dtype, -lim, lim);
        let bias = use_bias.then(|| random::uniform(bkey, [out], dtype, -lim, lim));
        Linear {
            weight,
            bias,
            in_features,
            out_features,
            use_bias,
        }
    }

    /// Applies the layer to one example: `weight @ x + bias`.
    ///
    /// `x` has shape `(in_features,)`, or `()` when `in_features` is [`Features::Scalar`] (it
    /// is then broadcast to `(1,)`); the result has shape `(out_features,)`, or `()` when
    /// `out_features` is scalar. Panics on any other input shape (for a batch, map the layer
    /// over the examples).
    pub fn forward(&self, x: &Array) -> Array {
        let x = match self.in_features {
            Features::Scalar => {
                if x.ndim() != 0 {
                    panic!(
                        "nn::Linear: in_features is \"scalar\", so x must have shape (), got {}",
                        x.aval()
                    );
                }
                x.broadcast_to([1])
            }
            Features::Size(n) => {
                if x.shape() != [n] {
                    panic!(
                        "nn::Linear: expected one example of shape ({n},), got {}; layers act on \
                         a single unbatched example, so map over a batch (vmap)",
                        x.aval()
                    );
                }
                x.clone()
            }
        };
        let mut y = self.weight.matmul(&x);
        if let Some(bias) = &self.bias {
            y = &y + bias;
        }
        if self.out_features.is_scalar() {
            y = y.squeeze(0);
        }
        y
    }
}

impl Layer for Linear {
    fn forward(&self, x: &Array) -> Array {
        Linear::forward(self, x)
    }
}
