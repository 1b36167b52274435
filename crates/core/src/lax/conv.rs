//! `lax.conv_general_dilated`, `lax.conv`, padding specs and dimension-number strings.

use crate::array::{Array, DType};
use crate::prims::bind1;
pub use crate::prims::conv::ConvDimensionNumbers;
use crate::prims::conv::{dilate_dim, ConvGeneralDilated};
use crate::prims::layout::Axes;

/// How a convolution or window pads its input, as JAX's `padding` argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaddingSpec {
    /// No padding (`"VALID"`).
    Valid,
    /// Pad so the output size is `ceil(input / stride)`, the odd unit at the end (`"SAME"`).
    Same,
    /// As `Same` with the odd unit at the start (`"SAME_LOWER"`).
    SameLower,
    /// Explicit `(low, high)` padding per spatial axis; negative values crop.
    Explicit(Vec<(i64, i64)>),
}

impl From<&str> for PaddingSpec {
    /// Parses `"VALID"`, `"SAME"` or `"SAME_LOWER"` (any case); panics on anything else.
    fn from(s: &str) -> PaddingSpec {
        match s.to_ascii_uppercase().as_str() {
            "VALID" => PaddingSpec::Valid,
            "SAME" => PaddingSpec::Same,
            "SAME_LOWER" => PaddingSpec::SameLower,
            _ => panic!(
                "padding: unrecognized padding type {s:?}; expected 'VALID', 'SAME' or 'SAME_LOWER'"
            ),
        }
    }
}
impl From<Vec<(i64, i64)>> for PaddingSpec {
    fn from(p: Vec<(i64, i64)>) -> PaddingSpec {
        PaddingSpec::Explicit(p)
    }
}
impl From<&[(i64, i64)]> for PaddingSpec {
    fn from(p: &[(i64, i64)]) -> PaddingSpec {
        PaddingSpec::Explicit(p.to_vec())
    }
}
impl<const N: usize> From<[(i64, i64); N]> for PaddingSpec {
    fn from(p: [(i64, i64); N]) -> PaddingSpec {
        PaddingSpec::Explicit(p.to_vec())
    }
}

/// Resolves a padding spec to explicit `(low, high)` pairs for inputs of spatial shape
/// `in_shape` and (dilated) windows `window_shape` (`lax.padtype_to_pads`).
///
/// ```
/// use equinox_core::lax::{padtype_to_pads, PaddingSpec};
/// assert_eq!(padtype_to_pads(&[5], &[2], &[2], &PaddingSpec::Same), vec![(0, 1)]);
/// assert_eq!(padtype_to_pads(&[5], &[2], &[2], &PaddingSpec::SameLower), vec![(1, 0)]);
/// ```
pub fn padtype_to_pads(
    in_shape: &[usize],
    window_shape: &[usize],
    strides: &[usize],
    padding: &PaddingSpec,
) -> Vec<(i64, i64)> {
    let same = |lower: bool| -> Vec<(i64, i64)> {
        (0..in_shape.len())
            .map(|d| {
                let (n, w, s) = (
                    in_shape[d] as i64,
                    window_shape[d] as i64,
                    strides[d] as i64,
                );
                let out = (n + s - 1) / s;
                let total = ((out - 1) * s + w - n).max(0);
                let small = total / 2;
                if lower {
                    (total - small, small)
                } else {
                    (small, total - small)
                }
            })
            .collect()
    };
    match padding {
        PaddingSpec::Valid => vec![(0, 0); in_shape.len()],
        PaddingSpec::Same => same(false),
        PaddingSpec::SameLower => same(true),
        PaddingSpec::Explicit(p) => p.clone(),
    }
}

/// Dimension numbers from JAX's layout strings such as `("NCHW", "OIHW", "NCHW")` or
/// `("NHWC", "HWIO", "NHWC")`: `N` batch, `C` feature, `O`/`I` kernel output/input feature,
/// any other distinct letters spatial axes, matched by letter and ordered as in the kernel
/// spec (`lax.conv_dimension_numbers`).
///
/// ```
/// use equinox_core::lax::conv_dimension_numbers;
/// let dn = conv_dimension_numbers("NHWC", "HWIO", "NHWC");
/// assert_eq!(dn.lhs_spec.as_slice(), &[0, 3, 1, 2]);
/// assert_eq!(dn.rhs_spec.as_slice(), &[3, 2, 0, 1]);
/// ```
pub fn conv_dimension_numbers(lhs: &str, rhs: &str, out: &str) -> ConvDimensionNumbers {
    let (lc, rc, oc): (Vec<char>, Vec<char>, Vec<char>) = (
        lhs.chars().collect(),
        rhs.chars().collect(),
        out.chars().collect(),
    );
    let fail = |why: &str| -> ! {
        panic!("conv_dimension_numbers: {why}; got ({lhs:?}, {rhs:?}, {out:?})")
    };
    if lc.len() != rc.len() || lc.len() != oc.len() || lc.len() < 2 {
        fail("the three specs must have the same length, at least 2");
    }
    for (spec, pair) in [(&lc, ['N', 'C']), (&rc, ['O', 'I']), (&oc, ['N', 'C'])] {
        for ch in pair {
            if spec.iter().filter(|&&c| c == ch).count() != 1 {
                fail(&format!("each spec needs exactly one {ch:?} of {pair:?}"));
            }
        }
        if (1..spec.len()).any(|i| spec[..i].contains(&spec[i])) {
            fail("letters within a spec must be distinct");
        }
    }
    let rhs_spatial: Vec<char> = rc
        .iter()
        .copied()
        .filter(|c| !['O', 'I'].contains(c))
        .collect();
    let perm = |spec: &[char], pair: [char; 2]| -> Axes {
        let pos = |ch: char| {
            spec.iter().position(|&c| c == ch).unwrap_or_else(|| {
                fail(&format!(
                    "spatial letter {ch:?} of the kernel spec is missing"
                ))
            })
        };
        [pos(pair[0]), pos(pair[1])]
            .into_iter()
            .chain(rhs_spatial.iter().map(|&c| pos(c)))
            .collect()
    };
    ConvDimensionNumbers {
        lhs_spec: perm(&lc, ['N', 'C']),
        rhs_spec: perm(&rc, ['O', 'I']),
        out_spec: perm(&oc, ['N', 'C']),
    }
}

/// Options of [`conv_general_dilated_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug)]
pub struct ConvGeneralDilatedOptions<'a> {
    /// Input dilation per spatial axis (`None`, the default: 1 each): a transposed
    /// convolution.
    pub lhs_dilation: Option<&'a [usize]>,
    /// Kernel dilation per spatial axis (`None`, the default: 1 each).
    pub rhs_dilation: Option<&'a [usize]>,
    /// The layouts of the input, the kernel and the output (`None`, the default:
    /// `NC...`/`OI...`/`NC...`).
    pub dimension_numbers: Option<&'a ConvDimensionNumbers>,
    /// Feature groups (default 1): the input's features split into groups, each convolved
    /// with its share of the kernel's outputs (depthwise convolution when it equals the
    /// number of input features).
    pub feature_group_count: usize,
    /// Batch groups (default 1), as in JAX (the kernel gradient of a grouped convolution).
    pub batch_group_count: usize,
    /// The result dtype (`None`, the default: the operands' promoted dtype).
    pub preferred_element_type: Option<DType>,
}

impl Default for ConvGeneralDilatedOptions<'_> {
    fn default() -> Self {
        ConvGeneralDilatedOptions {
            lhs_dilation: None,
            rhs_dilation: None,
            dimension_numbers: None,
            feature_group_count: 1,
            batch_group_count: 1,
            preferred_element_type: None,
        }
    }
}

/// The general convolution (`jax.lax.conv_general_dilated(lhs, rhs, window_strides,
/// padding)`): `lhs` is the input, `rhs` the kernel, in `NC...`/`OI...` layout, undilated.
/// [`conv_general_dilated_with_options`] sets dilations, layouts, groups and the result
/// dtype.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::ones([1, 2, 5, 5]); // N C H W
/// let w = jnp::ones([3, 2, 3, 3]); // O I H W
/// let y = lax::conv_general_dilated(&x, &w, &[1, 1], "SAME");
/// assert_eq!(y.shape(), &[1, 3, 5, 5]);
/// assert_eq!(y.to_vec::<f32>()[6], 18.0); // an interior pixel sees 2 channels × 9 taps
/// ```
pub fn conv_general_dilated(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    conv_general_dilated_with_options(
        lhs,
        rhs,
        window_strides,
        padding,
        ConvGeneralDilatedOptions::default(),
    )
}

/// [`conv_general_dilated`] with dilations, layouts, groups or a result dtype (see
/// [`ConvGeneralDilatedOptions`]). String padding resolves against the kernel dilated by
/// `rhs_dilation` and is not allowed with `lhs_dilation` (give explicit pads for transposed
/// convolutions, as in JAX).
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::ones([1, 2, 5, 5]);
/// let w = jnp::ones([2, 1, 3, 3]); // one input feature per group
/// let options = lax::ConvGeneralDilatedOptions {
///     rhs_dilation: Some(&[2, 2]),
///     feature_group_count: 2,
///     ..Default::default()
/// };
/// let y = lax::conv_general_dilated_with_options(&x, &w, &[1, 1], "VALID", options);
/// assert_eq!(y.shape(), &[1, 2, 1, 1]);
/// assert_eq!(y.to_vec::<f32>(), vec![9.0, 9.0]);
/// ```
pub fn conv_general_dilated_with_options(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    options: ConvGeneralDilatedOptions,
) -> Array {
    let ConvGeneralDilatedOptions {
        lhs_dilation,
        rhs_dilation,
        dimension_numbers,
        feature_group_count,
        batch_group_count,
        preferred_element_type,
    } = options;
    if lhs.ndim() != rhs.ndim() {
        panic!(
            "conv_general_dilated: convolution requires lhs and rhs ndim to be equal, got {} and \
             {}; operands {} and {}",
            lhs.ndim(),
            rhs.ndim(),
            lhs.aval(),
            rhs.aval()
        );
    }
    let dn = dimension_numbers
        .cloned()
        .unwrap_or_else(|| ConvDimensionNumbers::default_for_rank(lhs.ndim()));
    let ns = lhs.ndim().saturating_sub(2);
    let ones = vec![1usize; ns];
    let lhs_dilation = lhs_dilation.unwrap_or(&ones);
    let rhs_dilation = rhs_dilation.unwrap_or(&ones);
    let padding = padding.into();
    let pads = match &padding {
        PaddingSpec::Explicit(p) => p.clone(),
        spec => {
            if lhs_dilation.iter().any(|&d| d != 1) {
                panic!(
                    "conv_general_dilated: string padding is not implemented for transposed \
                     convolution (lhs_dilation {lhs_dilation:?}); give explicit padding"
                );
            }
            if dn.lhs_spec.len() != lhs.ndim() || dn.rhs_spec.len() != rhs.ndim() {
                panic!(
                    "conv_general_dilated: dimension_numbers {dn:?} do not match operands of \
                     shapes {} and {}",
                    lhs.shape_obj(),
                    rhs.shape_obj()
                );
            }
            let in_sp: Vec<usize> = dn.lhs_spec[2..].iter().map(|&a| lhs.shape()[a]).collect();
            let k_sp: Vec<usize> = dn.rhs_spec[2..]
                .iter()
                .zip(rhs_dilation.iter().chain(std::iter::repeat(&1)))
                .map(|(&a, &d)| dilate_dim(rhs.shape()[a], d))
                .collect();
            padtype_to_pads(&in_sp, &k_sp, window_strides, spec)
        }
    };
    bind1(
        ConvGeneralDilated {
            window_strides: Axes::from_slice(window_strides),
            padding: pads.into_iter().collect(),
            lhs_dilation: Axes::from_slice(lhs_dilation),
            rhs_dilation: Axes::from_slice(rhs_dilation),
            dimension_numbers: dn,
            feature_group_count,
            batch_group_count,
            preferred_element_type,
        },
        &[lhs, rhs],
    )
}

/// A plain convolution in `NC...`/`OI...` layout with strides and padding (`jax.lax.conv`).
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::ones([2, 1, 8]); // N C W
/// let w = jnp::ones([4, 1, 3]); // O I W
/// assert_eq!(lax::conv(&x, &w, &[2], "VALID").shape(), &[2, 4, 3]);
/// ```
pub fn conv(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    conv_general_dilated(lhs, rhs, window_strides, padding)
}

/// `jax.lax.conv_with_general_padding`: [`conv_general_dilated`] with the default
/// (`NCHW`/`OIHW`) dimension numbers, one feature and batch group, and the given padding and
/// optional input (`lhs`) and kernel (`rhs`) dilations.
pub fn conv_with_general_padding(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    lhs_dilation: Option<&[usize]>,
    rhs_dilation: Option<&[usize]>,
    preferred_element_type: Option<DType>,
) -> Array {
    conv_general_dilated_with_options(
        lhs,
        rhs,
        window_strides,
        padding,
        ConvGeneralDilatedOptions {
            lhs_dilation,
            rhs_dilation,
            preferred_element_type,
            ..Default::default()
        },
    )
}

/// Options of [`conv_transpose_with`] (JAX's keyword arguments, with its defaults).
#[derive(Clone, Debug, Default)]
pub struct ConvTransposeOptions {
    /// Kernel dilation per spatial axis (default 1).
    pub rhs_dilation: Option<Vec<usize>>,
    /// Layouts; default the TensorFlow convention `NC`/`IO`/`NC` (rank 2), `NHC`/`HIO`/`NHC`,
    /// `NHWC`/`HWIO`/`NHWC`, `NHWDC`/`HWDIO`/`NHWDC` (rank 5).
    pub dimension_numbers: Option<ConvDimensionNumbers>,
    /// Flip the kernel's spatial axes and swap its feature axes (Keras' `Conv2DTranspose`).
    pub transpose_kernel: bool,
    /// The result dtype (default the operands').
    pub preferred_element_type: Option<DType>,
    /// Read explicit padding as the forward convolution's padding, as strings always are
    /// (PyTorch's convention: the result is then the gradient of `conv` with the same
    /// arguments); by default explicit pads pad the dilated input directly.
    pub use_consistent_padding: bool,
}

/// `jax.lax.conv_transpose(lhs, rhs, strides, padding)`: the fractionally strided
/// ("deconvolution") convolution, computed directly as a convolution of the input dilated by
/// `strides`. `"SAME"` and `"VALID"` describe the forward convolution this one transposes:
/// `"SAME"` gives spatial size `input * stride`. Layouts default to channels last
/// (`NHWC`/`HWIO`/`NHWC` for 2-D).
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::ones([1, 4, 4, 3]); // N H W C
/// let k = jnp::ones([3, 3, 3, 8]); // H W I O
/// assert_eq!(lax::conv_transpose(&x, &k, &[2, 2], "SAME").shape(), &[1, 8, 8, 8]);
/// assert_eq!(lax::conv_transpose(&x, &k, &[2, 2], "VALID").shape(), &[1, 9, 9, 8]);
/// ```
pub fn conv_transpose(
    lhs: &Array,
    rhs: &Array,
    strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    conv_transpose_with(lhs, rhs, strides, padding, &ConvTransposeOptions::default())
}

/// [`conv_transpose`] with JAX's keyword arguments ([`ConvTransposeOptions`]).
pub fn conv_transpose_with(
    lhs: &Array,
    rhs: &Array,
    strides: &[usize],
    padding: impl Into<PaddingSpec>,
    options: &ConvTransposeOptions,
) -> Array {
    let nd = lhs.ndim();
    if nd != rhs.ndim() || nd < 2 {
        panic!(
            "conv_transpose: lhs and rhs must have the same rank, at least 2; got {} and {}",
            lhs.aval(),
            rhs.aval()
        );
    }
    let dn = options.dimension_numbers.clone().unwrap_or_else(|| {
        let (l, r) = match nd {
            2 => ("NC", "IO"),
            3 => ("NHC", "HIO"),
            4 => ("NHWC", "HWIO"),
            5 => ("NHWDC", "HWDIO"),
            _ => panic!(
                "conv_transpose: No 4+ dimensional dimension_number defaults (operands of rank \
                 {nd}); give dimension_numbers"
            ),
        };
        conv_dimension_numbers(l, r, l)
    });
    let ns = nd - 2;
    if strides.len() != ns || dn.rhs_spec.len() != nd {
        panic!(
            "conv_transpose: strides {strides:?} and dimension_numbers {dn:?} must match the {ns} \
             spatial axes of {} and {}",
            lhs.aval(),
            rhs.aval()
        );
    }
    let rhs_dilation = options.rhs_dilation.clone().unwrap_or_else(|| vec![1; ns]);
    let kernel: Vec<i64> = (0..ns)
        .map(|d| dilate_dim(rhs.shape()[dn.rhs_spec[2 + d]], rhs_dilation[d]) as i64)
        .collect();
    let padding = padding.into();
    let pads: Vec<(i64, i64)> = match &padding {
        PaddingSpec::Explicit(p) if p.len() != ns => panic!(
            "conv_transpose: padding {p:?} must have one (low, high) pair per spatial axis ({ns})"
        ),
        PaddingSpec::Explicit(p) if !options.use_consistent_padding => p.clone(),
        _ => (0..ns)
            .map(|d| {
                let forward = match &padding {
                    PaddingSpec::Explicit(p) => Some(p[d]),
                    _ => None,
                };
                conv_transpose_padding(kernel[d], strides[d] as i64, &padding, forward)
            })
            .collect(),
    };
    let rhs = if options.transpose_kernel {
        let flipped = super::rev(rhs, &dn.rhs_spec[2..]);
        let mut perm: Vec<usize> = (0..nd).collect();
        perm.swap(dn.rhs_spec[0], dn.rhs_spec[1]);
        super::transpose(&flipped, &perm)
    } else {
        rhs.clone()
    };
    conv_general_dilated_with_options(
        lhs,
        &rhs,
        &vec![1; ns],
        pads,
        ConvGeneralDilatedOptions {
            lhs_dilation: Some(strides),
            rhs_dilation: Some(&rhs_dilation),
            dimension_numbers: Some(&dn),
            preferred_element_type: options.preferred_element_type,
            ..Default::default()
        },
    )
}

/// Options of [`conv_general_dilated_patches_with`] (JAX's keyword arguments).
#[derive(Clone, Debug, Default)]
pub struct ConvPatchesOptions {
    /// Input dilation per spatial axis (default 1).
    pub lhs_dilation: Option<Vec<usize>>,
    /// Window (filter) dilation per spatial axis (default 1).
    pub rhs_dilation: Option<Vec<usize>>,
    /// Layouts of the input, the (implicit) filter and the output; default `NC...` for all.
    pub dimension_numbers: Option<ConvDimensionNumbers>,
    /// The result dtype (default the input's).
    pub preferred_element_type: Option<DType>,
}

/// `jax.lax.conv_general_dilated_patches(lhs, filter_shape, window_strides, padding)`: the
/// patches a convolution with a `filter_shape` window would see, each as a feature vector. The
/// result's feature axis has size `C * prod(filter_shape)`, ordered channel-major (all window
/// positions of channel 0, then of channel 1, ...), window positions row-major; its other axes
/// are those of the convolution's output.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec((0..12).map(|v| v as f32).collect(), [1, 1, 3, 4]); // N C H W
/// let p = lax::conv_general_dilated_patches(&x, &[2, 2], &[1, 2], "VALID");
/// assert_eq!(p.shape(), &[1, 4, 2, 2]);
/// // The first patch: rows 0-1, columns 0-1.
/// assert_eq!(p.to_vec::<f32>().iter().step_by(4).copied().collect::<Vec<_>>(), vec![0.0, 1.0, 4.0, 5.0]);
/// ```
pub fn conv_general_dilated_patches(
    lhs: &Array,
    filter_shape: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
) -> Array {
    conv_general_dilated_patches_with(
        lhs,
        filter_shape,
        window_strides,
        padding,
        &ConvPatchesOptions::default(),
    )
}

/// [`conv_general_dilated_patches`] with JAX's keyword arguments ([`ConvPatchesOptions`]).
pub fn conv_general_dilated_patches_with(
    lhs: &Array,
    filter_shape: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    options: &ConvPatchesOptions,
) -> Array {
    let nd = lhs.ndim();
    if nd < 2 || filter_shape.len() != nd - 2 {
        panic!(
            "conv_general_dilated_patches: filter_shape {filter_shape:?} must have one size per \
             spatial axis of {}",
            lhs.aval()
        );
    }
    let dn = options
        .dimension_numbers
        .clone()
        .unwrap_or_else(|| ConvDimensionNumbers::default_for_rank(nd));
    if dn.lhs_spec.len() != nd || dn.rhs_spec.len() != nd {
        panic!(
            "conv_general_dilated_patches: dimension_numbers {dn:?} do not match the input {}",
            lhs.aval()
        );
    }
    let spatial: usize = filter_shape.iter().product();
    let channels = lhs.shape()[dn.lhs_spec[1]];
    // A one-hot kernel per (channel, window position), applied per channel (feature groups):
    // output feature c * spatial + s is input channel c at window position s.
    let rows = super::broadcasted_iota(DType::I32, [spatial, spatial], 0);
    let cols = super::broadcasted_iota(DType::I32, [spatial, spatial], 1);
    let eye = super::convert_element_type(&super::eq(&rows, &cols), lhs.dtype());
    let eye = super::broadcast_in_dim(&eye, &[channels, spatial, spatial], &[1, 2]);
    let mut kernel_shape = vec![channels * spatial, 1];
    kernel_shape.extend_from_slice(filter_shape);
    let kernel = super::reshape(&eye, &kernel_shape, None);
    // numpy's moveaxis((0, 1), (rhs_spec[0], rhs_spec[1])): the feature axes go to their
    // places, the window axes fill the others in order.
    let perm = moveaxis_permutation(nd, &[0, 1], &[dn.rhs_spec[0], dn.rhs_spec[1]]);
    let kernel = super::transpose(&kernel, &perm);
    conv_general_dilated_with_options(
        lhs,
        &kernel,
        window_strides,
        padding,
        ConvGeneralDilatedOptions {
            lhs_dilation: options.lhs_dilation.as_deref(),
            rhs_dilation: options.rhs_dilation.as_deref(),
            dimension_numbers: Some(&dn),
            feature_group_count: channels,
            preferred_element_type: options.preferred_element_type,
            ..Default::default()
        },
    )
}

/// JAX's `_conv_transpose_padding`: the `(low, high)` padding of the stride-dilated input for
/// a window of (dilated) size `k` and stride `s`, given the forward convolution's padding
/// (`"SAME"`, `"VALID"`, or its explicit pair `forward` of this axis).
fn conv_transpose_padding(
    k: i64,
    s: i64,
    padding: &PaddingSpec,
    forward: Option<(i64, i64)>,
) -> (i64, i64) {
    let (pad_a, pad_len) = match (padding, forward) {
        (PaddingSpec::Same, _) => {
            let pad_len = k + s - 2;
            (if s > k - 1 { k - 1 } else { (pad_len + 1) / 2 }, pad_len)
        }
        (PaddingSpec::Valid, _) => (k - 1, k + s - 2 + (k - s).max(0)),
        (_, Some((p0, p1))) => (k - p0 - 1, (k - p0 - 1) + (k - p1 - 1)),
        (other, None) => panic!(
            "conv_transpose: Invalid padding mode: {other:?}; expected 'SAME', 'VALID' or \
             explicit (low, high) pads"
        ),
    };
    (pad_a, pad_len - pad_a)
}

/// numpy's `moveaxis(x, source, destination)` as a permutation for `transpose`: the axes in
/// `source` go to the positions in `destination`, the others keep their order.
fn moveaxis_permutation(ndim: usize, source: &[usize], destination: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ndim).filter(|a| !source.contains(a)).collect();
    let mut moves: Vec<(usize, usize)> = destination
        .iter()
        .copied()
        .zip(source.iter().copied())
        .collect();
    moves.sort();
    for (dst, src) in moves {
        order.insert(dst, src);
    }
    order
}

/// `jax.lax.conv_general_permutations`: the positions of the batch/feature and spatial axes
/// in each layout string, as [`conv_dimension_numbers`] computes them (`lhs`, `rhs`, `out`).
///
/// ```
/// use equinox_core::lax;
/// let (l, r, o) = lax::conv_general_permutations("NHWC", "HWIO", "NHWC");
/// assert_eq!((l, r, o), (vec![0, 3, 1, 2], vec![3, 2, 0, 1], vec![0, 3, 1, 2]));
/// ```
pub fn conv_general_permutations(
    lhs: &str,
    rhs: &str,
    out: &str,
) -> (Vec<usize>, Vec<usize>, Vec<usize>) {
    let dn = conv_dimension_numbers(lhs, rhs, out);
    (
        dn.lhs_spec.to_vec(),
        dn.rhs_spec.to_vec(),
        dn.out_spec.to_vec(),
    )
}

/// `jax.lax.conv_general_shape_tuple`: the output shape of [`conv_general_dilated`] (no
/// dilation, one group) for operands of the given shapes and layouts, with explicit padding.
///
/// ```
/// use equinox_core::lax;
/// let dn = lax::conv_dimension_numbers("NHWC", "HWIO", "NHWC");
/// let out = lax::conv_general_shape_tuple(&[8, 32, 30, 3], &[5, 4, 3, 16], &[2, 3], &[(1, 2), (0, 0)], &dn);
/// assert_eq!(out, vec![8, 16, 9, 16]);
/// ```
pub fn conv_general_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    window_strides: &[usize],
    padding: &[(i64, i64)],
    dimension_numbers: &ConvDimensionNumbers,
) -> Vec<usize> {
    let dn = dimension_numbers;
    let take = |shape: &[usize], perm: &[usize]| -> Vec<usize> {
        perm.iter().map(|&a| shape[a]).collect()
    };
    let out = super::conv_shape_tuple(
        &take(lhs_shape, &dn.lhs_spec),
        &take(rhs_shape, &dn.rhs_spec),
        window_strides,
        padding,
        1,
    );
    unpermute(&out, &dn.out_spec)
}

/// The shape in a layout given the shape in canonical `N, C, spatial...` order.
fn unpermute(canonical: &[usize], spec: &[usize]) -> Vec<usize> {
    let mut out = vec![0; canonical.len()];
    for (k, &a) in spec.iter().enumerate() {
        out[a] = canonical[k];
    }
    out
}

/// `jax.lax.conv_transpose_shape_tuple`: the output shape of [`conv_transpose`] for operands
/// of the given shapes and layouts (`"SAME"`/`"VALID"` read as the forward convolution's
/// padding of the undilated kernel, explicit pairs as the dilated input's padding).
///
/// ```
/// use equinox_core::lax;
/// let dn = lax::conv_dimension_numbers("NHWC", "HWIO", "NHWC");
/// let out = lax::conv_transpose_shape_tuple(&[1, 4, 4, 3], &[3, 3, 3, 8], &[2, 2], "SAME", &dn);
/// assert_eq!(out, vec![1, 8, 8, 8]);
/// ```
pub fn conv_transpose_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    dimension_numbers: &ConvDimensionNumbers,
) -> Vec<usize> {
    let dn = dimension_numbers;
    let ns = window_strides.len();
    let lhs: Vec<i64> = dn.lhs_spec.iter().map(|&a| lhs_shape[a] as i64).collect();
    let rhs: Vec<i64> = dn.rhs_spec.iter().map(|&a| rhs_shape[a] as i64).collect();
    let padding = padding.into();
    let pads: Vec<(i64, i64)> = match &padding {
        PaddingSpec::Explicit(p) => p.clone(),
        spec => (0..ns)
            .map(|d| conv_transpose_padding(rhs[2 + d], window_strides[d] as i64, spec, None))
            .collect(),
    };
    if pads.len() != ns || lhs.len() != ns + 2 {
        panic!(
            "conv_transpose_shape_tuple: {ns} strides and padding {pads:?} must match the \
             spatial axes of {lhs_shape:?}"
        );
    }
    let mut canonical = vec![lhs[0] as usize, rhs[0] as usize];
    for d in 0..ns {
        let size =
            (lhs[2 + d] - 1) * window_strides[d] as i64 - rhs[2 + d] + 2 + pads[d].0 + pads[d].1;
        canonical.push(size.max(0) as usize);
    }
    unpermute(&canonical, &dn.out_spec)
}

/// `jax.lax.conv_general_dilated_local`: a locally connected ("unshared") convolution, a
/// separate kernel at every output position. `rhs` has the kernel layout of
/// `dimension_numbers` (default `OI...`) with shape: output features at `O`,
/// `C * prod(filter_shape)` input features at `I` (ordered as
/// [`conv_general_dilated_patches`] orders them), and the output's spatial sizes at the
/// spatial positions.
///
/// ```
/// use equinox_core::{lax, numpy as jnp};
/// let x = jnp::ones([2, 3, 5, 5]); // N C H W
/// // 4 output features, 3 channels × 2×2 window, a 4×4 grid of output positions.
/// let w = jnp::ones([4, 12, 4, 4]);
/// let y = lax::conv_general_dilated_local(&x, &w, &[1, 1], "VALID", &[2, 2]);
/// assert_eq!(y.shape(), &[2, 4, 4, 4]);
/// assert_eq!(y.to_vec::<f32>()[0], 12.0);
/// ```
pub fn conv_general_dilated_local(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    filter_shape: &[usize],
) -> Array {
    conv_general_dilated_local_with(
        lhs,
        rhs,
        window_strides,
        padding,
        filter_shape,
        &ConvPatchesOptions::default(),
    )
}

/// [`conv_general_dilated_local`] with dilations, layouts and result dtype
/// ([`ConvPatchesOptions`]).
pub fn conv_general_dilated_local_with(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: impl Into<PaddingSpec>,
    filter_shape: &[usize],
    options: &ConvPatchesOptions,
) -> Array {
    let patches =
        conv_general_dilated_patches_with(lhs, filter_shape, window_strides, padding, options);
    let nd = lhs.ndim();
    if rhs.ndim() != nd {
        panic!(
            "conv_general_dilated_local: lhs and rhs must have the same rank; got {} and {}",
            lhs.aval(),
            rhs.aval()
        );
    }
    let dn = options
        .dimension_numbers
        .clone()
        .unwrap_or_else(|| ConvDimensionNumbers::default_for_rank(nd));
    let (out_spec, rhs_spec) = (&dn.out_spec, &dn.rhs_spec);
    // Contract the patch features with the kernel's input features; the spatial axes are
    // batch axes (one kernel per output position), matched in the output's axis order.
    let mut order: Vec<usize> = (0..nd - 2).collect();
    order.sort_by_key(|&k| out_spec[2 + k]);
    let lhs_batch: Vec<usize> = order.iter().map(|&k| out_spec[2 + k]).collect();
    let rhs_batch: Vec<usize> = order.iter().map(|&k| rhs_spec[2 + k]).collect();
    let dims =
        super::DotDimensionNumbers::new((&[out_spec[1]], &[rhs_spec[1]]), (&lhs_batch, &rhs_batch));
    let out = super::dot_general(&patches, rhs, dims, options.preferred_element_type);
    let perm = moveaxis_permutation(nd, &[nd - 2, nd - 1], &[out_spec[0], out_spec[1]]);
    super::transpose(&out, &perm)
}
