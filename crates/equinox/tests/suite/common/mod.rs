//! Helpers shared by the integration tests: reading `parity/goldens/*.json` and comparing
//! arrays with a tolerance (the filtered-transformation tests), and golden arrays stored bit
//! for bit ([`golden_arrays`], the `nn` tests).
#![allow(dead_code)]

pub mod golden_arrays;

use equinox::{Array, DType};
use equinox_testing::golden::{encoded, Encoded};
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

/// The golden file `parity/goldens/<name>.json`, through a handle that records which cases
/// were read.
pub fn golden(name: &str) -> Golden {
    Golden::load(name)
}

/// The sections of `filtered_transforms.json` and the tests that check them (in
/// `filter_vmap.rs` and `filter_ad.rs`; each of those binaries asserts that the claims cover the
/// file).
pub const FILTERED_TRANSFORMS_VMAP: &[&str] = &["ensemble"];
pub const FILTERED_TRANSFORMS_VJP: &[&str] = &["filter_vjp"];
pub const FILTERED_TRANSFORMS_JACFWD: &[&str] = &["pytree_jacfwd"];

/// An encoded array (`{"shape", "dtype", "data"}`) as an `Array` of its dtype. float32 values
/// are stored widened to f64, so the conversion back is exact.
pub fn array(v: &Value) -> Array {
    let Encoded { shape, dtype, data } = encoded(v);
    let dtype = DType::from_name(&dtype).expect("a known dtype");
    Array::from_vec(data, shape).astype(dtype)
}

/// Panics unless `got` has `want`'s shape and dtype and its elements match under the
/// workspace's closeness rule (`equinox_testing`: NaN needs NaN, infinities exactly, finite
/// values within `atol + rtol * |want|`).
pub fn assert_close(what: &str, got: &Array, want: &Array, rtol: f64, atol: f64) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    assert_eq!(got.dtype(), want.dtype(), "{what}: dtype");
    equinox_testing::assert_close(
        what,
        &got.to_vec::<f64>(),
        &want.to_vec::<f64>(),
        Tolerance::new(rtol, atol),
    );
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
