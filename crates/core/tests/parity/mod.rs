//! Reading the JAX parity goldens (`parity/goldens/*.json`, written by `parity/*.py`) and
//! comparing against them. Shared by the `*_parity` test binaries.
#![allow(dead_code)]

use equinox_core::{Array, Axes, DType};
use serde_json::Value;

/// The relative tolerance of every parity check.
pub const RTOL: f64 = 1e-6;

/// The absolute floor, used only where JAX's value is exactly ±0. XLA's CPU backend flushes
/// subnormal floats to zero, intermediates included: `sigmoid(-88)` is 6e-39 (subnormal), so
/// JAX returns 0 for it and 0 for `silu(-88) = -88 * sigmoid(-88)`, whose exact value -5e-37 is
/// normal. We keep subnormals, so where JAX has 0 we accept anything below 1e-30 in magnitude
/// (a flushed intermediate times an input of at most 100 stays far below it).
pub const FTZ_FLOOR: f64 = 1e-30;

/// Loads `parity/goldens/<topic>.json`.
pub fn load(topic: &str) -> Value {
    let path = format!(
        "{}/../../parity/goldens/{topic}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path} is committed (run parity/{topic}.py): {e}"));
    serde_json::from_str(&text).expect("the golden file is valid JSON")
}

/// A golden value: a JSON number or bool, or "nan" / "inf" / "-inf".
pub fn number(v: &Value) -> f64 {
    match v {
        Value::Bool(b) => f64::from(u8::from(*b)),
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

/// The `shape` of a stored array.
pub fn shape_of(v: &Value) -> Vec<usize> {
    v["shape"]
        .as_array()
        .expect("shape is a list")
        .iter()
        .map(|d| d.as_u64().expect("a dimension") as usize)
        .collect()
}

/// The elements of a stored array as f64.
pub fn data_of(v: &Value) -> Vec<f64> {
    v["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(number)
        .collect()
}

/// The dtype of a stored array (`float32`, `int32` or `bool`).
pub fn dtype_of(v: &Value) -> DType {
    match v["dtype"].as_str().expect("dtype is a string") {
        "float32" => DType::F32,
        "int32" => DType::I32,
        "bool" => DType::Bool,
        other => panic!("unexpected golden dtype {other}"),
    }
}

/// Decodes a stored array.
pub fn decode(v: &Value) -> Array {
    Array::from_vec(data_of(v), shape_of(v)).astype(dtype_of(v))
}

/// An `axis` argument: null (all), an integer, or a list.
pub fn axes(v: &Value) -> Axes {
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

/// Compares against a golden: NaN must be NaN, a zero golden allows [`FTZ_FLOOR`] (or
/// `RTOL * scale` when `whole_case_scale`), anything else must be within `RTOL` of its scale
/// (infinities exactly). The scale is the golden's own magnitude, or with `whole_case_scale`
/// the largest finite magnitude in the case. Returns a description of each mismatch.
pub fn check(got: &[f64], want: &[f64], whole_case_scale: bool, what: &str) -> Vec<String> {
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
            g.abs() <= FTZ_FLOOR.max(RTOL * if whole_case_scale { scale } else { 0.0 })
        } else {
            g == w || (g - w).abs() <= RTOL * scale
        };
        if !ok {
            bad.push(format!("{what}[{i}]: got {g:e}, JAX {w:e}"));
        }
    }
    bad
}

/// Panics listing every mismatch, if there are any.
pub fn assert_no_failures(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} mismatches with JAX:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
