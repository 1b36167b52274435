//! Uniform floats (`jax.random.uniform`).

use super::bits::random_bits;
use super::key::Key;
use super::ops::{bin, bitcast, c_float, c_u32, c_user_float, check_float, convert, nmant};
use crate::array::{Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::fma::FmaOp;

/// Uniform floats in `[minval, maxval)` of `shape` and float `dtype`, bit-exact with
/// `jax.random.uniform(key, shape, dtype, minval, maxval)`.
///
/// The mantissa of a float in `[1, 2)` is filled with random bits and 1 subtracted, giving
/// `[0, 1)`; then
/// `max(minval, u * (maxval - minval) + minval)`, with the multiply-add fused for float32 and
/// float64 as XLA does. float32 uses 32 random bits,
/// float64 64 (as JAX with x64 enabled), float16 16 and bfloat16 8.
///
/// ```
/// use equinox_core::{random, DType};
/// let u = random::uniform(random::key(0), [3], DType::F32, -3.0, 5.0);
/// assert!(u.to_vec::<f32>().iter().all(|&v| (-3.0..5.0).contains(&v)));
/// ```
pub fn uniform(key: Key, shape: impl Into<Shape>, dtype: DType, minval: f64, maxval: f64) -> Array {
    check_float("uniform", dtype);
    uniform_between(
        &key,
        &shape.into(),
        dtype,
        &c_user_float(minval, dtype),
        &c_user_float(maxval, dtype),
        "uniform",
    )
}

/// [`uniform`] with bounds that are already arrays of `dtype` (0-d or of `shape`).
pub(crate) fn uniform_between(
    key: &Key,
    shape: &Shape,
    dtype: DType,
    minval: &Array,
    maxval: &Array,
    op: &str,
) -> Array {
    let floats = unit_floats(key, shape, dtype, op);
    let span = bin(BinaryOp::Sub, maxval, minval);
    // XLA contracts this multiply-add into one FMA on CPU for float32 and float64; half types
    // round after the multiply and after the add. Matching JAX needs the same roundings.
    let scaled = if matches!(dtype, DType::F32 | DType::F64) {
        bind1(FmaOp, &[&floats, &span, minval])
    } else {
        bin(BinaryOp::Add, &bin(BinaryOp::Mul, &floats, &span), minval)
    };
    bin(BinaryOp::Max, minval, &scaled)
}

/// Floats in `[0, 1)`: random mantissa bits under the exponent of 1.0, minus 1.
fn unit_floats(key: &Key, shape: &Shape, dtype: DType, op: &str) -> Array {
    match dtype {
        DType::F64 => {
            let bits = random_bits(key, 64, shape, op);
            let mant = bin(
                BinaryOp::ShiftRightLogical,
                &bits,
                &Array::scalar(64i64 - 52),
            );
            let one = Array::scalar(1.0f64.to_bits() as i64);
            let f = bitcast(&bin(BinaryOp::Or, &mant, &one), DType::F64);
            bin(BinaryOp::Sub, &f, &Array::scalar(1.0f64))
        }
        DType::F32 => {
            let bits = random_bits(key, 32, shape, op);
            let mant = bin(BinaryOp::ShiftRightLogical, &bits, &c_u32(32 - 23));
            let f = bitcast(
                &bin(BinaryOp::Or, &mant, &c_u32(1.0f32.to_bits())),
                DType::F32,
            );
            bin(BinaryOp::Sub, &f, &Array::scalar(1.0f32))
        }
        _ => {
            // Half types: JAX's `bitcast(m | bits(1.0)) - 1` is exactly `m * 2^-nmant` (m has
            // nmant bits), which needs no 16-bit integer dtype. float16 draws 16 bits, bfloat16
            // and the 8-bit floats 8 (JAX draws at least 8 bits, and their mantissas are
            // shorter).
            let rng_bits = if dtype == DType::BF16 || dtype.is_narrow_float() {
                8
            } else {
                16
            };
            let bits = random_bits(key, rng_bits, shape, op);
            let m = bin(
                BinaryOp::ShiftRightLogical,
                &bits,
                &c_u32(rng_bits - nmant(dtype)),
            );
            bin(
                BinaryOp::Mul,
                &convert(&m, dtype),
                &c_float((-(nmant(dtype) as f64)).exp2(), dtype),
            )
        }
    }
}
