//! Outer products that a scan adds to its carry, summed after the loop instead of in it.
//!
//! Reverse mode through a scan over a matrix-vector product (an RNN on one sequence) makes the
//! weight's cotangent a carry that each iteration adds an outer product to:
//! `dW' = dW + dot_general(g, h)` with no contracted axes. In the loop every iteration reads
//! and writes the whole of `dW`, twice (the product into a buffer, then the sum): for a GRU of
//! hidden size 128 that is most of the backward pass's time. Such a carry is taken out of the
//! loop: the body returns `g` and `h` as two more stacked outputs, and after the loop
//! [`accumulate_rank_one_updates`] adds the `g_t ⊗ h_t` to the initial carry a block of rows
//! at a time, each block staying in L1 through all the steps.
//!
//! Each element still takes `d + g_t·h_t` (the product rounded, then the sum) for `t` in the
//! loop's order, as the rank-one product and the add in the loop compute it, so the results
//! are the bits of the loop that was not rewritten.
//!
//! [`accumulate_rank_one_updates`]: crate::backend::cpu::matmul::accumulate_rank_one_updates

use crate::array::{Array, ShapeDtype, Storage};
use crate::backend::cpu::matmul::{accumulate_rank_one_updates, max_threads, RANK_ONE_MIN_COLS};
use crate::higher_order::control_flow::scan::stacked;
use crate::jaxpr::rewrite::renumber;
use crate::jaxpr::{Atom, Jaxpr, Var};
use crate::prims::binary::BinaryOp;
use crate::prims::Primitive;
use crate::DType;
use std::sync::Arc;

/// A carry the rewritten body no longer has: its final value is its initial one plus the
/// outer products of two of the rewritten scan's stacked outputs.
#[derive(Debug)]
pub(crate) struct Accumulation {
    /// The carry's index among the original scan's carries.
    pub carry: usize,
    /// The stacked left and right factors' indices among the rewritten scan's `ys`.
    pub factors: (usize, usize),
    /// The carry's abstract value.
    pub aval: ShapeDtype,
}

/// A carry that only accumulates outer products, as found in a body.
struct Found {
    /// The carry's index among the carries.
    carry: usize,
    /// The equations computing the product and the sum.
    eqns: [usize; 2],
    /// The product's left and right operands.
    factors: (Var, Var),
}

/// The carries of a scan body (`consts ++ carry ++ xs -> carry ++ ys`) that only accumulate
/// outer products, and the body without them: their inputs and outputs dropped, the products
/// and sums removed, and the factors appended to the outputs as more `ys` (left, then right,
/// per carry). `None` when no carry qualifies.
///
/// A carry `c` qualifies when the body reads it once, in `add(c, p)` (or `add_any`, either
/// order), whose result is read only as the carry's output, and `p` is read only there and is a
/// `dot_general` of two f32 or f64 vectors with no contracted or batch axes and at least
/// [`RANK_ONE_MIN_COLS`] right elements (so the loop took the rank-one product, whose bits
/// [`accumulate_rank_one_updates`] reproduces).
pub(crate) fn hoist(
    body: &Jaxpr,
    num_consts: usize,
    num_carry: usize,
) -> Option<(Jaxpr, Vec<Accumulation>)> {
    let found = find(body, num_consts, num_carry);
    if found.is_empty() {
        return None;
    }
    let mut j = body.clone();
    let removed: Vec<usize> = found.iter().flat_map(|f| f.eqns).collect();
    j.eqns = body
        .eqns
        .iter()
        .enumerate()
        .filter(|(i, _)| !removed.contains(i))
        .map(|(_, e)| e.clone())
        .collect();
    let hoisted = |k: usize| found.iter().any(|f| f.carry == k);
    j.invars = body
        .invars
        .iter()
        .enumerate()
        .filter(|&(i, _)| i < num_consts || i >= num_consts + num_carry || !hoisted(i - num_consts))
        .map(|(_, &v)| v)
        .collect();
    let num_ys = body.outvars.len() - num_carry;
    j.outvars = body
        .outvars
        .iter()
        .enumerate()
        .filter(|&(k, _)| k >= num_carry || !hoisted(k))
        .map(|(_, a)| a.clone())
        .collect();
    let mut accumulations = Vec::with_capacity(found.len());
    for (n, f) in found.iter().enumerate() {
        j.outvars.push(Atom::Var(f.factors.0));
        j.outvars.push(Atom::Var(f.factors.1));
        accumulations.push(Accumulation {
            carry: f.carry,
            factors: (num_ys + 2 * n, num_ys + 2 * n + 1),
            aval: body.atom_aval(&body.outvars[f.carry]).clone(),
        });
    }
    renumber(&mut j);
    Some((j, accumulations))
}

/// The carries that qualify (see [`hoist`]).
fn find(j: &Jaxpr, num_consts: usize, num_carry: usize) -> Vec<Found> {
    let (def, reads) = j.definitions_and_reads();
    let var = |a: &Atom| match a {
        Atom::Var(v) => Some(*v),
        Atom::Literal(_) => None,
    };
    let aval = |v: Var| &j.avals[v as usize];
    (0..num_carry)
        .filter_map(|k| {
            let c = j.invars[num_consts + k];
            let out = var(&j.outvars[k])?;
            if reads[c as usize] != 1 || reads[out as usize] != 1 {
                return None;
            }
            let add = def[out as usize]?;
            let e = &j.eqns[add];
            if !matches!(e.prim, Primitive::Binary(BinaryOp::Add | BinaryOp::AddAny)) {
                return None;
            }
            let (x, y) = (var(&e.inputs[0])?, var(&e.inputs[1])?);
            let p = match (x == c, y == c) {
                (true, false) => y,
                (false, true) => x,
                _ => return None,
            };
            if reads[p as usize] != 1 {
                return None;
            }
            let dot = def[p as usize]?;
            let d = &j.eqns[dot];
            let Primitive::DotGeneral(dg) = &d.prim else {
                return None;
            };
            let dn = &dg.dimension_numbers;
            let (lhs, rhs) = (var(&d.inputs[0])?, var(&d.inputs[1])?);
            let dtype = aval(c).dtype;
            let vector = |v: Var| aval(v).shape.len() == 1 && aval(v).dtype == dtype;
            let qualifies = dn.lhs_contracting.is_empty()
                && dn.rhs_contracting.is_empty()
                && dn.lhs_batch.is_empty()
                && dn.rhs_batch.is_empty()
                && dg.preferred_element_type.is_none_or(|t| t == dtype)
                && matches!(dtype, DType::F32 | DType::F64)
                && vector(lhs)
                && vector(rhs)
                && aval(rhs).shape[0] >= RANK_ONE_MIN_COLS
                && aval(p).shape == aval(c).shape
                && aval(p).dtype == dtype;
            qualifies.then_some(Found {
                carry: k,
                eqns: [dot, add],
                factors: (lhs, rhs),
            })
        })
        .collect()
}

/// The original scan's outputs from the rewritten one's: `outs` are the rewritten scan's
/// results (its carries, then its `ys` with the factors last), `init` the original initial
/// carries, `num_ys` the original number of `ys`.
pub(crate) fn finish(
    accumulations: &[Accumulation],
    init: &[&Array],
    outs: Vec<Array>,
    num_ys: usize,
    reverse: bool,
) -> Vec<Array> {
    let kept = init.len() - accumulations.len();
    let (carries, ys) = outs.split_at(kept);
    let mut carries = carries.iter();
    let mut result: Vec<Array> = (0..init.len())
        .map(|k| match accumulations.iter().find(|a| a.carry == k) {
            Some(a) => accumulated(a, init[k], &ys[a.factors.0], &ys[a.factors.1], reverse),
            None => carries.next().expect("one output per kept carry").clone(),
        })
        .collect();
    result.extend_from_slice(&ys[..num_ys]);
    result
}

/// `init` plus the outer products of the rows of `a` and `b`, in the loop's order.
fn accumulated(acc: &Accumulation, init: &Array, a: &Array, b: &Array, reverse: bool) -> Array {
    let (steps, m, n) = (a.shape()[0], a.shape()[1], b.shape()[1]);
    let shape = (steps, m, n);
    let threads = max_threads();
    let storage = match (init.storage(), a.storage(), b.storage()) {
        (Storage::F32(c), Storage::F32(a), Storage::F32(b)) => {
            let mut c = c.clone();
            accumulate_rank_one_updates(&mut c, a, b, shape, reverse, threads);
            Storage::F32(c)
        }
        (Storage::F64(c), Storage::F64(a), Storage::F64(b)) => {
            let mut c = c.clone();
            accumulate_rank_one_updates(&mut c, a, b, shape, reverse, threads);
            Storage::F64(c)
        }
        (c, a, b) => unreachable!(
            "hoist() takes f32 and f64 carries only, not {} from {} and {}",
            c.dtype(),
            a.dtype(),
            b.dtype()
        ),
    };
    Array::from_shared(Arc::new(storage), acc.aval.clone())
}

/// The avals of a scan's results: the body's carry outputs, then its `ys` stacked `length`
/// deep.
pub(crate) fn scan_out_avals(body: &Jaxpr, num_carry: usize, length: usize) -> Vec<ShapeDtype> {
    let outs = body.out_avals();
    let (carries, ys) = outs.split_at(num_carry);
    let stacked_ys = ys.iter().map(|y| stacked(y, length));
    carries.iter().cloned().chain(stacked_ys).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compiler::optimize::optimize;
    use crate::higher_order::control_flow::ControlFlowOp;
    use crate::jaxpr::ClosedJaxpr;
    use crate::transforms::{grad, make_jaxpr};
    use crate::{lax, numpy as jnp};

    /// The carries `hoist` takes out of the scans of `grad` of a scanned `tanh(w·x + u·h)`
    /// with `input` inputs and `hidden` units, and the number of outputs of each rewritten
    /// body and of the body before.
    fn hoisted(input: usize, hidden: usize) -> Vec<(Vec<usize>, usize, usize)> {
        let w = jnp::ones([hidden, input]);
        let u = jnp::ones([hidden, hidden]);
        let xs = jnp::ones([4, input]);
        let loss = |(w, u): &(Array, Array)| {
            let (h, ()) = lax::scan(
                |h: &Array, x: &Array| ((&jnp::matmul(w, x) + &jnp::matmul(u, h)).tanh(), ()),
                &jnp::zeros([hidden]),
                &xs,
            );
            h.sum(())
        };
        let program = make_jaxpr(|p: &(Array, Array)| grad(loss)(p))(&(w, u));
        let program = optimize(&program);
        program
            .jaxpr
            .eqns
            .iter()
            .filter_map(|e| match e.prim.higher_order::<ControlFlowOp>()? {
                ControlFlowOp::Scan(s) => Some(s.clone()),
                _ => None,
            })
            .filter_map(|s| {
                let body = optimize(&ClosedJaxpr {
                    jaxpr: s.jaxpr.0.clone(),
                    consts: Vec::new(),
                });
                let (j, acc) = hoist(&body.jaxpr, s.num_consts, s.num_carry)?;
                let carries = acc.iter().map(|a| a.carry).collect();
                Some((carries, j.outvars.len(), body.jaxpr.outvars.len()))
            })
            .collect()
    }

    #[test]
    fn the_weight_cotangents_of_a_scanned_cell_leave_the_backward_loop() {
        // Only the backward scan qualifies: its `dW` and `dU` carries each take an outer
        // product per step, and each becomes two stacked factors (one output more per carry).
        let found = hoisted(9, 16);
        assert_eq!(found.len(), 1, "one scan rewritten: {found:?}");
        let (carries, outs, before) = &found[0];
        assert_eq!(carries.len(), 2, "dW and dU: {found:?}");
        assert_eq!(*outs, before + 2);
    }

    #[test]
    fn narrow_outer_products_stay_in_the_loop() {
        // Products with fewer than eight columns go to gemm in the loop, whose bits the summing
        // kernel does not promise; here `dU` has seven and `dW` five.
        assert!(hoisted(5, 7).is_empty());
        // With nine inputs `dW` qualifies, `dU` still does not.
        let found = hoisted(9, 7);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0.len(), 1, "{found:?}");
    }
}
