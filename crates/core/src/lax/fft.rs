//! `jax.lax.fft`: the `fft` primitive with JAX's input conversions.

use crate::array::Array;
use crate::prims::bind1;
use crate::prims::fft::FftOp;
pub use crate::prims::fft::FftType;
use crate::prims::ops::to_inexact;

/// `lax.fft(x, fft_type, fft_lengths)`: the transform of `x` over its last
/// `fft_lengths.len()` axes. As in JAX, `RFFT` converts integer input to float (and refuses
/// complex input); the other types convert real input to the complex dtype of its precision
/// (`float64 → complex128`, others `→ complex64`). Empty `fft_lengths` return `x` converted.
///
/// ```
/// use equinox_core::{lax, Array, Complex32};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]);
/// let y = lax::fft(&x, lax::FftType::Rfft, &[4]);
/// assert_eq!(y.shape(), &[3]);
/// let re: Vec<f32> = y.to_vec::<Complex32>().iter().map(|z| z.re).collect();
/// assert_eq!(re, vec![10.0, -2.0, -2.0]);
/// ```
pub fn fft(x: &Array, fft_type: FftType, fft_lengths: &[usize]) -> Array {
    let x = match fft_type {
        FftType::Rfft => {
            if x.dtype().is_complex() {
                panic!(
                    "only real valued inputs supported for rfft (got {})",
                    x.dtype()
                );
            }
            to_inexact(x)
        }
        _ if x.dtype().is_complex() => x.clone(),
        _ => {
            let real = to_inexact(x);
            let complex = real.dtype().complex_dtype();
            real.astype(complex)
        }
    };
    if fft_lengths.is_empty() {
        return x;
    }
    bind1(
        FftOp {
            fft_type,
            fft_lengths: fft_lengths.to_vec(),
        },
        &[&x],
    )
}
