//! `eqx.nn.Lambda`.

use super::{Activation, Layer};
use crate::{Array, Module};

/// Wraps a function as a layer (`eqx.nn.Lambda`), typically an activation inside a
/// [`Sequential`](super::Sequential).
///
/// The function is a plain `fn(&Array) -> Array` pointer ([`Activation`]): `nn::relu`,
/// `nn::tanh`, a `fn` item, or a closure that captures nothing. It is static structure (no
/// leaves), compared by address. Equinox also accepts a module here (a callable PyTree); in
/// Rust, put such a layer in the `Sequential` directly.
///
/// The field is named `fn` as in Equinox, which Rust spells `r#fn`; build it with
/// [`Lambda::new`].
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array};
/// let relu = nn::Lambda::new(nn::relu);
/// let x = Array::from_vec(vec![-1.0f32, 2.0], [2]);
/// assert_eq!(relu.forward(&x).to_vec::<f32>(), vec![0.0, 2.0]);
/// assert_eq!(format!("{relu:?}"), "Lambda(fn=<function>)");
/// let square = nn::Lambda::new(|x| x * x);
/// assert_eq!(square.forward(&x).to_vec::<f32>(), vec![1.0, 4.0]);
/// ```
#[derive(Module, Clone, Copy)]
#[module(debug)]
pub struct Lambda {
    /// The wrapped function.
    pub r#fn: Activation,
}

impl Lambda {
    /// Wraps `f`.
    pub fn new(f: Activation) -> Lambda {
        Lambda { r#fn: f }
    }

    /// `f(x)`.
    pub fn forward(&self, x: &Array) -> Array {
        (self.r#fn)(x)
    }
}

impl Layer for Lambda {
    fn forward(&self, x: &Array) -> Array {
        Lambda::forward(self, x)
    }
}
