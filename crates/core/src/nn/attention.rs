//! `jax.nn.dot_product_attention`.

use std::ops::Range;

use super::blockwise_attention;
use super::softmax;
use crate::array::{promote_types, Array, DType};
use crate::lax::{self, DotDimensionNumbers};
use crate::numpy as jnp;

/// The optional arguments of [`dot_product_attention_with_options`], JAX's keyword arguments
/// (the `xla` implementation; `implementation="cudnn"` and `return_residual` have no
/// counterpart here). Build with struct-update syntax:
/// `AttentionOptions { is_causal: true, ..Default::default() }`.
///
/// Shapes use JAX's letters: `B` batch, `T` query length, `S` key/value length, `N` query heads,
/// `K` key/value heads, `H` head size.
#[derive(Clone, Debug, Default)]
pub struct AttentionOptions {
    /// Added to the scaled logits. Up to 4-d (missing leading axes are added, as JAX does);
    /// each axis of the 4-d form is 1 or the matching size of `(B, N, T, S)`.
    pub bias: Option<Array>,
    /// Boolean; `true` where a query may attend to a key. Shape rules as for `bias`.
    pub mask: Option<Array>,
    /// The factor multiplying the logits; `None` means JAX's `1 / sqrt(H)`.
    pub scale: Option<f64>,
    /// Query `t` attends only to keys `s <= t` (the lower triangle of the `(T, S)` grid).
    pub is_causal: bool,
    /// int32 of shape `(B,)`: query positions at or after this length are padding; their
    /// outputs are zero.
    pub query_seq_lengths: Option<Array>,
    /// int32 of shape `(B,)`: key/value positions at or after this length are not attended to.
    pub key_value_seq_lengths: Option<Array>,
    /// `(left, right)`: query `t` attends only to keys `s` with `t - left <= s <= t + right`
    /// (JAX's `local_window_size`; an int `w` there is `(w, w)` here).
    pub local_window_size: Option<(usize, usize)>,
    /// How the attention is computed: JAX's formula (the default) or blockwise.
    pub implementation: Implementation,
}

/// The algorithm of [`dot_product_attention_with_options`].
///
/// ```
/// use equinox_core::{nn, random, transforms::grad, DType};
/// use nn::{AttentionOptions, Implementation};
/// let [kq, kk, kv] = random::split_into(random::key(2));
/// let q = random::normal(kq, [6, 2, 4], DType::F32);
/// let k = random::normal(kk, [9, 2, 4], DType::F32);
/// let v = random::normal(kv, [9, 2, 4], DType::F32);
/// let attend = |q: &equinox_core::Array, implementation| {
///     let options = AttentionOptions { is_causal: true, implementation, ..Default::default() };
///     nn::dot_product_attention_with_options(q, &k, &v, options)
/// };
/// let blockwise = Implementation::Blockwise { block_size: 4 }; // blocks of 4, 4 and 1 keys
/// let (a, b) = (attend(&q, Implementation::Xla), attend(&q, blockwise));
/// let close = |a: Vec<f32>, b: Vec<f32>| a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5);
/// assert!(close(a.to_vec(), b.to_vec()));
/// // Its gradient comes from its own backward pass, and agrees too.
/// let g = |implementation| grad(|q: &equinox_core::Array| attend(q, implementation).sum(None))(&q);
/// assert!(close(g(Implementation::Xla).to_vec(), g(blockwise).to_vec()));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Implementation {
    /// JAX's `implementation="xla"`: the `(B, N, T, S)` logits, their softmax, the product
    /// with the values; differentiated through those operations.
    #[default]
    Xla,
    /// Not in JAX: keys and values in blocks of `block_size` positions with a running
    /// (online) softmax, so that no `(T, S)` matrix is formed, only `(T, block_size)` ones,
    /// in the forward and in the backward pass (its own, which recomputes each block's
    /// probabilities from the saved log-sum-exp). Equal to [`Implementation::Xla`] to float
    /// rounding; the softmax statistics are float32 as there. Takes no `bias`.
    Blockwise {
        /// Key/value positions per block (the last block may be shorter).
        block_size: usize,
    },
}

/// Scaled dot-product attention, `jax.nn.dot_product_attention(query, key, value)`, per head:
/// `softmax(q k^T / sqrt(H)) v`.
///
/// `query` has shape `(B, T, N, H)` or `(T, N, H)`; `key` and `value` have shape
/// `(B, S, K, H)` or `(S, K, H)` and the query's dtype. When `K < N` (`K` must divide `N`),
/// query heads share key/value heads in groups of `N / K` (grouped-query attention; `K = 1` is
/// multi-query attention): query head `n` uses key/value head `n / (N / K)`. The result has the
/// query's shape. See [`dot_product_attention_with_options`] for bias, masks and the rest.
///
/// Built from differentiable array operations, so it works under every transformation.
///
/// ```
/// use equinox_core::{nn, numpy as jnp, random, DType};
/// let [kq, kk, kv] = random::split_into(random::key(0));
/// let q = random::normal(kq, [5, 4, 8], DType::F32); // (T, N, H)
/// let k = random::normal(kk, [7, 2, 8], DType::F32); // (S, K, H): 2 query heads per key head
/// let v = random::normal(kv, [7, 2, 8], DType::F32);
/// let out = nn::dot_product_attention(&q, &k, &v);
/// assert_eq!(out.shape(), &[5, 4, 8]);
///
/// // Each output is a convex combination of the values: with equal keys, their mean.
/// let k = jnp::zeros([7, 2, 8]);
/// let out = nn::dot_product_attention(&q, &k, &v).to_vec::<f32>();
/// let mean = v.mean(0).to_vec::<f32>(); // (K, H)
/// assert!((out[0] - mean[0]).abs() < 1e-6); // query 0, head 0 uses key/value head 0
/// ```
pub fn dot_product_attention(query: &Array, key: &Array, value: &Array) -> Array {
    dot_product_attention_with_options(query, key, value, AttentionOptions::default())
}

/// [`dot_product_attention`] with JAX's optional arguments ([`AttentionOptions`]).
///
/// Follows JAX 0.10.2's `xla` implementation step by step:
/// ```text
/// logits = einsum("BTNH,BSNH->BNTS", q, k)   in promote(dtype, f32)
/// logits = logits * scale                      (scale in the logits' dtype)
/// logits = logits + bias
/// logits = where(mask & causal & window & padding, logits, -0.7 * f32::MAX)
/// probs  = softmax(f32(logits), -1) as key dtype
/// out    = einsum("BNTS,BSNH->BTNH", probs, v), zeroed at query positions >= query_seq_lengths
/// ```
/// The masked value is large and finite rather than `-inf`, so a query with nothing to attend
/// to averages all values uniformly instead of producing NaN. The softmax is always computed in
/// float32, as in JAX (also for float64 inputs). [`Implementation::Blockwise`] computes the
/// same without the `(T, S)` matrices.
///
/// Panics, naming the argument and the shapes, when the shapes or dtypes disagree: `value`
/// unlike `key`, `query` with another batch size, head size or dtype, `N` not a multiple of
/// `K`, a non-bool or non-broadcastable mask, a bias that does not broadcast, or sequence
/// lengths that are not int32 of shape `(B,)`; and for [`Implementation::Blockwise`] with a
/// bias or a zero block size.
///
/// ```
/// use equinox_core::{nn, random, Array, DType};
/// use nn::AttentionOptions;
/// let [kq, kk, kv] = random::split_into(random::key(1));
/// let q = random::normal(kq, [2, 3, 2, 4], DType::F32); // (B, T, N, H)
/// let k = random::normal(kk, [2, 3, 2, 4], DType::F32);
/// let v = random::normal(kv, [2, 3, 2, 4], DType::F32);
/// let causal = nn::dot_product_attention_with_options(&q, &k, &v, AttentionOptions {
///     is_causal: true,
///     ..Default::default()
/// });
/// // The first query sees only the first key: its output is the first value.
/// let (o, v0) = (causal.to_vec::<f32>(), v.to_vec::<f32>());
/// assert_eq!(o[..8], v0[..8]);
///
/// // Padding: the second batch element has 1 valid query and 2 valid keys.
/// let lengths = |a: [i32; 2]| Some(Array::from_vec(a.to_vec(), [2]));
/// let padded = nn::dot_product_attention_with_options(&q, &k, &v, AttentionOptions {
///     query_seq_lengths: lengths([3, 1]),
///     key_value_seq_lengths: lengths([3, 2]),
///     ..Default::default()
/// });
/// assert!(padded.to_vec::<f32>()[24 + 8..].iter().all(|&x| x == 0.0));
/// ```
pub fn dot_product_attention_with_options(
    query: &Array,
    key: &Array,
    value: &Array,
    options: AttentionOptions,
) -> Array {
    let out_shape = query.shape().to_vec();
    let (q, k, v) = (
        ensure_4d(query, "query"),
        ensure_4d(key, "key"),
        ensure_4d(value, "value"),
    );
    let dims = check_inputs(&q, &k, &v, &options);
    let bias = options
        .bias
        .as_ref()
        .map(|b| grouped_operand(b, "bias", &dims));
    let mask = options
        .mask
        .as_ref()
        .map(|m| grouped_operand(m, "mask", &dims));
    let scale = options
        .scale
        .unwrap_or_else(|| 1.0 / (dims.h as f64).sqrt());
    let masking = Masking {
        is_causal: options.is_causal,
        local_window_size: options.local_window_size,
    };
    let encoded = match options.implementation {
        Implementation::Xla => {
            let masks = MaskInputs {
                mask: mask.as_ref(),
                query_seq_lengths: options.query_seq_lengths.as_ref(),
                key_value_seq_lengths: options.key_value_seq_lengths.as_ref(),
            };
            attention_4d(&q, &k, &v, bias.as_ref(), masks, masking, scale, dims)
        }
        Implementation::Blockwise { block_size } => {
            if bias.is_some() {
                panic!(
                    "dot_product_attention: the blockwise implementation takes no bias \
                     (use Implementation::Xla)"
                );
            }
            if block_size == 0 {
                panic!("dot_product_attention: the blockwise block_size must be positive");
            }
            let inputs = (
                q,
                k,
                v,
                mask,
                options.query_seq_lengths.clone(),
                options.key_value_seq_lengths.clone(),
            );
            blockwise_attention::attention(inputs, masking, scale, dims, block_size)
        }
    };
    zero_padded_queries(encoded, options.query_seq_lengths.as_ref(), dims).reshape(out_shape)
}

/// The sizes of one call, in JAX's letters (`n / k` query heads per key/value head).
#[derive(Clone, Copy, Debug)]
pub(super) struct Dims {
    pub(super) b: usize,
    pub(super) t: usize,
    pub(super) s: usize,
    pub(super) n: usize,
    pub(super) k: usize,
    pub(super) h: usize,
}

impl Dims {
    /// Query heads per key/value head.
    pub(super) fn groups(&self) -> usize {
        self.n / self.k
    }
}

/// The static masks: causal and local window.
#[derive(Clone, Copy, Debug)]
pub(super) struct Masking {
    pub(super) is_causal: bool,
    pub(super) local_window_size: Option<(usize, usize)>,
}

/// The array masks: the user's boolean mask (4-d) and the sequence lengths.
#[derive(Clone, Copy)]
pub(super) struct MaskInputs<'a> {
    pub(super) mask: Option<&'a Array>,
    pub(super) query_seq_lengths: Option<&'a Array>,
    pub(super) key_value_seq_lengths: Option<&'a Array>,
}

/// JAX's `_ensure_4d` for the three main inputs, which must be 3-d or 4-d here (JAX would also
/// prepend axes to a 1-d or 2-d array, which then cannot have the documented meaning).
fn ensure_4d(x: &Array, name: &str) -> Array {
    match x.ndim() {
        4 => x.clone(),
        3 => x.reshape(prepend_ones(x.shape(), 4)),
        _ => panic!(
            "dot_product_attention: {name} must have shape (B, L, heads, H) or (L, heads, H), \
             got {:?}",
            x.shape()
        ),
    }
}

fn prepend_ones(shape: &[usize], ndim: usize) -> Vec<usize> {
    let mut out = vec![1; ndim - shape.len()];
    out.extend_from_slice(shape);
    out
}

/// JAX's shape and dtype checks, with the dimensions they establish.
fn check_inputs(q: &Array, k: &Array, v: &Array, options: &AttentionOptions) -> Dims {
    let &[b, s, kh, h] = k.shape() else {
        unreachable!("ensure_4d made key 4-d")
    };
    let &[qb, t, n, qh] = q.shape() else {
        unreachable!("ensure_4d made query 4-d")
    };
    if v.shape() != k.shape() || v.dtype() != k.dtype() {
        panic!(
            "dot_product_attention: value must have key's shape and dtype (B, S, K, H) = \
             {:?} {:?}, got {:?} {:?}",
            k.shape(),
            k.dtype(),
            v.shape(),
            v.dtype()
        );
    }
    if qb != b || qh != h || q.dtype() != k.dtype() {
        panic!(
            "dot_product_attention: query (B, T, N, H) = {:?} {:?} must share the batch size B, \
             head size H and dtype of key (B, S, K, H) = {:?} {:?}",
            q.shape(),
            q.dtype(),
            k.shape(),
            k.dtype()
        );
    }
    if kh == 0 || !n.is_multiple_of(kh) {
        panic!(
            "dot_product_attention: the number of query heads must be a multiple of key/value \
             heads, but got {n} vs {kh} (query (B, T, N, H) = {:?}, key (B, S, K, H) = {:?})",
            q.shape(),
            k.shape()
        );
    }
    if let Some(m) = &options.mask
        && m.dtype() != DType::Bool
    {
        panic!(
            "dot_product_attention: mask must be a bool array, got {:?}",
            m.aval()
        );
    }
    for (name, lengths) in [
        ("query_seq_lengths", &options.query_seq_lengths),
        ("key_value_seq_lengths", &options.key_value_seq_lengths),
    ] {
        if let Some(l) = lengths
            && (l.dtype() != DType::I32 || l.shape() != [b])
        {
            panic!(
                "dot_product_attention: {name} must be int32 of shape (B,) = ({b},), got {}",
                l.aval()
            );
        }
    }
    Dims {
        b,
        t,
        s,
        n,
        k: kh,
        h,
    }
}

/// A bias or mask made 4-d and checked against `(B, N, T, S)`: each axis 1 or the full size.
/// The head axis must be exactly 1 or `N` (JAX regroups it as `(K, N/K)`).
fn grouped_operand(x: &Array, name: &str, d: &Dims) -> Array {
    let full = [d.b, d.n, d.t, d.s];
    if x.ndim() > 4
        || !prepend_ones(x.shape(), 4)
            .iter()
            .zip(full)
            .all(|(&a, f)| a == 1 || a == f)
    {
        panic!(
            "dot_product_attention: {name} of shape {:?} does not broadcast to \
             (B, N, T, S) = {full:?} (each axis must be 1 or the full size)",
            x.shape()
        );
    }
    x.reshape(prepend_ones(x.shape(), 4))
}

/// The attention itself on 4-d checked inputs: JAX's `_dot_product_attention_xla`, with the
/// grouping over query heads done by reshapes instead of a `vmap`.
#[allow(clippy::too_many_arguments)]
fn attention_4d(
    q: &Array,
    k: &Array,
    v: &Array,
    bias: Option<&Array>,
    masks: MaskInputs<'_>,
    masking: Masking,
    scale: f64,
    d: Dims,
) -> Array {
    let g = d.groups();
    let logits_dtype = promote_types(q.dtype(), DType::F32);
    let q_grouped = group_queries(q, d);
    let k_heads = k.transpose(&[0, 2, 1, 3]); // (B, K, S, H)
    let v_heads = v.transpose(&[0, 2, 1, 3]);
    let batch_bk = (&[0usize, 1][..], &[0usize, 1][..]);
    let logits = lax::dot_general(
        &q_grouped,
        &k_heads,
        DotDimensionNumbers::new((&[3], &[3]), batch_bk),
        Some(logits_dtype),
    )
    .reshape([d.b, d.n, d.t, d.s]);
    let mut logits = &logits * &Array::scalar(scale).astype(logits_dtype);
    if let Some(bias) = bias {
        logits = (&logits + bias).astype(logits_dtype);
    }
    if let Some(allowed) = combined_mask(masks, masking, d, 0..d.s) {
        logits = jnp::where_(&allowed, &logits, &large_negative(logits_dtype));
    }
    let probs = softmax(&logits.astype(DType::F32), -1).astype(k.dtype());
    let encoded = lax::dot_general(
        &probs.reshape([d.b, d.k, g * d.t, d.s]),
        &v_heads,
        DotDimensionNumbers::new((&[3], &[2]), batch_bk),
        None,
    );
    ungroup_queries(&encoded, d)
}

/// `(B, T, N, H)` to `(B, K, G*T, H)`. Query head `n = kk * G + gg` belongs to key/value head
/// `kk` (JAX reshapes `N` to `(K, G)`), so this layout pairs each group's queries with its key
/// head in one product batched over `(B, K)`.
pub(super) fn group_queries(x: &Array, d: Dims) -> Array {
    x.transpose(&[0, 2, 1, 3])
        .reshape([d.b, d.k, d.groups() * d.t, x.shape()[3]])
}

/// The inverse of [`group_queries`]: `(B, K, G*T, H)` to `(B, T, N, H)`.
pub(super) fn ungroup_queries(x: &Array, d: Dims) -> Array {
    x.reshape([d.b, d.n, d.t, x.shape()[3]])
        .transpose(&[0, 2, 1, 3])
}

/// JAX zeroes the outputs of padding queries (at or after `query_seq_lengths`).
fn zero_padded_queries(encoded: Array, lengths: Option<&Array>, d: Dims) -> Array {
    match lengths {
        Some(lengths) => {
            let valid = jnp::less(
                &lax::broadcasted_iota(DType::I32, [d.b, d.t, 1, 1], 1),
                &lengths.reshape([d.b, 1, 1, 1]),
            );
            &encoded * &valid.astype(encoded.dtype())
        }
        None => encoded,
    }
}

/// The conjunction of the user's mask, the causal and window masks and the padding masks for
/// the key positions `keys`, broadcastable to `(B, N, T, keys.len())`; `None` when nothing is
/// masked.
pub(super) fn combined_mask(
    masks: MaskInputs<'_>,
    masking: Masking,
    d: Dims,
    keys: Range<usize>,
) -> Option<Array> {
    let (t, s0, width) = (d.t, keys.start, keys.len());
    let mut parts: Vec<Array> = masks
        .mask
        .map(|m| {
            if m.shape()[3] == 1 {
                m.clone()
            } else {
                lax::slice_in_dim(m, keys.start, keys.end, 1, 3)
            }
        })
        .into_iter()
        .collect();
    // Causal and window masks depend only on static sizes: host-built constants.
    let grid = |allowed: &dyn Fn(usize, usize) -> bool| {
        let data = (0..t * width)
            .map(|i| allowed(i / width, s0 + i % width))
            .collect();
        Array::from_vec(data, [1, 1, t, width])
    };
    if masking.is_causal {
        parts.push(grid(&|ti, si| si <= ti));
    }
    if let Some((left, right)) = masking.local_window_size {
        parts.push(grid(&|ti, si| ti <= si + left && ti + right >= si));
    }
    let q_valid = masks.query_seq_lengths.map(|l| {
        jnp::less(
            &lax::broadcasted_iota(DType::I32, [d.b, 1, t, 1], 2),
            &l.reshape([d.b, 1, 1, 1]),
        )
    });
    let kv_valid = masks.key_value_seq_lengths.map(|l| {
        let positions = &lax::broadcasted_iota(DType::I32, [d.b, 1, 1, width], 3) + s0 as i32;
        jnp::less(&positions, &l.reshape([d.b, 1, 1, 1]))
    });
    parts.extend(q_valid);
    parts.extend(kv_valid);
    parts.into_iter().reduce(|a, b| jnp::logical_and(&a, &b))
}

/// JAX's `_get_large_negative`: `-0.7` times the largest float32 (capped there so that the
/// float32 softmax sees a finite number), computed in float32 as NumPy does with its weak
/// Python float, then stored in the logits' dtype.
pub(super) fn large_negative(dtype: DType) -> Array {
    Array::scalar(-0.7f32 * f32::MAX).astype(dtype)
}
