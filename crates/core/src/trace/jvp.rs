//! Forward mode: a tracer is a (primal, tangent) pair; tangents may be symbolic zeros.

use super::{own_payload, Payload, Trace};
use crate::array::Array;
use crate::prims::{bind, Primitive, PrimitiveRule};
use smallvec::SmallVec;
use std::rc::Rc;

/// The JVP trace. Its rules run on the parent trace, so when the parent is a staging trace
/// that only stages values depending on its own inputs, the tangent computations are staged
/// while the primal ones run: that is linearize.
pub(crate) struct JvpTrace {
    pub(crate) tag: u64,
    pub(crate) parent: Option<Rc<dyn Trace>>,
}

impl JvpTrace {
    /// A tracer of this trace; a zero tangent gives back the primal itself (a value foreign to
    /// this trace has a zero tangent anyway).
    pub(crate) fn wrap(&self, primal: Array, tangent: Option<Array>) -> Array {
        match tangent {
            None => primal,
            Some(t) => Array::new_tracer(
                primal.aval().clone(),
                self.tag,
                Payload::Jvp {
                    primal,
                    tangent: Some(t),
                },
            ),
        }
    }

    /// The primal and tangent of `a` as seen by this trace.
    pub(crate) fn unwrap(&self, a: &Array) -> (Array, Option<Array>) {
        match own_payload(a, self.tag) {
            Some(Payload::Jvp { primal, tangent }) => (primal.clone(), tangent.clone()),
            _ => (a.clone(), None),
        }
    }
}

impl Trace for JvpTrace {
    fn tag(&self) -> u64 {
        self.tag
    }

    fn parent(&self) -> Option<Rc<dyn Trace>> {
        self.parent.clone()
    }

    fn process_primitive(&self, prim: &Primitive, args: &[&Array]) -> Vec<Array> {
        let mut primals: SmallVec<[Array; 4]> = SmallVec::new();
        let mut tangents: SmallVec<[Option<Array>; 4]> = SmallVec::new();
        for a in args {
            let (p, t) = self.unwrap(a);
            primals.push(p);
            tangents.push(t);
        }
        let primal_refs: SmallVec<[&Array; 4]> = primals.iter().collect();
        if tangents.iter().all(Option::is_none) {
            return bind(prim.clone(), &primal_refs);
        }
        let tangent_refs: SmallVec<[Option<&Array>; 4]> =
            tangents.iter().map(Option::as_ref).collect();
        let (outs, out_tangents) = prim.jvp(&primal_refs, &tangent_refs);
        debug_assert_eq!(outs.len(), out_tangents.len());
        outs.into_iter()
            .zip(out_tangents)
            .map(|(p, t)| {
                let t = t.filter(|_| p.dtype().is_inexact());
                if let Some(t) = &t {
                    assert_eq!(
                        (t.shape(), t.dtype()),
                        (p.shape(), p.dtype()),
                        "jvp rule of {}: tangent {} does not match its primal {}",
                        prim.name(),
                        t.aval(),
                        p.aval()
                    );
                }
                self.wrap(p, t)
            })
            .collect()
    }
}
