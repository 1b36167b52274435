//! `jax.lax.rng_bit_generator`: XLA's counter-based bit generator as a pure function of its key.

use crate::array::{Array, DType, Shape};
use crate::prims::bind;
use crate::prims::prng::PrngOp;
pub use crate::prims::prng::RandomAlgorithm;

/// Options of [`rng_bit_generator_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RngBitGeneratorOptions {
    /// The dtype of the bits: `uint8`, `uint16`, `uint32` (the default) or `uint64`.
    pub dtype: DType,
    /// The bit generator ([`RandomAlgorithm::Default`], Philox on CPU).
    pub algorithm: RandomAlgorithm,
}

impl Default for RngBitGeneratorOptions {
    fn default() -> Self {
        RngBitGeneratorOptions {
            dtype: DType::U32,
            algorithm: RandomAlgorithm::Default,
        }
    }
}

/// `jax.lax.rng_bit_generator(key, shape)`: uniformly random `uint32` bits of `shape` and the
/// advanced key, bit-exact with JAX on CPU. The key is `uint32[4]` (as JAX's `rbg` keys hold
/// it) or `uint64[2]`; the same key always gives the same bits.
///
/// Panics (naming the operation) for another key shape or dtype.
///
/// ```
/// use equinox_core::{lax, Array};
/// let key = Array::from_vec(vec![1u32, 2, 3, 4], [4]);
/// let (new_key, bits) = lax::rng_bit_generator(&key, [3]);
/// // jax.lax.rng_bit_generator(jnp.array([1, 2, 3, 4], jnp.uint32), (3,))
/// assert_eq!(new_key.to_vec::<u32>(), vec![1, 2, 4, 4]);
/// assert_eq!(bits.shape(), &[3]);
/// ```
pub fn rng_bit_generator(key: &Array, shape: impl Into<Shape>) -> (Array, Array) {
    rng_bit_generator_with_options(key, shape, RngBitGeneratorOptions::default())
}

/// [`rng_bit_generator`] with another dtype or algorithm. Panics for a dtype other than
/// `uint8`/`uint16`/`uint32`/`uint64` (JAX's `rng_bit_generator: unsupported dtype`).
pub fn rng_bit_generator_with_options(
    key: &Array,
    shape: impl Into<Shape>,
    options: RngBitGeneratorOptions,
) -> (Array, Array) {
    let mut out = bind(
        PrngOp::RngBitGenerator {
            shape: shape.into(),
            dtype: options.dtype,
            algorithm: options.algorithm,
        },
        &[key],
    );
    let bits = out.pop().expect("rng_bit_generator has two outputs");
    let new_key = out.pop().expect("rng_bit_generator has two outputs");
    (new_key, bits)
}
