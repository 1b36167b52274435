//! `jax.lax`'s reductions, cumulative reductions and sorts over explicit, non-negative axes.

use super::layout_axes;
use crate::array::{Array, DType};
use crate::prims::cumulative::{CumulativeKind, CumulativeOp};
use crate::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use crate::prims::sort::SortOp;
use crate::prims::{bind, bind1, ops};

fn reduce(kind: ReduceKind, x: &Array, axes: &[usize]) -> Array {
    bind1(
        ReduceOp::Reduce {
            kind,
            axes: layout_axes(axes),
        },
        &[x],
    )
}

/// `jax.lax.reduce_sum`: the sum over `axes`.
pub fn reduce_sum(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Sum, x, axes)
}

/// `jax.lax.reduce_prod`: the product over `axes`.
pub fn reduce_prod(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Prod, x, axes)
}

/// `jax.lax.reduce_max`: the maximum over `axes` (NaN propagates).
pub fn reduce_max(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Max, x, axes)
}

/// `jax.lax.reduce_min`: the minimum over `axes` (NaN propagates).
pub fn reduce_min(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Min, x, axes)
}

/// `jax.lax.reduce_and`: bitwise/logical and over `axes` (bool or integer operands).
pub fn reduce_and(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::And, x, axes)
}

/// `jax.lax.reduce_or`: bitwise/logical or over `axes` (bool or integer operands).
pub fn reduce_or(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Or, x, axes)
}

/// `jax.lax.reduce_xor`: bitwise/logical xor over `axes` (bool or integer operands).
pub fn reduce_xor(x: &Array, axes: &[usize]) -> Array {
    reduce(ReduceKind::Xor, x, axes)
}

/// `jax.lax.argmax`: the index of the first maximum along `axis`, as `index_dtype`.
pub fn argmax(x: &Array, axis: usize, index_dtype: DType) -> Array {
    bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmax,
            axis,
            index_dtype,
        },
        &[x],
    )
}

/// `jax.lax.argmin`: the index of the first minimum along `axis`, as `index_dtype`.
pub fn argmin(x: &Array, axis: usize, index_dtype: DType) -> Array {
    bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmin,
            axis,
            index_dtype,
        },
        &[x],
    )
}

fn cumulative(kind: CumulativeKind, x: &Array, axis: usize, reverse: bool) -> Array {
    bind1(
        CumulativeOp {
            kind,
            axis,
            reverse,
        },
        &[x],
    )
}

/// `jax.lax.cumsum`: the running sum along `axis` (from the end when `reverse`).
pub fn cumsum(x: &Array, axis: usize, reverse: bool) -> Array {
    cumulative(CumulativeKind::Sum, x, axis, reverse)
}

/// `jax.lax.cumprod`: the running product along `axis` (from the end when `reverse`).
pub fn cumprod(x: &Array, axis: usize, reverse: bool) -> Array {
    cumulative(CumulativeKind::Prod, x, axis, reverse)
}

/// `jax.lax.cummax`: the running maximum along `axis` (from the end when `reverse`).
pub fn cummax(x: &Array, axis: usize, reverse: bool) -> Array {
    cumulative(CumulativeKind::Max, x, axis, reverse)
}

/// `jax.lax.cummin`: the running minimum along `axis` (from the end when `reverse`).
pub fn cummin(x: &Array, axis: usize, reverse: bool) -> Array {
    cumulative(CumulativeKind::Min, x, axis, reverse)
}

/// `jax.lax.cumlogsumexp`: the running `log(sum(exp(x)))` along `axis` (from the end when
/// `reverse`), for floats. Computed as an inclusive scan in ⌈log₂ n⌉ steps (Hillis–Steele):
/// step `s` combines each element with the one `s` before it through `logaddexp` (a `-inf`
/// fill before the start), so it is stable at any range of values and differentiable.
pub fn cumlogsumexp(x: &Array, axis: usize, reverse: bool) -> Array {
    if !x.dtype().is_float() {
        panic!(
            "cumlogsumexp: got {} but expected a floating-point operand",
            x.aval()
        );
    }
    if axis >= x.ndim() {
        panic!(
            "cumlogsumexp: axis {axis} is out of range for shape {}",
            x.shape_obj()
        );
    }
    let n = x.shape()[axis];
    let mut y = if reverse {
        super::rev(x, &[axis])
    } else {
        x.clone()
    };
    let mut s = 1;
    while s < n {
        let mut fill_shape = y.shape().to_vec();
        fill_shape[axis] = s;
        let fill = ops::full(fill_shape, f64::NEG_INFINITY).astype(y.dtype());
        let head = super::slice_in_dim(&y, 0, n - s, 1, axis);
        let shifted = super::concatenate(&[&fill, &head], axis);
        y = ops::logaddexp(&y, &shifted);
        s *= 2;
    }
    if reverse {
        super::rev(&y, &[axis])
    } else {
        y
    }
}

/// `jax.lax.sort` of one operand: sorted along `dimension` (NaNs last, `-0.0 == 0.0`); the
/// sort is always stable here, so `is_stable` only documents intent.
pub fn sort(x: &Array, dimension: usize, is_stable: bool) -> Array {
    bind1(
        SortOp::Sort {
            dimension,
            is_stable,
            num_keys: 1,
        },
        &[x],
    )
}

/// `jax.lax.sort` of several operands of one shape, ordered lexicographically by the first
/// `num_keys` of them; every operand is permuted the same way.
pub fn sort_multi(
    operands: &[&Array],
    dimension: usize,
    is_stable: bool,
    num_keys: usize,
) -> Vec<Array> {
    bind(
        SortOp::Sort {
            dimension,
            is_stable,
            num_keys,
        },
        operands,
    )
}

/// `jax.lax.sort_key_val`: `keys` sorted along `dimension`, and `values` permuted the same way.
pub fn sort_key_val(
    keys: &Array,
    values: &Array,
    dimension: usize,
    is_stable: bool,
) -> (Array, Array) {
    let mut out = sort_multi(&[keys, values], dimension, is_stable, 1);
    let v = out.pop().expect("sort returns one array per operand");
    let k = out.pop().expect("sort returns one array per operand");
    (k, v)
}

/// `jax.lax.top_k`: the `k` largest entries along the last axis, largest first, and their
/// int32 indices (ties to the lower index).
pub fn top_k(x: &Array, k: usize) -> (Array, Array) {
    let mut out = bind(SortOp::TopK { k }, &[x]);
    let i = out.pop().expect("top_k returns values and indices");
    let v = out.pop().expect("top_k returns values and indices");
    (v, i)
}

/// `jax.lax.top_k(operand, k, axis=axis)`: [`top_k`] along any axis (negative counts from the
/// end); the results have `k` entries along that axis.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![1.0f32, 5.0, 4.0, 2.0], [2, 2]);
/// let (v, i) = lax::top_k_along(&x, 1, 0);
/// assert_eq!((v.to_vec::<f32>(), i.to_vec::<i32>()), (vec![4.0, 5.0], vec![1, 0]));
/// ```
pub fn top_k_along(x: &Array, k: usize, axis: isize) -> (Array, Array) {
    let axis = crate::array::normalize_axis(axis, x.ndim(), "top_k");
    let last = x.ndim() - 1;
    if axis == last {
        return top_k(x, k);
    }
    let (v, i) = top_k(&ops::moveaxis(x, axis, last), k);
    let back = |a: &Array| ops::moveaxis(a, last, axis);
    (back(&v), back(&i))
}

/// Options of [`approx_max_k_with`] and [`approx_min_k_with`] (JAX's keyword arguments).
#[derive(Clone, Debug)]
pub struct ApproxTopKOptions {
    /// The axis to search (default -1, the last).
    pub reduction_dimension: isize,
    /// The recall the approximation must reach (default 0.95). On CPU, as XLA's CPU fallback,
    /// the search is exact, so any target is met.
    pub recall_target: f32,
}

impl Default for ApproxTopKOptions {
    fn default() -> Self {
        ApproxTopKOptions {
            reduction_dimension: -1,
            recall_target: 0.95,
        }
    }
}

/// `jax.lax.approx_max_k`: the `k` largest entries along the last axis and their int32
/// indices (float operands only, as in JAX). XLA's CPU backend computes this exactly (a sort), as here, so the results equal
/// [`top_k`]'s.
pub fn approx_max_k(x: &Array, k: usize) -> (Array, Array) {
    approx_max_k_with(x, k, &ApproxTopKOptions::default())
}

/// [`approx_max_k`] with its options ([`ApproxTopKOptions`]).
pub fn approx_max_k_with(x: &Array, k: usize, options: &ApproxTopKOptions) -> (Array, Array) {
    check_approx_top_k("approx_max_k", x, options.recall_target);
    top_k_along(x, k, options.reduction_dimension)
}

/// `jax.lax.approx_min_k`: the `k` smallest entries along the last axis, smallest first, and
/// their int32 indices (ties to the lower index); exact on CPU, as XLA's fallback. Float
/// operands only, as in JAX.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![3.0f32, -1.0, 7.0, -1.0], [4]);
/// let (v, i) = lax::approx_min_k(&x, 2);
/// assert_eq!((v.to_vec::<f32>(), i.to_vec::<i32>()), (vec![-1.0, -1.0], vec![1, 3]));
/// ```
pub fn approx_min_k(x: &Array, k: usize) -> (Array, Array) {
    approx_min_k_with(x, k, &ApproxTopKOptions::default())
}

/// [`approx_min_k`] with its options ([`ApproxTopKOptions`]).
pub fn approx_min_k_with(x: &Array, k: usize, options: &ApproxTopKOptions) -> (Array, Array) {
    check_approx_top_k("approx_min_k", x, options.recall_target);
    // Negation reverses the order and keeps ties tied.
    let (v, i) = top_k_along(&super::neg(x), k, options.reduction_dimension);
    (super::neg(&v), i)
}

fn check_approx_top_k(op: &str, x: &Array, recall_target: f32) {
    if !x.dtype().is_float() {
        panic!("{op}: operand must be a floating type; got {}", x.aval());
    }
    if !(recall_target > 0.0 && recall_target <= 1.0) {
        panic!("{op}: recall_target must be in (0, 1]; got {recall_target}");
    }
}
