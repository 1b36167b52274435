//! Array creation: `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, ...

use crate::array::{Array, ArrayElement, DType, Element, Shape};
use crate::prims::bind1;
use crate::prims::layout::LayoutOp;

/// An array of `shape` filled with `value` (its Rust type sets the dtype).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::full([2, 2], 7i32);
/// assert_eq!(x.to_vec::<i32>(), vec![7, 7, 7, 7]);
/// ```
pub fn full<T: ArrayElement>(shape: impl Into<Shape>, value: T) -> Array {
    let shape = shape.into();
    let scalar = Array::scalar(value);
    if shape.ndim() == 0 {
        return scalar;
    }
    bind1(
        LayoutOp::BroadcastInDim {
            shape,
            broadcast_dimensions: Default::default(),
        },
        &[&scalar],
    )
}

/// Float32 zeros of `shape`.
pub fn zeros(shape: impl Into<Shape>) -> Array {
    zeros_dtype(shape, DType::F32)
}

/// Float32 ones of `shape`.
pub fn ones(shape: impl Into<Shape>) -> Array {
    ones_dtype(shape, DType::F32)
}

/// `jnp.empty(shape)`: a float32 array of `shape`. XLA has no uninitialised buffers, so, as in
/// JAX, it holds zeros.
pub fn empty(shape: impl Into<Shape>) -> Array {
    zeros_dtype(shape, DType::F32)
}

/// `jnp.empty(shape, dtype)`: zeros of `shape` and `dtype`, as in JAX.
pub fn empty_dtype(shape: impl Into<Shape>, dtype: DType) -> Array {
    zeros_dtype(shape, dtype)
}

/// Zeros of `shape` and `dtype`.
pub fn zeros_dtype(shape: impl Into<Shape>, dtype: DType) -> Array {
    // A broadcast scalar rather than a buffer, so that under jit zeros are computed by the
    // program instead of captured as a constant.
    crate::with_dtype!(dtype, T => full(shape, T::zero()))
}

/// Ones of `shape` and `dtype`.
pub fn ones_dtype(shape: impl Into<Shape>, dtype: DType) -> Array {
    crate::with_dtype!(dtype, T => full(shape, T::one()))
}

/// Zeros with the shape and dtype of `x`.
pub fn zeros_like(x: &Array) -> Array {
    zeros_dtype(x.shape(), x.dtype())
}

/// Ones with the shape and dtype of `x`.
pub fn ones_like(x: &Array) -> Array {
    ones_dtype(x.shape(), x.dtype())
}

/// `value` broadcast to the shape of `x`, in `x`'s dtype.
pub fn full_like(x: &Array, value: f64) -> Array {
    crate::with_dtype!(x.dtype(), T => full(x.shape(), T::from_f64(value)))
}

/// `[0, 1, ..., n-1]`: float32 for a float argument (`arange(5.0)`), int32 for an integer one.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::arange(3).to_vec::<i32>(), vec![0, 1, 2]);
/// ```
pub fn arange<T: Element>(stop: T) -> Array {
    arange_step(T::zero(), stop, T::one())
}

/// `[start, start + step, ...)` up to `stop` (exclusive), like `jnp.arange(start, stop, step)`.
/// Float arguments give float32 and integer arguments int32, as Python scalars do in JAX's
/// default mode (use `.astype(DType::F64)` for float64).
pub fn arange_step<T: Element>(start: T, stop: T, step: T) -> Array {
    let (a, b, s) = (start.to_f64(), stop.to_f64(), step.to_f64());
    assert!(s != 0.0, "arange: step must be nonzero");
    let n = ((b - a) / s).ceil().max(0.0) as usize;
    if T::DTYPE.is_float() {
        Array::from_vec(
            (0..n)
                .map(|i| (a + i as f64 * s) as f32)
                .collect::<Vec<f32>>(),
            [n],
        )
    } else {
        let (a, s) = (start.to_i64(), step.to_i64());
        Array::from_vec(
            (0..n as i64)
                .map(|i| (a + i * s) as i32)
                .collect::<Vec<i32>>(),
            [n],
        )
    }
}

/// `num` evenly spaced float32 values from `start` to `stop` inclusive (`jnp.linspace`).
pub fn linspace(start: f64, stop: f64, num: usize) -> Array {
    let step = if num > 1 {
        (stop - start) / (num - 1) as f64
    } else {
        0.0
    };
    let v: Vec<f32> = (0..num)
        .map(|i| {
            if i + 1 == num && num > 1 {
                stop as f32
            } else {
                (start + i as f64 * step) as f32
            }
        })
        .collect();
    Array::from_vec(v, [num])
}

/// The `n × m` float32 matrix with ones on diagonal `k` (`jnp.eye(n, m, k)`).
pub fn eye(n: usize, m: Option<usize>, k: isize) -> Array {
    let m = m.unwrap_or(n);
    let mut v = vec![0f32; n * m];
    for i in 0..n {
        let j = i as isize + k;
        if j >= 0 && (j as usize) < m {
            v[i * m + j as usize] = 1.0;
        }
    }
    Array::from_vec(v, [n, m])
}

/// The `n × n` float32 identity matrix.
pub fn identity(n: usize) -> Array {
    eye(n, None, 0)
}
