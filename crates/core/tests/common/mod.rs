//! Shared helpers for the integration tests: a deterministic RNG, random arrays of every dtype,
//! naive index arithmetic and closeness assertions. Each test binary uses a subset.
#![allow(dead_code)]

pub mod bits;

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
            d if d.is_unsigned_integer() => rng.range(0, 50) as f64,
            d if d.is_signed_integer() => rng.range(-50, 50) as f64,
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

/// Asserts two f64 slices are equal within `rtol`/`atol` under the workspace's one closeness
/// rule (`equinox_testing`): NaN must match NaN, infinities must be equal exactly, finite values
/// within `atol + rtol * |want|`.
pub fn assert_close(got: &[f64], want: &[f64], rtol: f64, atol: f64, what: &str) {
    equinox_testing::assert_close(what, got, want, equinox_testing::Tolerance::new(rtol, atol));
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

/// The same elements rearranged by layout primitives, so that an op sees an input produced by a
/// transpose or a reversal (what a strided view would be in numpy): returns an array of `x`'s
/// shape, built either directly, by reversing every axis, or by reshaping to the reversed shape
/// and transposing back.
pub fn relayout(rng: &mut Rng, x: &Array) -> Array {
    match rng.range(0, 3) {
        0 => x.clone(),
        1 => equinox_core::numpy::flip(x, ()),
        _ => {
            let rev: Vec<usize> = x.shape().iter().rev().copied().collect();
            equinox_core::numpy::transpose(&x.reshape(rev), None)
        }
    }
}

/// Rounds an f64 to the nearest value of a float dtype (computed with `half`/`as`, not the
/// library's conversion).
pub fn round_to(dtype: DType, v: f64) -> f64 {
    match dtype {
        DType::F16 => equinox_core::f16::from_f64(v).to_f64(),
        DType::BF16 => equinox_core::bf16::from_f64(v).to_f64(),
        DType::F32 => v as f32 as f64,
        _ => v,
    }
}

/// Wraps an integer to the range of an integer dtype (two's complement).
pub fn wrap(v: i128, dtype: DType) -> i128 {
    let m = 1i128 << dtype.bits();
    let r = v.rem_euclid(m);
    if dtype.is_signed_integer() && r >= m / 2 {
        r - m
    } else {
        r
    }
}

/// Builds an integer array of `dtype` from i64 values, truncating each with Rust's `as`.
pub fn int_array(vals: &[i64], shape: &[usize], dtype: DType) -> Array {
    let shape = shape.to_vec();
    match dtype {
        DType::U8 => Array::from_vec(vals.iter().map(|&v| v as u8).collect::<Vec<_>>(), shape),
        DType::U16 => Array::from_vec(vals.iter().map(|&v| v as u16).collect::<Vec<_>>(), shape),
        DType::U32 => Array::from_vec(vals.iter().map(|&v| v as u32).collect::<Vec<_>>(), shape),
        DType::U64 => Array::from_vec(vals.iter().map(|&v| v as u64).collect::<Vec<_>>(), shape),
        DType::I8 => Array::from_vec(vals.iter().map(|&v| v as i8).collect::<Vec<_>>(), shape),
        DType::I16 => Array::from_vec(vals.iter().map(|&v| v as i16).collect::<Vec<_>>(), shape),
        DType::I32 => Array::from_vec(vals.iter().map(|&v| v as i32).collect::<Vec<_>>(), shape),
        DType::I64 => Array::from_vec(vals.to_vec(), shape),
        DType::Bool => Array::from_vec(vals.iter().map(|&v| v != 0).collect::<Vec<_>>(), shape),
        d => panic!("int_array: {d} is not an integer dtype"),
    }
}

/// Integers over the dtype's whole range: a mix of random bit patterns, small values and the
/// edge values (MIN, MIN + 1, -1, 0, 1, MAX).
pub fn random_ints(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let bits = dtype.bits();
    let (min, max) = if dtype.is_signed_integer() {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    };
    let edges = [min, min + 1, -1, 0, 1, max];
    let vals: Vec<i64> = (0..n)
        .map(|_| match rng.range(0, 3) {
            0 => rng.next_u64() as i64,
            1 => rng.range(-5, 6),
            _ => edges[rng.range(0, 6) as usize] as i64,
        })
        .collect();
    int_array(&vals, shape, dtype)
}

/// Floats with special values mixed in (NaN, ±inf, ±0, ±1, huge and tiny magnitudes) among
/// uniform values in [-3, 3).
pub fn special_floats(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let specials = [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        0.0,
        -0.0,
        1.0,
        -1.0,
        1e30,
        -1e-30,
        2.5,
    ];
    let vals: Vec<f64> = (0..n)
        .map(|_| {
            if rng.range(0, 3) == 0 {
                specials[rng.range(0, specials.len() as i64) as usize]
            } else {
                rng.uniform() * 6.0 - 3.0
            }
        })
        .map(|v| round_to(dtype, v))
        .collect();
    Array::from_vec(vals, shape.to_vec()).astype(dtype)
}

/// Exact elementwise equality of f64 views, treating NaN as equal to NaN and distinguishing
/// +0 from -0.
pub fn assert_same_bits(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let same =
            (g.is_nan() && w.is_nan()) || (g == w && g.is_sign_negative() == w.is_sign_negative());
        assert!(same, "{what}: element {i}: got {g:?}, want {w:?}");
    }
}

/// One combine step of a scatter reference (`set`, `add`, `mul`, `min`, `max`): integers wrap
/// to the dtype's width; floats round each partial result to the dtype, as a loop in that dtype
/// does.
pub fn scatter_combine(kind: &str, dtype: DType, a: f64, b: f64) -> f64 {
    let arith = |v: f64, wrapped: i64| match dtype {
        DType::U8 => wrapped as u8 as f64,
        DType::U16 => wrapped as u16 as f64,
        DType::U32 => wrapped as u32 as f64,
        DType::U64 => wrapped as u64 as f64,
        DType::I8 => wrapped as i8 as f64,
        DType::I16 => wrapped as i16 as f64,
        DType::I32 => wrapped as i32 as f64,
        DType::I64 => wrapped as f64,
        _ => Array::from(v).astype(dtype).item::<f64>(),
    };
    let (ia, ib) = (a as i64, b as i64);
    match kind {
        "set" => b,
        "add" => arith(a + b, ia.wrapping_add(ib)),
        "mul" => arith(a * b, ia.wrapping_mul(ib)),
        "min" => a.min(b),
        "max" => a.max(b),
        other => panic!("scatter_combine: unknown kind {other}"),
    }
}

/// A golden array as `parity/golden_encoding.py` writes it: `{"shape", "dtype", "data"}`, or
/// for complex dtypes `{"shape", "dtype", "re", "im"}` (`cenc`). Values are stored as f64 (the
/// float32 ones widened exactly) and cast to the recorded dtype.
pub fn decode_golden(v: &serde_json::Value) -> Array {
    let shape = equinox_testing::golden::sizes(&v["shape"]);
    let name = v["dtype"]
        .as_str()
        .unwrap_or_else(|| panic!("a golden array has a dtype: {v}"));
    let dtype = DType::from_name(name).unwrap_or_else(|| panic!("unknown golden dtype {name}"));
    let numbers = |key: &str| -> Vec<f64> {
        v[key]
            .as_array()
            .unwrap_or_else(|| panic!("a {name} golden array has a {key} list: {v}"))
            .iter()
            .map(equinox_testing::golden::number)
            .collect()
    };
    if dtype.is_complex() {
        let z: Vec<equinox_core::Complex64> = numbers("re")
            .into_iter()
            .zip(numbers("im"))
            .map(|(re, im)| equinox_core::Complex64::new(re, im))
            .collect();
        return Array::from_vec(z, shape).astype(dtype);
    }
    Array::from_vec(numbers("data"), shape).astype(dtype)
}

/// The dtype a golden's `dtype` field names (numpy's names).
pub fn golden_dtype(name: &str) -> DType {
    DType::from_name(name).unwrap_or_else(|| panic!("golden: unknown dtype {name:?}"))
}

/// A golden's encoded array as an `Array` of its dtype.
pub fn golden_array(e: &equinox_testing::golden::Encoded) -> Array {
    match golden_dtype(&e.dtype) {
        // Rounded here, as numpy rounds JAX's inputs: an `astype` is an operation, which
        // flushes a float32 subnormal to zero as XLA's does.
        DType::F32 => Array::from_vec(
            e.data.iter().map(|&x| x as f32).collect::<Vec<f32>>(),
            e.shape.clone(),
        ),
        dtype => Array::from_vec(e.data.clone(), e.shape.clone()).astype(dtype),
    }
}

/// The arrays of a list field of a golden case (`"args"`, `"outs"`).
pub fn golden_arrays(v: &serde_json::Value) -> Vec<Array> {
    v.as_array()
        .unwrap_or_else(|| panic!("golden: not a list of arrays: {v}"))
        .iter()
        .map(|e| golden_array(&equinox_testing::golden::encoded(e)))
        .collect()
}

/// Compares `got` with the golden values `want` under `tol`, returning the report of the
/// mismatches (empty when they match). float32 and narrower values are compared as float32:
/// a golden's shortest decimal for a float32 can parse one float64 ulp off.
pub fn golden_mismatch(
    what: &str,
    got: &Array,
    want: &equinox_testing::golden::Encoded,
    tol: equinox_testing::Tolerance,
) -> Option<String> {
    let narrow = matches!(want.dtype.as_str(), "float32" | "float16" | "bfloat16");
    let round = |v: &[f64]| -> Vec<f64> {
        if narrow {
            v.iter().map(|&x| x as f32 as f64).collect()
        } else {
            v.to_vec()
        }
    };
    let r = std::panic::catch_unwind(|| {
        equinox_testing::assert_close(what, &round(&got.to_vec::<f64>()), &round(&want.data), tol)
    });
    r.err()
        .map(|e| equinox_testing::panics::payload_text(&*e).unwrap_or_default())
}

/// Checks the `cases` section of a golden whose cases are `{"name", "args", "outs", "grad"?}`
/// (`parity/lax_breadth.py`, `parity/lax_composite.py`): `call(name, args)` must give each
/// output's dtype and shape, and its values within `tol(name, dtype)`; where the case has a
/// `grad`, the gradient of the sum of the first output with respect to the first operand must
/// match it (under `tol(name, "float32")`). Returns every mismatch report.
pub fn check_golden_cases(
    g: &equinox_testing::Golden,
    call: fn(&str, &[Array]) -> Vec<Array>,
    tol: fn(&str, &str) -> equinox_testing::Tolerance,
) -> Vec<String> {
    use equinox_testing::golden::{encoded, Encoded};
    let mut failures = Vec::new();
    for c in g.section("cases").iter() {
        let name = c["name"].as_str().unwrap().to_string();
        let args = golden_arrays(&c["args"]);
        let outs = call(&name, &args);
        let wants: Vec<Encoded> = c["outs"].as_array().unwrap().iter().map(encoded).collect();
        assert_eq!(outs.len(), wants.len(), "{name}: number of outputs");
        for (k, (got, want)) in outs.iter().zip(&wants).enumerate() {
            assert_eq!(
                got.dtype(),
                golden_dtype(&want.dtype),
                "{name} output {k} dtype"
            );
            assert_eq!(
                got.shape(),
                want.shape.as_slice(),
                "{name} output {k} shape"
            );
            let what = format!("{name} out {k}");
            failures.extend(golden_mismatch(&what, got, want, tol(&name, &want.dtype)));
        }
        if let Some(gv) = c.get("grad") {
            let want = encoded(gv);
            let rest = args[1..].to_vec();
            let n = name.clone();
            let got = equinox_core::transforms::grad(move |v: &Array| {
                let mut a = vec![v.clone()];
                a.extend(rest.iter().cloned());
                call(&n, &a)[0].sum(None)
            })(&args[0]);
            let what = format!("{name} grad");
            failures.extend(golden_mismatch(&what, &got, &want, tol(&name, "float32")));
        }
    }
    failures
}
