//! `eqx.nn.AdaptivePool` and its subclasses `AdaptiveAvgPool1d/2d/3d`,
//! `AdaptiveMaxPool1d/2d/3d`.

use super::spatial::Sizes;
use super::Layer;
use crate::{lax, numpy as jnp, Array, Module};
use std::fmt;

/// The reduction of an [`AdaptivePool`] over each bin: Equinox's `jnp.mean` or `jnp.max`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdaptiveOperation {
    /// `jnp.mean` (`AdaptiveAvgPoolNd`).
    Mean,
    /// `jnp.max` (`AdaptiveMaxPoolNd`).
    Max,
}

impl fmt::Debug for AdaptiveOperation {
    /// The function Equinox stores, as Python prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AdaptiveOperation::Mean => "<function mean>",
            AdaptiveOperation::Max => "<function max>",
        })
    }
}

/// N-dimensional downsampling to a fixed output size (`eqx.nn.AdaptivePool`), on one example
/// `(channels, dim_1, ..., dim_N)`, giving `(channels, *target_shape)`.
///
/// Each spatial axis in turn (first to last) is cut into `target` bins, Equinox's way: with
/// `n = q * target + r`, the first `r` bins hold `q + 1` positions and the rest `q` (PyTorch
/// cuts differently), and each bin is reduced with the operation. An axis shorter than its
/// target cannot be cut (Equinox fails too).
///
/// ```
/// use equinox as eqx;
/// use eqx::{nn, numpy as jnp};
///
/// // Bins [0, 1, 2] and [3, 4].
/// let pool = nn::AdaptiveAvgPool1d::new(2);
/// assert_eq!(pool.forward(&jnp::arange(5.0).reshape([1, 5])).to_vec::<f32>(), vec![1.0, 3.5]);
/// let max = nn::AdaptiveMaxPool2d::new([2, 3]);
/// assert_eq!(max.forward(&jnp::ones([4, 7, 9])).shape(), &[4, 2, 3]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct AdaptivePool {
    /// The output size per spatial axis.
    #[module(static)]
    pub target_shape: Vec<usize>,
    /// The reduction over each bin.
    #[module(static)]
    pub operation: AdaptiveOperation,
}

impl AdaptivePool {
    /// `eqx.nn.AdaptivePool(target_shape, num_spatial_dims, operation)`. Panics if a per-axis
    /// `target_shape` does not have `num_spatial_dims` entries.
    pub fn new(
        target_shape: impl Into<Sizes>,
        num_spatial_dims: usize,
        operation: AdaptiveOperation,
    ) -> AdaptivePool {
        let target_shape = match target_shape.into() {
            Sizes::All(n) => vec![n; num_spatial_dims],
            Sizes::Each(v) if v.len() == num_spatial_dims => v,
            Sizes::Each(v) => panic!(
                "nn::AdaptivePool: `target_size` must either be an int or tuple of length \
                 {num_spatial_dims} containing ints, got {v:?}"
            ),
        };
        AdaptivePool {
            target_shape,
            operation,
        }
    }

    /// Pools one example `(channels, dim_1, ..., dim_N)` to `(channels, *target_shape)`.
    /// Panics on a wrong rank, or an axis shorter than its target (or a zero target).
    pub fn forward(&self, x: &Array) -> Array {
        let n = self.target_shape.len();
        if x.ndim() != n + 1 {
            panic!(
                "nn::AdaptivePool: Expected input with {n} dimensions, received {} instead \
                 (input of shape {}, expected (channels, {n} spatial axes))",
                x.ndim().saturating_sub(1),
                x.shape_obj()
            );
        }
        let mut x = x.clone();
        for (i, &target) in self.target_shape.iter().enumerate() {
            x = self.pool_axis(&x, i + 1, target);
        }
        x
    }

    /// Cuts `axis` into `target` bins and reduces each.
    fn pool_axis(&self, x: &Array, axis: usize, target: usize) -> Array {
        let dims = x.shape()[axis];
        if target == 0 || dims < target {
            panic!(
                "nn::AdaptivePool: cannot pool an axis of size {dims} into {target} bins (input \
                 of shape {}, target_shape {:?})",
                x.shape_obj(),
                self.target_shape
            );
        }
        let (q, r) = (dims / target, dims % target);
        // Bins of one size at a time: `head` holds the r bins of q + 1 positions.
        let head_end = r * (q + 1);
        let mut parts = Vec::with_capacity(2);
        if r > 0 {
            parts.push(self.reduce_bins(&lax::slice_in_dim(x, 0, head_end, 1, axis), axis, r));
        }
        if target > r {
            parts.push(self.reduce_bins(
                &lax::slice_in_dim(x, head_end, dims, 1, axis),
                axis,
                target - r,
            ));
        }
        if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            jnp::concatenate(&[&parts[0], &parts[1]], axis as isize)
        }
    }

    /// Splits `axis` of `x` into `bins` equal bins and reduces each.
    fn reduce_bins(&self, x: &Array, axis: usize, bins: usize) -> Array {
        let mut shape = x.shape().to_vec();
        let size = shape[axis] / bins;
        shape.splice(axis..=axis, [bins, size]);
        let split = x.reshape(shape);
        match self.operation {
            AdaptiveOperation::Mean => split.mean(axis + 1),
            AdaptiveOperation::Max => split.max(axis + 1),
        }
    }
}

impl Layer for AdaptivePool {
    fn forward(&self, x: &Array) -> Array {
        AdaptivePool::forward(self, x)
    }
}

macro_rules! fixed_rank_adaptive {
    ($name:ident, $op:ident, $n:literal, $what:literal) => {
        #[doc = concat!("`eqx.nn.", stringify!($name), "`: adaptive downsampling with ", $what, ", as an [`AdaptivePool`] with ", $n, " spatial axes.")]
        ///
        /// Equinox's class is a subclass of `AdaptivePool` fixing the operation and rank, so
        /// here it is a constructor of the one [`AdaptivePool`] type.
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        // `new` builds the general layer: Equinox's class is that layer with fixed settings.
        #[allow(clippy::new_ret_no_self)]
        impl $name {
            #[doc = concat!("`eqx.nn.", stringify!($name), "(target_shape)`.")]
            pub fn new(target_shape: impl Into<Sizes>) -> AdaptivePool {
                AdaptivePool::new(target_shape, $n, AdaptiveOperation::$op)
            }
        }
    };
}

fixed_rank_adaptive!(AdaptiveAvgPool1d, Mean, 1, "the mean");
fixed_rank_adaptive!(AdaptiveAvgPool2d, Mean, 2, "the mean");
fixed_rank_adaptive!(AdaptiveAvgPool3d, Mean, 3, "the mean");
fixed_rank_adaptive!(AdaptiveMaxPool1d, Max, 1, "the maximum");
fixed_rank_adaptive!(AdaptiveMaxPool2d, Max, 2, "the maximum");
fixed_rank_adaptive!(AdaptiveMaxPool3d, Max, 3, "the maximum");
