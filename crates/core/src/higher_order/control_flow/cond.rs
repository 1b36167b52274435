//! `cond[branches=(...)](index, *operands)`: runs `branches[index]` on the operands (JAX's
//! `cond_p`; `lax.cond` orders its branches `(false, true)`).

use super::{check_aval, or, pick, JaxprRef};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::batch_jaxpr::{batch_call, batch_jaxpr};
use crate::jaxpr::jvp_jaxpr::jvp_jaxpr;
use crate::jaxpr::partial_eval::partial_eval_jaxpr;
use crate::jaxpr::rewrite::{common_consts, select_outvars, stage_flat};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};
use crate::jaxpr::transpose::backward_pass_with_known;
use crate::jaxpr::{eval_jaxpr, ClosedJaxpr, Jaxpr};
use crate::prims::higher_order_rule::EqnSplit;
use crate::prims::layout::LayoutOp;
use crate::prims::rules::{bdim_to_front, instantiate, move_axis, zeros};
use crate::prims::select::SelectOp;
use crate::prims::{bind, bind1, describe, LinearArg, Primitive, PrimitiveRule};
use crate::trace::staging::StagingTrace;

/// The branches of a `cond`; each takes all the operands (after the index) and they all have
/// the same output types.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CondOp {
    /// The branch programs, selected by the index operand.
    pub branches: Vec<JaxprRef>,
}

impl CondOp {
    /// A `cond` over the given branches.
    pub fn new(branches: Vec<Jaxpr>) -> CondOp {
        CondOp {
            branches: branches.into_iter().map(JaxprRef::new).collect(),
        }
    }

    fn num_outs(&self) -> usize {
        self.branches[0].outvars.len()
    }

    /// Binds a `cond` over `closed` branches (whose constants are joined and passed first).
    fn bind_closed(index: &Array, closed: Vec<ClosedJaxpr>, ops: &[Array]) -> Vec<Array> {
        let (branches, consts) = common_consts(closed);
        let mut args: Vec<&Array> = vec![index];
        args.extend(consts.iter());
        args.extend(ops.iter());
        bind(CondOp::new(branches), &args)
    }

    /// Splits a `cond` whose operands are partly unknown (`ops_unknown`, the index known)
    /// into a `cond` over the branches' known parts, computing the outputs no unknown operand
    /// reaches from the known operands, and a `cond` over the full branches restricted to the
    /// other outputs, taking every operand: it recomputes the primal work from the known
    /// operands, so no residuals have to agree across branches, and its transpose reruns that
    /// work in the backward pass's forward sweep.
    pub(crate) fn split(&self, ops_unknown: &[bool]) -> EqnSplit {
        let n_out = self.num_outs();
        let no_forward = vec![false; ops_unknown.len()];
        let mut unknown_out = vec![false; n_out];
        for b in &self.branches {
            let pe = partial_eval_jaxpr(b, ops_unknown, &vec![false; n_out], &no_forward);
            unknown_out = or(&unknown_out, &pe.unknown_out);
        }
        let n_known = n_out - count(&unknown_out);
        let known = (n_known > 0).then(|| {
            let branches = self
                .branches
                .iter()
                .map(|b| {
                    let mut pe = partial_eval_jaxpr(b, ops_unknown, &unknown_out, &no_forward);
                    let keep: Vec<bool> =
                        (0..pe.known.outvars.len()).map(|i| i < n_known).collect();
                    select_outvars(&mut pe.known, &keep);
                    pe.known
                })
                .collect();
            CondOp::new(branches)
        });
        let unknown = (n_known < n_out).then(|| {
            let branches = self
                .branches
                .iter()
                .map(|b| {
                    let mut j = (**b).clone();
                    select_outvars(&mut j, &unknown_out);
                    j
                })
                .collect();
            CondOp::new(branches)
        });
        EqnSplit {
            unknown_out,
            known: known.map(Primitive::from),
            unknown: unknown.map(Primitive::from),
        }
    }

    /// Linearize's split (see `HigherOrderRule::partial_eval` and [`CondOp::split`]): the known
    /// `cond` runs now, the unknown one is staged.
    pub(crate) fn partial_eval(
        &self,
        trace: &StagingTrace,
        args: &[&Array],
        unknown: &[bool],
    ) -> Vec<Array> {
        if unknown[0] {
            return trace.stage_eqn(&self.clone().into(), args);
        }
        let ops_unknown = &unknown[1..];
        let split = self.split(ops_unknown);
        let known_outs: Vec<Array> = match split.known {
            Some(op) => {
                let mut kargs: Vec<&Array> = vec![args[0]];
                kargs.extend(pick(&args[1..], ops_unknown, false));
                bind(op, &kargs)
            }
            None => Vec::new(),
        };
        let staged = match split.unknown {
            Some(op) => trace.stage_eqn(&op, args),
            None => Vec::new(),
        };
        let (mut k, mut u) = (known_outs.into_iter(), staged.into_iter());
        split
            .unknown_out
            .iter()
            .map(|uo| if *uo { u.next() } else { k.next() }.expect("one output per flag"))
            .collect()
    }
}

fn count(v: &[bool]) -> usize {
    v.iter().filter(|b| **b).count()
}

impl PrimitiveRule for CondOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // The index is clamped into range, as the CPU executor does (`stablehlo.case` would
        // run the last branch for a negative one). Branches capture the operands from above.
        let index = &args[0];
        let i32_scalar = ShapeDtype::new(Vec::<usize>::new(), DType::I32);
        let lo = cx.int_scalar(DType::I32, 0);
        let hi = cx.int_scalar(DType::I32, self.branches.len() as i128 - 1);
        let index = cx.op("stablehlo.clamp", &[&lo, index, &hi], "", &i32_scalar);
        let regions = self
            .branches
            .iter()
            .map(|b| cx.region(&[], |cx, _| cx.lower_jaxpr(b, &[], &args[1..])))
            .collect::<Result<Vec<_>, _>>()?;
        let results: Vec<ShapeDtype> = out
            .iter()
            .map(|a| ShapeDtype::new(a.shape.clone(), a.dtype))
            .collect();
        Ok(cx.op_with_regions("stablehlo.case", &[&index], &regions, "", &results))
    }

    fn name(&self) -> &'static str {
        "cond"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        if self.branches.is_empty() {
            panic!("cond: requires at least one branch");
        }
        if args.is_empty() || args[0].dtype != DType::I32 || args[0].ndim() != 0 {
            panic!(
                "cond: the first operand must be an int32 scalar index, got {}",
                describe(args)
            );
        }
        let ops = &args[1..];
        let first = &self.branches[0];
        for (bi, b) in self.branches.iter().enumerate() {
            if b.invars.len() != ops.len() {
                panic!(
                    "cond: branch {bi} takes {} operands but {} were given ({})",
                    b.invars.len(),
                    ops.len(),
                    describe(ops)
                );
            }
            for (i, (op, want)) in ops.iter().zip(b.in_avals()).enumerate() {
                check_aval("cond", &format!("operand {i} of branch {bi}"), op, &want);
            }
            if b.outvars.len() != first.outvars.len() {
                panic!("cond: branches 0 and {bi} have different numbers of outputs");
            }
            for (i, (o, o0)) in b.out_avals().iter().zip(first.out_avals()).enumerate() {
                if o.shape != o0.shape || o.dtype != o0.dtype {
                    panic!(
                        "cond: output {i} of branch {bi} is {o} but output {i} of branch 0 is {o0}"
                    );
                }
            }
        }
        let mut outs = first.out_avals();
        for b in &self.branches[1..] {
            for (o, bo) in outs.iter_mut().zip(b.out_avals()) {
                o.weak_type &= bo.weak_type;
            }
        }
        outs
    }

    fn eval(&self, args: &[&Array], _out: &[ShapeDtype]) -> Vec<Array> {
        let last = self.branches.len() as i32 - 1;
        let index = args[0].item::<i32>().clamp(0, last) as usize;
        eval_jaxpr(&self.branches[index], &[], &args[1..])
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let nonzero: Vec<bool> = tangents[1..].iter().map(Option::is_some).collect();
        let n_out = self.num_outs();
        let mut nonzero_out = vec![false; n_out];
        for b in &self.branches {
            let (_, nz) = jvp_jaxpr(b, &nonzero, &vec![false; n_out]);
            nonzero_out = or(&nonzero_out, &nz);
        }
        let closed: Vec<ClosedJaxpr> = self
            .branches
            .iter()
            .map(|b| jvp_jaxpr(b, &nonzero, &nonzero_out).0)
            .collect();
        let mut ops: Vec<Array> = primals[1..].iter().map(|a| (*a).clone()).collect();
        ops.extend(tangents[1..].iter().flatten().map(|t| (*t).clone()));
        let mut outs = CondOp::bind_closed(primals[0], closed, &ops);
        let touts = outs.split_off(n_out);
        let mut touts = touts.into_iter();
        let tangents_out = nonzero_out
            .iter()
            .map(|nz| if *nz { touts.next() } else { None })
            .collect();
        (outs, tangents_out)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let index = args[0].known("cond");
        let ops = &args[1..];
        let linear: Vec<bool> = ops.iter().map(LinearArg::is_linear).collect();
        let residuals: Vec<Array> = ops
            .iter()
            .filter(|a| !a.is_linear())
            .map(|a| a.known("cond").clone())
            .collect();
        let out_avals = self.branches[0].out_avals();
        let cts: Vec<Array> = cts
            .iter()
            .zip(&out_avals)
            .map(|(c, a)| instantiate(*c, a))
            .collect();
        let mut in_avals: Vec<ShapeDtype> = residuals.iter().map(|r| r.aval().clone()).collect();
        in_avals.extend(out_avals.iter().cloned());
        let lin_avals: Vec<ShapeDtype> = ops
            .iter()
            .filter(|a| a.is_linear())
            .map(|a| a.aval().clone())
            .collect();
        let nres = residuals.len();
        let closed: Vec<ClosedJaxpr> = self
            .branches
            .iter()
            .map(|b| {
                stage_flat(&in_avals, |ins| {
                    let mut res = ins[..nres].iter();
                    let known: Vec<Option<&Array>> = linear
                        .iter()
                        .map(|l| if *l { None } else { res.next() })
                        .collect();
                    let cts_out: Vec<Option<Array>> =
                        ins[nres..].iter().cloned().map(Some).collect();
                    let cts_in = backward_pass_with_known(b, &[], &known, &cts_out);
                    pick(&cts_in, &linear, true)
                        .into_iter()
                        .zip(&lin_avals)
                        .map(|(c, a)| c.unwrap_or_else(|| zeros(a)))
                        .collect()
                })
            })
            .collect();
        let mut operands = residuals;
        operands.extend(cts);
        let mut outs = CondOp::bind_closed(index, closed, &operands).into_iter();
        let mut result = vec![None];
        result.extend(linear.iter().map(|l| if *l { outs.next() } else { None }));
        result
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let n_out = self.num_outs();
        if dims[0].is_some() {
            // A per-lane index: every branch runs on every lane and select_n picks (JAX's
            // conversion of a batched cond into a select).
            let index = bdim_to_front(args[0], dims[0], axis_size);
            let ops: Vec<Array> = args[1..]
                .iter()
                .zip(&dims[1..])
                .map(|(a, d)| bdim_to_front(a, *d, axis_size))
                .collect();
            let refs: Vec<&Array> = ops.iter().collect();
            let all = vec![Some(0); ops.len()];
            let branch_outs: Vec<Vec<Array>> = self
                .branches
                .iter()
                .map(|b| {
                    let (outs, odims) = batch_call(b, &refs, &all, axis_size);
                    outs.iter()
                        .zip(odims)
                        .map(|(o, d)| bdim_to_front(o, d, axis_size))
                        .collect()
                })
                .collect();
            let outs = (0..n_out)
                .map(|k| {
                    let cases: Vec<&Array> = branch_outs.iter().map(|o| &o[k]).collect();
                    if cases.len() == 1 {
                        return cases[0].clone();
                    }
                    let which = if cases[0].ndim() == 1 {
                        index.clone()
                    } else {
                        bind1(
                            LayoutOp::BroadcastInDim {
                                shape: cases[0].shape_obj().clone(),
                                broadcast_dimensions: [0usize].into_iter().collect(),
                            },
                            &[&index],
                        )
                    };
                    let mut sargs = vec![&which];
                    sargs.extend(cases);
                    bind1(SelectOp::SelectN, &sargs)
                })
                .collect();
            return (outs, vec![Some(0); n_out]);
        }
        let batched: Vec<bool> = dims[1..].iter().map(Option::is_some).collect();
        let mut batched_out = vec![false; n_out];
        for b in &self.branches {
            let (_, bo) = batch_jaxpr(b, &batched, axis_size, &vec![false; n_out]);
            batched_out = or(&batched_out, &bo);
        }
        let closed: Vec<ClosedJaxpr> = self
            .branches
            .iter()
            .map(|b| batch_jaxpr(b, &batched, axis_size, &batched_out).0)
            .collect();
        let ops: Vec<Array> = args[1..]
            .iter()
            .zip(&dims[1..])
            .map(|(a, d)| match d {
                Some(d) => move_axis(a, *d, 0),
                None => (*a).clone(),
            })
            .collect();
        let outs = CondOp::bind_closed(args[0], closed, &ops);
        (outs, batched_out.iter().map(|b| b.then_some(0)).collect())
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let branches: Vec<String> = self
            .branches
            .iter()
            .map(|b| format!("  {}", format!("{:#}", *b.0).replace('\n', "\n  ")))
            .collect();
        vec![("branches", format!("(\n{}\n)", branches.join("\n")))]
    }
}
