//! `jax.numpy`'s other names for functions defined elsewhere (the array-API spellings such as
//! `acos`, `concat`, `permute_dims`; numpy's `amax`, `around`, `degrees`), and the small
//! functions that are one operation on top of them (`fabs`, `rint`, `deg2rad`, `fmax`,
//! `isposinf`, `unstack`, ...), each as JAX 0.10.2 defines it.

use super::creation::zeros_like;
use super::joining::concatenate;
use super::manipulation::{swapaxes, transpose};
use super::math::{
    abs, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, bitwise_not, equal, greater,
    isnan, left_shift, less, logical_or, remainder, right_shift, round, where_,
};
use super::promotion::to_inexact;
use super::reductions::{max, min};
use crate::array::{Array, ArrayElement, DType};
use crate::numpy::Axes;

/// A constant with `x`'s dtype (JAX's `_lax_const(x, v)`: `v` rounded once to that dtype).
fn const_like(x: &Array, v: f64) -> Array {
    crate::with_float_dtype!(x.dtype(), T => Array::scalar(T::from_f64(v)), _ => {
        unreachable!("called on inexact arrays")
    })
}

/// `jnp.acos`, the array-API name of [`arccos`].
pub fn acos(x: &Array) -> Array {
    arccos(x)
}

/// `jnp.acosh`, the array-API name of [`arccosh`].
pub fn acosh(x: &Array) -> Array {
    arccosh(x)
}

/// `jnp.asin`, the array-API name of [`arcsin`].
pub fn asin(x: &Array) -> Array {
    arcsin(x)
}

/// `jnp.asinh`, the array-API name of [`arcsinh`].
pub fn asinh(x: &Array) -> Array {
    arcsinh(x)
}

/// `jnp.atan`, the array-API name of [`arctan`].
pub fn atan(x: &Array) -> Array {
    arctan(x)
}

/// `jnp.atanh`, the array-API name of [`arctanh`].
pub fn atanh(x: &Array) -> Array {
    arctanh(x)
}

/// `jnp.atan2`, the array-API name of [`arctan2`].
pub fn atan2(x1: &Array, x2: &Array) -> Array {
    arctan2(x1, x2)
}

/// `jnp.amax`, numpy's other name for [`max`].
pub fn amax(x: &Array, axes: impl Into<Axes>) -> Array {
    max(x, axes)
}

/// `jnp.amin`, numpy's other name for [`min`].
pub fn amin(x: &Array, axes: impl Into<Axes>) -> Array {
    min(x, axes)
}

/// `jnp.around(x)` (`decimals=0`), numpy's other name for [`round`]: half to even.
pub fn around(x: &Array) -> Array {
    round(x)
}

/// `jnp.bitwise_invert`, the array-API name of [`bitwise_not`].
pub fn bitwise_invert(x: &Array) -> Array {
    bitwise_not(x)
}

/// `jnp.invert`, numpy's other name for [`bitwise_not`].
pub fn invert(x: &Array) -> Array {
    bitwise_not(x)
}

/// `jnp.bitwise_left_shift`, the array-API name of [`left_shift`].
pub fn bitwise_left_shift(x1: &Array, x2: &Array) -> Array {
    left_shift(x1, x2)
}

/// `jnp.bitwise_right_shift`, the array-API name of [`right_shift`].
pub fn bitwise_right_shift(x1: &Array, x2: &Array) -> Array {
    right_shift(x1, x2)
}

/// `jnp.concat`, the array-API name of [`concatenate`].
pub fn concat(arrays: &[&Array], axis: isize) -> Array {
    concatenate(arrays, axis)
}

/// `jnp.permute_dims(x, axes)`, the array-API name of [`transpose`] with the permutation
/// given.
pub fn permute_dims(x: &Array, axes: &[isize]) -> Array {
    transpose(x, Some(axes))
}

/// `jnp.matrix_transpose`: swaps the last two axes (a batch of matrices transposed). Panics
/// for arrays of fewer than two axes.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = jnp::arange(6.0).reshape([1, 2, 3]);
/// assert_eq!(jnp::matrix_transpose(&x).shape(), &[1, 3, 2]);
/// ```
pub fn matrix_transpose(x: &Array) -> Array {
    if x.ndim() < 2 {
        panic!(
            "matrix_transpose: the input must have at least two axes, got shape {:?}",
            x.shape()
        );
    }
    swapaxes(x, -1, -2)
}

/// `jnp.positive`: the values themselves (`+x`).
pub fn positive(x: &Array) -> Array {
    x.clone()
}

/// `jnp.fabs`: the absolute value as a float (integers are converted first, as `jnp.exp` does).
pub fn fabs(x: &Array) -> Array {
    abs(&to_inexact(x))
}

/// `jnp.rint`: rounds to the nearest integer, halves to even; integers and booleans come back
/// as float32, as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, DType};
/// let x = Array::from_vec(vec![0.5f32, 1.5, 2.5, -0.5], [4]);
/// assert_eq!(jnp::rint(&x).to_vec::<f32>(), vec![0.0, 2.0, 2.0, -0.0]);
/// assert_eq!(jnp::rint(&Array::from_vec(vec![3i32], [1])).dtype(), DType::F32);
/// ```
pub fn rint(x: &Array) -> Array {
    if x.dtype().is_float() {
        round(x)
    } else {
        x.astype(DType::F32)
    }
}

/// `jnp.deg2rad`: `x * (pi / 180)`, the constant rounded to `x`'s float dtype.
pub fn deg2rad(x: &Array) -> Array {
    let x = to_inexact(x);
    &x * &const_like(&x, std::f64::consts::PI / 180.0)
}

/// `jnp.radians`, numpy's other name for [`deg2rad`].
pub fn radians(x: &Array) -> Array {
    deg2rad(x)
}

/// `jnp.rad2deg`: `x * (180 / pi)`, the constant rounded to `x`'s float dtype.
pub fn rad2deg(x: &Array) -> Array {
    let x = to_inexact(x);
    &x * &const_like(&x, 180.0 / std::f64::consts::PI)
}

/// `jnp.degrees`, numpy's other name for [`rad2deg`].
pub fn degrees(x: &Array) -> Array {
    rad2deg(x)
}

/// `jnp.fmax`: the elementwise maximum, ignoring a NaN when the other value is not NaN:
/// `where(x1 > x2 | isnan(x2), x1, x2)`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, f32::NAN, 3.0], [3]);
/// let b = Array::from_vec(vec![2.0f32, 0.5, f32::NAN], [3]);
/// assert_eq!(jnp::fmax(&a, &b).to_vec::<f32>(), vec![2.0, 0.5, 3.0]);
/// ```
pub fn fmax(x1: &Array, x2: &Array) -> Array {
    let mask = logical_or(&greater(x1, x2), &isnan(x2));
    where_(&mask, x1, x2)
}

/// `jnp.fmin`: the elementwise minimum, ignoring a NaN when the other value is not NaN:
/// `where(x1 < x2 | isnan(x2), x1, x2)`.
pub fn fmin(x1: &Array, x2: &Array) -> Array {
    let mask = logical_or(&less(x1, x2), &isnan(x2));
    where_(&mask, x1, x2)
}

/// `jnp.isposinf`: `x == +inf` (all false for integers).
pub fn isposinf(x: &Array) -> Array {
    signed_infinity(x, f64::INFINITY)
}

/// `jnp.isneginf`: `x == -inf` (all false for integers).
pub fn isneginf(x: &Array) -> Array {
    signed_infinity(x, f64::NEG_INFINITY)
}

fn signed_infinity(x: &Array, infinity: f64) -> Array {
    if x.dtype().is_float() {
        equal(x, &const_like(x, infinity))
    } else {
        zeros_like(x).astype(DType::Bool)
    }
}

/// `jnp.empty_like`: JAX has no uninitialised memory, so zeros of `x`'s shape and dtype.
pub fn empty_like(x: &Array) -> Array {
    zeros_like(x)
}

/// `jnp.mod` (`mod` is a Rust keyword), numpy's other name for [`remainder`].
pub fn mod_(x1: &Array, x2: &Array) -> Array {
    remainder(x1, x2)
}

/// `jnp.unstack(x, axis)`: the slices of `x` along `axis`, that axis removed.
///
/// ```
/// use equinox_core::{numpy as jnp};
/// let parts = jnp::unstack(&jnp::arange(6.0).reshape([2, 3]), 1);
/// assert_eq!(parts.len(), 3);
/// assert_eq!(parts[1].to_vec::<f32>(), vec![1.0, 4.0]);
/// ```
pub fn unstack(x: &Array, axis: isize) -> Vec<Array> {
    let axis = crate::array::normalize_axis(axis, x.ndim(), "unstack");
    (0..x.shape()[axis])
        .map(|i| crate::lax::slice_in_dim(x, i, i + 1, 1, axis).squeeze(axis as isize))
        .collect()
}

/// `jnp.ndim`: the number of axes.
pub fn ndim(x: &Array) -> usize {
    x.ndim()
}

/// `jnp.shape`: the shape.
pub fn shape(x: &Array) -> Vec<usize> {
    x.shape().to_vec()
}

/// `jnp.size`: the number of elements.
pub fn size(x: &Array) -> usize {
    x.size()
}
