//! Reductions: `reduce_sum`, `reduce_max`, `reduce_min`, `reduce_prod`, `reduce_and`,
//! `reduce_or`, `reduce_xor`, `argmax`, `argmin`.

use super::binary::BinaryOp;
use super::binary::{nan_max, nan_min};
use super::compare::CompareOp;
use super::layout::{shift_axes, Axes, LayoutOp};
use super::rules::py_tuple;
use super::slicing::{pad_in_dim, slice_in_dim};
use super::{bind1, describe, expect_arity, ops, rules, LinearArg, PrimitiveRule};
use crate::array::{
    Array, ArrayElement, DType, Element, FloatElement, IntElement, Shape, ShapeDtype, Storage,
};
use crate::backend::cpu::order_key::{
    max_join, max_start, max_step, min_join, min_start, min_step, MaxKeys, MinKeys, OrderKey,
};
use crate::backend::cpu::reduce::{reduce_columns, reduce_rows, reduce_rows_folded};
use crate::backend::cpu::strided::{row_major_strides, strided_copy};
use crate::jaxpr::stablehlo::{i64_array, LoweringContext, LoweringError, Value};
use num_traits::Float;

/// What a reduction combines elements with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceKind {
    /// Sum (f16/bf16 accumulate in f32; integers wrap).
    Sum,
    /// Product.
    Prod,
    /// Maximum (NaN propagates; the identity is -inf or the dtype's minimum).
    Max,
    /// Minimum.
    Min,
    /// Logical/bitwise and.
    And,
    /// Logical/bitwise or.
    Or,
    /// Logical/bitwise exclusive or.
    Xor,
}

/// Whether an index reduction looks for the maximum or the minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// Index of the first maximum (a NaN counts as the maximum).
    Argmax,
    /// Index of the first minimum (a NaN counts as the minimum).
    Argmin,
}

/// A reduction primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// Reduces the listed axes away (`reduce_sum[axes=(0,)]`, ...).
    Reduce {
        /// The combining operation.
        kind: ReduceKind,
        /// Axes to reduce (distinct).
        axes: Axes,
    },
    /// The index of the extreme element along one axis, which is removed.
    ArgReduce {
        /// Max or min.
        kind: ArgKind,
        /// The axis to search.
        axis: usize,
        /// The integer dtype of the result (int32 by default).
        index_dtype: DType,
    },
}

impl PrimitiveRule for ReduceOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        let x = &args[0];
        let d = x.aval.dtype;
        let scalar = ShapeDtype::new(Vec::<usize>::new(), d);
        match self {
            ReduceOp::Reduce { kind, axes } => {
                let (combine, init) = match kind {
                    ReduceKind::Sum => ("stablehlo.add", reduce_identity(cx, d, Identity::Zero)),
                    ReduceKind::Prod => {
                        ("stablehlo.multiply", reduce_identity(cx, d, Identity::One))
                    }
                    ReduceKind::Max => (
                        "stablehlo.maximum",
                        reduce_identity(cx, d, Identity::Lowest),
                    ),
                    ReduceKind::Min => (
                        "stablehlo.minimum",
                        reduce_identity(cx, d, Identity::Highest),
                    ),
                    ReduceKind::And => ("stablehlo.and", reduce_identity(cx, d, Identity::AllOnes)),
                    ReduceKind::Or => ("stablehlo.or", reduce_identity(cx, d, Identity::Zero)),
                    ReduceKind::Xor => ("stablehlo.xor", reduce_identity(cx, d, Identity::Zero)),
                };
                let region = cx.combiner(combine, d)?;
                let result = ShapeDtype::new(out[0].shape.clone(), d);
                let attrs = format!("dimensions = {}", i64_array(axes.iter().map(|&a| a as i64)));
                Ok(cx.op_with_regions(
                    "stablehlo.reduce",
                    &[x, &init],
                    &[region],
                    &attrs,
                    &[result],
                ))
            }
            ReduceOp::ArgReduce {
                kind,
                axis,
                index_dtype,
            } => {
                // JAX's lowering: a pairwise reduction of (value, index) that prefers NaN, then
                // the larger (smaller) value, then the smaller index.
                let index_scalar = ShapeDtype::new(Vec::<usize>::new(), *index_dtype);
                let init = reduce_identity(
                    cx,
                    d,
                    match kind {
                        ArgKind::Argmax => Identity::Lowest,
                        ArgKind::Argmin => Identity::Highest,
                    },
                );
                let zero = cx.int_scalar(*index_dtype, 0);
                let indices = cx.op(
                    "stablehlo.iota",
                    &[],
                    &format!("iota_dimension = {axis} : i64"),
                    &ShapeDtype::new(x.aval.shape.clone(), *index_dtype),
                );
                let direction = match kind {
                    ArgKind::Argmax => "GT",
                    ArgKind::Argmin => "LT",
                };
                let kind_of = |dt: DType| {
                    if dt.is_float() {
                        "FLOAT"
                    } else if dt.is_signed_integer() {
                        "SIGNED"
                    } else {
                        "UNSIGNED"
                    }
                };
                let bool_scalar = ShapeDtype::new(Vec::<usize>::new(), DType::Bool);
                let region = cx.region(
                    &[scalar.clone(), index_scalar.clone(), scalar.clone(), index_scalar.clone()],
                    |cx, p| {
                        let (op_val, op_idx, acc_val, acc_idx) = (&p[0], &p[1], &p[2], &p[3]);
                        let cmp = |cx: &mut LoweringContext, dir: &str, a: &Value, b: &Value| {
                            cx.op(
                                "stablehlo.compare",
                                &[a, b],
                                &format!(
                                    "comparison_direction = #stablehlo<comparison_direction {dir}>, \
                                     compare_type = #stablehlo<comparison_type {}>",
                                    kind_of(a.aval.dtype)
                                ),
                                &bool_scalar,
                            )
                        };
                        let better = cmp(cx, direction, op_val, acc_val);
                        let is_nan = cmp(cx, "NE", op_val, op_val);
                        let pick_val = cx.op("stablehlo.or", &[&better, &is_nan], "", &bool_scalar);
                        let equal = cmp(cx, "EQ", op_val, acc_val);
                        let earlier = cmp(cx, "LT", op_idx, acc_idx);
                        let tie = cx.op("stablehlo.and", &[&equal, &earlier], "", &bool_scalar);
                        let pick_idx = cx.op("stablehlo.or", &[&pick_val, &tie], "", &bool_scalar);
                        let val = cx.op("stablehlo.select", &[&pick_val, op_val, acc_val], "", &scalar);
                        let idx =
                            cx.op("stablehlo.select", &[&pick_idx, op_idx, acc_idx], "", &index_scalar);
                        Ok(vec![val, idx])
                    },
                )?;
                let results = [
                    ShapeDtype::new(out[0].shape.clone(), d),
                    ShapeDtype::new(out[0].shape.clone(), *index_dtype),
                ];
                let outs = cx.op_with_regions(
                    "stablehlo.reduce",
                    &[x, &indices, &init, &zero],
                    &[region],
                    &format!("dimensions = array<i64: {axis}>"),
                    &results,
                );
                Ok(vec![outs[1].clone()])
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ReduceOp::Reduce { kind, .. } => match kind {
                ReduceKind::Sum => "reduce_sum",
                ReduceKind::Prod => "reduce_prod",
                ReduceKind::Max => "reduce_max",
                ReduceKind::Min => "reduce_min",
                ReduceKind::And => "reduce_and",
                ReduceKind::Or => "reduce_or",
                ReduceKind::Xor => "reduce_xor",
            },
            ReduceOp::ArgReduce { kind, .. } => match kind {
                ArgKind::Argmax => "argmax",
                ArgKind::Argmin => "argmin",
            },
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        expect_arity(self.name(), args, 1);
        let x = args[0];
        let d = x.dtype;
        match self {
            ReduceOp::Reduce { kind, axes } => {
                let ok = match kind {
                    ReduceKind::Sum | ReduceKind::Prod => d.is_inexact() || d.is_integer(),
                    ReduceKind::Max | ReduceKind::Min => true,
                    ReduceKind::And | ReduceKind::Or | ReduceKind::Xor => {
                        d.is_integer() || d.is_bool()
                    }
                };
                if !ok {
                    panic!(
                        "{}: unsupported operand dtype in {}",
                        self.name(),
                        describe(args)
                    );
                }
                let mut seen = 0u64;
                for &a in axes.iter() {
                    if a >= x.ndim() || seen & (1 << a) != 0 {
                        panic!(
                            "{}: axes {axes:?} must be distinct and in range for operand {}",
                            self.name(),
                            describe(args)
                        );
                    }
                    seen |= 1 << a;
                }
                let shape = Shape(
                    (0..x.ndim())
                        .filter(|i| !axes.contains(i))
                        .map(|i| x.shape[i])
                        .collect(),
                );
                vec![ShapeDtype {
                    shape,
                    dtype: d,
                    weak_type: x.weak_type,
                }]
            }
            ReduceOp::ArgReduce {
                axis, index_dtype, ..
            } => {
                if *axis >= x.ndim() {
                    panic!(
                        "{}: axis {axis} is out of range for operand {}",
                        self.name(),
                        describe(args)
                    );
                }
                if x.shape[*axis] == 0 {
                    panic!(
                        "{}: cannot search an empty axis {axis} of operand {}",
                        self.name(),
                        describe(args)
                    );
                }
                if !index_dtype.is_integer() {
                    panic!(
                        "{}: index_dtype must be an integer dtype, got {index_dtype}",
                        self.name()
                    );
                }
                let shape = Shape(
                    (0..x.ndim())
                        .filter(|i| i != axis)
                        .map(|i| x.shape[i])
                        .collect(),
                );
                vec![ShapeDtype::new(shape, *index_dtype)]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        let x = args[0];
        let storage = match self {
            ReduceOp::Reduce { kind, axes } => {
                if axes.is_empty() {
                    return vec![x.clone()];
                }
                reduce(*kind, x, axes)
            }
            ReduceOp::ArgReduce {
                kind,
                axis,
                index_dtype,
            } => {
                let (data, outer, inner) = move_axes_last(x, &[*axis]);
                let idx: Vec<i64> = crate::with_real_dtype!(x.dtype(), T => {
                    let v = data.as_slice::<T>();
                    arg_rows(v, outer, inner, *kind)
                }, _ => super::complex_unsupported(self.name(), x.dtype()));
                crate::with_dtype!(*index_dtype, I => I::into_storage(idx.into_iter().map(I::from_i64).collect()))
            }
        };
        vec![Array::from_storage(storage, out[0].shape.clone()).with_weak_type(out[0].weak_type)]
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        let x = primals[0];
        let t = match tangents[0] {
            Some(t) if x.dtype().is_inexact() => t,
            _ => return rules::zero_jvp(self.clone(), primals),
        };
        match self {
            ReduceOp::Reduce {
                kind: ReduceKind::Sum,
                ..
            } => rules::linear_jvp(self.clone(), primals, tangents),
            ReduceOp::Reduce {
                kind: ReduceKind::Max | ReduceKind::Min,
                axes,
            } => {
                // JAX's `_reduce_chooser_jvp_rule`: the tangent at the extreme locations,
                // averaged over ties.
                let ans = bind1(self.clone(), &[x]);
                let kept: Axes = (0..x.ndim()).filter(|i| !axes.contains(i)).collect();
                let ans_b = bind1(
                    LayoutOp::BroadcastInDim {
                        shape: x.shape_obj().clone(),
                        broadcast_dimensions: kept,
                    },
                    &[&ans],
                );
                let loc = ops::compare(CompareOp::Eq, x, &ans_b, "equal").astype(x.dtype());
                let counts = rules::reduce_sum(&loc, axes.clone());
                let picked = rules::reduce_sum(&bind1(BinaryOp::Mul, &[t, &loc]), axes.clone());
                let tout = bind1(BinaryOp::Div, &[&picked, &counts]);
                (vec![ans], vec![Some(tout)])
            }
            ReduceOp::Reduce {
                kind: ReduceKind::Prod,
                axes,
            } => {
                let ans = bind1(self.clone(), &[x]);
                let tout = prod_tangent(x, t, axes);
                (vec![ans], vec![tout])
            }
            // Bitwise reductions and index searches are piecewise constant.
            _ => rules::zero_jvp(self.clone(), primals),
        }
    }

    fn transpose(&self, cts: &[Option<&Array>], args: &[LinearArg]) -> Vec<Option<Array>> {
        match self {
            ReduceOp::Reduce {
                kind: ReduceKind::Sum,
                axes,
            } => {
                let ct = cts[0].expect("a transpose rule gets a cotangent");
                let operand = args[0].aval();
                let kept: Axes = (0..operand.ndim()).filter(|i| !axes.contains(i)).collect();
                vec![Some(bind1(
                    LayoutOp::BroadcastInDim {
                        shape: operand.shape.clone(),
                        broadcast_dimensions: kept,
                    },
                    &[ct],
                ))]
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
        let (op, out_dim) = match self {
            ReduceOp::Reduce { kind, axes } => (
                ReduceOp::Reduce {
                    kind: *kind,
                    axes: shift_axes(axes, b),
                },
                b - axes.iter().filter(|&&a| a < b).count(),
            ),
            ReduceOp::ArgReduce {
                kind,
                axis,
                index_dtype,
            } => (
                ReduceOp::ArgReduce {
                    kind: *kind,
                    axis: shift_axes(&[*axis], b)[0],
                    index_dtype: *index_dtype,
                },
                b - usize::from(*axis < b),
            ),
        };
        (vec![bind1(op, args)], vec![Some(out_dim)])
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            ReduceOp::Reduce {
                kind: ReduceKind::Sum,
                axes,
            } => vec![("axes", py_tuple(axes)), ("out_sharding", "None".into())],
            ReduceOp::Reduce { axes, .. } => vec![("axes", py_tuple(axes))],
            ReduceOp::ArgReduce {
                axis, index_dtype, ..
            } => vec![
                ("axes", py_tuple(&[*axis])),
                ("index_dtype", index_dtype.name().into()),
            ],
        }
    }
}

/// The tangent of `reduce_prod(x, axes)` along `t` (JAX's `_reduce_jvp` with `mul`): the
/// reduced axes are moved to the front and flattened, then halved repeatedly, multiplying
/// the halves with the product rule. Exact where `x` has zeros, unlike `prod * sum(t / x)`.
fn prod_tangent(x: &Array, t: &Array, axes: &[usize]) -> Option<Array> {
    let nd = x.ndim();
    let rest: Axes = (0..nd).filter(|i| !axes.contains(i)).collect();
    let n: usize = axes.iter().map(|&a| x.shape()[a]).product();
    if n == 0 {
        // The empty product is the constant 1.
        return None;
    }
    let perm: Axes = axes.iter().chain(rest.iter()).copied().collect();
    let mut flat_shape: Vec<usize> = vec![n];
    flat_shape.extend(rest.iter().map(|&a| x.shape()[a]));
    let flatten = |v: &Array| {
        let moved = rules::transpose(v, &perm);
        bind1(
            LayoutOp::Reshape {
                new_sizes: Shape::new(&flat_shape),
            },
            &[&moved],
        )
    };
    let (mut xs, mut ts) = (flatten(x), flatten(t));
    let one = crate::with_dtype!(x.dtype(), T => Array::scalar(<T as crate::ArrayElement>::one()));
    let zero =
        crate::with_dtype!(x.dtype(), T => Array::scalar(<T as crate::ArrayElement>::zero()));
    while xs.shape()[0] > 1 {
        let len = xs.shape()[0];
        let n1 = len.div_ceil(2);
        let halves = |v: &Array, fill: &Array| {
            let lo = slice_in_dim(v, 0, n1, 1, 0);
            let hi = slice_in_dim(v, n1, len, 1, 0);
            let hi = if len - n1 == n1 {
                hi
            } else {
                pad_in_dim(&hi, fill, (0, 1, 0), 0)
            };
            (lo, hi)
        };
        let (x1, x2) = halves(&xs, &one);
        let (t1, t2) = halves(&ts, &zero);
        ts = bind1(
            BinaryOp::Add,
            &[
                &bind1(BinaryOp::Mul, &[&t1, &x2]),
                &bind1(BinaryOp::Mul, &[&x1, &t2]),
            ],
        );
        xs = bind1(BinaryOp::Mul, &[&x1, &x2]);
    }
    Some(bind1(
        LayoutOp::Squeeze {
            dimensions: Axes::from_slice(&[0]),
        },
        &[&ts],
    ))
}

/// Makes `axes` the trailing axes (copying if they are not already), returning the data and
/// the (rows, row length) view.
fn move_axes_last(x: &Array, axes: &[usize]) -> (Array, usize, usize) {
    let nd = x.ndim();
    let kept: Vec<usize> = (0..nd).filter(|i| !axes.contains(i)).collect();
    let mut sorted_axes = axes.to_vec();
    sorted_axes.sort_unstable();
    let outer: usize = kept.iter().map(|&i| x.shape()[i]).product();
    let inner: usize = axes.iter().map(|&i| x.shape()[i]).product();
    let is_suffix = sorted_axes
        .iter()
        .enumerate()
        .all(|(k, &a)| a == nd - axes.len() + k)
        && sorted_axes == axes;
    if is_suffix {
        return (x.clone(), outer, inner);
    }
    let perm: Vec<usize> = kept.iter().chain(axes.iter()).copied().collect();
    let in_strides = row_major_strides(x.shape());
    let strides: Vec<isize> = perm.iter().map(|&p| in_strides[p]).collect();
    let shape: Vec<usize> = perm.iter().map(|&p| x.shape()[p]).collect();
    let storage = crate::with_storage!(x.storage(), v => ArrayElement::into_storage(strided_copy(v, &shape, &strides, 0)));
    (Array::from_storage(storage, shape), outer, inner)
}

fn reduce(kind: ReduceKind, x: &Array, axes: &[usize]) -> Storage {
    let nd = x.ndim();
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    let k = sorted.len();
    let is_prefix = sorted.iter().enumerate().all(|(i, &a)| a == i);
    let is_suffix = sorted.iter().enumerate().all(|(i, &a)| a == nd - k + i);
    // Products of the dims, not quotients of the size: with a zero-size dim the size says
    // nothing about how many outputs there are.
    let reduced: usize = sorted.iter().map(|&a| x.shape()[a]).product();
    let kept: usize = (0..nd)
        .filter(|a| !sorted.contains(a))
        .map(|a| x.shape()[a])
        .product();
    let (data, outer, inner, columns) = if is_suffix {
        (x.clone(), kept, reduced, false)
    } else if is_prefix {
        (x.clone(), reduced, kept, true)
    } else {
        let (d, o, i) = move_axes_last(x, &sorted);
        (d, o, i, false)
    };
    macro_rules! run {
        ($v:expr, $init:expr, $f:expr, $comb:expr, $fin:expr) => {
            if columns {
                reduce_columns($v, outer, inner, $init, $f, $comb, $fin)
            } else {
                reduce_rows($v, outer, inner, $init, $f, $comb, $fin)
            }
        };
    }
    if x.dtype().is_complex() {
        // complex64 accumulates in complex64 and complex128 in complex128, as XLA does.
        return crate::with_complex_dtype!(x.dtype(), T => {
            let v = data.as_slice::<T>();
            let out: Vec<T> = match kind {
                ReduceKind::Sum => run!(v, <T as crate::ArrayElement>::zero(), |a: T, b: T| a + b, |a: T, b: T| a + b, |a: T| a),
                ReduceKind::Prod => run!(v, <T as crate::ArrayElement>::one(), |a: T, b: T| a * b, |a: T, b: T| a * b, |a: T| a),
                k => unreachable!("abstract_eval rejects {k:?} on complex numbers"),
            };
            <T as crate::ArrayElement>::into_storage(out)
        }, _ => unreachable!("checked complex"));
    }
    if matches!(kind, ReduceKind::Max | ReduceKind::Min) {
        macro_rules! extreme {
            ($T:ty) => {
                return <$T>::into_storage(extreme::<$T>(
                    kind,
                    data.as_slice::<$T>(),
                    outer,
                    inner,
                    columns,
                ))
            };
        }
        match x.dtype() {
            DType::F16 => extreme!(half::f16),
            DType::BF16 => extreme!(half::bf16),
            DType::F32 => extreme!(f32),
            DType::F64 => extreme!(f64),
            _ => {}
        }
    }
    crate::with_float_dtype!(x.dtype(), T => {
        let v = data.as_slice::<T>();
        // f16/bf16/f32 sums and products accumulate in f32, f64 in f64. The 8- and 4-bit
        // floats accumulate in their own type, rounding every partial result: XLA converts the
        // accumulator back to the narrow format after each step, and folds each row in order
        // (with float4_e2m1fn's saturation at ±6 the order decides the result).
        let narrow = T::DTYPE.is_narrow_float();
        let wide = T::DTYPE == DType::F64 || narrow;
        let in_order = |init: T, f: fn(T, T) -> T| -> Vec<T> {
            if inner == 0 {
                return vec![init; outer];
            }
            v.chunks(inner).map(|row| row.iter().fold(init, |a, &b| f(a, b))).collect()
        };
        let out: Vec<T> = match kind {
            ReduceKind::Sum if narrow && !columns => in_order(T::zero(), |a, b| a + b),
            ReduceKind::Prod if narrow && !columns => in_order(T::one(), |a, b| a * b),
            ReduceKind::Sum if wide => run!(v, <T as crate::ArrayElement>::zero(), |a: T, b: T| a + b, |a: T, b: T| a + b, |a: T| a),
            ReduceKind::Sum => run!(v, 0f32, |a: f32, b: T| a + b.to_f32(), |a: f32, b: f32| a + b, T::from_f32),
            ReduceKind::Prod if wide => run!(v, <T as crate::ArrayElement>::one(), |a: T, b: T| a * b, |a: T, b: T| a * b, |a: T| a),
            ReduceKind::Prod => run!(v, 1f32, |a: f32, b: T| a * b.to_f32(), |a: f32, b: f32| a * b, T::from_f32),
            // The 8-bit floats (the IEEE types returned above through `order_key`).
            ReduceKind::Max => run!(v, T::neg_infinity(), nan_max, nan_max, |a: T| a),
            ReduceKind::Min => run!(v, T::infinity(), nan_min, nan_min, |a: T| a),
            k => unreachable!("abstract_eval rejects {k:?} on floats"),
        };
        T::into_storage(out)
    }, _ => crate::with_int_dtype!(x.dtype(), T => {
        let v = data.as_slice::<T>();
        T::into_storage(int_reduce::<T>(kind, |init, f| run!(v, init, f, f, |a: T| a)))
    }, _ => {
        let v = data.as_slice::<bool>();
        let out: Vec<bool> = match kind {
            ReduceKind::And | ReduceKind::Min => run!(v, true, |a: bool, b: bool| a & b, |a: bool, b: bool| a & b, |a: bool| a),
            ReduceKind::Or | ReduceKind::Max => run!(v, false, |a: bool, b: bool| a | b, |a: bool, b: bool| a | b, |a: bool| a),
            ReduceKind::Xor => run!(v, false, |a: bool, b: bool| a ^ b, |a: bool, b: bool| a ^ b, |a: bool| a),
            ReduceKind::Sum | ReduceKind::Prod => unreachable!("abstract_eval rejects sum/prod of bool"),
        };
        bool::into_storage(out)
    }))
}

/// A max or min reduction of an IEEE float type, folded on integer keys, which vectorise (see
/// `order_key`): the same values as folding with `nan_max`/`nan_min`.
fn extreme<T: OrderKey + Send>(
    kind: ReduceKind,
    v: &[T],
    outer: usize,
    inner: usize,
    columns: bool,
) -> Vec<T> {
    match (kind, columns) {
        (ReduceKind::Max, true) => reduce_columns(
            v,
            outer,
            inner,
            max_start::<T>(),
            max_step::<T>,
            max_join::<T>,
            T::from_fold,
        ),
        (ReduceKind::Max, false) => {
            reduce_rows_folded(v, outer, inner, &MaxKeys::<T>::new(), T::from_fold)
        }
        (ReduceKind::Min, true) => reduce_columns(
            v,
            outer,
            inner,
            min_start::<T>(),
            min_step::<T>,
            min_join::<T>,
            T::from_fold,
        ),
        (ReduceKind::Min, false) => {
            reduce_rows_folded(v, outer, inner, &MinKeys::<T>::new(), T::from_fold)
        }
        (k, _) => unreachable!("extreme() folds max and min only, not {k:?}"),
    }
}

fn int_reduce<T: IntElement>(kind: ReduceKind, run: impl Fn(T, fn(T, T) -> T) -> Vec<T>) -> Vec<T> {
    match kind {
        ReduceKind::Sum => run(<T as crate::ArrayElement>::zero(), |a, b| {
            a.wrapping_add(&b)
        }),
        ReduceKind::Prod => run(<T as crate::ArrayElement>::one(), |a, b| a.wrapping_mul(&b)),
        ReduceKind::Max => run(T::min_value(), |a, b| if a > b { a } else { b }),
        ReduceKind::Min => run(T::max_value(), |a, b| if a < b { a } else { b }),
        ReduceKind::And => run(!<T as crate::ArrayElement>::zero(), |a, b| a & b),
        ReduceKind::Or => run(<T as crate::ArrayElement>::zero(), |a, b| a | b),
        ReduceKind::Xor => run(<T as crate::ArrayElement>::zero(), |a, b| a ^ b),
    }
}

fn arg_rows<T: Element>(v: &[T], outer: usize, inner: usize, kind: ArgKind) -> Vec<i64> {
    let better = |a: T, b: T| match kind {
        ArgKind::Argmax => a > b,
        ArgKind::Argmin => a < b,
    };
    v.chunks_exact(inner)
        .take(outer)
        .map(|row| {
            let mut best = 0usize;
            for (i, &x) in row.iter().enumerate() {
                #[allow(clippy::eq_op)]
                let is_nan = x != x;
                if is_nan {
                    return i as i64;
                }
                if better(x, row[best]) {
                    best = i;
                }
            }
            best as i64
        })
        .collect()
}

/// The starting value of a StableHLO reduction.
enum Identity {
    Zero,
    One,
    /// `-inf`, the smallest integer, or `false`.
    Lowest,
    /// `+inf`, the largest integer, or `true`.
    Highest,
    /// Every bit set (`true` for bool).
    AllOnes,
}

/// A 0-d constant of `dtype` holding `which`.
fn reduce_identity(cx: &mut LoweringContext, dtype: DType, which: Identity) -> Value {
    let bits = dtype.bits();
    if dtype.is_bool() {
        let v = matches!(which, Identity::One | Identity::Highest | Identity::AllOnes);
        return cx.int_scalar(DType::Bool, v as i128);
    }
    if dtype.is_integer() {
        let signed = dtype.is_signed_integer();
        let v: i128 = match which {
            Identity::Zero => 0,
            Identity::One => 1,
            Identity::Lowest if signed => -(1i128 << (bits - 1)),
            Identity::Lowest => 0,
            Identity::Highest if signed => (1i128 << (bits - 1)) - 1,
            Identity::Highest | Identity::AllOnes if !signed => (1i128 << bits) - 1,
            Identity::Highest | Identity::AllOnes => -1,
        };
        return cx.int_scalar(dtype, v);
    }
    let v = match which {
        Identity::Zero => 0.0,
        Identity::One => 1.0,
        Identity::Lowest => f64::NEG_INFINITY,
        Identity::Highest => f64::INFINITY,
        Identity::AllOnes => f64::NAN,
    };
    cx.scalar(dtype, v)
}
