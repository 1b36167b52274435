//! The per-spatial-axis arguments of Equinox's convolution and pooling layers: sizes given as
//! one int or one per axis ([`Sizes`]), padding given as an int, per-axis ints, `(low, high)`
//! pairs or a string ([`Padding`]), and the padding mode of a convolution ([`PaddingMode`]).

use crate::lax::{padtype_to_pads, PaddingSpec};
use crate::Array;
use std::fmt;

/// A size per spatial axis, given as Equinox takes `kernel_size`, `stride`, `dilation` and
/// `output_padding`: one number for every axis, or one per axis.
///
/// `usize`, arrays, slices and `Vec`s of `usize` convert into it, so arguments read as in
/// Python (`3.into()`, `[3, 2].into()`).
///
/// ```
/// use equinox::nn::Sizes;
/// assert_eq!(Sizes::from(3).resolve("nn::Conv", 2), vec![3, 3]);
/// assert_eq!(Sizes::from([3, 2]).resolve("nn::Conv", 2), vec![3, 2]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Sizes {
    /// The same size along every spatial axis (a Python `int`).
    All(usize),
    /// One size per spatial axis (a Python sequence).
    Each(Vec<usize>),
}

impl Sizes {
    /// One size per axis for `num_spatial_dims` axes (Equinox's `_ntuple`). Panics, naming
    /// `layer`, if a per-axis list has the wrong length.
    pub fn resolve(&self, layer: &str, num_spatial_dims: usize) -> Vec<usize> {
        match self {
            Sizes::All(n) => vec![*n; num_spatial_dims],
            Sizes::Each(v) if v.len() == num_spatial_dims => v.clone(),
            Sizes::Each(v) => panic!(
                "{layer}: Length of {v:?} (length = {}) is not equal to {num_spatial_dims}",
                v.len()
            ),
        }
    }
}

impl From<usize> for Sizes {
    fn from(n: usize) -> Sizes {
        Sizes::All(n)
    }
}
impl From<Vec<usize>> for Sizes {
    fn from(v: Vec<usize>) -> Sizes {
        Sizes::Each(v)
    }
}
impl From<&[usize]> for Sizes {
    fn from(v: &[usize]) -> Sizes {
        Sizes::Each(v.to_vec())
    }
}
impl<const N: usize> From<[usize; N]> for Sizes {
    fn from(v: [usize; N]) -> Sizes {
        Sizes::Each(v.to_vec())
    }
}

/// The padding of a convolution or pooling layer, in each form Equinox accepts: an int for
/// both sides of every axis, one int per axis, a `(low, high)` pair per axis, or one of the
/// strings `"VALID"`, `"SAME"`, `"SAME_LOWER"` (convolutions only).
///
/// Layers store it normalised as Equinox does (`_padding_init`): strings stay strings
/// ([`Padding::Valid`], [`Padding::Same`], [`Padding::SameLower`]) and every number form
/// becomes [`Padding::Pairs`].
///
/// ```
/// use equinox::nn::Padding;
/// assert_eq!(Padding::from(1).normalise("nn::Conv", 2), Padding::Pairs(vec![(1, 1), (1, 1)]));
/// assert_eq!(Padding::from([1, 2]).normalise("nn::Conv", 2), Padding::Pairs(vec![(1, 1), (2, 2)]));
/// assert_eq!(Padding::from([(1, 0), (0, 2)]).normalise("nn::Conv", 2), Padding::Pairs(vec![(1, 0), (0, 2)]));
/// assert_eq!(Padding::from("same"), Padding::Same);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Padding {
    /// `"VALID"`: no padding.
    Valid,
    /// `"SAME"`: pad so the output has `ceil(input / stride)` positions, the odd unit at the
    /// end.
    Same,
    /// `"SAME_LOWER"`: as [`Padding::Same`] with the odd unit at the start.
    SameLower,
    /// The same amount before and after every axis (a Python `int`).
    All(usize),
    /// The same amount before and after, one amount per axis (a sequence of ints).
    Each(Vec<usize>),
    /// `(before, after)` per axis (a sequence of pairs).
    Pairs(Vec<(usize, usize)>),
}

impl Padding {
    /// The padding as the layer stores it for `num_spatial_dims` axes: a string form, or
    /// [`Padding::Pairs`]. Panics, naming `layer`, with Equinox's message if a per-axis form
    /// has the wrong length.
    pub fn normalise(&self, layer: &str, num_spatial_dims: usize) -> Padding {
        match self {
            Padding::All(p) => Padding::Pairs(vec![(*p, *p); num_spatial_dims]),
            Padding::Each(v) if v.len() == num_spatial_dims => {
                Padding::Pairs(v.iter().map(|&p| (p, p)).collect())
            }
            Padding::Pairs(v) if v.len() == num_spatial_dims => Padding::Pairs(v.clone()),
            Padding::Each(_) | Padding::Pairs(_) => panic!(
                "{layer}: `padding` must either be a string, an int, or tuple of length \
                 {num_spatial_dims} containing ints or tuples of length 2, got {self:?}"
            ),
            string => string.clone(),
        }
    }

    /// Whether this is one of the string forms.
    pub fn is_string(&self) -> bool {
        matches!(self, Padding::Valid | Padding::Same | Padding::SameLower)
    }

    /// Explicit `(low, high)` pads for an input of spatial shape `in_shape` and (dilated)
    /// window `window_shape` (`lax.padtype_to_pads` for a string form).
    pub(crate) fn pads(
        &self,
        in_shape: &[usize],
        window_shape: &[usize],
        strides: &[usize],
    ) -> Vec<(i64, i64)> {
        match self.spec(in_shape.len()) {
            PaddingSpec::Explicit(p) => p,
            spec => padtype_to_pads(in_shape, window_shape, strides, &spec),
        }
    }

    /// The `lax` padding argument for `num_spatial_dims` axes.
    pub(crate) fn spec(&self, num_spatial_dims: usize) -> PaddingSpec {
        match self.normalise("padding", num_spatial_dims) {
            Padding::Valid => PaddingSpec::Valid,
            Padding::Same => PaddingSpec::Same,
            Padding::SameLower => PaddingSpec::SameLower,
            Padding::Pairs(p) => {
                PaddingSpec::Explicit(p.iter().map(|&(a, b)| (a as i64, b as i64)).collect())
            }
            Padding::All(_) | Padding::Each(_) => unreachable!("normalise gives pairs"),
        }
    }
}

impl From<usize> for Padding {
    fn from(p: usize) -> Padding {
        Padding::All(p)
    }
}
impl From<Vec<usize>> for Padding {
    fn from(v: Vec<usize>) -> Padding {
        Padding::Each(v)
    }
}
impl<const N: usize> From<[usize; N]> for Padding {
    fn from(v: [usize; N]) -> Padding {
        Padding::Each(v.to_vec())
    }
}
impl From<Vec<(usize, usize)>> for Padding {
    fn from(v: Vec<(usize, usize)>) -> Padding {
        Padding::Pairs(v)
    }
}
impl<const N: usize> From<[(usize, usize); N]> for Padding {
    fn from(v: [(usize, usize); N]) -> Padding {
        Padding::Pairs(v.to_vec())
    }
}
impl From<&str> for Padding {
    /// `"VALID"`, `"SAME"` or `"SAME_LOWER"`, in any case (Equinox upper-cases the string).
    /// Panics with Equinox's message on any other string.
    fn from(s: &str) -> Padding {
        match s.to_ascii_uppercase().as_str() {
            "VALID" => Padding::Valid,
            "SAME" => Padding::Same,
            "SAME_LOWER" => Padding::SameLower,
            _ => panic!(
                "padding: `padding` string must be `'SAME'`, `'SAME_LOWER'`, or `'VALID'`, \
                 got {s:?}"
            ),
        }
    }
}

impl fmt::Debug for Padding {
    /// Strings print as Rust strings (`"SAME"`), the number forms as Rust values.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Padding::Valid => f.write_str("\"VALID\""),
            Padding::Same => f.write_str("\"SAME\""),
            Padding::SameLower => f.write_str("\"SAME_LOWER\""),
            Padding::All(p) => write!(f, "{p}"),
            Padding::Each(v) => write!(f, "{v:?}"),
            Padding::Pairs(v) => write!(f, "{v:?}"),
        }
    }
}

/// How a convolution fills its padding (Equinox's `padding_mode`), for an axis `1234` padded
/// by two on each side.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PaddingMode {
    /// `"ZEROS"` (the default): `00123400`.
    #[default]
    Zeros,
    /// `"REFLECT"`: the reflection about the edge, `32123432`.
    Reflect,
    /// `"REPLICATE"`: the edge value repeated, `11123444`.
    Replicate,
    /// `"CIRCULAR"`: the axis wrapped around, `34123412`.
    Circular,
}

impl From<&str> for PaddingMode {
    /// `"ZEROS"`, `"REFLECT"`, `"REPLICATE"` or `"CIRCULAR"`, in any case. Panics with
    /// Equinox's message on any other string.
    fn from(s: &str) -> PaddingMode {
        match s.to_ascii_uppercase().as_str() {
            "ZEROS" => PaddingMode::Zeros,
            "REFLECT" => PaddingMode::Reflect,
            "REPLICATE" => PaddingMode::Replicate,
            "CIRCULAR" => PaddingMode::Circular,
            _ => panic!(
                "padding_mode: `padding_mode` must be `'ZEROS'`, `'REFLECT'`, `'REPLICATE'`, \
                 or `'CIRCULAR'`, got {s:?}"
            ),
        }
    }
}

impl fmt::Debug for PaddingMode {
    /// As Equinox stores it, in Rust string syntax: `"ZEROS"`, `"REFLECT"`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PaddingMode::Zeros => "\"ZEROS\"",
            PaddingMode::Reflect => "\"REFLECT\"",
            PaddingMode::Replicate => "\"REPLICATE\"",
            PaddingMode::Circular => "\"CIRCULAR\"",
        })
    }
}

/// `jnp.pad(x, pads, mode)` for the modes a convolution uses (`"reflect"`, `"edge"`,
/// `"wrap"`), padding axis `first_axis + i` by `pads[i]`, through
/// [`numpy::pad_with`](crate::numpy::pad_with): built from slices, reversals and
/// concatenations as JAX's is, so the gradient sums back onto the positions each copy came
/// from; pads wider than the axis keep reflecting or wrapping, as numpy does.
pub(crate) fn pad_with_mode(
    x: &Array,
    first_axis: usize,
    pads: &[(usize, usize)],
    mode: PaddingMode,
) -> Array {
    use crate::numpy::{pad_with, PadMode, ReflectType};
    for (i, &(lo, hi)) in pads.iter().enumerate() {
        let axis = first_axis + i;
        if (lo > 0 || hi > 0) && x.shape()[axis] == 0 {
            panic!(
                "pad: cannot pad an empty axis {axis} of an array of shape {} with mode {mode:?}",
                x.shape_obj()
            );
        }
    }
    let mode = match mode {
        PaddingMode::Replicate => PadMode::Edge,
        PaddingMode::Circular => PadMode::Wrap,
        PaddingMode::Reflect => PadMode::Reflect {
            reflect_type: ReflectType::Even,
        },
        PaddingMode::Zeros => unreachable!("zero padding goes to the convolution"),
    };
    let mut widths = vec![(0, 0); x.ndim()];
    widths[first_axis..first_axis + pads.len()].copy_from_slice(pads);
    pad_with(x, &widths, mode.into())
}
