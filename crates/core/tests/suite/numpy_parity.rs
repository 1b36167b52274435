//! Parity of a sample of `equinox_core::numpy` functions with real JAX:
//! `parity/numpy_sample.py` evaluated them on inputs with large, small, negative and
//! non-finite values and stored the float32 (int32, bool) results in
//! `parity/goldens/numpy.json`.
//!
//! Tolerance: 1e-6 relative; where JAX's value is exactly zero, `parity::FTZ_FLOOR` (XLA
//! flushes subnormals to zero). `tanh` is also checked bit for bit on a dense sample, since we
//! reproduce XLA's algorithm for it.
use crate::parity;

use equinox_core::{numpy as jnp, Array};
use parity::{axes, check, data_of, decode, dtype_of, shape_of};
use serde_json::Value;
use std::collections::BTreeSet;

fn unary(name: &str, x: &Array) -> Option<Array> {
    Some(match name {
        "exp" => jnp::exp(x),
        "log" => jnp::log(x),
        "log1p" => jnp::log1p(x),
        "expm1" => jnp::expm1(x),
        "tanh" => jnp::tanh(x),
        "sqrt" => jnp::sqrt(x),
        "rsqrt" => jnp::rsqrt(x),
        "sin" => jnp::sin(x),
        "cos" => jnp::cos(x),
        "abs" => jnp::abs(x),
        "sign" => jnp::sign(x),
        "floor" => jnp::floor(x),
        "ceil" => jnp::ceil(x),
        "trunc" => jnp::trunc(x),
        "round" => jnp::round(x),
        "square" => jnp::square(x),
        "reciprocal" => jnp::reciprocal(x),
        "log2" => jnp::log2(x),
        "log10" => jnp::log10(x),
        "exp2" => jnp::exp2(x),
        "arctan" => jnp::arctan(x),
        "sinh" => jnp::sinh(x),
        "cosh" => jnp::cosh(x),
        "arcsinh" => jnp::arcsinh(x),
        "cbrt" => jnp::cbrt(x),
        "erf" => jnp::erf(x),
        "erfc" => jnp::erfc(x),
        "isfinite" => jnp::isfinite(x),
        "isnan" => jnp::isnan(x),
        "isinf" => jnp::isinf(x),
        "erfinv" => jnp::erfinv(x),
        "arcsin" => jnp::arcsin(x),
        "arccos" => jnp::arccos(x),
        "arctanh" => jnp::arctanh(x),
        "gammaln" => jnp::gammaln(x),
        "digamma" => jnp::digamma(x),
        _ => return None,
    })
}

fn binary(name: &str, x: &Array, y: &Array) -> Option<Array> {
    Some(match name {
        "add" => jnp::add(x, y),
        "subtract" => jnp::subtract(x, y),
        "multiply" => jnp::multiply(x, y),
        "divide" => jnp::divide(x, y),
        "arctan2" => jnp::arctan2(x, y),
        "remainder" => jnp::remainder(x, y),
        "floor_divide" => jnp::floor_divide(x, y),
        "fmod" => jnp::fmod(x, y),
        "maximum" => jnp::maximum(x, y),
        "minimum" => jnp::minimum(x, y),
        "power" => jnp::power(x, y),
        _ => return None,
    })
}

fn other(name: &str, x: &Array, args: &Value) -> Array {
    let ax = || axes(&args["axis"]);
    match name {
        "sum" => jnp::sum(x, ax()),
        "mean" => jnp::mean(x, ax()),
        "var" => jnp::var(x, ax()),
        "var_ddof1" => jnp::var_ddof(x, ax(), 1, false),
        "std" => jnp::std(x, ax()),
        "max" => jnp::max(x, ax()),
        "min" => jnp::min(x, ax()),
        "prod" => jnp::prod(x, ax()),
        "argmax" => jnp::argmax(x, ax()),
        "argmin" => jnp::argmin(x, ax()),
        "integer_pow" => jnp::integer_pow(x, args["n"].as_i64().expect("n") as i32),
        "clip" => x.clip(
            args["lo"].as_f64().expect("lo"),
            args["hi"].as_f64().expect("hi"),
        ),
        "where" => {
            let cond = jnp::greater(x, &Array::weak_scalar(0.0));
            jnp::where_(&cond, x, &(x * -2.0))
        }
        other => panic!("no Rust function for golden case {other:?}"),
    }
}

#[test]
fn numpy_functions_match_jax() {
    let golden = parity::load("numpy");
    let inputs = golden.section("inputs");
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for case in golden.section("cases").iter() {
        let name = case["fn"].as_str().expect("fn is a string");
        let names: Vec<&str> = case["inputs"]
            .as_array()
            .expect("inputs is a list")
            .iter()
            .map(|v| v.as_str().expect("an input name"))
            .collect();
        let xs: Vec<Array> = names.iter().map(|n| decode(&inputs[*n])).collect();
        let got = match xs.len() {
            1 => unary(name, &xs[0]).unwrap_or_else(|| other(name, &xs[0], &case["args"])),
            2 => binary(name, &xs[0], &xs[1])
                .unwrap_or_else(|| panic!("no binary Rust function for {name:?}")),
            n => panic!("{name}: {n} inputs"),
        };
        let what = format!("{name}({}, {})", names.join(", "), case["args"]);
        let want = &case["out"];
        assert_eq!(got.shape(), &shape_of(want)[..], "{what}: shape");
        assert_eq!(got.dtype(), dtype_of(want), "{what}: dtype");
        failures.extend(check(&got.to_vec::<f64>(), &data_of(want), false, &what));
        seen.insert(name.to_string());
    }
    parity::assert_no_failures(&failures);
    for name in [
        "exp",
        "log",
        "log1p",
        "expm1",
        "tanh",
        "sqrt",
        "rsqrt",
        "sin",
        "cos",
        "arctan2",
        "power",
        "remainder",
        "floor_divide",
        "round",
        "mean",
        "var",
        "std",
        "sum",
        "max",
        "argmax",
        "clip",
        "where",
        "maximum",
        "erf",
        "erfinv",
        "gammaln",
    ] {
        assert!(seen.contains(name), "no golden cases for {name}");
    }
    golden.assert_all_read();
}

/// We reproduce XLA's float32 `tanh` algorithm, so every value must be identical, not just
/// close.
#[test]
fn tanh_is_bit_exact_with_jax() {
    let golden = parity::load("numpy");
    let case = golden
        .section("cases")
        .find(|c| c["fn"] == "tanh" && c["inputs"][0] == "dense")
        .expect("a dense tanh case");
    let x = decode(&golden.section("inputs")["dense"]);
    let got = jnp::tanh(&x).to_vec::<f32>();
    let want: Vec<f32> = data_of(&case["out"]).iter().map(|&v| v as f32).collect();
    let differing: Vec<_> = x
        .to_vec::<f32>()
        .into_iter()
        .zip(got.iter().zip(&want))
        .filter(|(_, (g, w))| g.to_bits() != w.to_bits())
        .collect();
    assert!(differing.is_empty(), "tanh(x) differs: {differing:?}");
}
