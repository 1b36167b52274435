//! Reading the JAX parity goldens (`parity/goldens/*.json`, written by `parity/*.py`) and
//! comparing against them. Shared by the `*_parity` test binaries.
#![allow(dead_code)]

use equinox_core::{Array, Axes, DType};
use equinox_testing::{Golden, Scale, Tolerance};
use serde_json::Value;

/// The relative tolerance of every parity check.
pub const RTOL: f64 = 1e-6;

/// The absolute floor, used only where JAX's value is exactly ±0. XLA's CPU backend flushes
/// subnormal floats to zero, intermediates included: `sigmoid(-88)` is 6e-39 (subnormal), so
/// JAX returns 0 for it and 0 for `silu(-88) = -88 * sigmoid(-88)`, whose exact value -5e-37 is
/// normal. We keep subnormals, so where JAX has 0 we accept anything below 1e-30 in magnitude
/// (a flushed intermediate times an input of at most 100 stays far below it).
pub const FTZ_FLOOR: f64 = 1e-30;

/// Loads `parity/goldens/<topic>.json` through a handle that records which cases were read
/// (end a test that consumes the file with `assert_all_read`).
pub fn load(topic: &str) -> Golden {
    Golden::load(topic)
}

/// A golden value: a JSON number or bool, or "nan" / "inf" / "-inf".
pub fn number(v: &Value) -> f64 {
    equinox_testing::golden::number(v)
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

/// The tolerance of every parity check: `RTOL` relative, plus [`FTZ_FLOOR`] absolute (which
/// matters only where JAX's value is zero).
pub const TOLERANCE: Tolerance = Tolerance::new(RTOL, FTZ_FLOOR);

/// Compares against a golden under the workspace's closeness rule (`equinox_testing`): NaN must
/// be NaN, infinities must be equal exactly, anything else within `RTOL` of its scale plus
/// [`FTZ_FLOOR`]. The scale is the golden's own magnitude, or with `whole_case_scale` the
/// largest finite magnitude in the case. Returns a description of each mismatch.
pub fn check(got: &[f64], want: &[f64], whole_case_scale: bool, what: &str) -> Vec<String> {
    let scale = if whole_case_scale {
        Scale::Case
    } else {
        Scale::Element
    };
    equinox_testing::mismatches(what, got, want, TOLERANCE, scale)
        .iter()
        .map(|m| format!("{}[{}]: got {:e}, JAX {:e}", m.what, m.index, m.got, m.want))
        .collect()
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
