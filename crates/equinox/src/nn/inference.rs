//! `eqx.nn.inference_mode`: switching every layer of a model between training and inference.

use crate::tree::PathKey;
use crate::{Array, DType, Module};

/// `eqx.nn.inference_mode(model, value)`: a copy of `model` in which every leaf stored in a field
/// called `inference` is set to `value`.
///
/// Layers whose behaviour differs between training and inference (dropout, batch
/// normalisation) keep the flag as a 0-d boolean array field named `inference`, as Equinox keeps
/// it as a field (and writes it into `.eqx` files); this function finds those fields through
/// the leaves' paths, at any depth, so it works for any model built from such layers.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Noisy { scale: Array, inference: Array }
/// #[derive(Module, Clone)]
/// struct Model { blocks: Vec<Noisy> }
///
/// let m = Model { blocks: vec![Noisy { scale: Array::scalar(1.0f32), inference: Array::scalar(false) }; 2] };
/// let m = nn::inference_mode(&m, true);
/// assert!(m.blocks.iter().all(|b| b.inference.item::<bool>()));
/// assert_eq!(m.blocks[0].scale.item::<f32>(), 1.0);
/// ```
pub fn inference_mode<T: Module>(model: &T, value: bool) -> T {
    crate::tree::map_with_path(model, |path, leaf| {
        let is_flag = matches!(path.keys().last(), Some(PathKey::Field("inference")));
        if !is_flag {
            return leaf.clone();
        }
        if leaf.dtype() != DType::Bool || leaf.ndim() != 0 {
            panic!(
                "inference_mode: the `inference` field at `{path}` is {}; it must be a 0-d bool array",
                leaf.aval()
            );
        }
        Array::scalar(value)
    })
}
