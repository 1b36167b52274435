//! `eqx.nn.WeightNorm`.

use super::spectral_norm::{field_leaf, with_field_leaf};
use super::{Layer, State, StatefulLayer};
use crate::random::Key;
use crate::{numpy as jnp, Array, Module};

/// Weight normalisation of one parameter of a layer (`eqx.nn.WeightNorm`): the weight is
/// reparameterised as `W = g · v / ‖v‖`, where `v` is the layer's own weight (the direction)
/// and `g` a separate learnt magnitude, initialised to `‖v‖`.
///
/// The norm is taken over every axis except `axis` (default 0, so for a [`Linear`](super::Linear)
/// one norm per output neuron, and `g` has shape `(out, 1)`), or over all axes when `axis` is
/// `None` (`g` then has the weight's rank, all sizes 1). Norms are Equinox's
/// `jnp.linalg.norm(..., keepdims=True)`.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, numpy as jnp};
///
/// let wn = nn::WeightNorm::new(nn::Linear::new(3, 4, random::key(0)));
/// assert_eq!(wn.g.shape(), &[4, 1]);
/// // At initialisation the reparameterised layer is the original one.
/// let x = jnp::ones([3]);
/// let (a, b) = (wn.forward(&x).to_vec::<f32>(), wn.layer.forward(&x).to_vec::<f32>());
/// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct WeightNorm<L> {
    /// The wrapped layer; its weight field holds the direction `v`.
    pub layer: L,
    /// The magnitude, the shape of the weight with size 1 on every normalised axis.
    pub g: Array,
    /// The name of the reparameterised array field of `layer`.
    pub weight_name: &'static str,
    /// The axis the norm is *not* taken over (`None`: a single norm over all axes).
    #[module(static)]
    pub axis: Option<isize>,
}

/// `‖v‖` over every axis except `axis` (all axes for `None`), keeping the reduced axes with
/// size 1 (Equinox's `_norm_except_axis` with `jnp.linalg.norm(keepdims=True)`).
fn norm_except_axis(v: &Array, axis: Option<isize>) -> Array {
    let ndim = v.ndim();
    let kept = axis.map(|a| {
        let n = ndim as isize;
        if a < -n || a >= n {
            panic!("nn::WeightNorm: axis {a} is out of bounds for a weight of rank {ndim}");
        }
        a.rem_euclid(n) as usize
    });
    let reduced: Vec<usize> = (0..ndim).filter(|&i| Some(i) != kept).collect();
    let norm = jnp::sqrt(&(v * v).sum(&reduced[..]));
    let shape: Vec<usize> = (0..ndim)
        .map(|i| if Some(i) == kept { v.shape()[i] } else { 1 })
        .collect();
    norm.reshape(shape)
}

impl<L: Module + Clone + Layer> WeightNorm<L> {
    /// `eqx.nn.WeightNorm(layer)`: the field `weight`, normalised over all axes but 0.
    pub fn new(layer: L) -> WeightNorm<L> {
        WeightNorm::with_options(layer, "weight", Some(0))
    }

    /// `eqx.nn.WeightNorm(layer, weight_name, axis)`.
    ///
    /// Panics if `layer` has no array field `weight_name` or `axis` is out of bounds.
    pub fn with_options(layer: L, weight_name: &'static str, axis: Option<isize>) -> WeightNorm<L> {
        let g = norm_except_axis(&field_leaf(&layer, weight_name, "nn::WeightNorm"), axis);
        WeightNorm {
            layer,
            g,
            weight_name,
            axis,
        }
    }

    /// The wrapped layer with its weight `g · v / ‖v‖` (what `forward` applies).
    pub fn normalised_layer(&self) -> L {
        let v = field_leaf(&self.layer, self.weight_name, "nn::WeightNorm");
        let weight = &(&v * &self.g) / &norm_except_axis(&v, self.axis);
        with_field_leaf(&self.layer, self.weight_name, &weight)
    }

    /// `wn(x)`: the wrapped layer applied with the normalised weight.
    pub fn forward(&self, x: &Array) -> Array {
        self.normalised_layer().forward(x)
    }
}

impl<L: Module + Clone + Layer> Layer for WeightNorm<L> {
    fn forward(&self, x: &Array) -> Array {
        WeightNorm::forward(self, x)
    }
}

impl<L: Module + Clone + Layer> StatefulLayer for WeightNorm<L> {
    fn is_stateful(&self) -> bool {
        false
    }

    fn call(&self, x: &Array, state: State, _key: Option<Key>) -> (Array, State) {
        (WeightNorm::forward(self, x), state)
    }
}
