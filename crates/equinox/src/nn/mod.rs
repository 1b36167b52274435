//! Neural-network layers (`equinox.nn`) together with the `jax.nn` functions (`relu`,
//! `softmax`, ...), so `eqx::nn::relu` and `eqx::nn::Linear` both work.
//!
//! Layers are plain structs deriving [`Module`](trait@crate::Module): their arrays are leaves,
//! their sizes and flags static structure, and they print like `eqx.tree_pformat`. As in
//! Equinox:
//! - **initialisation is Equinox's, bit for bit**: the same [`random::key`](crate::random::key)
//!   gives the same parameters as the Python layer built with `jax.random.PRNGKey`;
//! - **a layer acts on one unbatched example** (`Linear` maps shape `(in,)` to `(out,)`); batch
//!   with `vmap`.
//!
//! A layer's forward pass is its `forward(&self, x)` method, also available through the
//! [`Layer`] trait so that containers such as [`Sequential`] can be generic over layers.
//!
//! Rust has no keyword arguments: each layer has `new` with Equinox's defaults and a form that
//! takes the optional settings ([`Linear::with_options`], [`MLP::with_options`] with an
//! [`MlpOptions`]). Sizes that Equinox accepts as an `int` or `"scalar"` are [`Features`]
//! (`3` converts with `.into()`, or pass [`Features::Scalar`]).
//!
//! ```
//! use equinox as eqx;
//! use eqx::{nn, random, Array};
//!
//! let mlp = nn::MLP::new(2, 3, 8, 2, random::key(0));
//! let y = mlp.forward(&Array::from_vec(vec![0.5f32, -1.0], [2]));
//! assert_eq!(y.shape(), &[3]);
//! let z = nn::relu(&y); // the jax.nn functions live here too
//! assert!(z.to_vec::<f32>().iter().all(|&v| v >= 0.0));
//! ```

mod adaptive_pool;
mod attention;
mod batch_norm;
mod conv;
mod conv_transpose;
mod dropout;
mod embedding;
mod group_norm;
mod identity;
mod inference;
mod kv_cache;
mod lambda;
mod layer_norm;
mod linear;
mod mlp;
mod pool;
mod prelu;
mod rms_norm;
mod rnn;
mod rotary;
mod sequential;
mod shared;
mod spatial;
mod spectral_norm;
mod state;
mod weight_norm;

pub use equinox_core::nn::*;
/// `jax.nn.tanh`, which is `jnp.tanh`: here so that `nn::tanh` is at hand beside `nn::relu`
/// and `nn::sigmoid` as an activation.
pub use equinox_core::numpy::tanh;

/// [`layer_enum!`](crate::layer_enum): an enum of layer types for a heterogeneous
/// [`Sequential`].
pub use crate::layer_enum;
pub use adaptive_pool::{
    AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d, AdaptiveMaxPool1d, AdaptiveMaxPool2d,
    AdaptiveMaxPool3d, AdaptiveOperation, AdaptivePool,
};
pub use attention::{
    MultiheadAttention, MultiheadAttentionCall, MultiheadAttentionOptions, ProcessHeads,
};
pub use batch_norm::{AxisName, BatchNorm, BatchNormMode, BatchNormOptions, StatefulCallOptions};
pub use conv::{Conv, Conv1d, Conv2d, Conv3d, ConvOptions};
pub use conv_transpose::{
    ConvTranspose, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, ConvTransposeOptions,
};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use group_norm::{GroupNorm, GroupNormOptions};
pub use identity::{identity, Identity};
pub use inference::inference_mode;
pub use kv_cache::KVCache;
pub use lambda::Lambda;
pub use layer_norm::{LayerNorm, LayerNormOptions};
pub use linear::Linear;
pub use mlp::{MlpOptions, MLP};
pub use pool::{
    AvgPool1d, AvgPool2d, AvgPool3d, MaxPool1d, MaxPool2d, MaxPool3d, Pool, PoolOperation,
    PoolOptions,
};
pub use prelu::PReLU;
pub use rms_norm::{RMSNorm, RmsNormOptions};
pub use rnn::{GRUCell, LSTMCell, RnnCellOptions};
pub use rotary::{RotaryPositionalEmbedding, RotaryPositionalEmbeddingOptions};
pub use sequential::{Sequential, StatefulLayer};
pub use shared::Shared;
pub use spatial::{Padding, PaddingMode, Sizes};
pub use spectral_norm::{SpectralNorm, SpectralNormOptions};
pub use state::{delete_init_state, make_with_state, State, StateIndex};
pub use weight_norm::WeightNorm;

use crate::Array;
use std::fmt;

/// An activation function, as layers store them: a plain function pointer from one array to
/// another (`nn::relu`, `nn::tanh`, or any `fn` item of this signature). Function pointers are
/// static structure of a PyTree (compared by address, printed as `<function>`).
pub type Activation = fn(&Array) -> Array;

/// A layer's forward pass on one unbatched example: Equinox's `layer(x)`.
///
/// Every layer here implements it (with the same behaviour as its inherent `forward`
/// method). Implement it for your own layers, or for an enum of layers, to put them in a
/// [`Sequential`]:
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, Layer};
/// use eqx::{numpy as jnp, Array, Module};
///
/// #[derive(Module, Clone)]
/// #[module(debug)]
/// struct Scale {
///     factor: Array,
/// }
///
/// impl Layer for Scale {
///     fn forward(&self, x: &Array) -> Array {
///         x * &self.factor
///     }
/// }
///
/// let s = Scale { factor: jnp::full([2], 3.0f32) };
/// assert_eq!(s.forward(&jnp::ones([2])).to_vec::<f32>(), vec![3.0, 3.0]);
/// ```
pub trait Layer {
    /// Applies the layer to one example.
    fn forward(&self, x: &Array) -> Array;
}

/// A layer size that Equinox accepts as an `int` or the string `"scalar"`: a vector of that
/// many features, or a single number of shape `()` (handled as one feature internally).
///
/// `usize` converts into it, so sizes are written as plain numbers:
///
/// ```
/// use equinox::nn::Features;
/// let f: Features = 3.into();
/// assert_eq!(f, Features::Size(3));
/// assert_eq!(Features::Scalar.size(), 1);
/// assert_eq!(format!("{:?} {:?}", f, Features::Scalar), r#"3 "scalar""#);
/// ```
///
/// Its `Debug` form is how layers print it: the number, or `"scalar"` (Equinox's `'scalar'`
/// in Rust string syntax, as other static strings print).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Features {
    /// A vector of this many features: shape `(n,)`.
    Size(usize),
    /// A single number: shape `()` (Equinox's `"scalar"`).
    Scalar,
}

impl Features {
    /// The number of features: `n` for `Size(n)`, 1 for `Scalar`.
    pub fn size(self) -> usize {
        match self {
            Features::Size(n) => n,
            Features::Scalar => 1,
        }
    }

    /// Whether this is [`Features::Scalar`].
    pub fn is_scalar(self) -> bool {
        self == Features::Scalar
    }

    /// The shape of one example of this size: `[n]`, or `[]` for a scalar.
    pub fn shape(self) -> Vec<usize> {
        match self {
            Features::Size(n) => vec![n],
            Features::Scalar => vec![],
        }
    }
}

impl From<usize> for Features {
    fn from(n: usize) -> Features {
        Features::Size(n)
    }
}

impl fmt::Debug for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Features::Size(n) => write!(f, "{n}"),
            Features::Scalar => f.write_str("\"scalar\""),
        }
    }
}
