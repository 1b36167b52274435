//! Index arrays, named as in `jax.numpy`: `indices`, `ix_`, `ravel_multi_index`,
//! `unravel_index`, `diag_indices`, `diag_indices_from`, `tril_indices`, `triu_indices`,
//! `tril_indices_from`, `triu_indices_from`, `mask_indices`.
//!
//! Positions that depend only on static sizes are computed here and enter as constants, as
//! in JAX; `mask_indices` calls a user function, so its size depends on data (see
//! [`mask_indices_sized`]).

use super::math::{floor_divide, greater, less, remainder, where_};
use super::promotion::{convert, result_type};
use crate::array::{Array, DType};
use crate::lax;

/// `jnp.indices(dimensions)`: the int32 grid of coordinates, shape `[ndim, *dimensions]`
/// (`out[i]` holds coordinate `i` of every position).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let g = jnp::indices(&[2, 3]);
/// assert_eq!(g.shape(), &[2, 2, 3]);
/// assert_eq!(g.to_vec::<i32>()[3..9], [1, 1, 1, 0, 1, 2]);
/// ```
pub fn indices(dimensions: &[usize]) -> Array {
    indices_dtype(dimensions, DType::I32)
}

/// `jnp.indices(dimensions, dtype)`: [`indices`] in another (integer or float) dtype.
pub fn indices_dtype(dimensions: &[usize], dtype: DType) -> Array {
    if dimensions.is_empty() {
        return super::creation::zeros_dtype([0], dtype);
    }
    let parts: Vec<Array> = (0..dimensions.len())
        .map(|i| lax::broadcasted_iota(dtype, dimensions.to_vec(), i))
        .collect();
    super::joining::stack(&parts.iter().collect::<Vec<_>>(), 0)
}

/// `jnp.indices(dimensions, dtype, sparse=True)`: one coordinate array per axis, each of
/// length `dimensions[i]` along axis `i` and 1 along the others.
pub fn indices_sparse(dimensions: &[usize], dtype: DType) -> Vec<Array> {
    (0..dimensions.len())
        .map(|i| {
            let mut shape = vec![1usize; dimensions.len()];
            shape[i] = dimensions[i];
            lax::iota(dtype, dimensions[i]).reshape(shape)
        })
        .collect()
}

/// `jnp.ix_(*args)`: an open mesh from 1-d arrays: argument `i` reshaped to length `n_i`
/// along axis `i` and 1 along the others.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let m = jnp::ix_(&[&jnp::arange(2), &jnp::arange(3)]);
/// assert_eq!((m[0].shape(), m[1].shape()), (&[2usize, 1][..], &[1usize, 3][..]));
/// ```
pub fn ix_(args: &[&Array]) -> Vec<Array> {
    let n = args.len();
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            if a.ndim() != 1 {
                panic!(
                    "ix_: Cross index must be 1 dimensional, got shape {}",
                    a.shape_obj()
                );
            }
            if a.dtype().is_bool() {
                panic!("ix_: Boolean arguments to jax.numpy.ix_ are not implemented");
            }
            let mut shape = vec![1usize; n];
            shape[i] = a.shape()[0];
            if a.size() == 0 {
                super::creation::zeros_dtype(shape, DType::I32)
            } else {
                a.reshape(shape)
            }
        })
        .collect()
}

/// What index functions do with out-of-range indices ([`ravel_multi_index_with`],
/// [`choose_with`](super::choose_with)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexMode {
    /// Panic (needs concrete indices; JAX's default).
    #[default]
    Raise,
    /// Wrap around (`i mod n`).
    Wrap,
    /// Clip into `[0, n - 1]`.
    Clip,
}

/// The memory order of [`ravel_multi_index_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexOrder {
    /// Row-major: the last index varies fastest (the default).
    #[default]
    C,
    /// Column-major: the first index varies fastest.
    F,
}

/// Options of [`ravel_multi_index_with`]: JAX's defaults are `mode='raise'` and `order='C'`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RavelOptions {
    /// Out-of-range indices.
    pub mode: IndexMode,
    /// Row- or column-major flattening.
    pub order: IndexOrder,
}

/// `jnp.ravel_multi_index(multi_index, dims)`: flat row-major positions of the coordinates
/// `multi_index[i]` (integer arrays, broadcast together) in an array of shape `dims`. Out-of-
/// range coordinates panic, so the coordinates must be concrete.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let i = Array::from_vec(vec![0i32, 1, 2], [3]);
/// let j = Array::from_vec(vec![3i32, 0, 1], [3]);
/// assert_eq!(jnp::ravel_multi_index(&[&i, &j], &[3, 4]).to_vec::<i32>(), vec![3, 4, 9]);
/// ```
pub fn ravel_multi_index(multi_index: &[&Array], dims: &[usize]) -> Array {
    ravel_multi_index_with(multi_index, dims, RavelOptions::default())
}

/// `jnp.ravel_multi_index(multi_index, dims, mode, order)`.
pub fn ravel_multi_index_with(
    multi_index: &[&Array],
    dims: &[usize],
    options: RavelOptions,
) -> Array {
    if multi_index.len() != dims.len() {
        panic!(
            "ravel_multi_index: len(multi_index)={} != len(dims)={}",
            multi_index.len(),
            dims.len()
        );
    }
    let mut all: Vec<&Array> = multi_index.to_vec();
    let weak_int = Array::weak_scalar(0i32);
    all.push(&weak_int);
    let (dtype, _) = result_type(&all);
    if multi_index.iter().any(|i| !i.dtype().is_integer()) {
        panic!("ravel_multi_index: only int indices permitted");
    }
    let idx: Vec<Array> = multi_index
        .iter()
        .zip(dims)
        .map(|(i, &d)| match options.mode {
            IndexMode::Raise => {
                if !i.is_concrete() {
                    panic!(
                        "ravel_multi_index: mode='raise' needs concrete indices; the error \
                         occurred because ravel_multi_index was traced. Use mode='wrap' or \
                         mode='clip' instead."
                    );
                }
                let bad = super::math::logical_or(
                    &less(i, &Array::weak_scalar(0)),
                    &super::math::greater_equal(i, &Array::weak_scalar(d as i32)),
                );
                if super::reductions::any(&bad, None).item::<bool>() {
                    panic!("ravel_multi_index: invalid entry in coordinates array");
                }
                (*i).clone()
            }
            IndexMode::Clip => super::math::clip(
                i,
                Some(&Array::weak_scalar(0)),
                Some(&Array::weak_scalar(d as i32 - 1)),
            ),
            IndexMode::Wrap => remainder(i, &Array::weak_scalar(d as i32)),
        })
        .collect();
    let n = dims.len();
    let mut strides = vec![1i64; n];
    match options.order {
        IndexOrder::C => {
            for k in (0..n.saturating_sub(1)).rev() {
                strides[k] = strides[k + 1] * dims[k + 1] as i64;
            }
        }
        IndexOrder::F => {
            for k in 1..n {
                strides[k] = strides[k - 1] * dims[k - 1] as i64;
            }
        }
    }
    let mut result = convert(&Array::scalar(0i32), dtype, false);
    for (i, s) in idx.iter().zip(strides) {
        result = &result + &(&i.astype(dtype) * &Array::weak_scalar(s as i32));
    }
    result
}

/// `jnp.unravel_index(indices, shape)`: the coordinates of flat row-major positions in an
/// array of `shape`, one array per axis. As in JAX, negative positions count from the end
/// and out-of-range ones are clipped.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let c = jnp::unravel_index(&Array::from_vec(vec![5i32, -1, 99], [3]), &[2, 3]);
/// assert_eq!(c[0].to_vec::<i32>(), vec![1, 1, 1]);
/// assert_eq!(c[1].to_vec::<i32>(), vec![2, 2, 2]);
/// ```
pub fn unravel_index(indices: &Array, shape: &[usize]) -> Vec<Array> {
    if !indices.dtype().is_integer() {
        panic!(
            "unravel_index: only int indices permitted, got {}",
            indices.dtype()
        );
    }
    let mut rest = indices.clone();
    let mut out = vec![rest.clone(); shape.len()];
    for (i, &s) in shape.iter().enumerate().rev() {
        let s = Array::weak_scalar(s as i32);
        out[i] = remainder(&rest, &s);
        rest = floor_divide(&rest, &s);
    }
    let oob_pos = greater(&rest, &Array::weak_scalar(0));
    let oob_neg = if indices.dtype().is_unsigned_integer() {
        super::creation::full(rest.shape(), false)
    } else {
        less(&rest, &Array::weak_scalar(-1))
    };
    shape
        .iter()
        .zip(out)
        .map(|(&s, i)| {
            let last = Array::weak_scalar(s as i32 - 1);
            let zero = Array::weak_scalar(0i32);
            where_(&oob_pos, &last, &where_(&oob_neg, &zero, &i)).astype(i.dtype())
        })
        .collect()
}

/// `jnp.diag_indices(n, ndim)`: `ndim` copies of `[0, 1, ..., n-1]` (int32), the positions of
/// the main diagonal of an `n × ... × n` array.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let d = jnp::diag_indices(3, 2);
/// assert_eq!(d.len(), 2);
/// assert_eq!(d[1].to_vec::<i32>(), vec![0, 1, 2]);
/// ```
pub fn diag_indices(n: usize, ndim: usize) -> Vec<Array> {
    vec![lax::iota(DType::I32, n); ndim]
}

/// `jnp.diag_indices_from(arr)`: [`diag_indices`] for an array whose axes (at least two) all
/// have one length.
pub fn diag_indices_from(arr: &Array) -> Vec<Array> {
    if arr.ndim() < 2 {
        panic!(
            "diag_indices_from: input array must be at least 2-d, got shape {}",
            arr.shape_obj()
        );
    }
    if arr.shape().iter().any(|&d| d != arr.shape()[0]) {
        panic!(
            "diag_indices_from: All dimensions of input must be of equal length, got shape {}",
            arr.shape_obj()
        );
    }
    diag_indices(arr.shape()[0], arr.ndim())
}

/// Row-major positions `(i, j)` of an `n × m` grid where `keep(j - i)`, as two int32 arrays.
fn triangle_indices(n: usize, m: usize, keep: impl Fn(i64) -> bool) -> (Array, Array) {
    let (mut rows, mut cols) = (Vec::new(), Vec::new());
    for i in 0..n {
        for j in 0..m {
            if keep(j as i64 - i as i64) {
                rows.push(i as i32);
                cols.push(j as i32);
            }
        }
    }
    let len = rows.len();
    (Array::from_vec(rows, [len]), Array::from_vec(cols, [len]))
}

/// `jnp.tril_indices(n, k, m)`: the row and column positions of the lower triangle (on and
/// below diagonal `k`) of an `n × m` array (`m = n` for `None`), in row-major order.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let (i, j) = jnp::tril_indices(3, 0, None);
/// assert_eq!(i.to_vec::<i32>(), vec![0, 1, 1, 2, 2, 2]);
/// assert_eq!(j.to_vec::<i32>(), vec![0, 0, 1, 0, 1, 2]);
/// ```
pub fn tril_indices(n: usize, k: i64, m: Option<usize>) -> (Array, Array) {
    triangle_indices(n, m.unwrap_or(n), |d| d <= k)
}

/// `jnp.triu_indices(n, k, m)`: the positions of the upper triangle (on and above diagonal
/// `k`) of an `n × m` array, in row-major order.
pub fn triu_indices(n: usize, k: i64, m: Option<usize>) -> (Array, Array) {
    triangle_indices(n, m.unwrap_or(n), |d| d >= k)
}

fn matrix_shape(arr: &Array, op: &str) -> (usize, usize) {
    match arr.shape() {
        [n, m] => (*n, *m),
        _ => panic!(
            "{op}: Only 2-D inputs are accepted, got shape {}",
            arr.shape_obj()
        ),
    }
}

/// `jnp.tril_indices_from(arr, k)`: [`tril_indices`] for the shape of a 2-d `arr`.
pub fn tril_indices_from(arr: &Array, k: i64) -> (Array, Array) {
    let (n, m) = matrix_shape(arr, "tril_indices_from");
    tril_indices(n, k, Some(m))
}

/// `jnp.triu_indices_from(arr, k)`: [`triu_indices`] for the shape of a 2-d `arr`.
pub fn triu_indices_from(arr: &Array, k: i64) -> (Array, Array) {
    let (n, m) = matrix_shape(arr, "triu_indices_from");
    triu_indices(n, k, Some(m))
}

/// `jnp.mask_indices(n, mask_func, k)`: the positions where `mask_func(ones((n, n)), k)` is
/// nonzero (for example `mask_func = tril`). The count depends on the function's values, so
/// this needs them concrete (see [`mask_indices_sized`]).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let (i, j) = jnp::mask_indices(3, jnp::triu, 1);
/// assert_eq!(i.to_vec::<i32>(), vec![0, 0, 1]);
/// assert_eq!(j.to_vec::<i32>(), vec![1, 2, 2]);
/// ```
pub fn mask_indices(n: usize, mask_func: impl Fn(&Array, i64) -> Array, k: i64) -> (Array, Array) {
    let mut nz = super::set_ops::nonzero(&mask_func(&super::creation::ones([n, n]), k));
    let j = nz.pop().expect("two axes");
    (nz.pop().expect("two axes"), j)
}

/// `jnp.mask_indices(n, mask_func, k, size=size)`: the first `size` positions (padded with
/// zeros), usable under every transformation.
pub fn mask_indices_sized(
    n: usize,
    mask_func: impl Fn(&Array, i64) -> Array,
    k: i64,
    size: usize,
) -> (Array, Array) {
    let mut nz =
        super::set_ops::nonzero_sized(&mask_func(&super::creation::ones([n, n]), k), size, None);
    let j = nz.pop().expect("two axes");
    (nz.pop().expect("two axes"), j)
}
