//! Diagonals, grids and products of arrays, named as in `jax.numpy`: `diag`, `diagflat`,
//! `diagonal`, `trace`, `tri`, `meshgrid`, `kron`, `cross`, `fill_diagonal`, `vander`.

use super::creation::zeros_dtype;
use super::indexing::{index, Index};
use super::joining::stack;
use super::manipulation::{expand_dims, moveaxis, ravel, reshape, transpose};
use super::math::{multiply, select, subtract};
use super::promotion::{broadcast_to_shape, convert, promote_dtypes};
use super::reductions::sum;
use crate::array::{normalize_axis, Array, DType, Shape};
use crate::lax;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::layout::LayoutOp;

/// The `n × m` bool mask of diagonal `k` (`jnp.eye(n, m, k, dtype=bool)`), staged so it is
/// computed by the program under jit.
fn eye_mask(n: usize, m: usize, k: i64) -> Array {
    let row = lax::broadcasted_iota(DType::I32, [n, m], 0);
    let col = lax::broadcasted_iota(DType::I32, [n, m], 1);
    let d = bind1(crate::prims::binary::BinaryOp::Sub, &[&col, &row]);
    bind1(CompareOp::Eq, &[&d, &Array::scalar(k as i32)])
}

/// `jnp.diagonal(a, offset, axis1, axis2)`: the diagonal `offset` of the planes spanned by
/// `axis1` and `axis2`, as a new last axis (the other axes keep their order).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let a = jnp::arange(6).reshape([2, 3]);
/// assert_eq!(jnp::diagonal(&a, 1, 0, 1).to_vec::<i32>(), vec![1, 5]);
/// ```
pub fn diagonal(a: &Array, offset: i64, axis1: isize, axis2: isize) -> Array {
    let nd = a.ndim();
    if nd < 2 {
        panic!(
            "diagonal: diagonal requires an array of at least two dimensions, got shape {}",
            a.shape_obj()
        );
    }
    let a1 = normalize_axis(axis1, nd, "diagonal");
    let a2 = normalize_axis(axis2, nd, "diagonal");
    if a1 == a2 {
        panic!("diagonal: axis1 and axis2 must be different, got {axis1} and {axis2}");
    }
    let (n, m) = (a.shape()[a1] as i64, a.shape()[a2] as i64);
    // `moveaxis(a, (axis1, axis2), (-2, -1))`.
    let mut perm: Vec<isize> = (0..nd)
        .filter(|&i| i != a1 && i != a2)
        .map(|i| i as isize)
        .collect();
    perm.push(a1 as isize);
    perm.push(a2 as isize);
    let moved = transpose(a, Some(&perm));
    let size = (n + offset.min(0)).min(m - offset.max(0)).max(0) as usize;
    let i: Vec<i32> = (0..size as i32).collect();
    let j: Vec<i32> = (0..size as i32)
        .map(|t| t + offset.unsigned_abs() as i32)
        .collect();
    let (rows, cols) = if offset >= 0 { (i, j) } else { (j, i) };
    index(
        &moved,
        &[
            Index::Ellipsis,
            Index::Array(Array::from_vec(rows, [size])),
            Index::Array(Array::from_vec(cols, [size])),
        ],
    )
}

/// `jnp.diag(v, k)`: for a 1-d `v`, the square matrix with `v` on diagonal `k`; for a 2-d `v`,
/// its diagonal `k`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let v = Array::from_vec(vec![1i32, 2], [2]);
/// assert_eq!(jnp::diag(&v, 0).to_vec::<i32>(), vec![1, 0, 0, 2]);
/// assert_eq!(jnp::diag(&jnp::diag(&v, 1), 1).to_vec::<i32>(), vec![1, 2]);
/// ```
pub fn diag(v: &Array, k: i64) -> Array {
    match v.ndim() {
        1 => {
            // JAX's `_diag`: pad `v` to length `n` so that column j holds `v[j - k]`, then keep
            // it on the diagonal only.
            let n = v.shape()[0] + k.unsigned_abs() as usize;
            let zero = convert(&Array::scalar(0i32), v.dtype(), false);
            let padded = lax::pad(v, &zero, &[(k.max(0), (-k).max(0), 0)]);
            let padded = broadcast_to_shape(&padded, &[n, n].into(), "diag");
            let zeros = zeros_dtype([n, n], v.dtype()).with_weak_type(v.weak_type());
            select(&eye_mask(n, n, k), &padded, &zeros)
        }
        2 => diagonal(v, k, 0, 1),
        _ => panic!(
            "diag: expected a 1-d or 2-d input, got shape {}",
            v.shape_obj()
        ),
    }
}

/// `jnp.diagflat(v, k)`: the flattened `v` on diagonal `k` of a square matrix.
pub fn diagflat(v: &Array, k: i64) -> Array {
    diag(&ravel(v), k)
}

/// `jnp.trace(a, offset, axis1, axis2)`: the sum along a diagonal (bool and narrow integers
/// sum as int32, as [`sum`] does).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let a = jnp::arange(9).reshape([3, 3]);
/// assert_eq!(jnp::trace(&a, 0, 0, 1).item::<i32>(), 12);
/// ```
pub fn trace(a: &Array, offset: i64, axis1: isize, axis2: isize) -> Array {
    let nd = a.ndim();
    if nd < 2 {
        // JAX normalises the axes first: an axis out of range is what it reports.
        normalize_axis(axis1, nd, "trace");
        normalize_axis(axis2, nd, "trace");
        panic!(
            "trace: expected an array of rank >= 2, got shape {}",
            a.shape_obj()
        );
    }
    let a1 = normalize_axis(axis1, nd, "trace");
    let a2 = normalize_axis(axis2, nd, "trace");
    if a1 == a2 {
        panic!("trace: axis1 and axis2 must be different, got {axis1} and {axis2}");
    }
    let mut perm: Vec<isize> = (0..nd)
        .filter(|&i| i != a1 && i != a2)
        .map(|i| i as isize)
        .collect();
    perm.push(a1 as isize);
    perm.push(a2 as isize);
    let moved = transpose(a, Some(&perm));
    // As JAX: zero everything off the diagonal, then sum the last two axes.
    let (n, m) = (moved.shape()[nd - 2], moved.shape()[nd - 1]);
    let mask = bind1(
        LayoutOp::BroadcastInDim {
            shape: moved.shape_obj().clone(),
            broadcast_dimensions: [nd - 2, nd - 1].into_iter().collect(),
        },
        &[&eye_mask(n, m, offset)],
    );
    let zeros = zeros_dtype(moved.shape(), moved.dtype()).with_weak_type(moved.weak_type());
    sum(&select(&mask, &moved, &zeros), [-2, -1])
}

/// `jnp.tri(n, m, k)`: the float32 `n × m` matrix with ones at and below diagonal `k`
/// (`m = None` is `n`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::tri(2, Some(3), 0).to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
/// ```
pub fn tri(n: usize, m: Option<usize>, k: i64) -> Array {
    tri_dtype(n, m, k, DType::F32)
}

/// [`tri`] in a given dtype.
pub fn tri_dtype(n: usize, m: Option<usize>, k: i64, dtype: DType) -> Array {
    let m = m.unwrap_or(n);
    let row = lax::broadcasted_iota(DType::I32, [n, m], 0);
    let col = lax::broadcasted_iota(DType::I32, [n, m], 1);
    let d = bind1(crate::prims::binary::BinaryOp::Sub, &[&col, &row]);
    let mask = bind1(CompareOp::Le, &[&d, &Array::scalar(k as i32)]);
    convert(&mask, dtype, false)
}

/// Index order of [`meshgrid_with`]: `Xy` (Cartesian, numpy's default: the first two outputs
/// have shape `[len(y), len(x), ...]`) or `Ij` (matrix: shape `[len(x), len(y), ...]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MeshIndexing {
    /// Cartesian indexing (the default).
    #[default]
    Xy,
    /// Matrix indexing.
    Ij,
}

/// Options of [`meshgrid_with`]; the default is JAX's (`indexing="xy"`, `sparse=False`).
#[derive(Clone, Copy, Debug, Default)]
pub struct MeshgridOptions {
    /// Cartesian or matrix indexing.
    pub indexing: MeshIndexing,
    /// Return each output with size 1 along every axis but its own (broadcastable grids).
    pub sparse: bool,
}

/// `jnp.meshgrid(*xs)`: coordinate grids from 1-d coordinate vectors, with Cartesian (`"xy"`)
/// indexing.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let g = jnp::meshgrid(&[&jnp::arange(3), &jnp::arange(2)]);
/// assert_eq!(g[0].shape(), &[2, 3]);
/// assert_eq!(g[1].to_vec::<i32>(), vec![0, 0, 0, 1, 1, 1]);
/// ```
pub fn meshgrid(xs: &[&Array]) -> Vec<Array> {
    meshgrid_with(xs, MeshgridOptions::default())
}

/// `jnp.meshgrid(*xs, indexing=..., sparse=...)`.
pub fn meshgrid_with(xs: &[&Array], options: MeshgridOptions) -> Vec<Array> {
    if let Some(bad) = xs.iter().find(|a| a.ndim() != 1) {
        panic!(
            "meshgrid: the arguments must be 1-d, got shape {}",
            bad.shape_obj()
        );
    }
    let mut args: Vec<&Array> = xs.to_vec();
    let swap = options.indexing == MeshIndexing::Xy && args.len() >= 2;
    if swap {
        args.swap(0, 1);
    }
    let full: Vec<usize> = args.iter().map(|a| a.shape()[0]).collect();
    let mut out: Vec<Array> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if options.sparse {
                let mut shape = vec![1usize; args.len()];
                shape[i] = a.shape()[0];
                reshape(a, shape)
            } else {
                bind1(
                    LayoutOp::BroadcastInDim {
                        shape: Shape(full.iter().copied().collect()),
                        broadcast_dimensions: [i].into_iter().collect(),
                    },
                    &[*a],
                )
            }
        })
        .collect();
    if swap {
        out.swap(0, 1);
    }
    out
}

/// `jnp.kron(a, b)`: the Kronecker product (the rank of the result is the larger of the two;
/// the smaller is padded with leading size-1 axes).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let a = jnp::arange(2);
/// let b = jnp::ones_dtype([2], equinox_core::DType::I32);
/// assert_eq!(jnp::kron(&a, &b).to_vec::<i32>(), vec![0, 0, 1, 1]);
/// ```
pub fn kron(a: &Array, b: &Array) -> Array {
    let p = promote_dtypes(&[a, b]);
    let (mut a, mut b) = (p[0].clone(), p[1].clone());
    let nd = a.ndim().max(b.ndim());
    let lead = |x: &Array| {
        let extra = nd - x.ndim();
        if extra == 0 {
            x.clone()
        } else {
            expand_dims(x, (0..extra as i32).collect::<Vec<_>>())
        }
    };
    a = lead(&a);
    b = lead(&b);
    let out_shape: Vec<usize> = a
        .shape()
        .iter()
        .zip(b.shape())
        .map(|(x, y)| x * y)
        .collect();
    if nd == 0 {
        return multiply(&a, &b);
    }
    let a_r = expand_dims(&a, (1..2 * nd as i32).step_by(2).collect::<Vec<_>>());
    let b_r = expand_dims(&b, (0..2 * nd as i32).step_by(2).collect::<Vec<_>>());
    reshape(&multiply(&a_r, &b_r), out_shape)
}

/// Options of [`cross_with`]: the axes holding the vectors of `a`, `b` and the result (JAX's
/// defaults: all `-1`); `axis`, when set, overrides all three.
#[derive(Clone, Copy, Debug)]
pub struct CrossOptions {
    /// The vector axis of `a`.
    pub axisa: isize,
    /// The vector axis of `b`.
    pub axisb: isize,
    /// The vector axis of the result.
    pub axisc: isize,
    /// One axis for all three.
    pub axis: Option<isize>,
}

impl Default for CrossOptions {
    fn default() -> Self {
        CrossOptions {
            axisa: -1,
            axisb: -1,
            axisc: -1,
            axis: None,
        }
    }
}

/// `jnp.cross(a, b)`: the cross product of 2- or 3-vectors along the last axis (2-vectors on
/// both sides give the scalar z component; a 2-vector against a 3-vector has z = 0).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 0.0, 0.0], [3]);
/// let y = Array::from_vec(vec![0.0f32, 1.0, 0.0], [3]);
/// assert_eq!(jnp::cross(&x, &y).to_vec::<f32>(), vec![0.0, 0.0, 1.0]);
/// ```
pub fn cross(a: &Array, b: &Array) -> Array {
    cross_with(a, b, CrossOptions::default())
}

/// `jnp.cross(a, b, axisa, axisb, axisc, axis)`.
pub fn cross_with(a: &Array, b: &Array, options: CrossOptions) -> Array {
    let (axa, axb, axc) = match options.axis {
        Some(ax) => (ax, ax, ax),
        None => (options.axisa, options.axisb, options.axisc),
    };
    if a.ndim() == 0 || b.ndim() == 0 {
        panic!(
            "cross: expected arrays of rank >= 1, got shapes {} and {}",
            a.shape_obj(),
            b.shape_obj()
        );
    }
    let a = moveaxis(a, axa, -1);
    let b = moveaxis(b, axb, -1);
    let (na, nb) = (a.shape()[a.ndim() - 1], b.shape()[b.ndim() - 1]);
    if !matches!(na, 2 | 3) || !matches!(nb, 2 | 3) {
        panic!(
            "cross: the vector axes must have size 2 or 3, got shapes {} and {} (vectors along the last axis)",
            a.shape_obj(),
            b.shape_obj()
        );
    }
    let comp = |x: &Array, i: i64| index(x, &[Index::Ellipsis, Index::Int(i)]);
    let (a0, a1, b0, b1) = (comp(&a, 0), comp(&a, 1), comp(&b, 0), comp(&b, 1));
    if na == 2 && nb == 2 {
        return subtract(&multiply(&a0, &b1), &multiply(&a1, &b0));
    }
    let third = |x: &Array, n: usize, x0: &Array| {
        if n == 3 {
            comp(x, 2)
        } else {
            super::creation::zeros_like(x0)
        }
    };
    let a2 = third(&a, na, &a0);
    let b2 = third(&b, nb, &b0);
    let c0 = subtract(&multiply(&a1, &b2), &multiply(&a2, &b1));
    let c1 = subtract(&multiply(&a2, &b0), &multiply(&a0, &b2));
    let c2 = subtract(&multiply(&a0, &b1), &multiply(&a1, &b0));
    // `array([c0, c1, c2])` promotes and broadcasts the components.
    let p = promote_dtypes(&[&c0, &c1, &c2]);
    let b = super::promotion::broadcast_arrays(&[&p[0], &p[1], &p[2]]);
    let c = stack(&[&b[0], &b[1], &b[2]], 0);
    moveaxis(&c, 0, axc)
}

/// `jnp.fill_diagonal(a, val, inplace=False)`: `a` with its main diagonal (positions
/// `(i, i, ..., i)`) set to `val` (converted to `a`'s dtype): a 0-d `val` everywhere, else the
/// flattened `val` repeated to the diagonal's length. `a` needs rank >= 2, and for rank > 2
/// equal axis lengths.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let m = jnp::fill_diagonal(&jnp::zeros([2, 3]), &Array::scalar(5.0f32));
/// assert_eq!(m.to_vec::<f32>(), vec![5.0, 0.0, 0.0, 0.0, 5.0, 0.0]);
/// ```
pub fn fill_diagonal(a: &Array, val: &Array) -> Array {
    if a.ndim() < 2 {
        panic!(
            "fill_diagonal: array must be at least 2-d, got shape {}",
            a.shape_obj()
        );
    }
    if a.ndim() > 2 && a.shape().iter().any(|&d| d != a.shape()[0]) {
        panic!(
            "fill_diagonal: All dimensions of input must be of equal length, got shape {}",
            a.shape_obj()
        );
    }
    let n = *a.shape().iter().min().unwrap();
    let v = convert(val, a.dtype(), false);
    // Position `i` of the diagonal reads `v[i]` (the flattened `val` tiled to length n).
    let v = if v.ndim() == 0 || n == 0 {
        v
    } else {
        let flat = ravel(&v);
        let reps = n.div_ceil(flat.size());
        let tiled = super::joining::tile(&flat, &[reps]);
        lax::slice_in_dim(&tiled, 0, n, 1, 0)
    };
    // The diagonal mask: every coordinate equal to the first.
    let nd = a.ndim();
    let first = lax::broadcasted_iota(DType::I32, a.shape().to_vec(), 0);
    let mut mask = super::creation::full(a.shape(), true);
    for ax in 1..nd {
        let c = lax::broadcasted_iota(DType::I32, a.shape().to_vec(), ax);
        mask = super::math::logical_and(&mask, &bind1(CompareOp::Eq, &[&first, &c]));
    }
    let values = if v.ndim() == 0 {
        broadcast_to_shape(&v, a.shape_obj(), "fill_diagonal")
    } else {
        // `v[i]` along axis 0, broadcast over the others (off the diagonal it is unused).
        let padded = if a.shape()[0] > n {
            let zeros = zeros_dtype([a.shape()[0] - n], a.dtype());
            lax::concatenate(&[&v, &zeros], 0)
        } else {
            v
        };
        let mut shape = vec![1usize; nd];
        shape[0] = a.shape()[0];
        broadcast_to_shape(&padded.reshape(shape), a.shape_obj(), "fill_diagonal")
    };
    select(&mask, &values, a)
}

/// `jnp.vander(x)`: the Vandermonde matrix of a 1-d `x`: column `j` is
/// `x ** (N - 1 - j)` with `N = len(x)`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let v = jnp::vander(&Array::from_vec(vec![1i32, 2, 3], [3]));
/// assert_eq!(v.to_vec::<i32>(), vec![1, 1, 1, 4, 2, 1, 9, 3, 1]);
/// ```
pub fn vander(x: &Array) -> Array {
    vander_with(x, None, false)
}

/// `jnp.vander(x, N, increasing)`: `N` columns (`None`: `len(x)`), powers increasing from the
/// left when `increasing`.
pub fn vander_with(x: &Array, n: Option<usize>, increasing: bool) -> Array {
    if x.ndim() != 1 {
        panic!(
            "vander: x must be a one-dimensional array, got shape {}",
            x.shape_obj()
        );
    }
    let n = n.unwrap_or(x.shape()[0]);
    let mut iota = lax::iota(x.dtype(), n);
    if !increasing {
        iota = super::manipulation::flip(&iota, 0);
    }
    super::math::power(&x.reshape([x.shape()[0], 1]), &iota.reshape([1, n]))
}

impl Array {
    /// [`diagonal`] of the planes of `axis1` and `axis2` (`x.diagonal(offset, axis1, axis2)`).
    pub fn diagonal(&self, offset: i64, axis1: isize, axis2: isize) -> Array {
        diagonal(self, offset, axis1, axis2)
    }
    /// [`trace`]: the sum along a diagonal (`x.trace(offset, axis1, axis2)`).
    pub fn trace(&self, offset: i64, axis1: isize, axis2: isize) -> Array {
        trace(self, offset, axis1, axis2)
    }
}
