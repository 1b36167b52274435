//! Array creation: `zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, ...

use crate::array::{Array, ArrayElement, DType, Element, Shape};
use crate::prims::ops;

/// An array of `shape` filled with `value` (its Rust type sets the dtype).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::full([2, 2], 7i32);
/// assert_eq!(x.to_vec::<i32>(), vec![7, 7, 7, 7]);
/// ```
pub fn full<T: ArrayElement>(shape: impl Into<Shape>, value: T) -> Array {
    ops::full(shape, value)
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
    ops::zeros(shape, dtype)
}

/// Ones of `shape` and `dtype`.
pub fn ones_dtype(shape: impl Into<Shape>, dtype: DType) -> Array {
    ops::ones(shape, dtype)
}

/// Zeros with the shape and dtype of `x`.
pub fn zeros_like(x: &Array) -> Array {
    ops::zeros_like(x)
}

/// Ones with the shape and dtype of `x`.
pub fn ones_like(x: &Array) -> Array {
    ops::ones_like(x)
}

/// `value` broadcast to the shape of `x`, in `x`'s dtype.
pub fn full_like(x: &Array, value: f64) -> Array {
    ops::full_like(x, value)
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

/// Options of [`eye_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EyeOptions {
    /// The number of columns (`None`, the default: as many as rows).
    pub m: Option<usize>,
    /// The diagonal holding the ones: 0 (the default) the main one, positive above it,
    /// negative below.
    pub k: isize,
    /// The dtype of the result (default float32).
    pub dtype: DType,
}

impl Default for EyeOptions {
    fn default() -> Self {
        EyeOptions {
            m: None,
            k: 0,
            dtype: DType::F32,
        }
    }
}

/// `jnp.eye(n)`: the `n × n` float32 identity matrix. [`eye_with_options`] gives other
/// widths, diagonals and dtypes.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::eye(2).to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
pub fn eye(n: usize) -> Array {
    eye_with_options(n, EyeOptions::default())
}

/// `jnp.eye(n, m, k, dtype)`: the `n × m` matrix with ones on diagonal `k` (see
/// [`EyeOptions`]).
///
/// ```
/// use equinox_core::numpy::{self as jnp, EyeOptions};
/// use equinox_core::DType;
/// let e = jnp::eye_with_options(2, EyeOptions { m: Some(3), k: 1, dtype: DType::I32 });
/// assert_eq!(e.to_vec::<i32>(), vec![0, 1, 0, 0, 0, 1]);
/// ```
pub fn eye_with_options(n: usize, options: EyeOptions) -> Array {
    let e = ops::eye(n, options.m, options.k);
    if options.dtype == DType::F32 {
        e
    } else {
        e.astype(options.dtype)
    }
}

/// The `n × n` float32 identity matrix.
pub fn identity(n: usize) -> Array {
    eye(n)
}

/// Options of [`array_with`]: JAX's defaults are the input's dtype and no minimum rank.
#[derive(Clone, Debug, Default)]
pub struct ArrayOptions {
    /// The dtype of the result (`None`: the input's, keeping a weak type weak).
    pub dtype: Option<DType>,
    /// Leading axes of length one are added until the result has at least this rank.
    pub ndmin: usize,
}

/// `jnp.array(x)`: a copy of `x` (arrays are immutable, so this is the same values).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::array(&jnp::arange(3)).to_vec::<i32>(), vec![0, 1, 2]);
/// ```
pub fn array(x: &Array) -> Array {
    array_with(x, ArrayOptions::default())
}

/// `jnp.array(x, dtype=, ndmin=)`.
///
/// ```
/// use equinox_core::{numpy::{self as jnp, ArrayOptions}, DType};
/// let y = jnp::array_with(&jnp::arange(3), ArrayOptions { dtype: Some(DType::F32), ndmin: 2 });
/// assert_eq!((y.dtype(), y.shape()), (DType::F32, &[1usize, 3][..]));
/// ```
pub fn array_with(x: &Array, options: ArrayOptions) -> Array {
    let mut out = match options.dtype {
        Some(d) => x.astype(d),
        None => x.clone(),
    };
    if out.ndim() < options.ndmin {
        let mut shape = vec![1usize; options.ndmin - out.ndim()];
        shape.extend_from_slice(out.shape());
        out = out.reshape(shape);
    }
    out
}

/// `jnp.asarray(x)`: `x` itself (already an array).
pub fn asarray(x: &Array) -> Array {
    x.clone()
}

/// `jnp.asarray(x, dtype=dtype)`: `x` converted to `dtype`.
pub fn asarray_dtype(x: &Array, dtype: DType) -> Array {
    x.astype(dtype)
}

/// `jnp.copy(x)`: a copy of `x` (the same values, dtype and weak type).
pub fn copy(x: &Array) -> Array {
    x.clone()
}

/// Options of [`logspace_with`] and [`geomspace_with`]: JAX's defaults are an included
/// endpoint, base 10, and a float32 result.
#[derive(Clone, Debug)]
pub struct LogspaceOptions {
    /// Whether `stop` is the last value (otherwise the `num` values stop one step short).
    pub endpoint: bool,
    /// The base of the exponents (`logspace` only).
    pub base: f64,
    /// The dtype of the result (an integer dtype truncates the float values).
    pub dtype: DType,
}

impl Default for LogspaceOptions {
    fn default() -> Self {
        LogspaceOptions {
            endpoint: true,
            base: 10.0,
            dtype: DType::F32,
        }
    }
}

/// The exponents `linspace(start, stop, num, endpoint)` as f64 values.
fn lin_values(start: f64, stop: f64, num: usize, endpoint: bool) -> Vec<f64> {
    let div = if endpoint { num.saturating_sub(1) } else { num };
    let step = if div > 0 {
        (stop - start) / div as f64
    } else {
        0.0
    };
    (0..num)
        .map(|i| {
            if endpoint && num > 1 && i + 1 == num {
                stop
            } else {
                start + i as f64 * step
            }
        })
        .collect()
}

/// The float values `v` in the computation dtype (the inexact form of `dtype`), then `dtype`.
fn values_as(v: Vec<f64>, dtype: DType) -> Array {
    let n = v.len();
    let computation = match dtype {
        d if d.is_inexact() => d,
        DType::I64 | DType::U64 => DType::F64,
        _ => DType::F32,
    };
    let x = Array::from_vec(v, [n]).astype(computation);
    x.astype(dtype)
}

/// `jnp.logspace(start, stop, num)`: `10 ** linspace(start, stop, num)` in float32.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::logspace(0.0, 2.0, 3).to_vec::<f32>(), vec![1.0, 10.0, 100.0]);
/// ```
pub fn logspace(start: f64, stop: f64, num: usize) -> Array {
    logspace_with(start, stop, num, LogspaceOptions::default())
}

/// `jnp.logspace(start, stop, num, endpoint=, base=, dtype=)`.
pub fn logspace_with(start: f64, stop: f64, num: usize, options: LogspaceOptions) -> Array {
    let wide = matches!(
        options.dtype,
        DType::F64 | DType::C128 | DType::I64 | DType::U64
    );
    // JAX rounds the exponents to the computation dtype before the power.
    let v: Vec<f64> = lin_values(start, stop, num, options.endpoint)
        .iter()
        .map(|&x| if wide { x } else { f64::from(x as f32) })
        .map(|x| options.base.powf(x))
        .collect();
    values_as(v, options.dtype)
}

/// `jnp.geomspace(start, stop, num)`: `num` values in geometric progression from `start` to
/// `stop` (both nonzero, of one sign), in float32.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let g = jnp::geomspace(1.0, 1000.0, 4).to_vec::<f32>();
/// assert!((g[2] - 100.0).abs() < 1e-4);
/// ```
pub fn geomspace(start: f64, stop: f64, num: usize) -> Array {
    geomspace_with(start, stop, num, LogspaceOptions::default())
}

/// `jnp.geomspace(start, stop, num, endpoint=, dtype=)` (`base` is ignored).
pub fn geomspace_with(start: f64, stop: f64, num: usize, options: LogspaceOptions) -> Array {
    let sign = if start > 0.0 {
        1.0
    } else if start < 0.0 {
        -1.0
    } else {
        0.0
    };
    let (a, b) = ((start / sign).log10(), (stop / sign).log10());
    let v: Vec<f64> = lin_values(a, b, num, options.endpoint)
        .iter()
        .map(|&x| sign * 10f64.powf(x))
        .collect();
    values_as(v, options.dtype)
}

/// `jnp.fromfunction(function, shape, dtype=float)`: `function` applied (through `vmap`, as
/// in JAX) to the coordinates of every position of `shape`, given as 0-d arrays of `dtype`;
/// the results are stacked with leading axes `shape`.
///
/// ```
/// use equinox_core::{numpy as jnp, DType};
/// let m = jnp::fromfunction(|i| &i[0] * &i[1], &[2, 3], DType::I32);
/// assert_eq!(m.to_vec::<i32>(), vec![0, 0, 0, 0, 1, 2]);
/// ```
pub fn fromfunction(function: impl Fn(&[Array]) -> Array, shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    // One row of coordinates per position, in row-major order.
    let mut coords = Vec::with_capacity(shape.len());
    for axis in 0..shape.len() {
        let iota = crate::lax::broadcasted_iota(dtype, shape.to_vec(), axis);
        coords.push(iota.reshape([n]));
    }
    let out = crate::transforms::vmap(|c: &Vec<Array>| function(c))(&coords);
    let mut out_shape = shape.to_vec();
    out_shape.extend_from_slice(&out.shape()[1..]);
    out.reshape(out_shape)
}
