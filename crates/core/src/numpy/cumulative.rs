//! Cumulative reductions: `cumsum`, `cumprod`, `cummax`, `cummin`, the NaN-ignoring
//! `nancumsum` / `nancumprod` and the array-API `cumulative_sum` / `cumulative_prod`.

use super::axes::Axes;
use super::promotion::convert;
use crate::array::{Array, DType};
use crate::prims::bind1;
use crate::prims::cumulative::{CumulativeKind, CumulativeOp};

/// An inclusive scan of `x` along `axis` (`None`: the flattened array), from the end when
/// `reverse` (`jax.lax.cumsum` and friends, with numpy's axis handling).
///
/// Sums and products of bool inputs count in int32, as `jnp.cumsum` does; other dtypes are
/// kept.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// use equinox_core::prims::cumulative::CumulativeKind;
/// let x = Array::from_vec(vec![1i32, 2, 3], [3]);
/// let r = jnp::cumulative(&x, CumulativeKind::Sum, 0, true);
/// assert_eq!(r.to_vec::<i32>(), vec![6, 5, 3]);
/// ```
pub fn cumulative(x: &Array, kind: CumulativeKind, axis: impl Into<Axes>, reverse: bool) -> Array {
    let op_name = match kind {
        CumulativeKind::Sum => "cumsum",
        CumulativeKind::Prod => "cumprod",
        CumulativeKind::Max => "cummax",
        CumulativeKind::Min => "cummin",
    };
    let (x, axis) = match axis.into() {
        Axes::All => (super::manipulation::ravel(x), 0usize),
        a => {
            let dims = a.resolve(x.ndim(), op_name);
            if dims.len() != 1 {
                panic!("{op_name}: expected a single axis, got {dims:?}");
            }
            (x.clone(), dims[0])
        }
    };
    let x = match kind {
        CumulativeKind::Sum | CumulativeKind::Prod if x.dtype().is_bool() => {
            convert(&x, DType::I32, false)
        }
        _ => x,
    };
    bind1(
        CumulativeOp {
            kind,
            axis,
            reverse,
        },
        &[&x],
    )
}

/// Running sum along `axis` (`None`: flattened), like `jnp.cumsum`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(jnp::cumsum(&x, 0).to_vec::<f32>(), vec![1.0, 2.0, 4.0, 6.0]);
/// assert_eq!(x.cumsum(None).to_vec::<f32>(), vec![1.0, 3.0, 6.0, 10.0]);
/// ```
pub fn cumsum(x: &Array, axis: impl Into<Axes>) -> Array {
    cumulative(x, CumulativeKind::Sum, axis, false)
}

/// Running product along `axis` (`None`: flattened), like `jnp.cumprod`.
pub fn cumprod(x: &Array, axis: impl Into<Axes>) -> Array {
    cumulative(x, CumulativeKind::Prod, axis, false)
}

/// Running maximum along `axis` (`None`: flattened), like `jax.lax.cummax`; NaN propagates.
pub fn cummax(x: &Array, axis: impl Into<Axes>) -> Array {
    cumulative(x, CumulativeKind::Max, axis, false)
}

/// Running minimum along `axis` (`None`: flattened), like `jax.lax.cummin`; NaN propagates.
pub fn cummin(x: &Array, axis: impl Into<Axes>) -> Array {
    cumulative(x, CumulativeKind::Min, axis, false)
}

/// `jnp.nancumsum(a, axis)`: [`cumsum`] with NaNs counted as zero.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, f32::NAN, 2.0], [3]);
/// assert_eq!(jnp::nancumsum(&x, None).to_vec::<f32>(), vec![1.0, 1.0, 3.0]);
/// ```
pub fn nancumsum(a: &Array, axis: impl Into<Axes>) -> Array {
    cumsum(&nan_filled(a, 0.0), axis)
}

/// `jnp.nancumprod(a, axis)`: [`cumprod`] with NaNs counted as one.
pub fn nancumprod(a: &Array, axis: impl Into<Axes>) -> Array {
    cumprod(&nan_filled(a, 1.0), axis)
}

fn nan_filled(a: &Array, fill: f64) -> Array {
    if !a.dtype().is_inexact() {
        return a.clone();
    }
    let f = convert(&Array::scalar(fill), a.dtype(), false);
    super::math::where_(&super::math::isnan(a), &f, a)
}

/// Options of [`cumulative_sum_with`] and [`cumulative_prod_with`]: JAX's defaults are no
/// axis (allowed for 1-d inputs only) and no initial value.
#[derive(Clone, Debug, Default)]
pub struct CumulativeOptions {
    /// The axis to accumulate along; `None` only for 1-d inputs.
    pub axis: Option<isize>,
    /// Whether the result starts with the identity (0 or 1), one element longer along `axis`.
    pub include_initial: bool,
}

/// `jnp.cumulative_sum(x)` of a 1-d array (the array-API running sum). Integer inputs
/// narrower than the default integer are promoted (`uint8` to `uint32`, bool to `int32`).
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::cumulative_sum(&jnp::arange(4)).to_vec::<i32>(), vec![0, 1, 3, 6]);
/// ```
pub fn cumulative_sum(x: &Array) -> Array {
    cumulative_sum_with(x, CumulativeOptions::default())
}

/// `jnp.cumulative_sum(x, axis=, include_initial=)`.
pub fn cumulative_sum_with(x: &Array, options: CumulativeOptions) -> Array {
    let (x, axis) = cumulative_args(x, &options, "cumulative_sum");
    let x = match x.dtype() {
        DType::Bool | DType::I8 | DType::I16 => convert(&x, DType::I32, false),
        DType::U8 | DType::U16 => convert(&x, DType::U32, false),
        _ => x,
    };
    with_initial(
        cumulative(&x, CumulativeKind::Sum, axis as isize, false),
        axis,
        0.0,
        &options,
    )
}

/// `jnp.cumulative_prod(x)` of a 1-d array (the array-API running product; bool counts in
/// `int32`, other dtypes are kept).
pub fn cumulative_prod(x: &Array) -> Array {
    cumulative_prod_with(x, CumulativeOptions::default())
}

/// `jnp.cumulative_prod(x, axis=, include_initial=)`.
pub fn cumulative_prod_with(x: &Array, options: CumulativeOptions) -> Array {
    let (x, axis) = cumulative_args(x, &options, "cumulative_prod");
    with_initial(
        cumulative(&x, CumulativeKind::Prod, axis as isize, false),
        axis,
        1.0,
        &options,
    )
}

fn cumulative_args(x: &Array, options: &CumulativeOptions, op: &str) -> (Array, usize) {
    if x.ndim() == 0 {
        panic!(
            "{op}: The input must be non-scalar to take a cumulative sum, however a scalar \
             value or scalar array was given."
        );
    }
    let axis = match options.axis {
        None if x.ndim() > 1 => panic!(
            "{op}: The input array has rank {}, however axis was not set to an explicit value. \
             The axis argument is only optional for one-dimensional arrays.",
            x.ndim()
        ),
        None => 0,
        Some(a) => crate::array::normalize_axis(a, x.ndim(), op),
    };
    (x.clone(), axis)
}

fn with_initial(out: Array, axis: usize, init: f64, options: &CumulativeOptions) -> Array {
    if !options.include_initial {
        return out;
    }
    let mut shape = out.shape().to_vec();
    shape[axis] = 1;
    let first = super::creation::full_like(&super::creation::zeros_dtype(shape, out.dtype()), init);
    crate::lax::concatenate(&[&first, &out], axis)
}

impl Array {
    /// Running sum along `axis`. See [`cumsum`].
    pub fn cumsum(&self, axis: impl Into<Axes>) -> Array {
        cumsum(self, axis)
    }
    /// Running product along `axis`. See [`cumprod`].
    pub fn cumprod(&self, axis: impl Into<Axes>) -> Array {
        cumprod(self, axis)
    }
    /// Running maximum along `axis`. See [`cummax`].
    pub fn cummax(&self, axis: impl Into<Axes>) -> Array {
        cummax(self, axis)
    }
    /// Running minimum along `axis`. See [`cummin`].
    pub fn cummin(&self, axis: impl Into<Axes>) -> Array {
        cummin(self, axis)
    }
}
