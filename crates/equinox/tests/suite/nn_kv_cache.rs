//! `nn::KVCache` with `MultiheadAttention::forward_cached`: decoding through the cache (token
//! by token, in chunks, under `filter_jit` without retracing, batched with `vmap`, with a
//! `process_heads` hook) matches one causal forward pass over the whole sequence, and misuse
//! panics with messages naming the layer and the sizes.

use equinox as eqx;
use eqx::nn::{KVCache, MultiheadAttention, MultiheadAttentionCall, MultiheadAttentionOptions};
use eqx::{lax, numpy as jnp, random, Array, DType};
use std::cell::Cell;

/// A grouped-query layer with biases, so that every projection and the head grouping matter.
fn layer() -> MultiheadAttention {
    MultiheadAttention::with_options(
        4,
        16,
        MultiheadAttentionOptions {
            num_kv_heads: Some(2),
            use_query_bias: true,
            use_key_bias: true,
            use_value_bias: true,
            use_output_bias: true,
            ..Default::default()
        },
        random::key(3),
    )
}

/// The causal forward pass over the whole sequence `x` of shape `(len, 16)`.
fn full_causal(mha: &MultiheadAttention, x: &Array) -> Vec<f32> {
    mha.forward_with(
        x,
        x,
        x,
        MultiheadAttentionCall {
            is_causal: true,
            ..Default::default()
        },
    )
    .to_vec::<f32>()
}

/// Rows `start..start + len` of `x`.
fn rows(x: &Array, start: usize, len: usize) -> Array {
    lax::slice_in_dim(x, start, start + len, 1, 0)
}

fn assert_close(actual: &[f32], expected: &[f32], what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!((a - e).abs() <= 1e-5, "{what}: element {i}: {a} vs {e}");
    }
}

#[test]
fn token_by_token_decoding_matches_the_causal_forward_pass() {
    let mha = layer();
    let len = 7;
    let x = random::normal(random::key(1), [len, 16], DType::F32);
    let expected = full_causal(&mha, &x);
    let mut cache = KVCache::new(&mha, 10);
    assert_eq!(cache.capacity(), 10);
    assert_eq!(cache.keys.shape(), &[10, 2, 4]);
    let mut decoded = Vec::new();
    for t in 0..len {
        let xt = rows(&x, t, 1);
        let (y, next) = mha.forward_cached(&xt, &xt, &xt, &cache);
        assert_eq!(y.shape(), &[1, 16]);
        decoded.extend(y.to_vec::<f32>());
        cache = next;
        assert_eq!(cache.position.item::<i32>(), t as i32 + 1);
    }
    assert_close(&decoded, &expected, "token by token");
    // The cache holds the projected keys of the sequence, and zeros beyond it.
    let keys = cache.keys.to_vec::<f32>();
    let projected: Vec<f32> = eqx::vmap(|r: &Array| mha.key_proj.forward(r))(&x).to_vec();
    assert_close(&keys[..len * 8], &projected, "cached keys");
    assert!(keys[len * 8..].iter().all(|&k| k == 0.0));
    // Without the cache each token would only see itself, which differs.
    let alone = mha.forward(
        &rows(&x, len - 1, 1),
        &rows(&x, len - 1, 1),
        &rows(&x, len - 1, 1),
    );
    let last = &expected[(len - 1) * 16..];
    assert!(alone
        .to_vec::<f32>()
        .iter()
        .zip(last)
        .any(|(a, b)| (a - b).abs() > 1e-3));
}

#[test]
fn chunked_decoding_matches_the_causal_forward_pass() {
    let mha = layer();
    let x = random::normal(random::key(2), [9, 16], DType::F32);
    let expected = full_causal(&mha, &x);
    // A prompt of 4 rows at once, then 1, then 3, then 1: exactly fills the capacity.
    let mut cache = KVCache::new(&mha, 9);
    let mut decoded = Vec::new();
    let mut start = 0;
    for len in [4, 1, 3, 1] {
        let xt = rows(&x, start, len);
        let (y, next) = mha.forward_cached(&xt, &xt, &xt, &cache);
        decoded.extend(y.to_vec::<f32>());
        cache = next;
        start += len;
    }
    assert_eq!(cache.position.item::<i32>(), 9);
    assert_close(&decoded, &expected, "chunks");
}

thread_local! {
    static TRACES: Cell<usize> = const { Cell::new(0) };
}

fn step(mha: &MultiheadAttention, x: &Array, cache: &KVCache) -> (Array, KVCache) {
    TRACES.with(|t| t.set(t.get() + 1));
    mha.forward_cached(x, x, x, cache)
}

#[test]
fn jitted_decoding_traces_once_and_matches() {
    let mha = layer();
    let len = 6;
    let x = random::normal(random::key(4), [len, 16], DType::F32);
    let expected = full_causal(&mha, &x);
    let jitted = eqx::filter_jit(step);
    TRACES.with(|t| t.set(0));
    let mut cache = KVCache::new(&mha, 8);
    let mut decoded = Vec::new();
    for t in 0..len {
        let (y, next) = jitted(&mha, &rows(&x, t, 1), &cache);
        decoded.extend(y.to_vec::<f32>());
        cache = next;
    }
    assert_eq!(
        TRACES.with(|t| t.get()),
        1,
        "one trace for all {len} positions"
    );
    assert_eq!(cache.position.item::<i32>(), len as i32);
    assert_close(&decoded, &expected, "jitted");
}

#[test]
fn a_mask_combines_with_the_causal_mask() {
    let mha = layer();
    let x = random::normal(random::key(5), [3, 16], DType::F32);
    // Forbid position 1 everywhere: with the cache (mask over the capacity) and without it.
    let allowed = |cols: usize| {
        let data = (0..3 * cols).map(|i| i % cols != 1).collect();
        Array::from_vec(data, [3, cols])
    };
    let full_mask = allowed(3);
    let expected = mha
        .forward_with(
            &x,
            &x,
            &x,
            MultiheadAttentionCall {
                mask: Some(&full_mask),
                is_causal: true,
                ..Default::default()
            },
        )
        .to_vec::<f32>();
    let cache_mask = allowed(5);
    let (y, _) = mha.forward_cached_with(
        &x,
        &x,
        &x,
        &KVCache::new(&mha, 5),
        MultiheadAttentionCall {
            mask: Some(&cache_mask),
            ..Default::default()
        },
    );
    assert_close(&y.to_vec::<f32>(), &expected, "masked");
    assert_ne!(
        expected,
        full_causal(&mha, &x),
        "the mask must change the result"
    );
}

#[test]
#[should_panic(
    expected = "the KVCache of this layer (num_heads 4, query_size 16) has capacity 4 and is at \
                position 3, so 2 new position(s) do not fit"
)]
fn going_past_the_capacity_panics() {
    let mha = layer();
    let x = random::normal(random::key(6), [3, 16], DType::F32);
    let (_, cache) = mha.forward_cached(&x, &x, &x, &KVCache::new(&mha, 4));
    let x2 = rows(&x, 0, 2);
    mha.forward_cached(&x2, &x2, &x2, &cache);
}

#[test]
#[should_panic(expected = "the KVCache does not fit this layer: expected keys [5, 2, 4]")]
fn a_cache_for_another_layer_panics() {
    let other = MultiheadAttention::new(2, 16, random::key(0));
    let cache = KVCache::new(&other, 5);
    let x = random::normal(random::key(7), [1, 16], DType::F32);
    layer().forward_cached(&x, &x, &x, &cache);
}

/// Decodes `x` row by row from an empty cache of capacity `capacity`: the last output row and
/// the cache.
fn decode_all(mha: &MultiheadAttention, x: &Array, capacity: usize) -> (Array, KVCache) {
    let mut cache = KVCache::new(mha, capacity);
    let mut y = None;
    for t in 0..x.shape()[0] {
        let xt = rows(x, t, 1);
        let (out, next) = mha.forward_cached(&xt, &xt, &xt, &cache);
        (y, cache) = (Some(out), next);
    }
    (y.expect("x has rows"), cache)
}

#[test]
fn vmap_over_caches_at_different_positions() {
    let mha = layer();
    // Two sequences, one 2 and one 4 positions in, then one more token each, batched.
    let a = random::normal(random::key(8), [3, 16], DType::F32);
    let b = random::normal(random::key(9), [5, 16], DType::F32);
    let (_, cache_a) = decode_all(&mha, &rows(&a, 0, 2), 6);
    let (_, cache_b) = decode_all(&mha, &rows(&b, 0, 4), 6);
    let stacked = KVCache {
        keys: jnp::stack(&[&cache_a.keys, &cache_b.keys], 0),
        values: jnp::stack(&[&cache_a.values, &cache_b.values], 0),
        position: jnp::stack(&[&cache_a.position, &cache_b.position], 0),
    };
    let next = jnp::stack(&[&rows(&a, 2, 1), &rows(&b, 4, 1)], 0);
    let (y, cache) =
        eqx::vmap(|x: &Array, c: &KVCache| mha.forward_cached(x, x, x, c))(&next, &stacked);
    assert_eq!(y.shape(), &[2, 1, 16]);
    assert_eq!(cache.position.to_vec::<i32>(), vec![3, 5]);
    let (ya, _) = decode_all(&mha, &a, 6);
    let (yb, _) = decode_all(&mha, &b, 6);
    let y = y.to_vec::<f32>();
    assert_close(&y[..16], &ya.to_vec::<f32>(), "sequence a");
    assert_close(&y[16..], &yb.to_vec::<f32>(), "sequence b");
    // And both equal the last row of their causal forward pass.
    assert_close(&y[..16], &full_causal(&mha, &a)[2 * 16..], "a, full");
    assert_close(&y[16..], &full_causal(&mha, &b)[4 * 16..], "b, full");
}

#[test]
fn process_heads_applies_to_the_new_rows_before_caching() {
    let mha = layer();
    let x = random::normal(random::key(10), [4, 16], DType::F32);
    // Scale the keys by 3 and shift the values: a cached row must carry the processed heads.
    let process = |q: &Array, k: &Array, v: &Array| (q.clone(), k * 3.0, v + 1.0);
    let call = || MultiheadAttentionCall {
        process_heads: Some(&process),
        ..Default::default()
    };
    let expected = mha
        .forward_with(
            &x,
            &x,
            &x,
            MultiheadAttentionCall {
                is_causal: true,
                ..call()
            },
        )
        .to_vec::<f32>();
    assert_ne!(
        expected,
        full_causal(&mha, &x),
        "the hook must change the result"
    );
    let mut cache = KVCache::new(&mha, 4);
    let mut decoded = Vec::new();
    for t in 0..4 {
        let xt = rows(&x, t, 1);
        let (y, next) = mha.forward_cached_with(&xt, &xt, &xt, &cache, call());
        decoded.extend(y.to_vec::<f32>());
        cache = next;
    }
    assert_close(&decoded, &expected, "processed heads");
}
