//! `while[cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts](*cond_consts, *body_consts,
//! *carry)`: `carry = body(carry)` while `cond(carry)` (JAX's `while_p`). Forward mode and
//! batching only: a dynamic trip count cannot be reversed.

use super::{check_aval, or, pick, JaxprRef};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::batch_jaxpr::{batch_jaxpr, batched_aval};
use crate::jaxpr::jvp_jaxpr::jvp_jaxpr;
use crate::jaxpr::partial_eval::partial_eval_jaxpr;
use crate::jaxpr::rewrite::{
    hoist_consts, permute_invars, select_outvars, stage_flat, with_unused_invars,
};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::jaxpr::{eval_jaxpr, Jaxpr};
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::{ReduceKind, ReduceOp};
use crate::prims::rules::{bdim_to_front, instantiate, move_axis};
use crate::prims::select::SelectOp;
use crate::prims::{bind, bind1, describe, LinearArg, PrimitiveRule};
use crate::trace::staging::StagingTrace;

/// The message of JAX's `_while_transpose_error`.
pub const WHILE_TRANSPOSE_ERROR: &str = "Reverse-mode differentiation does not work for \
lax.while_loop or lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using \
fori_loop with static start/stop.";

/// A while loop's programs. `cond_jaxpr` takes `cond_consts ++ carry` and returns a bool
/// scalar; `body_jaxpr` takes `body_consts ++ carry` and returns the next carry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WhileOp {
    /// The loop condition.
    pub cond_jaxpr: JaxprRef,
    /// The loop body.
    pub body_jaxpr: JaxprRef,
    /// How many leading operands are the condition's constants.
    pub cond_nconsts: usize,
    /// How many operands after those are the body's constants.
    pub body_nconsts: usize,
}

impl WhileOp {
    /// A while loop over the given programs.
    pub fn new(cond: Jaxpr, body: Jaxpr, cond_nconsts: usize, body_nconsts: usize) -> WhileOp {
        WhileOp {
            cond_jaxpr: JaxprRef::new(cond),
            body_jaxpr: JaxprRef::new(body),
            cond_nconsts,
            body_nconsts,
        }
    }

    fn split<'a, T>(&self, args: &'a [T]) -> (&'a [T], &'a [T], &'a [T]) {
        let (cc, rest) = args.split_at(self.cond_nconsts);
        let (bc, carry) = rest.split_at(self.body_nconsts);
        (cc, bc, carry)
    }

    /// Linearize's split (see [`super::partial_eval`]): the known carries come from a loop
    /// over the body's known part, run now; the unknown ones from the whole loop, staged
    /// (recomputing the known part). Transposing that staged loop is the error JAX gives.
    pub(crate) fn partial_eval(
        &self,
        trace: &StagingTrace,
        args: &[&Array],
        unknown: &[bool],
    ) -> Vec<Array> {
        let (cc_uk, bc_uk, carry_uk0) = self.split(unknown);
        let n_carry = carry_uk0.len();
        let mut carry_uk = carry_uk0.to_vec();
        let n_bc = self.body_nconsts;
        let pe = loop {
            let uk: Vec<bool> = bc_uk.iter().chain(&carry_uk).copied().collect();
            let pe = partial_eval_jaxpr(
                &self.body_jaxpr,
                &uk,
                &carry_uk,
                &vec![false; n_bc + n_carry],
            );
            if pe.unknown_out == carry_uk {
                break pe;
            }
            carry_uk = or(&carry_uk, &pe.unknown_out);
        };
        let cond_uk: Vec<bool> = cc_uk.iter().chain(&carry_uk).copied().collect();
        let cond_pe = partial_eval_jaxpr(
            &self.cond_jaxpr,
            &cond_uk,
            &[false],
            &vec![false; cond_uk.len()],
        );
        if cond_pe.unknown_out[0] || carry_uk.iter().all(|u| *u) {
            // The trip count itself depends on unknown values (or nothing is known): stage all.
            return trace.stage_eqn(&self.clone().into(), args);
        }
        let mut known_cond = cond_pe.known;
        select_outvars(&mut known_cond, &[true]);
        let mut known_body = pe.known;
        let n_known_carry = carry_uk.iter().filter(|u| !**u).count();
        let keep: Vec<bool> = (0..known_body.outvars.len())
            .map(|i| i < n_known_carry)
            .collect();
        select_outvars(&mut known_body, &keep);
        let (cc, bc, carry) = self.split(args);
        let mut kargs: Vec<&Array> = pick(cc, cc_uk, false);
        kargs.extend(pick(bc, bc_uk, false));
        kargs.extend(pick(carry, &carry_uk, false));
        let known_op = WhileOp::new(
            known_cond,
            known_body,
            cc_uk.iter().filter(|u| !**u).count(),
            bc_uk.iter().filter(|u| !**u).count(),
        );
        let known_outs = bind(known_op, &kargs);
        let staged = trace.stage_eqn(&self.clone().into(), args);
        let mut k = known_outs.into_iter();
        carry_uk
            .iter()
            .zip(staged)
            .map(|(u, s)| {
                if *u {
                    s
                } else {
                    k.next().expect("a known carry")
                }
            })
            .collect()
    }
}

fn reduce_any(x: &Array) -> Array {
    bind1(
        ReduceOp::Reduce {
            kind: ReduceKind::Or,
            axes: (0..x.ndim()).collect(),
        },
        &[x],
    )
}

/// `pred ? new : old` per lane, `pred` being `[lanes]` and the values `[lanes, ...]`.
fn select_lanes(pred: &Array, new: &Array, old: &Array) -> Array {
    let which = if new.ndim() == 1 {
        pred.clone()
    } else {
        bind1(
            LayoutOp::BroadcastInDim {
                shape: new.shape_obj().clone(),
                broadcast_dimensions: [0usize].into_iter().collect(),
            },
            &[pred],
        )
    };
    bind1(SelectOp::SelectN, &[&which, old, new])
}

impl PrimitiveRule for WhileOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        _out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // As JAX: both programs' constants ride in the loop state beside the carry.
        let (nc, nb) = (self.cond_nconsts, self.body_nconsts);
        let state = cx.while_loop(
            args,
            |cx, state| {
                let (cc, rest) = state.split_at(nc);
                let carry = &rest[nb..];
                let ins: Vec<Value> = cc.iter().chain(carry).cloned().collect();
                let mut pred = cx.lower_jaxpr(&self.cond_jaxpr, &[], &ins)?;
                Ok(pred.remove(0))
            },
            |cx, state| {
                let (consts, carry) = state.split_at(nc + nb);
                let ins: Vec<Value> = consts[nc..].iter().chain(carry).cloned().collect();
                let next = cx.lower_jaxpr(&self.body_jaxpr, &[], &ins)?;
                Ok(consts.iter().cloned().chain(next).collect())
            },
        )?;
        Ok(state[nc + nb..].to_vec())
    }

    fn name(&self) -> &'static str {
        "while"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        let n_carry = self.body_jaxpr.outvars.len();
        if args.len() != self.cond_nconsts + self.body_nconsts + n_carry
            || self.cond_jaxpr.invars.len() != self.cond_nconsts + n_carry
            || self.body_jaxpr.invars.len() != self.body_nconsts + n_carry
        {
            panic!(
                "while: operands ({}) do not match cond_nconsts={}, body_nconsts={} and a carry of {n_carry}",
                describe(args),
                self.cond_nconsts,
                self.body_nconsts
            );
        }
        let (cc, bc, carry) = self.split(args);
        let cond_in = self.cond_jaxpr.in_avals();
        for (i, (a, w)) in cc.iter().chain(carry).zip(&cond_in).enumerate() {
            check_aval("while", &format!("operand {i} of cond_jaxpr"), a, w);
        }
        let body_in = self.body_jaxpr.in_avals();
        for (i, (a, w)) in bc.iter().chain(carry).zip(&body_in).enumerate() {
            check_aval("while", &format!("operand {i} of body_jaxpr"), a, w);
        }
        let pred = self.cond_jaxpr.out_avals();
        if pred.len() != 1 || pred[0].dtype != DType::Bool || pred[0].ndim() != 0 {
            panic!(
                "while: cond_jaxpr must return one bool scalar, got {}",
                describe(&pred.iter().collect::<Vec<_>>())
            );
        }
        for (i, (o, c)) in self.body_jaxpr.out_avals().iter().zip(carry).enumerate() {
            check_aval("while", &format!("output {i} of body_jaxpr"), o, c);
        }
        carry.iter().map(|a| (*a).clone()).collect()
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        let (cc, bc, carry) = self.split(args);
        let mut carry: Vec<Array> = carry.iter().map(|a| (*a).clone()).collect();
        loop {
            let cond_args: Vec<&Array> = cc.iter().copied().chain(carry.iter()).collect();
            if !eval_jaxpr(&self.cond_jaxpr, &[], &cond_args)[0].item::<bool>() {
                return carry;
            }
            let body_args: Vec<&Array> = bc.iter().copied().chain(carry.iter()).collect();
            carry = eval_jaxpr(&self.body_jaxpr, &[], &body_args);
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let (cc, bc, carry) = self.split(primals);
        let (_, bc_t, carry_t) = self.split(tangents);
        let bc_nz: Vec<bool> = bc_t.iter().map(Option::is_some).collect();
        let mut carry_nz: Vec<bool> = carry_t.iter().map(Option::is_some).collect();
        let n_carry = carry.len();
        let (closed, _) = loop {
            let nz: Vec<bool> = bc_nz.iter().chain(&carry_nz).copied().collect();
            let (closed, out_nz) = jvp_jaxpr(&self.body_jaxpr, &nz, &carry_nz);
            if out_nz == carry_nz {
                break (closed, out_nz);
            }
            carry_nz = or(&carry_nz, &out_nz);
        };
        // Body inputs from jvp_jaxpr: [hoisted, bc, carry, bc_dot, carry_dot]; the loop wants
        // [hoisted, bc, bc_dot, carry, carry_dot].
        let (mut body, hoisted) = hoist_consts(closed);
        let (nh, nb) = (hoisted.len(), bc.len());
        let nbd = bc_nz.iter().filter(|b| **b).count();
        let ncd = carry_nz.iter().filter(|b| **b).count();
        let order: Vec<usize> = (0..nh + nb)
            .chain(nh + nb + n_carry..nh + nb + n_carry + nbd)
            .chain(nh + nb..nh + nb + n_carry)
            .chain(nh + nb + n_carry + nbd..nh + nb + n_carry + nbd + ncd)
            .collect();
        permute_invars(&mut body, &order);
        let carry_dot_avals: Vec<ShapeDtype> = pick(carry, &carry_nz, true)
            .iter()
            .map(|a| a.aval().clone())
            .collect();
        let cond = with_unused_invars(&self.cond_jaxpr, &[], &carry_dot_avals);
        let mut args: Vec<Array> = cc.iter().map(|a| (*a).clone()).collect();
        args.extend(hoisted);
        args.extend(bc.iter().map(|a| (*a).clone()));
        args.extend(bc_t.iter().flatten().map(|t| (*t).clone()));
        args.extend(carry.iter().map(|a| (*a).clone()));
        for ((t, p), nz) in carry_t.iter().zip(carry).zip(&carry_nz) {
            if *nz {
                args.push(instantiate(*t, p.aval()));
            }
        }
        let refs: Vec<&Array> = args.iter().collect();
        let op = WhileOp::new(cond, body, self.cond_nconsts, nh + nb + nbd);
        let mut outs = bind(op, &refs);
        let mut touts = outs.split_off(n_carry).into_iter();
        let tangents_out = carry_nz
            .iter()
            .map(|nz| if *nz { touts.next() } else { None })
            .collect();
        (outs, tangents_out)
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        panic!("{WHILE_TRANSPOSE_ERROR}")
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let (cc, bc, carry) = self.split(args);
        let (cc_d, bc_d, carry_d) = self.split(dims);
        let cc_b: Vec<bool> = cc_d.iter().map(Option::is_some).collect();
        let bc_b: Vec<bool> = bc_d.iter().map(Option::is_some).collect();
        let mut carry_b: Vec<bool> = carry_d.iter().map(Option::is_some).collect();
        let n_carry = carry.len();
        let fixpoint = |carry_b: &mut Vec<bool>| loop {
            let b: Vec<bool> = bc_b.iter().chain(carry_b.iter()).copied().collect();
            let (closed, out_b) = batch_jaxpr(&self.body_jaxpr, &b, axis_size, carry_b);
            if out_b == *carry_b {
                break closed;
            }
            *carry_b = or(carry_b, &out_b);
        };
        let mut body_b = fixpoint(&mut carry_b);
        let cond_in_b: Vec<bool> = cc_b.iter().chain(&carry_b).copied().collect();
        let (mut cond_b, pred_b) = batch_jaxpr(&self.cond_jaxpr, &cond_in_b, axis_size, &[false]);
        let to_front = |xs: &[&Array], ds: &[Option<usize>]| -> Vec<Array> {
            xs.iter()
                .zip(ds)
                .map(|(x, d)| match d {
                    Some(d) => move_axis(x, *d, 0),
                    None => (*x).clone(),
                })
                .collect()
        };
        let cc_v = to_front(cc, cc_d);
        let bc_v = to_front(bc, bc_d);
        if pred_b[0] {
            // Lanes finish at different steps: every carry is batched, the loop runs while any
            // lane is active, and finished lanes keep their carry (JAX's select trick).
            carry_b = vec![true; n_carry];
            body_b = fixpoint(&mut carry_b);
            let cond_in_b: Vec<bool> = cc_b.iter().chain(&carry_b).copied().collect();
            cond_b = batch_jaxpr(&self.cond_jaxpr, &cond_in_b, axis_size, &[false]).0;
            let cc_avals: Vec<ShapeDtype> = cc_v.iter().map(|a| a.aval().clone()).collect();
            let bc_avals: Vec<ShapeDtype> = bc_v.iter().map(|a| a.aval().clone()).collect();
            let carry_avals: Vec<ShapeDtype> = carry
                .iter()
                .zip(carry_d)
                .map(|(c, d)| match d {
                    Some(d) => move_axis_aval(c.aval(), *d),
                    None => batched_aval(c.aval(), axis_size),
                })
                .collect();
            let n_cc = cc_avals.len();
            let new_cond = stage_flat(&[cc_avals.clone(), carry_avals.clone()].concat(), |ins| {
                let refs: Vec<&Array> = ins.iter().collect();
                vec![reduce_any(&cond_b.call(&refs)[0])]
            });
            let n_bc = bc_avals.len();
            let new_body = stage_flat(&[cc_avals, bc_avals, carry_avals].concat(), |ins| {
                let (cc_in, rest) = ins.split_at(n_cc);
                let (bc_in, carry_in) = rest.split_at(n_bc);
                let cond_args: Vec<&Array> = cc_in.iter().chain(carry_in).collect();
                let pred = cond_b.call(&cond_args).remove(0);
                let body_args: Vec<&Array> = bc_in.iter().chain(carry_in).collect();
                let new = body_b.call(&body_args);
                new.iter()
                    .zip(carry_in)
                    .map(|(n, o)| select_lanes(&pred, n, o))
                    .collect()
            });
            let (cond_j, cond_consts) = hoist_consts(new_cond);
            let (body_j, body_consts) = hoist_consts(new_body);
            let carry_v: Vec<Array> = carry
                .iter()
                .zip(carry_d)
                .map(|(c, d)| bdim_to_front(c, *d, axis_size))
                .collect();
            let mut ops: Vec<&Array> = cond_consts.iter().chain(&cc_v).collect();
            ops.extend(body_consts.iter().chain(&cc_v).chain(&bc_v).chain(&carry_v));
            let op = WhileOp::new(
                cond_j,
                body_j,
                cond_consts.len() + n_cc,
                body_consts.len() + n_cc + n_bc,
            );
            return (bind(op, &ops), vec![Some(0); n_carry]);
        }
        let (cond_j, cond_consts) = hoist_consts(cond_b);
        let (body_j, body_consts) = hoist_consts(body_b);
        let carry_v: Vec<Array> = carry
            .iter()
            .zip(carry_d)
            .zip(&carry_b)
            .map(|((c, d), b)| {
                if *b {
                    bdim_to_front(c, *d, axis_size)
                } else {
                    (*c).clone()
                }
            })
            .collect();
        let mut ops: Vec<&Array> = cond_consts.iter().chain(&cc_v).collect();
        ops.extend(body_consts.iter().chain(&bc_v).chain(&carry_v));
        let op = WhileOp::new(
            cond_j,
            body_j,
            cond_consts.len() + cc_v.len(),
            body_consts.len() + bc_v.len(),
        );
        (
            bind(op, &ops),
            carry_b.iter().map(|b| b.then_some(0)).collect(),
        )
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("body_jaxpr", format!("{:#}", *self.body_jaxpr.0)),
            ("body_nconsts", self.body_nconsts.to_string()),
            ("cond_jaxpr", format!("{:#}", *self.cond_jaxpr.0)),
            ("cond_nconsts", self.cond_nconsts.to_string()),
        ]
    }
}

/// The aval of a value with its batch axis `d` moved to the front.
fn move_axis_aval(a: &ShapeDtype, d: usize) -> ShapeDtype {
    let mut shape = a.shape.to_vec();
    let n = shape.remove(d);
    shape.insert(0, n);
    ShapeDtype {
        shape: shape.into(),
        dtype: a.dtype,
        weak_type: a.weak_type,
    }
}
