//! Approximate equality: `isclose` and `allclose`, as in `jax.numpy`.

use super::math::{abs, equal, isinf, less_equal, logical_or, subtract, where_};
use super::promotion::{promote_dtypes, to_inexact};
use super::reductions::all;
use crate::array::Array;

/// Elementwise `|a - b| <= atol + rtol * |b|` (`jnp.isclose` with `equal_nan=False`).
///
/// Infinities are close only to an infinity of the same sign, and NaN is close to nothing.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 1.0, f32::INFINITY, f32::NAN], [4]);
/// let b = Array::from_vec(vec![1.0f32 + 1e-7, 1.1, f32::INFINITY, f32::NAN], [4]);
/// let close = jnp::isclose(&a, &b, 1e-5, 1e-8);
/// assert_eq!(close.to_vec::<bool>(), vec![true, false, true, false]);
/// ```
pub fn isclose(a: &Array, b: &Array, rtol: f64, atol: f64) -> Array {
    let p = promote_dtypes(&[&to_inexact(a), &to_inexact(b)]);
    let (a, b) = (&p[0], &p[1]);
    let tolerance = &(abs(b) * rtol) + atol;
    let within = less_equal(&abs(&subtract(a, b)), &tolerance);
    // inf - inf is NaN, so infinities need their own test: close only when equal.
    let any_inf = logical_or(&isinf(a), &isinf(b));
    where_(&any_inf, &equal(a, b), &within)
}

/// True when every element pair is [`isclose`] (`jnp.allclose`), as a 0-d bool array.
pub fn allclose(a: &Array, b: &Array, rtol: f64, atol: f64) -> Array {
    all(&isclose(a, b, rtol, atol), None)
}

impl Array {
    /// [`isclose`] against another array.
    pub fn isclose(&self, other: &Array, rtol: f64, atol: f64) -> Array {
        isclose(self, other, rtol, atol)
    }
    /// [`allclose`] against another array.
    pub fn allclose(&self, other: &Array, rtol: f64, atol: f64) -> Array {
        allclose(self, other, rtol, atol)
    }
}

/// `jnp.array_equal(a1, a2)`: a 0-d bool, true when the shapes are equal and so is every
/// element (NaN equals nothing).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert!(jnp::array_equal(&jnp::arange(3), &jnp::arange(3)).item::<bool>());
/// assert!(!jnp::array_equal(&jnp::arange(3), &jnp::arange(2)).item::<bool>());
/// ```
pub fn array_equal(a1: &Array, a2: &Array) -> Array {
    array_equal_with(a1, a2, false)
}

/// `jnp.array_equal(a1, a2, equal_nan)`: with `equal_nan`, NaNs in the same positions count
/// as equal.
pub fn array_equal_with(a1: &Array, a2: &Array, equal_nan: bool) -> Array {
    if a1.shape() != a2.shape() {
        return Array::scalar(false);
    }
    let mut eq = equal(a1, a2);
    if equal_nan {
        let both = super::math::logical_and(&super::math::isnan(a1), &super::math::isnan(a2));
        eq = logical_or(&eq, &both);
    }
    all(&eq, None)
}

/// `jnp.array_equiv(a1, a2)`: a 0-d bool, true when the shapes broadcast together and every
/// element of the broadcast arrays is equal.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let row = Array::from_vec(vec![1i32, 2], [2]);
/// let m = Array::from_vec(vec![1i32, 2, 1, 2], [2, 2]);
/// assert!(jnp::array_equiv(&row, &m).item::<bool>());
/// ```
pub fn array_equiv(a1: &Array, a2: &Array) -> Array {
    if crate::array::broadcast_shapes(a1.shape(), a2.shape()).is_none() {
        return Array::scalar(false);
    }
    all(&equal(a1, a2), None)
}
