//! Continuous distributions obtained by transforming one uniform draw: `gumbel`,
//! `exponential`, `laplace`, `logistic`.

use super::key::Key;
use super::ops::{bin, c_float, c_user_float, check_float, nmant, tiny};
use super::uniform::uniform_between;
use crate::array::{Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::unary::UnaryOp;

fn un(op: UnaryOp, x: &Array) -> Array {
    bind1(op, &[x])
}

/// Uniform in `[minval, 1)` with `minval` given in `dtype`.
fn uniform_from(key: &Key, shape: Shape, dtype: DType, minval: f64, op: &str) -> Array {
    check_float(op, dtype);
    uniform_between(
        key,
        &shape,
        dtype,
        &c_user_float(minval, dtype),
        &c_float(1.0, dtype),
        op,
    )
}

/// Standard Gumbel samples (`jax.random.gumbel(key, shape, dtype)`, the default `mode='low'`):
/// `-log(-log(u))` with `u` uniform in `[tiny, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let g = random::gumbel(random::key(0), [4], DType::F32);
/// assert_eq!(g.shape(), &[4]);
/// ```
pub fn gumbel(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    let u = uniform_from(&key, shape.into(), dtype, tiny(dtype), "gumbel");
    un(
        UnaryOp::Neg,
        &un(UnaryOp::Log, &un(UnaryOp::Neg, &un(UnaryOp::Log, &u))),
    )
}

/// Standard exponential samples (`jax.random.exponential`): `-log1p(-u)`, `u` uniform in
/// `[0, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let e = random::exponential(random::key(0), [4], DType::F32);
/// assert!(e.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn exponential(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    let u = uniform_from(&key, shape.into(), dtype, 0.0, "exponential");
    un(UnaryOp::Neg, &un(UnaryOp::Log1p, &un(UnaryOp::Neg, &u)))
}

/// Standard Laplace samples (`jax.random.laplace`): `sign(u) * log1p(-|u|)`, `u` uniform in
/// `[-1 + epsneg, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let l = random::laplace(random::key(0), [4], DType::F32);
/// assert_eq!(l.dtype(), DType::F32);
/// ```
pub fn laplace(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    // epsneg = 2^-(nmant + 1), so -1 + epsneg is the float just above -1.
    let lo = -1.0 + (-(nmant(dtype) as f64 + 1.0)).exp2();
    let u = uniform_from(&key, shape.into(), dtype, lo, "laplace");
    bin(
        BinaryOp::Mul,
        &un(UnaryOp::Sign, &u),
        &un(UnaryOp::Log1p, &un(UnaryOp::Neg, &un(UnaryOp::Abs, &u))),
    )
}

/// Standard logistic samples (`jax.random.logistic`): `log(u) - log1p(-u)`, `u` uniform in
/// `[tiny, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let l = random::logistic(random::key(0), [4], DType::F32);
/// assert_eq!(l.shape(), &[4]);
/// ```
pub fn logistic(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    let u = uniform_from(&key, shape.into(), dtype, tiny(dtype), "logistic");
    bin(
        BinaryOp::Sub,
        &un(UnaryOp::Log, &u),
        &un(UnaryOp::Log1p, &un(UnaryOp::Neg, &u)),
    )
}
