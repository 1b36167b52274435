//! The helpers of `jnp.fft` that need no transform: sample frequencies (`fftfreq`,
//! `rfftfreq`) and moving the zero frequency to the centre (`fftshift`, `ifftshift`).

use super::super::rearranging::roll_axes;
use crate::array::{normalize_axis, Array, DType};

/// `jnp.fft.fftfreq(n, d)`: the sample frequencies of an `n`-point transform with sample
/// spacing `d`, `[0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d n)` (float32).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::fft::fftfreq(4, 0.5).to_vec::<f32>(), vec![0.0, 0.5, -1.0, -0.5]);
/// ```
pub fn fftfreq(n: usize, d: f64) -> Array {
    fftfreq_dtype(n, d, DType::F32)
}

/// [`fftfreq`] in a given float dtype.
pub fn fftfreq_dtype(n: usize, d: f64, dtype: DType) -> Array {
    check_float("fftfreq", dtype);
    let half = (n / 2) as i64;
    let n_i = n as i64;
    // ((i + n/2) % n - n/2) in integers, then divided in the float dtype as JAX does.
    let k: Vec<f64> = (0..n_i)
        .map(|i| ((i + half) % n_i.max(1) - half) as f64)
        .collect();
    divided(Array::from_vec(k, [n]).astype(dtype), d * n as f64)
}

/// `jnp.fft.rfftfreq(n, d)`: the non-negative sample frequencies of an `n`-point real
/// transform, `[0, 1, ..., n/2] / (d n)` (float32).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::fft::rfftfreq(5, 1.0).to_vec::<f32>(), vec![0.0, 0.2, 0.4]);
/// ```
pub fn rfftfreq(n: usize, d: f64) -> Array {
    rfftfreq_dtype(n, d, DType::F32)
}

/// [`rfftfreq`] in a given float dtype.
pub fn rfftfreq_dtype(n: usize, d: f64, dtype: DType) -> Array {
    check_float("rfftfreq", dtype);
    let k: Vec<f64> = (0..=n / 2).map(|i| i as f64).collect();
    divided(Array::from_vec(k, [n / 2 + 1]).astype(dtype), d * n as f64)
}

fn check_float(op: &str, dtype: DType) {
    if !dtype.is_float() {
        panic!(
            "jnp.fft.{op}: dtype must be a float dtype, got {}",
            dtype.name()
        );
    }
}

/// `k / (d n)` with the divisor rounded to `k`'s dtype first (`jnp.array(d * n, dtype)`).
fn divided(k: Array, divisor: f64) -> Array {
    let dtype = k.dtype();
    &k / &Array::scalar(divisor).astype(dtype)
}

/// `jnp.fft.fftshift(x, axes)`: rolls each axis in `axes` (every axis for `None`) by half its
/// length, moving the zero frequency to the centre.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let f = jnp::fft::fftfreq(5, 1.0);
/// let shifted = jnp::fft::fftshift(&f, None);
/// assert_eq!(shifted.to_vec::<f32>(), vec![-0.4, -0.2, 0.0, 0.2, 0.4]);
/// assert_eq!(jnp::fft::ifftshift(&shifted, None).to_vec::<f32>(), f.to_vec::<f32>());
/// ```
pub fn fftshift(x: &Array, axes: Option<&[isize]>) -> Array {
    shift_by_half(x, axes, "fftshift", |n| (n / 2) as i64)
}

/// `jnp.fft.ifftshift(x, axes)`: the inverse of [`fftshift`] (they differ for odd lengths).
pub fn ifftshift(x: &Array, axes: Option<&[isize]>) -> Array {
    shift_by_half(x, axes, "ifftshift", |n| -((n / 2) as i64))
}

fn shift_by_half(x: &Array, axes: Option<&[isize]>, op: &str, shift: fn(usize) -> i64) -> Array {
    let axes: Vec<isize> = match axes {
        Some(list) => list.to_vec(),
        None => (0..x.ndim() as isize).collect(),
    };
    if axes.is_empty() {
        return x.clone();
    }
    let shifts: Vec<i64> = axes
        .iter()
        .map(|&a| shift(x.shape()[normalize_axis(a, x.ndim(), op)]))
        .collect();
    roll_axes(x, &shifts, &axes)
}
