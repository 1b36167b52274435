//! Picking and placing elements, named as in `jax.numpy`: `choose`, `compress`, `extract`,
//! `place`, `put`, `put_along_axis`.
//!
//! JAX arrays are immutable, so the placing functions return an updated copy (JAX's
//! `inplace=False`).

use super::index_tricks::{unravel_index, IndexMode};
use super::indexing::Index;
use super::manipulation::{moveaxis, ravel};
use super::math::{logical_not, where_};
use super::promotion::{broadcast_arrays, broadcast_to_shape, convert, promote_dtypes};
use crate::array::{normalize_axis, Array, DType, Shape};
use crate::lax;

/// `jnp.choose(a, choices)`: `out[i] = choices[a[i]][i]`, with `a` (integer) and the choices
/// broadcast together and the choices' dtypes promoted. Indices outside `[0, len(choices))`
/// panic, so `a` must be concrete (see [`choose_with`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![0i32, 1, 0], [3]);
/// let y = jnp::choose(&a, &[&jnp::zeros([3]), &jnp::ones([3])]);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 1.0, 0.0]);
/// ```
pub fn choose(a: &Array, choices: &[&Array]) -> Array {
    choose_with(a, choices, IndexMode::Raise)
}

/// `jnp.choose(a, choices, mode)`: out-of-range indices panic (`Raise`), wrap, or clip.
pub fn choose_with(a: &Array, choices: &[&Array], mode: IndexMode) -> Array {
    if !a.dtype().is_integer() {
        panic!("choose: `a` array must be integer typed, got {}", a.dtype());
    }
    let n = choices.len();
    if n == 0 {
        panic!("choose: need at least one choice");
    }
    let arr = match mode {
        IndexMode::Raise => {
            if !a.is_concrete() {
                panic!(
                    "choose: mode='raise' needs a concrete `a`; the error occurred because \
                     jnp.choose was traced. Use mode='wrap' or mode='clip' instead."
                );
            }
            let bad = super::math::logical_or(
                &super::math::less(a, &Array::weak_scalar(0)),
                &super::math::greater_equal(a, &Array::weak_scalar(n as i32)),
            );
            if super::reductions::any(&bad, None).item::<bool>() {
                panic!("choose: invalid entry in choice array");
            }
            a.clone()
        }
        IndexMode::Wrap => super::math::remainder(a, &Array::weak_scalar(n as i32)),
        IndexMode::Clip => super::math::clip(
            a,
            Some(&Array::weak_scalar(0)),
            Some(&Array::weak_scalar(n as i32 - 1)),
        ),
    };
    let promoted = promote_dtypes(choices);
    let mut all: Vec<&Array> = vec![&arr];
    all.extend(promoted.iter());
    let b = broadcast_arrays(&all);
    let stacked = super::joining::stack(&b[1..].iter().collect::<Vec<_>>(), 0);
    let mut shape = vec![1usize];
    shape.extend_from_slice(b[0].shape());
    let picked = super::indexing::take_along_axis(&stacked, &b[0].reshape(shape), 0);
    picked.reshape(b[0].shape())
}

/// `condition` (cast to bool) and `arr` with its axis first, both cut to their common length.
fn compress_parts(
    condition: &Array,
    a: &Array,
    axis: Option<isize>,
) -> (Array, Array, Array, usize) {
    let cond = convert(condition, DType::Bool, false);
    if cond.ndim() != 1 {
        panic!(
            "compress: condition must be a 1D array, got shape {}",
            condition.shape_obj()
        );
    }
    let (arr, axis) = match axis {
        None => (ravel(a), 0),
        Some(ax) => {
            let ax = normalize_axis(ax, a.ndim(), "compress");
            (moveaxis(a, ax as isize, 0), ax)
        }
    };
    let n = arr.shape()[0].min(cond.shape()[0]);
    let extra = lax::slice_in_dim(&cond, n, cond.shape()[0], 1, 0);
    let cond = lax::slice_in_dim(&cond, 0, n, 1, 0);
    let arr = lax::slice_in_dim(&arr, 0, n, 1, 0);
    (cond, extra, arr, axis)
}

/// `jnp.compress(condition, a, axis)`: the slices of `a` along `axis` (of the flattened `a`
/// for `None`) where the 1-d `condition` is true. The count depends on `condition`, so it must
/// be concrete (see [`compress_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let c = Array::from_vec(vec![true, false, true], [3]);
/// assert_eq!(jnp::compress(&c, &jnp::arange(5), None).to_vec::<i32>(), vec![0, 2]);
/// ```
pub fn compress(condition: &Array, a: &Array, axis: Option<isize>) -> Array {
    let (cond, extra, arr, axis) = compress_parts(condition, a, axis);
    if !cond.is_concrete() || !extra.is_concrete() {
        panic!(
            "compress: the result's size depends on the values of a traced condition of shape \
             {}; use compress_sized with a static size under jit/vmap/grad",
            condition.shape_obj()
        );
    }
    if super::reductions::any(&extra, None).item::<bool>() {
        panic!("compress: condition contains entries that are out of bounds");
    }
    let idx = super::set_ops::flatnonzero(&cond);
    let out = super::indexing::index(&arr, &[Index::Array(idx)]);
    moveaxis(&out, 0, axis as isize)
}

/// `jnp.compress(condition, a, axis, size=, fill_value=)`: the first `size` selected slices,
/// then slices of `fill_value` (which must be at most the axis length); works under every
/// transformation.
pub fn compress_sized(
    condition: &Array,
    a: &Array,
    axis: Option<isize>,
    size: usize,
    fill_value: f64,
) -> Array {
    let (cond, _, arr, axis) = compress_parts(condition, a, axis);
    if size > arr.shape()[0] {
        panic!(
            "compress: size must be positive and not greater than the size of the array axis; \
             got size={size} for a.shape[axis]={}",
            arr.shape()[0]
        );
    }
    let mut mshape = vec![1usize; arr.ndim()];
    mshape[0] = cond.shape()[0];
    let fill = convert(&Array::scalar(fill_value), arr.dtype(), false);
    let arr = where_(&cond.reshape(mshape), &arr, &fill);
    // A stable sort of `!cond` lists the selected positions first, in order.
    let order = super::sorting::argsort(&logical_not(&cond), 0);
    let order = lax::slice_in_dim(&order, 0, size, 1, 0);
    let out = super::indexing::index(&arr, &[Index::Array(order)]);
    moveaxis(&out, 0, axis as isize)
}

/// `jnp.extract(condition, arr)`: the elements of the flattened `arr` where the flattened
/// `condition` is nonzero (needs a concrete `condition`; see [`extract_sized`]).
pub fn extract(condition: &Array, arr: &Array) -> Array {
    compress(&ravel(condition), &ravel(arr), None)
}

/// `jnp.extract(condition, arr, size=, fill_value=)`.
pub fn extract_sized(condition: &Array, arr: &Array, size: usize, fill_value: f64) -> Array {
    compress_sized(&ravel(condition), &ravel(arr), None, size, fill_value)
}

/// The flattened `v` repeated to length `n` (JAX's `_tile_to_size`).
fn tile_to_size(v: &Array, n: usize) -> Array {
    let v = ravel(v);
    let reps = n.div_ceil(v.size().max(1));
    let t = super::joining::tile(&v, &[reps]);
    lax::slice_in_dim(&t, 0, n, 1, 0)
}

/// `jnp.place(arr, mask, vals, inplace=False)`: `arr` with the positions where `mask` is true
/// (in row-major order) set to the successive values of the flattened `vals` (repeated as
/// needed, converted to `arr`'s dtype).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let m = Array::from_vec(vec![true, false, true, true], [4]);
/// let v = Array::from_vec(vec![7i32, 8], [2]);
/// assert_eq!(jnp::place(&jnp::arange(4), &m, &v).to_vec::<i32>(), vec![7, 1, 8, 7]);
/// ```
pub fn place(arr: &Array, mask: &Array, vals: &Array) -> Array {
    if arr.size() != mask.size() {
        panic!(
            "place: arr and mask must be the same size, got shapes {} and {}",
            arr.shape_obj(),
            mask.shape_obj()
        );
    }
    if vals.size() == 0 {
        panic!("place: Cannot place values from an empty array");
    }
    if arr.size() == 0 {
        return arr.clone();
    }
    let m = convert(&ravel(mask), DType::Bool, false);
    let n = m.size();
    let v = convert(&tile_to_size(vals, n), arr.dtype(), false);
    // The k-th true position takes v[k].
    let k = super::math::subtract(
        &super::cumulative::cumsum(&convert(&m, DType::I32, false), 0),
        &Array::weak_scalar(1),
    );
    let picked = super::indexing::take_mode(&v, &k, Some(0), lax::GatherScatterMode::Clip, None);
    where_(&m, &picked, &ravel(arr)).reshape(arr.shape())
}

/// `jnp.put(a, ind, v, inplace=False)`: `a` with the elements at flat positions `ind` set to
/// the values `v` (flattened, repeated to the number of positions). As in JAX, positions are
/// mapped with [`unravel_index`], so negative ones count from the end and out-of-range ones
/// clip; with repeated positions one of the writes wins.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let y = jnp::put(&jnp::zeros([2, 2]), &Array::from_vec(vec![0i32, 3], [2]), &Array::scalar(5.0f32));
/// assert_eq!(y.to_vec::<f32>(), vec![5.0, 0.0, 0.0, 5.0]);
/// ```
pub fn put(a: &Array, ind: &Array, v: &Array) -> Array {
    put_with(a, ind, v, None)
}

/// `jnp.put(a, ind, v, mode, inplace=False)`: `mode` `Some(Wrap)` wraps positions modulo
/// `a.size()`, `Some(Clip)` clips them; `Raise` is not supported (as in JAX).
pub fn put_with(a: &Array, ind: &Array, v: &Array, mode: Option<IndexMode>) -> Array {
    let ind = ravel(ind);
    let v = ravel(v);
    if a.size() == 0 || ind.size() == 0 || v.size() == 0 {
        return a.clone();
    }
    let v = tile_to_size(&v, ind.size());
    let n = a.size() as i32;
    let ind = match mode {
        None => ind,
        Some(IndexMode::Clip) => super::math::clip(
            &ind,
            Some(&Array::weak_scalar(0)),
            Some(&Array::weak_scalar(n - 1)),
        ),
        Some(IndexMode::Wrap) => super::math::remainder(&ind, &Array::weak_scalar(n)),
        Some(IndexMode::Raise) => panic!("put: The 'raise' mode to jnp.put is not supported."),
    };
    let coords = unravel_index(&ind, a.shape());
    let idx: Vec<Index> = coords.into_iter().map(Index::Array).collect();
    a.at(idx).set(convert(&v, a.dtype(), false))
}

/// `jnp.put_along_axis(arr, indices, values, axis, inplace=False)`: `arr` with
/// `arr[..., indices[..., i, ...], ...] = values[..., i, ...]` along `axis` (of the flattened
/// `arr` for `None`); `indices` has `arr`'s rank and `values` broadcasts to its shape.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let i = Array::from_vec(vec![2i32, 0], [2, 1]);
/// let y = jnp::put_along_axis(&jnp::zeros([2, 3]), &i, &Array::scalar(1.0f32), Some(1));
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
/// ```
pub fn put_along_axis(arr: &Array, indices: &Array, values: &Array, axis: Option<isize>) -> Array {
    let (a, axis) = match axis {
        None => (ravel(arr), 0),
        Some(ax) => (
            arr.clone(),
            normalize_axis(ax, arr.ndim(), "put_along_axis"),
        ),
    };
    if a.ndim() != indices.ndim() {
        panic!(
            "put_along_axis: put_along_axis arguments 'arr' and 'indices' must have same ndim. \
             Got arr.ndim={} and indices.ndim={}.",
            a.ndim(),
            indices.ndim()
        );
    }
    let vals = broadcast_to_shape(
        &convert(values, a.dtype(), false),
        &Shape::new(indices.shape()),
        "put_along_axis",
    );
    let nd = a.ndim();
    let idx: Vec<Index> = (0..nd)
        .map(|d| {
            if d == axis {
                Index::Array(indices.clone())
            } else {
                // Position along axis d, shaped to broadcast with `indices`.
                let mut shape = vec![1usize; nd];
                shape[d] = indices.shape()[d];
                Index::Array(lax::iota(DType::I32, indices.shape()[d]).reshape(shape))
            }
        })
        .collect();
    a.at(idx).set(&vals).reshape(arr.shape())
}
