//! The tracing machinery behind the transformations: JAX 0.10's "stackless" design.
//!
//! Each thread has a *current trace*. `None` is evaluation: primitives run their CPU kernels.
//! A transformation (jvp, vmap, staging for jit/make_jaxpr/linearize) creates a trace whose
//! parent is the trace that was current, makes it current while the user's function runs, and
//! restores the parent afterwards (also on panic, through [`TraceGuard`]).
//!
//! [`crate::prims::bind`] hands each primitive to the current trace. While a trace processes a
//! primitive the current trace is its *parent*, so everything a rule computes (with `bind` or
//! the numpy functions) is emitted one level down. A trace unpacks only its own tracers
//! (matched by tag); any other value is a constant to it (zero tangent, not batched, a captured
//! constant when staging). That is how nested transformations compose and how perturbation
//! confusion is avoided without levels.
//!
//! A tracer is an [`Array`] whose data is a shared [`TracerBox`]: the owning trace's tag and a
//! payload (primal and tangent, value and batch dimension, or a staged variable). The payload
//! is plain data, so `Array` stays `Send + Sync`. A tracer used after its transformation has
//! returned reaches evaluation (or a staging trace) without an owner, and panics there as an
//! escaped tracer.

pub(crate) mod batch;
pub(crate) mod jvp;
pub(crate) mod staging;

use crate::array::{Array, ShapeDtype};
use crate::prims::Primitive;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// One active transformation.
pub(crate) trait Trace {
    /// The unique tag its tracers carry.
    fn tag(&self) -> u64;
    /// The trace that was current when this one was created (`None` = evaluation).
    fn parent(&self) -> Option<Rc<dyn Trace>>;
    /// Applies `prim` to `args`. Runs with the current trace set to the parent.
    fn process_primitive(&self, prim: &Primitive, args: &[&Array]) -> Vec<Array>;
    /// The size of the mapped axis called `name`, if this trace is the vmap that binds it.
    fn axis_size(&self, name: &str) -> Option<usize> {
        let _ = name;
        None
    }
    /// The name of the axis this trace maps over, if it is a named vmap.
    fn axis_name(&self) -> Option<&str> {
        None
    }
}

/// What a tracer carries, by kind of trace.
pub(crate) enum Payload {
    /// Forward mode: the primal value and its tangent (`None` is a symbolic zero).
    Jvp {
        primal: Array,
        tangent: Option<Array>,
    },
    /// vmap: the value with the batch axis at `bdim` (`None`: not mapped).
    Batch { value: Array, bdim: Option<usize> },
    /// Staging: the variable of the jaxpr being built.
    Staged { var: u32 },
}

impl Payload {
    /// JAX's name for the trace kind, for messages and tracer printing.
    pub(crate) fn trace_name(&self) -> &'static str {
        match self {
            Payload::Jvp { .. } => "JVPTrace",
            Payload::Batch { .. } => "BatchTrace",
            Payload::Staged { .. } => "DynamicJaxprTrace",
        }
    }
}

/// A tracer's shared data: its owner's tag and its payload.
pub(crate) struct TracerBox {
    pub(crate) tag: u64,
    pub(crate) payload: Payload,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<dyn Trace>>> = const { RefCell::new(None) };
}

static NEXT_TAG: AtomicU64 = AtomicU64::new(1);

/// A fresh, never reused trace tag.
pub(crate) fn new_tag() -> u64 {
    NEXT_TAG.fetch_add(1, Ordering::Relaxed)
}

/// The current trace (`None` = evaluation).
#[inline]
pub(crate) fn current() -> Option<Rc<dyn Trace>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Restores the previous current trace when dropped.
pub(crate) struct TraceGuard {
    previous: Option<Option<Rc<dyn Trace>>>,
}

impl Drop for TraceGuard {
    fn drop(&mut self) {
        if let Some(prev) = self.previous.take() {
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
}

/// Makes `trace` current until the guard is dropped.
#[inline]
pub(crate) fn set_current(trace: Option<Rc<dyn Trace>>) -> TraceGuard {
    let previous = CURRENT.with(|c| std::mem::replace(&mut *c.borrow_mut(), trace));
    TraceGuard {
        previous: Some(previous),
    }
}

/// True when a trace tagged `tag` is the current trace or one of its ancestors.
pub(crate) fn is_live(tag: u64) -> bool {
    let mut t = current();
    while let Some(tr) = t {
        if tr.tag() == tag {
            return true;
        }
        t = tr.parent();
    }
    false
}

/// The size of the vmap axis called `name` among the active traces, else of the process axis
/// of that name (see [`crate::distributed`]).
pub(crate) fn axis_size(name: &str) -> Option<usize> {
    let mut t = current();
    while let Some(tr) = t {
        if let Some(n) = tr.axis_size(name) {
            return Some(n);
        }
        t = tr.parent();
    }
    crate::distributed::bound_group(name).map(|g| g.size())
}

/// The names of the vmap axes bound by the active traces, innermost first, then the process
/// axes bound on this thread.
pub(crate) fn axis_names() -> Vec<String> {
    let mut names = Vec::new();
    let mut t = current();
    while let Some(tr) = t {
        if let Some(n) = tr.axis_name() {
            names.push(n.to_string());
        }
        t = tr.parent();
    }
    names.extend(crate::distributed::bound_axis_names());
    names
}

/// The message JAX's `NameError` carries for a collective over an axis no vmap binds.
pub(crate) fn unbound_axis_message(op: &str, name: &str) -> String {
    format!(
        "{op}: unbound axis name: {name}. The following axis names (e.g. defined by vmap) are \
         available to collective operations: {:?}",
        axis_names()
    )
}

/// Hands `prim` to the current trace. `None` means evaluate: the caller runs the kernel.
#[inline]
pub(crate) fn dispatch(prim: &Primitive, args: &[&Array]) -> Option<Vec<Array>> {
    let trace = current()?;
    let _guard = set_current(trace.parent());
    Some(trace.process_primitive(prim, args))
}

/// The panic for a tracer that reached evaluation: its transformation has already returned.
#[cold]
pub(crate) fn panic_escaped(op: &str, index: usize, a: &Array) -> ! {
    let kind = a.tracer().map_or("?", |t| t.payload.trace_name());
    panic!(
        "{op}: operand {index} is an escaped tracer ({} of a {kind} that has already returned). \
         A value created inside jit/grad/vmap/jvp was kept (in a closure, a global, a struct) and \
         used after that transformation ended; return it from the transformed function instead",
        a.aval()
    )
}

/// The panic for reading the elements of a tracer (JAX's ConcretizationTypeError).
#[cold]
pub(crate) fn panic_concretization(aval: &ShapeDtype, t: &TracerBox) -> ! {
    panic!(
        "reading the elements of a traced value: this {aval} is abstract inside a {} (jit, grad, \
         vmap, ...), so its values are not known here. Use array operations (jnp::where_, \
         lax::cond) instead of Rust control flow on values, or mark the argument static",
        t.payload.trace_name()
    )
}

/// Splits `args` into this trace's payloads and foreign values, for rules that need both.
pub(crate) fn own_payload(a: &Array, tag: u64) -> Option<&Payload> {
    match a.tracer() {
        Some(t) if t.tag == tag => Some(&t.payload),
        _ => None,
    }
}
