//! Cumulative (scan) primitives: `cumsum`, `cumprod`, `cummax`, `cummin`.

use super::binary::{nan_max, nan_min, BinaryOp};
use super::layout::{shift_axes, Axes, LayoutOp};
use super::slicing::{pad_in_dim, slice_in_dim, SlicingOp};
use super::{bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, FloatElement, IntElement, ShapeDtype, Storage};
use crate::backend::cpu::scan::{scan_axis, scan_axis_xla};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};

/// What a cumulative primitive combines with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CumulativeKind {
    /// Running sum (integers wrap; float16/bfloat16 accumulate in float32).
    Sum,
    /// Running product.
    Prod,
    /// Running maximum (NaN propagates).
    Max,
    /// Running minimum (NaN propagates).
    Min,
}

/// `cumsum[axis, reverse]` and friends: an inclusive scan along `axis`, from the end when
/// `reverse`. The output has the operand's shape and dtype. Numeric dtypes only (`cummax` and
/// `cummin` also take bool).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CumulativeOp {
    /// The combining operation.
    pub kind: CumulativeKind,
    /// The axis to scan along.
    pub axis: usize,
    /// Scan from the last element to the first.
    pub reverse: bool,
}

impl PrimitiveRule for CumulativeOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        // As JAX on CPU and GPU: a `reduce_window` whose window spans the whole axis, padded
        // with the identity on the side the scan comes from.
        let x = &args[0];
        let d = x.aval.dtype;
        let (combine, init) = match (self.kind, d.is_bool()) {
            (CumulativeKind::Sum, _) => ("stablehlo.add", cx.scalar(d, 0.0)),
            (CumulativeKind::Prod, _) => ("stablehlo.multiply", cx.scalar(d, 1.0)),
            (CumulativeKind::Max, true) => ("stablehlo.or", cx.extreme(d, true)),
            (CumulativeKind::Min, true) => ("stablehlo.and", cx.extreme(d, false)),
            (CumulativeKind::Max, false) => ("stablehlo.maximum", cx.extreme(d, true)),
            (CumulativeKind::Min, false) => ("stablehlo.minimum", cx.extreme(d, false)),
        };
        let region = cx.combiner(combine, d)?;
        let rank = x.aval.shape.len();
        let n = x.aval.shape[self.axis] as i64;
        let window = (0..rank).map(|i| if i == self.axis { n } else { 1 });
        let ones = || i64_array((0..rank).map(|_| 1i64));
        let pads: Vec<String> = (0..rank)
            .map(|i| match (i == self.axis, self.reverse) {
                (false, _) => "[0, 0]".to_string(),
                (true, false) => format!("[{}, 0]", (n - 1).max(0)),
                (true, true) => format!("[0, {}]", (n - 1).max(0)),
            })
            .collect();
        let attrs = format!(
            "base_dilations = {}, padding = dense<[{}]> : tensor<{rank}x2xi64>, \
             window_dilations = {}, window_dimensions = {}, window_strides = {}",
            ones(),
            pads.join(", "),
            ones(),
            i64_array(window),
            ones()
        );
        Ok(cx.op_with_regions(
            "stablehlo.reduce_window",
            &[x, &init],
            &[region],
            &attrs,
            out,
        ))
    }

    fn name(&self) -> &'static str {
        match self.kind {
            CumulativeKind::Sum => "cumsum",
            CumulativeKind::Prod => "cumprod",
            CumulativeKind::Max => "cummax",
            CumulativeKind::Min => "cummin",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        let x = args[0];
        let d = x.dtype;
        let ok = match self.kind {
            CumulativeKind::Sum | CumulativeKind::Prod => d.is_float() || d.is_integer(),
            CumulativeKind::Max | CumulativeKind::Min => true,
        };
        if !ok {
            panic!(
                "{}: got {} but expected a numeric (integer or floating-point) operand",
                self.name(),
                describe(args)
            );
        }
        if self.axis >= x.ndim() {
            panic!(
                "{}: axis {} is out of range for operand {}",
                self.name(),
                self.axis,
                describe(args)
            );
        }
        vec![x.clone()]
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let shape = x.shape();
        let outer: usize = shape[..self.axis].iter().product();
        let len = shape[self.axis];
        let inner: usize = shape[self.axis + 1..].iter().product();
        let (kind, rev) = (self.kind, self.reverse);
        let storage: Storage = crate::with_float_dtype!(x.dtype(), T => {
            // Every step rounds to the element type, half and 8-bit floats included, as in
            // XLA (whose CPU backend computes them in f32 or f16 but rounds each combination).
            let r: Vec<T> = float_scan(kind, x.as_slice::<T>(), outer, len, inner, rev);
            T::into_storage(r)
        }, _ => crate::with_int_dtype!(x.dtype(), T => {
            T::into_storage(int_scan::<T>(kind, x.as_slice::<T>(), outer, len, inner, rev))
        }, _ => {
            let v = x.as_slice::<bool>();
            let r: Vec<bool> = match kind {
                CumulativeKind::Max => scan_axis(v, outer, len, inner, rev, |a, b| a | b),
                CumulativeKind::Min => scan_axis(v, outer, len, inner, rev, |a, b| a & b),
                k => unreachable!("abstract_eval rejects {k:?} on bool"),
            };
            bool::into_storage(r)
        }));
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let x = primals[0];
        let t = match tangents[0] {
            Some(t) if x.dtype().is_float() => t,
            _ => return rules::zero_jvp(*self, primals),
        };
        let combine = match self.kind {
            CumulativeKind::Sum => return rules::linear_jvp(*self, primals, tangents),
            CumulativeKind::Prod => BinaryOp::Mul,
            CumulativeKind::Max => BinaryOp::Max,
            CumulativeKind::Min => BinaryOp::Min,
        };
        // JAX differentiates the parallel prefix scan (`associative_scan`) of the combining
        // function rather than the primitive; the tangent here is that scan's JVP, so ties and
        // zeros behave as in JAX. The primal comes from the primitive itself.
        let out = bind1(*self, &[x]);
        let tout = scan_tangent(combine, x, t, self.axis, self.reverse);
        (vec![out], vec![Some(tout)])
    }

    fn transpose(&self, cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        match self.kind {
            CumulativeKind::Sum => {
                let ct = cts[0].expect("a transpose rule gets a cotangent");
                let op = CumulativeOp {
                    reverse: !self.reverse,
                    ..*self
                };
                vec![Some(bind1(op, &[ct]))]
            }
            _ => rules::not_linear(self.name()),
        }
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        let b = dims[0].expect("the only operand is batched");
        let op = CumulativeOp {
            axis: shift_axes(&[self.axis], b)[0],
            ..*self
        };
        (vec![bind1(op, args)], vec![Some(b)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("axis", self.axis.to_string()),
            ("reverse", rules::py_bool(self.reverse)),
        ]
    }
}

/// The tangent of the inclusive scan of `combine` over `x` along `axis`, in the direction `t`:
/// JAX's `associative_scan` (Blelloch's odd/even recursion) carried on (primal, tangent)
/// pairs, each combination being `combine`'s own JVP rule.
fn scan_tangent(combine: BinaryOp, x: &Array, t: &Array, axis: usize, reverse: bool) -> Array {
    let rev = |v: &Array| {
        bind1(
            LayoutOp::Rev {
                dimensions: Axes::from_slice(&[axis]),
            },
            &[v],
        )
    };
    if reverse {
        return rev(&scan_tangent(combine, &rev(x), &rev(t), axis, false));
    }
    let apply = |a: &(Array, Array), b: &(Array, Array)| -> (Array, Array) {
        let (mut outs, mut touts) = combine.jvp(&[&a.0, &b.0], &[Some(&a.1), Some(&b.1)]);
        let tangent = touts
            .pop()
            .flatten()
            .unwrap_or_else(|| rules::zeros(outs[0].aval()));
        (outs.pop().expect("one output"), tangent)
    };
    scan_pairs(&apply, (x.clone(), t.clone()), axis).1
}

/// A (primal, tangent) pair.
type Pair = (Array, Array);

/// One level of the recursion of `associative_scan` on a (primal, tangent) pair.
fn scan_pairs(
    apply: &dyn Fn(&Pair, &Pair) -> Pair,
    elems: (Array, Array),
    axis: usize,
) -> (Array, Array) {
    let n = elems.0.shape()[axis];
    if n < 2 {
        return elems;
    }
    let both = |f: &dyn Fn(&Array) -> Array, p: &(Array, Array)| (f(&p.0), f(&p.1));
    let reduced = apply(
        &both(&|v| slice_in_dim(v, 0, n - 1, 2, axis), &elems),
        &both(&|v| slice_in_dim(v, 1, n, 2, axis), &elems),
    );
    let odd = scan_pairs(apply, reduced, axis);
    let rest = both(&|v| slice_in_dim(v, 2, n, 2, axis), &elems);
    let even = if n.is_multiple_of(2) {
        let m = odd.0.shape()[axis];
        apply(&both(&|v| slice_in_dim(v, 0, m - 1, 1, axis), &odd), &rest)
    } else {
        apply(&odd, &rest)
    };
    let first = both(&|v| slice_in_dim(v, 0, 1, 1, axis), &elems);
    let join = |a: &Array, b: &Array| bind1(SlicingOp::Concatenate { dimension: axis }, &[a, b]);
    let even = (join(&first.0, &even.0), join(&first.1, &even.1));
    (
        interleave(&even.0, &odd.0, axis),
        interleave(&even.1, &odd.1, axis),
    )
}

/// `a[0], b[0], a[1], b[1], ...` along `axis` (`a` is as long as `b` or one longer): both
/// padded with zeros into alternate positions and added, as JAX's `_interleave` does.
fn interleave(a: &Array, b: &Array, axis: usize) -> Array {
    let same = a.shape()[axis] == b.shape()[axis];
    let zero = rules::zeros(&ShapeDtype::new(crate::array::Shape::scalar(), a.dtype()));
    let pa = pad_in_dim(a, &zero, (0, i64::from(same), 1), axis);
    let pb = pad_in_dim(b, &zero, (1, i64::from(!same), 1), axis);
    let op = if a.dtype().is_bool() {
        BinaryOp::Or
    } else {
        BinaryOp::Add
    };
    bind1(op, &[&pa, &pb])
}

fn float_scan<T: FloatElement>(
    kind: CumulativeKind,
    v: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    rev: bool,
) -> Vec<T> {
    // Sums and products round differently in another order: XLA's, exactly.
    let (init, combine): (T, fn(T, T) -> T) = match kind {
        CumulativeKind::Sum => (<T as ArrayElement>::zero(), |a, b| a + b),
        CumulativeKind::Prod => (<T as ArrayElement>::one(), |a, b| a * b),
        CumulativeKind::Max => return scan_axis(v, outer, len, inner, rev, nan_max),
        CumulativeKind::Min => return scan_axis(v, outer, len, inner, rev, nan_min),
    };
    let native = matches!(T::DTYPE, DType::F64 | DType::F32 | DType::F16);
    scan_axis_xla(v, outer, len, inner, rev, init, native, combine)
}

fn int_scan<T: IntElement>(
    kind: CumulativeKind,
    v: &[T],
    outer: usize,
    len: usize,
    inner: usize,
    rev: bool,
) -> Vec<T> {
    match kind {
        CumulativeKind::Sum => {
            scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.wrapping_add(&b))
        }
        CumulativeKind::Prod => {
            scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.wrapping_mul(&b))
        }
        CumulativeKind::Max => scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.max(b)),
        CumulativeKind::Min => scan_axis(v, outer, len, inner, rev, |a: T, b: T| a.min(b)),
    }
}
