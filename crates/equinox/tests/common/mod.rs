//! Helpers shared by the filtered-transformation tests: reading `parity/goldens/*.json` and
//! comparing arrays with a tolerance.
#![allow(dead_code)]

use equinox::{Array, DType};
use serde_json::Value;

/// The golden file `parity/goldens/<name>.json`.
pub fn golden(name: &str) -> Value {
    let path = format!(
        "{}/../../parity/goldens/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

/// An encoded array (`{"shape", "dtype", "data"}`) as an `Array` of its dtype. float32 values
/// are stored widened to f64, so the conversion back is exact.
pub fn array(v: &Value) -> Array {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f64> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().expect("finite"))
        .collect();
    let dtype = DType::from_name(v["dtype"].as_str().unwrap()).expect("a known dtype");
    Array::from_vec(data, shape).astype(dtype)
}

/// Panics unless `got` has `want`'s shape and dtype and its elements are within
/// `atol + rtol * |want|`.
pub fn assert_close(what: &str, got: &Array, want: &Array, rtol: f64, atol: f64) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    let (g, w) = (got.to_vec::<f64>(), want.to_vec::<f64>());
    for (i, (a, b)) in g.iter().zip(&w).enumerate() {
        assert!(
            (a - b).abs() <= atol + rtol * b.abs(),
            "{what}: element {i} is {a}, expected {b}\n got: {g:?}\nwant: {w:?}"
        );
    }
}

/// `assert_close` for f32 results of a few operations.
pub fn assert_f32(what: &str, got: &Array, want: &[f64], shape: &[usize]) {
    let want = Array::from_vec(want.to_vec(), shape.to_vec()).astype(DType::F32);
    assert_close(what, got, &want, 1e-6, 1e-6);
}

/// A vector of f32 values.
pub fn v(x: &[f32]) -> Array {
    Array::from_vec(x.to_vec(), [x.len()])
}
