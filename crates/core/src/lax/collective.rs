//! Collectives over a named vmap axis (`jax.lax.psum`, `pmean`, `pmax`, `pmin`, `all_gather`,
//! `axis_index`).

use crate::array::Array;
use crate::prims::bind1;
use crate::prims::collective::CollectiveOp;

/// `jax.lax.psum`: the sum of `x` over the lanes of the vmap named `axis_name`.
///
/// ```
/// use equinox_core::{lax, numpy as jnp, transforms::{vmap_with, VmapSpec}, Array};
/// let f = vmap_with(|x: &Array| x / &lax::psum(x, "i"), VmapSpec::default().axis_name("i"));
/// let y = f(&Array::from_vec(vec![1.0f32, 3.0], [2]));
/// assert_eq!(y.to_vec::<f32>(), vec![0.25, 0.75]);
/// ```
pub fn psum(x: &Array, axis_name: &str) -> Array {
    bind1(
        CollectiveOp::Psum {
            axis_name: axis_name.into(),
        },
        &[x],
    )
}

/// `jax.lax.pmean`: the mean of `x` over the lanes of the vmap named `axis_name`.
pub fn pmean(x: &Array, axis_name: &str) -> Array {
    &psum(x, axis_name) / (bound_axis_size("pmean", axis_name) as f64)
}

/// The size of the vmap axis called `name`, for collectives that need it when applied.
fn bound_axis_size(op: &str, name: &str) -> usize {
    crate::trace::axis_size(name).unwrap_or_else(|| {
        panic!("{op}: unbound axis name `{name}`: collectives only work inside a vmap with that axis_name")
    })
}

/// `jax.lax.pmax`: the maximum of `x` over the lanes of the vmap named `axis_name`.
pub fn pmax(x: &Array, axis_name: &str) -> Array {
    bind1(
        CollectiveOp::Pmax {
            axis_name: axis_name.into(),
        },
        &[x],
    )
}

/// `jax.lax.pmin`: the minimum of `x` over the lanes of the vmap named `axis_name`.
pub fn pmin(x: &Array, axis_name: &str) -> Array {
    bind1(
        CollectiveOp::Pmin {
            axis_name: axis_name.into(),
        },
        &[x],
    )
}

/// `jax.lax.all_gather`: every lane's `x`, stacked along a new leading axis.
pub fn all_gather(x: &Array, axis_name: &str) -> Array {
    bind1(
        CollectiveOp::AllGather {
            axis_name: axis_name.into(),
            axis_size: bound_axis_size("all_gather", axis_name),
        },
        &[x],
    )
}

/// `jax.lax.axis_index`: this lane's position along the vmap named `axis_name` (int32).
pub fn axis_index(axis_name: &str) -> Array {
    bind1(
        CollectiveOp::AxisIndex {
            axis_name: axis_name.into(),
        },
        &[],
    )
}
