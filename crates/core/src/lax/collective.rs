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
    let n = crate::trace::axis_size(axis_name)
        .unwrap_or_else(|| panic!("{}", crate::trace::unbound_axis_message("pmean", axis_name)));
    &psum(x, axis_name) / (n as f64)
}

/// `jax.lax.axis_size`: the number of lanes of the vmap named `axis_name`.
///
/// Panics, as JAX raises `NameError`, when no enclosing vmap has that name.
///
/// ```
/// use equinox_core::{lax, transforms::{vmap_with, VmapSpec}, Array};
/// let f = vmap_with(|x: &Array| x * lax::axis_size("i") as f32, VmapSpec::default().axis_name("i"));
/// assert_eq!(f(&Array::from_vec(vec![1.0f32, 2.0, 3.0], [3])).to_vec::<f32>(), vec![3.0, 6.0, 9.0]);
/// ```
pub fn axis_size(axis_name: &str) -> usize {
    try_axis_size(axis_name).unwrap_or_else(|| {
        panic!(
            "{}",
            crate::trace::unbound_axis_message("axis_size", axis_name)
        )
    })
}

/// The number of lanes of the vmap named `axis_name`, or `None` when no enclosing vmap has that
/// name: for layers that need the axis (as `BatchNorm`) to check before they use it.
pub fn try_axis_size(axis_name: &str) -> Option<usize> {
    crate::trace::axis_size(axis_name)
}

/// The names of the vmap axes that enclose the caller, innermost first (what a collective may
/// name here).
pub fn bound_axis_names() -> Vec<String> {
    crate::trace::axis_names()
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
            axis_size: try_axis_size(axis_name).unwrap_or_else(|| {
                panic!(
                    "{}",
                    crate::trace::unbound_axis_message("all_gather", axis_name)
                )
            }),
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
