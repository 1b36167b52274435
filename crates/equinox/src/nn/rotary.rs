//! `eqx.nn.RotaryPositionalEmbedding`.

use super::Layer;
use crate::numpy as jnp;
use crate::{Array, DType, Module};

/// The optional settings of a [`RotaryPositionalEmbedding`], with Equinox's defaults from
/// [`Default`]: `theta = 10_000`, float32 tables.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RotaryPositionalEmbeddingOptions {
    /// The base of the frequencies: position `t` of pair `k` is rotated by
    /// `t / theta^(2k / embedding_size)`.
    pub theta: f64,
    /// The dtype of the cosine and sine tables.
    pub dtype: DType,
}

impl Default for RotaryPositionalEmbeddingOptions {
    fn default() -> RotaryPositionalEmbeddingOptions {
        RotaryPositionalEmbeddingOptions {
            theta: 10_000.0,
            dtype: DType::F32,
        }
    }
}

/// Rotary positional embedding (RoFormer; `eqx.nn.RotaryPositionalEmbedding`): rotates each
/// row of a `(seq_len, embedding_size)` array by angles proportional to its position.
///
/// Equinox's formula and layout: with `d = embedding_size / 2`,
/// `freqs[k] = 1 / theta^(2k / embedding_size)` for `k < d`, the angles
/// `outer(arange(seq_len), freqs)` and their cosines and sines tiled to `(seq_len,
/// embedding_size)`, the result is `x * cos + rotate_half(x) * sin` with
/// `rotate_half(x) = concat([-x[:, d:], x[:, :d]])`: element `j` is paired with `j + d` (the
/// "half-split" convention, not adjacent pairs). The result has `x`'s dtype.
///
/// As in Equinox, the tables are computed in the default float type (float32) and cast to the
/// layer's dtype, except that float64 tables are computed in float64 (what Equinox does with
/// `jax_enable_x64`). Equinox caches the tables under `(embedding_size, dtype)` only, so a
/// second layer with another `theta` reuses the first one's tables; this port computes each
/// layer's own.
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, numpy as jnp, Array};
///
/// let rope = nn::RotaryPositionalEmbedding::new(4);
/// let x = jnp::arange(12.0).reshape([3, 4]);
/// let y = rope.forward(&x);
/// // Position 0 is not rotated.
/// assert_eq!(y.to_vec::<f32>()[..4], [0.0, 1.0, 2.0, 3.0]);
/// // Position 1, pair (x[0], x[2]) = (4, 6), rotated by 1 radian:
/// // eqx.nn.RotaryPositionalEmbedding(4)(jnp.arange(12.0).reshape(3, 4))[1, 0]
/// assert!((y.to_vec::<f32>()[4] - -2.8876166).abs() < 1e-6);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct RotaryPositionalEmbedding {
    /// The size of each row; even.
    #[module(static)]
    pub embedding_size: usize,
    /// The base of the frequencies.
    pub theta: f64,
    /// The dtype of the cosine and sine tables.
    #[module(static)]
    pub dtype: DType,
}

impl RotaryPositionalEmbedding {
    /// `eqx.nn.RotaryPositionalEmbedding(embedding_size)`: `theta = 10_000`, float32 tables.
    /// Panics unless `embedding_size` is even.
    pub fn new(embedding_size: usize) -> RotaryPositionalEmbedding {
        RotaryPositionalEmbedding::with_options(embedding_size, Default::default())
    }

    /// `eqx.nn.RotaryPositionalEmbedding(embedding_size, theta, dtype)`, the settings in
    /// `options`. Panics, as Equinox raises, unless `embedding_size` is even, or if the dtype
    /// is not a float type.
    pub fn with_options(
        embedding_size: usize,
        options: RotaryPositionalEmbeddingOptions,
    ) -> RotaryPositionalEmbedding {
        if !embedding_size.is_multiple_of(2) {
            panic!(
                "nn::RotaryPositionalEmbedding: embedding_size must be even, got {embedding_size}"
            );
        }
        let RotaryPositionalEmbeddingOptions { theta, dtype } = options;
        if !dtype.is_float() {
            panic!(
                "nn::RotaryPositionalEmbedding: the tables need a floating dtype, got {dtype:?}"
            );
        }
        RotaryPositionalEmbedding {
            embedding_size,
            theta,
            dtype,
        }
    }

    /// The cosine and sine tables, each `(seq_len, embedding_size / 2)` in the layer's dtype:
    /// Equinox's `precompute_freqs_cis`, step for step in the same float type.
    pub fn tables(&self, seq_len: usize) -> (Array, Array) {
        let compute = if self.dtype == DType::F64 {
            DType::F64
        } else {
            DType::F32
        };
        let size = self.embedding_size as f64;
        let exponents = jnp::arange_step(0.0, size, 2.0).astype(compute) / size;
        let theta = Array::scalar(self.theta).astype(compute);
        let freqs = Array::weak_scalar(1.0) / jnp::power(&theta, &exponents);
        let t = jnp::arange(seq_len as f64).astype(compute);
        let angles = jnp::outer(&t, &freqs);
        (
            angles.cos().astype(self.dtype),
            angles.sin().astype(self.dtype),
        )
    }

    /// Rotates `x`, of shape `(seq_len, embedding_size)`; the result has `x`'s shape and dtype.
    /// Panics on any other shape (for several heads, map over the head axis with `vmap`).
    pub fn forward(&self, x: &Array) -> Array {
        let n = self.embedding_size;
        let &[seq_len, size] = x.shape() else {
            panic!(
                "nn::RotaryPositionalEmbedding: expected x of shape (seq_len, {n}), got {}",
                x.aval()
            );
        };
        if size != n {
            panic!(
                "nn::RotaryPositionalEmbedding: expected x of shape (seq_len, {n}), got {}",
                x.aval()
            );
        }
        let (cos, sin) = self.tables(seq_len);
        let (cos, sin) = (jnp::tile(&cos, &[1, 2]), jnp::tile(&sin, &[1, 2]));
        let halves = jnp::split(x, 2, 1);
        let rotated = jnp::concatenate(&[&-&halves[1], &halves[0]], 1);
        (&(x * &cos) + &(&rotated * &sin)).astype(x.dtype())
    }
}

impl Layer for RotaryPositionalEmbedding {
    fn forward(&self, x: &Array) -> Array {
        RotaryPositionalEmbedding::forward(self, x)
    }
}
