//! Raw random bits (`jax.random.bits`) in JAX's partitionable mode.

use super::key::Key;
use super::ops::{bin, c_u32, convert, threefry};
use crate::array::{Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::bind;
use crate::prims::threefry::ThreefryOp;

/// The two threefry output words for every element of `shape`: element `i` (row-major) is
/// `threefry2x32(key, (i >> 32, i mod 2^32))`, so it depends only on the key and `i`.
pub(crate) fn block_words(key: &Key, shape: &Shape, op: &str) -> (Array, Array) {
    let (k0, k1) = key.single_words(op);
    let counters = bind(
        ThreefryOp::Iota2x32Shape {
            shape: shape.clone(),
        },
        &[],
    );
    threefry(&k0, &k1, &counters[0], &counters[1])
}

/// 32 random bits per element: `b0 ^ b1` of [`block_words`].
pub(crate) fn bits32(key: &Key, shape: &Shape, op: &str) -> Array {
    let (b0, b1) = block_words(key, shape, op);
    bin(BinaryOp::Xor, &b0, &b1)
}

/// Uniform random `uint32` values of `shape` (`jax.random.bits(key, shape)`).
///
/// ```
/// use equinox_core::random;
/// let b = random::bits(random::key(42), [3]);
/// assert_eq!(b.to_vec::<u32>(), vec![2098992034, 2919706841, 2646866425]);
/// ```
pub fn bits(key: Key, shape: impl Into<Shape>) -> Array {
    bits32(&key, &shape.into(), "bits")
}

/// Uniform random `uint8` values (`jax.random.bits(key, shape, jnp.uint8)`): the low byte of the
/// 32-bit draw.
pub fn bits_u8(key: Key, shape: impl Into<Shape>) -> Array {
    convert(&bits32(&key, &shape.into(), "bits"), DType::U8)
}

/// 16 random bits per element (`jax.random.bits(key, shape, jnp.uint16)`), held in `uint32`
/// because there is no `uint16` dtype: every value is below `2^16` and equals JAX's `uint16`.
pub fn bits_u16(key: Key, shape: impl Into<Shape>) -> Array {
    bin(
        BinaryOp::And,
        &bits32(&key, &shape.into(), "bits"),
        &c_u32(0xFFFF),
    )
}

/// 64 random bits per element (`jax.random.bits(key, shape, jnp.uint64)` with x64 enabled),
/// held as the bit patterns of `int64` values because there is no `uint64` dtype: the `u64` JAX
/// returns is `value as u64`. Built as `(b0 << 32) | b1` of [`block_words`].
///
/// ```
/// use equinox_core::random;
/// let b = random::bits_u64(random::key(0), [2]);
/// assert_eq!(b.dtype(), equinox_core::DType::I64);
/// ```
pub fn bits_u64(key: Key, shape: impl Into<Shape>) -> Array {
    let (b0, b1) = block_words(&key, &shape.into(), "bits");
    bits64_from_words(&b0, &b1)
}

/// `(u64(b0) << 32) | u64(b1)` as `int64` bit patterns.
pub(crate) fn bits64_from_words(b0: &Array, b1: &Array) -> Array {
    let hi = bin(
        BinaryOp::ShiftLeft,
        &convert(b0, DType::I64),
        &Array::scalar(32i64),
    );
    bin(BinaryOp::Or, &hi, &convert(b1, DType::I64))
}
