//! `jit`: trace once per input signature, compile the staged program, run it from a cache.

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

/// A jit-compiled function (`jax.jit`), made by [`jit`]. Call it with [`Jit::call`].
///
/// The first call for a given *signature* (the shapes, dtypes and weak types of the argument's
/// array leaves, plus everything static in it: non-array fields, which are hashed and compared
/// like JAX's static arguments) traces the function into a program, optimises and compiles it;
/// later calls with the same signature run the compiled program. Called inside another
/// transformation (grad, vmap, ...), the program is replayed on that transformation.
pub struct Jit<T, R, F> {
    f: F,
    cache: Mutex<HashMap<u64, Vec<CacheEntry<T, R>>>>,
    traces: AtomicUsize,
}

/// `jax.jit`: compiles `f`. Several arguments are passed as a tuple; non-array values in the
/// argument (integers, flags, [`crate::tree::Static`] wrappers) are static: a new value
/// retraces.
///
/// ```
/// use equinox_core::{transforms::jit, Array};
/// let f = jit(|x: &Array| (x * 2.0).exp());
/// let y = f.call(&Array::from_vec(vec![0.0f32, 1.0], [2]));
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 2.0f32.exp()]);
/// f.call(&Array::from_vec(vec![5.0f32, 6.0], [2]));
/// assert_eq!(f.trace_count(), 1);
/// ```
pub fn jit<T: PyTree, R: PyTree, F: Fn(&T) -> R>(f: F) -> Jit<T, R, F> {
    Jit {
        f,
        cache: Mutex::new(HashMap::new()),
        traces: AtomicUsize::new(0),
    }
}

impl<T: PyTree, R: PyTree, F: Fn(&T) -> R> Jit<T, R, F> {
    /// How many times the function has been traced (once per distinct signature).
    pub fn trace_count(&self) -> usize {
        self.traces.load(Ordering::Relaxed)
    }

    fn key(x: &T, leaves: &[Array]) -> u64 {
        let mut h = FxHasher::default();
        x.hash_static(&mut h);
        for l in leaves {
            l.aval().hash(&mut h);
        }
        h.finish()
    }

    /// Runs the function: from the cache when this signature was seen before.
    pub fn call(&self, x: &T) -> R {
        let leaves: Vec<Array> = tree::leaves(x).into_iter().cloned().collect();
        let key = Self::key(x, &leaves);
        let hit = {
            let cache = self.cache.lock().expect("jit cache lock");
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
                let (closed, out) = stage(&self.f, x);
                let cacheable = closed.consts.iter().all(|c| !c.is_tracer());
                let program = Arc::new(Executable::compile(&closed));
                if cacheable {
                    self.cache
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
        let refs: Vec<&Array> = leaves.iter().collect();
        let outs = program.run(&refs);
        tree::rebuild(&template, outs)
    }
}
