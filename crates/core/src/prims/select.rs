//! Selection primitives: `select_n` and `clamp`.

use super::binary::{common_dtype, elementwise_shape, nan_max, nan_min, BinaryOp};
use super::compare::CompareOp;
use super::layout::{Axes, LayoutOp};
use super::{bind1, describe, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Shape, ShapeDtype};
use crate::backend::cpu::elementwise::zip3_map;
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// Selection among operands by a predicate, and clamping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SelectOp {
    /// `select_n(which, *cases)`: element i is `cases[which[i]][i]`. `which` is bool (two
    /// cases: false picks the first) or int32; it has the cases' shape or is 0-d.
    SelectN,
    /// `clamp(lo, x, hi)` = `min(max(x, lo), hi)`; `lo` and `hi` have `x`'s shape or are 0-d.
    Clamp,
}

impl PrimitiveRule for SelectOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        match self {
            SelectOp::Clamp => Ok(vec![cx.op(
                "stablehlo.clamp",
                &[&args[0], &args[1], &args[2]],
                "",
                &out[0],
            )]),
            SelectOp::SelectN => {
                let (which, cases) = (&args[0], &args[1..]);
                if cases.len() == 1 {
                    return Ok(vec![cases[0].clone()]);
                }
                // `select_n(p, c0, c1, ...)` picks case `p`: for a bool predicate that is
                // `select(p, c1, c0)`; an integer one walks the cases from the last.
                let mut result = cases[cases.len() - 1].clone();
                for k in (0..cases.len() - 1).rev() {
                    let pred = if which.aval.dtype == DType::Bool {
                        which.clone()
                    } else {
                        let k_value = cx.int_scalar(which.aval.dtype, k as i128);
                        let k_value = cx.broadcast_to(&k_value, &which.aval.shape);
                        cx.op(
                            "stablehlo.compare",
                            &[which, &k_value],
                            "comparison_direction = #stablehlo<comparison_direction EQ>, \
                             compare_type = #stablehlo<comparison_type SIGNED>",
                            &ShapeDtype::new(which.aval.shape.clone(), DType::Bool),
                        )
                    };
                    let (on_true, on_false) = if which.aval.dtype == DType::Bool {
                        (&result, &cases[k])
                    } else {
                        (&cases[k], &result)
                    };
                    result = cx.op("stablehlo.select", &[&pred, on_true, on_false], "", &out[0]);
                }
                Ok(vec![result])
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            SelectOp::SelectN => "select_n",
            SelectOp::Clamp => "clamp",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match self {
            SelectOp::SelectN => {
                if args.len() < 2 {
                    panic!(
                        "select_n: expected a predicate and at least one case, got {}",
                        describe(args)
                    );
                }
                let which = args[0];
                if !(which.dtype == DType::Bool || which.dtype == DType::I32) {
                    panic!(
                        "select_n: the predicate must be bool or int32, got {}",
                        describe(args)
                    );
                }
                if which.dtype == DType::Bool && args.len() > 3 {
                    panic!(
                        "select_n: a bool predicate selects between at most 2 cases, got {} cases",
                        args.len() - 1
                    );
                }
                let cases = &args[1..];
                let first = cases[0];
                if cases
                    .iter()
                    .any(|c| c.shape != first.shape || c.dtype != first.dtype)
                {
                    panic!(
                        "select_n: all cases must have the same shape and dtype, got {}",
                        describe(cases)
                    );
                }
                if which.ndim() != 0 && which.shape != first.shape {
                    panic!(
                        "select_n: the predicate must be 0-d or have the cases' shape, got {}",
                        describe(args)
                    );
                }
                vec![ShapeDtype {
                    shape: first.shape.clone(),
                    dtype: first.dtype,
                    weak_type: cases.iter().all(|c| c.weak_type),
                }]
            }
            SelectOp::Clamp => {
                super::expect_arity("clamp", args, 3);
                let x = args[1];
                common_dtype("clamp", args);
                for bound in [args[0], args[2]] {
                    if bound.ndim() != 0 && bound.shape != x.shape {
                        panic!(
                            "clamp: lo and hi must be 0-d or have x's shape, got (lo, x, hi) = ({})",
                            describe(args)
                        );
                    }
                }
                if x.ndim() == 0 {
                    elementwise_shape("clamp", args);
                }
                vec![x.clone()]
            }
        }
    }

    // The generic clamp is also instantiated for bool, where `<` on bools is what we mean.
    #[allow(clippy::bool_comparison)]
    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let n = out[0].size();
        let storage = match self {
            SelectOp::SelectN => {
                let which = args[0];
                let cases = &args[1..];
                let idx: Vec<i32> = if which.dtype() == DType::Bool {
                    which.as_slice::<bool>().iter().map(|&b| b as i32).collect()
                } else {
                    which.as_slice::<i32>().to_vec()
                };
                let last = cases.len() as i32 - 1;
                crate::with_dtype!(out[0].dtype, T => {
                    let slices: Vec<&[T]> = cases.iter().map(|c| c.as_slice::<T>()).collect();
                    let scalar = idx.len() == 1;
                    let v: Vec<T> = (0..n)
                        .map(|i| {
                            let k = if scalar { idx[0] } else { idx[i] }.clamp(0, last) as usize;
                            slices[k][i]
                        })
                        .collect();
                    T::into_storage(v)
                })
            }
            SelectOp::Clamp => crate::with_float_dtype!(out[0].dtype, T => {
                T::into_storage(zip3_map(args[0].as_slice::<T>(), args[1].as_slice::<T>(), args[2].as_slice::<T>(), n,
                    |lo, x, hi| nan_min(nan_max(x, lo), hi)))
            },
            _ => crate::with_real_dtype!(out[0].dtype, T => {
                T::into_storage(zip3_map(args[0].as_slice::<T>(), args[1].as_slice::<T>(), args[2].as_slice::<T>(), n,
                    |lo, x, hi| {
                        let m = if x < lo { lo } else { x };
                        if m > hi { hi } else { m }
                    }))
            }, _ => super::complex_unsupported(self.name(), out[0].dtype))),
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    /// `select_n` is linear in its cases: the tangent is `select_n(which, *case_tangents)`
    /// (zeros for cases without one; the predicate has none). `clamp` follows JAX: the tangent
    /// of `x` passes where `lo < x < hi`, that of `lo` where `x < lo < hi`, that of `hi` where
    /// `hi < x` (strict comparisons, so a tie passes nothing).
    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match self {
            SelectOp::SelectN => {
                let out = bind1(*self, primals);
                if tangents[1..].iter().all(Option::is_none) {
                    return (vec![out], vec![None]);
                }
                let zero = rules::zeros(out.aval());
                let mut operands: Vec<&Array> = vec![primals[0]];
                operands.extend(tangents[1..].iter().map(|t| t.unwrap_or(&zero)));
                let tangent = bind1(*self, &operands);
                (vec![out], vec![Some(tangent)])
            }
            SelectOp::Clamp => {
                if !primals[1].dtype().is_inexact() {
                    return rules::zero_jvp(*self, primals);
                }
                let and = |a: &Array, b: &Array| bind1(BinaryOp::And, &[a, b]);
                let gt = |a: &Array, b: &Array| bind1(CompareOp::Gt, &[a, b]);
                let lt = |a: &Array, b: &Array| bind1(CompareOp::Lt, &[a, b]);
                let masked = |mask: &Array, t: &Array, out: &Array| {
                    let t = rules::broadcast(t, out.shape_obj());
                    bind1(SelectOp::SelectN, &[mask, &rules::zeros(t.aval()), &t])
                };
                rules::jvp_from_partials(
                    *self,
                    primals,
                    tangents,
                    &[
                        &|t, a, out| masked(&and(&gt(a[0], a[1]), &lt(a[0], a[2])), t, out),
                        &|t, a, out| masked(&and(&gt(a[1], a[0]), &lt(a[1], a[2])), t, out),
                        &|t, a, out| masked(&lt(a[2], a[1]), t, out),
                    ],
                )
            }
        }
    }

    /// `select_n` only (clamp is not linear): case `i` gets the cotangent where it was
    /// selected and zeros elsewhere, `select_n(which == i, 0, ct)`.
    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        if *self == SelectOp::Clamp {
            rules::not_linear(self.name());
        }
        let ct = cts[0].expect("one output");
        let which = args[0].known("select_n");
        let zero = rules::zeros(ct.aval());
        let mut out = vec![None];
        for (i, case) in args[1..].iter().enumerate() {
            if !case.is_linear() {
                out.push(None);
                continue;
            }
            let ct_i = if which.dtype() == DType::Bool {
                if i == 0 {
                    bind1(SelectOp::SelectN, &[which, ct, &zero])
                } else {
                    bind1(SelectOp::SelectN, &[which, &zero, ct])
                }
            } else {
                let is_i = bind1(CompareOp::Eq, &[which, &Array::scalar(i as i32)]);
                bind1(SelectOp::SelectN, &[&is_i, &zero, ct])
            };
            out.push(Some(ct_i));
        }
        out
    }

    /// The cases of `select_n` and the `x` of `clamp` carry the result's shape; the predicate
    /// and the bounds may be 0-d (per example, or unbatched).
    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let carries_shape: Vec<bool> = match self {
            SelectOp::SelectN => (0..args.len()).map(|i| i > 0).collect(),
            SelectOp::Clamp => vec![false, true, false],
        };
        batch_with_scalar_operands(*self, args, dims, axis_size, &carries_shape)
    }
}

/// Batches a primitive whose `carries_shape` operands all have the result's shape while the
/// others may instead be 0-d. When every shape-carrying operand is batched along one axis `d`
/// and each other operand is unbatched 0-d or batched along `d`, it applies in place
/// (per-example scalars broadcast along `d`); otherwise batch axes move to the front and
/// operands are broadcast to the full batched shape.
fn batch_with_scalar_operands(
    op: SelectOp,
    args: &[&Array],
    dims: &[Option<usize>],
    size: usize,
    carries_shape: &[bool],
) -> (Vec<Array>, Vec<Option<usize>>) {
    let lead = carries_shape
        .iter()
        .position(|&c| c)
        .expect("a shape-carrying operand");
    let bcast = |x: &Array, shape: &Shape, d: usize| {
        bind1(
            LayoutOp::BroadcastInDim {
                shape: shape.clone(),
                broadcast_dimensions: Axes::from_slice(&[d]),
            },
            &[x],
        )
    };
    if let Some(d) = dims[lead] {
        let shape = args[lead].shape_obj();
        let in_place = (0..args.len()).all(|i| match dims[i] {
            Some(di) => {
                di == d
                    && (args[i].shape() == &shape[..] || !carries_shape[i] && args[i].ndim() == 1)
            }
            None => !carries_shape[i] && args[i].ndim() == 0,
        });
        if in_place {
            let operands: Vec<Array> = (0..args.len())
                .map(|i| {
                    if dims[i].is_some() && args[i].shape() != &shape[..] {
                        bcast(args[i], shape, d)
                    } else {
                        args[i].clone()
                    }
                })
                .collect();
            let refs: Vec<&Array> = operands.iter().collect();
            return (vec![bind1(op, &refs)], vec![Some(d)]);
        }
    }
    let mut example = args[lead].shape().to_vec();
    if let Some(d) = dims[lead] {
        example.remove(d);
    }
    let mut full = vec![size];
    full.extend_from_slice(&example);
    let full: Shape = full.into();
    let operands: Vec<Array> = (0..args.len())
        .map(|i| match dims[i] {
            Some(d) => {
                let x = rules::move_axis(args[i], d, 0);
                if x.ndim() == 1 && !example.is_empty() {
                    bcast(&x, &full, 0)
                } else {
                    x
                }
            }
            None if !carries_shape[i] && args[i].ndim() == 0 => args[i].clone(),
            None => rules::bdim_to_front(args[i], None, size),
        })
        .collect();
    let refs: Vec<&Array> = operands.iter().collect();
    (vec![bind1(op, &refs)], vec![Some(0)])
}
