//! `jax.nn.dot_product_attention` and `eqx.nn.MultiheadAttention` against real JAX 0.10.2 /
//! Equinox 0.13.8 (`parity/nn_attention.py` → `parity/goldens/nn_attention.json`): outputs and
//! gradients of `sum(out * c)`, initial parameters bit for bit, dropout for given keys. Then
//! properties against the naive formula, grouped-query attention, and misuse.

use equinox as eqx;
use equinox_testing::{mismatches, Golden, Scale, Tolerance};
use eqx::nn::{
    self, AttentionOptions, MultiheadAttention, MultiheadAttentionCall, MultiheadAttentionOptions,
};
use eqx::{numpy as jnp, random, Array, DType};
use serde_json::Value;

mod common;
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
/// expected array ([`Scale::Case`]): 1e-6 for float32 (about 8 ulp), 1e-12 for float64, 1.6e-2
/// for bfloat16 (2 ulp). Relative to the case rather than each element because the products
/// here are sums of many terms, which XLA and our gemm add in different orders: the rounding
/// error is relative to the terms, and a gradient element that cancels to near zero carries
/// the error of terms far larger than itself.
fn assert_close(actual: &Array, expected: &Value, what: &str) {
    assert_close_f32(actual, expected, what, 1e-6);
}

/// [`assert_close`] with the float32 tolerance given.
fn assert_close_f32(actual: &Array, expected: &Value, what: &str, f32_rtol: f64) {
    assert_same_layout(actual, expected, what);
    let rtol = match dtype_of(expected) {
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
    }
}

#[test]
fn dot_product_attention_matches_jax() {
    let g = golden();
    for case in g.section("dot_product_attention").iter() {
        let name = case["name"].as_str().unwrap();
        let (q, k, v) = (
            array_of(&case["query"]),
            array_of(&case["key"]),
            array_of(&case["value"]),
        );
        let bias = opt_array(case, "bias");
        let out =
            nn::dot_product_attention_with_options(&q, &k, &v, dpa_options(case, bias.clone()));
        assert_close(&out, &case["out"], &format!("{name}: output"));

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
            (&nn::dot_product_attention_with_options(&a.0, &a.1, &a.2, opts) * &c).sum(None)
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
                assert_close(grad, want, &format!("{name}: gradient of {input}"));
            }
        }
    }
    g.assert_sections_read(DPA);
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
    let heads: &dyn Fn(&Array, &Array, &Array) -> (Array, Array, Array) = &process_heads;
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
fn multihead_attention_float64_matches_equinox() {
    let g = golden();
    for (_, cases) in g.section("x64").entries() {
        for case in cases.as_array().unwrap() {
            check_mha_case(case);
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
