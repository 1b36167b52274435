//! Shared helpers for the integration tests: a deterministic RNG, random arrays of every dtype,
//! naive index arithmetic and closeness assertions. Each test binary uses a subset.
#![allow(dead_code)]

use equinox_core::{Array, DType};

/// SplitMix64: a tiny deterministic generator so tests need no external crate.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in [lo, hi).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }
    /// A random shape of rank `ndim` with dims in [0, max_dim], biased toward 1 and small sizes
    /// so size-0 and size-1 dims appear often.
    pub fn shape(&mut self, ndim: usize, max_dim: usize) -> Vec<usize> {
        (0..ndim)
            .map(|_| match self.range(0, 10) {
                0 => 0,
                1 | 2 => 1,
                _ => self.range(1, max_dim as i64 + 1) as usize,
            })
            .collect()
    }
    /// Like [`Rng::shape`] but with no zero dims.
    pub fn nonempty_shape(&mut self, ndim: usize, max_dim: usize) -> Vec<usize> {
        (0..ndim)
            .map(|_| self.range(1, max_dim as i64 + 1) as usize)
            .collect()
    }
}

/// A random array: floats in [-3, 3) (plus occasional large/small magnitudes when `wide`),
/// integers in a small signed or unsigned range, bools at random.
pub fn random_array(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let vals: Vec<f64> = (0..n)
        .map(|_| match dtype {
            DType::Bool => (rng.next_u64() & 1) as f64,
            DType::U8 | DType::U32 => rng.range(0, 50) as f64,
            DType::I32 | DType::I64 => rng.range(-50, 50) as f64,
            _ => rng.uniform() * 6.0 - 3.0,
        })
        .collect();
    Array::from_vec(vals, shape.to_vec()).astype(dtype)
}

/// Row-major strides.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// The multi-index of flat position `flat` in `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for i in (0..shape.len()).rev() {
        if shape[i] > 0 {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
    }
    idx
}

/// The flat position of multi-index `idx` in `shape`.
pub fn ravel(idx: &[usize], shape: &[usize]) -> usize {
    idx.iter().zip(strides(shape)).map(|(i, s)| i * s).sum()
}

/// Asserts two f64 slices are equal within `rtol`/`atol` (NaNs must match NaNs).
pub fn assert_close(got: &[f64], want: &[f64], rtol: f64, atol: f64, what: &str) {
    assert_eq!(
        got.len(),
        want.len(),
        "{what}: length {} vs {}",
        got.len(),
        want.len()
    );
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        if g.is_nan() && w.is_nan() {
            continue;
        }
        if g == w {
            continue;
        }
        let tol = atol + rtol * w.abs();
        assert!(
            (g - w).abs() <= tol,
            "{what}: element {i}: got {g}, want {w} (rtol {rtol}, atol {atol})"
        );
    }
}

/// A relative tolerance suited to a dtype's precision.
pub fn rtol_for(dtype: DType) -> f64 {
    match dtype {
        DType::F16 => 2e-3,
        DType::BF16 => 1.6e-2,
        DType::F32 => 2e-6,
        DType::F64 => 1e-12,
        _ => 0.0,
    }
}

/// The dtypes tests sweep over.
pub const FLOAT_DTYPES: [DType; 4] = [DType::F16, DType::BF16, DType::F32, DType::F64];
pub const INT_DTYPES: [DType; 4] = [DType::U8, DType::U32, DType::I32, DType::I64];
