//! `lax.real`, `lax.imag`, `lax.conj` and `lax.complex`: moving between complex numbers and
//! their real parts.

use crate::array::{Array, DType};
use crate::prims::bind1;
use crate::prims::complex::ComplexOp;
use crate::prims::convert::ConvertOp;
use crate::prims::ops::{broadcast_arrays, result_type};

/// The real part of a complex array (`lax.real`): `complex64 → float32`,
/// `complex128 → float64`. Panics for a real operand, as JAX does.
///
/// ```
/// use equinox_core::{lax, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 2.0)], [1]);
/// assert_eq!(lax::real(&z).to_vec::<f32>(), vec![1.0]);
/// ```
pub fn real(x: &Array) -> Array {
    bind1(ComplexOp::Real, &[x])
}

/// The imaginary part of a complex array (`lax.imag`); panics for a real operand.
///
/// ```
/// use equinox_core::{lax, Array, Complex32};
/// let z = Array::from_vec(vec![Complex32::new(1.0, 2.0)], [1]);
/// assert_eq!(lax::imag(&z).to_vec::<f32>(), vec![2.0]);
/// ```
pub fn imag(x: &Array) -> Array {
    bind1(ComplexOp::Imag, &[x])
}

/// The complex conjugate of a complex array (`lax.conj`); panics for a real operand (use
/// [`crate::numpy::conj`], which passes real arrays through).
///
/// ```
/// use equinox_core::{lax, Array, Complex64};
/// let z = Array::from_vec(vec![Complex64::new(1.0, 2.0)], [1]);
/// assert_eq!(lax::conj(&z).to_vec::<Complex64>(), vec![Complex64::new(1.0, -2.0)]);
/// ```
pub fn conj(x: &Array) -> Array {
    bind1(ComplexOp::Conj, &[x])
}

/// `x + i·y` elementwise (`lax.complex`). The operands are promoted to a common dtype
/// (integers and `float16`/`bfloat16` to `float32`, so the result is `complex64`; `float64`
/// gives `complex128`) and broadcast against each other.
///
/// ```
/// use equinox_core::{lax, Array, Complex32, DType};
/// let z = lax::complex(&Array::from_vec(vec![1.0f32, 3.0], [2]), &Array::weak_scalar(2.0));
/// assert_eq!(z.dtype(), DType::C64);
/// assert_eq!(z.to_vec::<Complex32>(), vec![Complex32::new(1.0, 2.0), Complex32::new(3.0, 2.0)]);
/// ```
pub fn complex(x: &Array, y: &Array) -> Array {
    let (d, weak) = result_type(&[x, y]);
    let part = match d {
        DType::F64 => DType::F64,
        d if d.is_complex() => panic!(
            "complex: the operands must be real, got {} and {}",
            x.aval(),
            y.aval()
        ),
        _ => DType::F32,
    };
    let cast = |a: &Array| {
        if a.dtype() == part && a.weak_type() == weak {
            a.clone()
        } else {
            bind1(
                ConvertOp::ConvertElementType {
                    new_dtype: part,
                    weak_type: weak,
                },
                &[a],
            )
        }
    };
    let args = broadcast_arrays(&[&cast(x), &cast(y)]);
    bind1(ComplexOp::Complex, &[&args[0], &args[1]])
}
