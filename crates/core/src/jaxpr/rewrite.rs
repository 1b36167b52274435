//! Building and rewiring the sub-programs of the control-flow primitives: staging a Rust
//! function on abstract inputs, turning captured constants into leading inputs (JAX's
//! `convert_constvars_jaxpr`), reordering inputs and outputs, adding unused inputs, and
//! renumbering variables so programs print with JAX's a, b, c... order.

use super::{Atom, ClosedJaxpr, Jaxpr, Var};
use crate::array::{Array, ShapeDtype};
use crate::trace::staging::{StageMode, StagingTrace};
use crate::trace::{set_current, Trace};
use std::rc::Rc;
use std::sync::Arc;

/// Stages `f` on fresh abstract inputs of the given avals (every primitive is recorded). Values
/// `f` closes over that are not its inputs (outer tracers, concrete arrays) become constants of
/// the result.
pub(crate) fn stage_flat(
    in_avals: &[ShapeDtype],
    f: impl FnOnce(&[Array]) -> Vec<Array>,
) -> ClosedJaxpr {
    let staging = StagingTrace::new(StageMode::All);
    let inputs: Vec<Array> = in_avals
        .iter()
        .map(|a| staging.new_input(a.clone()))
        .collect();
    let outs = {
        let _guard = set_current(Some(staging.clone() as Rc<dyn Trace>));
        f(&inputs)
    };
    staging.finish(&outs)
}

/// A program whose captured constants became its leading inputs, with the constants' values
/// (which the caller passes as the leading operands of the primitive holding the program).
pub(crate) fn hoist_consts(closed: ClosedJaxpr) -> (Jaxpr, Vec<Array>) {
    let mut j = Arc::try_unwrap(closed.jaxpr).unwrap_or_else(|a| (*a).clone());
    let mut invars = std::mem::take(&mut j.constvars);
    invars.append(&mut j.invars);
    j.invars = invars;
    renumber(&mut j);
    (j, closed.consts)
}

/// Reorders the inputs: input `k` of the result is input `order[k]` of `j`.
pub(crate) fn permute_invars(j: &mut Jaxpr, order: &[usize]) {
    debug_assert_eq!(order.len(), j.invars.len());
    j.invars = order.iter().map(|&i| j.invars[i]).collect();
    renumber(j);
}

/// Reorders the outputs: output `k` of the result is output `order[k]` of `j`.
pub(crate) fn permute_outvars(j: &mut Jaxpr, order: &[usize]) {
    debug_assert_eq!(order.len(), j.outvars.len());
    j.outvars = order.iter().map(|&i| j.outvars[i].clone()).collect();
}

/// Keeps the outputs whose flag is set.
pub(crate) fn select_outvars(j: &mut Jaxpr, keep: &[bool]) {
    debug_assert_eq!(keep.len(), j.outvars.len());
    j.outvars = j
        .outvars
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(a, _)| a.clone())
        .collect();
}

/// `j` with unused inputs of the given avals added before and after its inputs.
pub(crate) fn with_unused_invars(j: &Jaxpr, before: &[ShapeDtype], after: &[ShapeDtype]) -> Jaxpr {
    let mut j = j.clone();
    let fresh = |a: &ShapeDtype, j: &mut Jaxpr| {
        j.avals.push(a.clone());
        (j.avals.len() - 1) as Var
    };
    let pre: Vec<Var> = before.iter().map(|a| fresh(a, &mut j)).collect();
    let post: Vec<Var> = after.iter().map(|a| fresh(a, &mut j)).collect();
    let mut invars = pre;
    invars.append(&mut j.invars);
    invars.extend(post);
    j.invars = invars;
    renumber(&mut j);
    j
}

/// Renumbers variables in definition order (constants, inputs, then each equation's outputs)
/// and drops avals of variables the program no longer defines.
pub(crate) fn renumber(j: &mut Jaxpr) {
    let n = j.avals.len();
    let mut map = vec![Var::MAX; n];
    let mut next: Var = 0;
    let defined = j
        .constvars
        .iter()
        .chain(&j.invars)
        .chain(j.eqns.iter().flat_map(|e| e.outputs.iter()));
    for &v in defined {
        if map[v as usize] == Var::MAX {
            map[v as usize] = next;
            next += 1;
        }
    }
    let mut avals: Vec<Option<ShapeDtype>> = vec![None; next as usize];
    for (old, &new) in map.iter().enumerate() {
        if new != Var::MAX {
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
            assert!(
                map[*v as usize] != Var::MAX,
                "jaxpr rewrite: variable used but never defined"
            );
            *v = map[*v as usize];
        }
    };
    for e in &mut j.eqns {
        e.inputs.iter_mut().for_each(ma);
        e.outputs.iter_mut().for_each(m);
    }
    j.outvars.iter_mut().for_each(ma);
}

/// Several programs taking the same inputs, rewritten to also take the union of their
/// captured constants as leading inputs (each program ignores the others' constants). Returns
/// the programs and the constants' values, in order.
pub(crate) fn common_consts(closed: Vec<ClosedJaxpr>) -> (Vec<Jaxpr>, Vec<Array>) {
    let const_avals: Vec<Vec<ShapeDtype>> = closed
        .iter()
        .map(|c| {
            c.jaxpr
                .constvars
                .iter()
                .map(|v| c.jaxpr.avals[*v as usize].clone())
                .collect()
        })
        .collect();
    let mut all_consts = Vec::new();
    let mut jaxprs = Vec::with_capacity(closed.len());
    for (i, c) in closed.into_iter().enumerate() {
        let before: Vec<ShapeDtype> = const_avals[..i].concat();
        let after: Vec<ShapeDtype> = const_avals[i + 1..].concat();
        all_consts.extend(c.consts.iter().cloned());
        let (j, _) = hoist_consts(c);
        let nconst = const_avals[i].len();
        // Pad around this program's own constants, which now lead its inputs.
        let mut padded = with_unused_invars(&j, &before, &[]);
        let n_in = padded.invars.len();
        let own = before.len()..before.len() + nconst;
        let mut order: Vec<usize> = (0..before.len()).chain(own.clone()).collect();
        let tail_start = padded.avals.len();
        for a in &after {
            padded.avals.push(a.clone());
        }
        let extra: Vec<Var> = (tail_start..padded.avals.len()).map(|v| v as Var).collect();
        padded.invars.extend(extra);
        order.extend(n_in..n_in + after.len());
        order.extend(own.end..n_in);
        permute_invars(&mut padded, &order);
        jaxprs.push(padded);
    }
    (jaxprs, all_consts)
}
