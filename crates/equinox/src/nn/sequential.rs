//! `eqx.nn.Sequential`.

use super::{
    AdaptivePool, Conv, ConvTranspose, Dropout, Embedding, GroupNorm, Identity, Lambda, Layer,
    LayerNorm, Linear, PReLU, Pool, RMSNorm, State, MLP,
};
use crate::random::{self, Key};
use crate::{Array, Module};
use std::ops::{Index, RangeBounds};

/// A layer as [`Sequential`] calls it in general: with a [`State`] to read and update and an
/// optional random key (Equinox's `layer(x, state=state, key=key)`; `eqx.nn.StatefulLayer` is the
/// base class of the layers that take a state).
///
/// Every layer of this crate implements it: those without state pass the state through
/// unchanged and report `is_stateful() == false`; those without randomness ignore the key. Put
/// layers of different types in one [`Sequential`] with [`layer_enum!`](crate::nn::layer_enum),
/// which implements this trait for an enum of them.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, StatefulLayer};
/// use eqx::{numpy as jnp, random::Key, Array, Module};
///
/// // A layer that adds noise when given a key.
/// #[derive(Module, Clone)]
/// struct Noise;
///
/// impl StatefulLayer for Noise {
///     fn is_stateful(&self) -> bool {
///         false
///     }
///     fn call(&self, x: &Array, state: nn::State, key: Option<Key>) -> (Array, nn::State) {
///         match key {
///             Some(k) => (x + &eqx::random::normal(k, x.shape(), x.dtype()), state),
///             None => (x.clone(), state),
///         }
///     }
/// }
///
/// let x = jnp::zeros([3]);
/// let (y, _) = Noise.call(&x, nn::State::default(), None);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0; 3]);
/// ```
pub trait StatefulLayer {
    /// Whether the layer uses the state (`StatefulLayer.is_stateful()`); `true` unless
    /// overridden. A [`Sequential`] is stateful when one of its layers is.
    fn is_stateful(&self) -> bool {
        true
    }

    /// Applies the layer to one example, returning the output and the updated state.
    fn call(&self, x: &Array, state: State, key: Option<Key>) -> (Array, State);
}

/// Implements [`StatefulLayer`] for layers without state or randomness, through their
/// `forward`.
macro_rules! stateless {
    ($($t:ty),*) => {$(
        impl StatefulLayer for $t {
            fn is_stateful(&self) -> bool {
                false
            }
            fn call(&self, x: &Array, state: State, _key: Option<Key>) -> (Array, State) {
                (self.forward(x), state)
            }
        }
    )*};
}

stateless!(
    Linear,
    Lambda,
    Identity,
    MLP,
    Conv,
    ConvTranspose,
    Pool,
    AdaptivePool,
    LayerNorm,
    GroupNorm,
    RMSNorm,
    Embedding,
    PReLU
);

/// Dropout takes the key (`Sequential` gives it its own split of the sequence's key) and no
/// state.
impl StatefulLayer for Dropout {
    fn is_stateful(&self) -> bool {
        false
    }

    fn call(&self, x: &Array, state: State, key: Option<Key>) -> (Array, State) {
        (self.forward(x, key), state)
    }
}

/// Layers applied one after another (`eqx.nn.Sequential`): `forward(x)` is
/// `layers[n-1](...layers[0](x))`, on one example.
///
/// A `Vec` holds one type, so `Sequential<L>` is generic over the layer type `L`, which must
/// implement [`Layer`] to be called. For layers of one kind use it directly
/// (`Sequential<Linear>`); for a mix, derive [`Module`](derive@crate::Module) on an enum with
/// one variant per layer type and implement [`Layer`] for it with a `match` (the crate-level
/// "Heterogeneous layers" pattern):
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, Layer};
/// use eqx::{random, tree, Array, Module};
///
/// #[derive(Module, Clone)]
/// #[module(transparent, debug)]
/// enum AnyLayer {
///     Linear(nn::Linear),
///     Lambda(nn::Lambda),
/// }
///
/// impl Layer for AnyLayer {
///     fn forward(&self, x: &Array) -> Array {
///         match self {
///             AnyLayer::Linear(l) => l.forward(x),
///             AnyLayer::Lambda(l) => l.forward(x),
///         }
///     }
/// }
///
/// let [k1, k2] = random::split_into(random::key(0));
/// let model = nn::Sequential::new([
///     AnyLayer::Linear(nn::Linear::new(4, 8, k1)),
///     AnyLayer::Lambda(nn::Lambda::new(nn::relu)),
///     AnyLayer::Linear(nn::Linear::new(8, 2, k2)),
/// ]);
/// let y = model.forward(&Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]));
/// assert_eq!(y.shape(), &[2]);
/// let paths: Vec<String> = tree::leaves_with_path(&model).iter().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(paths, ["layers[0].weight", "layers[0].bias", "layers[2].weight", "layers[2].bias"]);
/// assert_eq!(model.slice(1..).len(), 2);
/// ```
///
/// Layers that take a [`State`] or a key (batch norm, dropout) are called through
/// [`StatefulLayer`]: [`call`](Sequential::call) threads the state through the layers and gives
/// each its own key, `split(key, len)`, as Equinox's `Sequential.__call__(x, state, key=key)`
/// does. [`layer_enum!`](crate::nn::layer_enum) builds the enum of such layers:
///
/// ```
/// use equinox as eqx;
/// use eqx::transforms::{AxisSpec, VmapSpec};
/// use eqx::{nn, random, Array};
///
/// nn::layer_enum! {
///     #[derive(Clone)]
///     enum Block { Linear(nn::Linear), BatchNorm(nn::BatchNorm), Lambda(nn::Lambda) }
/// }
///
/// let opts = nn::BatchNormOptions { mode: nn::BatchNormMode::Batch, ..Default::default() };
/// let (model, state) = nn::make_with_state(nn::Sequential::new([
///     Block::from(nn::Linear::new(3, 4, random::key(0))),
///     Block::from(nn::BatchNorm::with_options(4, "batch", opts)),
///     Block::from(nn::Lambda::new(nn::relu)),
/// ]));
/// assert!(nn::StatefulLayer::is_stateful(&model));
/// assert_eq!(state.markers().collect::<Vec<_>>(), [
///     "Sequential.layers[1].batch_counter",
///     "Sequential.layers[1].batch_state_index",
/// ]);
/// let spec = VmapSpec::default()
///     .axis_name("batch")
///     .in_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
///     .out_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]));
/// let step = eqx::filter_vmap_with(|x: &Array, s: &nn::State| model.call(x, s.clone(), None), spec);
/// let (ys, state) = step(&eqx::numpy::ones([5, 3]), &state);
/// assert_eq!(ys.shape(), &[5, 4]);
/// assert_eq!(eqx::tree::leaves(&state)[0].item::<i32>(), 1); // the batch counter
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Sequential<L> {
    /// The layers, in the order they are applied.
    pub layers: Vec<L>,
}

impl<L> Sequential<L> {
    /// The sequence of `layers` (`eqx.nn.Sequential(layers)`).
    pub fn new(layers: impl IntoIterator<Item = L>) -> Sequential<L> {
        Sequential {
            layers: layers.into_iter().collect(),
        }
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers (then `forward` is the identity).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layers in order.
    pub fn iter(&self) -> std::slice::Iter<'_, L> {
        self.layers.iter()
    }

    /// A new `Sequential` of the layers in `range` (Python's `seq[a:b]`).
    ///
    /// Panics if the range is out of bounds.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Sequential<L>
    where
        L: Clone,
    {
        let range = (range.start_bound().cloned(), range.end_bound().cloned());
        Sequential {
            layers: self.layers[range].to_vec(),
        }
    }
}

impl<L: Layer> Sequential<L> {
    /// Applies the layers in order to one example.
    pub fn forward(&self, x: &Array) -> Array {
        self.layers
            .iter()
            .fold(x.clone(), |x, layer| layer.forward(&x))
    }
}

impl<L: StatefulLayer> Sequential<L> {
    /// `seq(x, state, key=key)`: applies the layers in order, threading `state` through them;
    /// with a key, layer `i` gets the `i`-th key of `split(key, len)`, as in Equinox.
    pub fn call(&self, x: &Array, state: State, key: Option<Key>) -> (Array, State) {
        let mut keys = key.map(|k| random::split_vec(k, self.layers.len()).into_iter());
        self.layers
            .iter()
            .fold((x.clone(), state), |(x, state), layer| {
                let key = keys
                    .as_mut()
                    .map(|ks| ks.next().expect("one key per layer"));
                layer.call(&x, state, key)
            })
    }

    /// `seq(x, key=key)`: [`call`](Sequential::call) without a state, for layers that take
    /// only keys (dropout). A stateful layer in the sequence panics, finding no entry.
    pub fn forward_with_key(&self, x: &Array, key: Option<Key>) -> Array {
        self.call(x, State::default(), key).0
    }
}

impl<L: StatefulLayer> StatefulLayer for Sequential<L> {
    fn is_stateful(&self) -> bool {
        self.layers.iter().any(|l| l.is_stateful())
    }

    fn call(&self, x: &Array, state: State, key: Option<Key>) -> (Array, State) {
        Sequential::call(self, x, state, key)
    }
}

impl<L: Layer> Layer for Sequential<L> {
    fn forward(&self, x: &Array) -> Array {
        Sequential::forward(self, x)
    }
}

/// `seq[i]`: the `i`-th layer.
impl<L> Index<usize> for Sequential<L> {
    type Output = L;

    fn index(&self, i: usize) -> &L {
        &self.layers[i]
    }
}

impl<'a, L> IntoIterator for &'a Sequential<L> {
    type Item = &'a L;
    type IntoIter = std::slice::Iter<'a, L>;

    fn into_iter(self) -> Self::IntoIter {
        self.layers.iter()
    }
}

impl<L> FromIterator<L> for Sequential<L> {
    fn from_iter<I: IntoIterator<Item = L>>(layers: I) -> Sequential<L> {
        Sequential::new(layers)
    }
}

/// Declares an enum of layer types for a heterogeneous [`Sequential`]: the enum derives
/// [`Module`](derive@crate::Module) (transparently, so leaf paths are `layers[1].weight` as in
/// Equinox), implements [`StatefulLayer`] by dispatching to the variant, and `From` each layer
/// type (so give each variant a different type). Attributes written before `enum` (such as
/// `#[derive(Clone)]`) are kept.
///
/// This keeps the sequence one typed PyTree: `jit`, `grad`, `vmap`, `tree_at` and
/// serialisation see every layer's leaves, in Equinox's order.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, tree, numpy as jnp};
///
/// eqx::nn::layer_enum! {
///     #[derive(Clone)]
///     pub enum Layer { Linear(nn::Linear), Lambda(nn::Lambda) }
/// }
///
/// let seq = nn::Sequential::new([
///     Layer::from(nn::Linear::new(2, 2, random::key(0))),
///     Layer::from(nn::Lambda::new(nn::relu)),
/// ]);
/// let (y, _) = seq.call(&jnp::ones([2]), nn::State::default(), None);
/// assert!(y.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// let paths: Vec<String> = tree::leaves_with_path(&seq).iter().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(paths, ["layers[0].weight", "layers[0].bias"]);
/// ```
#[macro_export]
macro_rules! layer_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($variant:ident($ty:ty)),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive($crate::Module)]
        #[module(transparent, debug)]
        $vis enum $name { $($variant($ty)),+ }

        impl $crate::nn::StatefulLayer for $name {
            fn is_stateful(&self) -> bool {
                match self {
                    $($name::$variant(l) => $crate::nn::StatefulLayer::is_stateful(l)),+
                }
            }

            fn call(
                &self,
                x: &$crate::Array,
                state: $crate::nn::State,
                key: ::std::option::Option<$crate::random::Key>,
            ) -> ($crate::Array, $crate::nn::State) {
                match self {
                    $($name::$variant(l) => $crate::nn::StatefulLayer::call(l, x, state, key)),+
                }
            }
        }

        $(
            impl ::std::convert::From<$ty> for $name {
                fn from(layer: $ty) -> $name {
                    $name::$variant(layer)
                }
            }
        )+
    };
}
