//! `scan[jaxpr, length, reverse, linear, unroll, num_consts, num_carry](*consts, *init, *xs)`
//! returns `(*final_carry, *ys)` (JAX's `scan_p`). The body takes `consts ++ carry ++ x` (one
//! slice of each `xs` along axis 0) and returns `carry ++ y`; the `ys` are stacked along a new
//! axis 0. With `reverse`, iterations run from the last slice to the first (each `y` still lands
//! at its slice's index).

use super::{check_aval, or, pick, JaxprRef};
use crate::array::{Array, DType, ShapeDtype};
use crate::jaxpr::batch_jaxpr::batch_jaxpr;
use crate::jaxpr::jvp_jaxpr::jvp_jaxpr;
use crate::jaxpr::partial_eval::{partial_eval_jaxpr, Residual};
use crate::jaxpr::rewrite::{hoist_consts, permute_invars, permute_outvars, stage_flat};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
use crate::jaxpr::transpose::backward_pass_with_known;
use crate::jaxpr::{eval_jaxpr, Jaxpr};
use crate::prims::rules::{bdim_to_front, instantiate, move_axis, zeros};
use crate::prims::rules::{py_tuple, python_bools};
use crate::prims::{bind, describe, LinearArg, PrimitiveRule};
use crate::trace::staging::StagingTrace;
use crate::with_dtype;

/// A scan's body and static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScanOp {
    /// The body: `consts ++ carry ++ x -> carry ++ y`.
    pub jaxpr: JaxprRef,
    /// The number of iterations (the leading axis of every `xs` and `ys`).
    pub length: usize,
    /// Iterate from the last slice to the first.
    pub reverse: bool,
    /// Per operand: whether the scan is linear in it (set on tangent operands by JVP, used
    /// by the transpose to tell tangents from residuals).
    pub linear: Vec<bool>,
    /// How many iterations a compiled loop would unroll (no effect on results).
    pub unroll: usize,
    /// How many leading operands are loop-invariant constants.
    pub num_consts: usize,
    /// How many operands after the constants are the initial carry.
    pub num_carry: usize,
}

/// A `[length, ...]` aval from a per-iteration one.
pub(crate) fn stacked(a: &ShapeDtype, length: usize) -> ShapeDtype {
    let mut shape = vec![length];
    shape.extend_from_slice(&a.shape);
    ShapeDtype {
        shape: shape.into(),
        dtype: a.dtype,
        weak_type: a.weak_type,
    }
}

/// The per-iteration aval of a `[length, ...]` one.
fn unstacked(a: &ShapeDtype) -> ShapeDtype {
    ShapeDtype {
        shape: a.shape[1..].to_vec().into(),
        dtype: a.dtype,
        weak_type: a.weak_type,
    }
}

/// Slice `i` along axis 0 of a concrete array.
fn slice_concrete(x: &Array, i: usize) -> Array {
    let inner: usize = x.shape()[1..].iter().product();
    with_dtype!(x.dtype(), T => {
        let data = x.as_slice::<T>()[i * inner..(i + 1) * inner].to_vec();
        Array::from_vec(data, &x.shape()[1..]).with_weak_type(x.weak_type())
    })
}

/// Stacks concrete per-iteration values along a new axis 0.
fn stack_concrete(parts: &[Array], aval: &ShapeDtype) -> Array {
    with_dtype!(aval.dtype, T => {
        let mut data: Vec<T> = Vec::with_capacity(aval.size());
        for p in parts {
            data.extend_from_slice(p.as_slice::<T>());
        }
        Array::from_vec(data, aval.shape.clone()).with_weak_type(aval.weak_type)
    })
}

impl ScanOp {
    fn num_ys(&self) -> usize {
        self.jaxpr.outvars.len() - self.num_carry
    }

    fn split<'a, T>(&self, args: &'a [T]) -> (&'a [T], &'a [T], &'a [T]) {
        let (consts, rest) = args.split_at(self.num_consts);
        let (carry, xs) = rest.split_at(self.num_carry);
        (consts, carry, xs)
    }

    fn with_body(
        &self,
        jaxpr: Jaxpr,
        linear: Vec<bool>,
        num_consts: usize,
        num_carry: usize,
    ) -> ScanOp {
        ScanOp {
            jaxpr: JaxprRef::new(jaxpr),
            length: self.length,
            reverse: self.reverse,
            linear,
            unroll: self.unroll,
            num_consts,
            num_carry,
        }
    }

    /// Linearize's split (JAX's `_scan_partial_eval`): the known scan runs now and also emits,
    /// as extra stacked outputs, the residuals the unknown part needs at each iteration; the
    /// unknown scan is staged and consumes them as extra `xs`. Residuals that are constants or
    /// `xs` of the original scan are passed through as they are rather than stacked.
    pub(crate) fn partial_eval(
        &self,
        trace: &StagingTrace,
        args: &[&Array],
        unknown: &[bool],
    ) -> Vec<Array> {
        let (nc, ncar) = (self.num_consts, self.num_carry);
        let n_in = args.len();
        let ny = self.num_ys();
        let (c_uk, carry_uk0, x_uk) = self.split(unknown);
        let mut carry_uk = carry_uk0.to_vec();
        let forward: Vec<bool> = (0..n_in).map(|i| i < nc || i >= nc + ncar).collect();
        let pe = loop {
            let uk: Vec<bool> = c_uk.iter().chain(&carry_uk).chain(x_uk).copied().collect();
            let inst: Vec<bool> = carry_uk.iter().copied().chain(vec![false; ny]).collect();
            let pe = partial_eval_jaxpr(&self.jaxpr, &uk, &inst, &forward);
            if pe.unknown_out[..ncar] == carry_uk[..] {
                break pe;
            }
            carry_uk = or(&carry_uk, &pe.unknown_out[..ncar]);
        };
        let uk: Vec<bool> = c_uk.iter().chain(&carry_uk).chain(x_uk).copied().collect();
        let count = |v: &[bool], w: bool| v.iter().filter(|b| **b == w).count();

        // The known scan: known consts, carries and xs; outputs known carries, known ys, then
        // the computed residuals stacked.
        let (kc, kcar) = (count(c_uk, false), count(&carry_uk, false));
        let known_linear = pick(&self.linear, &uk, false);
        let known_op = self.with_body(pe.known.clone(), known_linear, kc, kcar);
        let kargs = pick(args, &uk, false);
        let n_known_out = pe.known.outvars.len() - pe.num_computed();
        let mut known_outs = if kargs.is_empty() && pe.known.outvars.is_empty() {
            Vec::new()
        } else {
            bind(known_op, &kargs)
        };
        let computed_res = known_outs.split_off(n_known_out);

        // The unknown scan: inputs of the unknown body are [unknown consts, carries, xs] then
        // residuals; reorder to consts (with forwarded-const residuals), carries, xs (with
        // forwarded-xs residuals, then computed ones).
        let (uc, ucar, ux) = (count(c_uk, true), count(&carry_uk, true), count(x_uk, true));
        let n_unknown_in = uc + ucar + ux;
        let mut res_const = Vec::new();
        let mut res_x = Vec::new();
        let mut res_computed = Vec::new();
        for (r, kind) in pe.residuals.iter().enumerate() {
            match kind {
                Residual::Input(k) if *k < nc => res_const.push((n_unknown_in + r, *k)),
                Residual::Input(k) => res_x.push((n_unknown_in + r, *k)),
                Residual::Computed => res_computed.push(n_unknown_in + r),
            }
        }
        let order: Vec<usize> = (0..uc)
            .chain(res_const.iter().map(|(p, _)| *p))
            .chain(uc..n_unknown_in)
            .chain(res_x.iter().map(|(p, _)| *p))
            .chain(res_computed.iter().copied())
            .collect();
        let mut unknown_body = pe.unknown.clone();
        permute_invars(&mut unknown_body, &order);
        let (c_args, carry_args, x_args) = self.split(args);
        let mut uargs: Vec<&Array> = pick(c_args, c_uk, true);
        uargs.extend(res_const.iter().map(|(_, k)| args[*k]));
        uargs.extend(pick(carry_args, &carry_uk, true));
        uargs.extend(pick(x_args, x_uk, true));
        uargs.extend(res_x.iter().map(|(_, k)| args[*k]));
        uargs.extend(computed_res.iter());
        let n_res = res_const.len() + res_x.len() + res_computed.len();
        let mut linear = vec![true; uc];
        linear.extend(vec![false; res_const.len()]);
        linear.extend(vec![true; ucar + ux]);
        linear.extend(vec![false; res_x.len() + res_computed.len()]);
        debug_assert_eq!(uargs.len(), n_unknown_in + n_res);
        let unknown_op = self.with_body(unknown_body, linear, uc + res_const.len(), ucar);
        let staged = trace.stage_eqn(&unknown_op.into(), &uargs);

        let unknown_out: Vec<bool> = carry_uk
            .iter()
            .chain(&pe.unknown_out[ncar..])
            .copied()
            .collect();
        let (mut k, mut u) = (known_outs.into_iter(), staged.into_iter());
        unknown_out
            .iter()
            .map(|uo| if *uo { u.next() } else { k.next() }.expect("one output per flag"))
            .collect()
    }
}

impl PrimitiveRule for ScanOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // As JAX: a while loop over (i, consts, carry, xs, ys), slicing step i of each x and
        // writing step i of each y in place.
        let (nc, nk) = (self.num_consts, self.num_carry);
        let nx = args.len() - nc - nk;
        let ys_avals: Vec<ShapeDtype> = out[nk..]
            .iter()
            .map(|a| ShapeDtype::new(a.shape.clone(), a.dtype))
            .collect();
        let i32_scalar = ShapeDtype::new(Vec::<usize>::new(), DType::I32);
        let mut init = vec![cx.int_scalar(DType::I32, 0)];
        init.extend(args.iter().cloned());
        for y in &ys_avals {
            let zero = cx.scalar(y.dtype, 0.0);
            init.push(cx.op(
                "stablehlo.broadcast_in_dim",
                &[&zero],
                "broadcast_dimensions = array<i64>",
                y,
            ));
        }
        let length = self.length as i128;
        let reverse = self.reverse;
        let state = cx.while_loop(
            &init,
            |cx, state| {
                let n = cx.int_scalar(DType::I32, length);
                Ok(cx.op(
                    "stablehlo.compare",
                    &[&state[0], &n],
                    "comparison_direction = #stablehlo<comparison_direction LT>, \
                     compare_type = #stablehlo<comparison_type SIGNED>",
                    &ShapeDtype::new(Vec::<usize>::new(), DType::Bool),
                ))
            },
            |cx, state| {
                let i = &state[0];
                let consts = &state[1..1 + nc];
                let carry = &state[1 + nc..1 + nc + nk];
                let xs = &state[1 + nc + nk..1 + nc + nk + nx];
                let ys = &state[1 + nc + nk + nx..];
                let step = if reverse {
                    let last = cx.int_scalar(DType::I32, length - 1);
                    cx.op("stablehlo.subtract", &[&last, i], "", &i32_scalar)
                } else {
                    i.clone()
                };
                let zero = cx.int_scalar(DType::I32, 0);
                let x_step: Vec<Value> = xs
                    .iter()
                    .map(|x| {
                        let mut sizes = vec![1i64];
                        sizes.extend(x.aval.shape[1..].iter().map(|&d| d as i64));
                        let mut starts: Vec<&Value> = vec![x, &step];
                        starts.extend(std::iter::repeat_n(&zero, x.aval.shape.ndim() - 1));
                        let mut one = x.aval.clone();
                        one.shape.0[0] = 1;
                        let sliced = cx.op(
                            "stablehlo.dynamic_slice",
                            &starts,
                            &format!("slice_sizes = {}", i64_array(sizes)),
                            &one,
                        );
                        cx.op(
                            "stablehlo.reshape",
                            &[&sliced],
                            "",
                            &ShapeDtype::new(x.aval.shape[1..].to_vec(), x.aval.dtype),
                        )
                    })
                    .collect();
                let ins: Vec<Value> = consts.iter().chain(carry).chain(&x_step).cloned().collect();
                let mut outs = cx.lower_jaxpr(&self.jaxpr, &[], &ins)?;
                let y_step = outs.split_off(nk);
                let new_ys: Vec<Value> = ys
                    .iter()
                    .zip(&y_step)
                    .map(|(buf, y)| {
                        let mut one = buf.aval.clone();
                        one.shape.0[0] = 1;
                        let y1 = cx.op("stablehlo.reshape", &[y], "", &one);
                        let mut ops: Vec<&Value> = vec![buf, &y1, &step];
                        ops.extend(std::iter::repeat_n(&zero, buf.aval.shape.ndim() - 1));
                        cx.op("stablehlo.dynamic_update_slice", &ops, "", &buf.aval)
                    })
                    .collect();
                let one = cx.int_scalar(DType::I32, 1);
                let next_i = cx.op("stablehlo.add", &[i, &one], "", &i32_scalar);
                Ok(std::iter::once(next_i)
                    .chain(consts.iter().cloned())
                    .chain(outs)
                    .chain(xs.iter().cloned())
                    .chain(new_ys)
                    .collect())
            },
        )?;
        let carry = &state[1 + nc..1 + nc + nk];
        let ys = &state[1 + nc + nk + nx..];
        Ok(carry.iter().chain(ys).cloned().collect())
    }

    fn name(&self) -> &'static str {
        "scan"
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        let body_in = self.jaxpr.in_avals();
        if args.len() != body_in.len()
            || self.num_consts + self.num_carry > args.len()
            || self.jaxpr.outvars.len() < self.num_carry
            || self.linear.len() != args.len()
        {
            panic!(
                "scan: operands ({}) do not match a body of {} inputs and {} outputs with num_consts={}, num_carry={}, {} linear flags",
                describe(args),
                body_in.len(),
                self.jaxpr.outvars.len(),
                self.num_consts,
                self.num_carry,
                self.linear.len()
            );
        }
        let (consts, carry, xs) = self.split(args);
        for (i, (a, w)) in consts.iter().chain(carry).zip(&body_in).enumerate() {
            check_aval("scan", &format!("operand {i}"), a, w);
        }
        let nx0 = self.num_consts + self.num_carry;
        for (i, (a, w)) in xs.iter().zip(&body_in[nx0..]).enumerate() {
            if a.ndim() == 0 || a.shape[0] != self.length {
                panic!(
                    "scan: xs operand {i} is {a} but a leading axis of length {} is expected",
                    self.length
                );
            }
            check_aval(
                "scan",
                &format!("slice of xs operand {i}"),
                &unstacked(a),
                w,
            );
        }
        let outs = self.jaxpr.out_avals();
        for (i, (o, c)) in outs.iter().zip(carry).enumerate() {
            if o.shape != c.shape || o.dtype != c.dtype {
                panic!("scan: carry output {i} of the body is {o} but the carry input is {c}");
            }
        }
        carry
            .iter()
            .map(|c| (*c).clone())
            .chain(
                outs[self.num_carry..]
                    .iter()
                    .map(|y| stacked(y, self.length)),
            )
            .collect()
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let (consts, carry, xs) = self.split(args);
        let mut carry: Vec<Array> = carry.iter().map(|a| (*a).clone()).collect();
        let ny = self.num_ys();
        let mut ys: Vec<Vec<Array>> = vec![Vec::with_capacity(self.length); ny];
        for step in 0..self.length {
            let i = if self.reverse {
                self.length - 1 - step
            } else {
                step
            };
            let x_i: Vec<Array> = xs.iter().map(|x| slice_concrete(x, i)).collect();
            let body_args: Vec<&Array> = consts
                .iter()
                .copied()
                .chain(carry.iter())
                .chain(x_i.iter())
                .collect();
            let mut outs = eval_jaxpr(&self.jaxpr, &[], &body_args);
            let y = outs.split_off(self.num_carry);
            carry = outs;
            for (acc, v) in ys.iter_mut().zip(y) {
                acc.push(v);
            }
        }
        if self.reverse {
            ys.iter_mut().for_each(|v| v.reverse());
        }
        let stacked_ys = ys
            .iter()
            .zip(&out[self.num_carry..])
            .map(|(parts, aval)| stack_concrete(parts, aval));
        carry.into_iter().chain(stacked_ys).collect()
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let (consts, carry, xs) = self.split(primals);
        let (c_t, carry_t, x_t) = self.split(tangents);
        let (nc, ncar, nx, ny) = (consts.len(), carry.len(), xs.len(), self.num_ys());
        let c_nz: Vec<bool> = c_t.iter().map(Option::is_some).collect();
        let x_nz: Vec<bool> = x_t.iter().map(Option::is_some).collect();
        let mut carry_nz: Vec<bool> = carry_t.iter().map(Option::is_some).collect();
        let (closed, out_nz) = loop {
            let nz: Vec<bool> = c_nz.iter().chain(&carry_nz).chain(&x_nz).copied().collect();
            let inst: Vec<bool> = carry_nz.iter().copied().chain(vec![false; ny]).collect();
            let (closed, out_nz) = jvp_jaxpr(&self.jaxpr, &nz, &inst);
            if out_nz[..ncar] == carry_nz[..] {
                break (closed, out_nz);
            }
            carry_nz = or(&carry_nz, &out_nz[..ncar]);
        };
        let y_nz = &out_nz[ncar..];
        let count = |v: &[bool]| v.iter().filter(|b| **b).count();
        let (ncd, ncard, nxd, nyd) = (count(&c_nz), count(&carry_nz), count(&x_nz), count(y_nz));
        // jvp_jaxpr's layout [hoisted, consts, carry, xs, consts_dot, carry_dot, xs_dot] ->
        // [hoisted, consts, consts_dot, carry, carry_dot, xs, xs_dot]; outputs
        // [carry, ys, carry_dot, ys_dot] -> [carry, carry_dot, ys, ys_dot].
        let (mut body, hoisted) = hoist_consts(closed);
        let nh = hoisted.len();
        let p = nh + nc + ncar + nx;
        let order: Vec<usize> = (0..nh + nc)
            .chain(p..p + ncd)
            .chain(nh + nc..nh + nc + ncar)
            .chain(p + ncd..p + ncd + ncard)
            .chain(nh + nc + ncar..p)
            .chain(p + ncd + ncard..p + ncd + ncard + nxd)
            .collect();
        permute_invars(&mut body, &order);
        let out_order: Vec<usize> = (0..ncar)
            .chain(ncar + ny..ncar + ny + ncard)
            .chain(ncar..ncar + ny)
            .chain(ncar + ny + ncard..ncar + ny + ncard + nyd)
            .collect();
        permute_outvars(&mut body, &out_order);
        let (lc, lcar, lx) = self.split(&self.linear);
        let mut linear = vec![false; nh];
        linear.extend(lc);
        linear.extend(vec![true; ncd]);
        linear.extend(lcar);
        linear.extend(vec![true; ncard]);
        linear.extend(lx);
        linear.extend(vec![true; nxd]);
        let carry_dot: Vec<Array> = carry_t
            .iter()
            .zip(carry)
            .zip(&carry_nz)
            .filter(|(_, nz)| **nz)
            .map(|((t, p), _)| instantiate(*t, p.aval()))
            .collect();
        let mut args: Vec<&Array> = hoisted.iter().collect();
        args.extend(consts.iter().copied());
        args.extend(c_t.iter().flatten().copied());
        args.extend(carry.iter().copied());
        args.extend(carry_dot.iter());
        args.extend(xs.iter().copied());
        args.extend(x_t.iter().flatten().copied());
        let op = self.with_body(body, linear, nh + nc + ncd, ncar + ncard);
        let outs = bind(op, &args);
        let mut it = outs.into_iter();
        let carry_out: Vec<Array> = it.by_ref().take(ncar).collect();
        let mut carry_dot_out = it.by_ref().take(ncard).collect::<Vec<_>>().into_iter();
        let ys: Vec<Array> = it.by_ref().take(ny).collect();
        let mut ys_dot = it.collect::<Vec<_>>().into_iter();
        let mut primals_out = carry_out;
        primals_out.extend(ys);
        let tangents_out = carry_nz
            .iter()
            .map(|nz| if *nz { carry_dot_out.next() } else { None })
            .chain(y_nz.iter().map(|nz| if *nz { ys_dot.next() } else { None }))
            .collect();
        (primals_out, tangents_out)
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        let (nc, ncar) = (self.num_consts, self.num_carry);
        let ny = self.num_ys();
        // An operand is a residual when its value is known and the scan is not linear in it;
        // known operands flagged linear (e.g. zero tangents passed as values) are treated as
        // linear, their values unused.
        let res: Vec<bool> = args
            .iter()
            .zip(&self.linear)
            .map(|(a, l)| !a.is_linear() && !*l)
            .collect();
        let (c_res, carry_res, x_res) = self.split(&res);
        if let Some(i) = carry_res.iter().position(|r| *r) {
            panic!("scan transpose: carry {i} is not linear (a non-linear loop carry reached the backward pass)");
        }
        let body_in = self.jaxpr.in_avals();
        let body_out = self.jaxpr.out_avals();
        let (c_args, carry_args, x_args) = self.split(args);
        let c_res_vals: Vec<Array> = c_args
            .iter()
            .zip(c_res)
            .filter(|(_, r)| **r)
            .map(|(a, _)| a.known("scan").clone())
            .collect();
        let x_res_vals: Vec<Array> = x_args
            .iter()
            .zip(x_res)
            .filter(|(_, r)| **r)
            .map(|(a, _)| a.known("scan").clone())
            .collect();
        let c_lin_avals: Vec<ShapeDtype> = pick(&body_in[..nc], c_res, false);
        let carry_avals: Vec<ShapeDtype> = carry_args.iter().map(|a| a.aval().clone()).collect();
        let x_lin_avals: Vec<ShapeDtype> = pick(&body_in[nc + ncar..], x_res, false);
        let ct_carry: Vec<Array> = cts[..ncar]
            .iter()
            .zip(&carry_avals)
            .map(|(c, a)| instantiate(*c, a))
            .collect();
        let ct_ys: Vec<Array> = cts[ncar..]
            .iter()
            .zip(&body_out[ncar..])
            .map(|(c, a)| instantiate(*c, &stacked(a, self.length)))
            .collect();
        let mut in_avals: Vec<ShapeDtype> = c_res_vals.iter().map(|a| a.aval().clone()).collect();
        in_avals.extend(c_lin_avals.iter().cloned());
        in_avals.extend(carry_avals.iter().cloned());
        in_avals.extend(body_out[ncar..].iter().cloned());
        in_avals.extend(x_res_vals.iter().map(|a| unstacked(a.aval())));
        let (ncr, ncl, nxr) = (c_res_vals.len(), c_lin_avals.len(), x_res_vals.len());
        let body = &self.jaxpr;
        let closed = stage_flat(&in_avals, |ins| {
            let (c_r, rest) = ins.split_at(ncr);
            let (acc, rest) = rest.split_at(ncl);
            let (ct_c, rest) = rest.split_at(ncar);
            let (ct_y, x_r) = rest.split_at(ny);
            let mut cr = c_r.iter();
            let mut xr = x_r.iter();
            let known: Vec<Option<&Array>> = c_res
                .iter()
                .map(|r| if *r { cr.next() } else { None })
                .chain((0..ncar).map(|_| None))
                .chain(x_res.iter().map(|r| if *r { xr.next() } else { None }))
                .collect();
            let cts_out: Vec<Option<Array>> = ct_c.iter().chain(ct_y).cloned().map(Some).collect();
            let cts_in = backward_pass_with_known(body, &[], &known, &cts_out);
            let (ct_consts, rest) = cts_in.split_at(nc);
            let (ct_carry_in, ct_xs) = rest.split_at(ncar);
            let mut outs: Vec<Array> = pick(ct_consts, c_res, false)
                .into_iter()
                .zip(acc)
                .map(|(c, a)| match c {
                    Some(c) => a + &c,
                    None => a.clone(),
                })
                .collect();
            outs.extend(
                ct_carry_in
                    .iter()
                    .zip(&carry_avals)
                    .map(|(c, a)| c.clone().unwrap_or_else(|| zeros(a))),
            );
            outs.extend(
                pick(ct_xs, x_res, false)
                    .into_iter()
                    .zip(&x_lin_avals)
                    .map(|(c, a)| c.unwrap_or_else(|| zeros(a))),
            );
            outs
        });
        let (body_t, hoisted) = hoist_consts(closed);
        let nh = hoisted.len();
        let acc0: Vec<Array> = c_lin_avals.iter().map(zeros).collect();
        let mut ops: Vec<&Array> = hoisted.iter().collect();
        ops.extend(c_res_vals.iter());
        ops.extend(acc0.iter());
        ops.extend(ct_carry.iter());
        ops.extend(ct_ys.iter());
        ops.extend(x_res_vals.iter());
        let mut linear = vec![false; nh + ncr];
        linear.extend(vec![true; ncl + ncar + ny]);
        linear.extend(vec![false; nxr]);
        let op = ScanOp {
            jaxpr: JaxprRef::new(body_t),
            length: self.length,
            reverse: !self.reverse,
            linear,
            unroll: self.unroll,
            num_consts: nh + ncr,
            num_carry: ncl + ncar,
        };
        let outs = bind(op, &ops);
        let mut it = outs.into_iter();
        let ct_c_lin: Vec<Array> = it.by_ref().take(ncl).collect();
        let ct_init: Vec<Array> = it.by_ref().take(ncar).collect();
        let ct_x_lin: Vec<Array> = it.collect();
        let (mut cl, mut ci, mut xl) = (
            ct_c_lin.into_iter(),
            ct_init.into_iter(),
            ct_x_lin.into_iter(),
        );
        let mut result: Vec<Option<Array>> = Vec::with_capacity(args.len());
        for (a, r) in c_args.iter().zip(c_res) {
            let ct = if *r { None } else { cl.next() };
            result.push(ct.filter(|_| a.is_linear()));
        }
        for a in carry_args {
            result.push(ci.next().filter(|_| a.is_linear()));
        }
        for (a, r) in x_args.iter().zip(x_res) {
            let ct = if *r { None } else { xl.next() };
            result.push(ct.filter(|_| a.is_linear()));
        }
        result
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let (consts, carry, xs) = self.split(args);
        let (c_d, carry_d, x_d) = self.split(dims);
        let (ncar, ny) = (carry.len(), self.num_ys());
        let c_b: Vec<bool> = c_d.iter().map(Option::is_some).collect();
        let x_b: Vec<bool> = x_d.iter().map(Option::is_some).collect();
        let mut carry_b: Vec<bool> = carry_d.iter().map(Option::is_some).collect();
        let (closed, out_b) = loop {
            let b: Vec<bool> = c_b.iter().chain(&carry_b).chain(&x_b).copied().collect();
            let inst: Vec<bool> = carry_b.iter().copied().chain(vec![false; ny]).collect();
            let (closed, out_b) = batch_jaxpr(&self.jaxpr, &b, axis_size, &inst);
            if out_b[..ncar] == carry_b[..] {
                break (closed, out_b);
            }
            carry_b = or(&carry_b, &out_b[..ncar]);
        };
        let (body, hoisted) = hoist_consts(closed);
        let nh = hoisted.len();
        let mut ops: Vec<Array> = hoisted;
        ops.extend(consts.iter().zip(c_d).map(|(c, d)| match d {
            Some(d) => move_axis(c, *d, 0),
            None => (*c).clone(),
        }));
        ops.extend(carry.iter().zip(carry_d).zip(&carry_b).map(|((c, d), b)| {
            if *b {
                bdim_to_front(c, *d, axis_size)
            } else {
                (*c).clone()
            }
        }));
        // Axis 0 of xs is the scan axis: the batch axis goes right after it.
        ops.extend(xs.iter().zip(x_d).map(|(x, d)| match d {
            Some(d) => move_axis(x, *d, 1),
            None => (*x).clone(),
        }));
        let refs: Vec<&Array> = ops.iter().collect();
        let mut linear = vec![false; nh];
        linear.extend(self.linear.iter().copied());
        let op = self.with_body(body, linear, nh + self.num_consts, ncar);
        let outs = bind(op, &refs);
        let out_dims = carry_b
            .iter()
            .map(|b| b.then_some(0))
            .chain(out_b[ncar..].iter().map(|b| b.then_some(1)))
            .collect();
        (outs, out_dims)
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        let mut p = vec![
            ("jaxpr", format!("{:#}", *self.jaxpr.0)),
            ("length", self.length.to_string()),
        ];
        if self.linear.iter().any(|l| *l) {
            p.push(("linear", py_tuple(&python_bools(&self.linear))));
        }
        p.extend([
            ("num_carry", self.num_carry.to_string()),
            ("num_consts", self.num_consts.to_string()),
            (
                "reverse",
                if self.reverse { "True" } else { "False" }.to_string(),
            ),
            ("unroll", self.unroll.to_string()),
        ]);
        p
    }
}
