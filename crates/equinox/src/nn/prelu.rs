//! `eqx.nn.PReLU`.

use super::Layer;
use crate::numpy as jnp;
use crate::{Array, Module};

/// A parametric ReLU (`eqx.nn.PReLU`): `x` where `x >= 0`, `negative_slope * x` elsewhere,
/// with a learnable `negative_slope` (a leaky ReLU whose leak is learnt).
///
/// The slope is a scalar or an array that broadcasts against the input (one slope per
/// channel, say). As in Equinox the scalar slope is a weakly typed float32, so a float16 input
/// gives a float16 output.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array};
///
/// let prelu = nn::PReLU::new(); // slope 0.25
/// let y = prelu.forward(&Array::from_vec(vec![-4.0f32, 0.0, 3.0], [3]));
/// assert_eq!(y.to_vec::<f32>(), vec![-1.0, 0.0, 3.0]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct PReLU {
    /// The slope for negative inputs.
    pub negative_slope: Array,
}

impl Default for PReLU {
    fn default() -> PReLU {
        PReLU::new()
    }
}

impl PReLU {
    /// `eqx.nn.PReLU()`: slope 0.25.
    pub fn new() -> PReLU {
        PReLU::with_alpha(0.25)
    }

    /// `eqx.nn.PReLU(init_alpha)` with a number: a 0-d weakly typed float32 slope, as
    /// `jnp.asarray(init_alpha)` makes.
    pub fn with_alpha(init_alpha: f64) -> PReLU {
        PReLU {
            negative_slope: Array::weak_scalar(init_alpha as f32),
        }
    }

    /// `eqx.nn.PReLU(init_alpha)` with an array of slopes, which must broadcast against the
    /// inputs.
    pub fn with_slopes(init_alpha: Array) -> PReLU {
        PReLU {
            negative_slope: init_alpha,
        }
    }

    /// `where(x >= 0, x, negative_slope * x)`, with numpy's broadcasting and type promotion.
    pub fn forward(&self, x: &Array) -> Array {
        let zero = Array::weak_scalar(0i32);
        jnp::where_(
            &jnp::greater_equal(x, &zero),
            x,
            &(&self.negative_slope * x),
        )
    }
}

impl Layer for PReLU {
    fn forward(&self, x: &Array) -> Array {
        PReLU::forward(self, x)
    }
}
