//! Golden arrays stored bit for bit (`{"shape", "dtype", "bits", "data"}`, written by
//! `parity/golden_encoding.py`): rebuilding them exactly as `Array`s, and comparing results
//! with them exactly, within a few ulp, or within a tolerance.
//!
//! These need `Array`, so they live here rather than in `equinox_testing`, which must not
//! depend on `equinox-core` (it is one of core's dev-dependencies); the JSON- and number-level
//! parts (`golden::bits`, `ulps`) are there.

use equinox::{bf16, f16, Array, DType};
use equinox_testing::golden::{bits, encoded};
use equinox_testing::ulps::assert_within_ulps;
use equinox_testing::Tolerance;
use serde_json::Value;

/// The dtype of a golden array.
pub fn dtype_of(v: &Value) -> DType {
    DType::from_name(v["dtype"].as_str().unwrap()).expect("a known dtype")
}

/// The shape of a golden array.
pub fn shape_of(v: &Value) -> Vec<usize> {
    encoded(v).shape
}

/// The bit patterns of a float array's elements, in its own dtype, widened to u64.
pub fn bits_of(a: &Array) -> Vec<u64> {
    match a.dtype() {
        DType::F16 => a
            .to_vec::<f16>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::BF16 => a
            .to_vec::<bf16>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::F32 => a
            .to_vec::<f32>()
            .iter()
            .map(|x| u64::from(x.to_bits()))
            .collect(),
        DType::F64 => a.to_vec::<f64>().iter().map(|x| x.to_bits()).collect(),
        other => panic!("not a float dtype: {other:?}"),
    }
}

/// A golden array rebuilt exactly: floats from their bits (a JSON float parser need not round
/// exactly), integers and bools from their values.
pub fn array_of(v: &Value) -> Array {
    let shape = shape_of(v);
    match dtype_of(v) {
        DType::F16 => Array::from_vec(
            bits(v).iter().map(|&b| f16::from_bits(b as u16)).collect(),
            shape,
        ),
        DType::BF16 => Array::from_vec(
            bits(v).iter().map(|&b| bf16::from_bits(b as u16)).collect(),
            shape,
        ),
        DType::F32 => Array::from_vec(
            bits(v).iter().map(|&b| f32::from_bits(b as u32)).collect(),
            shape,
        ),
        DType::F64 => Array::from_vec(bits(v).iter().map(|&b| f64::from_bits(b)).collect(), shape),
        // Integers and bools are small and exact in f64.
        other => Array::from_vec(encoded(v).data, shape).astype(other),
    }
}

/// The values of any array, widened exactly to f64.
pub fn values(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

/// Panics unless `actual` has the golden's dtype and shape.
pub fn assert_same_layout(actual: &Array, expected: &Value, what: &str) {
    assert_eq!(actual.dtype(), dtype_of(expected), "{what}: dtype");
    assert_eq!(
        actual.shape(),
        shape_of(expected).as_slice(),
        "{what}: shape"
    );
}

/// Panics unless `actual` equals the golden exactly: dtype, shape and every bit.
pub fn assert_bit_equal(actual: &Array, expected: &Value, what: &str) {
    assert_same_layout(actual, expected, what);
    let (a, e) = (bits_of(actual), bits(expected));
    assert_eq!(a.len(), e.len(), "{what}: size");
    for (i, (x, y)) in a.iter().zip(&e).enumerate() {
        assert_eq!(x, y, "{what}[{i}]: bits {x:x} != {y:x} (Equinox)");
    }
}

/// Panics unless `actual` has the golden's dtype and shape and every element is within
/// `max_ulps` of the golden's.
pub fn assert_ulps(actual: &Array, expected: &Value, max_ulps: u128, what: &str) {
    assert_same_layout(actual, expected, what);
    let width = actual.dtype().bits();
    assert_within_ulps(what, &bits_of(actual), &bits(expected), width, max_ulps);
}

/// Panics unless `actual` has the golden's dtype and shape and its values match the golden's
/// (rebuilt exactly by [`array_of`]) under the workspace's closeness rule with `tol`.
pub fn assert_close(actual: &Array, expected: &Value, tol: Tolerance, what: &str) {
    assert_same_layout(actual, expected, what);
    equinox_testing::assert_close(what, &values(actual), &values(&array_of(expected)), tol);
}
