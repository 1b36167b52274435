//! `eqx.nn.Conv` and its fixed-rank forms `Conv1d`, `Conv2d`, `Conv3d`.

use super::spatial::{pad_with_mode, Padding, PaddingMode, Sizes};
use super::Layer;
use crate::random::{self, Key};
use crate::{lax, Array, DType, Module};

/// The optional arguments of [`Conv`] (and [`ConvTranspose`](super::ConvTranspose)), with
/// Equinox's defaults: stride 1, padding 0, dilation 1, one group, a bias, zero padding,
/// float32 parameters.
///
/// ```
/// use equinox::nn::{ConvOptions, PaddingMode};
/// let o = ConvOptions { stride: 2.into(), padding: "SAME".into(), ..Default::default() };
/// assert_eq!(o.padding_mode, PaddingMode::Zeros);
/// ```
#[derive(Clone, Debug)]
pub struct ConvOptions {
    /// The stride, one for all axes or one per axis.
    pub stride: Sizes,
    /// The padding: an int, per-axis ints, per-axis `(before, after)` pairs, or `"VALID"`,
    /// `"SAME"`, `"SAME_LOWER"`.
    pub padding: Padding,
    /// The spacing between kernel taps (`rhs_dilation`).
    pub dilation: Sizes,
    /// The number of input-channel groups; `in_channels` must be a multiple of it.
    pub groups: usize,
    /// Whether to add a bias after the convolution.
    pub use_bias: bool,
    /// What the padding holds: zeros, or a reflection, replication or wrap of the input.
    pub padding_mode: PaddingMode,
    /// The floating dtype of the weight and bias.
    pub dtype: DType,
}

impl Default for ConvOptions {
    fn default() -> ConvOptions {
        ConvOptions {
            stride: Sizes::All(1),
            padding: Padding::All(0),
            dilation: Sizes::All(1),
            groups: 1,
            use_bias: true,
            padding_mode: PaddingMode::Zeros,
            dtype: DType::F32,
        }
    }
}

/// An N-dimensional convolution (`eqx.nn.Conv`), on one example of shape
/// `(in_channels, dim_1, ..., dim_N)`, giving `(out_channels, new_dim_1, ..., new_dim_N)`.
///
/// Initialisation is Equinox's, bit for bit for the same key: with `wkey, bkey = split(key)`
/// and `lim = 1 / sqrt((in_channels / groups) * prod(kernel_size))`, the weight (shape
/// `(out_channels, in_channels / groups, *kernel_size)`) is `U(wkey, -lim, lim)` and the bias
/// (shape `(out_channels, 1, ..., 1)`) is `U(bkey, -lim, lim)`.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, ConvOptions};
/// use eqx::{numpy as jnp, random};
///
/// let conv = nn::Conv2d::new(3, 8, 3, random::key(0));
/// assert_eq!(conv.weight.shape(), &[8, 3, 3, 3]);
/// assert_eq!(conv.forward(&jnp::ones([3, 10, 12])).shape(), &[8, 8, 10]);
///
/// let same = nn::Conv::with_options(
///     2, 3, 8, [3, 5],
///     ConvOptions { stride: 2.into(), padding: "SAME".into(), padding_mode: "REFLECT".into(), ..Default::default() },
///     random::key(1),
/// );
/// assert_eq!(same.forward(&jnp::ones([3, 10, 11])).shape(), &[8, 5, 6]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct Conv {
    /// The number of spatial axes N.
    #[module(static)]
    pub num_spatial_dims: usize,
    /// The kernel, shape `(out_channels, in_channels / groups, *kernel_size)`.
    pub weight: Array,
    /// The bias, shape `(out_channels, 1, ..., 1)`, or `None` without a bias.
    pub bias: Option<Array>,
    /// The number of input channels.
    #[module(static)]
    pub in_channels: usize,
    /// The number of output channels.
    #[module(static)]
    pub out_channels: usize,
    /// The kernel size per spatial axis.
    #[module(static)]
    pub kernel_size: Vec<usize>,
    /// The stride per spatial axis.
    #[module(static)]
    pub stride: Vec<usize>,
    /// The padding: a string form or `(before, after)` pairs per axis.
    #[module(static)]
    pub padding: Padding,
    /// The kernel dilation per spatial axis.
    #[module(static)]
    pub dilation: Vec<usize>,
    /// The number of channel groups.
    #[module(static)]
    pub groups: usize,
    /// Whether the layer has a bias.
    #[module(static)]
    pub use_bias: bool,
    /// What the padding holds.
    #[module(static)]
    pub padding_mode: PaddingMode,
}

/// Equinox's weight and bias for a convolution-like layer (`Conv` and `ConvTranspose` share
/// it): both uniform in `±1/sqrt(fan_in)` from the two halves of `key`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn conv_parameters(
    layer: &str,
    in_channels: usize,
    out_channels: usize,
    kernel_size: &[usize],
    groups: usize,
    use_bias: bool,
    dtype: DType,
    key: Key,
) -> (Array, Option<Array>) {
    if !dtype.is_float() {
        panic!("{layer}: parameters need a floating dtype, got {dtype:?}");
    }
    if groups == 0 || !in_channels.is_multiple_of(groups) {
        panic!(
            "{layer}: `in_channels` (={in_channels}) must be divisible by `groups` (={groups})."
        );
    }
    if !out_channels.is_multiple_of(groups) {
        panic!(
            "{layer}: `out_channels` (={out_channels}) must be divisible by `groups` \
             (={groups})."
        );
    }
    let [wkey, bkey] = random::split_into(key);
    let grouped_in = in_channels / groups;
    let fan_in = grouped_in * kernel_size.iter().product::<usize>();
    let lim = 1.0 / (fan_in as f64).sqrt();
    let wshape: Vec<usize> = [out_channels, grouped_in]
        .into_iter()
        .chain(kernel_size.iter().copied())
        .collect();
    let weight = random::uniform(wkey, wshape, dtype, -lim, lim);
    let bshape: Vec<usize> = std::iter::once(out_channels)
        .chain(std::iter::repeat_n(1, kernel_size.len()))
        .collect();
    let bias = use_bias.then(|| random::uniform(bkey, bshape, dtype, -lim, lim));
    (weight, bias)
}

/// Panics unless `x` is one example `(in_channels, *spatial)` of an N-d layer.
pub(crate) fn check_input(layer: &str, x: &Array, num_spatial_dims: usize, in_channels: usize) {
    let rank = num_spatial_dims + 1;
    if x.ndim() != rank {
        panic!(
            "{layer}: Input to `{}` needs to have rank {rank} (in_channels, {num_spatial_dims} \
             spatial axes), but input has shape {}; layers act on one unbatched example, so \
             map over a batch (vmap)",
            layer.trim_start_matches("nn::"),
            x.shape_obj()
        );
    }
    if x.shape()[0] != in_channels {
        panic!(
            "{layer}: expected {in_channels} input channels (shape ({in_channels}, ...)), got \
             input of shape {}",
            x.shape_obj()
        );
    }
}

impl Conv {
    /// `eqx.nn.Conv(num_spatial_dims, in_channels, out_channels, kernel_size, key=key)`: stride
    /// 1, no padding, a bias, float32 parameters.
    pub fn new(
        num_spatial_dims: usize,
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Sizes>,
        key: Key,
    ) -> Conv {
        Conv::with_options(
            num_spatial_dims,
            in_channels,
            out_channels,
            kernel_size,
            ConvOptions::default(),
            key,
        )
    }

    /// `eqx.nn.Conv(num_spatial_dims, in_channels, out_channels, kernel_size, stride, padding,
    /// dilation, groups, use_bias, padding_mode, dtype, key=key)`.
    ///
    /// Panics with Equinox's message if a per-axis argument does not have `num_spatial_dims`
    /// entries or `in_channels` is not a multiple of `groups` (and, where Equinox would fail at
    /// the first call, if `out_channels` is not).
    pub fn with_options(
        num_spatial_dims: usize,
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Sizes>,
        options: ConvOptions,
        key: Key,
    ) -> Conv {
        const LAYER: &str = "nn::Conv";
        let kernel_size = kernel_size.into().resolve(LAYER, num_spatial_dims);
        let stride = options.stride.resolve(LAYER, num_spatial_dims);
        let dilation = options.dilation.resolve(LAYER, num_spatial_dims);
        let (weight, bias) = conv_parameters(
            LAYER,
            in_channels,
            out_channels,
            &kernel_size,
            options.groups,
            options.use_bias,
            options.dtype,
            key,
        );
        Conv {
            num_spatial_dims,
            weight,
            bias,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding: options.padding.normalise(LAYER, num_spatial_dims),
            dilation,
            groups: options.groups,
            use_bias: options.use_bias,
            padding_mode: options.padding_mode,
        }
    }

    /// Applies the convolution to one example of shape `(in_channels, dim_1, ..., dim_N)`.
    ///
    /// With a padding mode other than zeros, the input is first padded with that mode (string
    /// paddings resolved as `lax.padtype_to_pads` does for the dilated kernel) and the
    /// convolution runs unpadded, as in Equinox. Panics on a wrong rank or channel count.
    pub fn forward(&self, x: &Array) -> Array {
        check_input("nn::Conv", x, self.num_spatial_dims, self.in_channels);
        let (x, padding) = if self.padding_mode == PaddingMode::Zeros {
            (x.clone(), self.padding.spec(self.num_spatial_dims))
        } else {
            let window: Vec<usize> = self
                .kernel_size
                .iter()
                .zip(&self.dilation)
                .map(|(&k, &d)| d * (k - 1) + 1)
                .collect();
            let pads: Vec<(usize, usize)> = self
                .padding
                .pads(&x.shape()[1..], &window, &self.stride)
                .into_iter()
                .map(|(a, b)| (a as usize, b as usize))
                .collect();
            (
                pad_with_mode(x, 1, &pads, self.padding_mode),
                lax::PaddingSpec::Valid,
            )
        };
        let y = lax::conv_general_dilated_with_options(
            &x.expand_dims(0),
            &self.weight,
            &self.stride,
            padding,
            lax::ConvGeneralDilatedOptions {
                rhs_dilation: Some(&self.dilation),
                feature_group_count: self.groups,
                ..Default::default()
            },
        )
        .squeeze(0);
        match &self.bias {
            Some(b) => &y + b,
            None => y,
        }
    }
}

impl Layer for Conv {
    fn forward(&self, x: &Array) -> Array {
        Conv::forward(self, x)
    }
}

/// The fixed-rank constructors of a convolution-like layer (`Conv1d`… for [`Conv`],
/// `ConvTranspose1d`… for `ConvTranspose`): Equinox's classes are subclasses that add only the
/// rank, so here each is a unit struct whose `new` and `with_options` build the one general type
/// (whose own constructors take the rank first).
macro_rules! fixed_rank_conv {
    ($layer:ident, $options:ident, $name:ident, $n:literal, $eqx:literal) => {
        #[doc = concat!("`", $eqx, "`: builds a [`", stringify!($layer), "`] with `num_spatial_dims = ", $n, "`.")]
        ///
        #[doc = concat!("Equinox's class is a subclass of `", stringify!($layer), "` adding only the rank, so here it is a constructor of the one [`", stringify!($layer), "`] type.")]
        #[derive(Clone, Copy, Debug)]
        pub struct $name;

        // `new` builds the general layer: Equinox's class is that layer with fixed settings.
        #[allow(clippy::new_ret_no_self)]
        impl $name {
            #[doc = concat!("`", $eqx, "(in_channels, out_channels, kernel_size, key=key)`.")]
            pub fn new(
                in_channels: usize,
                out_channels: usize,
                kernel_size: impl Into<Sizes>,
                key: Key,
            ) -> $layer {
                $layer::new($n, in_channels, out_channels, kernel_size, key)
            }

            #[doc = concat!("`", $eqx, "(in_channels, out_channels, kernel_size, ..options, key=key)`.")]
            pub fn with_options(
                in_channels: usize,
                out_channels: usize,
                kernel_size: impl Into<Sizes>,
                options: $options,
                key: Key,
            ) -> $layer {
                $layer::with_options($n, in_channels, out_channels, kernel_size, options, key)
            }
        }
    };
}
pub(super) use fixed_rank_conv;

fixed_rank_conv!(Conv, ConvOptions, Conv1d, 1, "eqx.nn.Conv1d");
fixed_rank_conv!(Conv, ConvOptions, Conv2d, 2, "eqx.nn.Conv2d");
fixed_rank_conv!(Conv, ConvOptions, Conv3d, 3, "eqx.nn.Conv3d");
