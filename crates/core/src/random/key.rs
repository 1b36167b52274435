//! PRNG keys: creation from a seed, splitting and folding in data.

use super::ops::{c_u32, last_axis_element, stack_pair, threefry, threefry_2x32_flat};
use super::prng_impl::{self, PrngImpl};
use crate::array::{Array, DType, Shape};
use crate::lax;
use crate::prims::bind;
use crate::prims::prng::PrngOp;

/// How a key turns counters into random bits and subkeys: JAX's `jax_threefry_partitionable`
/// flag, carried by each [`Key`] (and inherited by the keys split or folded from it) instead
/// of being global state.
///
/// Both modes hash with threefry2x32 and agree on [`key`] and [`fold_in`]; they differ in which
/// counters [`split`] and the samplers hash, so the same key gives different numbers.
///
/// ```
/// use equinox_core::random::{self, Mode};
/// let legacy = random::key(0).with_mode(Mode::Legacy);
/// // jax.config.update("jax_threefry_partitionable", False); jax.random.bits(PRNGKey(0), (3,))
/// let b = random::bits(legacy, [3]).to_vec::<u32>();
/// assert_eq!(b, vec![4146024105, 1351547692, 2718843009]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// JAX's default since 0.5 (`jax_threefry_partitionable=True`): element `i` of a draw hashes
    /// the counter pair `(i >> 32, i mod 2^32)`, so every element depends only on the key and
    /// its position, and shards can be generated independently.
    #[default]
    Partitionable,
    /// JAX's original scheme (`jax_threefry_partitionable=False`): a draw of `m` 32-bit words
    /// hashes the counters `0..m` split into two halves, and `split(key, n)` is the reshaped
    /// hash of `0..2n`. Use it to reproduce numbers from JAX before 0.5 or with the flag off.
    Legacy,
}

/// A PRNG key, or a batch of them: key data, the [`PrngImpl`] that reads it (threefry2x32
/// unless made with [`key_with_options`] / [`Key::from_data_with_impl`]) and the threefry [`Mode`].
///
/// The key data is a `uint32` array of shape `(..., k)` held as one [`Array`] leaf, exactly what
/// `jax.random.PRNGKey` / `jax.random.key_data` give in JAX; `k` is the implementation's key
/// size (2 for threefry2x32, so a single key has shape `(2,)`).
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
    mode: Mode,
    imp: PrngImpl,
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
    key_with_options(seed, KeyOptions::default())
}

/// `jax.random.PRNGKey(seed)` with `jax_enable_x64` on: key data `[seed >> 32, seed mod 2^32]`.
/// Equal to [`key`] for seeds below `2^32`.
pub fn key_x64(seed: u64) -> Key {
    let x64 = KeyOptions {
        x64: true,
        ..Default::default()
    };
    key_with_options(seed, x64)
}

/// Options of [`key_with_options`]; the defaults give [`key`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyOptions {
    /// The PRNG implementation (`impl=` in JAX; threefry2x32 by default).
    pub implementation: PrngImpl,
    /// Seed as `jax_enable_x64` does: all 64 bits of the seed count (`hi = seed >> 32`),
    /// instead of its low 32 bits.
    pub x64: bool,
}

/// `jax.random.key(seed, impl=...)` (or `PRNGKey`): a key of any [`PrngImpl`], seeded as JAX
/// seeds it. Every sampler works with every implementation and gives JAX's numbers for it.
///
/// ```
/// use equinox_core::random::{self, KeyOptions, PrngImpl};
/// let rbg = KeyOptions { implementation: PrngImpl::Rbg, ..Default::default() };
/// assert_eq!(random::key_with_options(3, rbg).data().to_vec::<u32>(), vec![0, 3, 0, 3]);
/// // jax.random.bits(jax.random.key(3, impl="philox4x32"), (3,))
/// let philox = KeyOptions { implementation: PrngImpl::Philox4x32, ..Default::default() };
/// let b = random::bits(random::key_with_options(3, philox), [3]);
/// assert_eq!(b.to_vec::<u32>(), vec![2455879424, 3810592336, 2602001797]);
/// ```
pub fn key_with_options(seed: u64, options: KeyOptions) -> Key {
    let hi = if options.x64 { (seed >> 32) as u32 } else { 0 };
    let imp = options.implementation;
    Key::from_data_with_impl(prng_impl::seed(imp, hi, seed as u32), imp)
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
        Key::from_data_with_impl(data, PrngImpl::Threefry2x32)
    }

    /// Wraps raw key data of the implementation `imp` (`jax.random.wrap_key_data(data,
    /// impl=...)`): a `uint32` array of shape `(..., k)` with `k` the implementation's
    /// [`key_size`](PrngImpl::key_size).
    ///
    /// Panics if the dtype is not `uint32` or the last axis does not have size `k`.
    pub fn from_data_with_impl(data: Array, imp: PrngImpl) -> Key {
        if data.dtype() != DType::U32 || data.shape().last() != Some(&imp.key_size()) {
            panic!(
                "Key::from_data_with_impl: {} key data must be uint32 with a last axis of size \
                 {}, got {}",
                imp.name(),
                imp.key_size(),
                data.aval()
            );
        }
        Key {
            data,
            mode: Mode::Partitionable,
            imp,
        }
    }

    /// A key of this key's implementation and mode holding other key data (a key carried
    /// through a loop as raw data, for instance). Panics as [`Key::from_data_with_impl`].
    pub fn with_data(&self, data: Array) -> Key {
        Key::from_data_with_impl(data, self.imp).with_mode(self.mode)
    }

    /// The PRNG implementation that reads this key's data.
    pub fn implementation(&self) -> PrngImpl {
        self.imp
    }

    /// This key with the given [`Mode`] (the data are unchanged); keys derived from it by
    /// [`split`] and [`fold_in`] keep the mode.
    pub fn with_mode(self, mode: Mode) -> Key {
        Key { mode, ..self }
    }

    /// The [`Mode`] this key samples with ([`Mode::Partitionable`] unless set with
    /// [`Key::with_mode`]).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The raw key data (`jax.random.key_data`): `uint32` of shape `(..., k)`.
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

    /// The key words as arrays of the batch shape (`k1, k2 = key` for threefry2x32).
    pub(crate) fn words(&self) -> Vec<Array> {
        (0..self.imp.key_size())
            .map(|i| last_axis_element(&self.data, i))
            .collect()
    }

    /// Panics (naming `op`) unless this is a single key.
    pub(crate) fn check_single(&self, op: &str) {
        if self.data.ndim() != 1 {
            panic!(
                "random.{op}: expected a single key (key data of shape ({},)), got key data {}; \
                 sample with each key of a batch separately (or under vmap)",
                self.imp.key_size(),
                self.data.aval()
            );
        }
    }

    /// The key words of a single key, panicking (naming `op`) for a batch of keys.
    pub(crate) fn single_words(&self, op: &str) -> Vec<Array> {
        self.check_single(op);
        self.words()
    }
}

/// Splits a key into a batch of new keys of shape `num` (`jax.random.split(key, num)`).
///
/// In the default [`Mode::Partitionable`], key `i` (row-major) is `threefry2x32(key, (0, i))`;
/// in [`Mode::Legacy`] the keys are the hash of the counters `0..2 * num.size()`, reshaped to
/// `(*num, 2)`.
///
/// ```
/// use equinox_core::random;
/// let keys = random::split(random::key(0), [3]);
/// assert_eq!(keys.shape(), &[3]);
/// assert_eq!(keys.data().shape(), &[3, 2]);
/// ```
pub fn split(key: Key, num: impl Into<Shape>) -> Key {
    let words = key.single_words("split");
    let shape = num.into();
    key.with_data(prng_impl::split(&key, &words, &shape))
}

/// threefry2x32's `split` of the key `(k0, k1)` into key data of shape `(*shape, 2)`.
pub(crate) fn threefry_split(k0: &Array, k1: &Array, shape: &Shape, mode: Mode) -> Array {
    match mode {
        Mode::Partitionable => {
            let counters = bind(
                PrngOp::Iota2x32Shape {
                    shape: shape.clone(),
                },
                &[],
            );
            let (b0, b1) = threefry(k0, k1, &counters[0], &counters[1]);
            stack_pair(&b0, &b1)
        }
        Mode::Legacy => {
            let counts = lax::iota(DType::U32, 2 * shape.size());
            let mut full: Vec<usize> = shape.0.to_vec();
            full.push(2);
            threefry_2x32_flat(k0, k1, &counts).reshape(full)
        }
    }
}

/// threefry2x32's `fold_in`: `threefry2x32(key, (0, data))` as key data `(..., 2)`.
pub(crate) fn threefry_fold_in(k0: &Array, k1: &Array, data: u32) -> Array {
    let (b0, b1) = threefry(k0, k1, &c_u32(0), &c_u32(data));
    stack_pair(&b0, &b1)
}

/// Splits a key into `n` separate keys: the rows of [`split`]`(key, [n])`, sliced apart.
pub fn split_vec(key: Key, n: usize) -> Vec<Key> {
    let keys = split(key, [n]);
    let k = keys.imp.key_size();
    (0..n)
        .map(|i| keys.with_data(lax::slice_in_dim(keys.data(), i, i + 1, 1, 0).reshape([k])))
        .collect()
}

/// Splits a key into `N` separate keys (`k1, k2 = jax.random.split(key)` is
/// `let [k1, k2] = split_into(key)`).
pub fn split_into<const N: usize>(key: Key) -> [Key; N] {
    split_vec(key, N)
        .try_into()
        .unwrap_or_else(|_| unreachable!("split_vec returns N keys"))
}

/// Folds `data` into a key (`jax.random.fold_in`): for threefry2x32 `threefry2x32(key, (0,
/// data))`, in both [`Mode`]s; each other implementation hashes as JAX's does. Works on a single
/// key or elementwise on a batch of keys.
///
/// ```
/// use equinox_core::random;
/// let k = random::fold_in(random::key(42), 7);
/// assert_eq!(k.data().to_vec::<u32>(), vec![2547012911, 1371500959]);
/// ```
pub fn fold_in(key: Key, data: u32) -> Key {
    let words = key.words();
    key.with_data(prng_impl::fold_in(&key, &words, data))
}

/// A key is a PyTree with one leaf, its data (as JAX's raw `uint32[..., 2]` keys are), and its
/// [`Mode`] as static structure. So keys pass through tree functions (and, later, `jit`/`vmap`)
/// like any other leaf, a batch of keys (data `(n, 2)`) is one leaf to map over, and a model
/// may hold a key field.
///
/// ```
/// use equinox_core::{random, tree};
/// let key = random::key(3);
/// assert_eq!(tree::leaves(&key).len(), 1);
/// let same = tree::map(&key, |d| d.clone());
/// assert_eq!(same.data().to_vec::<u32>(), key.data().to_vec::<u32>());
/// assert_eq!(tree::tree_pformat(&key), "Key(data=u32[2])");
/// ```
impl crate::tree::PyTree for Key {
    fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
        f(&self.data)
    }

    fn visit_leaves_with_path<'a>(
        &'a self,
        path: &mut crate::tree::KeyPath,
        f: &mut impl FnMut(&crate::tree::KeyPath, &'a Array),
    ) {
        path.with(crate::tree::PathKey::Field("data"), |p| f(p, &self.data))
    }

    fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
        Key {
            data: f(&self.data),
            mode: self.mode,
            imp: self.imp,
        }
    }

    fn map_leaves_with_path(
        &self,
        path: &mut crate::tree::KeyPath,
        f: &mut impl FnMut(&crate::tree::KeyPath, &Array) -> Array,
    ) -> Self {
        Key {
            data: path.with(crate::tree::PathKey::Field("data"), |p| f(p, &self.data)),
            mode: self.mode,
            imp: self.imp,
        }
    }

    fn hash_static<H: std::hash::Hasher>(&self, state: &mut H) {
        std::hash::Hash::hash(&(self.mode, self.imp), state)
    }

    fn static_diff(&self, other: &Self) -> Option<crate::tree::Difference> {
        if self.imp != other.imp {
            return Some(crate::tree::Difference::new(format!(
                "key implementations differ: {} vs {}",
                self.imp.name(),
                other.imp.name()
            )));
        }
        (self.mode != other.mode).then(|| {
            crate::tree::Difference::new(format!(
                "key modes differ: {:?} vs {:?}",
                self.mode, other.mode
            ))
        })
    }

    fn pdoc(&self, opts: &crate::tree::PrettyOptions) -> crate::tree::Doc {
        let fields = vec![crate::tree::named("data", self.data.pdoc(opts))];
        crate::tree::named_fields("Key", fields, opts)
    }
}

/// `jax.random.PRNGKey(seed)`: the same key as [`key`] (JAX's default 32-bit mode; see
/// [`key_x64`] for `jax_enable_x64`).
///
/// ```
/// use equinox_core::random;
/// assert_eq!(random::prng_key(42).data().to_vec::<u32>(), vec![0, 42]);
/// ```
pub fn prng_key(seed: u64) -> Key {
    key(seed)
}

/// `jax.random.key_data`: the raw `uint32` key data, shape `(..., k)`.
pub fn key_data(key: &Key) -> Array {
    key.data().clone()
}

/// `jax.random.key_impl`: the name of the key's PRNG implementation.
///
/// ```
/// use equinox_core::random::{self, KeyOptions, PrngImpl};
/// assert_eq!(random::key_impl(&random::key(0)), "threefry2x32");
/// let urbg = KeyOptions { implementation: PrngImpl::UnsafeRbg, ..Default::default() };
/// assert_eq!(random::key_impl(&random::key_with_options(0, urbg)), "unsafe_rbg");
/// ```
pub fn key_impl(key: &Key) -> &'static str {
    key.imp.name()
}

/// The dtype of typed keys of a PRNG implementation, as `jax.random.key_dtype` returns it:
/// it prints as JAX prints it (`key<fry>` for threefry2x32, `key<rbg>`, `key<phx4>`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct KeyDType {
    /// The implementation's name (`"threefry2x32"`, `"rbg"`, ...).
    pub impl_name: &'static str,
}

impl std::fmt::Display for KeyDType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = PrngImpl::from_name(self.impl_name).map_or(self.impl_name, PrngImpl::tag);
        write!(f, "key<{tag}>")
    }
}

/// `jax.random.key_dtype(impl)`: the key dtype of the named implementation (`None` for the
/// default, threefry2x32). Panics, with JAX's message, for names JAX does not know.
///
/// ```
/// use equinox_core::random;
/// assert_eq!(random::key_dtype(None).to_string(), "key<fry>");
/// assert_eq!(random::key_dtype(Some("threefry2x32")), random::key_dtype(None));
/// assert_eq!(random::key_dtype(Some("unsafe_rbg")).to_string(), "key<urbg>");
/// ```
pub fn key_dtype(impl_name: Option<&str>) -> KeyDType {
    KeyDType {
        impl_name: PrngImpl::from_name_or_panic(impl_name.unwrap_or("threefry2x32")).name(),
    }
}

/// `jax.random.wrap_key_data`: a threefry2x32 key (or batch of keys) from raw `uint32` data of
/// shape `(..., 2)`, as [`Key::from_data`].
pub fn wrap_key_data(data: Array) -> Key {
    Key::from_data(data)
}

/// `jax.random.wrap_key_data(data, impl=...)`: a key of the implementation `imp` from raw
/// `uint32` data of shape `(..., k)`, as [`Key::from_data_with_impl`].
pub fn wrap_key_data_with_impl(data: Array, imp: PrngImpl) -> Key {
    Key::from_data_with_impl(data, imp)
}

/// `jax.random.clone`: a second key equal to `key`, for deliberate reuse (keys are otherwise
/// consumed by the samplers); the implementation and mode are kept.
///
/// ```
/// use equinox_core::{random, DType};
/// let k = random::key(3);
/// let again = random::clone(&k);
/// let a = random::uniform(k, [2], DType::F32, 0.0, 1.0);
/// let b = random::uniform(again, [2], DType::F32, 0.0, 1.0);
/// assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
/// ```
pub fn clone(key: &Key) -> Key {
    key.with_data(key.data().clone())
}
