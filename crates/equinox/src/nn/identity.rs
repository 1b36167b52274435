//! `eqx.nn.Identity` and the identity function.

use super::Layer;
use crate::{Array, Module};

/// The layer that returns its input (`eqx.nn.Identity`), e.g. as a placeholder for another
/// layer. It has no parameters and prints as `Identity()`.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, numpy as jnp};
/// let x = jnp::arange(3.0);
/// assert_eq!(nn::Identity.forward(&x).to_vec::<f32>(), vec![0.0, 1.0, 2.0]);
/// assert_eq!(format!("{:?}", nn::Identity), "Identity()");
/// ```
#[derive(Module, Clone, Copy, Default)]
#[module(debug)]
pub struct Identity;

impl Identity {
    /// The identity layer (Equinox's `Identity(*args, **kwargs)` ignores its arguments; this
    /// takes none). `Identity` itself is also a value.
    pub fn new() -> Identity {
        Identity
    }

    /// Returns `x` unchanged (a cheap clone sharing its buffer).
    pub fn forward(&self, x: &Array) -> Array {
        x.clone()
    }
}

impl Layer for Identity {
    fn forward(&self, x: &Array) -> Array {
        Identity::forward(self, x)
    }
}

/// The identity function as an [`Activation`](super::Activation): the default
/// `final_activation` of [`MLP`](super::MLP) (Equinox's `lambda x: x`).
pub fn identity(x: &Array) -> Array {
    x.clone()
}
