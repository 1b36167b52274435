//! The blockwise path of `dot_product_attention` ([`Implementation::Blockwise`]): an online
//! softmax over blocks of key positions, with its own backward pass (FlashAttention-2's, Dao
//! 2023), so that neither pass forms a `(T, S)` matrix.
//!
//! [`Implementation::Blockwise`]: super::Implementation::Blockwise

use std::ops::Range;

use super::attention::{
    combined_mask, group_queries, large_negative, ungroup_queries, Dims, MaskInputs, Masking,
};
use crate::array::{promote_types, Array, DType};
use crate::lax::{self, DotDimensionNumbers};
use crate::numpy as jnp;
use crate::transforms::custom_vjp;

/// `(query, key, value, mask, query_seq_lengths, key_value_seq_lengths)`, 4-d and checked.
pub(super) type Inputs = (
    Array,
    Array,
    Array,
    Option<Array>,
    Option<Array>,
    Option<Array>,
);

/// What the backward pass needs: the inputs, the output, and each query's largest logit `m`
/// and softmax denominator `l` (`(B, K, G*T, 1)`, float32). Kept apart rather than as the
/// log-sum-exp `m + log(l)`: for a fully masked query `m` is the mask value, about -2.4e38,
/// whose float32 spacing swallows `log(l)`.
type Residuals = (Inputs, Array, (Array, Array));

/// The static part of a call.
#[derive(Clone, Copy, Debug)]
struct Config {
    masking: Masking,
    scale: f64,
    d: Dims,
    block: usize,
}

/// The attention of the 4-d `inputs`, `(B, T, N, H)` (padding queries not yet zeroed),
/// differentiable in reverse mode through [`backward`].
pub(super) fn attention(
    inputs: Inputs,
    masking: Masking,
    scale: f64,
    d: Dims,
    block: usize,
) -> Array {
    let cfg = Config {
        masking,
        scale,
        d,
        block,
    };
    let f = custom_vjp(
        move |x: &Inputs| forward(x, cfg).0,
        move |x: &Inputs| {
            let (out, stats) = forward(x, cfg);
            (out.clone(), (x.clone(), out, stats))
        },
        move |res: &Residuals, ct: &Array| backward(res, ct, cfg),
    );
    f(&inputs)
}

/// The key ranges of the blocks.
fn blocks(s: usize, block: usize) -> impl Iterator<Item = Range<usize>> {
    (0..s).step_by(block).map(move |s0| s0..(s0 + block).min(s))
}

/// `(B, K, G*T, H) x (B, K, S', H)` contracted as `dims` say, batched over `(B, K)`.
fn batched(a: &Array, b: &Array, contract: (usize, usize), dtype: DType) -> Array {
    lax::dot_general(
        a,
        b,
        DotDimensionNumbers::new((&[contract.0], &[contract.1]), (&[0, 1], &[0, 1])),
        Some(dtype),
    )
}

/// One block's logits, `(B, K, G*T, len)` in float32, masked as the formula masks them, and
/// the block's mask in the same layout (`None` when nothing is masked).
fn block_logits(
    q_grouped: &Array,
    k_heads: &Array,
    x: &Inputs,
    keys: Range<usize>,
    cfg: Config,
) -> (Array, Option<Array>) {
    let d = cfg.d;
    let width = keys.len();
    let logits_dtype = promote_types(q_grouped.dtype(), DType::F32);
    let k_block = lax::slice_in_dim(k_heads, keys.start, keys.end, 1, 2);
    let logits = &batched(q_grouped, &k_block, (3, 3), logits_dtype)
        * &Array::scalar(cfg.scale).astype(logits_dtype);
    let masks = MaskInputs {
        mask: x.3.as_ref(),
        query_seq_lengths: x.4.as_ref(),
        key_value_seq_lengths: x.5.as_ref(),
    };
    let allowed = combined_mask(masks, cfg.masking, d, keys).map(|a| {
        a.broadcast_to([d.b, d.n, d.t, width])
            .reshape([d.b, d.k, d.groups() * d.t, width])
    });
    let logits = match &allowed {
        Some(a) => jnp::where_(a, &logits, &large_negative(logits_dtype)),
        None => logits,
    };
    (logits.astype(DType::F32), allowed)
}

/// The output `(B, T, N, H)` and each query's softmax statistics `(m, l)`.
///
/// Per block: `m' = max(m, rowmax(logits))`, `p = exp(logits - m')`,
/// `l = l * exp(m - m') + rowsum(p)`, `acc = acc * exp(m - m') + p v`; finally `acc / l`.
/// Masked logits hold the formula's finite large negative value, so a query with nothing to
/// attend to averages all values, as there.
fn forward(x: &Inputs, cfg: Config) -> (Array, (Array, Array)) {
    let (q, k, v) = (&x.0, &x.1, &x.2);
    let d = cfg.d;
    let rows = d.groups() * d.t;
    let acc_dtype = promote_types(v.dtype(), DType::F32);
    let q_grouped = group_queries(q, d);
    let k_heads = k.transpose(&[0, 2, 1, 3]);
    let v_heads = v.transpose(&[0, 2, 1, 3]);
    let mut m = jnp::full([d.b, d.k, rows, 1], f32::NEG_INFINITY);
    let mut l = jnp::zeros([d.b, d.k, rows, 1]);
    let mut acc = jnp::zeros([d.b, d.k, rows, d.h]).astype(acc_dtype);
    for keys in blocks(d.s, cfg.block) {
        let v_block = lax::slice_in_dim(&v_heads, keys.start, keys.end, 1, 2);
        let (logits, _) = block_logits(&q_grouped, &k_heads, x, keys, cfg);
        let m_new = jnp::maximum(&m, &jnp::max_keepdims(&logits, -1));
        let alpha = jnp::exp(&(&m - &m_new));
        let p = jnp::exp(&(&logits - &m_new));
        l = &(&l * &alpha) + &jnp::sum_keepdims(&p, -1);
        let pv = batched(&p.astype(v.dtype()), &v_block, (3, 2), acc_dtype);
        acc = &(&acc * &alpha.astype(acc_dtype)) + &pv;
        m = m_new;
    }
    let out = (&acc / &l.astype(acc_dtype)).astype(v.dtype());
    (ungroup_queries(&out, d), (m, l))
}

/// The cotangents of query, key and value (none for the masks), recomputing each block's
/// probabilities `p = exp(logits - m) / l`:
/// `dv = p^T do`, `ds = p * (do v^T - rowsum(do * out))` (zero where masked, as the formula's
/// `where` passes no gradient there), `dq = scale * ds k`, `dk = scale * ds^T q`.
fn backward(res: &Residuals, ct: &Array, cfg: Config) -> Inputs {
    let (x, out, (m, l)) = res;
    let (q, k, v) = (&x.0, &x.1, &x.2);
    let d = cfg.d;
    let acc = promote_types(q.dtype(), DType::F32);
    let q_grouped = group_queries(q, d);
    let k_heads = k.transpose(&[0, 2, 1, 3]);
    let v_heads = v.transpose(&[0, 2, 1, 3]);
    let dout = group_queries(ct, d).astype(acc);
    let delta = jnp::sum_keepdims(&(&dout * &group_queries(out, d).astype(acc)), -1);
    let mut dq = jnp::zeros([d.b, d.k, d.groups() * d.t, d.h]).astype(acc);
    let (mut dk_blocks, mut dv_blocks) = (Vec::new(), Vec::new());
    for keys in blocks(d.s, cfg.block) {
        let k_block = lax::slice_in_dim(&k_heads, keys.start, keys.end, 1, 2).astype(acc);
        let v_block = lax::slice_in_dim(&v_heads, keys.start, keys.end, 1, 2).astype(acc);
        let (logits, allowed) = block_logits(&q_grouped, &k_heads, x, keys, cfg);
        let p = (&jnp::exp(&(&logits - m)) / l).astype(acc);
        dv_blocks.push(batched(&p, &dout, (2, 2), acc));
        let dp = batched(&dout, &v_block, (3, 3), acc);
        let ds = &p * &(&dp - &delta);
        let ds = match &allowed {
            Some(a) => jnp::where_(a, &ds, &Array::weak_scalar(0.0f32)),
            None => ds,
        };
        dq = &dq + &batched(&ds, &k_block, (3, 2), acc);
        dk_blocks.push(batched(&ds, &q_grouped.astype(acc), (2, 2), acc));
    }
    let scale = Array::scalar(cfg.scale).astype(acc);
    let join = |parts: &[Array]| {
        let refs: Vec<&Array> = parts.iter().collect();
        lax::concatenate(&refs, 2).transpose(&[0, 2, 1, 3])
    };
    let dq = ungroup_queries(&(&dq * &scale), d).astype(q.dtype());
    let dk = (&join(&dk_blocks) * &scale).astype(k.dtype());
    let dv = join(&dv_blocks).astype(v.dtype());
    let zero = |a: &Option<Array>| a.as_ref().map(|a| Array::filtered_out(a.aval().clone()));
    (dq, dk, dv, zero(&x.3), zero(&x.4), zero(&x.5))
}
