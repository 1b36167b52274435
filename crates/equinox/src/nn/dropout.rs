//! `eqx.nn.Dropout`.

use super::Layer;
use crate::numpy as jnp;
use crate::random::{self, Key};
use crate::{Array, DType, Module};

/// Dropout (`eqx.nn.Dropout`): in training, sets each element to zero with probability `p`
/// and divides the others by `1 - p`; in inference mode, the identity.
///
/// As in Equinox the mode is the field `inference`, which
/// [`inference_mode`](super::inference_mode) switches for a whole model, and a call can
/// override it ([`Dropout::forward_with_inference`]). Training needs a key per call; the same
/// key drops the same elements as Equinox: the mask is `jax.random.bernoulli(key, 1 - p,
/// x.shape)`, that is `uniform(key, x.shape) < 1 - p` with `1 - p` in float32 (in float64 for a
/// float64 input, which in JAX needs x64 mode, where the draw is in float64 too).
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, numpy as jnp, random};
///
/// let dropout = nn::Dropout::new(); // p = 0.5
/// let x = jnp::ones([1000]);
/// let y = dropout.forward(&x, Some(random::key(0))).to_vec::<f32>();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
/// let kept = y.iter().filter(|&&v| v == 2.0).count();
/// assert!((400..600).contains(&kept));
///
/// // In inference mode no key is needed and nothing is dropped.
/// let eval = nn::inference_mode(&dropout, true);
/// assert_eq!(eval.forward(&x, None).to_vec::<f32>(), vec![1.0; 1000]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Dropout {
    /// The probability of dropping each element.
    pub p: f64,
    /// Whether the layer is in inference mode (the identity): a 0-d bool array, so that
    /// [`inference_mode`](super::inference_mode) finds and sets it.
    pub inference: Array,
}

impl Default for Dropout {
    fn default() -> Dropout {
        Dropout::new()
    }
}

impl Dropout {
    /// `eqx.nn.Dropout()`: `p = 0.5`, training mode.
    pub fn new() -> Dropout {
        Dropout::with_options(0.5, false)
    }

    /// `eqx.nn.Dropout(p, inference)`.
    pub fn with_options(p: f64, inference: bool) -> Dropout {
        Dropout {
            p,
            inference: Array::scalar(inference),
        }
    }

    /// `dropout(x, key=key)`: applies dropout with the layer's own mode. `key` may be `None`
    /// in inference mode (and when `p == 0`); otherwise it panics, with Equinox's message.
    pub fn forward(&self, x: &Array, key: Option<Key>) -> Array {
        self.apply(x, key, None)
    }

    /// `dropout(x, key=key, inference=inference)`: `inference` takes priority over the
    /// layer's field.
    pub fn forward_with_inference(&self, x: &Array, key: Option<Key>, inference: bool) -> Array {
        self.apply(x, key, Some(inference))
    }

    fn apply(&self, x: &Array, key: Option<Key>, inference: Option<bool>) -> Array {
        if self.inference.dtype() != DType::Bool || self.inference.ndim() != 0 {
            panic!(
                "nn::Dropout: the `inference` field must be a 0-d bool array, got {}",
                self.inference.aval()
            );
        }
        // The mode is known unless it comes from a traced field (the layer passed through
        // jit or vmap as an argument); then both results are computed and selected.
        let inference = match inference {
            Some(b) => Some(b),
            None if self.inference.is_concrete() => Some(self.inference.item::<bool>()),
            None => None,
        };
        if self.p == 0.0 || inference == Some(true) {
            return x.clone();
        }
        let Some(key) = key else {
            panic!("nn::Dropout: Dropout requires a key when running in non-deterministic mode.");
        };
        let dropped = self.drop(x, key);
        match inference {
            Some(_) => dropped,
            None => jnp::where_(&self.inference, x, &dropped),
        }
    }

    /// `where(bernoulli(key, q, x.shape), x / q, 0)` with `q = 1 - p`.
    fn drop(&self, x: &Array, key: Key) -> Array {
        // `1 - stop_gradient(p)`: `p` becomes a weak float32 (float64 in x64 mode), and the
        // subtraction happens in that precision.
        let (q_dtype, q) = if x.dtype() == DType::F64 {
            (DType::F64, Array::weak_scalar(1.0 - self.p))
        } else {
            (DType::F32, Array::weak_scalar(1.0f32 - self.p as f32))
        };
        let u = random::uniform(key, x.shape().to_vec(), q_dtype, 0.0, 1.0);
        let mask = jnp::less(&u, &q.astype(q_dtype));
        jnp::where_(&mask, &(x / &q), &Array::weak_scalar(0i32))
    }
}

impl Layer for Dropout {
    /// Dropout without a key: only valid in inference mode (or with `p == 0`).
    fn forward(&self, x: &Array) -> Array {
        Dropout::forward(self, x, None)
    }
}
