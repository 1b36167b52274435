//! `eqx.nn.Sequential`.

use super::Layer;
use crate::{Array, Module};
use std::ops::{Index, RangeBounds};

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
/// Not yet covered: Equinox passes a split `key` to each layer and threads a `State` through
/// stateful layers; these layers need neither, and the [`Layer`] trait will grow with the
/// layers that do (dropout, batch norm).
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
