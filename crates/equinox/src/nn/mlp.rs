//! `eqx.nn.MLP`.

use super::{identity, Activation, Features, Layer, Linear};
use crate::random::{self, Key};
use crate::{Array, DType, Module};

/// The optional settings of an [`MLP`], with Equinox's defaults from [`Default`]: ReLU
/// between layers, no final activation, biases everywhere, float32.
///
/// Change some with struct-update syntax:
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random};
/// let opts = nn::MlpOptions { activation: nn::tanh, use_final_bias: false, ..Default::default() };
/// let mlp = nn::MLP::with_options(4, 2, 8, 1, opts, random::key(0));
/// assert!(mlp.layers[1].bias.is_none());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MlpOptions {
    /// Applied after every layer but the last (default [`relu`](super::relu)).
    pub activation: Activation,
    /// Applied after the last layer (default [`identity`]). Equinox skips it when
    /// `depth == 0`, and so does this.
    pub final_activation: Activation,
    /// Whether the hidden layers have biases (default `true`).
    pub use_bias: bool,
    /// Whether the output layer has a bias (default `true`).
    pub use_final_bias: bool,
    /// The parameters' floating dtype (default float32).
    pub dtype: DType,
}

impl Default for MlpOptions {
    fn default() -> MlpOptions {
        MlpOptions {
            activation: super::relu,
            final_activation: identity,
            use_bias: true,
            use_final_bias: true,
            dtype: DType::F32,
        }
    }
}

/// A multi-layer perceptron (`eqx.nn.MLP`): `depth + 1` [`Linear`] layers
/// `in_size -> width_size -> ... -> width_size -> out_size`, with `activation` after each but
/// the last and `final_activation` after the last. `depth == 0` is a single
/// `Linear(in_size, out_size)`.
///
/// Initialisation is Equinox's: `keys = split(key, depth + 1)` and layer `i` is built with
/// `keys[i]`, so the parameters equal Python's for the same key, bit for bit. The forward pass
/// is Equinox's `scan=False` path (`scan=True` is not provided).
///
/// Equinox applies the activations to each neuron separately (vmapped over the layer's
/// outputs); here they are applied to the whole vector, which is the same for the elementwise
/// functions activations are (`relu`, `tanh`, `sigmoid`, ...). A function that mixes
/// elements (such as `softmax`) would differ: Equinox would apply it to each scalar.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, Array};
/// let mlp = nn::MLP::new(2, 3, 8, 2, random::key(0));
/// assert_eq!(mlp.layers.len(), 3);
/// assert_eq!(mlp.layers[1].weight.shape(), &[8, 8]);
/// let y = mlp.forward(&Array::from_vec(vec![1.0f32, -1.0], [2]));
/// assert_eq!(y.shape(), &[3]);
/// ```
#[allow(clippy::upper_case_acronyms)] // Equinox's name, and how it prints
#[derive(Module, Clone)]
#[module(debug)]
pub struct MLP {
    /// The layers, `depth + 1` of them.
    pub layers: Vec<Linear>,
    /// The activation after each layer but the last.
    pub activation: Activation,
    /// The activation after the last layer (unused when `depth == 0`).
    pub final_activation: Activation,
    /// Whether the hidden layers have biases.
    #[module(static)]
    pub use_bias: bool,
    /// Whether the output layer has a bias.
    #[module(static)]
    pub use_final_bias: bool,
    /// The input size.
    #[module(static)]
    pub in_size: Features,
    /// The output size.
    #[module(static)]
    pub out_size: Features,
    /// The width of the hidden layers.
    #[module(static)]
    pub width_size: usize,
    /// The number of hidden layers (so `depth + 1` layers).
    #[module(static)]
    pub depth: usize,
}

impl MLP {
    /// `eqx.nn.MLP(in_size, out_size, width_size, depth, key=key)`: ReLU, biases, float32.
    pub fn new(
        in_size: impl Into<Features>,
        out_size: impl Into<Features>,
        width_size: usize,
        depth: usize,
        key: Key,
    ) -> MLP {
        MLP::with_options(
            in_size,
            out_size,
            width_size,
            depth,
            MlpOptions::default(),
            key,
        )
    }

    /// `eqx.nn.MLP(in_size, out_size, width_size, depth, activation, final_activation,
    /// use_bias, use_final_bias, dtype, key=key)`, the settings in `options`.
    ///
    /// Panics if `options.dtype` is not a float type.
    pub fn with_options(
        in_size: impl Into<Features>,
        out_size: impl Into<Features>,
        width_size: usize,
        depth: usize,
        options: MlpOptions,
        key: Key,
    ) -> MLP {
        let (in_size, out_size) = (in_size.into(), out_size.into());
        let MlpOptions {
            activation,
            final_activation,
            use_bias,
            use_final_bias,
            dtype,
        } = options;
        let width = Features::Size(width_size);
        let mut keys = random::split_vec(key, depth + 1).into_iter();
        let mut next_key = || keys.next().expect("split gives depth + 1 keys");
        let layers = if depth == 0 {
            vec![Linear::with_options(
                in_size,
                out_size,
                use_final_bias,
                dtype,
                next_key(),
            )]
        } else {
            let mut layers = Vec::with_capacity(depth + 1);
            layers.push(Linear::with_options(
                in_size,
                width,
                use_bias,
                dtype,
                next_key(),
            ));
            for _ in 1..depth {
                layers.push(Linear::with_options(
                    width,
                    width,
                    use_bias,
                    dtype,
                    next_key(),
                ));
            }
            layers.push(Linear::with_options(
                width,
                out_size,
                use_final_bias,
                dtype,
                next_key(),
            ));
            layers
        };
        MLP {
            layers,
            activation,
            final_activation,
            use_bias,
            use_final_bias,
            in_size,
            out_size,
            width_size,
            depth,
        }
    }

    /// Applies the network to one example of shape `(in_size,)` (or `()` for a scalar
    /// `in_size`), giving shape `(out_size,)` (or `()`).
    ///
    /// As in Equinox, a `depth == 0` network is just its one layer: `final_activation` is not
    /// applied.
    pub fn forward(&self, x: &Array) -> Array {
        let (last, hidden) = self
            .layers
            .split_last()
            .expect("an MLP has depth + 1 >= 1 layers");
        if self.depth == 0 {
            return last.forward(x);
        }
        let x = hidden
            .iter()
            .fold(x.clone(), |x, layer| (self.activation)(&layer.forward(&x)));
        (self.final_activation)(&last.forward(&x))
    }
}

impl Layer for MLP {
    fn forward(&self, x: &Array) -> Array {
        MLP::forward(self, x)
    }
}
