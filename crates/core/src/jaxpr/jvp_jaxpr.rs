//! Forward-mode differentiation of a whole program (JAX's `ad.jvp_jaxpr`), by re-tracing it
//! under a JVP trace into a fresh staging trace.

use super::rewrite::stage_flat;
use super::{eval_jaxpr, ClosedJaxpr, Jaxpr};
use crate::array::Array;
use crate::prims::rules::zeros;
use crate::trace::jvp::JvpTrace;
use crate::trace::{current, new_tag, set_current, Trace};
use std::rc::Rc;

/// The JVP of `jaxpr` (which has no constvars) as a program.
///
/// Its inputs are the primal inputs, then a tangent for each input whose `nonzero` flag is set
/// (float inputs only); its outputs are the primal outputs, then a tangent for each output
/// whose returned flag is set. An output gets a tangent when one flows to it, or when
/// `instantiate` asks for one (zeros; float outputs only). Captured constants of the result
/// are concrete arrays.
pub(crate) fn jvp_jaxpr(
    jaxpr: &Jaxpr,
    nonzero: &[bool],
    instantiate: &[bool],
) -> (ClosedJaxpr, Vec<bool>) {
    assert!(
        jaxpr.constvars.is_empty(),
        "jvp_jaxpr: the program must have no constvars"
    );
    let in_avals = jaxpr.in_avals();
    assert_eq!(
        nonzero.len(),
        in_avals.len(),
        "jvp_jaxpr: one nonzero flag per input"
    );
    let nonzero: Vec<bool> = nonzero
        .iter()
        .zip(&in_avals)
        .map(|(nz, a)| *nz && a.dtype.is_inexact())
        .collect();
    let mut avals = in_avals.clone();
    avals.extend(
        in_avals
            .iter()
            .zip(&nonzero)
            .filter(|(_, nz)| **nz)
            .map(|(a, _)| a.clone()),
    );
    let n = in_avals.len();
    let mut nonzero_out = Vec::new();
    let closed = stage_flat(&avals, |ins| {
        let trace = Rc::new(JvpTrace {
            tag: new_tag(),
            parent: current(),
        });
        let mut tangents = ins[n..].iter();
        let wrapped: Vec<Array> = ins[..n]
            .iter()
            .zip(&nonzero)
            .map(|(p, nz)| {
                let t = nz.then(|| {
                    tangents
                        .next()
                        .expect("a tangent per nonzero input")
                        .clone()
                });
                trace.wrap(p.clone(), t)
            })
            .collect();
        let refs: Vec<&Array> = wrapped.iter().collect();
        let outs = {
            let _guard = set_current(Some(trace.clone() as Rc<dyn Trace>));
            eval_jaxpr(jaxpr, &[], &refs)
        };
        let mut primals = Vec::with_capacity(outs.len());
        let mut touts = Vec::new();
        for (i, o) in outs.iter().enumerate() {
            let (p, t) = trace.unwrap(o);
            let t = match t {
                Some(t) => Some(t),
                None if instantiate[i] && p.dtype().is_inexact() => Some(zeros(p.aval())),
                None => None,
            };
            nonzero_out.push(t.is_some());
            touts.extend(t);
            primals.push(p);
        }
        primals.extend(touts);
        primals
    });
    (closed, nonzero_out)
}
