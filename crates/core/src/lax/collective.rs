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
    let n = bound_size("pmean", axis_name);
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
    bound_size("axis_size", axis_name)
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
            axis_size: bound_size("all_gather", axis_name),
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

/// `jax.lax.ppermute`: lane `dst` receives lane `src`'s `x` for each `(src, dst)` pair of
/// `perm`; lanes that receive nothing get zeros.
///
/// ```
/// use equinox_core::{lax, transforms::{vmap_with, VmapSpec}, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let rotate = |v: &Array| lax::ppermute(v, "i", &[(0, 1), (1, 2), (2, 0)]);
/// let y = vmap_with(rotate, VmapSpec::default().axis_name("i"))(&x);
/// assert_eq!(y.to_vec::<f32>(), vec![3.0, 1.0, 2.0]);
/// ```
pub fn ppermute(x: &Array, axis_name: &str, perm: &[(usize, usize)]) -> Array {
    for side in [0, 1] {
        let lanes: Vec<usize> = perm
            .iter()
            .map(|p| if side == 0 { p.0 } else { p.1 })
            .collect();
        if (1..lanes.len()).any(|i| lanes[..i].contains(&lanes[i])) {
            panic!("ppermute sources and destinations must be unique, got {perm:?}");
        }
    }
    if let Some(n) = try_axis_size(axis_name)
        && let Some(bad) = perm.iter().find(|&&(s, d)| s >= n || d >= n)
    {
        panic!(
            "ppermute: pair {bad:?} of {perm:?} is out of range for axis '{axis_name}' of size {n}"
        );
    }
    bind1(
        CollectiveOp::Ppermute {
            axis_name: axis_name.into(),
            perm: perm.to_vec(),
        },
        &[x],
    )
}

/// Options of [`psum_scatter_with`] and [`all_to_all_with`].
#[derive(Clone, Debug, Default)]
pub struct CollectiveOptions {
    /// Cut the split (or scatter) axis into one chunk per lane and keep it, instead of
    /// requiring it to have the axis' size and dropping it (JAX's `tiled`).
    pub tiled: bool,
}

/// The size of the vmap axis `axis_name`, or JAX's unbound-axis error naming `op`.
fn bound_size(op: &str, axis_name: &str) -> usize {
    try_axis_size(axis_name)
        .unwrap_or_else(|| panic!("{}", crate::trace::unbound_axis_message(op, axis_name)))
}

/// `jax.lax.psum_scatter(x, axis_name, scatter_dimension=d)`: the sum over the lanes, lane
/// `i` keeping index `i` of dimension `d` (which must have the axis' size and is dropped).
///
/// ```
/// use equinox_core::{lax, transforms::{vmap_with, VmapSpec}, Array};
/// // Three lanes, each holding [1, 2, 3] * (lane + 1): the sums are [6, 12, 18].
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 2.0, 4.0, 6.0, 3.0, 6.0, 9.0], [3, 3]);
/// let f = |v: &Array| lax::psum_scatter(v, "i", 0);
/// let y = vmap_with(f, VmapSpec::default().axis_name("i"))(&x);
/// assert_eq!(y.to_vec::<f32>(), vec![6.0, 12.0, 18.0]);
/// ```
pub fn psum_scatter(x: &Array, axis_name: &str, scatter_dimension: usize) -> Array {
    psum_scatter_with(
        x,
        axis_name,
        scatter_dimension,
        &CollectiveOptions::default(),
    )
}

/// [`psum_scatter`] with JAX's `tiled` ([`CollectiveOptions`]).
pub fn psum_scatter_with(
    x: &Array,
    axis_name: &str,
    scatter_dimension: usize,
    options: &CollectiveOptions,
) -> Array {
    bind1(
        CollectiveOp::PsumScatter {
            axis_name: axis_name.into(),
            axis_size: bound_size("psum_scatter", axis_name),
            scatter_dimension,
            tiled: options.tiled,
        },
        &[x],
    )
}

/// `jax.lax.all_to_all(x, axis_name, split_axis, concat_axis)`: each lane splits `x` along
/// `split_axis` (of the axis' size) and sends part `j` to lane `j`, which stacks the parts it
/// receives, by source lane, as a new axis at `concat_axis` of the result.
///
/// ```
/// use equinox_core::{lax, transforms::{vmap_with, VmapSpec}, Array};
/// // Two lanes holding [a0, a1] and [b0, b1]: lane 0 gets [a0, b0], lane 1 [a1, b1].
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
/// let f = |v: &Array| lax::all_to_all(v, "i", 0, 0);
/// let y = vmap_with(f, VmapSpec::default().axis_name("i"))(&x);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 3.0, 2.0, 4.0]);
/// ```
pub fn all_to_all(x: &Array, axis_name: &str, split_axis: usize, concat_axis: usize) -> Array {
    all_to_all_with(
        x,
        axis_name,
        split_axis,
        concat_axis,
        &CollectiveOptions::default(),
    )
}

/// [`all_to_all`] with JAX's `tiled` ([`CollectiveOptions`]).
pub fn all_to_all_with(
    x: &Array,
    axis_name: &str,
    split_axis: usize,
    concat_axis: usize,
    options: &CollectiveOptions,
) -> Array {
    bind1(
        CollectiveOp::AllToAll {
            axis_name: axis_name.into(),
            axis_size: bound_size("all_to_all", axis_name),
            split_axis,
            concat_axis,
            tiled: options.tiled,
        },
        &[x],
    )
}

/// `jax.lax.pswapaxes(x, axis_name, axis)`: swaps the mapped axis with `axis` of `x` (which
/// must have its size), as `all_to_all(x, axis_name, axis, axis)`.
pub fn pswapaxes(x: &Array, axis_name: &str, axis: usize) -> Array {
    all_to_all(x, axis_name, axis, axis)
}
