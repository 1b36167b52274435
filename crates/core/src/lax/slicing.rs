//! Slicing, padding, concatenation, iota and gather/scatter at the `jax.lax` level: thin
//! functions over single primitives, with JAX's argument conventions (negative dynamic indices count from the end, default strides, ...).
//!
//! Like the numpy layer they only call [`bind`](crate::prims::bind), so they work under every
//! transformation.
//!
//! ```
//! use equinox_core::{lax, numpy as jnp, Array};
//! let x = jnp::arange(10);
//! let y = lax::dynamic_slice(&x, &[Array::from(-3)], &[2]);
//! assert_eq!(y.to_vec::<i32>(), vec![7, 8]);
//! ```

use crate::array::{Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::gather_scatter::{GatherScatterOp, ScatterKind};
use crate::prims::ops;
use crate::prims::slicing::{PadConfig, SlicingOp};

pub use crate::prims::gather_scatter::{
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers,
};

/// `lax.slice`: `x[start:limit:stride]` along every axis; `strides` defaults to all ones.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::arange(10);
/// assert_eq!(lax::slice(&x, &[1], &[8], Some(&[3])).to_vec::<i32>(), vec![1, 4, 7]);
/// ```
pub fn slice(x: &Array, start: &[usize], limit: &[usize], strides: Option<&[usize]>) -> Array {
    let strides = match strides {
        Some(s) => s.into(),
        None => smallvec::SmallVec::from_elem(1, start.len()),
    };
    bind1(
        SlicingOp::Slice {
            start_indices: start.into(),
            limit_indices: limit.into(),
            strides,
        },
        &[x],
    )
}

/// `lax.slice_in_dim`: `x[start:limit:stride]` along `axis`, everything along the others.
pub fn slice_in_dim(x: &Array, start: usize, limit: usize, stride: usize, axis: usize) -> Array {
    let mut s = vec![0; x.ndim()];
    let mut l = x.shape().to_vec();
    let mut st = vec![1; x.ndim()];
    if axis >= x.ndim() {
        panic!(
            "slice_in_dim: axis {axis} is out of range for shape {}",
            x.shape_obj()
        );
    }
    s[axis] = start;
    l[axis] = limit;
    st[axis] = stride;
    slice(x, &s, &l, Some(&st))
}

/// `lax.dynamic_slice`: the window of size `slice_sizes` starting at run-time indices (one 0-d
/// integer array per axis). Negative starts count from the end; starts are then clamped so the
/// window fits, as in XLA.
pub fn dynamic_slice(x: &Array, start_indices: &[Array], slice_sizes: &[usize]) -> Array {
    ops::dynamic_slice(x, start_indices, slice_sizes)
}

/// `lax.dynamic_slice_in_dim`: `size` elements from run-time `start` along `axis`.
pub fn dynamic_slice_in_dim(x: &Array, start: &Array, size: usize, axis: usize) -> Array {
    let zero = ops::int_scalar_like(start, 0);
    let mut starts = vec![zero; x.ndim()];
    let mut sizes = x.shape().to_vec();
    if axis >= x.ndim() {
        panic!(
            "dynamic_slice_in_dim: axis {axis} is out of range for shape {}",
            x.shape_obj()
        );
    }
    starts[axis] = start.clone();
    sizes[axis] = size;
    dynamic_slice(x, &starts, &sizes)
}

/// `lax.dynamic_update_slice`: `x` with `update` written at run-time start indices (negative
/// ones count from the end; then clamped so the update fits).
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let x = jnp::zeros([4]);
/// let y = lax::dynamic_update_slice(&x, &jnp::ones([2]), &[Array::from(3)]);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 0.0, 1.0, 1.0]);
/// ```
pub fn dynamic_update_slice(x: &Array, update: &Array, start_indices: &[Array]) -> Array {
    ops::dynamic_update_slice(x, update, start_indices)
}

/// `lax.pad`: `(lo, hi, interior)` padding per axis with a 0-d `padding_value` of `x`'s dtype;
/// negative `lo`/`hi` crop.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let x = jnp::arange(3);
/// let y = lax::pad(&x, &Array::from(0), &[(1, -1, 1)]);
/// assert_eq!(y.to_vec::<i32>(), vec![0, 0, 0, 1, 0]);
/// ```
pub fn pad(x: &Array, padding_value: &Array, padding_config: &[PadConfig]) -> Array {
    ops::pad(x, padding_value, padding_config)
}

/// `lax.concatenate`: joins arrays of one dtype along `dimension`.
pub fn concatenate(arrays: &[&Array], dimension: usize) -> Array {
    ops::concatenate(arrays, dimension)
}

/// `lax.iota`: `[0, 1, ..., size - 1]` in `dtype`.
pub fn iota(dtype: DType, size: usize) -> Array {
    ops::iota(dtype, size)
}

/// `lax.broadcasted_iota`: an array of `shape` holding each element's position along
/// `dimension`.
///
/// ```
/// use equinox_core::{lax, DType};
/// let r = lax::broadcasted_iota(DType::I32, [2, 3], 1);
/// assert_eq!(r.to_vec::<i32>(), vec![0, 1, 2, 0, 1, 2]);
/// ```
pub fn broadcasted_iota(dtype: DType, shape: impl Into<Shape>, dimension: usize) -> Array {
    ops::broadcasted_iota(dtype, shape, dimension)
}

/// `lax.gather` (see [`GatherScatterOp::Gather`]). `fill_value` applies under
/// [`GatherScatterMode::FillOrDrop`]; `None` picks JAX's per-dtype default.
pub fn gather(
    operand: &Array,
    indices: &Array,
    dimension_numbers: GatherDimensionNumbers,
    slice_sizes: &[usize],
    mode: GatherScatterMode,
    fill_value: Option<f64>,
) -> Array {
    ops::gather(
        operand,
        indices,
        dimension_numbers,
        slice_sizes,
        mode,
        fill_value,
    )
}

fn scatter_kind(
    kind: ScatterKind,
    operand: &Array,
    indices: &Array,
    updates: &Array,
    dimension_numbers: ScatterDimensionNumbers,
    mode: GatherScatterMode,
) -> Array {
    bind1(
        GatherScatterOp::Scatter {
            kind,
            dimension_numbers,
            mode,
        },
        &[operand, indices, updates],
    )
}

macro_rules! scatter_fns {
    ($($(#[$doc:meta])* $name:ident => $kind:expr;)*) => {$(
        $(#[$doc])*
        pub fn $name(
            operand: &Array,
            indices: &Array,
            updates: &Array,
            dimension_numbers: ScatterDimensionNumbers,
            mode: GatherScatterMode,
        ) -> Array {
            scatter_kind($kind, operand, indices, updates, dimension_numbers, mode)
        }
    )*};
}

scatter_fns! {
    /// `lax.scatter`: writes `updates` into a copy of `operand` (last write wins on duplicates).
    scatter => ScatterKind::Set;
    /// `lax.scatter_add`: adds `updates` into a copy of `operand` (duplicates accumulate).
    scatter_add => ScatterKind::Add;
    /// `lax.scatter_mul`: multiplies `updates` into a copy of `operand`.
    scatter_mul => ScatterKind::Mul;
    /// `lax.scatter_min`: elementwise minimum of `operand` and `updates` at the indices.
    scatter_min => ScatterKind::Min;
    /// `lax.scatter_max`: elementwise maximum of `operand` and `updates` at the indices.
    scatter_max => ScatterKind::Max;
}

/// `lax.scatter_sub`: subtracts `updates` from a copy of `operand` at the indices (duplicates
/// accumulate). Computed as `scatter_add` of `-updates`, which rounds the same (`a + (-b)` is
/// `a - b` in IEEE arithmetic) and differentiates the same.
pub fn scatter_sub(
    operand: &Array,
    indices: &Array,
    updates: &Array,
    dimension_numbers: ScatterDimensionNumbers,
    mode: GatherScatterMode,
) -> Array {
    let neg = bind1(crate::prims::unary::UnaryOp::Neg, &[updates]);
    scatter_kind(
        ScatterKind::Add,
        operand,
        indices,
        &neg,
        dimension_numbers,
        mode,
    )
}

/// `lax.scatter_apply`: `operand` with the elementwise `func` applied at the scattered
/// positions (`x.at[idx].apply(func)`); like XLA's scatter with `func` as its update
/// computation, a position hit `k` times gets `func` applied `k` times. `update_shape` is the
/// shape the updates of an ordinary scatter with these indices would have.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, Array};
/// let x = jnp::arange(4.0);
/// let idx = Array::from_vec(vec![1i32, 1, 3], [3, 1]);
/// let dn = lax::ScatterDimensionNumbers {
///     update_window_dims: [][..].into(),
///     inserted_window_dims: [0][..].into(),
///     scatter_dims_to_operand_dims: [0][..].into(),
///     ..Default::default()
/// };
/// let y = lax::scatter_apply(&x, &idx, |v| v * 10.0, dn, &[3], lax::GatherScatterMode::FillOrDrop);
/// assert_eq!(y.to_vec::<f32>(), vec![0.0, 100.0, 2.0, 30.0]);
/// ```
pub fn scatter_apply(
    operand: &Array,
    indices: &Array,
    func: impl Fn(&Array) -> Array,
    dimension_numbers: ScatterDimensionNumbers,
    update_shape: &[usize],
    mode: GatherScatterMode,
) -> Array {
    // How many times each element is hit, by the same scatter.
    let zeros = super::full(operand.shape(), &Array::scalar(0i32), Some(DType::I32));
    let ones = super::full(update_shape, &Array::scalar(1i32), Some(DType::I32));
    let hits = scatter_add(&zeros, indices, &ones, dimension_numbers, mode);
    let all_axes: Vec<usize> = (0..operand.ndim()).collect();
    let most = super::reduce_max(&hits, &all_axes);
    let apply_where_hit = |x: &Array, k: &Array| {
        let y = func(x);
        if y.dtype() != x.dtype() || y.shape() != x.shape() {
            panic!(
                "scatter_apply: func must keep the operand's shape and dtype; {} became {}",
                x.aval(),
                y.aval()
            );
        }
        let more = bind1(
            CompareOp::Gt,
            &[&hits, &super::broadcast(k, operand.shape())],
        );
        super::select(&more, &y, x)
    };
    if operand.size() == 0 {
        return operand.clone();
    }
    if !most.is_tracer() {
        // The count is known: apply `func` that many times (differentiable in every mode).
        let mut x = operand.clone();
        for k in 0..most.item::<i32>() {
            x = apply_where_hit(&x, &Array::scalar(k));
        }
        return x;
    }
    let (_, out) = super::while_loop(
        |(k, _): &(Array, Array)| bind1(CompareOp::Lt, &[k, &most]),
        |(k, x): &(Array, Array)| {
            let next = bind1(BinaryOp::Add, &[k, &Array::scalar(1i32)]);
            (next, apply_where_hit(x, k))
        },
        &(Array::scalar(0i32), operand.clone()),
    );
    out
}

/// `lax.index_take`: `src[idxs[0], idxs[1], ...]` with the index arrays applying to `axes` in
/// order. Each index array has shape `(N,)`; indices wrap modulo the axis size (negative ones
/// count from the end). The result has shape `(N, *the other axes of src)`, by JAX's gather.
pub fn index_take(src: &Array, idxs: &[&Array], axes: &[usize]) -> Array {
    if idxs.len() != axes.len() || idxs.is_empty() {
        panic!(
            "index_take: expected one index array per axis, got {} index arrays for axes {axes:?}",
            idxs.len()
        );
    }
    let columns: Vec<Array> = idxs
        .iter()
        .zip(axes)
        .map(|(i, &ax)| {
            let size = ops::full_like(i, src.shape()[ax] as f64);
            ops::remainder(i, &size).expand_dims(1)
        })
        .collect();
    let refs: Vec<&Array> = columns.iter().collect();
    let indices = concatenate(&refs, 1);
    let mut slice_sizes = src.shape().to_vec();
    for &ax in axes {
        slice_sizes[ax] = 1;
    }
    let offset_dims: Vec<usize> = (1..src.ndim() - axes.len() + 1).collect();
    let dn = GatherDimensionNumbers {
        offset_dims: offset_dims.as_slice().into(),
        collapsed_slice_dims: axes.into(),
        start_index_map: axes.into(),
        ..Default::default()
    };
    gather(
        src,
        &indices,
        dn,
        &slice_sizes,
        GatherScatterMode::FillOrDrop,
        None,
    )
}
