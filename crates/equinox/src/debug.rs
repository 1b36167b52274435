//! `eqx.debug`: the core's runtime checks and host callbacks ([`error_if`], [`checked`],
//! [`pure_callback`]) plus Equinox's trace counter, [`assert_max_traces`].

pub use equinox_core::debug::*;

use crate::transforms::FnArgsAll;
use crate::tree::{self, KeyPath, PyTree};
use crate::{Array, Module};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How many times a function wrapped by [`assert_max_traces_counted`] has run (Equinox's
/// `eqx.debug.get_num_traces`). Clones share the count.
#[derive(Clone, Debug, Default)]
pub struct TraceCount(Rc<Cell<usize>>);

impl TraceCount {
    /// The number of times the wrapped function has run so far.
    pub fn get(&self) -> usize {
        self.0.get()
    }
}

/// `eqx.debug.assert_max_traces`: `f` (a function of 1 to 8 PyTree arguments), counting its
/// runs and panicking when it runs more than `max_traces` times.
///
/// Put it *inside* a `jit`/`filter_jit`: the compiled function then runs `f` once per trace, so
/// this guards against unintended recompilation. The panic names the argument that differs
/// from every earlier trace (its path inside the argument tuple: `.0` is the first argument)
/// and how.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
///
/// let f = eqx::filter_jit(eqx::debug::assert_max_traces(|x: &Array| x * 2.0, 1));
/// f(&jnp::ones([2]));
/// f(&jnp::zeros([2])); // Same shape: the compiled program runs, `f` is not traced again.
/// let retraced = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&jnp::ones([3]))));
/// assert!(retraced.is_err());
/// ```
pub fn assert_max_traces<'f, M, F>(f: F, max_traces: usize) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module + 'f,
{
    assert_max_traces_counted(f, max_traces).0
}

/// [`assert_max_traces`], also returning the [`TraceCount`] of the wrapped function.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
///
/// let (inner, count) = eqx::debug::assert_max_traces_counted(|x: &Array, n: &i32| x * *n as f32, 2);
/// let f = eqx::filter_jit(inner);
/// f(&jnp::ones([2]), &1);
/// f(&jnp::ones([2]), &1);
/// assert_eq!(count.get(), 1);
/// f(&jnp::ones([2]), &2); // A new static value retraces.
/// assert_eq!(count.get(), 2);
/// ```
pub fn assert_max_traces_counted<'f, M, F>(
    f: F,
    max_traces: usize,
) -> (F::With<F::Output>, TraceCount)
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module + 'f,
{
    let count = TraceCount::default();
    let counter = count.0.clone();
    // The abstract signature (statics, shapes, dtypes) of the arguments of every run so far.
    let seen: RefCell<Vec<F::Tuple>> = RefCell::new(Vec::new());
    let name = std::any::type_name::<F>();
    let wrapped = f.map_all(move |g, args| {
        let n = counter.get() + 1;
        counter.set(n);
        let signature = tree::map(args, |l| Array::filtered_out(l.aval().clone()));
        if n > max_traces {
            panic!(
                "`{name}` can only be traced {max_traces} times. However, it has now been traced \
                 {n} times. {}",
                explain_retrace(&seen.borrow(), &signature)
            );
        }
        seen.borrow_mut().push(signature);
        g(args)
    });
    (wrapped, count)
}

/// Says how `current` differs from each earlier signature (or that it does not).
fn explain_retrace<T: PyTree>(seen: &[T], current: &T) -> String {
    let mut diffs = Vec::with_capacity(seen.len());
    for (i, s) in seen.iter().enumerate() {
        match first_difference(s, current) {
            Some(d) => diffs.push(format!("trace {}: {d}", i + 1)),
            None => {
                return format!(
                    "Its arguments equal those of trace {} in structure, shapes and dtypes, so \
                     the retrace comes from elsewhere (e.g. a new jit wrapper around it).",
                    i + 1
                )
            }
        }
    }
    format!(
        "The arguments (`.0` is the first) differ from every earlier trace's: {}",
        diffs.join("; ")
    )
}

/// The first difference between two argument signatures: in static content and structure,
/// else in a leaf's shape or dtype.
fn first_difference<T: PyTree>(a: &T, b: &T) -> Option<String> {
    if let Some(d) = a.static_diff(b) {
        return Some(d.to_string());
    }
    // The signatures' leaves are element-less placeholders: visit every slot.
    let slots = |t: &T| {
        let mut v = Vec::with_capacity(t.num_leaves());
        t.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
            v.push((p.to_string(), l.aval().clone()))
        });
        v
    };
    slots(a)
        .into_iter()
        .zip(slots(b))
        .find(|((_, x), (_, y))| x != y)
        .map(|((p, x), (_, y))| format!("at `{p}`: was {x}, now {y}"))
}
