//! `jax.nn.dot_product_attention` and `eqx.nn.MultiheadAttention` against real JAX 0.10.2 /
//! Equinox 0.13.8 (`parity/nn_attention.py` → `parity/goldens/nn_attention.json`): outputs and
//! gradients of `sum(out * c)`, initial parameters bit for bit, dropout for given keys. Then
//! properties against the naive formula, grouped-query attention, and misuse.

use equinox as eqx;
use equinox_testing::{mismatches, Golden, Scale, Tolerance};
use eqx::nn::{
    self, AttentionOptions, Implementation, MultiheadAttention, MultiheadAttentionCall,
    MultiheadAttentionOptions,
};
use eqx::{numpy as jnp, random, Array, DType};
use proptest::prelude::*;
use serde_json::Value;

use crate::common;
use common::golden_arrays::{array_of, assert_bit_equal, assert_same_layout, dtype_of, values};

fn golden() -> Golden {
    Golden::load("nn_attention")
}

const DPA: &[&str] = &["dot_product_attention"];
const MHA: &[&str] = &["mha"];
const MHA_DROPOUT: &[&str] = &["mha_dropout"];
const X64: &[&str] = &["x64"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[DPA, MHA, MHA_DROPOUT, X64]);
}

/// Dtype and shape equal, and every element within `rtol` times the largest magnitude of the
/// expected array ([`Scale::Case`]): 1e-6 for float32 (about 8 ulp), 1e-12 for float64, 2e-3
/// for float16 and 1.6e-2 for bfloat16 (2 ulp). Relative to the case rather than each element
/// because the products here are sums of many terms, which XLA and our gemm add in different
/// orders: the rounding error is relative to the terms, and a gradient element that cancels
/// to near zero carries the error of terms far larger than itself.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    assert_close_f32(actual, expected, what, 1e-6);
}

/// [`assert_close`] with the float32 tolerance given.
fn assert_close_f32(actual: &Array, expected: &Value, what: &str, f32_rtol: f64) {
    assert_same_layout(actual, expected, what);
    let rtol = match dtype_of(expected) {
        DType::F16 => 2e-3,
        DType::BF16 => 1.6e-2,
        DType::F64 => 1e-12,
        _ => f32_rtol,
    };
    let want = values(&array_of(expected));
    let bad = mismatches(
        what,
        &values(actual),
        &want,
        Tolerance::rel(rtol),
        Scale::Case,
    );
    equinox_testing::close::assert_no_mismatches(&bad, Tolerance::rel(rtol));
}

fn opt_array(case: &Value, name: &str) -> Option<Array> {
    case.get(name).map(array_of)
}

fn dpa_options(case: &Value, bias: Option<Array>) -> AttentionOptions {
    AttentionOptions {
        bias,
        mask: opt_array(case, "mask"),
        scale: case.get("scale").map(|s| s.as_f64().unwrap()),
        is_causal: case.get("is_causal").is_some_and(|c| c.as_bool().unwrap()),
        query_seq_lengths: opt_array(case, "query_seq_lengths"),
        key_value_seq_lengths: opt_array(case, "key_value_seq_lengths"),
        local_window_size: case.get("local_window_size").map(|w| {
            let w: Vec<usize> = w
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect();
            (w[0], w[1])
        }),
        ..Default::default()
    }
}

/// The golden's output and gradients for one `dot_product_attention` case.
///
/// Float64 cases are compared within 1e-6 of the case's scale, not 1e-12: JAX computes the
/// softmax in float32 for every input dtype, so float64 results carry float32 rounding (of
/// `exp`, which XLA and we round differently).
fn check_dpa_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let (q, k, v) = (
        array_of(&case["query"]),
        array_of(&case["key"]),
        array_of(&case["value"]),
    );
    let check = |got: &Array, want: &Value, what: &str| {
        let what = format!("{name}: {what}");
        if dtype_of(want) == DType::F64 {
            assert_same_layout(got, want, &what);
            let bad = mismatches(
                &what,
                &values(got),
                &values(&array_of(want)),
                Tolerance::rel(1e-6),
                Scale::Case,
            );
            equinox_testing::close::assert_no_mismatches(&bad, Tolerance::rel(1e-6));
        } else {
            assert_close(got, want, &what);
        }
    };
    let bias = opt_array(case, "bias");
    let out = nn::dot_product_attention_with_options(&q, &k, &v, dpa_options(case, bias.clone()));
    check(&out, &case["out"], "output");

    let c = array_of(&case["c"]);
    // The bias slot holds a dummy scalar when the case has no bias.
    let args = (
        q,
        k,
        v,
        bias.clone().unwrap_or_else(|| Array::scalar(0.0f32)),
    );
    let grads = eqx::filter_grad(|a: &(Array, Array, Array, Array)| {
        let opts = dpa_options(case, bias.is_some().then(|| a.3.clone()));
        let out = nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, opts);
        (&out.astype(DType::F32) * &c).sum(None)
    })(&args);
    let expected = case["grads"].as_object().unwrap();
    assert_eq!(expected.len(), if bias.is_some() { 4 } else { 3 }, "{name}");
    for (input, grad) in [
        ("query", &grads.0),
        ("key", &grads.1),
        ("value", &grads.2),
        ("bias", &grads.3),
    ] {
        if let Some(want) = expected.get(input) {
            check(grad, want, &format!("gradient of {input}"));
        }
    }
}

#[test]
fn dot_product_attention_matches_jax() {
    let g = golden();
    for case in g.section("dot_product_attention").iter() {
        check_dpa_case(case);
    }
    g.assert_sections_read(DPA);
}

#[test]
fn blockwise_dot_product_attention_matches_jax() {
    // The golden cases without a bias, in blocks of 2 key positions (so every case with more
    // than 2 keys has several blocks, a last one shorter in the odd ones). The half-precision
    // cases differ from JAX by a rounding step there: the blockwise path rounds the
    // unnormalised probabilities to the value dtype, JAX the normalised ones.
    let g = golden();
    let mut checked = 0;
    for case in g.section("dot_product_attention").iter() {
        if case.get("bias").is_some() {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let (q, k, v) = (
            array_of(&case["query"]),
            array_of(&case["key"]),
            array_of(&case["value"]),
        );
        let options = || AttentionOptions {
            implementation: Implementation::Blockwise { block_size: 2 },
            ..dpa_options(case, None)
        };
        let out = nn::dot_product_attention_with_options(&q, &k, &v, options());
        assert_close(&out, &case["out"], &format!("{name} (blockwise): output"));
        let c = array_of(&case["c"]);
        let grads = eqx::filter_grad(|a: &(Array, Array, Array)| {
            (&nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, options()) * &c).sum(None)
        })(&(q, k, v));
        for (input, grad) in [("query", &grads.0), ("key", &grads.1), ("value", &grads.2)] {
            let what = format!("{name} (blockwise): gradient of {input}");
            assert_close(grad, &case["grads"][input], &what);
        }
        checked += 1;
    }
    assert_eq!(checked, 13);
}

/// The layer a golden case describes, made from its key.
fn mha_of(case: &Value) -> MultiheadAttention {
    let size = |k: &str| case.get(k).map(|v| v.as_u64().unwrap() as usize);
    let flag = |k: &str| case.get(k).is_some_and(|v| v.as_bool().unwrap());
    let options = MultiheadAttentionOptions {
        key_size: size("key_size"),
        value_size: size("value_size"),
        output_size: size("output_size"),
        qk_size: size("qk_size"),
        vo_size: size("vo_size"),
        use_query_bias: flag("use_query_bias"),
        use_key_bias: flag("use_key_bias"),
        use_value_bias: flag("use_value_bias"),
        use_output_bias: flag("use_output_bias"),
        dropout_p: case.get("dropout_p").map_or(0.0, |p| p.as_f64().unwrap()),
        dtype: case.get("dtype").map_or(DType::F32, |d| {
            DType::from_name(d.as_str().unwrap()).unwrap()
        }),
        ..Default::default()
    };
    MultiheadAttention::with_options(
        size("num_heads").unwrap(),
        size("query_size").unwrap(),
        options,
        random::key(case["key"].as_u64().unwrap()),
    )
}

/// The parameters by the golden's names (`query_proj.weight`, ...).
fn params(m: &MultiheadAttention) -> Vec<(String, Array)> {
    let mut out = Vec::new();
    for (proj, lin) in [
        ("query_proj", &m.query_proj),
        ("key_proj", &m.key_proj),
        ("value_proj", &m.value_proj),
        ("output_proj", &m.output_proj),
    ] {
        out.push((format!("{proj}.weight"), lin.weight.clone()));
        if let Some(b) = &lin.bias {
            out.push((format!("{proj}.bias"), b.clone()));
        }
    }
    out
}

fn set_param(m: &mut MultiheadAttention, name: &str, value: Array) {
    let (proj, field) = name.split_once('.').unwrap();
    let lin = match proj {
        "query_proj" => &mut m.query_proj,
        "key_proj" => &mut m.key_proj,
        "value_proj" => &mut m.value_proj,
        "output_proj" => &mut m.output_proj,
        other => panic!("no projection {other}"),
    };
    match field {
        "weight" => lin.weight = value,
        "bias" => lin.bias = Some(value),
        other => panic!("no field {other}"),
    }
}

/// The golden's `process_heads`: `(q * 0.5, flip(k, heads axis), v + 1)`.
fn process_heads(q: &Array, k: &Array, v: &Array) -> (Array, Array, Array) {
    (q * 0.5, jnp::flip(k, 1), v + 1.0)
}

fn check_mha_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let mut layer = mha_of(case);
    let init = case["init"].as_object().unwrap();
    let ours = params(&layer);
    let mut names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    // serde_json's map keeps its keys sorted.
    assert_eq!(
        names,
        init.keys().map(String::as_str).collect::<Vec<_>>(),
        "{name}: parameters"
    );
    for (p, a) in &ours {
        assert_bit_equal(a, &init[p], &format!("{name}: initial {p}"));
    }
    for (p, v) in case["params"].as_object().unwrap() {
        set_param(&mut layer, p, array_of(v));
    }
    let (q, k, v) = (
        array_of(&case["query"]),
        array_of(&case["key_"]),
        array_of(&case["value"]),
    );
    let mask = opt_array(case, "mask");
    let heads: nn::ProcessHeads = &process_heads;
    let run = |m: &MultiheadAttention, q: &Array, k: &Array, v: &Array| {
        m.forward_with(
            q,
            k,
            v,
            MultiheadAttentionCall {
                mask: mask.as_ref(),
                process_heads: case["process_heads"].as_bool().unwrap().then_some(heads),
                ..Default::default()
            },
        )
    };
    let y = run(&layer, &q, &k, &v);
    assert_close(&y, &case["y"], &format!("{name}: forward"));
    let Some(grads) = case.get("grads") else {
        return;
    };
    let c = array_of(&case["c"]);
    let (g_layer, g_q, g_k, g_v) =
        eqx::filter_grad(|a: &(MultiheadAttention, Array, Array, Array)| {
            (&run(&a.0, &a.1, &a.2, &a.3).astype(DType::F32) * &c).sum(None)
        })(&(layer, q, k, v));
    let g_params = params(&g_layer);
    for (p, want) in grads.as_object().unwrap() {
        let got = match p.as_str() {
            "query" => &g_q,
            "key_" => &g_k,
            "value" => &g_v,
            _ => &g_params.iter().find(|(n, _)| n == p).expect("a gradient").1,
        };
        // 4e-6 (about 32 ulp of the case's largest element) rather than 1e-6: the layer's
        // gradients pass through three chained products and the softmax backward
        // `p * (g - sum(p * g))`, whose subtraction cancels, so the summation order (XLA's
        // fused loops against our gemm) shows more. In `sizes_biases` the key input's gradient
        // differs from the float64 value by 1.6e-6 of its scale here, 5e-8 in JAX; the float64
        // case, the forward passes and `dot_product_attention`'s gradients all meet 1e-6 (or
        // 1e-12), which is what rules out a difference in the formula.
        let what = format!("{name}: gradient of {p}");
        if p == "key_proj.bias" {
            // Mathematically zero: the key bias adds `q . b` to a whole row of logits, which
            // the softmax ignores. Both sides hold rounding noise of the row's terms (~1e-6).
            let tol = Tolerance::new(0.0, 1e-5);
            equinox_testing::assert_close(&what, &values(got), &values(&array_of(want)), tol);
            assert!(
                values(got).iter().all(|g| g.abs() < 1e-5),
                "{what}: not about zero"
            );
        } else {
            assert_close_f32(got, want, &what, 4e-6);
        }
    }
    assert_eq!(
        grads.as_object().unwrap().len(),
        g_params.len() + 3,
        "{name}: every gradient compared"
    );
}

#[test]
fn multihead_attention_matches_equinox() {
    let g = golden();
    for case in g.section("mha").iter() {
        check_mha_case(case);
    }
    g.assert_sections_read(MHA);
}

#[test]
fn float64_attention_matches_jax_and_equinox() {
    let g = golden();
    for (kind, cases) in g.section("x64").entries() {
        for case in cases.as_array().unwrap() {
            match kind {
                "mha" => check_mha_case(case),
                "dot_product_attention" => check_dpa_case(case),
                other => panic!("unknown x64 kind {other}"),
            }
        }
    }
    g.assert_sections_read(X64);
}

#[test]
fn multihead_attention_dropout_draws_equinoxs_elements() {
    let g = golden();
    let mut dropped_somewhere = false;
    for case in g.section("mha_dropout").iter() {
        let name = case["name"].as_str().unwrap();
        let layer = mha_of(case);
        let (q, k, v) = (
            array_of(&case["query"]),
            array_of(&case["key_"]),
            array_of(&case["value"]),
        );
        let call = MultiheadAttentionCall {
            key: Some(random::key(case["call_key"].as_u64().unwrap())),
            inference: case["inference"].as_bool(),
            ..Default::default()
        };
        let y = layer.forward_with(&q, &k, &v, call);
        assert_close(&y, &case["y"], &format!("{name}: forward"));
        dropped_somewhere |= values(&y)
            != values(&layer.forward_with(
                &q,
                &k,
                &v,
                MultiheadAttentionCall {
                    inference: Some(true),
                    ..Default::default()
                },
            ));
    }
    // The training cases differ from inference, so the comparison above saw dropout act.
    assert!(dropped_somewhere);
    g.assert_sections_read(MHA_DROPOUT);
}

// ---------------------------------------------------------------------------------------------
// dot_product_attention against the naive formula.

/// The shapes and options of one random attention problem.
#[derive(Clone, Debug)]
struct Problem {
    b: usize,
    t: usize,
    s: usize,
    kv_heads: usize,
    groups: usize,
    h: usize,
    batched: bool,
    masked: bool,
    biased: bool,
    is_causal: bool,
    scale: Option<f64>,
    seed: u64,
}

fn problems() -> impl Strategy<Value = Problem> {
    (
        (
            1usize..=2,
            1usize..=5,
            1usize..=5,
            1usize..=3,
            1usize..=3,
            1usize..=4,
        ),
        (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (prop::option::of(0.1f64..2.0), any::<u32>()),
    )
        .prop_map(
            |(
                (b, t, s, kv_heads, groups, h),
                (batched, masked, biased, is_causal),
                (scale, seed),
            )| Problem {
                b: if batched { b } else { 1 },
                t,
                s,
                kv_heads,
                groups,
                h,
                batched,
                masked,
                biased,
                is_causal,
                scale,
                seed: u64::from(seed),
            },
        )
}

/// The inputs of a problem: query, key, value, `c` (the loss weights), and the optional
/// `(B, N, T, S)` mask (never masking key 0, so that every query attends to something) and
/// bias.
fn inputs(p: &Problem) -> (Array, Array, Array, Array, Option<Array>, Option<Array>) {
    let n = p.kv_heads * p.groups;
    let keys = random::split_vec(random::key(p.seed), 6);
    let normal = |i: usize, shape: Vec<usize>| random::normal(keys[i].clone(), shape, DType::F32);
    let lead = |rest: [usize; 3]| {
        let mut s = if p.batched { vec![p.b] } else { vec![] };
        s.extend(rest);
        s
    };
    let q = normal(0, lead([p.t, n, p.h]));
    let k = normal(1, lead([p.s, p.kv_heads, p.h]));
    let v = normal(2, lead([p.s, p.kv_heads, p.h]));
    let c = normal(3, lead([p.t, n, p.h]));
    let mask = p.masked.then(|| {
        let m = random::bernoulli(keys[4].clone(), 0.6, [p.b, n, p.t, p.s]);
        let first_key =
            Array::from_vec((0..p.s).map(|s| s == 0).collect::<Vec<_>>(), [1, 1, 1, p.s]);
        jnp::logical_or(&m, &first_key)
    });
    let bias = p.biased.then(|| normal(5, vec![p.b, n, p.t, p.s]));
    (q, k, v, c, mask, bias)
}

/// `softmax(q k^T * scale + bias, masked to -inf) v` per head, with key/value head `n / G`
/// repeated for query head `n`: the textbook formula, without the grouping reshapes or the
/// finite mask value of the implementation.
fn naive(
    p: &Problem,
    q: &Array,
    k: &Array,
    v: &Array,
    mask: Option<&Array>,
    bias: Option<&Array>,
) -> Array {
    let four = |x: &Array| {
        if p.batched {
            x.clone()
        } else {
            x.expand_dims(0)
        }
    };
    let (q4, k4, v4) = (four(q), four(k), four(v));
    let k4 = jnp::repeat(&k4, p.groups, Some(2));
    let v4 = jnp::repeat(&v4, p.groups, Some(2));
    let scale = p.scale.unwrap_or(1.0 / (p.h as f64).sqrt());
    let mut logits = &jnp::einsum("btnh,bsnh->bnts", &[&q4, &k4]) * scale;
    if let Some(bias) = bias {
        logits = &logits + bias;
    }
    let mut allowed = mask.cloned();
    if p.is_causal {
        let causal = Array::from_vec(
            (0..p.t * p.s)
                .map(|i| i % p.s <= i / p.s)
                .collect::<Vec<_>>(),
            [1, 1, p.t, p.s],
        );
        allowed = Some(allowed.map_or(causal.clone(), |m| jnp::logical_and(&m, &causal)));
    }
    if let Some(allowed) = allowed {
        logits = jnp::where_(&allowed, &logits, &Array::scalar(f32::NEG_INFINITY));
    }
    let out = jnp::einsum("bnts,bsnh->btnh", &[&nn::softmax(&logits, -1), &v4]);
    if p.batched {
        out
    } else {
        out.squeeze(0)
    }
}

/// Within 1e-5 of the largest expected magnitude, plus `atol`.
fn assert_within(what: &str, got: &Array, want: &Array, atol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape(), "{}: shape", what);
    let tol = Tolerance::new(1e-5, atol);
    let bad = mismatches(what, &values(got), &values(want), tol, Scale::Case);
    prop_assert!(bad.is_empty(), "{}: {:?}", what, &bad[..bad.len().min(5)]);
    Ok(())
}

/// Within 1e-5 of the largest expected magnitude.
fn assert_near(what: &str, got: &Array, want: &Array) -> Result<(), TestCaseError> {
    assert_within(what, got, want, 0.0)
}

/// The largest magnitude in `a`.
fn max_abs(a: &Array) -> f64 {
    values(a).iter().fold(0.0f64, |m, x| m.max(x.abs()))
}

/// Values that are weighted sums of `terms` with weights in [0, 1] (softmax probabilities):
/// the output (rows of `v`) and the value gradient (rows of the loss weights `c`). Such sums can
/// cancel far below their terms, so rounding is bounded by the terms, not by the result:
/// within 1e-5 of the largest expected magnitude plus 1e-5 times the largest |term|. (Two cases
/// seen: outputs of about 1e-4 from values of about 1, off by 1.7e-9; a value gradient of
/// 1.7e-3 summed from nine weights of about 1, off by 1.2e-7.)
fn assert_near_terms(
    what: &str,
    got: &Array,
    want: &Array,
    terms: &Array,
) -> Result<(), TestCaseError> {
    assert_within(what, got, want, 1e-5 * max_abs(terms))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn dot_product_attention_and_its_gradients_are_the_naive_formula(p in problems()) {
        let (q, k, v, c, mask, bias) = inputs(&p);
        let options = |bias: Option<Array>| AttentionOptions {
            bias,
            mask: mask.clone(),
            scale: p.scale,
            is_causal: p.is_causal,
            ..Default::default()
        };
        let ours = nn::dot_product_attention_with_options(&q, &k, &v, options(bias.clone()));
        let reference = naive(&p, &q, &k, &v, mask.as_ref(), bias.as_ref());
        assert_near_terms("output", &ours, &reference, &v)?;

        let args = (q, k, v, bias.clone().unwrap_or_else(|| Array::scalar(0.0f32)));
        let has_bias = bias.is_some();
        let g_ours = eqx::filter_grad(|a: &(Array, Array, Array, Array)| {
            let out = nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, options(has_bias.then(|| a.3.clone())));
            (&out * &c).sum(None)
        })(&args);
        let g_naive = eqx::filter_grad(|a: &(Array, Array, Array, Array)| {
            let out = naive(&p, &a.0, &a.1, &a.2, mask.as_ref(), has_bias.then_some(&a.3));
            (&out * &c).sum(None)
        })(&args);
        assert_near("gradient of query", &g_ours.0, &g_naive.0)?;
        assert_near("gradient of key", &g_ours.1, &g_naive.1)?;
        assert_near_terms("gradient of value", &g_ours.2, &g_naive.2, &c)?;
        if has_bias {
            assert_near("gradient of bias", &g_ours.3, &g_naive.3)?;
        }
    }
}

/// A random problem for the blockwise path: every option but the bias, and a block size.
fn blockwise_problems(
) -> impl Strategy<Value = (Problem, usize, Option<(usize, usize)>, bool, bool)> {
    (
        problems(),
        1usize..=4,
        prop::option::of((0usize..3, 0usize..3)),
        any::<bool>(),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn blockwise_attention_and_its_gradients_equal_the_formula(
        (p, block_size, window, q_lengths, kv_lengths) in blockwise_problems()
    ) {
        let (q, k, v, c, mask, _) = inputs(&p);
        // Lengths from 0 to the full length: 0 leaves a query (or all keys) fully masked.
        let lengths = |on: bool, full: usize, salt: u64| on.then(|| {
            random::randint(random::key(p.seed + salt), [p.b], 0, full as i64 + 1, DType::I32)
        });
        let options = |implementation| AttentionOptions {
            mask: mask.clone(),
            scale: p.scale,
            is_causal: p.is_causal,
            local_window_size: window,
            query_seq_lengths: if p.batched { lengths(q_lengths, p.t, 1) } else { None },
            key_value_seq_lengths: if p.batched { lengths(kv_lengths, p.s, 2) } else { None },
            implementation,
            ..Default::default()
        };
        let blockwise = Implementation::Blockwise { block_size };
        let run = |a: &(Array, Array, Array), implementation| {
            nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, options(implementation))
        };
        let args = (q, k, v);
        assert_near_terms("output", &run(&args, blockwise), &run(&args, Implementation::Xla), &args.2)?;
        let grad = |implementation| eqx::filter_grad(|a: &(Array, Array, Array)| {
            (&run(a, implementation) * &c).sum(None)
        })(&args);
        let (ours, formula) = (grad(blockwise), grad(Implementation::Xla));
        // The query and key gradients are sums of `p * (dp - rowsum(p * dp))`, which the
        // blockwise backward forms as `p * (dp - rowsum(dout * out))`: a difference of terms
        // of size |c| |v| that can cancel far below them (a saturated softmax), so rounding is
        // bounded by those terms, not by the result. Hence an absolute part of 1e-5 times
        // scale |c| |v| |k| (|q| for the key's gradient), with maxima over the arrays.
        let scale = p.scale.unwrap_or(1.0 / (p.h as f64).sqrt());
        let terms = scale * max_abs(&c) * max_abs(&args.2);
        assert_within("gradient of query", &ours.0, &formula.0, 1e-5 * terms * max_abs(&args.1))?;
        assert_within("gradient of key", &ours.1, &formula.1, 1e-5 * terms * max_abs(&args.0))?;
        assert_near_terms("gradient of value", &ours.2, &formula.2, &c)?;
    }
}

#[test]
fn blockwise_attention_differentiates_under_jit() {
    let p = Problem {
        b: 2,
        t: 5,
        s: 7,
        kv_heads: 1,
        groups: 2,
        h: 3,
        batched: true,
        masked: true,
        biased: false,
        is_causal: true,
        scale: None,
        seed: 9,
    };
    let (q, k, v, c, mask, _) = inputs(&p);
    let loss = |a: &(Array, Array, Array), implementation| {
        let options = AttentionOptions {
            mask: mask.clone(),
            is_causal: true,
            implementation,
            ..Default::default()
        };
        (&nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, options) * &c).sum(None)
    };
    let blockwise = Implementation::Blockwise { block_size: 3 };
    let args = (q, k, v);
    let jitted = eqx::filter_jit(eqx::filter_grad(|a: &(Array, Array, Array)| {
        loss(a, blockwise)
    }))(&args);
    let formula = eqx::filter_grad(|a: &(Array, Array, Array)| loss(a, Implementation::Xla))(&args);
    for (got, want) in [
        (&jitted.0, &formula.0),
        (&jitted.1, &formula.1),
        (&jitted.2, &formula.2),
    ] {
        let bad = mismatches(
            "jit",
            &values(got),
            &values(want),
            Tolerance::rel(1e-5),
            Scale::Case,
        );
        assert!(bad.is_empty(), "{bad:?}");
    }
}

#[test]
fn dot_product_attention_composes_with_jit_and_vmap() {
    let p = Problem {
        b: 2,
        t: 3,
        s: 4,
        kv_heads: 2,
        groups: 2,
        h: 3,
        batched: true,
        masked: true,
        biased: false,
        is_causal: true,
        scale: None,
        seed: 5,
    };
    // Two different examples, mapped over their leading axis.
    let (q, k, v, _, mask, _) = inputs(&p);
    let mask = mask.unwrap(); // (B, N, T, S): one (N, T, S) mask per example
    for implementation in [
        Implementation::Xla,
        Implementation::Blockwise { block_size: 3 },
    ] {
        let attend = |q: &Array, k: &Array, v: &Array, m: &Array| {
            let options = AttentionOptions {
                mask: Some(m.clone()),
                is_causal: true,
                implementation,
                ..Default::default()
            };
            nn::dot_product_attention_with_options(q, k, v, options)
        };
        let mapped = eqx::vmap(attend)(&q, &k, &v, &mask);
        let jitted = eqx::filter_jit(attend)(&q, &k, &v, &mask);
        let eager = attend(&q, &k, &v, &mask);
        assert_eq!(values(&jitted), values(&eager), "{implementation:?}: jit");
        for i in 0..2 {
            let at = |x: &Array| eqx::lax::slice_in_dim(x, i, i + 1, 1, 0).squeeze(0);
            let one = attend(&at(&q), &at(&k), &at(&v), &at(&mask));
            let what = format!("{implementation:?}: vmap, example {i}");
            let bad = mismatches(
                &what,
                &values(&at(&mapped)),
                &values(&one),
                Tolerance::rel(1e-6),
                Scale::Case,
            );
            assert!(bad.is_empty(), "{bad:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// MultiheadAttention beyond Equinox.

#[test]
fn grouped_query_attention_is_full_attention_with_repeated_key_value_heads() {
    // 4 query heads sharing 2 key/value heads, against Equinox's layer with each key/value
    // head's projection rows repeated for the two query heads that use it.
    let (heads, kv_heads, size) = (4, 2, 8);
    let gqa = MultiheadAttention::with_options(
        heads,
        size,
        MultiheadAttentionOptions {
            num_kv_heads: Some(kv_heads),
            use_key_bias: true,
            ..Default::default()
        },
        random::key(3),
    );
    assert_eq!(gqa.key_proj.weight.shape(), &[kv_heads * 2, size]);
    let mut full = MultiheadAttention::with_options(
        heads,
        size,
        MultiheadAttentionOptions {
            use_key_bias: true,
            ..Default::default()
        },
        random::key(3),
    );
    let repeat_heads = |w: &Array| {
        let rest: Vec<usize> = w.shape()[1..].to_vec();
        let mut grouped = vec![kv_heads, 1, 2];
        grouped.extend(&rest);
        let mut repeated = vec![kv_heads, 2, 2];
        repeated.extend(&rest);
        let mut flat = vec![heads * 2];
        flat.extend(&rest);
        w.reshape(grouped).broadcast_to(repeated).reshape(flat)
    };
    full.query_proj = gqa.query_proj.clone();
    full.output_proj = gqa.output_proj.clone();
    full.key_proj.weight = repeat_heads(&gqa.key_proj.weight);
    full.key_proj.bias = gqa.key_proj.bias.as_ref().map(repeat_heads);
    full.value_proj.weight = repeat_heads(&gqa.value_proj.weight);
    let x = random::normal(random::key(4), [5, size], DType::F32);
    let mask = random::bernoulli(random::key(5), 0.7, [heads, 5, 5]);
    let mask = jnp::logical_or(&mask, &jnp::eye(5).astype(DType::Bool));
    let call = || MultiheadAttentionCall {
        mask: Some(&mask),
        ..Default::default()
    };
    let (a, b) = (
        gqa.forward_with(&x, &x, &x, call()),
        full.forward_with(&x, &x, &x, call()),
    );
    let bad = mismatches(
        "gqa",
        &values(&a),
        &values(&b),
        Tolerance::rel(1e-6),
        Scale::Case,
    );
    assert!(bad.is_empty(), "{bad:?}");
    // And the layer is not trivially ignoring the grouping: other kv heads give another result.
    full.value_proj.weight = jnp::flip(&full.value_proj.weight, 0);
    assert_ne!(values(&a), values(&full.forward_with(&x, &x, &x, call())));
}

#[test]
fn the_causal_option_is_a_lower_triangular_mask() {
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    let x = random::normal(random::key(1), [4, 4], DType::F32);
    let tril = Array::from_vec((0..16).map(|i| i % 4 <= i / 4).collect::<Vec<_>>(), [4, 4]);
    let causal = mha.forward_with(
        &x,
        &x,
        &x,
        MultiheadAttentionCall {
            is_causal: true,
            ..Default::default()
        },
    );
    let masked = mha.forward_with(
        &x,
        &x,
        &x,
        MultiheadAttentionCall {
            mask: Some(&tril),
            ..Default::default()
        },
    );
    assert_eq!(values(&causal), values(&masked));
    assert_ne!(values(&causal), values(&mha.forward(&x, &x, &x)));
    // Combined with a mask by logical and: the first key only, for every query.
    let first = Array::from_vec((0..16).map(|i| i % 4 == 0).collect::<Vec<_>>(), [4, 4]);
    let both = mha.forward_with(
        &x,
        &x,
        &x,
        MultiheadAttentionCall {
            mask: Some(&first),
            is_causal: true,
            ..Default::default()
        },
    );
    let only_first = mha.forward_with(
        &x,
        &x,
        &x,
        MultiheadAttentionCall {
            mask: Some(&first),
            ..Default::default()
        },
    );
    assert_eq!(values(&both), values(&only_first));
}

// ---------------------------------------------------------------------------------------------
// Misuse.

#[test]
#[should_panic(
    expected = "nn::MultiheadAttention: key_ must have shape (seq_length, 4) for this layer (key_ size 4), got [3, 5]"
)]
fn a_key_of_the_wrong_size_panics() {
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    mha.forward(&jnp::ones([2, 4]), &jnp::ones([3, 5]), &jnp::ones([3, 4]));
}

#[test]
#[should_panic(
    expected = "nn::MultiheadAttention: mask must have shape (query_seq_length, kv_seq_length) = (2, 3) or (num_heads, query_seq_length, kv_seq_length) = (2, 2, 3), got [3, 2]"
)]
fn a_mask_of_the_wrong_shape_panics() {
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    let mask = jnp::ones([3, 2]).astype(DType::Bool);
    mha.forward_with(
        &jnp::ones([2, 4]),
        &jnp::ones([3, 4]),
        &jnp::ones([3, 4]),
        MultiheadAttentionCall {
            mask: Some(&mask),
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(
    expected = "nn::MultiheadAttention: key and value must both be sequences of equal length, got key_ [3, 4] and value [2, 4]"
)]
fn key_and_value_of_different_lengths_panic() {
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    mha.forward(&jnp::ones([2, 4]), &jnp::ones([3, 4]), &jnp::ones([2, 4]));
}

#[test]
#[should_panic(
    expected = "nn::MultiheadAttention: process_heads must not change the shape of the heads: (query, key, value) heads [[2, 2, 2], [3, 2, 2], [3, 2, 2]] became [[2, 2, 1], [3, 2, 2], [3, 2, 2]]"
)]
fn process_heads_changing_a_shape_panics() {
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    let halve: nn::ProcessHeads =
        &|q, k, v| (eqx::lax::slice_in_dim(q, 0, 1, 1, 2), k.clone(), v.clone());
    mha.forward_with(
        &jnp::ones([2, 4]),
        &jnp::ones([3, 4]),
        &jnp::ones([3, 4]),
        MultiheadAttentionCall {
            process_heads: Some(halve),
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(
    expected = "nn::Dropout: Dropout requires a key when running in non-deterministic mode."
)]
fn dropout_without_a_key_panics() {
    let mha = MultiheadAttention::with_options(
        2,
        4,
        MultiheadAttentionOptions {
            dropout_p: 0.5,
            ..Default::default()
        },
        random::key(0),
    );
    mha.forward(&jnp::ones([2, 4]), &jnp::ones([3, 4]), &jnp::ones([3, 4]));
}

#[test]
#[should_panic(
    expected = "dot_product_attention: query (B, T, N, H) = [2, 3, 4, 8] F32 must share the batch size B, head size H and dtype of key (B, S, K, H) = [2, 5, 2, 4] F32"
)]
fn dot_product_attention_with_mismatched_head_sizes_panics() {
    nn::dot_product_attention(
        &jnp::ones([2, 3, 4, 8]),
        &jnp::ones([2, 5, 2, 4]),
        &jnp::ones([2, 5, 2, 4]),
    );
}

#[test]
#[should_panic(
    expected = "dot_product_attention: the number of query heads must be a multiple of key/value heads, but got 3 vs 2 (query (B, T, N, H) = [1, 3, 3, 4], key (B, S, K, H) = [1, 5, 2, 4])"
)]
fn dot_product_attention_with_indivisible_heads_panics() {
    nn::dot_product_attention(
        &jnp::ones([3, 3, 4]),
        &jnp::ones([5, 2, 4]),
        &jnp::ones([5, 2, 4]),
    );
}

#[test]
#[should_panic(
    expected = "dot_product_attention: mask of shape [3, 4] does not broadcast to (B, N, T, S) = [1, 2, 3, 5] (each axis must be 1 or the full size)"
)]
fn dot_product_attention_with_a_mask_of_the_wrong_shape_panics() {
    let mask = jnp::ones([3, 4]).astype(DType::Bool);
    nn::dot_product_attention_with_options(
        &jnp::ones([3, 2, 4]),
        &jnp::ones([5, 2, 4]),
        &jnp::ones([5, 2, 4]),
        AttentionOptions {
            mask: Some(mask),
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(
    expected = "dot_product_attention: query_seq_lengths must be int32 of shape (B,) = (2,), got i32[3]"
)]
fn dot_product_attention_with_lengths_of_the_wrong_shape_panics() {
    let q = jnp::ones([2, 3, 2, 4]);
    nn::dot_product_attention_with_options(
        &q,
        &q,
        &q,
        AttentionOptions {
            query_seq_lengths: Some(Array::from_vec(vec![1i32, 2, 3], [3])),
            ..Default::default()
        },
    );
}

#[test]
fn multihead_attention_prints_as_equinox_plus_its_kv_heads() {
    // `eqx.tree_pformat(eqx.nn.MultiheadAttention(2, 4, key=PRNGKey(0)))` with Rust's `false`,
    // the project's Dropout (its `inference` is a 0-d bool array, so that `inference_mode`
    // finds it) and the grouped-query field that Equinox lacks, last.
    let linear = "Linear(\n    weight=f32[4,4], bias=None, in_features=4, out_features=4, use_bias=false\n  )";
    let expected = format!(
        "MultiheadAttention(\n  query_proj={linear},\n  key_proj={linear},\n  value_proj={linear},\n  \
         output_proj={linear},\n  dropout=Dropout(p=0.0, inference=bool[]),\n  num_heads=2,\n  \
         query_size=4,\n  key_size=4,\n  value_size=4,\n  output_size=4,\n  qk_size=2,\n  \
         vo_size=2,\n  use_query_bias=false,\n  use_key_bias=false,\n  use_value_bias=false,\n  \
         use_output_bias=false,\n  num_kv_heads=2\n)"
    );
    let mha = MultiheadAttention::new(2, 4, random::key(0));
    assert_eq!(format!("{mha:?}"), expected);
}

#[test]
fn inference_mode_turns_off_the_attention_dropout() {
    let options = MultiheadAttentionOptions {
        dropout_p: 0.5,
        ..Default::default()
    };
    let training = MultiheadAttention::with_options(2, 4, options, random::key(0));
    let x = random::normal(random::key(1), [3, 4], DType::F32);
    let eval = nn::inference_mode(&training, true);
    // No key needed now, and the result is the layer without dropout.
    let without_dropout = MultiheadAttention::new(2, 4, random::key(0));
    assert_eq!(
        values(&eval.forward(&x, &x, &x)),
        values(&without_dropout.forward(&x, &x, &x))
    );
    let dropped = training.forward_with(
        &x,
        &x,
        &x,
        MultiheadAttentionCall {
            key: Some(random::key(2)),
            ..Default::default()
        },
    );
    assert_ne!(
        values(&dropped),
        values(&without_dropout.forward(&x, &x, &x))
    );
}

#[test]
#[should_panic(
    expected = "dot_product_attention: the blockwise implementation takes no bias (use Implementation::Xla)"
)]
fn blockwise_attention_with_a_bias_panics() {
    let q = jnp::ones([3, 2, 4]);
    nn::dot_product_attention_with_options(
        &q,
        &q,
        &q,
        AttentionOptions {
            bias: Some(jnp::zeros([3, 3])),
            implementation: Implementation::Blockwise { block_size: 2 },
            ..Default::default()
        },
    );
}

#[test]
fn multihead_attention_maps_over_a_batch_and_compiles() {
    let options = MultiheadAttentionOptions {
        use_query_bias: true,
        num_kv_heads: Some(1),
        ..Default::default()
    };
    let mha = MultiheadAttention::with_options(2, 4, options, random::key(0));
    let xs = random::normal(random::key(1), [3, 5, 4], DType::F32); // 3 examples
    let mask = random::bernoulli(random::key(2), 0.7, [3, 2, 5, 5]);
    let mask = jnp::logical_or(&mask, &jnp::eye(5).astype(DType::Bool));
    let call = |x: &Array, m: &Array| {
        mha.forward_with(
            x,
            x,
            x,
            MultiheadAttentionCall {
                mask: Some(m),
                ..Default::default()
            },
        )
    };
    let mapped = eqx::vmap(call)(&xs, &mask);
    let compiled = eqx::filter_jit(|m: &MultiheadAttention, x: &Array, mask: &Array| {
        m.forward_with(
            x,
            x,
            x,
            MultiheadAttentionCall {
                mask: Some(mask),
                ..Default::default()
            },
        )
    });
    for i in 0..3 {
        let at = |x: &Array| eqx::lax::slice_in_dim(x, i, i + 1, 1, 0).squeeze(0);
        let one = call(&at(&xs), &at(&mask));
        let what = format!("example {i}");
        let bad = mismatches(
            &what,
            &values(&at(&mapped)),
            &values(&one),
            Tolerance::rel(1e-6),
            Scale::Case,
        );
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(
            values(&compiled(&mha, &at(&xs), &at(&mask))),
            values(&one),
            "{what}: jit"
        );
    }
}
