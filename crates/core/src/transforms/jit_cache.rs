//! The compilation cache behind `jit`, and the process-wide controls over it:
//! [`clear_caches`] (`jax.clear_caches` / `eqx.clear_caches`) and a bound on its size
//! ([`set_jit_cache_capacity`]).
//!
//! Each jitted function keeps one compiled program per input signature. A program holds two
//! kinds of memory: the program itself (its plan and constants: small) and its working
//! buffers (every intermediate of a run, kept so the next run allocates nothing: as large as
//! the data). A function called with many signatures (a batch size per call, say) would keep
//! both for every one of them, so the cache is bounded twice over:
//! - at most [`jit_cache_capacity`] programs per function (default 256); beyond that the least
//!   recently used program is dropped, and its signature traces again if it comes back;
//! - only the [`WARM_SIGNATURES`] most recently used programs of a function keep their working
//!   buffers between calls; an older one gives its buffers back and allocates them again when
//!   it next runs.
//!
//! The memory a jitted function holds is therefore at most about `WARM_SIGNATURES` working sets
//! plus `capacity` small programs, however many signatures it sees.

use crate::array::{Array, ShapeDtype};
use crate::compiler::executable::Executable;
use crate::transforms::staged::stage;
use crate::tree::{self, PyTree, TreeDef};
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// How many of a function's most recently used programs keep their working buffers between
/// calls: a training step and an evaluation step alternating, plus a last partial batch of
/// each, stay allocation-free.
pub const WARM_SIGNATURES: usize = 4;

/// The default of [`jit_cache_capacity`].
pub const DEFAULT_JIT_CACHE_CAPACITY: usize = 256;

static CAPACITY: AtomicUsize = AtomicUsize::new(DEFAULT_JIT_CACHE_CAPACITY);

/// Bumped by [`clear_caches`]; a cache that finds it changed empties itself.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Every compiled program a cache holds, so [`clear_caches`] can release their buffers at once
/// (caches are typed by their function's arguments, so they cannot be listed directly).
static PROGRAMS: Mutex<Vec<Weak<Executable>>> = Mutex::new(Vec::new());

/// The most compiled programs (signatures) one jitted function keeps; see the module
/// documentation.
pub fn jit_cache_capacity() -> usize {
    CAPACITY.load(Ordering::Relaxed)
}

/// Sets [`jit_cache_capacity`] for every jitted function (already built ones included, from
/// their next new signature). Panics if `capacity` is 0.
pub fn set_jit_cache_capacity(capacity: usize) {
    assert!(
        capacity > 0,
        "set_jit_cache_capacity: the capacity must be at least 1, got 0"
    );
    CAPACITY.store(capacity, Ordering::Relaxed);
}

/// `jax.clear_caches()` (and `eqx.clear_caches()`): drops what jitted functions have compiled.
///
/// The working buffers of every compiled program are released at once; each jitted function
/// drops its programs at its next call, which traces again. Results do not change, only the
/// time of the next call.
///
/// ```
/// use equinox_core::transforms::{clear_caches, Jit};
/// use equinox_core::Array;
/// let f = Jit::new(|x: &Array| x * 2.0);
/// f.call(&Array::scalar(1.0f32));
/// clear_caches();
/// assert_eq!(f.call(&Array::scalar(1.0f32)).item::<f32>(), 2.0);
/// assert_eq!(f.trace_count(), 2); // compiled again after the clear
/// ```
pub fn clear_caches() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
    let programs = std::mem::take(&mut *PROGRAMS.lock().expect("jit program registry"));
    for program in programs.iter().filter_map(Weak::upgrade) {
        program.release_buffers();
    }
}

/// Records a new program for [`clear_caches`], forgetting programs that no longer exist.
fn register(program: &Arc<Executable>) {
    let mut programs = PROGRAMS.lock().expect("jit program registry");
    // Pruning when the list doubles keeps registration amortised O(1).
    if programs.len() >= 64 && programs.len().is_power_of_two() {
        programs.retain(|p| p.strong_count() > 0);
    }
    programs.push(Arc::downgrade(program));
}

/// The multiply-rotate hash of rustc's `FxHasher`: the signature hash is on every call's path,
/// and SipHash's DoS resistance buys nothing for keys made of the caller's own shapes.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, v: usize) {
        self.write_u64(v as u64)
    }
    fn write_u8(&mut self, v: u8) {
        self.write_u64(v as u64)
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

struct CacheEntry<T, R> {
    structure: TreeDef<T>,
    avals: Vec<ShapeDtype>,
    out_template: R,
    program: Arc<Executable>,
    /// The cache's clock at this entry's last use (for least-recently-used eviction).
    last_used: u64,
}

/// What one cache holds, under its lock.
struct Entries<T, R> {
    by_key: HashMap<u64, Vec<CacheEntry<T, R>>>,
    len: usize,
    /// Counts lookups: the recency of each entry.
    clock: u64,
    /// The [`GENERATION`] these entries were compiled in.
    generation: u64,
    /// The programs that keep their buffers, most recently used first.
    warm: VecDeque<Arc<Executable>>,
}

impl<T, R> Default for Entries<T, R> {
    fn default() -> Self {
        Entries {
            by_key: HashMap::new(),
            len: 0,
            clock: 0,
            generation: GENERATION.load(Ordering::Acquire),
            warm: VecDeque::new(),
        }
    }
}

impl<T, R> Entries<T, R> {
    /// Empties the cache if [`clear_caches`] ran since it was filled.
    fn check_generation(&mut self) {
        let now = GENERATION.load(Ordering::Acquire);
        if self.generation != now {
            *self = Entries::default();
        }
    }

    /// Makes `program` the most recently used warm one; the one that falls off the end gives
    /// its buffers back.
    fn touch(&mut self, program: &Arc<Executable>) {
        if self.warm.front().is_some_and(|p| Arc::ptr_eq(p, program)) {
            return;
        }
        if let Some(i) = self.warm.iter().position(|p| Arc::ptr_eq(p, program)) {
            self.warm.remove(i);
        }
        self.warm.push_front(program.clone());
        if self.warm.len() > WARM_SIGNATURES
            && let Some(cold) = self.warm.pop_back()
        {
            cold.release_buffers();
        }
    }

    /// Drops least recently used entries until at most `capacity` remain.
    fn evict_to(&mut self, capacity: usize) {
        while self.len > capacity {
            let oldest = self
                .by_key
                .iter()
                .flat_map(|(k, es)| {
                    es.iter()
                        .enumerate()
                        .map(move |(i, e)| (e.last_used, *k, i))
                })
                .min();
            let Some((_, key, i)) = oldest else { return };
            let bucket = self
                .by_key
                .get_mut(&key)
                .expect("the oldest entry's bucket");
            let evicted = bucket.swap_remove(i);
            if bucket.is_empty() {
                self.by_key.remove(&key);
            }
            self.warm.retain(|p| !Arc::ptr_eq(p, &evicted.program));
            self.len -= 1;
        }
    }
}

/// The compilation cache of one jitted function.
pub(crate) struct JitCache<T, R> {
    entries: Mutex<Entries<T, R>>,
    traces: AtomicUsize,
}

impl<T, R> Default for JitCache<T, R> {
    fn default() -> Self {
        JitCache {
            entries: Mutex::new(Entries::default()),
            traces: AtomicUsize::new(0),
        }
    }
}

impl<T: PyTree, R: PyTree> JitCache<T, R> {
    fn key(x: &T, leaves: &[Array]) -> u64 {
        let mut h = FxHasher::default();
        x.hash_static(&mut h);
        for l in leaves {
            l.aval().hash(&mut h);
        }
        h.finish()
    }

    /// How many times the function has been traced (once per signature compiled, again after
    /// an eviction or [`clear_caches`]).
    pub(crate) fn trace_count(&self) -> usize {
        self.traces.load(Ordering::Relaxed)
    }

    /// How many programs (signatures) the cache holds now.
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().expect("jit cache lock").len
    }

    /// Runs `f` compiled: from the cache when this signature was seen before.
    pub(crate) fn call(&self, f: &dyn Fn(&T) -> R, x: &T) -> R {
        let (program, template, leaves) = self.compiled(f, x);
        let refs: Vec<&Array> = leaves.iter().collect();
        let outs = program.run(&refs);
        tree::rebuild(&template, outs)
    }

    /// [`JitCache::call`] donating the first `donated` leaves of `x`.
    pub(crate) fn call_donating(&self, f: &dyn Fn(&T) -> R, x: T, donated: usize) -> R {
        let (program, template, leaves) = self.compiled(f, &x);
        // Dropping the tree leaves `leaves` as the only holder of buffers the caller gave up.
        drop(x);
        let outs = program.run_donating(leaves, donated);
        tree::rebuild(&template, outs)
    }

    /// The compiled program for `x`'s signature (traced and compiled on a miss), the output
    /// template and `x`'s leaves.
    fn compiled(&self, f: &dyn Fn(&T) -> R, x: &T) -> (Arc<Executable>, R, Vec<Array>) {
        let leaves: Vec<Array> = tree::leaves(x).into_iter().cloned().collect();
        let key = Self::key(x, &leaves);
        let hit = {
            let mut guard = self.entries.lock().expect("jit cache lock");
            let cache = &mut *guard;
            cache.check_generation();
            cache.clock += 1;
            let clock = cache.clock;
            let found = cache.by_key.get_mut(&key).and_then(|entries| {
                entries
                    .iter_mut()
                    .find(|e| {
                        e.avals.len() == leaves.len()
                            && e.avals.iter().zip(&leaves).all(|(a, l)| a == l.aval())
                            && e.structure.matches(x)
                    })
                    .map(|e| {
                        e.last_used = clock;
                        (e.program.clone(), tree::map(&e.out_template, Array::clone))
                    })
            });
            if let Some((program, _)) = &found {
                cache.touch(program);
            }
            found
        };
        let (program, template) = match hit {
            Some(h) => h,
            None => {
                self.traces.fetch_add(1, Ordering::Relaxed);
                let (closed, out) = stage(f, x);
                let cacheable = closed.consts.iter().all(|c| !c.is_tracer());
                let program = Arc::new(Executable::compile(&closed));
                if cacheable {
                    register(&program);
                    let mut cache = self.entries.lock().expect("jit cache lock");
                    cache.check_generation();
                    cache.clock += 1;
                    let last_used = cache.clock;
                    cache.by_key.entry(key).or_default().push(CacheEntry {
                        structure: tree::structure(x),
                        avals: leaves.iter().map(|l| l.aval().clone()).collect(),
                        out_template: tree::map(&out, Array::clone),
                        program: program.clone(),
                        last_used,
                    });
                    cache.len += 1;
                    cache.evict_to(jit_cache_capacity());
                    cache.touch(&program);
                }
                (program, out)
            }
        };
        (program, template, leaves)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numpy as jnp;

    fn step(x: &Array) -> Array {
        (x * 2.0).exp().sum(None)
    }

    #[test]
    fn eviction_drops_the_least_recently_used_programs() {
        let cache: JitCache<Array, Array> = JitCache::default();
        for n in 1..=20 {
            let got = cache.call(&step, &jnp::ones([n])).item::<f32>();
            // exp(2) summed n times, within the sum's rounding.
            let want = n as f32 * 2.0f32.exp();
            assert!((got - want).abs() <= 1e-6 * want, "{got} vs {want}");
        }
        // Using 3 makes it the most recent.
        cache.call(&step, &jnp::ones([3]));
        assert_eq!(cache.trace_count(), 20);
        cache.entries.lock().unwrap().evict_to(8);
        assert_eq!(cache.len(), 8);
        let mut kept: Vec<usize> = cache
            .entries
            .lock()
            .unwrap()
            .by_key
            .values()
            .flatten()
            .map(|e| e.avals[0].shape[0])
            .collect();
        kept.sort_unstable();
        assert_eq!(kept, [3, 14, 15, 16, 17, 18, 19, 20]);
        // An evicted signature traces again; a kept one does not.
        cache.call(&step, &jnp::ones([14]));
        assert_eq!(cache.trace_count(), 20);
        cache.call(&step, &jnp::ones([1]));
        assert_eq!(cache.trace_count(), 21);
    }

    #[test]
    fn only_the_warm_programs_keep_their_buffers() {
        let cache: JitCache<Array, Array> = JitCache::default();
        for n in 1..=10 {
            cache.call(&step, &jnp::ones([1000 * n]));
        }
        let entries = cache.entries.lock().unwrap();
        assert_eq!(entries.warm.len(), WARM_SIGNATURES);
        let holding: Vec<usize> = entries
            .by_key
            .values()
            .flatten()
            .filter(|e| e.program.holds_buffers())
            .map(|e| e.avals[0].shape[0])
            .collect();
        assert!(holding.len() <= WARM_SIGNATURES, "{holding:?} hold buffers");
        assert!(
            holding.iter().all(|&n| n > 6000),
            "{holding:?} hold buffers"
        );
        // The most recent one ran last and kept its buffers.
        assert!(entries.warm[0].holds_buffers());
    }
}
