//! Raw random bits (`jax.random.bits`): threefry2x32's in either [`Mode`], the other
//! implementations' through [`super::prng_impl`].

use super::key::{Key, Mode};
use super::ops::{bin, c_u32, convert, threefry, threefry_2x32_flat};
use super::prng_impl::{self, PrngImpl};
use crate::array::{Array, DType, Shape};
use crate::lax;
use crate::numpy as jnp;
use crate::prims::binary::BinaryOp;
use crate::prims::bind;
use crate::prims::prng::PrngOp;

/// JAX's `random_bits(key, bit_width, shape)`: `bit_width` (8, 16, 32 or 64) random bits per
/// element of `shape`. Widths up to 32 come as `uint32` holding values below `2^bit_width`
/// (equal to JAX's narrower unsigned dtype), 64 as the bit patterns of `int64`.
pub(crate) fn random_bits(key: &Key, bit_width: u32, shape: &Shape, op: &str) -> Array {
    if key.implementation() != PrngImpl::Threefry2x32 {
        return prng_impl::random_bits(key, bit_width, shape, op);
    }
    let w = key.single_words(op);
    match key.mode() {
        Mode::Partitionable => partitionable_bits(&w[0], &w[1], bit_width, shape),
        Mode::Legacy => legacy_bits(&w[0], &w[1], bit_width, shape, op),
    }
}

/// Element `i` (row-major) hashes the counter pair `(i >> 32, i mod 2^32)`; 64-bit draws are
/// `(b0 << 32) | b1` of the two output words, narrower ones (the low bits of) `b0 ^ b1`.
fn partitionable_bits(k0: &Array, k1: &Array, bit_width: u32, shape: &Shape) -> Array {
    let counters = bind(
        PrngOp::Iota2x32Shape {
            shape: shape.clone(),
        },
        &[],
    );
    let (b0, b1) = threefry(k0, k1, &counters[0], &counters[1]);
    let mixed = bin(BinaryOp::Xor, &b0, &b1);
    combine_words(&b0, &b1, mixed, bit_width)
}

/// A draw of `bit_width` bits from a counter-based hash's words, as every JAX implementation
/// but `rbg` forms it: 64 bits are `(hi << 32) | lo`, 32 bits the words XOR-ed together
/// (`mixed`), narrower draws the low bits of `mixed`.
pub(crate) fn combine_words(hi: &Array, lo: &Array, mixed: Array, bit_width: u32) -> Array {
    match bit_width {
        64 => words_to_u64(hi, lo),
        32 => mixed,
        w => bin(BinaryOp::And, &mixed, &c_u32((1u32 << w) - 1)),
    }
}

/// JAX's `_threefry_random_bits_original`: hash the counters `0..m` for the `m` 32-bit words
/// needed; 64-bit draws pair the first half of the words with the second, narrower draws cut
/// each word into little-endian pieces (numpy's `view`).
fn legacy_bits(k0: &Array, k1: &Array, bit_width: u32, shape: &Shape, op: &str) -> Array {
    let size = shape.size();
    let words = (bit_width as usize * size).div_ceil(32);
    if words >= u32::MAX as usize {
        // JAX switches to several subkeys beyond 2^32 - 1 words; arrays that large (16 GiB of
        // bits) are out of scope here.
        panic!(
            "random.{op}: legacy-mode draws are limited to 2^32 - 2 words of 32 bits, got \
             {size} elements of {bit_width} bits"
        );
    }
    let bits = threefry_2x32_flat(k0, k1, &lax::iota(DType::U32, words));
    let flat = match bit_width {
        64 => words_to_u64(
            &lax::slice_in_dim(&bits, 0, size, 1, 0),
            &lax::slice_in_dim(&bits, size, 2 * size, 1, 0),
        ),
        32 => bits,
        w => {
            let mask = c_u32((1u32 << w) - 1);
            let pieces: Vec<Array> = (0..32 / w)
                .map(|j| {
                    let shifted = bin(BinaryOp::ShiftRightLogical, &bits, &c_u32(w * j));
                    bin(BinaryOp::And, &shifted, &mask)
                })
                .collect();
            let refs: Vec<&Array> = pieces.iter().collect();
            let all = jnp::stack(&refs, 1).reshape([words * (32 / w) as usize]);
            lax::slice_in_dim(&all, 0, size, 1, 0)
        }
    };
    flat.reshape(shape.0.to_vec())
}

/// `(u64(hi) << 32) | u64(lo)` as `int64` bit patterns.
fn words_to_u64(hi: &Array, lo: &Array) -> Array {
    let hi = bin(
        BinaryOp::ShiftLeft,
        &convert(hi, DType::I64),
        &Array::scalar(32i64),
    );
    bin(BinaryOp::Or, &hi, &convert(lo, DType::I64))
}

/// 32 random bits per element (`random_bits(key, 32, shape)`).
pub(crate) fn bits32(key: &Key, shape: &Shape, op: &str) -> Array {
    random_bits(key, 32, shape, op)
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

/// Uniform random `uint8` values (`jax.random.bits(key, shape, jnp.uint8)`).
pub fn bits_u8(key: Key, shape: impl Into<Shape>) -> Array {
    convert(&random_bits(&key, 8, &shape.into(), "bits"), DType::U8)
}

/// Uniform random `uint16` values (`jax.random.bits(key, shape, jnp.uint16)`).
pub fn bits_u16(key: Key, shape: impl Into<Shape>) -> Array {
    convert(&random_bits(&key, 16, &shape.into(), "bits"), DType::U16)
}

/// Uniform random `uint64` values (`jax.random.bits(key, shape, jnp.uint64)` with x64 enabled).
///
/// ```
/// use equinox_core::random;
/// let b = random::bits_u64(random::key(0), [2]);
/// assert_eq!(b.dtype(), equinox_core::DType::U64);
/// ```
pub fn bits_u64(key: Key, shape: impl Into<Shape>) -> Array {
    // The words arrive as int64 bit patterns; the wrapping conversion keeps the bits.
    convert(&random_bits(&key, 64, &shape.into(), "bits"), DType::U64)
}
