//! `jit`: trace once per input signature, compile the staged program, run it from a cache.

use super::arity::FnArgsAll;
use super::jit_cache::JitCache;
use crate::tree::{self, PyTree};

/// A jit-compiled function of one (PyTree) argument with its compilation cache and trace
/// counter: what [`jit`] builds for each function. Call it with [`Jit::call`].
///
/// The first call for a given *signature* (the shapes, dtypes and weak types of the argument's
/// array leaves, plus everything static in it: non-array fields, which are hashed and compared
/// like JAX's static arguments) traces the function into a program, optimises and compiles it;
/// later calls with the same signature run the compiled program. Called inside another
/// transformation (grad, vmap, ...), the program is replayed on that transformation.
///
/// `Jit` is `Send + Sync` whenever `F` is (its cache is behind locks), so a compiled training
/// step can be a field of a struct, move into `std::thread::spawn` with its compiled programs,
/// or be shared by several threads through an `Arc`; concurrent calls give the same bits as
/// serial ones. The boxed functions [`jit`] returns are not `Send`: a `Box<dyn Fn>` cannot be
/// `Send` only when the function it wraps is, so use `Jit` where a step must cross threads.
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
/// [`Executable::run_donating`]: crate::compiler::executable::Executable::run_donating
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

    /// How many times the function has been traced (once per distinct signature, and again
    /// for a signature evicted from the cache or after [`clear_caches`]).
    ///
    /// [`clear_caches`]: crate::transforms::clear_caches
    pub fn trace_count(&self) -> usize {
        self.cache.trace_count()
    }

    /// How many compiled programs (one per signature) the cache holds now (JAX's
    /// `jitted._cache_size()`); at most [`jit_cache_capacity`].
    ///
    /// [`jit_cache_capacity`]: crate::transforms::jit_cache_capacity
    pub fn cache_size(&self) -> usize {
        self.cache.len()
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
