//! Reductions named as in `jax.numpy`: `sum`, `prod`, `max`, `min`, `mean`, `var`, `std`,
//! `argmax`, `argmin`, `all`, `any`.

use super::axes::Axes;
use super::math::full_like_scalar;
use super::promotion::{convert, to_inexact};
use crate::array::{Array, DType, Shape};
use crate::prims::binary::BinaryOp;
use crate::prims::layout::LayoutOp;
use crate::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use crate::prims::{bind1, unary::UnaryOp};

fn reduce(x: &Array, kind: ReduceKind, axes: &Axes, keepdims: bool, op: &str) -> Array {
    let dims = axes.resolve(x.ndim(), op);
    if matches!(kind, ReduceKind::Max | ReduceKind::Min) && dims.iter().any(|&d| x.shape()[d] == 0)
    {
        panic!(
            "{op}: zero-size reduction over axes {dims:?} of an array of shape {} has no identity",
            x.shape_obj()
        );
    }
    let out = bind1(
        ReduceOp::Reduce {
            kind,
            axes: dims.clone(),
        },
        &[x],
    );
    if keepdims {
        restore_dims(&out, x.shape_obj(), &dims)
    } else {
        out
    }
}

/// Reinserts reduced axes as size 1 (`keepdims=True`).
fn restore_dims(out: &Array, input: &Shape, dims: &[usize]) -> Array {
    let shape: Shape = Shape(
        (0..input.ndim())
            .map(|i| if dims.contains(&i) { 1 } else { input[i] })
            .collect(),
    );
    bind1(LayoutOp::Reshape { new_sizes: shape }, &[out])
}

/// Sum over axes. bool and narrow integers sum as int32, as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// assert_eq!(jnp::sum(&x, 0).to_vec::<f32>(), vec![4.0, 6.0]);
/// assert_eq!(x.sum(None).item::<f32>(), 10.0);
/// ```
pub fn sum(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(
        &upcast_for_sum(x),
        ReduceKind::Sum,
        &axes.into(),
        false,
        "sum",
    )
}
/// [`sum`] keeping the reduced axes as size 1.
pub fn sum_keepdims(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(
        &upcast_for_sum(x),
        ReduceKind::Sum,
        &axes.into(),
        true,
        "sum",
    )
}
/// Product over axes.
pub fn prod(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(
        &upcast_for_sum(x),
        ReduceKind::Prod,
        &axes.into(),
        false,
        "prod",
    )
}
/// Maximum over axes (NaN propagates); panics on an empty reduction.
pub fn max(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(x, ReduceKind::Max, &axes.into(), false, "max")
}
/// [`max`] keeping the reduced axes.
pub fn max_keepdims(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(x, ReduceKind::Max, &axes.into(), true, "max")
}
/// Minimum over axes.
pub fn min(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(x, ReduceKind::Min, &axes.into(), false, "min")
}
/// [`min`] keeping the reduced axes.
pub fn min_keepdims(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(x, ReduceKind::Min, &axes.into(), true, "min")
}
/// True if every element is nonzero.
pub fn all(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(
        &convert(x, DType::Bool, false),
        ReduceKind::And,
        &axes.into(),
        false,
        "all",
    )
}
/// True if any element is nonzero.
pub fn any(x: &Array, axes: impl Into<Axes>) -> Array {
    reduce(
        &convert(x, DType::Bool, false),
        ReduceKind::Or,
        &axes.into(),
        false,
        "any",
    )
}

fn upcast_for_sum(x: &Array) -> Array {
    match x.dtype() {
        // Narrow integers accumulate in the default-width integer of their signedness.
        DType::U8 | DType::U16 => convert(x, DType::U32, x.weak_type()),
        DType::Bool | DType::I8 | DType::I16 => convert(x, DType::I32, x.weak_type()),
        _ => x.clone(),
    }
}

fn count(x: &Array, axes: &Axes, op: &str) -> usize {
    axes.resolve(x.ndim(), op)
        .iter()
        .map(|&d| x.shape()[d])
        .product()
}

fn mean_impl(x: &Array, axes: &Axes, keepdims: bool) -> Array {
    let x = to_inexact(x);
    let n = count(&x, axes, "mean");
    let s = reduce(&x, ReduceKind::Sum, axes, keepdims, "mean");
    bind1(BinaryOp::Div, &[&s, &full_like_scalar(&s, n as f64)])
}

/// Arithmetic mean over axes (integers give float32).
pub fn mean(x: &Array, axes: impl Into<Axes>) -> Array {
    mean_impl(x, &axes.into(), false)
}
/// [`mean`] keeping the reduced axes.
pub fn mean_keepdims(x: &Array, axes: impl Into<Axes>) -> Array {
    mean_impl(x, &axes.into(), true)
}

fn var_impl(x: &Array, axes: &Axes, ddof: usize, keepdims: bool) -> Array {
    let x = to_inexact(x);
    let mu = mean_impl(&x, axes, true);
    let mu = super::promotion::broadcast_to_shape(&mu, x.shape_obj(), "var");
    let centered = bind1(BinaryOp::Sub, &[&x, &mu]);
    let sq = bind1(UnaryOp::Square, &[&centered]);
    let n = count(&x, axes, "var");
    let s = reduce(&sq, ReduceKind::Sum, axes, keepdims, "var");
    let denom = n.saturating_sub(ddof);
    bind1(BinaryOp::Div, &[&s, &full_like_scalar(&s, denom as f64)])
}

/// Variance over axes (`ddof = 0`), computed as JAX does: mean of squared deviations.
pub fn var(x: &Array, axes: impl Into<Axes>) -> Array {
    var_impl(x, &axes.into(), 0, false)
}
/// Variance with `ddof` delta degrees of freedom, optionally keeping the reduced axes.
pub fn var_ddof(x: &Array, axes: impl Into<Axes>, ddof: usize, keepdims: bool) -> Array {
    var_impl(x, &axes.into(), ddof, keepdims)
}
/// Standard deviation over axes (`ddof = 0`).
pub fn std(x: &Array, axes: impl Into<Axes>) -> Array {
    bind1(UnaryOp::Sqrt, &[&var_impl(x, &axes.into(), 0, false)])
}

fn arg_reduce(x: &Array, axis: impl Into<Axes>, kind: ArgKind, op: &str) -> Array {
    let (x, axis) = match axis.into() {
        Axes::All => (super::manipulation::ravel(x), 0usize),
        a => {
            let dims = a.resolve(x.ndim(), op);
            if dims.len() != 1 {
                panic!("{op}: expected a single axis, got {dims:?}");
            }
            (x.clone(), dims[0])
        }
    };
    bind1(
        ReduceOp::ArgReduce {
            kind,
            axis,
            index_dtype: DType::I32,
        },
        &[&x],
    )
}

/// Index of the first maximum along `axis` (`None`: of the flattened array), as int32.
pub fn argmax(x: &Array, axis: impl Into<Axes>) -> Array {
    arg_reduce(x, axis, ArgKind::Argmax, "argmax")
}
/// Index of the first minimum along `axis` (`None`: of the flattened array), as int32.
pub fn argmin(x: &Array, axis: impl Into<Axes>) -> Array {
    arg_reduce(x, axis, ArgKind::Argmin, "argmin")
}

impl Array {
    /// Sum over axes (`None` for all).
    pub fn sum(&self, axes: impl Into<Axes>) -> Array {
        sum(self, axes)
    }
    /// Product over axes.
    pub fn prod(&self, axes: impl Into<Axes>) -> Array {
        prod(self, axes)
    }
    /// Maximum over axes.
    pub fn max(&self, axes: impl Into<Axes>) -> Array {
        max(self, axes)
    }
    /// Minimum over axes.
    pub fn min(&self, axes: impl Into<Axes>) -> Array {
        min(self, axes)
    }
    /// Mean over axes.
    pub fn mean(&self, axes: impl Into<Axes>) -> Array {
        mean(self, axes)
    }
    /// Variance over axes.
    pub fn var(&self, axes: impl Into<Axes>) -> Array {
        var(self, axes)
    }
    /// Standard deviation over axes.
    pub fn std(&self, axes: impl Into<Axes>) -> Array {
        std(self, axes)
    }
    /// Index of the maximum along an axis.
    pub fn argmax(&self, axis: impl Into<Axes>) -> Array {
        argmax(self, axis)
    }
    /// Index of the minimum along an axis.
    pub fn argmin(&self, axis: impl Into<Axes>) -> Array {
        argmin(self, axis)
    }
    /// True if all elements are nonzero.
    pub fn all(&self, axes: impl Into<Axes>) -> Array {
        all(self, axes)
    }
    /// True if any element is nonzero.
    pub fn any(&self, axes: impl Into<Axes>) -> Array {
        any(self, axes)
    }
}
