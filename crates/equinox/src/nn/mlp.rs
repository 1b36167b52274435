//! `eqx.nn.MLP`.

use std::fmt;
use std::hash::Hasher;

use super::{identity, Activation, Features, Layer, Linear};
use crate::numpy as jnp;
use crate::random::{self, Key};
use crate::tree::{
    named, named_fields, static_hash, static_pdoc, static_value_diff, tree_pformat, Difference,
    Doc, KeyPath, PathKey, PrettyOptions, PyTree,
};
use crate::{lax, Array, DType};

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
    /// Equinox's `scan` (default `false`): the hidden `width -> width` layers are stored as
    /// one [`Linear`] whose parameters are stacked along a new leading axis, and applied with
    /// [`lax::scan`](crate::lax::scan), so a compiled network holds the hidden layer once.
    /// The results are the same.
    pub scan: bool,
}

impl Default for MlpOptions {
    fn default() -> MlpOptions {
        MlpOptions {
            activation: super::relu,
            final_activation: identity,
            use_bias: true,
            use_final_bias: true,
            dtype: DType::F32,
            scan: false,
        }
    }
}

/// A multi-layer perceptron (`eqx.nn.MLP`): `depth + 1` [`Linear`] layers
/// `in_size -> width_size -> ... -> width_size -> out_size`, with `activation` after each but
/// the last and `final_activation` after the last. `depth == 0` is a single
/// `Linear(in_size, out_size)`.
///
/// Initialisation is Equinox's: `keys = split(key, depth + 1)` and layer `i` is built with
/// `keys[i]`, so the parameters equal Python's for the same key, bit for bit. With
/// [`MlpOptions::scan`] the hidden layers are stacked into one [`Linear`] with a leading layer
/// axis (the same parameters, as Equinox's `jax.vmap` over their keys makes them) and run with
/// [`lax::scan`](crate::lax::scan); the network prints `scan=true` then, as Equinox does.
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
#[derive(Clone)]
pub struct MLP {
    /// The layers, `depth + 1` of them.
    pub layers: Vec<Linear>,
    /// The activation after each layer but the last.
    pub activation: Activation,
    /// The activation after the last layer (unused when `depth == 0`).
    pub final_activation: Activation,
    /// Whether the hidden layers have biases.
    pub use_bias: bool,
    /// Whether the output layer has a bias.
    pub use_final_bias: bool,
    /// The input size.
    pub in_size: Features,
    /// The output size.
    pub out_size: Features,
    /// The width of the hidden layers.
    pub width_size: usize,
    /// The number of hidden layers (so `depth + 1` layers).
    pub depth: usize,
    /// Whether the hidden layers are stacked into one and scanned over (see
    /// [`MlpOptions::scan`]); then `layers` is `[input, stacked hidden, output]` when
    /// `depth > 0`.
    pub scan: bool,
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
            scan,
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
            let hidden: Vec<Linear> = (1..depth)
                .map(|_| Linear::with_options(width, width, use_bias, dtype, next_key()))
                .collect();
            if scan {
                layers.push(stack_layers(&hidden, width_size, use_bias, dtype));
            } else {
                layers.extend(hidden);
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
            scan,
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
        let x = if self.scan {
            let [input, stacked] = hidden else {
                panic!(
                    "nn::MLP: a scan MLP holds [input, stacked hidden, output] layers, got {}",
                    self.layers.len()
                );
            };
            let x = (self.activation)(&input.forward(x));
            let (x, ()) = lax::scan_with_options(
                |x: &Array, layer: &Linear| ((self.activation)(&layer.forward(x)), ()),
                &x,
                stacked,
                lax::ScanOptions {
                    length: Some(self.depth - 1),
                    ..Default::default()
                },
            );
            x
        } else {
            hidden
                .iter()
                .fold(x.clone(), |x, layer| (self.activation)(&layer.forward(&x)))
        };
        (self.final_activation)(&last.forward(&x))
    }
}

/// The `width -> width` layers as one `Linear` whose parameters have a leading layer axis
/// (what Equinox's `jax.vmap` of the layer constructor over the keys gives).
fn stack_layers(hidden: &[Linear], width: usize, use_bias: bool, dtype: DType) -> Linear {
    let n = hidden.len();
    let stack = |params: Vec<&Array>, shape: &[usize]| {
        if params.is_empty() {
            let mut empty = vec![0];
            empty.extend_from_slice(shape);
            jnp::zeros_dtype(empty, dtype)
        } else {
            jnp::stack(&params, 0)
        }
    };
    let weight = stack(hidden.iter().map(|l| &l.weight).collect(), &[width, width]);
    let bias = use_bias.then(|| {
        stack(
            hidden.iter().filter_map(|l| l.bias.as_ref()).collect(),
            &[width],
        )
    });
    debug_assert_eq!(weight.shape()[0], n);
    Linear {
        weight,
        bias,
        in_features: Features::Size(width),
        out_features: Features::Size(width),
        use_bias,
    }
}

const FIELD_NAMES: [&str; 10] = [
    "layers",
    "activation",
    "final_activation",
    "use_bias",
    "use_final_bias",
    "in_size",
    "out_size",
    "width_size",
    "depth",
    "scan",
];

// Written out rather than derived for one reason: Equinox's printing leaves out `scan` when it
// has its default value `False` (a dataclass field with a default), which the derive cannot
// express. The leaves are those of `layers`; every other field is static.
impl PyTree for MLP {
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        self.layers.visit_leaves(f);
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &'a Array),
    ) {
        path.with(PathKey::Field("layers"), |path| {
            self.layers.visit_leaves_with_path(path, f)
        });
    }

    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        MLP {
            layers: self.layers.map_leaves(f),
            ..self.without_layers()
        }
    }

    fn map_leaves_with_path(
        &self,
        path: &mut KeyPath,
        f: &mut impl FnMut(&KeyPath, &Array) -> Array,
    ) -> Self {
        MLP {
            layers: path.with(PathKey::Field("layers"), |path| {
                self.layers.map_leaves_with_path(path, f)
            }),
            ..self.without_layers()
        }
    }

    fn hash_static<H: Hasher>(&self, state: &mut H) {
        self.layers.hash_static(state);
        self.activation.hash_static(state);
        self.final_activation.hash_static(state);
        static_hash(&self.statics(), state);
    }

    fn static_diff(&self, other: &Self) -> Option<Difference> {
        if let Some(d) = self.layers.static_diff(&other.layers) {
            return Some(d.at(PathKey::Field("layers")));
        }
        if let Some(d) = self.activation.static_diff(&other.activation) {
            return Some(d.at(PathKey::Field("activation")));
        }
        if let Some(d) = self.final_activation.static_diff(&other.final_activation) {
            return Some(d.at(PathKey::Field("final_activation")));
        }
        let (a, b) = (self.statics(), other.statics());
        let named = [
            static_value_diff(&a.0, &b.0),
            static_value_diff(&a.1, &b.1),
            static_value_diff(&a.2, &b.2),
            static_value_diff(&a.3, &b.3),
            static_value_diff(&a.4, &b.4),
            static_value_diff(&a.5, &b.5),
            static_value_diff(&a.6, &b.6),
        ];
        named
            .into_iter()
            .zip(&FIELD_NAMES[3..])
            .find_map(|(d, &name)| d.map(|d| d.at(PathKey::Field(name))))
    }

    fn pdoc(&self, opts: &PrettyOptions) -> Doc {
        let mut fields = vec![
            named("layers", self.layers.pdoc(opts)),
            named("activation", self.activation.pdoc(opts)),
            named("final_activation", self.final_activation.pdoc(opts)),
            named("use_bias", static_pdoc(&self.use_bias)),
            named("use_final_bias", static_pdoc(&self.use_final_bias)),
            named("in_size", static_pdoc(&self.in_size)),
            named("out_size", static_pdoc(&self.out_size)),
            named("width_size", static_pdoc(&self.width_size)),
            named("depth", static_pdoc(&self.depth)),
        ];
        if self.scan {
            fields.push(named("scan", static_pdoc(&self.scan)));
        }
        named_fields("MLP", fields, opts)
    }
}

impl MLP {
    /// The static fields, for hashing and comparing.
    fn statics(&self) -> (bool, bool, Features, Features, usize, usize, bool) {
        (
            self.use_bias,
            self.use_final_bias,
            self.in_size,
            self.out_size,
            self.width_size,
            self.depth,
            self.scan,
        )
    }

    /// A copy with no layers, to fill in the rest of a rebuilt network.
    fn without_layers(&self) -> MLP {
        MLP {
            layers: Vec::new(),
            ..*self
        }
    }
}

impl fmt::Debug for MLP {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&tree_pformat(self))
    }
}

impl Layer for MLP {
    fn forward(&self, x: &Array) -> Array {
        MLP::forward(self, x)
    }
}
