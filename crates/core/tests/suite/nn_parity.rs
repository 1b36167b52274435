//! Parity of `equinox_core::nn` with real JAX: `parity/nn.py` ran every `jax.nn` function on
//! inputs with large, small, negative and non-finite values and stored the float32 results in
//! `parity/goldens/nn.json`; here each is recomputed and compared.
//!
//! Tolerance: 1e-6 relative, with two documented exceptions: where JAX's value is exactly zero
//! (`parity::FTZ_FLOOR`, for XLA's flushing of subnormals) and for `standardize` (below).
use crate::parity;

use equinox_core::{nn, numpy as jnp, Array, DType};
use parity::{axes, check, data_of, decode, shape_of};
use serde_json::Value;
use std::collections::BTreeSet;

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
    let golden = parity::load("nn");
    let inputs = golden.section("inputs");
    let mut seen = BTreeSet::new();
    let mut failures = Vec::new();
    for case in golden.section("cases").iter() {
        let name = case["fn"].as_str().expect("fn is a string");
        let input = case["input"].as_str().expect("input is a string");
        let x = decode(&inputs[input]);
        let got = run(name, &x, &case["args"]);
        let what = format!("{name}({input}, {})", case["args"]);
        let want = &case["out"];
        assert_eq!(got.shape(), &shape_of(want)[..], "{what}: shape");
        assert_eq!(got.dtype(), DType::F32, "{what}: dtype");
        // `standardize` outputs near 0 come from `x - mean` with `x ≈ mean`, so they carry the
        // rounding error of the mean, which depends on the summation order (XLA sums short
        // rows left to right, our reduction kernel uses eight lanes). That error is bounded
        // relative to the row's values, so those cases are compared at the scale of the
        // largest output of the case.
        failures.extend(check(
            &got.to_vec::<f64>(),
            &data_of(want),
            name == "standardize",
            &what,
        ));
        seen.insert(name.to_string());
    }
    parity::assert_no_failures(&failures);
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
    golden.assert_all_read();
}
