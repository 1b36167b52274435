//! Cumulative reductions: `cumsum`, `cumprod`, `cummax`, `cummin`.

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
