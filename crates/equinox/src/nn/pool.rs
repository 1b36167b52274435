//! `eqx.nn.Pool` and its subclasses `MaxPool1d/2d/3d` and `AvgPool1d/2d/3d`.

use super::spatial::{Padding, Sizes};
use super::Layer;
use crate::lax::{self, WindowReduceKind};
use crate::{Array, Module};
use std::fmt;

/// What a [`Pool`] computes over each window: Equinox's `(init, operation)` pair for the
/// reductions JAX can differentiate, or the average of Equinox's `AvgPoolNd`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolOperation {
    /// `init = -inf`, `operation = lax.max` (`MaxPoolNd`): padding never wins.
    Max,
    /// `init = +inf`, `operation = lax.min`.
    Min,
    /// `init = 0`, `operation = lax.add`: the window sum, padding counting as zeros.
    Add,
    /// The window sum divided by the window size (`AvgPoolNd`): padded positions count as
    /// zeros in the sum and in the size ("count_include_pad").
    Avg,
}

impl fmt::Debug for PoolOperation {
    /// The `lax` function Equinox stores (`<function max>`); the average prints as its sum.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PoolOperation::Max => "<function max>",
            PoolOperation::Min => "<function min>",
            PoolOperation::Add => "<function add>",
            PoolOperation::Avg => "<function add> (averaged)",
        })
    }
}

/// The optional arguments of a [`Pool`], with Equinox's defaults: stride 1 (not the kernel
/// size), no padding, floor rounding of the output size.
///
/// ```
/// use equinox::nn::{Padding, PoolOptions};
/// let o = PoolOptions { stride: 2.into(), use_ceil: true, ..Default::default() };
/// assert_eq!(o.padding, Padding::All(0));
/// ```
#[derive(Clone, Debug)]
pub struct PoolOptions {
    /// The stride, one for all axes or one per axis.
    pub stride: Sizes,
    /// The padding: an int, per-axis ints or per-axis `(before, after)` pairs (no strings).
    pub padding: Padding,
    /// Whether the output size rounds up: when the last window would not fit, the end of the
    /// axis gets one more stride of padding.
    pub use_ceil: bool,
}

impl Default for PoolOptions {
    fn default() -> PoolOptions {
        PoolOptions {
            stride: Sizes::All(1),
            padding: Padding::All(0),
            use_ceil: false,
        }
    }
}

/// N-dimensional downsampling over a sliding window (`eqx.nn.Pool`), on one example of shape
/// `(channels, dim_1, ..., dim_N)`. A pooling layer has no parameters.
///
/// [`MaxPool1d`], [`AvgPool2d`] and the other fixed-rank forms build one with the operation
/// of the Equinox class of that name.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, PoolOptions};
/// use eqx::numpy as jnp;
///
/// let x = jnp::arange(25.0).reshape([1, 5, 5]);
/// let pool = nn::MaxPool2d::with_options(2, PoolOptions { stride: 2.into(), ..Default::default() });
/// assert_eq!(pool.forward(&x).to_vec::<f32>(), vec![6.0, 8.0, 16.0, 18.0]);
/// let ceil = nn::MaxPool2d::with_options(2, PoolOptions { stride: 2.into(), use_ceil: true, ..Default::default() });
/// assert_eq!(ceil.forward(&x).shape(), &[1, 3, 3]);
/// // Average pooling counts padding in the window size: a corner sees 4 of 9 ones.
/// let avg = nn::AvgPool2d::with_options(3, PoolOptions { padding: 1.into(), ..Default::default() });
/// assert_eq!(avg.forward(&jnp::ones([1, 3, 3])).to_vec::<f32>()[0], 4.0 / 9.0);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Pool {
    /// The reduction over each window.
    #[module(static)]
    pub operation: PoolOperation,
    /// The number of spatial axes N.
    #[module(static)]
    pub num_spatial_dims: usize,
    /// The window size per spatial axis.
    #[module(static)]
    pub kernel_size: Vec<usize>,
    /// The stride per spatial axis.
    #[module(static)]
    pub stride: Vec<usize>,
    /// The `(before, after)` padding per spatial axis.
    #[module(static)]
    pub padding: Vec<(usize, usize)>,
    /// Whether the output size rounds up.
    #[module(static)]
    pub use_ceil: bool,
}

impl Pool {
    /// `eqx.nn.Pool(init, operation, num_spatial_dims, kernel_size)`, the `(init, operation)`
    /// pair given as a [`PoolOperation`]: stride 1, no padding.
    pub fn new(
        operation: PoolOperation,
        num_spatial_dims: usize,
        kernel_size: impl Into<Sizes>,
    ) -> Pool {
        Pool::with_options(
            operation,
            num_spatial_dims,
            kernel_size,
            PoolOptions::default(),
        )
    }

    /// `eqx.nn.Pool(init, operation, num_spatial_dims, kernel_size, stride, padding,
    /// use_ceil)`. Panics if a per-axis argument does not have `num_spatial_dims` entries or
    /// the padding is a string (Equinox's pools take no string padding).
    pub fn with_options(
        operation: PoolOperation,
        num_spatial_dims: usize,
        kernel_size: impl Into<Sizes>,
        options: PoolOptions,
    ) -> Pool {
        const LAYER: &str = "nn::Pool";
        let kernel_size = kernel_size.into().resolve(LAYER, num_spatial_dims);
        let stride = options.stride.resolve(LAYER, num_spatial_dims);
        let padding = match options.padding.normalise(LAYER, num_spatial_dims) {
            Padding::Pairs(p) => p,
            other => panic!(
                "{LAYER}: `padding` must either be an int or tuple of length {num_spatial_dims} \
                 containing ints or tuples of length 2, got {other:?}"
            ),
        };
        Pool {
            operation,
            num_spatial_dims,
            kernel_size,
            stride,
            padding,
            use_ceil: options.use_ceil,
        }
    }

    /// The padding used for an input of spatial shape `spatial`: with `use_ceil`, an axis
    /// whose windows do not end exactly at its (padded) end gets one more stride at the end.
    /// Panics (Equinox's `RuntimeError`) if a side's padding exceeds the kernel size.
    fn padding_for(&self, spatial: &[usize]) -> Vec<(usize, usize)> {
        let padding: Vec<(usize, usize)> = (0..self.num_spatial_dims)
            .map(|i| {
                let (lo, hi) = self.padding[i];
                let span = (spatial[i] + lo + hi) as i64 - self.kernel_size[i] as i64;
                if self.use_ceil && span.rem_euclid(self.stride[i] as i64) != 0 {
                    (lo, hi + self.stride[i])
                } else {
                    (lo, hi)
                }
            })
            .collect();
        for (&(lo, hi), &k) in padding.iter().zip(&self.kernel_size) {
            if lo.max(hi) > k {
                panic!(
                    "nn::Pool: Paddings should be less than the size of the kernel. Padding \
                     ({lo}, {hi}) received for kernel size {k}."
                );
            }
        }
        padding
    }

    /// Pools one example of shape `(channels, dim_1, ..., dim_N)`, giving
    /// `(channels, new_dim_1, ..., new_dim_N)`. Panics on a wrong rank.
    pub fn forward(&self, x: &Array) -> Array {
        if x.ndim() != self.num_spatial_dims + 1 {
            panic!(
                "nn::Pool: Input should have {} spatial dimensions (shape (channels, {} \
                 spatial axes)), but input has shape {}; layers act on one unbatched example, \
                 so map over a batch (vmap)",
                self.num_spatial_dims,
                self.num_spatial_dims,
                x.shape_obj()
            );
        }
        let padding = self.padding_for(&x.shape()[1..]);
        // The channel axis gets a window of 1: the same as Equinox's channels-last layout.
        let window: Vec<usize> = std::iter::once(1)
            .chain(self.kernel_size.iter().copied())
            .collect();
        let strides: Vec<usize> = std::iter::once(1)
            .chain(self.stride.iter().copied())
            .collect();
        let pads: Vec<(i64, i64)> = std::iter::once((0, 0))
            .chain(padding.iter().map(|&(a, b)| (a as i64, b as i64)))
            .collect();
        let kind = match self.operation {
            PoolOperation::Max => WindowReduceKind::Max,
            PoolOperation::Min => WindowReduceKind::Min,
            PoolOperation::Add | PoolOperation::Avg => WindowReduceKind::Sum,
        };
        let y = lax::reduce_window(x, kind, &window, &strides, pads);
        if self.operation == PoolOperation::Avg {
            let count: usize = self.kernel_size.iter().product();
            &y / &Array::weak_scalar(count as f64)
        } else {
            y
        }
    }
}

impl Layer for Pool {
    fn forward(&self, x: &Array) -> Array {
        Pool::forward(self, x)
    }
}

macro_rules! fixed_rank_pool {
    ($name:ident, $op:ident, $n:literal, $eqx:literal, $what:literal) => {
        #[doc = concat!("`", $eqx, "`: ", $what, " over a sliding window, as a [`Pool`] with `num_spatial_dims = ", $n, "`.")]
        ///
        /// Equinox's class is a subclass of `Pool` fixing the operation and rank, so here it
        /// is a constructor of the one [`Pool`] type. The default stride is 1, not the kernel
        /// size.
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        // `new` builds the general layer: Equinox's class is that layer with fixed settings.
        #[allow(clippy::new_ret_no_self)]
        impl $name {
            #[doc = concat!("`", $eqx, "(kernel_size)`: stride 1, no padding.")]
            pub fn new(kernel_size: impl Into<Sizes>) -> Pool {
                Pool::new(PoolOperation::$op, $n, kernel_size)
            }

            #[doc = concat!("`", $eqx, "(kernel_size, stride, padding, use_ceil)`.")]
            pub fn with_options(kernel_size: impl Into<Sizes>, options: PoolOptions) -> Pool {
                Pool::with_options(PoolOperation::$op, $n, kernel_size, options)
            }
        }
    };
}

fixed_rank_pool!(MaxPool1d, Max, 1, "eqx.nn.MaxPool1d", "the maximum");
fixed_rank_pool!(MaxPool2d, Max, 2, "eqx.nn.MaxPool2d", "the maximum");
fixed_rank_pool!(MaxPool3d, Max, 3, "eqx.nn.MaxPool3d", "the maximum");
fixed_rank_pool!(AvgPool1d, Avg, 1, "eqx.nn.AvgPool1d", "the average");
fixed_rank_pool!(AvgPool2d, Avg, 2, "eqx.nn.AvgPool2d", "the average");
fixed_rank_pool!(AvgPool3d, Avg, 3, "eqx.nn.AvgPool3d", "the average");
