//! Control-flow primitives: `cond` (also `switch`), `while` and `scan`. Each holds its
//! sub-programs as jaxprs without constants: values the user's functions close over are
//! hoisted into explicit leading operands (JAX's `num_consts`), so outer tracers (of an
//! enclosing grad, vmap or jit) flow in as operands and get transformed like any other.
//!
//! Every rule works on the sub-programs with the jaxpr-level transformations of
//! [`crate::jaxpr`]: `jvp_jaxpr`, `batch_jaxpr`, `partial_eval_jaxpr` (linearize splits a
//! control-flow equation into a part run now and a staged part, see `partial_eval`) and the
//! backward pass (transpose). The user-facing functions are in [`crate::lax`].

pub mod cond;
pub mod scan;
pub mod while_loop;

use super::{Array, PrimitiveRule, ShapeDtype};
use crate::jaxpr::Jaxpr;
use crate::prims::{LinearArg, Primitive};
use crate::trace::staging::StagingTrace;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A sub-program held by a primitive. Equality and hashing are by identity (the pointer), so
/// primitives stay `Hash + Eq` cheaply; two separately staged but identical programs compare
/// unequal, which only costs a compile-cache miss.
#[derive(Clone)]
pub struct JaxprRef(pub Arc<Jaxpr>);

impl JaxprRef {
    /// Wraps a program.
    pub fn new(j: Jaxpr) -> JaxprRef {
        JaxprRef(Arc::new(j))
    }
}

impl std::ops::Deref for JaxprRef {
    type Target = Jaxpr;
    fn deref(&self) -> &Jaxpr {
        &self.0
    }
}

impl PartialEq for JaxprRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for JaxprRef {}

impl Hash for JaxprRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as usize).hash(state);
    }
}

impl fmt::Debug for JaxprRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The control-flow primitives.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ControlFlowOp {
    /// `cond(index, *operands)`: runs one branch.
    Cond(cond::CondOp),
    /// `while(*cond_consts, *body_consts, *carry)`.
    While(while_loop::WhileOp),
    /// `scan(*consts, *init, *xs)`.
    Scan(scan::ScanOp),
}

macro_rules! each_op {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            ControlFlowOp::Cond($p) => $e,
            ControlFlowOp::While($p) => $e,
            ControlFlowOp::Scan($p) => $e,
        }
    };
}

impl PrimitiveRule for ControlFlowOp {
    fn name(&self) -> &'static str {
        each_op!(self, p => p.name())
    }
    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        each_op!(self, p => p.abstract_eval(args))
    }
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        each_op!(self, p => p.eval(args, out))
    }
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        each_op!(self, p => p.jvp(primals, tangents))
    }
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        each_op!(self, p => p.transpose(cts, args))
    }
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        each_op!(self, p => p.batch(args, dims, axis_size))
    }
    fn params(&self) -> Vec<(&'static str, String)> {
        each_op!(self, p => p.params())
    }
}

impl From<cond::CondOp> for Primitive {
    fn from(p: cond::CondOp) -> Primitive {
        Primitive::ControlFlow(ControlFlowOp::Cond(p))
    }
}

impl From<while_loop::WhileOp> for Primitive {
    fn from(p: while_loop::WhileOp) -> Primitive {
        Primitive::ControlFlow(ControlFlowOp::While(p))
    }
}

impl From<scan::ScanOp> for Primitive {
    fn from(p: scan::ScanOp) -> Primitive {
        Primitive::ControlFlow(ControlFlowOp::Scan(p))
    }
}

/// Linearize's hook (called by the partial staging trace): when a control-flow equation has
/// both known operands (values now) and unknown ones (`unknown[i]`: staged tangents), runs the
/// known part now on the parent trace and stages the unknown part on `trace`. `None` for
/// primitives that are not control flow (the caller stages them whole).
pub(crate) fn partial_eval(
    prim: &Primitive,
    trace: &StagingTrace,
    args: &[&Array],
    unknown: &[bool],
) -> Option<Vec<Array>> {
    match prim {
        Primitive::ControlFlow(op) => Some(match op {
            ControlFlowOp::Cond(c) => c.partial_eval(trace, args, unknown),
            ControlFlowOp::While(w) => w.partial_eval(trace, args, unknown),
            ControlFlowOp::Scan(s) => s.partial_eval(trace, args, unknown),
        }),
        _ => None,
    }
}

/// Python's tuple of bools: `(True, False)`, `(True,)`, `()`.
pub(crate) fn bool_tuple(v: &[bool]) -> String {
    let items: Vec<&str> = v
        .iter()
        .map(|b| if *b { "True" } else { "False" })
        .collect();
    match items.len() {
        1 => format!("({},)", items[0]),
        _ => format!("({})", items.join(", ")),
    }
}

/// Panics unless `got` has the shape and dtype of `want` (weak types may differ).
pub(crate) fn check_aval(op: &str, what: &str, got: &ShapeDtype, want: &ShapeDtype) {
    if got.shape != want.shape || got.dtype != want.dtype {
        panic!("{op}: {what} is {got} but the sub-program expects {want}");
    }
}

/// Picks the elements of `v` whose flag equals `which`.
pub(crate) fn pick<T: Clone>(v: &[T], flags: &[bool], which: bool) -> Vec<T> {
    v.iter()
        .zip(flags)
        .filter(|(_, f)| **f == which)
        .map(|(x, _)| x.clone())
        .collect()
}

/// `a[i] || b[i]` elementwise.
pub(crate) fn or(a: &[bool], b: &[bool]) -> Vec<bool> {
    a.iter().zip(b).map(|(x, y)| *x || *y).collect()
}
