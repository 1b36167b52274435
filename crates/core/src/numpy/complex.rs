//! Complex-number functions of `jax.numpy`: `real`, `imag`, `conj`/`conjugate`, `angle`,
//! `iscomplex`, `isreal`, `iscomplexobj`.

use super::math::{arctan2, full_like_scalar};
use super::promotion::convert;
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;

/// The real part (`jnp.real`): `lax.real` for complex arrays, the array itself otherwise.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 2.0), Complex32::new(-3.0, 0.5)], [2]);
/// assert_eq!(jnp::real(&z).to_vec::<f32>(), vec![1.0, -3.0]);
/// ```
pub fn real(x: &Array) -> Array {
    crate::prims::ops::real(x)
}

/// The imaginary part (`jnp.imag`): `lax.imag` for complex arrays, zeros of the array's dtype
/// otherwise.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 2.0)], [1]);
/// assert_eq!(jnp::imag(&z).to_vec::<f32>(), vec![2.0]);
/// assert_eq!(jnp::imag(&Array::from_vec(vec![5.0f32], [1])).to_vec::<f32>(), vec![0.0]);
/// ```
pub fn imag(x: &Array) -> Array {
    if x.dtype().is_complex() {
        lax::imag(x)
    } else {
        super::zeros_like(x)
    }
}

/// The complex conjugate (`jnp.conjugate`): `lax.conj` for complex arrays, the array itself
/// otherwise.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex64};
/// let z = Array::from_vec(vec![Complex64::new(1.0, 2.0)], [1]);
/// assert_eq!(jnp::conjugate(&z).to_vec::<Complex64>(), vec![Complex64::new(1.0, -2.0)]);
/// ```
pub fn conjugate(x: &Array) -> Array {
    crate::prims::ops::conj(x)
}

/// The complex conjugate (`jnp.conj`, alias of [`conjugate`]).
pub fn conj(x: &Array) -> Array {
    conjugate(x)
}

/// The argument of complex numbers in radians, `atan2(imag, real)` (`jnp.angle`); real arrays
/// give 0 or π, integer and bool arrays (and real 0-d arrays) a `float32` result as in JAX.
/// For degrees (`deg=True`) apply [`degrees`](super::degrees) to the result.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(0.0, 1.0)], [1]);
/// assert_eq!(jnp::angle(&z).to_vec::<f32>(), vec![std::f32::consts::FRAC_PI_2]);
/// ```
pub fn angle(z: &Array) -> Array {
    let (mut re, mut im) = (real(z), imag(z));
    let d = re.dtype();
    if !d.is_float() || (z.dtype().is_float() && z.ndim() == 0) {
        re = convert(&re, DType::F32, re.weak_type());
        im = convert(&im, DType::F32, im.weak_type());
    }
    arctan2(&im, &re)
}

/// True where the imaginary part is nonzero (`jnp.iscomplex`); all false for real arrays.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 0.0), Complex32::new(1.0, 1.0)], [2]);
/// assert_eq!(jnp::iscomplex(&z).to_vec::<bool>(), vec![false, true]);
/// ```
pub fn iscomplex(x: &Array) -> Array {
    let i = imag(x);
    bind1(CompareOp::Ne, &[&i, &full_like_scalar(&i, 0.0)])
}

/// True where the imaginary part is zero (`jnp.isreal`); all true for real arrays.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 0.0), Complex32::new(1.0, 1.0)], [2]);
/// assert_eq!(jnp::isreal(&z).to_vec::<bool>(), vec![true, false]);
/// ```
pub fn isreal(x: &Array) -> Array {
    let i = imag(x);
    bind1(CompareOp::Eq, &[&i, &full_like_scalar(&i, 0.0)])
}

/// Whether the array has a complex dtype (`jnp.iscomplexobj`), whatever its values.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, Complex32};
/// assert!(jnp::iscomplexobj(&Array::scalar(Complex32::new(1.0, 0.0))));
/// assert!(!jnp::iscomplexobj(&Array::scalar(1.0f32)));
/// ```
pub fn iscomplexobj(x: &Array) -> bool {
    x.dtype().is_complex()
}

impl Array {
    /// The real part ([`real`]).
    pub fn real(&self) -> Array {
        real(self)
    }
    /// The imaginary part ([`imag`]).
    pub fn imag(&self) -> Array {
        imag(self)
    }
    /// The complex conjugate ([`conjugate`]).
    pub fn conj(&self) -> Array {
        conjugate(self)
    }
}
