//! Partial evaluation of a program by dataflow (JAX's `pe.partial_eval_jaxpr_nounits`): given
//! which inputs are unknown, split it into a *known* program, runnable now, and an *unknown*
//! program that finishes the computation from the unknown inputs and the *residuals* (known
//! values the unknown part needs).

use super::rewrite::renumber;
use super::{Atom, Eqn, Jaxpr, Var};
use crate::prims::Primitive;
use std::borrow::Cow;

/// Where a residual comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Residual {
    /// It is known input `k` of the original program, forwarded as it is (the known program
    /// does not output it; the caller passes that input's value).
    Input(usize),
    /// The known program computes it (one of its trailing outputs).
    Computed,
}

/// The two halves of a program.
pub(crate) struct PartialEval {
    /// Inputs: the known inputs, in order. Outputs: the known outputs, in order, then the
    /// computed residuals.
    pub known: Jaxpr,
    /// Inputs: the unknown inputs, in order, then every residual in `residuals` order. Outputs:
    /// the unknown outputs, in order.
    pub unknown: Jaxpr,
    /// Which outputs the unknown program computes.
    pub unknown_out: Vec<bool>,
    /// The residuals, in the order the unknown program takes them.
    pub residuals: Vec<Residual>,
}

impl PartialEval {
    /// How many residuals the known program outputs.
    pub fn num_computed(&self) -> usize {
        self.residuals
            .iter()
            .filter(|r| **r == Residual::Computed)
            .count()
    }
}

/// Splits `jaxpr` (no constvars). An equation is known when all its inputs are; an output is
/// unknown when computed by an unknown equation, read from an unknown input, or asked for by
/// `instantiate` (a known value is then a residual the unknown program passes through).
/// A residual that is input `k` of the program is forwarded when `forward_inputs[k]`.
pub(crate) fn partial_eval_jaxpr(
    jaxpr: &Jaxpr,
    unknown_in: &[bool],
    instantiate: &[bool],
    forward_inputs: &[bool],
) -> PartialEval {
    assert!(
        jaxpr.constvars.is_empty(),
        "partial_eval_jaxpr: the program must have no constvars"
    );
    let jaxpr = &*split_mixed_equations(jaxpr, unknown_in);
    let n = jaxpr.avals.len();
    let mut unknown = vec![false; n];
    let mut input_index = vec![usize::MAX; n];
    for (k, (&v, &u)) in jaxpr.invars.iter().zip(unknown_in).enumerate() {
        unknown[v as usize] = u;
        input_index[v as usize] = k;
    }
    let is_unknown = |unknown: &[bool], a: &Atom| matches!(a, Atom::Var(v) if unknown[*v as usize]);
    let mut known_eqns = Vec::new();
    let mut unknown_eqns = Vec::new();
    let mut residual_vars: Vec<Var> = Vec::new();
    let mut is_residual = vec![false; n];
    let mut add_residual = |v: Var, residual_vars: &mut Vec<Var>| {
        if !is_residual[v as usize] {
            is_residual[v as usize] = true;
            residual_vars.push(v);
        }
    };
    for eqn in &jaxpr.eqns {
        if eqn.inputs.iter().any(|a| is_unknown(&unknown, a)) {
            for &o in &eqn.outputs {
                unknown[o as usize] = true;
            }
            for a in &eqn.inputs {
                if let Atom::Var(v) = a
                    && !unknown[*v as usize]
                {
                    add_residual(*v, &mut residual_vars);
                }
            }
            unknown_eqns.push(eqn.clone());
        } else {
            known_eqns.push(eqn.clone());
        }
    }
    let unknown_out: Vec<bool> = jaxpr
        .outvars
        .iter()
        .zip(instantiate)
        .map(|(a, inst)| is_unknown(&unknown, a) || *inst)
        .collect();
    for (a, u) in jaxpr.outvars.iter().zip(&unknown_out) {
        if let (Atom::Var(v), true) = (a, u)
            && !unknown[*v as usize]
        {
            add_residual(*v, &mut residual_vars);
        }
    }
    let residuals: Vec<Residual> = residual_vars
        .iter()
        .map(|&v| {
            let k = input_index[v as usize];
            if k != usize::MAX && forward_inputs[k] {
                Residual::Input(k)
            } else {
                Residual::Computed
            }
        })
        .collect();

    let mut known = Jaxpr {
        avals: jaxpr.avals.clone(),
        constvars: Vec::new(),
        invars: jaxpr
            .invars
            .iter()
            .zip(unknown_in)
            .filter(|(_, u)| !**u)
            .map(|(v, _)| *v)
            .collect(),
        eqns: known_eqns,
        outvars: jaxpr
            .outvars
            .iter()
            .zip(&unknown_out)
            .filter(|(_, u)| !**u)
            .map(|(a, _)| a.clone())
            .collect(),
    };
    known.outvars.extend(
        residual_vars
            .iter()
            .zip(&residuals)
            .filter(|(_, r)| **r == Residual::Computed)
            .map(|(v, _)| Atom::Var(*v)),
    );
    renumber(&mut known);

    let mut unknown_jaxpr = Jaxpr {
        avals: jaxpr.avals.clone(),
        constvars: Vec::new(),
        invars: jaxpr
            .invars
            .iter()
            .zip(unknown_in)
            .filter(|(_, u)| **u)
            .map(|(v, _)| *v)
            .chain(residual_vars.iter().copied())
            .collect(),
        eqns: unknown_eqns,
        outvars: jaxpr
            .outvars
            .iter()
            .zip(&unknown_out)
            .filter(|(_, u)| **u)
            .map(|(a, _)| a.clone())
            .collect(),
    };
    renumber(&mut unknown_jaxpr);
    PartialEval {
        known,
        unknown: unknown_jaxpr,
        unknown_out,
        residuals,
    }
}

/// `jaxpr` with every higher-order equation whose operands are partly unknown (`unknown_in`
/// flags the inputs; constants are known) split in two where its rule can
/// (`HigherOrderRule::split_unknown`; `cond` does): one over the known operands for
/// the outputs no unknown operand reaches, one for the rest. Without it such a `cond` is
/// unknown as a whole, and primal values it computes would reach the unknown program as if
/// they were tangents: a `cond` inside a differentiated `scan` would make the primal carry
/// "linear", and a `cond` inside a `cond`'s branch would feed a product of two "linear" values
/// to the transpose (JAX splits them with `partial_eval_jaxpr_custom`'s rule for `cond`).
/// Borrows `jaxpr` when nothing needs splitting.
pub(crate) fn split_mixed_equations<'a>(jaxpr: &'a Jaxpr, unknown_in: &[bool]) -> Cow<'a, Jaxpr> {
    let higher_order = |e: &Eqn| matches!(e.prim, Primitive::HigherOrder(_));
    if !jaxpr.eqns.iter().any(higher_order) {
        return Cow::Borrowed(jaxpr);
    }
    let mut unknown = vec![false; jaxpr.avals.len()];
    for (&v, &u) in jaxpr.invars.iter().zip(unknown_in) {
        unknown[v as usize] = u;
    }
    let is_unknown = |unknown: &[bool], a: &Atom| matches!(a, Atom::Var(v) if unknown[*v as usize]);
    let mut eqns = Vec::with_capacity(jaxpr.eqns.len());
    let mut changed = false;
    for eqn in &jaxpr.eqns {
        let in_unknown: Vec<bool> = eqn.inputs.iter().map(|a| is_unknown(&unknown, a)).collect();
        if !in_unknown.iter().any(|u| *u) {
            eqns.push(eqn.clone());
            continue;
        }
        let split = match &eqn.prim {
            Primitive::HigherOrder(h) => h.0.split_unknown(&in_unknown),
            _ => None,
        };
        let Some(split) = split else {
            for &o in &eqn.outputs {
                unknown[o as usize] = true;
            }
            eqns.push(eqn.clone());
            continue;
        };
        for (&o, &u) in eqn.outputs.iter().zip(&split.unknown_out) {
            unknown[o as usize] = u;
        }
        let Some(known) = split.known else {
            eqns.push(eqn.clone());
            continue;
        };
        changed = true;
        let pick_outputs = |want: bool| -> Vec<Var> {
            eqn.outputs
                .iter()
                .zip(&split.unknown_out)
                .filter(|(_, u)| **u == want)
                .map(|(o, _)| *o)
                .collect()
        };
        let known_inputs: Vec<Atom> = eqn
            .inputs
            .iter()
            .zip(&in_unknown)
            .filter(|(_, u)| !**u)
            .map(|(a, _)| a.clone())
            .collect();
        eqns.push(Eqn {
            prim: known,
            inputs: known_inputs,
            outputs: pick_outputs(false),
        });
        if let Some(rest) = split.unknown {
            eqns.push(Eqn {
                prim: rest,
                inputs: eqn.inputs.clone(),
                outputs: pick_outputs(true),
            });
        }
    }
    if !changed {
        return Cow::Borrowed(jaxpr);
    }
    Cow::Owned(Jaxpr {
        avals: jaxpr.avals.clone(),
        constvars: jaxpr.constvars.clone(),
        invars: jaxpr.invars.clone(),
        eqns,
        outvars: jaxpr.outvars.clone(),
    })
}
