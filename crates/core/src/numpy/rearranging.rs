//! Rearranging elements, named as in `jax.numpy`: `roll`, `rot90`, `fliplr`, `flipud`,
//! `atleast_3d`, `append`, `insert`, `delete`, `diff`, `ediff1d`, `rollaxis`, `resize`,
//! `trim_zeros`.

use super::indexing::take_mode;
use super::joining::concatenate;
use super::manipulation::{flip, moveaxis, ravel, reshape, transpose};
use super::math::{not_equal, subtract};
use super::promotion::{broadcast_to_shape, convert};
use crate::array::{normalize_axis, Array, Shape};
use crate::lax;
use crate::prims::gather_scatter::GatherScatterMode;

/// `x` (raveled first when `axis` is `None`) and the canonical axis.
fn with_axis(x: &Array, axis: Option<isize>, op: &str) -> (Array, usize) {
    match axis {
        None => (ravel(x), 0),
        Some(a) => (x.clone(), normalize_axis(a, x.ndim(), op)),
    }
}

/// `x` gathered at static in-range positions `idx` along `axis`.
fn take_static(x: &Array, idx: &[usize], axis: usize) -> Array {
    let idx: Vec<i32> = idx.iter().map(|&i| i as i32).collect();
    let n = idx.len();
    take_mode(
        x,
        &Array::from_vec(idx, [n]),
        Some(axis as isize),
        GatherScatterMode::PromiseInBounds,
        None,
    )
}

/// `jnp.roll(x, shift, axis)`: elements shifted by `shift` along `axis`, wrapping around;
/// `None` rolls the flattened array and restores the shape.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(5);
/// assert_eq!(jnp::roll(&x, 2, None).to_vec::<i32>(), vec![3, 4, 0, 1, 2]);
/// assert_eq!(jnp::roll(&x, -1, Some(0)).to_vec::<i32>(), vec![1, 2, 3, 4, 0]);
/// ```
pub fn roll(x: &Array, shift: i64, axis: Option<isize>) -> Array {
    match axis {
        None => reshape(&roll_axes(&ravel(x), &[shift], &[0]), x.shape_obj()),
        Some(a) => roll_axes(x, &[shift], &[a]),
    }
}

/// `jnp.roll(x, shifts, axes)` with one shift per axis (a single shift or a single axis is
/// broadcast against the other list, as numpy does); axes may repeat, their shifts adding.
pub fn roll_axes(x: &Array, shifts: &[i64], axes: &[isize]) -> Array {
    let n = shifts.len().max(axes.len());
    if !(shifts.len() == n || shifts.len() == 1) || !(axes.len() == n || axes.len() == 1) {
        panic!(
            "roll: shifts {shifts:?} and axes {axes:?} cannot be broadcast together (lengths {} and {})",
            shifts.len(),
            axes.len()
        );
    }
    let mut out = x.clone();
    for k in 0..n {
        let s = shifts[if shifts.len() == 1 { 0 } else { k }];
        let ax = normalize_axis(axes[if axes.len() == 1 { 0 } else { k }], x.ndim(), "roll");
        let d = x.shape()[ax];
        if d == 0 {
            continue;
        }
        // JAX's `_roll_static`: the tail from `(-s) mod d` moves to the front.
        let i = (-s).rem_euclid(d as i64) as usize;
        out = lax::concatenate(
            &[
                &lax::slice_in_dim(&out, i, d, 1, ax),
                &lax::slice_in_dim(&out, 0, i, 1, ax),
            ],
            ax,
        );
    }
    out
}

/// `jnp.rot90(m, k)`: rotates by 90 degrees `k` times in the plane of axes 0 and 1 (from the
/// first axis toward the second).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let m = jnp::arange(4).reshape([2, 2]);
/// assert_eq!(jnp::rot90(&m, 1).to_vec::<i32>(), vec![1, 3, 0, 2]);
/// ```
pub fn rot90(m: &Array, k: i64) -> Array {
    rot90_axes(m, k, (0, 1))
}

/// `jnp.rot90(m, k, axes)`: rotation in the plane of two distinct axes.
pub fn rot90_axes(m: &Array, k: i64, axes: (isize, isize)) -> Array {
    let nd = m.ndim();
    if nd < 2 {
        panic!(
            "rot90: expected an array of rank >= 2, got shape {}",
            m.shape_obj()
        );
    }
    let a1 = normalize_axis(axes.0, nd, "rot90");
    let a2 = normalize_axis(axes.1, nd, "rot90");
    if a1 == a2 {
        panic!("rot90: the axes {axes:?} must be different");
    }
    let mut perm: Vec<isize> = (0..nd as isize).collect();
    perm.swap(a1, a2);
    match k.rem_euclid(4) {
        0 => m.clone(),
        2 => flip(&flip(m, a1), a2),
        1 => transpose(&flip(m, a2), Some(&perm)),
        _ => flip(&transpose(m, Some(&perm)), a2),
    }
}

/// `jnp.fliplr`: reverses axis 1 (the columns of a matrix).
pub fn fliplr(m: &Array) -> Array {
    if m.ndim() < 2 {
        panic!(
            "fliplr: expected an array of rank >= 2, got shape {}",
            m.shape_obj()
        );
    }
    flip(m, 1)
}

/// `jnp.flipud`: reverses axis 0 (the rows of a matrix).
pub fn flipud(m: &Array) -> Array {
    if m.ndim() < 1 {
        panic!("flipud: expected an array of rank >= 1, got a 0-d array");
    }
    flip(m, 0)
}

/// `jnp.atleast_3d`: 0-d arrays become `[1, 1, 1]`, `[n]` becomes `[1, n, 1]` and `[m, n]`
/// becomes `[m, n, 1]`; others are unchanged.
pub fn atleast_3d(x: &Array) -> Array {
    match x.shape() {
        [] => reshape(x, [1, 1, 1]),
        [n] => reshape(x, [1, *n, 1]),
        [m, n] => reshape(x, [*m, *n, 1]),
        _ => x.clone(),
    }
}

/// `jnp.append(arr, values, axis)`: `values` joined after `arr` along `axis` (both flattened
/// for `None`), promoting dtypes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let y = jnp::append(&jnp::arange(2), &jnp::arange(3), None);
/// assert_eq!(y.to_vec::<i32>(), vec![0, 1, 0, 1, 2]);
/// ```
pub fn append(arr: &Array, values: &Array, axis: Option<isize>) -> Array {
    match axis {
        None => concatenate(&[&ravel(arr), &ravel(values)], 0),
        Some(a) => concatenate(&[arr, values], a),
    }
}

/// `jnp.insert(arr, index, values, axis)` with one static index: `values` (converted to `arr`'s
/// dtype) inserted before position `index` along `axis` (of the flattened array for `None`).
/// As in numpy, a scalar index inserts `values` as a slice (its first axis moved to `axis`).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(3);
/// let y = jnp::insert(&x, 1, &Array::from_vec(vec![7i32, 8], [2]), None);
/// assert_eq!(y.to_vec::<i32>(), vec![0, 7, 8, 1, 2]);
/// ```
pub fn insert(arr: &Array, index: i64, values: &Array, axis: Option<isize>) -> Array {
    insert_impl(arr, &[index], true, values, axis)
}

/// `jnp.insert(arr, indices, values, axis)` with a 1-d list of static indices: element `j` of
/// `values` (along `axis`) goes before position `indices[j]` of the input.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(3);
/// let y = jnp::insert_indices(&x, &[0, 3], &Array::from_vec(vec![7i32, 8], [2]), None);
/// assert_eq!(y.to_vec::<i32>(), vec![7, 0, 1, 2, 8]);
/// ```
pub fn insert_indices(arr: &Array, indices: &[i64], values: &Array, axis: Option<isize>) -> Array {
    insert_impl(arr, indices, false, values, axis)
}

fn insert_impl(
    arr: &Array,
    indices: &[i64],
    scalar_index: bool,
    values: &Array,
    axis: Option<isize>,
) -> Array {
    let (a, axis) = with_axis(arr, axis, "insert");
    // `array(values, ndmin=a.ndim, dtype=a.dtype)`.
    let mut v = convert(values, a.dtype(), false);
    if v.ndim() < a.ndim() {
        let mut shape = vec![1usize; a.ndim() - v.ndim()];
        shape.extend_from_slice(v.shape());
        v = reshape(&v, shape);
    }
    if scalar_index && v.ndim() > 0 {
        v = moveaxis(&v, 0, axis as isize);
    }
    let v_len = if v.ndim() > axis { v.shape()[axis] } else { 1 };
    let indices: Vec<i64> = if indices.len() == 1 {
        vec![indices[0]; v_len]
    } else {
        indices.to_vec()
    };
    let n_insert = if indices.len() == v_len || v_len == 1 {
        indices.len()
    } else if indices.len() == 1 {
        v_len
    } else {
        panic!(
            "insert: {} indices do not match {v_len} values along axis {axis} (values of shape {})",
            indices.len(),
            values.shape_obj()
        );
    };
    let n_input = a.shape()[axis] as i64;
    // Negative indices count from the end; out-of-range ones clip, as in JAX.
    let clipped: Vec<i64> = indices
        .iter()
        .map(|&i| (if i < 0 { i + n_input } else { i }).clamp(0, n_input))
        .collect();
    let mut order: Vec<usize> = (0..n_insert).collect();
    order.sort_by_key(|&j| clipped[j]);
    // `indices.at[argsort(indices)].add(arange(n_insert))`: each value's output position.
    let mut values_ind = vec![0usize; n_insert];
    for (rank, &j) in order.iter().enumerate() {
        values_ind[j] = (clipped[j] + rank as i64) as usize;
    }
    let total = n_input as usize + n_insert;
    // Output position p reads element `perm[p]` of `concatenate([a, values])`.
    let mut perm = vec![usize::MAX; total];
    for (j, &p) in values_ind.iter().enumerate() {
        perm[p] = n_input as usize + j;
    }
    for (next, slot) in perm.iter_mut().filter(|s| **s == usize::MAX).enumerate() {
        *slot = next;
    }
    let mut target: Vec<usize> = a.shape().to_vec();
    target[axis] = n_insert;
    let v = broadcast_to_shape(&v, &Shape(target.into_iter().collect()), "insert");
    let joined = lax::concatenate(&[&a, &v], axis);
    take_static(&joined, &perm, axis)
}

/// `jnp.delete(arr, index, axis)`: removes position `index` (negative counts from the end)
/// along `axis` (of the flattened array for `None`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::delete(&jnp::arange(4), -1, None).to_vec::<i32>(), vec![0, 1, 2]);
/// ```
pub fn delete(arr: &Array, index: i64, axis: Option<isize>) -> Array {
    let (a, axis) = with_axis(arr, axis, "delete");
    let n = a.shape()[axis];
    let i = normalize_axis(index as isize, n, "delete");
    lax::concatenate(
        &[
            &lax::slice_in_dim(&a, 0, i, 1, axis),
            &lax::slice_in_dim(&a, i + 1, n, 1, axis),
        ],
        axis,
    )
}

/// `jnp.delete(arr, indices, axis)` with a list of static indices (repeats allowed, negative
/// ones count from the end).
pub fn delete_indices(arr: &Array, indices: &[i64], axis: Option<isize>) -> Array {
    let (a, axis) = with_axis(arr, axis, "delete");
    let n = a.shape()[axis];
    let mut keep = vec![true; n];
    for &i in indices {
        if i < -(n as i64) || i >= n as i64 {
            panic!("delete: index {i} is out of bounds for axis {axis} with size {n}");
        }
        keep[i.rem_euclid(n as i64) as usize] = false;
    }
    let idx: Vec<usize> = (0..n).filter(|&i| keep[i]).collect();
    take_static(&a, &idx, axis)
}

/// Options of [`diff_with`]: JAX's defaults are `n = 1`, `axis = -1`, nothing prepended or
/// appended.
#[derive(Clone, Debug)]
pub struct DiffOptions {
    /// How many times to difference.
    pub n: usize,
    /// The axis along which to difference.
    pub axis: isize,
    /// Values joined before the input along `axis` (a 0-d array is broadcast to one slice).
    pub prepend: Option<Array>,
    /// Values joined after the input along `axis`.
    pub append: Option<Array>,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            n: 1,
            axis: -1,
            prepend: None,
            append: None,
        }
    }
}

/// `jnp.diff(a)`: `a[1:] - a[:-1]` along the last axis (`!=` for bools).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1i32, 4, 9, 16], [4]);
/// assert_eq!(jnp::diff(&x).to_vec::<i32>(), vec![3, 5, 7]);
/// ```
pub fn diff(a: &Array) -> Array {
    diff_with(a, DiffOptions::default())
}

/// `jnp.diff(a, n, axis, prepend, append)`.
pub fn diff_with(a: &Array, options: DiffOptions) -> Array {
    if options.n == 0 {
        return a.clone();
    }
    if a.ndim() == 0 {
        panic!("diff: requires an input of rank >= 1, got a 0-d array");
    }
    let axis = normalize_axis(options.axis, a.ndim(), "diff");
    let edge = |e: &Array| {
        if e.ndim() == 0 {
            let mut shape = a.shape().to_vec();
            shape[axis] = 1;
            broadcast_to_shape(e, &Shape(shape.into_iter().collect()), "diff")
        } else {
            e.clone()
        }
    };
    let mut parts = Vec::new();
    if let Some(p) = &options.prepend {
        parts.push(edge(p));
    }
    parts.push(a.clone());
    if let Some(p) = &options.append {
        parts.push(edge(p));
    }
    let mut arr = if parts.len() > 1 {
        concatenate(&parts.iter().collect::<Vec<_>>(), axis as isize)
    } else {
        a.clone()
    };
    for _ in 0..options.n {
        let d = arr.shape()[axis];
        let hi = lax::slice_in_dim(&arr, d.min(1), d, 1, axis);
        let lo = lax::slice_in_dim(&arr, 0, d.saturating_sub(1), 1, axis);
        arr = if arr.dtype().is_bool() {
            not_equal(&hi, &lo)
        } else {
            subtract(&hi, &lo)
        };
    }
    arr
}

/// `jnp.ediff1d(ary, to_end, to_begin)`: differences of consecutive elements of the flattened
/// array, with optional values (flattened, converted to the input's dtype) joined before and
/// after.
pub fn ediff1d(ary: &Array, to_end: Option<&Array>, to_begin: Option<&Array>) -> Array {
    let arr = ravel(ary);
    let d = arr.size();
    let mut result = subtract(
        &lax::slice_in_dim(&arr, d.min(1), d, 1, 0),
        &lax::slice_in_dim(&arr, 0, d.saturating_sub(1), 1, 0),
    );
    // The extra values take the input's dtype (`astype`), so they never promote the result.
    if let Some(b) = to_begin {
        result = concatenate(&[&ravel(&b.astype(arr.dtype())), &result], 0);
    }
    if let Some(e) = to_end {
        result = concatenate(&[&result, &ravel(&e.astype(arr.dtype()))], 0);
    }
    result
}

/// `jnp.rollaxis(a, axis, start)`: axis `axis` moved to just before position `start` (the
/// other axes keep their order); prefer [`moveaxis`].
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::zeros([2, 3, 4]);
/// assert_eq!(jnp::rollaxis(&x, 2, 0).shape(), &[4, 2, 3]);
/// assert_eq!(jnp::rollaxis(&x, 0, 3).shape(), &[3, 4, 2]);
/// ```
pub fn rollaxis(a: &Array, axis: isize, start: isize) -> Array {
    let nd = a.ndim() as isize;
    let axis = normalize_axis(axis, a.ndim(), "rollaxis") as isize;
    if !(-nd <= start && start <= nd) {
        panic!("rollaxis: start={start} must satisfy {}<=start<={nd}", -nd);
    }
    let mut start = if start < 0 { start + nd } else { start };
    if start > axis {
        start -= 1;
    }
    moveaxis(a, axis, start)
}

/// `jnp.resize(a, new_shape)`: the flattened `a` repeated (or cut) to fill `new_shape`;
/// zeros when `a` or the new shape is empty.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::resize(&jnp::arange(3), &[2, 2]).to_vec::<i32>(), vec![0, 1, 2, 0]);
/// ```
pub fn resize(a: &Array, new_shape: &[usize]) -> Array {
    let arr = ravel(a);
    let new_size: usize = new_shape.iter().product();
    if arr.size() == 0 || new_size == 0 {
        return super::creation::zeros_dtype(new_shape.to_vec(), a.dtype());
    }
    let repeats = new_size.div_ceil(arr.size());
    let tiled = super::joining::tile(&arr, &[repeats]);
    reshape(
        &lax::slice_in_dim(&tiled, 0, new_size, 1, 0),
        new_shape.to_vec(),
    )
}

/// Which ends [`trim_zeros_with`] trims.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trim {
    /// Both ends (`'fb'`, the default).
    #[default]
    Both,
    /// The front only (`'f'`).
    Front,
    /// The back only (`'b'`).
    Back,
}

/// `jnp.trim_zeros(filt)`: `filt` without its leading and trailing all-zero slices along every
/// axis. The result's shape depends on the values, so `filt` must be concrete.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 0, 3, 0, 5, 0], [6]);
/// assert_eq!(jnp::trim_zeros(&x).to_vec::<i32>(), vec![3, 0, 5]);
/// ```
pub fn trim_zeros(filt: &Array) -> Array {
    trim_zeros_with(filt, Trim::Both)
}

/// `jnp.trim_zeros(filt, trim)`: trims the front, the back or both.
pub fn trim_zeros_with(filt: &Array, trim: Trim) -> Array {
    if !filt.is_concrete() {
        panic!(
            "trim_zeros: the result's shape depends on the values of a traced array of shape {}; \
             trim_zeros needs a concrete array",
            filt.shape_obj()
        );
    }
    let nz = not_equal(filt, &convert(&Array::scalar(0i32), filt.dtype(), false));
    let mut out = filt.clone();
    for ax in 0..filt.ndim() {
        let others: Vec<i32> = (0..filt.ndim() as i32)
            .filter(|&i| i != ax as i32)
            .collect();
        let mask = super::reductions::any(&nz, others).to_vec::<bool>();
        let n = mask.len();
        let (lo, hi) = match mask.iter().position(|&m| m) {
            None => (0, 0),
            Some(first) => {
                let last = n - mask.iter().rev().position(|&m| m).unwrap();
                (
                    if trim != Trim::Back { first } else { 0 },
                    if trim != Trim::Front { last } else { n },
                )
            }
        };
        out = lax::slice_in_dim(&out, lo, hi, 1, ax);
    }
    out
}

impl Array {
    /// [`roll`] along one axis (`None`: the flattened array).
    pub fn roll(&self, shift: i64, axis: Option<isize>) -> Array {
        roll(self, shift, axis)
    }
}
