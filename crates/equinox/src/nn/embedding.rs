//! `eqx.nn.Embedding`.

use crate::random::{self, Key};
use crate::{s, Array, DType, Module};

/// A lookup table of `num_embeddings` vectors of size `embedding_size` (`eqx.nn.Embedding`):
/// a scalar integer index gives its row of the weight.
///
/// Built from sizes, the weight is Equinox's `jax.random.normal(key, (num_embeddings,
/// embedding_size), dtype)`, the same numbers for the same key; or built from a given weight
/// ([`Embedding::from_weight`]).
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, random, vmap, Array};
///
/// let emb = nn::Embedding::new(10, 4, random::key(0));
/// let row = emb.forward(&Array::scalar(3i32));
/// assert_eq!(row.shape(), &[4]);
/// // A sequence of tokens: map over the indices.
/// let tokens = Array::from_vec(vec![1i32, 3, 3], [3]);
/// let rows = vmap(|i: &Array| emb.forward(i))(&tokens);
/// assert_eq!(rows.shape(), &[3, 4]);
/// assert_eq!(rows.to_vec::<f32>()[4..], row.to_vec::<f32>().repeat(2)[..]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Embedding {
    /// The number of rows.
    pub num_embeddings: usize,
    /// The size of each row.
    pub embedding_size: usize,
    /// The table, shape `(num_embeddings, embedding_size)`.
    pub weight: Array,
}

impl Embedding {
    /// `eqx.nn.Embedding(num_embeddings, embedding_size, key=key)`: a float32 table of
    /// standard normal samples.
    pub fn new(num_embeddings: usize, embedding_size: usize, key: Key) -> Embedding {
        Embedding::with_dtype(num_embeddings, embedding_size, DType::F32, key)
    }

    /// `eqx.nn.Embedding(num_embeddings, embedding_size, dtype=dtype, key=key)`. Panics if
    /// `dtype` is not a float type.
    pub fn with_dtype(
        num_embeddings: usize,
        embedding_size: usize,
        dtype: DType,
        key: Key,
    ) -> Embedding {
        if !dtype.is_float() {
            panic!("nn::Embedding: the weight needs a floating dtype, got {dtype:?}");
        }
        Embedding {
            num_embeddings,
            embedding_size,
            weight: random::normal(key, [num_embeddings, embedding_size], dtype),
        }
    }

    /// `eqx.nn.Embedding(weight=weight)`: the given table. Panics, as Equinox raises, unless
    /// `weight` has two dimensions.
    pub fn from_weight(weight: Array) -> Embedding {
        let &[num_embeddings, embedding_size] = weight.shape() else {
            panic!(
                "nn::Embedding: weight must have shape (num_embeddings, embedding_size), got {}",
                weight.aval()
            );
        };
        Embedding {
            num_embeddings,
            embedding_size,
            weight,
        }
    }

    /// The row at index `x`, a scalar integer array (map over several indices with `vmap`).
    /// Negative indices count from the end; out-of-range ones are clamped, as JAX's indexing
    /// does.
    ///
    /// Panics, as Equinox raises, when `x` is not a 0-d integer array.
    pub fn forward(&self, x: &Array) -> Array {
        if x.ndim() != 0 || !x.dtype().is_integer() {
            panic!(
                "nn::Embedding: should be called with a scalar integer index x, got {}; map over \
                 several indices (vmap)",
                x.aval()
            );
        }
        self.weight.index(s![x])
    }
}

impl super::Layer for Embedding {
    fn forward(&self, x: &Array) -> Array {
        Embedding::forward(self, x)
    }
}
