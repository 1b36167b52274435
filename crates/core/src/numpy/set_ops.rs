//! Membership, nonzero positions and unique values, named as in `jax.numpy`: `isin`,
//! `nonzero`, `argwhere`, `flatnonzero`, `unique` (and the array-API `unique_all`,
//! `unique_counts`, `unique_inverse`, `unique_values`), and the 1-d set operations
//! `intersect1d`, `setdiff1d`, `setxor1d`, `union1d`.
//!
//! The results of `nonzero`, `argwhere`, `flatnonzero` and `unique` have a length that depends
//! on the data, so (as in JAX outside `jit`) the plain forms need a concrete input. The
//! `*_sized` forms take a static `size` (padding with a fill value, or truncating) and work
//! under every transformation.

use super::cumulative::cumsum;
use super::indexing::{index, Index};
use super::manipulation::{moveaxis, ravel, reshape};
use super::math::{equal, isnan, less, logical_and, logical_not, not_equal, where_};
use super::promotion::{convert, promote_dtypes};
use super::reductions::{any, sum};
use super::sorting::argsort;
use crate::array::{Array, DType};
use crate::lax;

/// `jnp.isin(element, test_elements)`: true where an element of `element` equals some element
/// of `test_elements` (compared after promotion; NaN is in nothing). Shaped like `element`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(5);
/// let t = Array::from_vec(vec![1i32, 3, 7], [3]);
/// assert_eq!(jnp::isin(&x, &t, false).to_vec::<bool>(), vec![false, true, false, true, false]);
/// ```
pub fn isin(element: &Array, test_elements: &Array, invert: bool) -> Array {
    let p = promote_dtypes(&[element, test_elements]);
    let (a, b) = (ravel(&p[0]), ravel(&p[1]));
    let out = if a.size() == 0 || b.size() == 0 {
        super::creation::full([a.size()], invert)
    } else {
        // JAX's `compare_all` method: every element against every test element.
        let a2 = reshape(&a, [a.size(), 1]);
        let b2 = reshape(&b, [1, b.size()]);
        if invert {
            super::reductions::all(&not_equal(&a2, &b2), -1)
        } else {
            any(&equal(&a2, &b2), -1)
        }
    };
    reshape(&out, element.shape())
}

/// The number of true elements of a concrete mask; panics naming `op` under a transformation.
fn concrete_count(mask: &Array, op: &str) -> usize {
    if !mask.is_concrete() {
        panic!(
            "{op}: the result's size depends on the values of a traced array of shape {}; \
             use {op}_sized with a static size under jit/vmap/grad",
            mask.shape_obj()
        );
    }
    sum(mask, None).item::<i32>() as usize
}

fn as_mask(a: &Array) -> Array {
    if a.dtype().is_bool() {
        a.clone()
    } else {
        not_equal(a, &convert(&Array::scalar(0i32), a.dtype(), false))
    }
}

/// `jnp.nonzero(a)`: one int32 array per axis of `a`, holding the coordinates of its nonzero
/// elements in row-major order. Needs a concrete `a` (see [`nonzero_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 5, 7, 0], [2, 2]);
/// let nz = jnp::nonzero(&x);
/// assert_eq!(nz[0].to_vec::<i32>(), vec![0, 1]);
/// assert_eq!(nz[1].to_vec::<i32>(), vec![1, 0]);
/// ```
pub fn nonzero(a: &Array) -> Vec<Array> {
    if a.ndim() == 0 {
        panic!("nonzero: calling nonzero on a 0-d array is not allowed; use atleast_1d first");
    }
    let n = concrete_count(&as_mask(a), "nonzero");
    nonzero_sized(a, n, None)
}

/// `jnp.nonzero(a, size=size, fill_value=fill_value)`: the first `size` nonzero coordinates;
/// missing entries are `fill_value` (`None`: 0).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0.0f32, 2.0, 0.0], [3]);
/// assert_eq!(jnp::nonzero_sized(&x, 3, Some(-1))[0].to_vec::<i32>(), vec![1, -1, -1]);
/// ```
pub fn nonzero_sized(a: &Array, size: usize, fill_value: Option<i32>) -> Vec<Array> {
    if a.ndim() == 0 {
        panic!("nonzero: calling nonzero on a 0-d array is not allowed; use atleast_1d first");
    }
    if a.size() == 0 || size == 0 {
        return (0..a.ndim())
            .map(|_| super::creation::zeros_dtype([size], DType::I32))
            .collect();
    }
    let mask = ravel(&as_mask(a));
    let mask_i = convert(&mask, DType::I32, false);
    // JAX's formula: the k-th nonzero flat position is the number of positions whose running
    // count is at most k (`cumsum(bincount(cumsum(mask), length=size))`); past the last
    // nonzero it is `a.size()`, which maps to coordinate 0 on every axis.
    let running = cumsum(&mask_i, 0);
    let binned = super::histograms::counts(&running, None, size);
    let flat = cumsum(&binned, 0);
    let shape = a.shape().to_vec();
    let mut stride = 1i32;
    let mut out: Vec<Array> = Vec::with_capacity(shape.len());
    for &d in shape.iter().rev() {
        let c = super::math::floor_divide(&flat, &Array::weak_scalar(stride));
        out.push(super::math::remainder(&c, &Array::weak_scalar(d as i32)));
        stride *= d as i32;
    }
    out.reverse();
    if let Some(fill) = fill_value {
        let count = sum(&mask_i, None);
        let past = super::math::greater_equal(&lax::iota(DType::I32, size), &count);
        out = out
            .iter()
            .map(|o| where_(&past, &Array::scalar(fill), o))
            .collect();
    }
    out
}

/// `jnp.argwhere(a)`: the coordinates of the nonzero elements, one row each (`[n, a.ndim()]`).
/// Needs a concrete `a` (see [`argwhere_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 5, 7, 0], [2, 2]);
/// assert_eq!(jnp::argwhere(&x).to_vec::<i32>(), vec![0, 1, 1, 0]);
/// ```
pub fn argwhere(a: &Array) -> Array {
    let n = concrete_count(&as_mask(a), "argwhere");
    argwhere_sized(a, n, None)
}

/// `jnp.argwhere(a, size=size, fill_value=fill_value)`.
pub fn argwhere_sized(a: &Array, size: usize, fill_value: Option<i32>) -> Array {
    if a.ndim() == 0 {
        // JAX: the coordinates of a 0-d array have no columns.
        return super::creation::zeros_dtype([size.min(usize::from(a.size() > 0)), 0], DType::I32)
            .reshape([-1, 0]);
    }
    let parts = nonzero_sized(a, size, fill_value);
    let refs: Vec<&Array> = parts.iter().collect();
    super::joining::stack(&refs, 1)
}

/// `jnp.flatnonzero(a)`: the positions of the nonzero elements of the flattened array. Needs a
/// concrete `a` (see [`flatnonzero_sized`]).
pub fn flatnonzero(a: &Array) -> Array {
    nonzero(&ravel(a)).remove(0)
}

/// `jnp.flatnonzero(a, size=size, fill_value=fill_value)`.
pub fn flatnonzero_sized(a: &Array, size: usize, fill_value: Option<i32>) -> Array {
    nonzero_sized(&ravel(a), size, fill_value).remove(0)
}

/// Options of [`unique_with`] (JAX's defaults: values only, NaNs equal, data-dependent size).
#[derive(Clone, Copy, Debug)]
pub struct UniqueOptions {
    /// The axis whose slices are the items (`None`: the elements of the flattened array).
    pub axis: Option<isize>,
    /// Also return the position of each unique value's first occurrence.
    pub return_index: bool,
    /// Also return, for each input element, the position of its value in the result (shaped
    /// like the input).
    pub return_inverse: bool,
    /// Also return how often each unique value occurs.
    pub return_counts: bool,
    /// Treat all NaNs as one value.
    pub equal_nan: bool,
    /// A static result length (works under jit): truncates, or pads with `fill_value`.
    pub size: Option<usize>,
    /// The padding for `size` (`None`: the smallest value, as in JAX).
    pub fill_value: Option<f64>,
}

impl Default for UniqueOptions {
    fn default() -> Self {
        UniqueOptions {
            axis: None,
            return_index: false,
            return_inverse: false,
            return_counts: false,
            equal_nan: true,
            size: None,
            fill_value: None,
        }
    }
}

/// What [`unique_with`] returns: the sorted unique values (or slices) and the extra arrays
/// asked for.
#[derive(Clone, Debug)]
pub struct UniqueResult {
    /// The sorted unique values.
    pub values: Array,
    /// First-occurrence positions (with `return_index`).
    pub indices: Option<Array>,
    /// Positions of each input element's value in `values` (with `return_inverse`).
    pub inverse: Option<Array>,
    /// Occurrence counts (with `return_counts`).
    pub counts: Option<Array>,
}

/// `jnp.unique(ar)`: the sorted unique values of the flattened array. Needs a concrete input
/// (see [`UniqueOptions::size`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3i32, 1, 3, 2, 1], [5]);
/// assert_eq!(jnp::unique(&x).to_vec::<i32>(), vec![1, 2, 3]);
/// ```
pub fn unique(ar: &Array) -> Array {
    unique_with(ar, UniqueOptions::default()).values
}

/// `jnp.unique(ar, return_index, return_inverse, return_counts, axis, equal_nan, size,
/// fill_value)`: the unique elements, or the unique slices along `axis` in lexicographic order.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3i32, 1, 3], [3]);
/// let opts = jnp::UniqueOptions { return_counts: true, size: Some(4), fill_value: Some(0.0), ..Default::default() };
/// let u = jnp::unique_with(&x, opts);
/// assert_eq!(u.values.to_vec::<i32>(), vec![1, 3, 0, 0]);
/// assert_eq!(u.counts.unwrap().to_vec::<i32>(), vec![1, 2, 0, 0]);
/// ```
pub fn unique_with(ar: &Array, options: UniqueOptions) -> UniqueResult {
    // Slices along `axis` (elements of the flattened array for `None`) are the items, moved
    // to the front.
    let aux0 = match options.axis {
        None => ravel(ar),
        Some(a) => {
            let a = crate::array::normalize_axis(a, ar.ndim(), "unique");
            moveaxis(ar, a as isize, 0)
        }
    };
    let n_items = aux0.shape()[0];
    let rest: usize = aux0.shape()[1..].iter().product();
    if n_items == 0 && options.size.unwrap_or(0) > 0 && options.fill_value.is_none() {
        panic!("unique: for a zero-size input with a nonzero size, fill_value must be given");
    }
    // JAX's `_unique_sorted_mask`: sort the items lexicographically (stably), then mark each
    // one that differs from its predecessor.
    let perm = if rest == 0 {
        super::creation::zeros_dtype([1], DType::I32)
    } else {
        let rows = reshape(&aux0, [n_items, rest]);
        // `lexsort` with column 0 the primary key: stable sorts from the last key back.
        let mut perm = lax::iota(DType::I32, n_items);
        for c in (0..rest).rev() {
            let col = index(&rows, &[Index::full(), Index::Int(c as i64)]);
            let key = index(&col, &[Index::Array(perm.clone())]);
            perm = index(&perm, &[Index::Array(argsort(&key, 0))]);
        }
        perm
    };
    let aux = index(&aux0, &[Index::Array(perm.clone())]);
    let n = aux.shape()[0];
    let empty = aux.size() == 0;
    let mask = if empty {
        super::creation::full([n], false)
    } else {
        let hi = lax::slice_in_dim(&aux, 1, n, 1, 0);
        let lo = lax::slice_in_dim(&aux, 0, n - 1, 1, 0);
        let mut neq = not_equal(&hi, &lo);
        if aux.dtype().is_float() && options.equal_nan {
            neq = logical_and(&neq, &logical_not(&logical_and(&isnan(&hi), &isnan(&lo))));
        }
        if neq.ndim() > 1 {
            neq = any(&neq, (1..neq.ndim() as i32).collect::<Vec<_>>());
        }
        super::joining::concatenate(&[&super::creation::full([1], true), &neq], 0)
    };
    let size = match options.size {
        Some(s) => s,
        None => concrete_count(&mask, "unique"),
    };
    let ind = nonzero_sized(&mask, size, None).remove(0);
    let mut values = if empty {
        aux.clone()
    } else {
        index(&aux, &[Index::Array(ind.clone())])
    };
    if let (Some(_), Some(fill)) = (options.size, options.fill_value) {
        let fill = convert(&Array::scalar(fill), values.dtype(), false);
        let mut shape = aux.shape().to_vec();
        shape[0] = size;
        values = if values.shape()[0] == 0 {
            super::manipulation::broadcast_to(&fill, shape)
        } else {
            let valid = less(
                &lax::iota(DType::I32, size),
                &sum(&convert(&mask, DType::I32, false), None),
            );
            let mut vshape = vec![1usize; values.ndim()];
            vshape[0] = size;
            where_(&reshape(&valid, vshape), &values, &fill)
        };
    }
    let values = moveaxis(&values, 0, options.axis.unwrap_or(0));
    let indices = options.return_index.then(|| {
        if empty {
            perm.clone()
        } else {
            index(&perm, &[Index::Array(ind.clone())])
        }
    });
    let inverse = options.return_inverse.then(|| {
        let inv = if empty {
            super::creation::zeros_dtype([n_items], DType::I32)
        } else {
            let imask = super::math::subtract(
                &cumsum(&convert(&mask, DType::I32, false), 0),
                &Array::weak_scalar(1i32),
            );
            super::creation::zeros_dtype([n], DType::I32)
                .at(vec![Index::Array(perm.clone())])
                .set(&imask)
        };
        // For the flattened array the inverse takes the input's shape, as in JAX.
        match options.axis {
            None => reshape(&inv, ar.shape()),
            Some(_) => inv,
        }
    });
    let counts = options.return_counts.then(|| {
        if empty {
            // No items, or items with no elements (which all compare equal).
            if n_items > 0 {
                super::creation::full([1], n_items as i32)
            } else {
                super::creation::zeros_dtype([0], DType::I32)
            }
        } else {
            // Positions where runs start, then `n` to close the last run; differences are the
            // run lengths (0 in the padding of a sized result).
            let starts = nonzero_sized(&mask, size + 1, None).remove(0);
            let tail = lax::slice_in_dim(&starts, 1, size + 1, 1, 0);
            let zero = super::creation::zeros_dtype([], DType::I32);
            let tail = where_(&not_equal(&tail, &zero), &tail, &Array::scalar(n as i32));
            let head = lax::slice_in_dim(&starts, 0, 1, 1, 0);
            super::rearranging::diff(&super::joining::concatenate(&[&head, &tail], 0))
        }
    });
    UniqueResult {
        values,
        indices,
        inverse,
        counts,
    }
}

fn unique_eq_nan_false(size: Option<usize>, fill_value: Option<f64>) -> UniqueOptions {
    UniqueOptions {
        equal_nan: false,
        size,
        fill_value,
        ..UniqueOptions::default()
    }
}

/// `jnp.unique_values(x)`: [`unique`] with every NaN distinct (the array API's form). Needs a
/// concrete `x` (see [`unique_values_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![2i32, 1, 2], [3]);
/// assert_eq!(jnp::unique_values(&x).to_vec::<i32>(), vec![1, 2]);
/// ```
pub fn unique_values(x: &Array) -> Array {
    unique_with(x, unique_eq_nan_false(None, None)).values
}

/// `jnp.unique_values(x, size=, fill_value=)`: a static length, padded with `fill_value`
/// (`None`: the smallest value).
pub fn unique_values_sized(x: &Array, size: usize, fill_value: Option<f64>) -> Array {
    unique_with(x, unique_eq_nan_false(Some(size), fill_value)).values
}

/// `jnp.unique_counts(x)`: the unique values and how often each occurs (NaNs distinct).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let (v, c) = jnp::unique_counts(&Array::from_vec(vec![2i32, 1, 2], [3]));
/// assert_eq!((v.to_vec::<i32>(), c.to_vec::<i32>()), (vec![1, 2], vec![1, 2]));
/// ```
pub fn unique_counts(x: &Array) -> (Array, Array) {
    unique_counts_impl(x, None, None)
}

/// `jnp.unique_counts(x, size=, fill_value=)` (padding counts are 0).
pub fn unique_counts_sized(x: &Array, size: usize, fill_value: Option<f64>) -> (Array, Array) {
    unique_counts_impl(x, Some(size), fill_value)
}

fn unique_counts_impl(x: &Array, size: Option<usize>, fill: Option<f64>) -> (Array, Array) {
    let u = unique_with(
        x,
        UniqueOptions {
            return_counts: true,
            ..unique_eq_nan_false(size, fill)
        },
    );
    (u.values, u.counts.expect("asked for counts"))
}

/// `jnp.unique_inverse(x)`: the unique values and, shaped like `x`, each element's position
/// among them (NaNs distinct).
pub fn unique_inverse(x: &Array) -> (Array, Array) {
    unique_inverse_impl(x, None, None)
}

/// `jnp.unique_inverse(x, size=, fill_value=)`.
pub fn unique_inverse_sized(x: &Array, size: usize, fill_value: Option<f64>) -> (Array, Array) {
    unique_inverse_impl(x, Some(size), fill_value)
}

fn unique_inverse_impl(x: &Array, size: Option<usize>, fill: Option<f64>) -> (Array, Array) {
    let u = unique_with(
        x,
        UniqueOptions {
            return_inverse: true,
            ..unique_eq_nan_false(size, fill)
        },
    );
    (u.values, u.inverse.expect("asked for the inverse"))
}

/// `jnp.unique_all(x)`: values, first-occurrence indices, inverse indices (shaped like `x`)
/// and counts (NaNs distinct); every field of the result is set.
pub fn unique_all(x: &Array) -> UniqueResult {
    unique_all_impl(x, None, None)
}

/// `jnp.unique_all(x, size=, fill_value=)`.
pub fn unique_all_sized(x: &Array, size: usize, fill_value: Option<f64>) -> UniqueResult {
    unique_all_impl(x, Some(size), fill_value)
}

fn unique_all_impl(x: &Array, size: Option<usize>, fill: Option<f64>) -> UniqueResult {
    unique_with(
        x,
        UniqueOptions {
            return_index: true,
            return_inverse: true,
            return_counts: true,
            ..unique_eq_nan_false(size, fill)
        },
    )
}

/// `jnp.union1d(ar1, ar2)`: the sorted unique values of both (flattened) arrays.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![3i32, 1], [2]);
/// let b = Array::from_vec(vec![2i32, 3], [2]);
/// assert_eq!(jnp::union1d(&a, &b).to_vec::<i32>(), vec![1, 2, 3]);
/// ```
pub fn union1d(ar1: &Array, ar2: &Array) -> Array {
    unique(&super::joining::concatenate(&[&ravel(ar1), &ravel(ar2)], 0))
}

/// `jnp.union1d(ar1, ar2, size=, fill_value=)`: a static length, padded with `fill_value`
/// (`None`: the smallest value).
pub fn union1d_sized(ar1: &Array, ar2: &Array, size: usize, fill_value: Option<f64>) -> Array {
    let joined = super::joining::concatenate(&[&ravel(ar1), &ravel(ar2)], 0);
    unique_with(
        &joined,
        UniqueOptions {
            size: Some(size),
            fill_value,
            ..UniqueOptions::default()
        },
    )
    .values
}

/// Which values of the sorted `pool` a set operation keeps (each value once).
#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Intersect,
    Xor,
    Diff,
}

/// The kept values of a set operation: the first of each run of the sorted pool (both arrays
/// for intersect/xor, `ar1` for diff) whose membership in `ar1` and `ar2` fits `op`, at most
/// `size` of them (`None`: all, which needs concrete inputs); the count of valid values, and
/// their positions in the sorted pool with the sort permutation.
fn set_select(
    ar1: &Array,
    ar2: &Array,
    op: SetOp,
    size: Option<usize>,
    name: &str,
) -> (Array, Array) {
    let p = promote_dtypes(&[&ravel(ar1), &ravel(ar2)]);
    let (a1, a2) = (&p[0], &p[1]);
    let pool = match op {
        SetOp::Diff => a1.clone(),
        _ => super::joining::concatenate(&[a1, a2], 0),
    };
    let n = pool.shape()[0];
    let sorted = super::sorting::sort(&pool, 0);
    let first = if n == 0 {
        super::creation::full([0], true)
    } else {
        let neq = not_equal(
            &lax::slice_in_dim(&sorted, 1, n, 1, 0),
            &lax::slice_in_dim(&sorted, 0, n - 1, 1, 0),
        );
        super::joining::concatenate(&[&super::creation::full([1], true), &neq], 0)
    };
    let in1 = isin(&sorted, a1, false);
    let in2 = isin(&sorted, a2, false);
    let keep = match op {
        SetOp::Intersect => logical_and(&in1, &in2),
        SetOp::Xor => super::math::logical_xor(&in1, &in2),
        SetOp::Diff => logical_not(&in2),
    };
    let mask = logical_and(&first, &keep);
    let size = match size {
        Some(s) => s,
        None => concrete_count(&mask, name),
    };
    let count = sum(&convert(&mask, DType::I32, false), None);
    let valid = less(&lax::iota(DType::I32, size), &count);
    let vals = if n == 0 {
        super::creation::zeros_dtype([size], sorted.dtype())
    } else {
        let pos = nonzero_sized(&mask, size, None).remove(0);
        index(&sorted, &[Index::Array(pos)])
    };
    (vals, valid)
}

/// Pads a sized set-operation result: `fill` where `!valid`, else (`None`) the smallest valid
/// value, or 0 when there is none (JAX's two-step max/min fill).
fn set_fill(vals: &Array, valid: &Array, fill: Option<f64>) -> Array {
    let f = match fill {
        Some(f) => convert(&Array::scalar(f), vals.dtype(), false),
        None => {
            let zero = convert(&Array::scalar(0i32), vals.dtype(), false);
            let pads = where_(valid, vals, &zero);
            let hi = super::reductions::max(&pads, None);
            let stage = where_(valid, vals, &hi);
            super::reductions::min(&stage, None)
        }
    };
    if vals.size() == 0 {
        return vals.clone();
    }
    where_(valid, vals, &f)
}

/// `jnp.intersect1d(ar1, ar2)`: the sorted values found in both (flattened) arrays. Needs
/// concrete inputs (see [`intersect1d_sized`]); NaN is in nothing.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1i32, 3, 4, 3], [4]);
/// let b = Array::from_vec(vec![3i32, 1, 2, 1], [4]);
/// assert_eq!(jnp::intersect1d(&a, &b).to_vec::<i32>(), vec![1, 3]);
/// ```
pub fn intersect1d(ar1: &Array, ar2: &Array) -> Array {
    set_select(ar1, ar2, SetOp::Intersect, None, "intersect1d").0
}

/// `jnp.intersect1d(ar1, ar2, size=, fill_value=)`: a static length, padded with
/// `fill_value` (`None`: the smallest value found, 0 when none is).
pub fn intersect1d_sized(ar1: &Array, ar2: &Array, size: usize, fill_value: Option<f64>) -> Array {
    let (v, valid) = set_select(ar1, ar2, SetOp::Intersect, Some(size), "intersect1d");
    set_fill(&v, &valid, fill_value)
}

/// `jnp.intersect1d(ar1, ar2, return_indices=True)`: the intersection and, for each of its
/// values, the position of its first occurrence in the flattened `ar1` and in `ar2` (int32).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1i32, 3, 4, 3], [4]);
/// let b = Array::from_vec(vec![3i32, 1, 2, 1], [4]);
/// let (v, i, j) = jnp::intersect1d_indices(&a, &b);
/// assert_eq!((i.to_vec::<i32>(), j.to_vec::<i32>()), (vec![0, 1], vec![1, 0]));
/// ```
pub fn intersect1d_indices(ar1: &Array, ar2: &Array) -> (Array, Array, Array) {
    let v = intersect1d(ar1, ar2);
    let p = promote_dtypes(&[&ravel(ar1), &ravel(ar2), &v]);
    let first_at = |a: &Array| {
        if v.size() == 0 {
            return super::creation::zeros_dtype([0], DType::I32);
        }
        let eq = equal(&reshape(&p[2], [v.size(), 1]), &reshape(a, [1, a.size()]));
        super::reductions::argmax(&eq, 1)
    };
    (v.clone(), first_at(&p[0]), first_at(&p[1]))
}

/// `jnp.setdiff1d(ar1, ar2)`: the sorted unique values of `ar1` not in `ar2` (both
/// flattened). Needs concrete inputs (see [`setdiff1d_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![4i32, 1, 3, 1], [4]);
/// let b = Array::from_vec(vec![3i32], [1]);
/// assert_eq!(jnp::setdiff1d(&a, &b).to_vec::<i32>(), vec![1, 4]);
/// ```
pub fn setdiff1d(ar1: &Array, ar2: &Array) -> Array {
    set_select(ar1, ar2, SetOp::Diff, None, "setdiff1d")
        .0
        .astype(ar1.dtype())
}

/// `jnp.setdiff1d(ar1, ar2, size=, fill_value=)`: a static length, padded with `fill_value`
/// (`None`: 0, as in JAX).
pub fn setdiff1d_sized(ar1: &Array, ar2: &Array, size: usize, fill_value: Option<f64>) -> Array {
    let (v, valid) = set_select(ar1, ar2, SetOp::Diff, Some(size), "setdiff1d");
    set_fill(&v, &valid, Some(fill_value.unwrap_or(0.0))).astype(ar1.dtype())
}

/// `jnp.setxor1d(ar1, ar2)`: the sorted values found in exactly one of the (flattened)
/// arrays. Needs concrete inputs (see [`setxor1d_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1i32, 2, 3], [3]);
/// let b = Array::from_vec(vec![2i32, 4], [2]);
/// assert_eq!(jnp::setxor1d(&a, &b).to_vec::<i32>(), vec![1, 3, 4]);
/// ```
pub fn setxor1d(ar1: &Array, ar2: &Array) -> Array {
    set_select(ar1, ar2, SetOp::Xor, None, "setxor1d").0
}

/// `jnp.setxor1d(ar1, ar2, size=, fill_value=)`: a static length, padded with `fill_value`
/// (`None`: the smallest value found, 0 when none is).
pub fn setxor1d_sized(ar1: &Array, ar2: &Array, size: usize, fill_value: Option<f64>) -> Array {
    let (v, valid) = set_select(ar1, ar2, SetOp::Xor, Some(size), "setxor1d");
    set_fill(&v, &valid, fill_value)
}

impl Array {
    /// [`nonzero`]: the coordinates of the nonzero elements, one array per axis
    /// (`x.nonzero()`; needs a concrete array).
    pub fn nonzero(&self) -> Vec<Array> {
        nonzero(self)
    }
}
