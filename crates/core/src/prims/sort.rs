//! Sorting primitives: multi-operand `sort` and `top_k`.

use super::{describe, expect_arity, PrimitiveRule};
use crate::array::{Array, DType, Element, Shape, ShapeDtype};
use crate::backend::cpu::sort::{
    apply_permutations, order_keys, sort_permutations, top_k_indices, FloatOrder,
};

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
                    panic!(
                        "top_k: k = {k} is larger than the last axis ({n}) of operand {}",
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
                let keys: Vec<Vec<u64>> = args[..num_keys]
                    .iter()
                    .map(|a| order_keys(a, FloatOrder::Sort))
                    .collect();
                let perms = sort_permutations(&keys, outer, len, inner);
                args.iter()
                    .zip(out)
                    .map(|(a, o)| {
                        let storage = crate::with_dtype!(a.dtype(), T => T::into_storage(
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
}
