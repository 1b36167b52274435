//! `jit`: trace once per input signature, compile the staged program, run it from a cache.

use super::arity::FnArgsAll;
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::executable::Executable;
use crate::transforms::staged::stage;
use crate::tree::{self, PyTree, TreeDef};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

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
}

/// A jit-compiled function of one (PyTree) argument with its compilation cache and trace
/// counter: what [`jit`] builds for each function. Call it with [`Jit::call`].
///
/// The first call for a given *signature* (the shapes, dtypes and weak types of the argument's
/// array leaves, plus everything static in it: non-array fields, which are hashed and compared
/// like JAX's static arguments) traces the function into a program, optimises and compiles it;
/// later calls with the same signature run the compiled program. Called inside another
/// transformation (grad, vmap, ...), the program is replayed on that transformation.
pub struct Jit<T, R, F> {
    f: F,
    cache: JitCache<T, R>,
}

/// `jax.jit`: compiles `f`, returning a function of the same arguments. Non-array values in
/// the arguments (integers, flags, fields of a model that are not arrays,
/// [`crate::tree::Static`] wrappers) are static: part of the cache key, so a new value
/// retraces. Every argument must be a PyTree; to count traces, use [`Jit`] directly.
///
/// ```
/// use equinox_core::{transforms::jit, Array};
/// let f = jit(|x: &Array, y: &Array| (x * 2.0).exp() + y);
/// let y = f(&Array::from_vec(vec![0.0f32, 1.0], [2]), &Array::scalar(1.0f32));
/// assert_eq!(y.to_vec::<f32>(), vec![2.0, 2.0f32.exp() + 1.0]);
/// ```
pub fn jit<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree + 'f,
    F::Output: PyTree,
{
    let cache: JitCache<F::Tuple, F::Output> = JitCache::default();
    f.map_all(move |g, args| cache.call(g, args))
}

/// `jax.jit(f, donate_argnums=0)`: like [`jit`], but the compiled function takes its first
/// argument by value and *donates* it: a buffer of its arrays that nothing else shares may be
/// overwritten by an output of the same size and dtype once the program has read it for the
/// last time (see [`Executable::run_donating`]). In a training step that returns the updated
/// model, the new parameters are written over the old ones instead of into new memory; the
/// results are those of [`jit`].
///
/// ```
/// use equinox_core::{transforms::jit_donate, Array};
/// let step = jit_donate(|w: &Array, g: &Array| w - &(g * 0.5));
/// let w = Array::from_vec(vec![1.0f32, 2.0], [2]);
/// let g = Array::from_vec(vec![2.0f32, 2.0], [2]);
/// let w = step(w, &g); // `w` is moved in; its buffer may hold the result
/// assert_eq!(w.to_vec::<f32>(), vec![0.0, 1.0]);
/// ```
///
/// [`Executable::run_donating`]: crate::jaxpr::executable::Executable::run_donating
pub fn jit_donate<'f, M, F>(f: F) -> F::WithFirstOwned<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree + 'f,
    F::Output: PyTree,
{
    let cache: JitCache<F::Tuple, F::Output> = JitCache::default();
    f.map_all_owning_first(move |g, args, first| cache.call_donating(g, args, first))
}

impl<T: PyTree, R: PyTree, F: Fn(&T) -> R> Jit<T, R, F> {
    /// Compiles `f` (a function of one PyTree argument; several arguments as a tuple).
    ///
    /// ```
    /// use equinox_core::{transforms::Jit, Array};
    /// let f = Jit::new(|x: &Array| (x * 2.0).exp());
    /// f.call(&Array::from_vec(vec![0.0f32, 1.0], [2]));
    /// f.call(&Array::from_vec(vec![5.0f32, 6.0], [2]));
    /// assert_eq!(f.trace_count(), 1);
    /// f.call(&Array::from_vec(vec![5.0f32, 6.0, 7.0], [3]));
    /// assert_eq!(f.trace_count(), 2);
    /// ```
    pub fn new(f: F) -> Jit<T, R, F> {
        Jit {
            f,
            cache: JitCache::default(),
        }
    }

    /// How many times the function has been traced (once per distinct signature).
    pub fn trace_count(&self) -> usize {
        self.cache.traces.load(Ordering::Relaxed)
    }

    /// Runs the function: from the cache when this signature was seen before.
    pub fn call(&self, x: &T) -> R {
        self.cache.call(&self.f, x)
    }

    /// [`Jit::call`] donating the argument (see [`jit_donate`]): its buffers that nothing
    /// else shares may be overwritten by outputs.
    pub fn call_donating(&self, x: T) -> R {
        let n = tree::num_leaves(&x);
        self.cache.call_donating(&self.f, x, n)
    }
}

/// The compilation cache of one jitted function.
pub(crate) struct JitCache<T, R> {
    entries: Mutex<HashMap<u64, Vec<CacheEntry<T, R>>>>,
    traces: AtomicUsize,
}

impl<T, R> Default for JitCache<T, R> {
    fn default() -> Self {
        JitCache {
            entries: Mutex::new(HashMap::new()),
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
            let cache = self.entries.lock().expect("jit cache lock");
            cache.get(&key).and_then(|entries| {
                entries
                    .iter()
                    .find(|e| {
                        e.avals.len() == leaves.len()
                            && e.avals.iter().zip(&leaves).all(|(a, l)| a == l.aval())
                            && e.structure.matches(x)
                    })
                    .map(|e| (e.program.clone(), tree::map(&e.out_template, Array::clone)))
            })
        };
        let (program, template) = match hit {
            Some(h) => h,
            None => {
                self.traces.fetch_add(1, Ordering::Relaxed);
                let (closed, out) = stage(f, x);
                let cacheable = closed.consts.iter().all(|c| !c.is_tracer());
                let program = Arc::new(Executable::compile(&closed));
                if cacheable {
                    self.entries
                        .lock()
                        .expect("jit cache lock")
                        .entry(key)
                        .or_default()
                        .push(CacheEntry {
                            structure: tree::structure(x),
                            avals: leaves.iter().map(|l| l.aval().clone()).collect(),
                            out_template: tree::map(&out, Array::clone),
                            program: program.clone(),
                        });
                }
                (program, out)
            }
        };
        (program, template, leaves)
    }
}
