//! A key/value cache for incremental (autoregressive) decoding with [`MultiheadAttention`]
//! (not in Equinox; asked for in equinox PRs #343 and #704).

use super::{MultiheadAttention, MultiheadAttentionCall};
use crate::lax;
use crate::numpy as jnp;
use crate::{Array, DType, Module};

/// The keys and values a [`MultiheadAttention`] layer has seen so far while decoding one
/// sequence, for [`MultiheadAttention::forward_cached`].
///
/// A PyTree of three leaves: `keys` of shape `(capacity, num_kv_heads, qk_size)`, `values` of
/// shape `(capacity, num_kv_heads, vo_size)` (both in the layer's dtype, zero beyond the
/// position) and `position`, an int32 scalar: how many rows hold data. The shapes never change
/// while decoding and the position is an array, not a static value, so a decoding step
/// compiled with [`filter_jit`](crate::filter_jit) is traced once and reused for every
/// position. Like the layer, a cache holds one sequence; for a batch, `vmap` over a stack of
/// caches.
///
/// ```
/// use equinox as eqx;
/// use eqx::{lax, nn, random, Array, DType};
///
/// let mha = nn::MultiheadAttention::new(2, 8, random::key(0));
/// let x = random::normal(random::key(1), [3, 8], DType::F32);
/// // One token at a time through the cache...
/// let mut cache = nn::KVCache::new(&mha, 16);
/// let mut rows = Vec::new();
/// for t in 0..3 {
///     let xt = lax::slice_in_dim(&x, t, t + 1, 1, 0);
///     let (y, next) = mha.forward_cached(&xt, &xt, &xt, &cache);
///     rows.extend(y.to_vec::<f32>());
///     cache = next;
/// }
/// assert_eq!(cache.position.item::<i32>(), 3);
/// // ... gives the causal forward pass over the whole sequence.
/// let full = mha.forward_with(&x, &x, &x, nn::MultiheadAttentionCall {
///     is_causal: true,
///     ..Default::default()
/// });
/// let full = full.to_vec::<f32>();
/// assert!(rows.iter().zip(&full).all(|(a, b)| (a - b).abs() < 1e-5));
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct KVCache {
    /// The cached keys, `(capacity, num_kv_heads, qk_size)`, after the key projection (and
    /// after `process_heads`, e.g. rotary embeddings, when the call has one).
    pub keys: Array,
    /// The cached values, `(capacity, num_kv_heads, vo_size)`, after the value projection.
    pub values: Array,
    /// The number of rows written so far (int32 scalar): the next rows go here.
    pub position: Array,
}

impl KVCache {
    /// An empty cache with room for `capacity` positions for `layer`: zero buffers in the
    /// dtype of the layer's key and value projections, position 0.
    ///
    /// Panics if `capacity` is 0.
    pub fn new(layer: &MultiheadAttention, capacity: usize) -> KVCache {
        if capacity == 0 {
            panic!("nn::KVCache::new: the capacity must be positive, got 0");
        }
        let heads = layer.num_kv_heads;
        KVCache {
            keys: jnp::zeros_dtype(
                [capacity, heads, layer.qk_size],
                layer.key_proj.weight.dtype(),
            ),
            values: jnp::zeros_dtype(
                [capacity, heads, layer.vo_size],
                layer.value_proj.weight.dtype(),
            ),
            position: Array::scalar(0i32),
        }
    }

    /// How many positions the cache holds in all (its static first dimension).
    pub fn capacity(&self) -> usize {
        self.keys.shape()[0]
    }
}

impl MultiheadAttention {
    /// Self-attention over a [`KVCache`]: [`MultiheadAttention::forward_cached_with`] with no
    /// options.
    pub fn forward_cached(
        &self,
        query: &Array,
        key_: &Array,
        value: &Array,
        cache: &KVCache,
    ) -> (Array, KVCache) {
        self.forward_cached_with(query, key_, value, cache, MultiheadAttentionCall::default())
    }

    /// One decoding step of `t >= 1` new positions: `query`, `key_` and `value` of shapes
    /// `(t, query_size)`, `(t, key_size)` and `(t, value_size)` are the rows at positions
    /// `p..p + t`, where `p` is `cache.position`. Their projected keys and values are written
    /// into the cache at `p` with `lax::dynamic_update_slice`, and each new query at position
    /// `p + i` attends to the cached positions `<= p + i`. Returns the output `(t,
    /// output_size)` and the cache with position `p + t`; the output equals the rows
    /// `p..p + t` of a causal [`MultiheadAttention::forward_with`] over the whole sequence.
    ///
    /// From `call`: `mask` (shape `(t, capacity)` or `(num_heads, t, capacity)`, combined with
    /// the causal mask by logical and), `key` and `inference` for dropout, and
    /// `process_heads`, applied to the new rows' heads before they are cached (so a rotary
    /// embedding there must rotate by the absolute positions `p + i`, which it can read from
    /// `cache.position`). `is_causal` has no effect: attention over a cache is always causal.
    ///
    /// Panics, naming the layer, if the inputs do not have `t` rows of the layer's sizes or a
    /// mask has the wrong shape (as [`MultiheadAttention::forward_with`]), if the cache's
    /// buffers were not made for this layer, or, when the position is concrete, if the `t` rows
    /// do not fit: `p + t > capacity`. Under a transformation such as `filter_jit` the position
    /// is a tracer and cannot be checked: a step past the capacity then writes its rows at the
    /// end of the buffers instead (`dynamic_update_slice` clamps its start so that the update
    /// fits), overwriting the last cached rows, and its output is wrong; callers must keep
    /// `p + t <= capacity` themselves.
    pub fn forward_cached_with(
        &self,
        query: &Array,
        key_: &Array,
        value: &Array,
        cache: &KVCache,
        call: MultiheadAttentionCall<'_>,
    ) -> (Array, KVCache) {
        let t = self.check_input("query", query, self.query_size);
        let kv_t = self.check_input("key_", key_, self.key_size);
        let v_t = self.check_input("value", value, self.value_size);
        if kv_t != t || v_t != t {
            panic!(
                "nn::MultiheadAttention::forward_cached: query, key_ and value must hold the \
                 same new positions, got query {:?}, key_ {:?} and value {:?}",
                query.shape(),
                key_.shape(),
                value.shape()
            );
        }
        let capacity = self.check_cache(cache);
        if cache.position.is_concrete() {
            let position = cache.position.item::<i32>();
            if position < 0 || position as usize + t > capacity {
                panic!(
                    "nn::MultiheadAttention::forward_cached: the KVCache of this layer \
                     (num_heads {}, query_size {}) has capacity {capacity} and is at position \
                     {position}, so {t} new position(s) do not fit",
                    self.num_heads, self.query_size
                );
            }
        }
        let (q_heads, k_new, v_new) = self.heads(query, key_, value, call.process_heads);
        let zero = Array::scalar(0i32);
        let start = [cache.position.clone(), zero.clone(), zero];
        let keys =
            lax::dynamic_update_slice(&cache.keys, &k_new.astype(cache.keys.dtype()), &start);
        let values =
            lax::dynamic_update_slice(&cache.values, &v_new.astype(cache.values.dtype()), &start);
        // Query i sits at position p + i and may see the cached positions s <= p + i; rows at
        // or beyond p + t (zeros or stale data) are thereby hidden too.
        let seen = lax::broadcasted_iota(DType::I32, [1, t, capacity], 2);
        let row = lax::broadcasted_iota(DType::I32, [1, t, capacity], 1);
        let causal = jnp::less_equal(&seen, &(&row + &cache.position));
        let mask = match self.combined_mask(call.mask, false, t, capacity) {
            Some(m) => jnp::logical_and(&m, &causal),
            None => causal,
        };
        let heads = (
            q_heads,
            keys.astype(k_new.dtype()),
            values.astype(v_new.dtype()),
        );
        let out = self.attend(&heads, Some(&mask), call.key, call.inference);
        let position = &cache.position + &Array::scalar(t as i32);
        (
            out,
            KVCache {
                keys,
                values,
                position,
            },
        )
    }

    /// The cache's capacity, or a panic if its buffers do not fit this layer.
    fn check_cache(&self, cache: &KVCache) -> usize {
        let capacity = cache.keys.shape().first().copied().unwrap_or(0);
        let keys = [capacity, self.num_kv_heads, self.qk_size];
        let values = [capacity, self.num_kv_heads, self.vo_size];
        if cache.keys.shape() != keys
            || cache.values.shape() != values
            || cache.position.ndim() != 0
            || cache.position.dtype() != DType::I32
        {
            panic!(
                "nn::MultiheadAttention::forward_cached: the KVCache does not fit this layer: \
                 expected keys {keys:?}, values {values:?} and an int32 scalar position, got \
                 keys {:?}, values {:?} and position {}",
                cache.keys.shape(),
                cache.values.shape(),
                cache.position.aval()
            );
        }
        capacity
    }
}
