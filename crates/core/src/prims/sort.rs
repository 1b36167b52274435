//! Sorting primitives: multi-operand `sort` and `top_k`.

use super::gather_scatter::{Dims, GatherDimensionNumbers, GatherScatterMode, GatherScatterOp};
use super::iota::IotaOp;
use super::layout::LayoutOp;
use super::{bind, bind1, describe, expect_arity, rules, LinearArg, PrimitiveRule};
use crate::array::{Array, ArrayElement, DType, Shape, ShapeDtype};
use crate::backend::cpu::sort::{
    apply_permutations, complex_order_keys, order_keys, sort_permutations, top_k_indices,
    FloatOrder,
};
use crate::jaxpr::stablehlo::{LoweringContext, LoweringError, Value};

/// A sorting primitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortOp {
    /// `sort[dimension, is_stable, num_keys](*operands)`: sorts every operand along `dimension`
    /// by the lexicographic order of the first `num_keys` operands, all of one shape.
    ///
    /// Floats order as in `lax.sort` (and so `jnp.sort`): `-0.0` and `+0.0` are equal, and NaNs
    /// (of either sign) are equal to each other and after `+inf`. Equal keys keep their input
    /// order when `is_stable` (this implementation is always stable).
    Sort {
        /// The axis to sort along.
        dimension: usize,
        /// Whether equal keys must keep their order.
        is_stable: bool,
        /// How many leading operands are sort keys (at least 1).
        num_keys: usize,
    },
    /// `top_k[k](operand) -> (values, indices)`: the `k` largest entries along the last axis,
    /// largest first, with their `int32` indices. Ties go to the lower index. Floats order by
    /// IEEE totalOrder (`+NaN` largest, `-NaN` smallest, `-0.0 < +0.0`), as in `lax.top_k`.
    TopK {
        /// How many entries to keep (at most the last axis' size).
        k: usize,
    },
}

impl PrimitiveRule for SortOp {
    fn lower(
        &self,
        cx: &mut LoweringContext,
        args: &[Value],
        out: &[ShapeDtype],
    ) -> Result<Vec<Value>, LoweringError> {
        match *self {
            SortOp::Sort {
                dimension,
                num_keys,
                ..
            } => {
                // The comparator sees (x0, y0, x1, y1, ...): x < y in the lexicographic order of
                // the keys, each float key mapped to an integer first so that the order is ours.
                let pairs: Vec<ShapeDtype> = args
                    .iter()
                    .flat_map(|a| {
                        let s = ShapeDtype::new(Vec::<usize>::new(), a.aval.dtype);
                        [s.clone(), s]
                    })
                    .collect();
                let region = cx.region(&pairs, |cx, p| {
                    // The comparison keys: a complex key is its real part, then its imaginary
                    // part (lexicographic, as `lax.sort`).
                    let mut keys: Vec<(Value, Value)> = Vec::new();
                    for k in 0..num_keys {
                        let (x, y) = (&p[2 * k], &p[2 * k + 1]);
                        let d = x.aval.dtype;
                        if d.is_complex() {
                            let part = ShapeDtype::new(Vec::<usize>::new(), d.real_dtype());
                            for op in ["stablehlo.real", "stablehlo.imag"] {
                                let xp = cx.op(op, &[x], "", &part);
                                let yp = cx.op(op, &[y], "", &part);
                                keys.push((sort_key(cx, &xp), sort_key(cx, &yp)));
                            }
                        } else {
                            keys.push((sort_key(cx, x), sort_key(cx, y)));
                        }
                    }
                    let mut less: Option<Value> = None;
                    for (x, y) in keys.iter().rev() {
                        let lt = cx.compare("LT", x, y);
                        less = Some(match less {
                            None => lt,
                            Some(rest) => {
                                let eq = cx.compare("EQ", x, y);
                                let tie =
                                    cx.elementwise("stablehlo.and", &[&eq, &rest], DType::Bool);
                                cx.elementwise("stablehlo.or", &[&lt, &tie], DType::Bool)
                            }
                        });
                    }
                    Ok(vec![less.expect("at least one key")])
                })?;
                let operands: Vec<&Value> = args.iter().collect();
                Ok(cx.op_with_regions(
                    "stablehlo.sort",
                    &operands,
                    &[region],
                    &format!("dimension = {dimension} : i64, is_stable = true"),
                    out,
                ))
            }
            SortOp::TopK { k } => Ok(cx.op_with_regions(
                "chlo.top_k",
                &[&args[0]],
                &[],
                &format!("k = {k} : i64"),
                out,
            )),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            SortOp::Sort { .. } => "sort",
            SortOp::TopK { .. } => "top_k",
        }
    }

    fn abstract_eval(&self, args: &[&ShapeDtype]) -> Vec<ShapeDtype> {
        match *self {
            SortOp::Sort {
                dimension,
                num_keys,
                ..
            } => {
                if args.is_empty() {
                    panic!("sort: expected at least one operand, got none");
                }
                let shape = &args[0].shape;
                if args.iter().any(|a| a.shape != *shape) {
                    panic!(
                        "sort: all operands must have the same shape, got {}",
                        describe(args)
                    );
                }
                if dimension >= shape.ndim() {
                    panic!(
                        "sort: dimension {dimension} is out of range for operands {}",
                        describe(args)
                    );
                }
                if num_keys == 0 || num_keys > args.len() {
                    panic!(
                        "sort: num_keys must be between 1 and the number of operands ({}), got \
                         {num_keys} for operands {}",
                        args.len(),
                        describe(args)
                    );
                }
                args.iter().map(|a| (*a).clone()).collect()
            }
            SortOp::TopK { k } => {
                expect_arity("top_k", args, 1);
                let x = args[0];
                if x.ndim() == 0 {
                    panic!(
                        "top_k: the operand must have at least one axis, got {}",
                        describe(args)
                    );
                }
                let n = x.shape[x.ndim() - 1];
                if k > n {
                    let dims: Vec<String> = x.shape.iter().map(|d| d.to_string()).collect();
                    panic!(
                        "top_k: k argument to top_k must be no larger than size along axis; got \
                         k={k} with shape=[{}] and axis={}; operand {}",
                        dims.join(", "),
                        x.ndim() - 1,
                        describe(args)
                    );
                }
                let mut dims = x.shape.clone();
                let last = dims.ndim() - 1;
                dims[last] = k;
                vec![
                    ShapeDtype::new(dims.clone(), x.dtype).with_weak(x.weak_type),
                    ShapeDtype::new(dims, DType::I32),
                ]
            }
        }
    }

    fn eval(&self, args: &[&Array], out: &[ShapeDtype]) -> Vec<Array> {
        match *self {
            SortOp::Sort {
                dimension,
                num_keys,
                ..
            } => {
                let shape = args[0].shape();
                let outer: usize = shape[..dimension].iter().product();
                let len = shape[dimension];
                let inner: usize = shape[dimension + 1..].iter().product();
                if outer * len * inner == 0 {
                    return args.iter().map(|a| (*a).clone()).collect();
                }
                // A complex key is two: its real parts, then its imaginary parts.
                let keys: Vec<Vec<u64>> = args[..num_keys]
                    .iter()
                    .flat_map(|a| {
                        if a.dtype().is_complex() {
                            complex_order_keys(a, FloatOrder::Sort).to_vec()
                        } else {
                            vec![order_keys(a, FloatOrder::Sort)]
                        }
                    })
                    .collect();
                let perms = sort_permutations(&keys, outer, len, inner);
                args.iter()
                    .zip(out)
                    .map(|(a, o)| {
                        let storage = crate::with_dtype!(a.dtype(), T => <T as ArrayElement>::into_storage(
                            apply_permutations(a.as_slice::<T>(), &perms, outer, len, inner)));
                        Array::from_storage(storage, o.shape.clone()).with_weak_type(o.weak_type)
                    })
                    .collect()
            }
            SortOp::TopK { k } => {
                let x = args[0];
                let len = *x.shape().last().expect("abstract_eval checked the rank");
                // Rows of the operand (and of the output, which has them even when len is 0).
                let rows: usize = x.shape()[..x.ndim() - 1].iter().product();
                let keys = order_keys(x, FloatOrder::Total);
                let idx = top_k_indices(&keys, rows, len, k);
                let values = crate::with_dtype!(x.dtype(), T => {
                    let v = x.as_slice::<T>();
                    T::into_storage(idx.iter().enumerate().map(|(p, &j)| v[(p / k) * len + j as usize]).collect())
                });
                let shape: Shape = out[0].shape.clone();
                vec![
                    Array::from_storage(values, shape.clone()).with_weak_type(out[0].weak_type),
                    Array::from_vec(
                        idx.into_iter().map(|j| j as i32).collect::<Vec<i32>>(),
                        shape,
                    ),
                ]
            }
        }
    }

    fn jvp(
        &self,
        primals: &[&Array],
        tangents: &[Option<&Array>],
    ) -> (Vec<Array>, Vec<Option<Array>>) {
        match *self {
            SortOp::Sort {
                dimension,
                is_stable,
                num_keys,
            } => {
                // Sort an iota along with the operands; the sorted iota is the permutation,
                // which gathers the tangents.
                let shape = primals[0].aval().shape.clone();
                let iota = bind1(
                    IotaOp {
                        dtype: DType::I32,
                        shape: shape.clone(),
                        dimension,
                    },
                    &[],
                );
                let mut args: Vec<&Array> = primals.to_vec();
                args.push(&iota);
                let mut outs = bind(
                    SortOp::Sort {
                        dimension,
                        is_stable,
                        num_keys,
                    },
                    &args,
                );
                let perm = outs.pop().expect("the sorted iota");
                let ts = tangents
                    .iter()
                    .map(|t| t.map(|t| take_along(t, &perm, dimension)))
                    .collect();
                (outs, ts)
            }
            SortOp::TopK { .. } => {
                let outs = bind(self.clone(), primals);
                let last = primals[0].ndim() - 1;
                let t = tangents[0].map(|t| take_along(t, &outs[1], last));
                (outs, vec![t, None])
            }
        }
    }

    fn transpose(&self, _cts: &[Option<&Array>], _args: &[LinearArg]) -> Vec<Option<Array>> {
        rules::not_linear(self.name())
    }

    fn batch(
        &self,
        args: &[&Array],
        dims: &[Option<usize>],
        _axis_size: usize,
    ) -> (Vec<Array>, Vec<Option<usize>>) {
        match *self {
            SortOp::Sort {
                dimension,
                is_stable,
                num_keys,
            } => {
                // Every operand gets the batch axis where the first batched one has it.
                let (proto, bdim) = args
                    .iter()
                    .zip(dims)
                    .find_map(|(a, d)| d.map(|d| (*a, d)))
                    .expect("a batching rule gets at least one batched operand");
                let moved: Vec<Array> = args
                    .iter()
                    .zip(dims)
                    .map(|(a, d)| match d {
                        Some(d) => rules::move_axis(a, *d, bdim),
                        None => bind1(
                            LayoutOp::BroadcastInDim {
                                shape: proto.aval().shape.clone(),
                                broadcast_dimensions: (0..proto.ndim())
                                    .filter(|&i| i != bdim)
                                    .collect(),
                            },
                            &[a],
                        ),
                    })
                    .collect();
                let refs: Vec<&Array> = moved.iter().collect();
                let prim = SortOp::Sort {
                    dimension: dimension + usize::from(bdim <= dimension),
                    is_stable,
                    num_keys,
                };
                let outs = bind(prim, &refs);
                let n = outs.len();
                (outs, vec![Some(bdim); n])
            }
            SortOp::TopK { .. } => {
                // top_k works on the last axis, so the batch axis must not be there.
                let bdim = dims[0].expect("one batched operand");
                let (x, bdim) = if bdim + 1 == args[0].ndim() {
                    (rules::move_axis(args[0], bdim, 0), 0)
                } else {
                    (args[0].clone(), bdim)
                };
                (bind(self.clone(), &[&x]), vec![Some(bdim), Some(bdim)])
            }
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        match *self {
            SortOp::Sort {
                dimension,
                is_stable,
                num_keys,
            } => vec![
                ("dimension", dimension.to_string()),
                ("is_stable", rules::py_bool(is_stable)),
                ("num_keys", num_keys.to_string()),
            ],
            SortOp::TopK { k } => vec![("k", k.to_string())],
        }
    }
}

/// `x` reordered along `axis` by `idx` (same shape as the result; entries index `axis`), as a
/// gather whose other axes are batching pairs: `out[..., i, ...] = x[..., idx[..., i, ...], ...]`.
fn take_along(x: &Array, idx: &Array, axis: usize) -> Array {
    if idx.size() == 0 {
        // Empty results (k = 0 or a size-0 axis): nothing to gather, and a size-1 slice of an
        // empty axis would be out of range.
        return rules::zeros(&ShapeDtype::new(idx.aval().shape.clone(), x.dtype()));
    }
    let nd = idx.ndim();
    let others: Dims = (0..nd).filter(|&i| i != axis).collect();
    let mut ishape = idx.shape().to_vec();
    ishape.push(1);
    let indices = rules::reshape(idx, &ishape);
    bind1(
        GatherScatterOp::Gather {
            dimension_numbers: GatherDimensionNumbers {
                offset_dims: Dims::new(),
                collapsed_slice_dims: Dims::from_slice(&[axis]),
                start_index_map: Dims::from_slice(&[axis]),
                operand_batching_dims: others.clone(),
                start_indices_batching_dims: others,
            },
            slice_sizes: Dims::from_elem(1, nd),
            mode: GatherScatterMode::PromiseInBounds,
            fill_value: None,
        },
        &[x, &indices],
    )
}

/// A sort key in which floats order as `SortOp::Sort` says (as `lax.sort`'s
/// `_float_to_int_for_sort`): `-0.0` made `+0.0`, every NaN the canonical one, then the bits as
/// a signed integer with the negative half's order flipped. Other dtypes are their own keys.
fn sort_key(cx: &mut LoweringContext, x: &Value) -> Value {
    let d = x.aval.dtype;
    if !d.is_float() {
        return x.clone();
    }
    let scalar = |d| ShapeDtype::new(Vec::<usize>::new(), d);
    // Half floats order as the float32s they widen to.
    let x = if d.bits() < 32 {
        cx.op("stablehlo.convert", &[x], "", &scalar(DType::F32))
    } else {
        x.clone()
    };
    let d = x.aval.dtype;
    let (signed, unsigned) = if d == DType::F64 {
        (DType::I64, DType::U64)
    } else {
        (DType::I32, DType::U32)
    };
    let zero = cx.scalar(d, 0.0);
    let is_zero = cx.compare("EQ", &x, &zero);
    let x = cx.elementwise("stablehlo.select", &[&is_zero, &zero, &x], d);
    let is_nan = cx.compare("NE", &x, &x);
    let nan = cx.scalar(d, f64::NAN);
    let x = cx.elementwise("stablehlo.select", &[&is_nan, &nan, &x], d);
    let s = cx.op("stablehlo.bitcast_convert", &[&x], "", &scalar(signed));
    let u = cx.op("stablehlo.bitcast_convert", &[&x], "", &scalar(unsigned));
    let max = cx.int_scalar(unsigned, (1i128 << (signed.bits() - 1)) - 1);
    let flipped = cx.elementwise("stablehlo.subtract", &[&max, &u], unsigned);
    let flipped = cx.op(
        "stablehlo.bitcast_convert",
        &[&flipped],
        "",
        &scalar(signed),
    );
    let zero = cx.int_scalar(signed, 0);
    let negative = cx.compare("LT", &s, &zero);
    cx.elementwise("stablehlo.select", &[&negative, &flipped, &s], signed)
}
