//! Control-flow primitives: `cond` (also `switch`), `while` and `scan`. Each holds its
//! sub-programs as jaxprs without constants: values the user's functions close over are
//! hoisted into explicit leading operands (JAX's `num_consts`), so outer tracers (of an
//! enclosing grad, vmap or jit) flow in as operands and get transformed like any other.
//!
//! Every rule works on the sub-programs with the jaxpr-level transformations of
//! [`crate::jaxpr`]: `jvp_jaxpr`, `batch_jaxpr`, `partial_eval_jaxpr` (linearize splits a
//! control-flow equation into a part run now and a staged part, see
//! `HigherOrderRule::partial_eval`) and the
//! backward pass (transpose). The user-facing functions are in [`crate::lax`].

pub mod cond;
pub mod scan;
pub(crate) mod tree_staging;
pub mod while_loop;

pub use crate::jaxpr::JaxprRef;

use crate::array::{Array, ShapeDtype};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::jaxpr::Jaxpr;
use crate::prims::higher_order_rule::{EqnSplit, HigherOrderPrim, HigherOrderRule};
use crate::prims::{LinearArg, Primitive, PrimitiveRule};
use crate::trace::staging::StagingTrace;

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
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        each_op!(self, p => p.lower(cx, args, out))
    }
}

impl From<cond::CondOp> for Primitive {
    fn from(p: cond::CondOp) -> Primitive {
        Primitive::HigherOrder(HigherOrderPrim::new(ControlFlowOp::Cond(p)))
    }
}

impl From<while_loop::WhileOp> for Primitive {
    fn from(p: while_loop::WhileOp) -> Primitive {
        Primitive::HigherOrder(HigherOrderPrim::new(ControlFlowOp::While(p)))
    }
}

impl From<scan::ScanOp> for Primitive {
    fn from(p: scan::ScanOp) -> Primitive {
        Primitive::HigherOrder(HigherOrderPrim::new(ControlFlowOp::Scan(p)))
    }
}

impl HigherOrderRule for ControlFlowOp {
    fn has_effect(&self) -> bool {
        let effectful = |j: &Jaxpr| j.eqns.iter().any(|e| e.prim.has_effect());
        match self {
            ControlFlowOp::Cond(c) => c.branches.iter().any(|b| effectful(b)),
            ControlFlowOp::While(w) => effectful(&w.cond_jaxpr) || effectful(&w.body_jaxpr),
            ControlFlowOp::Scan(s) => effectful(&s.jaxpr),
        }
    }

    fn partial_eval(
        &self,
        trace: &StagingTrace,
        args: &[&Array],
        unknown: &[bool],
    ) -> Option<Vec<Array>> {
        Some(match self {
            ControlFlowOp::Cond(c) => c.partial_eval(trace, args, unknown),
            ControlFlowOp::While(w) => w.partial_eval(trace, args, unknown),
            ControlFlowOp::Scan(s) => s.partial_eval(trace, args, unknown),
        })
    }

    fn split_unknown(&self, in_unknown: &[bool]) -> Option<EqnSplit> {
        match self {
            ControlFlowOp::Cond(c) if !in_unknown[0] => Some(c.split(&in_unknown[1..])),
            _ => None,
        }
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
