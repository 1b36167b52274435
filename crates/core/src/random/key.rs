//! PRNG keys: creation from a seed, splitting and folding in data.

use super::ops::{c_u32, stack_pair, threefry, unstack_pair};
use crate::array::{Array, DType, Shape};
use crate::prims::bind;
use crate::prims::threefry::ThreefryOp;

/// A threefry2x32 PRNG key, or a batch of them.
///
/// The key data is a `uint32` array of shape `(..., 2)` held as one [`Array`] leaf, exactly what
/// `jax.random.PRNGKey` / `jax.random.key_data` give in JAX; a single key has shape `(2,)`.
/// Samplers take a `Key` by value, so the compiler enforces JAX's rule that a key is used once:
/// derive fresh keys with [`split`] or [`fold_in`] (or `clone` deliberately).
///
/// ```
/// use equinox_core::random;
/// let key = random::key(42);
/// assert_eq!(key.data().to_vec::<u32>(), vec![0, 42]);
/// let [k1, k2] = random::split_into(key);
/// assert_eq!(k1.data().to_vec::<u32>(), vec![1832780943, 270669613]);
/// assert_eq!(k2.data().to_vec::<u32>(), vec![64467757, 2916123636]);
/// ```
#[derive(Clone, Debug)]
pub struct Key {
    data: Array,
}

/// `jax.random.PRNGKey(seed)` in JAX's default 32-bit mode: the seed is truncated to its low 32
/// bits, giving key data `[0, seed mod 2^32]`.
///
/// ```
/// use equinox_core::random;
/// assert_eq!(random::key(7).data().to_vec::<u32>(), vec![0, 7]);
/// assert_eq!(random::key((1 << 32) + 5).data().to_vec::<u32>(), vec![0, 5]);
/// ```
pub fn key(seed: u64) -> Key {
    Key::from_data(Array::from_vec(vec![0u32, seed as u32], [2]))
}

/// `jax.random.PRNGKey(seed)` with `jax_enable_x64` on: key data `[seed >> 32, seed mod 2^32]`.
/// Equal to [`key`] for seeds below `2^32`.
pub fn key_x64(seed: u64) -> Key {
    Key::from_data(Array::from_vec(vec![(seed >> 32) as u32, seed as u32], [2]))
}

impl Key {
    /// Wraps raw key data (`jax.random.wrap_key_data`): a `uint32` array of shape `(..., 2)`.
    ///
    /// Panics if the dtype is not `uint32` or the last axis does not have size 2.
    pub fn from_data(data: Array) -> Key {
        if data.dtype() != DType::U32 || data.shape().last() != Some(&2) {
            panic!(
                "Key::from_data: key data must be uint32 with a last axis of size 2, got {}",
                data.aval()
            );
        }
        Key { data }
    }

    /// The raw key data (`jax.random.key_data`): `uint32` of shape `(..., 2)`.
    pub fn data(&self) -> &Array {
        &self.data
    }

    /// The raw key data, consuming the key.
    pub fn into_data(self) -> Array {
        self.data
    }

    /// The batch shape: `()` for a single key, `(n,)` for `split(key, n)`, ...
    pub fn shape(&self) -> &[usize] {
        let s = self.data.shape();
        &s[..s.len() - 1]
    }

    /// The two key words as arrays of the batch shape.
    pub(crate) fn words(&self) -> (Array, Array) {
        unstack_pair(&self.data)
    }

    /// The two key words of a single key, panicking (naming `op`) for a batch of keys.
    pub(crate) fn single_words(&self, op: &str) -> (Array, Array) {
        if self.data.ndim() != 1 {
            panic!(
                "random.{op}: expected a single key (key data of shape (2,)), got key data {}; \
                 sample with each key of a batch separately (or under vmap)",
                self.data.aval()
            );
        }
        self.words()
    }
}

/// Splits a key into a batch of new keys of shape `num` (`jax.random.split(key, num)`), in
/// JAX's default partitionable mode: key `i` (row-major) is `threefry2x32(key, (0, i))`.
///
/// ```
/// use equinox_core::random;
/// let keys = random::split(random::key(0), [3]);
/// assert_eq!(keys.shape(), &[3]);
/// assert_eq!(keys.data().shape(), &[3, 2]);
/// ```
pub fn split(key: Key, num: impl Into<Shape>) -> Key {
    let (k0, k1) = key.single_words("split");
    let shape = num.into();
    let counters = bind(ThreefryOp::Iota2x32Shape { shape }, &[]);
    let (b0, b1) = threefry(&k0, &k1, &counters[0], &counters[1]);
    Key::from_data(stack_pair(&b0, &b1))
}

/// Splits a key into `n` separate keys, equal to the rows of [`split`]`(key, [n])`.
pub fn split_vec(key: Key, n: usize) -> Vec<Key> {
    let (k0, k1) = key.single_words("split");
    (0..n as u64)
        .map(|i| {
            let (b0, b1) = threefry(&k0, &k1, &c_u32((i >> 32) as u32), &c_u32(i as u32));
            Key::from_data(stack_pair(&b0, &b1))
        })
        .collect()
}

/// Splits a key into `N` separate keys (`k1, k2 = jax.random.split(key)` is
/// `let [k1, k2] = split_into(key)`).
pub fn split_into<const N: usize>(key: Key) -> [Key; N] {
    split_vec(key, N)
        .try_into()
        .unwrap_or_else(|_| unreachable!("split_vec returns N keys"))
}

/// Folds `data` into a key (`jax.random.fold_in`): `threefry2x32(key, (0, data))`. Works on a
/// single key or elementwise on a batch of keys.
///
/// ```
/// use equinox_core::random;
/// let k = random::fold_in(random::key(42), 7);
/// assert_eq!(k.data().to_vec::<u32>(), vec![2547012911, 1371500959]);
/// ```
pub fn fold_in(key: Key, data: u32) -> Key {
    let (k0, k1) = key.words();
    let (b0, b1) = threefry(&k0, &k1, &c_u32(0), &c_u32(data));
    Key::from_data(stack_pair(&b0, &b1))
}
