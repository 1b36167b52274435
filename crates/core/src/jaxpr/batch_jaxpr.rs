//! Batching of a whole program (JAX's `batching.batch_jaxpr`), by re-tracing it under a
//! batching trace into a fresh staging trace, and the inline variant that batches a program
//! call on the current trace.

use super::rewrite::stage_flat;
use super::{eval_jaxpr, ClosedJaxpr, Jaxpr};
use crate::array::{Array, ShapeDtype};
use crate::prims::rules::{bdim_to_front, move_axis};
use crate::trace::batch::BatchTrace;
use crate::trace::{current, new_tag, set_current, Trace};
use std::rc::Rc;

/// `aval` with a leading axis of `size`.
pub(crate) fn batched_aval(aval: &ShapeDtype, size: usize) -> ShapeDtype {
    let mut shape = vec![size];
    shape.extend_from_slice(&aval.shape);
    ShapeDtype {
        shape: shape.into(),
        dtype: aval.dtype,
        weak_type: aval.weak_type,
    }
}

/// Runs `jaxpr` (no constvars) on `args` batched along `dims` under a fresh batching trace of
/// the current one: the outputs and their batch axes (`None` = not mapped).
pub(crate) fn batch_call(
    jaxpr: &Jaxpr,
    args: &[&Array],
    dims: &[Option<usize>],
    axis_size: usize,
) -> (Vec<Array>, Vec<Option<usize>>) {
    let trace = Rc::new(BatchTrace {
        tag: new_tag(),
        parent: current(),
        axis_size,
        axis_name: None,
    });
    let wrapped: Vec<Array> = args
        .iter()
        .zip(dims)
        .map(|(a, d)| trace.wrap((*a).clone(), *d))
        .collect();
    let refs: Vec<&Array> = wrapped.iter().collect();
    let outs = {
        let _guard = set_current(Some(trace.clone() as Rc<dyn Trace>));
        eval_jaxpr(jaxpr, &[], &refs)
    };
    outs.iter().map(|o| trace.unwrap(o)).unzip()
}

/// The batched version of `jaxpr` (no constvars) as a program: inputs whose `batched` flag is
/// set get a leading batch axis of `axis_size`; an output is batched (at axis 0) when it
/// depends on a batched input or `instantiate` asks for it (broadcast). Returns the program
/// and which outputs are batched.
pub(crate) fn batch_jaxpr(
    jaxpr: &Jaxpr,
    batched: &[bool],
    axis_size: usize,
    instantiate: &[bool],
) -> (ClosedJaxpr, Vec<bool>) {
    assert!(
        jaxpr.constvars.is_empty(),
        "batch_jaxpr: the program must have no constvars"
    );
    let in_avals = jaxpr.in_avals();
    let avals: Vec<ShapeDtype> = in_avals
        .iter()
        .zip(batched)
        .map(|(a, b)| {
            if *b {
                batched_aval(a, axis_size)
            } else {
                a.clone()
            }
        })
        .collect();
    let mut batched_out = Vec::new();
    let closed = stage_flat(&avals, |ins| {
        let refs: Vec<&Array> = ins.iter().collect();
        let dims: Vec<Option<usize>> = batched.iter().map(|b| b.then_some(0)).collect();
        let (outs, out_dims) = batch_call(jaxpr, &refs, &dims, axis_size);
        outs.iter()
            .zip(out_dims)
            .enumerate()
            .map(|(i, (o, d))| {
                let b = d.is_some() || instantiate[i];
                batched_out.push(b);
                match d {
                    Some(d) => move_axis(o, d, 0),
                    None if b => bdim_to_front(o, None, axis_size),
                    None => o.clone(),
                }
            })
            .collect()
    });
    (closed, batched_out)
}
