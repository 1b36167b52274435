//! Normal and truncated normal samples by inverting the error function.

use super::key::Key;
use super::ops::{bin, c_float, c_user_float, check_float, nmant};
use super::uniform::uniform_between;
use crate::array::{Array, ArrayElement, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::select::SelectOp;
use crate::prims::unary::UnaryOp;

/// Standard normal samples (`jax.random.normal(key, shape, dtype)`).
///
/// As in JAX, `u` is uniform in `[nextafter(-1, 0), 1)` and the sample is
/// `sqrt(2) * erf_inv(u)` (no Box-Muller). float32 results equal JAX's bit for bit except in
/// rare cases (about 0.4% of draws, by at most 3 ulp) where XLA's own `log` differs.
///
/// ```
/// use equinox_core::{random, DType};
/// let z = random::normal(random::key(0), [2], DType::F32).to_vec::<f32>();
/// assert_eq!(z[0].to_bits(), 1070576317);
/// ```
pub fn normal(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("normal", dtype);
    // nextafter(-1, 0) in dtype: -1 plus half the spacing of floats in [1, 2).
    let lo = -1.0 + (-(nmant(dtype) as f64 + 1.0)).exp2();
    let u = uniform_between(
        &key,
        &shape.into(),
        dtype,
        &c_float(lo, dtype),
        &c_float(1.0, dtype),
        "normal",
    );
    bin(
        BinaryOp::Mul,
        &c_float(std::f64::consts::SQRT_2, dtype),
        &bind1(UnaryOp::ErfInv, &[&u]),
    )
}

/// Standard normal samples truncated to `(lower, upper)`
/// (`jax.random.truncated_normal(key, lower, upper, shape, dtype)`).
///
/// `u` is uniform between `erf(lower / sqrt 2)` and `erf(upper / sqrt 2)`, the sample
/// `sqrt(2) * erf_inv(u)`, clipped into the open interval.
///
/// ```
/// use equinox_core::{random, DType};
/// let z = random::truncated_normal(random::key(1), -2.0, 2.0, [100], DType::F32);
/// assert!(z.to_vec::<f32>().iter().all(|&v| v > -2.0 && v < 2.0));
/// ```
pub fn truncated_normal(
    key: Key,
    lower: f64,
    upper: f64,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("truncated_normal", dtype);
    let sqrt2 = c_float(std::f64::consts::SQRT_2, dtype);
    let lower = c_user_float(lower, dtype);
    let upper = c_user_float(upper, dtype);
    // XLA rewrites division by a constant into multiplication by its reciprocal (rounded in
    // the dtype), which changes the last bit of `lower / sqrt(2)` for some bounds.
    let inv_sqrt2 = crate::with_float_dtype!(dtype, T => {
        Array::scalar(<T as num_traits::One>::one() / T::from_f64(std::f64::consts::SQRT_2))
    }, _ => unreachable!("checked float"));
    let a = bind1(UnaryOp::Erf, &[&bin(BinaryOp::Mul, &lower, &inv_sqrt2)]);
    let b = bind1(UnaryOp::Erf, &[&bin(BinaryOp::Mul, &upper, &inv_sqrt2)]);
    let u = uniform_between(&key, &shape.into(), dtype, &a, &b, "truncated_normal");
    let out = bin(BinaryOp::Mul, &sqrt2, &bind1(UnaryOp::ErfInv, &[&u]));
    let lo = bin(BinaryOp::Nextafter, &lower, &c_float(f64::INFINITY, dtype));
    let hi = bin(
        BinaryOp::Nextafter,
        &upper,
        &c_float(f64::NEG_INFINITY, dtype),
    );
    bind1(SelectOp::Clamp, &[&lo, &out, &hi])
}
