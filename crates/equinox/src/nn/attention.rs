//! `eqx.nn.MultiheadAttention`.

use super::{Dropout, Linear};
use crate::lax;
use crate::numpy as jnp;
use crate::random::{self, Key};
use crate::{vmap, Array, DType, Module};

/// The optional settings of a [`MultiheadAttention`], with Equinox's defaults from
/// [`Default`]: sizes derived from `query_size` and `num_heads`, no biases, no dropout, float32
/// parameters, as many key/value heads as query heads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MultiheadAttentionOptions {
    /// Channels of a key input; `None` means `query_size`.
    pub key_size: Option<usize>,
    /// Channels of a value input; `None` means `query_size`.
    pub value_size: Option<usize>,
    /// Channels of the output; `None` means `query_size`.
    pub output_size: Option<usize>,
    /// Channels per head that queries and keys are compared over; `None` means
    /// `query_size / num_heads` (integer division).
    pub qk_size: Option<usize>,
    /// Channels per head of the attention-weighted values; `None` means
    /// `query_size / num_heads`.
    pub vo_size: Option<usize>,
    /// Key/value heads (grouped-query attention, not in Equinox): `None` means `num_heads`
    /// (Equinox's layer); otherwise it must divide `num_heads`, and each key/value head serves
    /// `num_heads / num_kv_heads` consecutive query heads. The key and value projections then
    /// have `num_kv_heads * qk_size` and `num_kv_heads * vo_size` outputs.
    pub num_kv_heads: Option<usize>,
    /// Whether the query projection has a bias.
    pub use_query_bias: bool,
    /// Whether the key projection has a bias.
    pub use_key_bias: bool,
    /// Whether the value projection has a bias.
    pub use_value_bias: bool,
    /// Whether the output projection has a bias.
    pub use_output_bias: bool,
    /// Dropout probability on the attention weights.
    pub dropout_p: f64,
    /// Whether the dropout starts in inference mode (no dropout).
    pub inference: bool,
    /// The parameters' floating dtype.
    pub dtype: DType,
}

impl Default for MultiheadAttentionOptions {
    fn default() -> MultiheadAttentionOptions {
        MultiheadAttentionOptions {
            key_size: None,
            value_size: None,
            output_size: None,
            qk_size: None,
            vo_size: None,
            num_kv_heads: None,
            use_query_bias: false,
            use_key_bias: false,
            use_value_bias: false,
            use_output_bias: false,
            dropout_p: 0.0,
            inference: false,
            dtype: DType::F32,
        }
    }
}

/// The heads hook of [`MultiheadAttentionCall::process_heads`]: maps the projected
/// `(query_heads, key_heads, value_heads)` to new ones of the same shapes.
pub type ProcessHeads<'a> = &'a dyn Fn(&Array, &Array, &Array) -> (Array, Array, Array);

/// The optional arguments of a [`MultiheadAttention`] call (Equinox's `mask`, `key`,
/// `inference` and `process_heads`, plus a causal shortcut). Build with struct-update syntax:
/// `MultiheadAttentionCall { mask: Some(&m), ..Default::default() }`.
#[derive(Clone, Default)]
pub struct MultiheadAttentionCall<'a> {
    /// Where attention is allowed (`false` positions are ignored): bool of shape
    /// `(query_seq_length, kv_seq_length)`, shared by all heads, or
    /// `(num_heads, query_seq_length, kv_seq_length)`, one per head.
    pub mask: Option<&'a Array>,
    /// Also forbid attending to later positions: query `t` attends only to keys `s <= t` (not
    /// in Equinox; combined with `mask` by logical and).
    pub is_causal: bool,
    /// The key for dropout (split into one key per head, as Equinox does). Needed only when
    /// dropout is active.
    pub key: Option<Key>,
    /// Overrides the dropout's `inference` field for this call.
    pub inference: Option<bool>,
    /// Applied to the projected heads before attention, e.g. for rotary positional
    /// embeddings: receives `(query_heads, key_heads, value_heads)` of shapes
    /// `(q_seq, num_heads, qk_size)`, `(kv_seq, num_kv_heads, qk_size)` and
    /// `(kv_seq, num_kv_heads, vo_size)` and must return arrays of the same shapes.
    pub process_heads: Option<ProcessHeads<'a>>,
}

/// Multi-head attention (`eqx.nn.MultiheadAttention`): with per-head projections
/// `W^Q_i, W^K_i, W^V_i` and output projection `W^O`,
/// `sum_i softmax((Q W^Q_i)(K W^K_i)^T / sqrt(qk_size)) (V W^V_i) W^O_i`.
///
/// Acts on one example: `query` of shape `(q_seq, query_size)`, `key_` and `value` of shapes
/// `(kv_seq, key_size)` and `(kv_seq, value_size)`, giving `(q_seq, output_size)`; batch with
/// `vmap`. Initialisation is Equinox's bit for bit (four keys split from `key`, one per
/// [`Linear`] projection). As in Equinox, queries are divided by `sqrt(qk_size)` before the
/// product, masked logits are set to the dtype's most negative finite value, and the softmax
/// runs in at least float32.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, MultiheadAttentionCall};
/// use eqx::{random, Array};
///
/// let mha = nn::MultiheadAttention::new(2, 8, random::key(0));
/// assert_eq!(mha.query_proj.weight.shape(), &[8, 8]); // 2 heads of 4 channels
/// let x = random::normal(random::key(1), [5, 8], eqx::DType::F32);
/// let y = mha.forward(&x, &x, &x); // self-attention
/// assert_eq!(y.shape(), &[5, 8]);
///
/// // A mask shared by the heads: the first query may only see the first position, so its
/// // result is the output projection of that position's values.
/// let mut allowed = vec![true; 25];
/// allowed[1..5].fill(false);
/// let mask = Array::from_vec(allowed, [5, 5]);
/// let masked = mha.forward_with(&x, &x, &x, MultiheadAttentionCall {
///     mask: Some(&mask),
///     ..Default::default()
/// });
/// let x0 = eqx::lax::slice_in_dim(&x, 0, 1, 1, 0);
/// let first = mha.forward(&x0, &x0, &x0);
/// let (a, b) = (masked.to_vec::<f32>(), first.to_vec::<f32>());
/// assert!(a[..8].iter().zip(&b).all(|(a, b)| (a - b).abs() < 1e-6));
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct MultiheadAttention {
    /// Projects queries to `num_heads * qk_size` channels.
    pub query_proj: Linear,
    /// Projects keys to `num_kv_heads * qk_size` channels.
    pub key_proj: Linear,
    /// Projects values to `num_kv_heads * vo_size` channels.
    pub value_proj: Linear,
    /// Projects the concatenated heads, `num_heads * vo_size` channels, to the output.
    pub output_proj: Linear,
    /// Dropout on the attention weights.
    pub dropout: Dropout,
    /// The number of (query) heads.
    #[module(static)]
    pub num_heads: usize,
    /// Channels of a query input.
    #[module(static)]
    pub query_size: usize,
    /// Channels of a key input.
    #[module(static)]
    pub key_size: usize,
    /// Channels of a value input.
    #[module(static)]
    pub value_size: usize,
    /// Channels of the output.
    #[module(static)]
    pub output_size: usize,
    /// Channels per head compared between queries and keys.
    #[module(static)]
    pub qk_size: usize,
    /// Channels per head of the values and the attention output.
    #[module(static)]
    pub vo_size: usize,
    /// Whether the query projection has a bias.
    #[module(static)]
    pub use_query_bias: bool,
    /// Whether the key projection has a bias.
    #[module(static)]
    pub use_key_bias: bool,
    /// Whether the value projection has a bias.
    #[module(static)]
    pub use_value_bias: bool,
    /// Whether the output projection has a bias.
    #[module(static)]
    pub use_output_bias: bool,
    /// The number of key/value heads (equal to `num_heads` in Equinox's layer).
    #[module(static)]
    pub num_kv_heads: usize,
}

impl MultiheadAttention {
    /// `eqx.nn.MultiheadAttention(num_heads, query_size, key=key)`: Equinox's defaults.
    pub fn new(num_heads: usize, query_size: usize, key: Key) -> MultiheadAttention {
        MultiheadAttention::with_options(
            num_heads,
            query_size,
            MultiheadAttentionOptions::default(),
            key,
        )
    }

    /// `eqx.nn.MultiheadAttention(num_heads, query_size, key_size, ..., dtype, key=key)`, the
    /// optional settings in `options`.
    ///
    /// Panics if `num_heads` is 0, if `options.num_kv_heads` does not divide `num_heads`, or
    /// if `options.dtype` is not a float type.
    pub fn with_options(
        num_heads: usize,
        query_size: usize,
        options: MultiheadAttentionOptions,
        key: Key,
    ) -> MultiheadAttention {
        let o = options;
        if num_heads == 0 {
            panic!("nn::MultiheadAttention: num_heads must be positive, got 0");
        }
        let num_kv_heads = o.num_kv_heads.unwrap_or(num_heads);
        if num_kv_heads == 0 || !num_heads.is_multiple_of(num_kv_heads) {
            panic!(
                "nn::MultiheadAttention: num_kv_heads ({num_kv_heads}) must divide num_heads \
                 ({num_heads})"
            );
        }
        let [qkey, kkey, vkey, okey] = random::split_into(key);
        let key_size = o.key_size.unwrap_or(query_size);
        let value_size = o.value_size.unwrap_or(query_size);
        let qk_size = o.qk_size.unwrap_or(query_size / num_heads);
        let vo_size = o.vo_size.unwrap_or(query_size / num_heads);
        let output_size = o.output_size.unwrap_or(query_size);
        let linear = |i, out, bias, key| Linear::with_options(i, out, bias, o.dtype, key);
        MultiheadAttention {
            query_proj: linear(query_size, num_heads * qk_size, o.use_query_bias, qkey),
            key_proj: linear(key_size, num_kv_heads * qk_size, o.use_key_bias, kkey),
            value_proj: linear(value_size, num_kv_heads * vo_size, o.use_value_bias, vkey),
            output_proj: linear(num_heads * vo_size, output_size, o.use_output_bias, okey),
            dropout: Dropout::with_options(o.dropout_p, o.inference),
            num_heads,
            query_size,
            key_size,
            value_size,
            output_size,
            qk_size,
            vo_size,
            use_query_bias: o.use_query_bias,
            use_key_bias: o.use_key_bias,
            use_value_bias: o.use_value_bias,
            use_output_bias: o.use_output_bias,
            num_kv_heads,
        }
    }

    /// `mha(query, key_, value)`: no mask, no dropout key (so dropout must be inactive:
    /// `dropout_p == 0` or inference mode). See [`MultiheadAttention::forward_with`].
    pub fn forward(&self, query: &Array, key_: &Array, value: &Array) -> Array {
        self.forward_with(query, key_, value, MultiheadAttentionCall::default())
    }

    /// `mha(query, key_, value, mask, key=key, inference=inference,
    /// process_heads=process_heads)`, the optional arguments in `call`.
    ///
    /// Panics, naming the layer and the shapes, if an input does not have shape
    /// `(length, size)` with the layer's size, if key and value lengths differ, if the mask
    /// has neither accepted shape, or if `process_heads` changes a shape. Panics with
    /// Equinox's message if dropout is active and no key is given.
    pub fn forward_with(
        &self,
        query: &Array,
        key_: &Array,
        value: &Array,
        call: MultiheadAttentionCall<'_>,
    ) -> Array {
        let q_seq = self.check_input("query", query, self.query_size);
        let kv_seq = self.check_input("key_", key_, self.key_size);
        let v_seq = self.check_input("value", value, self.value_size);
        if kv_seq != v_seq {
            panic!(
                "nn::MultiheadAttention: key and value must both be sequences of equal length, \
                 got key_ {:?} and value {:?}",
                key_.shape(),
                value.shape()
            );
        }
        let heads = self.heads(query, key_, value, call.process_heads);
        let mask = self.combined_mask(call.mask, call.is_causal, q_seq, kv_seq);
        self.attend(&heads, mask.as_ref(), call.key, call.inference)
    }

    /// The projected `(query, key, value)` heads, passed through `process_heads` if given
    /// (panicking if it changes a shape).
    pub(super) fn heads(
        &self,
        query: &Array,
        key_: &Array,
        value: &Array,
        process_heads: Option<ProcessHeads<'_>>,
    ) -> (Array, Array, Array) {
        let heads = (
            self.project(&self.query_proj, query, self.num_heads),
            self.project(&self.key_proj, key_, self.num_kv_heads),
            self.project(&self.value_proj, value, self.num_kv_heads),
        );
        let Some(process) = process_heads else {
            return heads;
        };
        let shapes = [&heads.0, &heads.1, &heads.2].map(|h| h.shape().to_vec());
        let heads = process(&heads.0, &heads.1, &heads.2);
        let new_shapes = [&heads.0, &heads.1, &heads.2].map(|h| h.shape().to_vec());
        if shapes != new_shapes {
            panic!(
                "nn::MultiheadAttention: process_heads must not change the shape of the heads: \
                 (query, key, value) heads {shapes:?} became {new_shapes:?}"
            );
        }
        heads
    }

    /// Attention of projected `(query, key, value)` heads under `mask` (`(num_heads or 1,
    /// q_seq, kv_seq)` bool), with dropout on the weights and the output projection: the
    /// part of the forward pass shared with the cached call.
    pub(super) fn attend(
        &self,
        heads: &(Array, Array, Array),
        mask: Option<&Array>,
        key: Option<Key>,
        inference: Option<bool>,
    ) -> Array {
        let (q_seq, kv_seq) = (heads.0.shape()[0], heads.1.shape()[0]);
        let weights = self.attention_weights(&heads.0, &heads.1, mask);
        let weights = self.dropout_weights(&weights, key, inference);
        // attn[t, k*G + g, :] = weights[k, g, t, :] @ value_heads[:, k, :]
        let (kv_heads, groups) = (self.num_kv_heads, self.num_heads / self.num_kv_heads);
        let attn = jnp::einsum(
            "kgtS,Skd->tkgd",
            &[
                &weights.reshape([kv_heads, groups, q_seq, kv_seq]),
                &heads.2,
            ],
        )
        .reshape([q_seq, self.num_heads * self.vo_size]);
        vmap(|x: &Array| self.output_proj.forward(x))(&attn)
    }

    /// The length of a `(length, size)` input, or a panic naming the input and the shapes.
    pub(super) fn check_input(&self, name: &str, x: &Array, size: usize) -> usize {
        match x.shape() {
            &[len, s] if s == size => len,
            _ => panic!(
                "nn::MultiheadAttention: {name} must have shape (seq_length, {size}) for this \
                 layer ({name} size {size}), got {:?}",
                x.shape()
            ),
        }
    }

    /// Equinox's `_project`: the projection applied to every position, split into
    /// `(seq_length, heads, per_head)`.
    fn project(&self, proj: &Linear, x: &Array, heads: usize) -> Array {
        let projected = vmap(|x: &Array| proj.forward(x))(x);
        let seq = x.shape()[0];
        projected.reshape([seq, heads, projected.shape()[1] / heads])
    }

    /// The mask as `(num_heads or 1, q_seq, kv_seq)` bool, with the causal mask folded in;
    /// `None` when nothing is masked.
    pub(super) fn combined_mask(
        &self,
        mask: Option<&Array>,
        is_causal: bool,
        q_seq: usize,
        kv_seq: usize,
    ) -> Option<Array> {
        let mask = mask.map(|m| {
            let shape = m.shape();
            let ok = shape == [q_seq, kv_seq] || shape == [self.num_heads, q_seq, kv_seq];
            if !ok {
                panic!(
                    "nn::MultiheadAttention: mask must have shape (query_seq_length, \
                     kv_seq_length) = ({q_seq}, {kv_seq}) or (num_heads, query_seq_length, \
                     kv_seq_length) = ({}, {q_seq}, {kv_seq}), got {:?}",
                    self.num_heads, shape
                );
            }
            // `jnp.where` treats any mask as truthiness.
            let m = if m.dtype() == DType::Bool {
                m.clone()
            } else {
                jnp::not_equal(m, &Array::weak_scalar(0i32))
            };
            if m.ndim() == 2 {
                m.reshape([1, q_seq, kv_seq])
            } else {
                m
            }
        });
        let causal = is_causal.then(|| {
            let data = (0..q_seq * kv_seq)
                .map(|i| i % kv_seq <= i / kv_seq)
                .collect();
            Array::from_vec(data, [1, q_seq, kv_seq])
        });
        match (mask, causal) {
            (Some(m), Some(c)) => Some(jnp::logical_and(&m, &c)),
            (m, c) => m.or(c),
        }
    }

    /// Equinox's `dot_product_attention_weights` for all heads at once:
    /// `softmax(where(mask, (q / sqrt(qk_size)) . k, finfo.min))` in at least float32, cast
    /// back to the logits' dtype; shape `(num_heads, q_seq, kv_seq)`.
    fn attention_weights(&self, q_heads: &Array, k_heads: &Array, mask: Option<&Array>) -> Array {
        let (q_seq, kv_seq) = (q_heads.shape()[0], k_heads.shape()[0]);
        let (kv_heads, groups) = (self.num_kv_heads, self.num_heads / self.num_kv_heads);
        // Query head n = k * groups + g uses key head k.
        let q = q_heads.reshape([q_seq, kv_heads, groups, self.qk_size]);
        let q = &q / &Array::weak_scalar((self.qk_size as f64).sqrt());
        let mut logits =
            jnp::einsum("tkgd,Skd->kgtS", &[&q, k_heads]).reshape([self.num_heads, q_seq, kv_seq]);
        if let Some(mask) = mask {
            logits = jnp::where_(mask, &logits, &dtype_min(logits.dtype()));
        }
        let dtype = crate::promote_types(logits.dtype(), DType::F32);
        crate::nn::softmax(&logits.astype(dtype), -1).astype(logits.dtype())
    }

    /// Dropout of the weights. With a key, each head's `(q_seq, kv_seq)` weights get their
    /// own key from `split(key, num_heads)`, which draws the same elements as Equinox's
    /// per-head `vmap`. Without a key dropout is either the identity or an error, whatever the
    /// shape, so the layer's [`Dropout`] decides on all heads at once.
    fn dropout_weights(&self, weights: &Array, key: Option<Key>, inference: Option<bool>) -> Array {
        let drop = |w: &Array, key: Option<Key>| match inference {
            Some(i) => self.dropout.forward_with_inference(w, key, i),
            None => self.dropout.forward(w, key),
        };
        let Some(key) = key else {
            return drop(weights, None);
        };
        let heads: Vec<Array> = random::split_vec(key, self.num_heads)
            .into_iter()
            .enumerate()
            .map(|(h, k)| {
                drop(
                    &lax::slice_in_dim(weights, h, h + 1, 1, 0).squeeze(0),
                    Some(k),
                )
            })
            .collect();
        jnp::stack(&heads.iter().collect::<Vec<_>>(), 0)
    }
}

/// `jnp.finfo(dtype).min` as a strongly typed scalar of `dtype`: the most negative finite
/// value.
fn dtype_min(dtype: DType) -> Array {
    if !dtype.is_float() {
        panic!("nn::MultiheadAttention: the logits must be floats, got {dtype:?}");
    }
    let min = jnp::finfo(dtype).min;
    Array::scalar(min).astype(dtype)
}
