//! Transposition of a linear program (JAX's `backward_pass`): reverse mode is linearize, then
//! this.

use super::partial_eval::split_mixed_equations;
use super::{Atom, Jaxpr};
use crate::array::Array;
use crate::prims::{bind, LinearArg, PrimitiveRule};

/// Adds two cotangents of the same variable (JAX's `add_any`).
pub(crate) fn add_cotangents(a: Option<Array>, b: Array) -> Array {
    match a {
        None => b,
        Some(a) => crate::prims::bind1(crate::prims::binary::BinaryOp::AddAny, &[&a, &b]),
    }
}

/// The cotangents of `jaxpr`'s inputs given its outputs' cotangents (`None` = zero).
///
/// The program must be linear in its inputs. Equations that do not depend on the inputs
/// (residual computations) run forward first; the others are transposed in reverse order with
/// each primitive's transpose rule. Everything binds on the current trace, so the backward
/// pass can itself be differentiated, batched or staged.
pub(crate) fn backward_pass(
    jaxpr: &Jaxpr,
    consts: &[&Array],
    cts_out: &[Option<Array>],
) -> Vec<Option<Array>> {
    let known = vec![None; jaxpr.invars.len()];
    backward_pass_with_known(jaxpr, consts, &known, cts_out)
}

/// [`backward_pass`] for a program linear in only some of its inputs: `known[i]` is the value
/// of input `i` when it is not linear (a residual), `None` for a linear input. Known inputs
/// get `None` cotangents.
pub(crate) fn backward_pass_with_known(
    jaxpr: &Jaxpr,
    consts: &[&Array],
    known: &[Option<&Array>],
    cts_out: &[Option<Array>],
) -> Vec<Option<Array>> {
    let linear_in: Vec<bool> = known.iter().map(Option::is_none).collect();
    let jaxpr = &*split_mixed_equations(jaxpr, &linear_in);
    let n = jaxpr.avals.len();
    let mut linear = vec![false; n];
    let mut values: Vec<Option<Array>> = vec![None; n];
    for (&v, k) in jaxpr.invars.iter().zip(known) {
        match k {
            Some(x) => values[v as usize] = Some((*x).clone()),
            None => linear[v as usize] = true,
        }
    }
    for (v, c) in jaxpr.constvars.iter().zip(consts) {
        values[*v as usize] = Some((*c).clone());
    }
    let is_linear = |linear: &[bool], a: &Atom| matches!(a, Atom::Var(v) if linear[*v as usize]);
    let mut linear_eqns = Vec::new();
    for (i, eqn) in jaxpr.eqns.iter().enumerate() {
        if eqn.inputs.iter().any(|a| is_linear(&linear, a)) {
            for &o in &eqn.outputs {
                linear[o as usize] = true;
            }
            linear_eqns.push(i);
        } else {
            let ins: Vec<Array> = eqn
                .inputs
                .iter()
                .map(|a| match a {
                    Atom::Var(v) => values[*v as usize]
                        .clone()
                        .expect("residual read before it is defined"),
                    Atom::Literal(x) => x.clone(),
                })
                .collect();
            let refs: Vec<&Array> = ins.iter().collect();
            for (o, x) in eqn.outputs.iter().zip(bind(eqn.prim.clone(), &refs)) {
                values[*o as usize] = Some(x);
            }
        }
    }
    let mut cts: Vec<Option<Array>> = vec![None; n];
    for (a, ct) in jaxpr.outvars.iter().zip(cts_out) {
        if let (Atom::Var(v), Some(ct)) = (a, ct)
            && linear[*v as usize]
        {
            let prev = cts[*v as usize].take();
            cts[*v as usize] = Some(add_cotangents(prev, ct.clone()));
        }
    }
    for &i in linear_eqns.iter().rev() {
        let eqn = &jaxpr.eqns[i];
        let cts_eqn: Vec<Option<Array>> = eqn
            .outputs
            .iter()
            .map(|o| cts[*o as usize].take())
            .collect();
        if cts_eqn.iter().all(Option::is_none) {
            continue;
        }
        let args: Vec<LinearArg> = eqn
            .inputs
            .iter()
            .map(|a| match a {
                Atom::Var(v) if linear[*v as usize] => LinearArg::Linear(&jaxpr.avals[*v as usize]),
                Atom::Var(v) => LinearArg::Known(
                    values[*v as usize]
                        .as_ref()
                        .expect("residual read before it is defined"),
                ),
                Atom::Literal(x) => LinearArg::Known(x),
            })
            .collect();
        let ct_refs: Vec<Option<&Array>> = cts_eqn.iter().map(Option::as_ref).collect();
        let cts_in = eqn.prim.transpose(&ct_refs, &args);
        for (a, ct) in eqn.inputs.iter().zip(cts_in) {
            if let (Atom::Var(v), Some(ct)) = (a, ct)
                && linear[*v as usize]
            {
                let expected = &jaxpr.avals[*v as usize];
                assert_eq!(
                    (ct.shape(), ct.dtype()),
                    (&expected.shape[..], expected.dtype),
                    "transpose rule of {}: cotangent {} does not match its operand {expected}",
                    eqn.prim.name(),
                    ct.aval()
                );
                let prev = cts[*v as usize].take();
                cts[*v as usize] = Some(add_cotangents(prev, ct));
            }
        }
    }
    jaxpr
        .invars
        .iter()
        .map(|v| cts[*v as usize].take())
        .collect()
}
