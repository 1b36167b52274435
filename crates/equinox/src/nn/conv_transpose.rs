//! `eqx.nn.ConvTranspose` and its fixed-rank forms `ConvTranspose1d`, `ConvTranspose2d`,
//! `ConvTranspose3d`.

use super::conv::{check_input, conv_parameters, fixed_rank_conv};
use super::spatial::{pad_with_mode, Padding, PaddingMode, Sizes};
use super::Layer;
use crate::random::Key;
use crate::{lax, Array, DType, Module};

/// The optional arguments of [`ConvTranspose`], with Equinox's defaults: the settings of the
/// equivalent [`Conv`](super::Conv) (stride 1, padding 0, dilation 1, one group, a bias, zero
/// padding, float32) and no output padding.
///
/// ```
/// use equinox::nn::ConvTransposeOptions;
/// let o = ConvTransposeOptions { stride: 2.into(), padding: 1.into(), output_padding: 1.into(), ..Default::default() };
/// assert!(o.use_bias);
/// ```
#[derive(Clone, Debug)]
pub struct ConvTransposeOptions {
    /// The stride of the equivalent convolution (the input dilation here).
    pub stride: Sizes,
    /// The padding of the equivalent convolution.
    pub padding: Padding,
    /// Extra size at the end of each output axis, to pick among the input sizes a strided
    /// convolution maps to one output size; each must be below the stride.
    pub output_padding: Sizes,
    /// The spacing between kernel taps.
    pub dilation: Sizes,
    /// The number of channel groups; `in_channels` must be a multiple of it.
    pub groups: usize,
    /// Whether to add a bias.
    pub use_bias: bool,
    /// The padding mode of the equivalent convolution: zeros, or circular (with `"SAME"` or
    /// `"SAME_LOWER"` padding and no output padding).
    pub padding_mode: PaddingMode,
    /// The floating dtype of the weight and bias.
    pub dtype: DType,
}

impl Default for ConvTransposeOptions {
    fn default() -> ConvTransposeOptions {
        ConvTransposeOptions {
            stride: Sizes::All(1),
            padding: Padding::All(0),
            output_padding: Sizes::All(0),
            dilation: Sizes::All(1),
            groups: 1,
            use_bias: true,
            padding_mode: PaddingMode::Zeros,
            dtype: DType::F32,
        }
    }
}

/// An N-dimensional transposed convolution (`eqx.nn.ConvTranspose`): it goes from the shape
/// of a [`Conv`](super::Conv)'s output back to the shape of its input with the same
/// connectivity, given the same `kernel_size`, `stride`, `padding`, `dilation` and `groups`
/// (and `in_channels`/`out_channels` swapped).
///
/// On one example `(in_channels, dim_1, ..., dim_N)` it gives `(out_channels, ...)`; it is
/// `lax.conv_general_dilated` with the input dilated by `stride` and the transposed padding
/// `d(k-1) - p` (relation 14 of arXiv:1603.07285). As in Equinox the kernel is used as
/// stored, neither flipped nor with its channel axes swapped (the layout is
/// `(out_channels, in_channels / groups, *kernel_size)`, unlike PyTorch's), and it is
/// initialised exactly as [`Conv`](super::Conv)'s, bit for bit.
///
/// ```
/// use equinox as eqx;
/// use eqx::nn::{self, ConvTransposeOptions};
/// use eqx::{numpy as jnp, random};
///
/// let opts = ConvTransposeOptions { stride: 2.into(), padding: 1.into(), output_padding: 1.into(), ..Default::default() };
/// let up = nn::ConvTranspose2d::with_options(1, 2, 3, opts, random::key(0));
/// assert_eq!(up.forward(&jnp::ones([1, 5, 5])).shape(), &[2, 10, 10]);
/// ```
#[derive(Module, Clone)]
#[module(debug)]
pub struct ConvTranspose {
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
    /// The stride of the equivalent convolution, per axis.
    #[module(static)]
    pub stride: Vec<usize>,
    /// The padding of the equivalent convolution: a string form or pairs.
    #[module(static)]
    pub padding: Padding,
    /// The output padding per axis.
    #[module(static)]
    pub output_padding: Vec<usize>,
    /// The kernel dilation per axis.
    #[module(static)]
    pub dilation: Vec<usize>,
    /// The number of channel groups.
    #[module(static)]
    pub groups: usize,
    /// Whether the layer has a bias.
    #[module(static)]
    pub use_bias: bool,
    /// The padding mode of the equivalent convolution.
    #[module(static)]
    pub padding_mode: PaddingMode,
}

impl ConvTranspose {
    /// `eqx.nn.ConvTranspose(num_spatial_dims, in_channels, out_channels, kernel_size,
    /// key=key)`: stride 1, no padding, a bias, float32 parameters.
    pub fn new(
        num_spatial_dims: usize,
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Sizes>,
        key: Key,
    ) -> ConvTranspose {
        ConvTranspose::with_options(
            num_spatial_dims,
            in_channels,
            out_channels,
            kernel_size,
            ConvTransposeOptions::default(),
            key,
        )
    }

    /// `eqx.nn.ConvTranspose(num_spatial_dims, in_channels, out_channels, kernel_size, stride,
    /// padding, output_padding, dilation, groups, use_bias, padding_mode, dtype, key=key)`.
    ///
    /// Panics, with Equinox's message where it has one, if a per-axis argument has the wrong
    /// length, an output padding is not below its stride, `groups` does not divide the
    /// channel counts, or the padding mode is `REFLECT`/`REPLICATE` (not implemented in
    /// Equinox), or `CIRCULAR` without `"SAME"`/`"SAME_LOWER"` padding and zero output
    /// padding.
    pub fn with_options(
        num_spatial_dims: usize,
        in_channels: usize,
        out_channels: usize,
        kernel_size: impl Into<Sizes>,
        options: ConvTransposeOptions,
        key: Key,
    ) -> ConvTranspose {
        const LAYER: &str = "nn::ConvTranspose";
        // Equinox draws the parameters before checking the other arguments; the result is
        // the same either way since a failed check builds nothing.
        let kernel_size = kernel_size.into().resolve(LAYER, num_spatial_dims);
        let stride = options.stride.resolve(LAYER, num_spatial_dims);
        let output_padding = options.output_padding.resolve(LAYER, num_spatial_dims);
        let dilation = options.dilation.resolve(LAYER, num_spatial_dims);
        if stride.iter().zip(&output_padding).any(|(s, o)| o >= s) {
            panic!(
                "{LAYER}: Must have `output_padding < stride` (elementwise); got output_padding \
                 {output_padding:?} and stride {stride:?}"
            );
        }
        let padding = options.padding.normalise(LAYER, num_spatial_dims);
        match options.padding_mode {
            PaddingMode::Reflect | PaddingMode::Replicate => panic!(
                "{LAYER}: 'REFLECT' or 'REPLICATE' padding mode is not implemented, got {:?}",
                options.padding_mode
            ),
            PaddingMode::Circular => {
                if output_padding.iter().any(|&o| o != 0) {
                    panic!(
                        "{LAYER}: `padding_mode == 'CIRCULAR'` with non-zero `output_padding` \
                         is not implemented (output_padding {output_padding:?})"
                    );
                }
                if !matches!(padding, Padding::Same | Padding::SameLower) {
                    panic!(
                        "{LAYER}: `padding_mode == 'CIRCULAR'` is only implemented for 'SAME' \
                         or 'SAME_LOWER' padding, got {padding:?}"
                    );
                }
            }
            PaddingMode::Zeros => {}
        }
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
        ConvTranspose {
            num_spatial_dims,
            weight,
            bias,
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            output_padding,
            dilation,
            groups: options.groups,
            use_bias: options.use_bias,
            padding_mode: options.padding_mode,
        }
    }

    /// The explicit padding of the dilated-input convolution (Equinox's `_padding_transpose`):
    /// with the equivalent convolution's padding `(p0, p1)`, `(d(k-1) - p0, d(k-1) - p1 + a)`
    /// per axis, where `a` is the output padding. For `"SAME"`/`"SAME_LOWER"`, `p0 + p1 =
    /// d(k-1) - s + a + 1` split as the string says; when that is negative the padding is 0 and
    /// `a` grows to make up the difference.
    pub fn padding_transpose(&self) -> Vec<(i64, i64)> {
        (0..self.num_spatial_dims)
            .map(|i| {
                let k = self.kernel_size[i] as i64;
                let s = self.stride[i] as i64;
                let mut a = self.output_padding[i] as i64;
                let d = self.dilation[i] as i64;
                let (p0, p1) = match &self.padding {
                    Padding::Valid => (0, 0),
                    Padding::Same | Padding::SameLower => {
                        let mut p_sum = d * (k - 1) - s + a + 1;
                        // As Equinox: a negative sum becomes extra output padding (replacing
                        // the given one), and the padding itself 0.
                        a = if p_sum < 0 { -p_sum } else { 0 };
                        p_sum = p_sum.max(0);
                        let lower = i64::from(self.padding == Padding::SameLower);
                        let p0 = (p_sum + lower).div_euclid(2);
                        (p0, p_sum - p0)
                    }
                    Padding::Pairs(p) => (p[i].0 as i64, p[i].1 as i64),
                    Padding::All(_) | Padding::Each(_) => unreachable!("padding is normalised"),
                };
                (d * (k - 1) - p0, d * (k - 1) - p1 + a)
            })
            .collect()
    }

    /// Applies the transposed convolution to one example `(in_channels, dim_1, ..., dim_N)`.
    /// Panics on a wrong rank or channel count.
    pub fn forward(&self, x: &Array) -> Array {
        check_input(
            "nn::ConvTranspose",
            x,
            self.num_spatial_dims,
            self.in_channels,
        );
        let mut padding_t = self.padding_transpose();
        let mut x = x.clone();
        if self.padding_mode == PaddingMode::Circular {
            // Whole strides of padding become wrapped input; the remainder stays padding.
            let wrap: Vec<(usize, usize)> = padding_t
                .iter()
                .zip(&self.stride)
                .map(|(&(lo, hi), &s)| {
                    let s = s as i64;
                    (lo.div_euclid(s) as usize, hi.div_euclid(s) as usize)
                })
                .collect();
            x = pad_with_mode(&x, 1, &wrap, PaddingMode::Circular);
            padding_t = padding_t
                .iter()
                .zip(&self.stride)
                .map(|(&(lo, hi), &s)| (lo.rem_euclid(s as i64), hi.rem_euclid(s as i64)))
                .collect();
        }
        let ones = vec![1usize; self.num_spatial_dims];
        let y = lax::conv_general_dilated_with_options(
            &x.expand_dims(0),
            &self.weight,
            &ones,
            padding_t,
            lax::ConvGeneralDilatedOptions {
                lhs_dilation: Some(&self.stride),
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

impl Layer for ConvTranspose {
    fn forward(&self, x: &Array) -> Array {
        ConvTranspose::forward(self, x)
    }
}

fixed_rank_conv!(
    ConvTranspose,
    ConvTransposeOptions,
    ConvTranspose1d,
    1,
    "eqx.nn.ConvTranspose1d"
);
fixed_rank_conv!(
    ConvTranspose,
    ConvTransposeOptions,
    ConvTranspose2d,
    2,
    "eqx.nn.ConvTranspose2d"
);
fixed_rank_conv!(
    ConvTranspose,
    ConvTransposeOptions,
    ConvTranspose3d,
    3,
    "eqx.nn.ConvTranspose3d"
);
