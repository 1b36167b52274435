//! `jax.lax`'s shape functions: reshapes, transposes, broadcasts, indexing along one axis,
//! stacking and splitting, `full`, and the matrix products `dot` and `batch_matmul`.

use super::layout_axes;
use crate::array::{Array, DType, Shape};
use crate::prims::bind1;
use crate::prims::dot_general::DotDimensionNumbers;
use crate::prims::layout::LayoutOp;
use crate::prims::ops;

/// `jax.lax.reshape`: `x`'s elements in row-major order under `new_sizes`; with `dimensions`,
/// `x` is first transposed by that permutation.
pub fn reshape(x: &Array, new_sizes: &[usize], dimensions: Option<&[usize]>) -> Array {
    let x = match dimensions {
        Some(p) => transpose(x, p),
        None => x.clone(),
    };
    ops::reshape(&x, new_sizes)
}

/// `jax.lax.transpose`: output axis `i` is operand axis `permutation[i]`.
pub fn transpose(x: &Array, permutation: &[usize]) -> Array {
    ops::transpose(x, permutation)
}

/// `jax.lax.rev`: the elements in reverse order along each of `dimensions`.
pub fn rev(x: &Array, dimensions: &[usize]) -> Array {
    bind1(
        LayoutOp::Rev {
            dimensions: layout_axes(dimensions),
        },
        &[x],
    )
}

/// `jax.lax.squeeze`: `x` without the listed axes, which must have size 1.
pub fn squeeze(x: &Array, dimensions: &[usize]) -> Array {
    ops::squeeze(x, dimensions)
}

/// `jax.lax.expand_dims`: `x` with size-1 axes inserted at the listed output positions.
pub fn expand_dims(x: &Array, dimensions: &[usize]) -> Array {
    ops::expand_dims(x, dimensions)
}

/// `jax.lax.broadcast_in_dim`: `x` broadcast to `shape`, operand axis `i` becoming output axis
/// `broadcast_dimensions[i]`.
pub fn broadcast_in_dim(x: &Array, shape: &[usize], broadcast_dimensions: &[usize]) -> Array {
    bind1(
        LayoutOp::BroadcastInDim {
            shape: Shape::from(shape),
            broadcast_dimensions: layout_axes(broadcast_dimensions),
        },
        &[x],
    )
}

/// `jax.lax.broadcast`: `x` with the axes `sizes` prepended (shape `sizes + x.shape`).
pub fn broadcast(x: &Array, sizes: &[usize]) -> Array {
    let shape: Vec<usize> = sizes.iter().chain(x.shape()).copied().collect();
    let dims: Vec<usize> = (sizes.len()..shape.len()).collect();
    broadcast_in_dim(x, &shape, &dims)
}

/// `jax.lax.collapse`: axes `start..stop` merged into one.
pub fn collapse(x: &Array, start: usize, stop: usize) -> Array {
    if start > stop || stop > x.ndim() {
        panic!(
            "collapse: start {start} and stop {stop} must satisfy start <= stop <= ndim for shape {}",
            x.shape_obj()
        );
    }
    let s = x.shape();
    let mut shape: Vec<usize> = s[..start].to_vec();
    shape.push(s[start..stop].iter().product());
    shape.extend_from_slice(&s[stop..]);
    reshape(x, &shape, None)
}

/// `jax.lax.index_in_dim`: the entry `index` (negative counts from the end) along `axis`,
/// keeping that axis with size 1 when `keepdims`.
pub fn index_in_dim(x: &Array, index: isize, axis: usize, keepdims: bool) -> Array {
    let n = x.shape().get(axis).copied().unwrap_or_else(|| {
        panic!(
            "index_in_dim: axis {axis} is out of range for shape {}",
            x.shape_obj()
        )
    });
    let i = if index < 0 { index + n as isize } else { index };
    if i < 0 || i >= n as isize {
        panic!("index_in_dim: index {index} is out of bounds for axis {axis} of size {n}");
    }
    ops::index_in_dim(x, i as usize, axis, keepdims)
}

/// `jax.lax.dynamic_index_in_dim`: the entry at run-time `index` along `axis` (clamped into
/// range, negative from the end), keeping the axis with size 1 when `keepdims`.
pub fn dynamic_index_in_dim(x: &Array, index: &Array, axis: usize, keepdims: bool) -> Array {
    let y = super::dynamic_slice_in_dim(x, index, 1, axis);
    if keepdims {
        y
    } else {
        squeeze(&y, &[axis])
    }
}

/// `jax.lax.dynamic_update_slice_in_dim`: `x` with `update` written from run-time
/// `start_index` along `axis` (start 0 along the other axes).
pub fn dynamic_update_slice_in_dim(
    x: &Array,
    update: &Array,
    start_index: &Array,
    axis: usize,
) -> Array {
    if axis >= x.ndim() {
        panic!(
            "dynamic_update_slice_in_dim: axis {axis} is out of range for shape {}",
            x.shape_obj()
        );
    }
    ops::dynamic_update_slice_in_dim(x, update, start_index, axis)
}

/// `jax.lax.dynamic_update_index_in_dim`: `x` with `update` written at run-time `index` along
/// `axis`; `update` may lack that axis.
pub fn dynamic_update_index_in_dim(x: &Array, update: &Array, index: &Array, axis: usize) -> Array {
    let update = if update.ndim() + 1 == x.ndim() {
        expand_dims(update, &[axis])
    } else {
        update.clone()
    };
    dynamic_update_slice_in_dim(x, &update, index, axis)
}

/// `jax.lax.full`: an array of `shape` filled with the 0-d `fill_value`, converted to `dtype`
/// when given.
pub fn full(shape: &[usize], fill_value: &Array, dtype: Option<DType>) -> Array {
    if fill_value.ndim() != 0 {
        panic!(
            "full must be called with scalar fill_value, got fill_value.shape {}.",
            fill_value.shape_obj()
        );
    }
    let v = match dtype {
        Some(d) => super::convert_element_type(fill_value, d),
        None => fill_value.clone(),
    };
    broadcast(&v, shape)
}

/// `jax.lax.broadcast_like(arr, like_arr)`: `arr` broadcast (numpy's rules) to the shape of
/// `like_arr`.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let b = lax::broadcast_like(&Array::from_vec(vec![1.0f32, 2.0], [2]), &jnp::zeros([3, 2]));
/// assert_eq!((b.shape(), b.to_vec::<f32>()[4]), (&[3usize, 2][..], 1.0));
/// ```
pub fn broadcast_like(arr: &Array, like_arr: &Array) -> Array {
    ops::broadcast_to_shape(arr, like_arr.shape_obj(), "broadcast_to")
}

/// `jax.lax.shape_as_value(shape)`: the sizes of `shape` as an int32 array (shapes are
/// always concrete here).
///
/// ```
/// use equinox_core::lax;
/// assert_eq!(lax::shape_as_value(&[2, 3]).to_vec::<i32>(), vec![2, 3]);
/// ```
pub fn shape_as_value(shape: &[usize]) -> Array {
    let sizes: Vec<i32> = shape
        .iter()
        .map(|&d| {
            i32::try_from(d).unwrap_or_else(|_| {
                panic!("shape_as_value: size {d} of {shape:?} does not fit int32")
            })
        })
        .collect();
    Array::from_vec(sizes, [shape.len()])
}

/// `jax.lax.empty(shape, dtype)`: an array of `shape` and `dtype` whose contents the caller
/// will overwrite. XLA gives zeros, and so does this (there is no uninitialised memory in a
/// safe `Array`).
///
/// ```
/// use equinox_core::{lax, DType};
/// let e = lax::empty(&[2, 3], DType::I32);
/// assert_eq!((e.shape(), e.dtype()), (&[2usize, 3][..], DType::I32));
/// assert_eq!(e.to_vec::<i32>(), vec![0; 6]);
/// ```
pub fn empty(shape: &[usize], dtype: DType) -> Array {
    full(shape, &Array::scalar(0i32), Some(dtype))
}

/// `jax.lax.full_like`: an array of `x`'s shape (or `shape`) and dtype (or `dtype`) filled
/// with the 0-d `fill_value`.
pub fn full_like(
    x: &Array,
    fill_value: &Array,
    dtype: Option<DType>,
    shape: Option<&[usize]>,
) -> Array {
    full(
        shape.unwrap_or(x.shape()),
        fill_value,
        Some(dtype.unwrap_or(x.dtype())),
    )
}

/// `jax.lax.tile`: `x` repeated `reps[i]` times along each axis (as `jnp.tile`).
pub fn tile(x: &Array, reps: &[usize]) -> Array {
    ops::tile(x, reps)
}

/// `jax.lax.stack`: arrays of one shape and dtype joined along a new axis `axis`.
pub fn stack(arrays: &[&Array], axis: usize) -> Array {
    let expanded: Vec<Array> = arrays.iter().map(|a| expand_dims(a, &[axis])).collect();
    let refs: Vec<&Array> = expanded.iter().collect();
    super::concatenate(&refs, axis)
}

/// `jax.lax.unstack`: the entries of `x` along `axis`, each without that axis.
pub fn unstack(x: &Array, axis: usize) -> Vec<Array> {
    (0..x.shape()[axis])
        .map(|i| index_in_dim(x, i as isize, axis, false))
        .collect()
}

/// `jax.lax.split`: `x` cut along `axis` into consecutive pieces of the given `sizes`, which
/// must add up to the axis' size.
pub fn split(x: &Array, sizes: &[usize], axis: usize) -> Vec<Array> {
    let n = x.shape()[axis];
    let total: usize = sizes.iter().sum();
    if total != n {
        panic!(
            "split: sizes must sum to the dimension of the operand along axis {axis}; got \
             sum(sizes)={total} for operand shape {}",
            x.shape_obj()
        );
    }
    let mut start = 0;
    sizes
        .iter()
        .map(|&s| {
            let piece = super::slice_in_dim(x, start, start + s, 1, axis);
            start += s;
            piece
        })
        .collect()
}

/// `jax.lax.dot`: the vector/matrix product contracting the last axis of `lhs` with the first
/// of `rhs` (operands of rank 1 or 2).
pub fn dot(lhs: &Array, rhs: &Array, preferred_element_type: Option<DType>) -> Array {
    if !(1..=2).contains(&lhs.ndim()) || !(1..=2).contains(&rhs.ndim()) {
        panic!(
            "Incompatible shapes for dot: got {} and {}.",
            lhs.shape_obj(),
            rhs.shape_obj()
        );
    }
    let dn = DotDimensionNumbers::new((&[lhs.ndim() - 1], &[0]), (&[], &[]));
    super::dot_general(lhs, rhs, dn, preferred_element_type)
}

/// `jax.lax.batch_matmul`: matrix products over matching leading batch axes,
/// `[..., m, k] @ [..., k, n] -> [..., m, n]`.
pub fn batch_matmul(lhs: &Array, rhs: &Array, preferred_element_type: Option<DType>) -> Array {
    let nd = lhs.ndim();
    if nd < 2 || rhs.ndim() != nd {
        panic!(
            "batch_matmul requires arguments to have the same number of dimensions, at least 2, got {} and {}",
            lhs.shape_obj(),
            rhs.shape_obj()
        );
    }
    let batch: Vec<usize> = (0..nd - 2).collect();
    let dn = DotDimensionNumbers::new((&[nd - 1], &[nd - 2]), (&batch, &batch));
    super::dot_general(lhs, rhs, dn, preferred_element_type)
}

/// `jax.lax.broadcast_shapes`: the shape the given shapes broadcast to (numpy's rule, aligned at
/// the trailing axes); panics naming them when they are incompatible.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Vec<usize> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; rank];
    for s in shapes {
        for (i, &d) in s.iter().enumerate() {
            let o = &mut out[rank - s.len() + i];
            if *o == 1 {
                *o = d;
            } else if d != 1 && d != *o {
                panic!("Incompatible shapes for broadcasting: shapes={shapes:?}");
            }
        }
    }
    out
}

/// `jax.lax.broadcast_to_rank`: `x` with leading size-1 axes added up to `rank` axes.
pub fn broadcast_to_rank(x: &Array, rank: usize) -> Array {
    if x.ndim() >= rank {
        return x.clone();
    }
    broadcast(x, &vec![1; rank - x.ndim()])
}

/// The output size of a strided window along one axis (JAX's `core.stride_dim`): `0` when the
/// window does not fit, else `(size - window) / stride + 1`.
fn stride_dim(size: i64, window: i64, stride: i64) -> usize {
    if size < window {
        0
    } else {
        ((size - window) / stride + 1) as usize
    }
}

/// `jax.lax.conv_shape_tuple`: the output shape `(N, O, spatial...)` of a convolution of an
/// `(N, C, spatial...)` input with an `(O, I, window...)` kernel, given the strides and
/// explicit `(low, high)` padding per spatial axis.
pub fn conv_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    strides: &[usize],
    pads: &[(i64, i64)],
    batch_group_count: usize,
) -> Vec<usize> {
    if pads.len() + 2 != lhs_shape.len() {
        panic!(
            "Wrong number of explicit pads for convolution: expected {}, got {}.",
            lhs_shape.len().saturating_sub(2),
            pads.len()
        );
    }
    let mut out = vec![lhs_shape[0] / batch_group_count.max(1), rhs_shape[0]];
    for (i, &(lo, hi)) in pads.iter().enumerate() {
        let padded = lhs_shape[2 + i] as i64 + lo + hi;
        if padded < 0 {
            panic!(
                "Negative padding is larger than the size of the corresponding dimension: got \
                 padding={pads:?} for lhs_shape[2:]={:?}",
                &lhs_shape[2..]
            );
        }
        out.push(stride_dim(
            padded,
            rhs_shape[2 + i] as i64,
            strides[i] as i64,
        ));
    }
    out
}

/// `jax.lax.reduce_window_shape_tuple`: the output shape of a windowed reduction, with
/// optional base (input) and window dilations.
pub fn reduce_window_shape_tuple(
    operand_shape: &[usize],
    window_dimensions: &[usize],
    window_strides: &[usize],
    padding: &[(i64, i64)],
    base_dilation: Option<&[usize]>,
    window_dilation: Option<&[usize]>,
) -> Vec<usize> {
    let dilate = |d: usize, r: usize| if d == 0 { 0 } else { 1 + r * (d - 1) };
    (0..operand_shape.len())
        .map(|i| {
            let size = dilate(operand_shape[i], base_dilation.map_or(1, |b| b[i])) as i64;
            let window = dilate(window_dimensions[i], window_dilation.map_or(1, |w| w[i])) as i64;
            let (lo, hi) = padding[i];
            stride_dim(size + lo + hi, window, window_strides[i] as i64)
        })
        .collect()
}
