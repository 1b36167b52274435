//! Staging: records primitives into a [`Jaxpr`] instead of running them (JAX's
//! `DynamicJaxprTrace`). Used by `jit`, `make_jaxpr`, the control-flow primitives and, in its
//! partial form, by `linearize`.

use super::{is_live, own_payload, panic_escaped, Payload, Trace};
use crate::array::{Array, ShapeDtype};
use crate::jaxpr::{Atom, ClosedJaxpr, Eqn, Jaxpr, Var};
use crate::prims::{bind, Primitive, PrimitiveRule};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// What is staged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StageMode {
    /// Every primitive, including ones on constants only (jit, make_jaxpr, control flow).
    All,
    /// Only primitives with an operand that depends on this trace's inputs; the others run on
    /// the parent trace and their results are captured as constants (linearize: primal work
    /// runs now, tangent work is staged).
    DependentOnly,
}

#[derive(Default)]
struct Builder {
    jaxpr: Jaxpr,
    consts: Vec<Array>,
    /// Captured constants by value identity *and* abstract value: one buffer can stand behind
    /// arrays of different avals (a zero-copy reshape shares its input's buffer, a weak-type
    /// change too), and each must be its own constant variable of its own aval. Keyed on the
    /// buffer alone, `x` and `x.reshape(..)` both closed over by a traced function became one
    /// variable, with the aval of whichever was captured first.
    const_ids: HashMap<(usize, ShapeDtype), Var>,
}

impl Builder {
    fn new_var(&mut self, aval: ShapeDtype) -> Var {
        self.jaxpr.avals.push(aval);
        (self.jaxpr.avals.len() - 1) as Var
    }
}

/// The staging trace.
pub(crate) struct StagingTrace {
    tag: u64,
    parent: Option<Rc<dyn Trace>>,
    mode: StageMode,
    builder: RefCell<Builder>,
}

impl StagingTrace {
    /// A staging trace whose parent is the current trace.
    pub(crate) fn new(mode: StageMode) -> Rc<StagingTrace> {
        Rc::new(StagingTrace {
            tag: super::new_tag(),
            parent: super::current(),
            mode,
            builder: RefCell::new(Builder::default()),
        })
    }

    /// A new input of the program, as a tracer of this trace.
    pub(crate) fn new_input(&self, aval: ShapeDtype) -> Array {
        let var = {
            let mut b = self.builder.borrow_mut();
            let v = b.new_var(aval.clone());
            b.jaxpr.invars.push(v);
            v
        };
        Array::new_tracer(aval, self.tag, Payload::Staged { var })
    }

    /// The atom for a value used by the program: this trace's variable, a literal, or a
    /// captured constant.
    fn atom(&self, a: &Array, op: &str, index: usize) -> Atom {
        if let Some(Payload::Staged { var }) = own_payload(a, self.tag) {
            return Atom::Var(*var);
        }
        if a.is_concrete() && a.ndim() == 0 {
            return Atom::Literal(a.clone());
        }
        if let Some(t) = a.tracer()
            && !is_live(t.tag)
        {
            panic_escaped(op, index, a);
        }
        let mut b = self.builder.borrow_mut();
        let id = (a.value_id(), a.aval().clone());
        if let Some(v) = b.const_ids.get(&id) {
            return Atom::Var(*v);
        }
        let v = b.new_var(a.aval().clone());
        b.jaxpr.constvars.push(v);
        b.consts.push(a.clone());
        b.const_ids.insert(id, v);
        Atom::Var(v)
    }

    /// Finishes the program with `outs` as its outputs.
    pub(crate) fn finish(&self, outs: &[Array]) -> ClosedJaxpr {
        let outvars: Vec<Atom> = outs
            .iter()
            .enumerate()
            .map(|(i, o)| match own_payload(o, self.tag) {
                Some(Payload::Staged { var }) => Atom::Var(*var),
                // An output that does not depend on the inputs is a captured constant, never a
                // literal, so that outputs stay distinct variables for the caller to bind.
                _ => {
                    let a = self.atom(o, "staged program output", i);
                    match a {
                        Atom::Literal(x) => self.capture(x),
                        v => v,
                    }
                }
            })
            .collect();
        let mut b = self.builder.borrow_mut();
        b.jaxpr.outvars = outvars;
        let mut jaxpr = std::mem::take(&mut b.jaxpr);
        let consts = std::mem::take(&mut b.consts);
        reorder_constvars_first(&mut jaxpr);
        ClosedJaxpr {
            jaxpr: Arc::new(jaxpr),
            consts,
        }
    }

    fn capture(&self, x: Array) -> Atom {
        let mut b = self.builder.borrow_mut();
        let v = b.new_var(x.aval().clone());
        b.jaxpr.constvars.push(v);
        b.consts.push(x);
        Atom::Var(v)
    }
}

/// Renumbers variables so that constants come first, then inputs, then equation outputs in
/// order (the numbering `make_jaxpr` prints as a, b, c...).
fn reorder_constvars_first(j: &mut Jaxpr) {
    let n = j.avals.len();
    let mut map = vec![u32::MAX; n];
    let mut next = 0u32;
    let mut assign = |v: Var, map: &mut Vec<u32>| {
        if map[v as usize] == u32::MAX {
            map[v as usize] = next;
            next += 1;
        }
    };
    for &v in &j.constvars {
        assign(v, &mut map);
    }
    for &v in &j.invars {
        assign(v, &mut map);
    }
    for e in &j.eqns {
        for &v in &e.outputs {
            assign(v, &mut map);
        }
    }
    let mut avals = vec![None; next as usize];
    for (old, &new) in map.iter().enumerate() {
        if new != u32::MAX {
            avals[new as usize] = Some(j.avals[old].clone());
        }
    }
    j.avals = avals
        .into_iter()
        .map(|a| a.expect("every variable is numbered"))
        .collect();
    let m = |v: &mut Var| *v = map[*v as usize];
    j.constvars.iter_mut().for_each(m);
    j.invars.iter_mut().for_each(m);
    let ma = |a: &mut Atom| {
        if let Atom::Var(v) = a {
            *v = map[*v as usize];
        }
    };
    for e in &mut j.eqns {
        e.inputs.iter_mut().for_each(ma);
        e.outputs.iter_mut().for_each(m);
    }
    j.outvars.iter_mut().for_each(ma);
}

impl Trace for StagingTrace {
    fn tag(&self) -> u64 {
        self.tag
    }

    fn parent(&self) -> Option<Rc<dyn Trace>> {
        self.parent.clone()
    }

    fn process_primitive(&self, prim: &Primitive, args: &[&Array]) -> Vec<Array> {
        if self.mode == StageMode::DependentOnly {
            let unknown: smallvec::SmallVec<[bool; 8]> = args
                .iter()
                .map(|a| own_payload(a, self.tag).is_some())
                .collect();
            if !unknown.iter().any(|u| *u) {
                return bind(prim.clone(), args);
            }
            // A higher-order equation (control flow) mixes work on known and unknown operands:
            // its rule runs the known part now and stages the rest.
            if let Primitive::HigherOrder(h) = prim
                && let Some(outs) = h.0.partial_eval(self, args, &unknown)
            {
                return outs;
            }
        }
        self.stage_eqn(prim, args)
    }
}

impl StagingTrace {
    /// Records `prim` applied to `args` as one equation (operands that are not this trace's
    /// variables are captured as literals or constants) and returns its outputs as tracers.
    pub(crate) fn stage_eqn(&self, prim: &Primitive, args: &[&Array]) -> Vec<Array> {
        let inputs: Vec<Atom> = args
            .iter()
            .enumerate()
            .map(|(i, a)| self.atom(a, prim.name(), i))
            .collect();
        let avals: smallvec::SmallVec<[&ShapeDtype; 4]> = args.iter().map(|a| a.aval()).collect();
        let out_avals = prim.abstract_eval(&avals);
        let mut b = self.builder.borrow_mut();
        let outputs: Vec<Var> = out_avals.iter().map(|a| b.new_var(a.clone())).collect();
        b.jaxpr.eqns.push(Eqn {
            prim: prim.clone(),
            inputs,
            outputs: outputs.clone(),
        });
        drop(b);
        out_avals
            .into_iter()
            .zip(outputs)
            .map(|(aval, var)| Array::new_tracer(aval, self.tag, Payload::Staged { var }))
            .collect()
    }
}
