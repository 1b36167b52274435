//! JAX's PRNG implementations besides the default threefry2x32 (`jax/_src/random/rbg.py`,
//! `philox2x32.py`, `philox4x32.py`, `threefry4x32.py`): how each one seeds, splits, folds in
//! and draws bits, bit for bit.

use super::key::{threefry_fold_in, threefry_split, Key};
use super::ops::{bin, c_u32, convert};
use crate::array::{Array, DType, Shape};
use crate::backend::cpu::philox::{philox2x32_block, philox4x32_block};
use crate::backend::cpu::threefry::threefry4x32_block;
use crate::lax;
use crate::numpy as jnp;
use crate::prims::binary::BinaryOp;
use crate::prims::bind;
use crate::prims::prng::PrngOp;

/// A PRNG implementation (`impl=` of `jax.random.key`): what a key's data means and how
/// samplers turn it into bits.
///
/// ```
/// use equinox_core::random::PrngImpl;
/// assert_eq!(PrngImpl::from_name("philox4x32"), Some(PrngImpl::Philox4x32));
/// assert_eq!(PrngImpl::Rbg.key_size(), 4);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PrngImpl {
    /// JAX's default: Threefry-2x32, 2-word keys; see [`Mode`](super::Mode) for its two
    /// counter schemes.
    #[default]
    Threefry2x32,
    /// `rbg`: 4-word keys; bits from XLA's `RngBitGenerator`
    /// ([`lax::rng_bit_generator`]), splitting and folding in with threefry2x32 on each half.
    Rbg,
    /// `unsafe_rbg`: as [`PrngImpl::Rbg`], but splitting and folding in with
    /// `RngBitGenerator` too (cheaper, with weaker guarantees on the derived keys).
    UnsafeRbg,
    /// `philox2x32`: 1-word keys, Philox-2x32 (10 rounds).
    Philox2x32,
    /// `philox4x32`: 2-word keys, Philox-4x32 (10 rounds).
    Philox4x32,
    /// `threefry4x32`: 4-word keys, Threefry-4x32 (20 rounds).
    Threefry4x32,
}

impl PrngImpl {
    /// Every implementation, in the order JAX lists them in its error messages.
    pub const ALL: [PrngImpl; 6] = [
        PrngImpl::Philox2x32,
        PrngImpl::Philox4x32,
        PrngImpl::Threefry2x32,
        PrngImpl::Rbg,
        PrngImpl::UnsafeRbg,
        PrngImpl::Threefry4x32,
    ];

    /// JAX's name (`"threefry2x32"`, `"rbg"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            PrngImpl::Threefry2x32 => "threefry2x32",
            PrngImpl::Rbg => "rbg",
            PrngImpl::UnsafeRbg => "unsafe_rbg",
            PrngImpl::Philox2x32 => "philox2x32",
            PrngImpl::Philox4x32 => "philox4x32",
            PrngImpl::Threefry4x32 => "threefry4x32",
        }
    }

    /// JAX's short tag, as typed key dtypes print it (`key<fry>`, `key<rbg>`, ...).
    pub fn tag(self) -> &'static str {
        match self {
            PrngImpl::Threefry2x32 => "fry",
            PrngImpl::Rbg => "rbg",
            PrngImpl::UnsafeRbg => "urbg",
            PrngImpl::Philox2x32 => "phx2",
            PrngImpl::Philox4x32 => "phx4",
            PrngImpl::Threefry4x32 => "fry4",
        }
    }

    /// The number of `uint32` words in one key.
    pub fn key_size(self) -> usize {
        match self {
            PrngImpl::Philox2x32 => 1,
            PrngImpl::Threefry2x32 | PrngImpl::Philox4x32 => 2,
            PrngImpl::Rbg | PrngImpl::UnsafeRbg | PrngImpl::Threefry4x32 => 4,
        }
    }

    /// The implementation with JAX's name `name`, if there is one.
    pub fn from_name(name: &str) -> Option<PrngImpl> {
        PrngImpl::ALL.into_iter().find(|p| p.name() == name)
    }

    /// [`PrngImpl::from_name`], panicking with JAX's message for an unknown name.
    pub(crate) fn from_name_or_panic(name: &str) -> PrngImpl {
        PrngImpl::from_name(name).unwrap_or_else(|| {
            let known: Vec<String> = PrngImpl::ALL
                .iter()
                .map(|p| format!("\"{}\"", p.name()))
                .collect();
            panic!(
                "unrecognized PRNG implementation \"{name}\". Did you mean one of: {}?",
                known.join(", ")
            )
        })
    }
}

impl std::fmt::Display for PrngImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The key data `imp` seeds from the seed words `(hi, lo)` (`hi` is 0 for 32-bit seeds).
pub(crate) fn seed(imp: PrngImpl, hi: u32, lo: u32) -> Array {
    let words = match imp {
        PrngImpl::Threefry2x32 => vec![hi, lo],
        PrngImpl::Rbg | PrngImpl::UnsafeRbg => vec![hi, lo, hi, lo],
        // The seed halves enter as counter words, hashed under an all-zero key.
        PrngImpl::Philox2x32 => vec![philox2x32_block([0, hi, lo])[0]],
        PrngImpl::Philox4x32 => philox4x32_block([0, 0, hi, lo, 0, 0])[..2].to_vec(),
        PrngImpl::Threefry4x32 => threefry4x32_block([hi, lo, 0, 0, 0, 0, 0, 0]).to_vec(),
    };
    let n = words.len();
    Array::from_vec(words, [n])
}

/// Stacks key words of one shape `S` into key data `(*S, k)`.
fn stack_words(words: &[Array]) -> Array {
    let refs: Vec<&Array> = words.iter().collect();
    jnp::stack(&refs, words[0].ndim() as isize)
}

/// The row-major counters of `shape` as (high, low) words.
fn counters(shape: &Shape) -> (Array, Array) {
    let mut c = bind(
        PrngOp::Iota2x32Shape {
            shape: shape.clone(),
        },
        &[],
    );
    let lo = c.pop().expect("iota_2x32_shape has two outputs");
    let hi = c.pop().expect("iota_2x32_shape has two outputs");
    (hi, lo)
}

/// `rng_bit_generator` of `shape` and `dtype` from raw `rbg` key data.
fn rbg_bits(data: &Array, shape: impl Into<Shape>, dtype: DType) -> Array {
    let options = lax::RngBitGeneratorOptions {
        dtype,
        ..Default::default()
    };
    lax::rng_bit_generator_with_options(data, shape, options).1
}

/// `split` of a single key (words `w`) into key data of shape `(*shape, k)`.
pub(crate) fn split(key: &Key, w: &[Array], shape: &Shape) -> Array {
    let zero = c_u32(0);
    match key.implementation() {
        PrngImpl::Threefry2x32 => threefry_split(&w[0], &w[1], shape, key.mode()),
        PrngImpl::Rbg => {
            let a = threefry_split(&w[0], &w[1], shape, key.mode());
            let b = threefry_split(&w[2], &w[3], shape, key.mode());
            lax::concatenate(&[&a, &b], shape.len())
        }
        PrngImpl::UnsafeRbg => {
            // Every tenth row of a long draw (JAX treats ten draws as a hash).
            let n = shape.size();
            let rows = rbg_bits(key.data(), [10 * n, 4], DType::U32);
            let mut full = shape.0.to_vec();
            full.push(4);
            lax::slice_in_dim(&rows, 0, 10 * n, 10, 0).reshape(full)
        }
        PrngImpl::Philox2x32 => {
            let (hi, lo) = counters(shape);
            let y = bind(PrngOp::Philox2x32, &[&w[0], &hi, &lo]);
            stack_words(&y[..1])
        }
        PrngImpl::Philox4x32 => {
            let (hi, lo) = counters(shape);
            let y = bind(PrngOp::Philox4x32, &[&w[0], &w[1], &zero, &zero, &hi, &lo]);
            stack_words(&y[..2])
        }
        PrngImpl::Threefry4x32 => {
            let (hi, lo) = counters(shape);
            let args = [&w[0], &w[1], &w[2], &w[3], &zero, &zero, &hi, &lo];
            stack_words(&bind(PrngOp::Threefry4x32, &args))
        }
    }
}

/// `fold_in(key, data)`, elementwise over a batch of keys (words `w` of the batch shape).
pub(crate) fn fold_in(key: &Key, w: &[Array], data: u32) -> Array {
    let (zero, d) = (c_u32(0), c_u32(data));
    match key.implementation() {
        PrngImpl::Threefry2x32 => threefry_fold_in(&w[0], &w[1], data),
        PrngImpl::Rbg => {
            let a = threefry_fold_in(&w[0], &w[1], data);
            let b = threefry_fold_in(&w[2], &w[3], data);
            lax::concatenate(&[&a, &b], a.ndim() - 1)
        }
        PrngImpl::UnsafeRbg => {
            let rows = rbg_bits(&seed(PrngImpl::Rbg, 0, data), [10, 4], DType::U32);
            let last = lax::index_in_dim(&rows, 9, 0, false);
            jnp::bitwise_xor(key.data(), &last)
        }
        PrngImpl::Philox2x32 => stack_words(&bind(PrngOp::Philox2x32, &[&w[0], &zero, &d])[..1]),
        PrngImpl::Philox4x32 => {
            let args = [&w[0], &w[1], &zero, &zero, &zero, &d];
            stack_words(&bind(PrngOp::Philox4x32, &args)[..2])
        }
        PrngImpl::Threefry4x32 => {
            let args = [&w[0], &w[1], &w[2], &w[3], &zero, &zero, &zero, &d];
            stack_words(&bind(PrngOp::Threefry4x32, &args))
        }
    }
}

/// `random_bits` for an implementation other than threefry2x32, in the form
/// [`super::bits`]' `random_bits` gives: `uint32` below `2^bit_width` for widths up to 32,
/// `int64` bit patterns for 64.
pub(crate) fn random_bits(key: &Key, bit_width: u32, shape: &Shape, op: &str) -> Array {
    let w = key.single_words(op);
    let zero = c_u32(0);
    // (hi, lo) words of a 64-bit draw, and the words XOR-ed together for narrower ones.
    let (hi, lo, all) = match key.implementation() {
        PrngImpl::Threefry2x32 => unreachable!("threefry2x32 bits are drawn by random::bits"),
        PrngImpl::Rbg | PrngImpl::UnsafeRbg => {
            let dtype = match bit_width {
                8 => DType::U8,
                16 => DType::U16,
                32 => DType::U32,
                _ => DType::U64,
            };
            let bits = rbg_bits(key.data(), shape.clone(), dtype);
            let as_dtype = if bit_width == 64 {
                DType::I64
            } else {
                DType::U32
            };
            return convert(&bits, as_dtype);
        }
        PrngImpl::Philox2x32 => {
            let (c_hi, c_lo) = counters(shape);
            let y = bind(PrngOp::Philox2x32, &[&w[0], &c_hi, &c_lo]);
            let all = bin(BinaryOp::Xor, &y[0], &y[1]);
            (y[0].clone(), y[1].clone(), all)
        }
        PrngImpl::Philox4x32 => {
            let (c_hi, c_lo) = counters(shape);
            let y = bind(
                PrngOp::Philox4x32,
                &[&w[0], &w[1], &c_hi, &c_lo, &zero, &zero],
            );
            (y[0].clone(), y[1].clone(), xor_all(&y))
        }
        PrngImpl::Threefry4x32 => {
            let (c_hi, c_lo) = counters(shape);
            let args = [&w[0], &w[1], &w[2], &w[3], &c_hi, &c_lo, &zero, &zero];
            let y = bind(PrngOp::Threefry4x32, &args);
            let hi = bin(BinaryOp::Xor, &y[0], &y[2]);
            let lo = bin(BinaryOp::Xor, &y[1], &y[3]);
            (hi, lo, xor_all(&y))
        }
    };
    super::bits::combine_words(&hi, &lo, all, bit_width)
}

/// `y[0] ^ y[1] ^ ...`.
fn xor_all(y: &[Array]) -> Array {
    y[1..]
        .iter()
        .fold(y[0].clone(), |acc, v| bin(BinaryOp::Xor, &acc, v))
}
