//! Running one function on both backends and comparing.

use equinox_core::transforms::jit;
use equinox_core::tree::{self, PyTree};
use equinox_core::{random, Array, DType};
use equinox_pjrt::Client;
use std::sync::OnceLock;

/// The client of the plugin in `EQX_PJRT_PLUGIN` (one per test process).
pub fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::from_env()
            .unwrap_or_else(|e| panic!("these tests need a PJRT plugin (set EQX_PJRT_PLUGIN): {e}"))
    })
}

/// Standard normal values of `dtype`.
pub fn normal(seed: u64, shape: &[usize], dtype: DType) -> Array {
    random::normal(random::key(seed), shape.to_vec(), dtype)
}

/// Uniform values in `[lo, hi)` (f32).
pub fn uniform(seed: u64, shape: &[usize], lo: f64, hi: f64) -> Array {
    random::uniform(random::key(seed), shape.to_vec(), DType::F32, lo, hi)
}

/// Integers in `[lo, hi)` of `dtype`.
pub fn ints(seed: u64, shape: &[usize], lo: i64, hi: i64, dtype: DType) -> Array {
    random::randint(random::key(seed), shape.to_vec(), lo, hi, dtype)
}

/// Runs `f` jitted on the CPU executor and jitted on the plugin, and checks the outputs have
/// the same shapes and dtypes and values within `rtol`/`atol` (NaNs where NaNs are).
pub fn agree<T: PyTree, R: PyTree>(what: &str, f: impl Fn(&T) -> R, x: &T, rtol: f64, atol: f64) {
    let want = jit(|x: &T| f(x))(x);
    let got = client()
        .jit(|x: &T| f(x))
        .call(x)
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let (want, got) = (tree::leaves(&want), tree::leaves(&got));
    assert_eq!(want.len(), got.len(), "{what}: number of outputs");
    for (i, (w, g)) in want.iter().zip(&got).enumerate() {
        assert_eq!(w.shape(), g.shape(), "{what}: output {i} shape");
        assert_eq!(w.dtype(), g.dtype(), "{what}: output {i} dtype");
        let (wv, gv) = (as_f64(w), as_f64(g));
        for (j, (a, b)) in gv.iter().zip(&wv).enumerate() {
            let ok = (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= atol + rtol * b.abs();
            assert!(
                ok,
                "{what}: output {i} element {j}: plugin {a} vs CPU {b} (input {:?})",
                tree::leaves(x)
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
            );
        }
    }
}

/// The elements as f64 (complex: real parts then imaginary parts).
pub fn as_f64(x: &Array) -> Vec<f64> {
    if x.dtype().is_complex() {
        let re = equinox_core::numpy::real(x)
            .astype(DType::F64)
            .to_vec::<f64>();
        let im = equinox_core::numpy::imag(x)
            .astype(DType::F64)
            .to_vec::<f64>();
        re.into_iter().chain(im).collect()
    } else {
        x.astype(DType::F64).to_vec::<f64>()
    }
}
