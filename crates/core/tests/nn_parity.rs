//! Parity of `equinox_core::nn` with real JAX: `parity/nn.py` ran every `jax.nn` function on
//! inputs with large, small, negative and non-finite values and stored the float32 results in
//! `parity/goldens/nn.json`; here each is recomputed and compared.
//!
//! Tolerance: 1e-6 relative, with two documented exceptions: where JAX's value is exactly zero
//! ([`FTZ_FLOOR`]) and for `standardize`, whose `x - mean` cancels ([`parity_check`]).
mod common;

use equinox_core::{nn, numpy as jnp, Array, Axes, DType};
use serde_json::Value;
use std::collections::BTreeSet;

const RTOL: f64 = 1e-6;
/// The absolute floor, used only where JAX's value is exactly ±0. XLA's CPU backend flushes
/// subnormal floats to zero, intermediates included: `sigmoid(-88)` is 6e-39 (subnormal), so
/// JAX returns 0 for it and 0 for `silu(-88) = -88 * sigmoid(-88)`, whose exact value -5e-37 is
/// normal. We keep subnormals, so where JAX has 0 we accept anything below 1e-30 in magnitude
/// (a flushed intermediate times an input of at most 100 stays far below it).
const FTZ_FLOOR: f64 = 1e-30;

/// Compares against a golden: NaN must be NaN, a zero golden allows [`FTZ_FLOOR`], anything
/// else must be within `RTOL` of `scale` (infinities exactly). Returns a description of each
/// mismatch.
///
/// `scale` is the golden's own magnitude, except for `standardize`: there an output near 0
/// comes from `x - mean` with `x ≈ mean`, so it carries the rounding error of the mean, which
/// depends on the summation order (XLA sums short rows left to right, our reduction kernel
/// uses eight lanes). Its error is bounded relative to the row's values, so those cases are
/// compared at the scale of the largest output of the case.
fn parity_check(got: &[f64], want: &[f64], whole_case_scale: bool, what: &str) -> Vec<String> {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let case_scale = want
        .iter()
        .filter(|w| w.is_finite())
        .fold(0.0f64, |m, w| m.max(w.abs()));
    let mut bad = Vec::new();
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let scale = if whole_case_scale {
            case_scale
        } else {
            w.abs()
        };
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w == 0.0 {
            g.abs() <= FTZ_FLOOR.max(RTOL * scale)
        } else {
            g == w || (g - w).abs() <= RTOL * scale
        };
        if !ok {
            bad.push(format!("{what}[{i}]: got {g:e}, JAX {w:e}"));
        }
    }
    bad
}

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../parity/goldens/nn.json");
    let text = std::fs::read_to_string(path).expect("parity/goldens/nn.json is committed");
    serde_json::from_str(&text).expect("nn.json is valid JSON")
}

/// A golden value: a JSON number, or "nan" / "inf" / "-inf".
fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().expect("a finite number"),
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("unknown special value {other:?}"),
        },
        other => panic!("not a number: {other}"),
    }
}

fn shape_of(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .expect("shape is a list")
        .iter()
        .map(|d| d.as_u64().expect("a dimension") as usize)
        .collect()
}

fn data_of(v: &Value) -> Vec<f64> {
    v["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(number)
        .collect()
}

/// Decodes a stored array with its dtype (`float32`, `int32` or `bool`).
fn decode(v: &Value) -> Array {
    let shape = shape_of(v);
    let data = data_of(v);
    let dtype = match v["dtype"].as_str().expect("dtype is a string") {
        "float32" => DType::F32,
        "int32" => DType::I32,
        "bool" => DType::Bool,
        other => panic!("unexpected golden dtype {other}"),
    };
    Array::from_vec(data, shape).astype(dtype)
}

fn axes(v: &Value) -> Axes {
    match v {
        Value::Null => Axes::All,
        Value::Number(n) => Axes::from(n.as_i64().expect("an integer axis") as i32),
        Value::Array(list) => Axes::from(
            list.iter()
                .map(|a| a.as_i64().expect("an integer axis") as i32)
                .collect::<Vec<i32>>(),
        ),
        other => panic!("not an axis: {other}"),
    }
}

fn f64_arg(args: &Value, name: &str) -> Option<f64> {
    args.get(name)
        .map(|v| v.as_f64().expect("a float argument"))
}

/// Runs the function a golden case names on its input.
fn run(name: &str, x: &Array, args: &Value) -> Array {
    match name {
        "relu" => nn::relu(x),
        "relu6" => nn::relu6(x),
        "sigmoid" => nn::sigmoid(x),
        "log_sigmoid" => nn::log_sigmoid(x),
        "softplus" => nn::softplus(x),
        "silu" => nn::silu(x),
        "swish" => nn::swish(x),
        "gelu" => nn::gelu(x),
        "gelu_exact" => nn::gelu_with(x, false),
        "elu" => match f64_arg(args, "alpha") {
            Some(alpha) => nn::elu_with(x, alpha),
            None => nn::elu(x),
        },
        "celu" => match f64_arg(args, "alpha") {
            Some(alpha) => nn::celu_with(x, alpha),
            None => nn::celu(x),
        },
        "selu" => nn::selu(x),
        "leaky_relu" => match f64_arg(args, "negative_slope") {
            Some(slope) => nn::leaky_relu_with(x, slope),
            None => nn::leaky_relu(x),
        },
        "hard_tanh" => nn::hard_tanh(x),
        "hard_sigmoid" => nn::hard_sigmoid(x),
        "hard_silu" => nn::hard_silu(x),
        "hard_swish" => nn::hard_swish(x),
        "soft_sign" => nn::soft_sign(x),
        "mish" => nn::mish(x),
        "glu" => nn::glu(x, args["axis"].as_i64().expect("an axis") as isize),
        "softmax" => nn::softmax(x, axes(&args["axis"])),
        "log_softmax" => nn::log_softmax(x, axes(&args["axis"])),
        "logsumexp" => nn::logsumexp(
            x,
            axes(&args["axis"]),
            args["keepdims"].as_bool().expect("keepdims"),
        ),
        "logaddexp" => {
            assert_eq!(args["other"], "reversed");
            jnp::logaddexp(x, &jnp::flip(x, 0))
        }
        "one_hot" => nn::one_hot_with(
            x,
            args["num_classes"].as_u64().expect("num_classes") as usize,
            DType::F32,
            args["axis"].as_i64().expect("an axis") as isize,
        ),
        "standardize" => nn::standardize(
            x,
            axes(&args["axis"]),
            f64_arg(args, "epsilon").expect("epsilon"),
        ),
        other => panic!("no Rust function for golden case {other:?}"),
    }
}

#[test]
fn every_nn_function_matches_jax() {
    let golden = load();
    let inputs = &golden["inputs"];
    let cases = golden["cases"].as_array().expect("cases is a list");
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for case in cases {
        let name = case["fn"].as_str().expect("fn is a string");
        let input = case["input"].as_str().expect("input is a string");
        let x = decode(&inputs[input]);
        let got = run(name, &x, &case["args"]);
        let what = format!("{name}({input}, {})", case["args"]);
        let want = &case["out"];
        assert_eq!(got.shape(), &shape_of(want)[..], "{what}: shape");
        assert_eq!(got.dtype(), DType::F32, "{what}: dtype");
        failures.extend(parity_check(
            &got.to_vec::<f64>(),
            &data_of(want),
            name == "standardize",
            &what,
        ));
        seen.insert(name.to_string());
    }
    assert!(
        failures.is_empty(),
        "{} mismatches with JAX:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The goldens cover every function (a regenerated file that dropped one would fail here).
    let expected = [
        "relu",
        "relu6",
        "sigmoid",
        "log_sigmoid",
        "softplus",
        "silu",
        "swish",
        "gelu",
        "gelu_exact",
        "elu",
        "celu",
        "selu",
        "leaky_relu",
        "hard_tanh",
        "hard_sigmoid",
        "hard_silu",
        "hard_swish",
        "soft_sign",
        "mish",
        "glu",
        "softmax",
        "log_softmax",
        "logsumexp",
        "logaddexp",
        "one_hot",
        "standardize",
    ];
    let missing: Vec<_> = expected.iter().filter(|n| !seen.contains(**n)).collect();
    assert!(missing.is_empty(), "no golden cases for {missing:?}");
}
