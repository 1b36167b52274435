//! The `jax.nn` functions: activations, `softmax`/`log_softmax`/`logsumexp`, `one_hot`,
//! `standardize`, `dot_product_attention`, and the [`initializers`]. One file per concept.
//!
//! Everything is written with the numpy-level functions and [`crate::prims::bind`], following
//! the operation order of JAX 0.10.2 (see each function's formula), so results agree with JAX
//! to float32 rounding and every transformation will apply unchanged. Where JAX calls
//! `lax.stop_gradient` (the running maximum in the softmax family and `logsumexp`), so do we.
//!
//! Rust has no default arguments, so a function with optional parameters comes in two forms:
//! the JAX default (`elu(x)`, `gelu(x)`, `leaky_relu(x)`) and a `_with` form taking them
//! (`elu_with(x, alpha)`, `gelu_with(x, approximate)`, `leaky_relu_with(x, slope)`).
//! Integer inputs to the functions that need floats are converted to float32 first, as the
//! `jnp` float functions do.
//!
//! ```
//! use equinox_core::{nn, Array};
//! let x = Array::from_vec(vec![-1.0f32, 0.0, 2.0], [3]);
//! assert_eq!(nn::relu(&x).to_vec::<f32>(), vec![0.0, 0.0, 2.0]);
//! let p = x.softmax(-1);
//! assert!((p.sum(None).item::<f32>() - 1.0).abs() < 1e-6);
//! ```

mod activations;
mod attention;
mod blockwise_attention;
mod compiled;
mod glu;
pub mod initializers;
mod logsumexp;
mod one_hot;
mod softmax;
mod standardize;

pub use activations::*;
pub use attention::{
    dot_product_attention, dot_product_attention_with_options, AttentionOptions, Implementation,
};
pub use glu::glu;
pub use logsumexp::{logmeanexp, logsumexp};
pub use one_hot::{one_hot, one_hot_with};
pub use softmax::{log_softmax, softmax};
pub use standardize::standardize;

use crate::array::Array;
use crate::numpy::Axes;
use crate::prims::bind1;
use crate::prims::reduce::{ReduceKind, ReduceOp};

/// `v` as a strongly typed 0-d array of `x`'s dtype: JAX's `np.float32(v)`-style constants
/// (`np.sqrt(2 / np.pi).astype(x.dtype)`), rounded once from f64.
fn typed_scalar(x: &Array, v: f64) -> Array {
    Array::scalar(v).astype(x.dtype())
}

/// `jnp.max(x, axes, initial=-inf, keepdims=...)`: the reduction, then `max(-inf, m)` as in
/// JAX's jaxpr. With the `-inf` initial value an empty reduction is allowed and gives `-inf`.
fn max_with_neg_inf_initial(x: &Array, axes: &Axes, keepdims: bool, op: &str) -> Array {
    let dims = axes.resolve(x.ndim(), op);
    let m = bind1(
        ReduceOp::Reduce {
            kind: ReduceKind::Max,
            axes: dims.clone(),
        },
        &[x],
    );
    let m = crate::numpy::maximum(&Array::weak_scalar(f64::NEG_INFINITY), &m);
    if keepdims {
        keep_dims(&m, x.shape(), &dims)
    } else {
        m
    }
}

/// Reshapes a reduction's result so the reduced `dims` of `input_shape` come back as size 1.
fn keep_dims(reduced: &Array, input_shape: &[usize], dims: &[usize]) -> Array {
    let shape: Vec<usize> = input_shape
        .iter()
        .enumerate()
        .map(|(i, &s)| if dims.contains(&i) { 1 } else { s })
        .collect();
    reduced.reshape(shape)
}

/// Integer and bool inputs become float32 (what `jnp.exp(int_array)` does); floats pass
/// through.
fn to_inexact(x: &Array) -> Array {
    if x.dtype().is_float() {
        x.clone()
    } else {
        x.astype(crate::DType::F32)
    }
}
