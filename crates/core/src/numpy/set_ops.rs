//! Membership, nonzero positions and unique values, named as in `jax.numpy`: `isin`,
//! `nonzero`, `argwhere`, `flatnonzero`, `unique`.
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
    let binned = super::histograms::bincount_sized(&running, None, size);
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

impl Array {
    /// [`nonzero`]: the coordinates of the nonzero elements, one array per axis
    /// (`x.nonzero()`; needs a concrete array).
    pub fn nonzero(&self) -> Vec<Array> {
        nonzero(self)
    }
}
