//! The transforms of `jnp.fft`: one-dimensional (`fft`, `ifft`, `rfft`, `irfft`, `hfft`,
//! `ihfft`), two-dimensional (`fft2`, ...) and n-dimensional (`fftn`, ...), each with JAX's `n`
//! / `s` (crop or zero-pad), `axis` / `axes` and `norm` arguments, on the `fft` primitive
//! ([`crate::lax::fft`]), so every transformation applies.

use crate::array::{normalize_axis, Array};
use crate::lax::{self, FftType};
use crate::prims::complex::ComplexOp;
use crate::prims::{bind1, rules::py_tuple};

/// How a transform is scaled (numpy's `norm` argument).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FftNorm {
    /// Forward transforms unscaled, inverse ones divided by the number of points (numpy's
    /// default).
    #[default]
    Backward,
    /// Both directions divided by the square root of the number of points (unitary).
    Ortho,
    /// Forward transforms divided by the number of points, inverse ones unscaled.
    Forward,
}

/// The options of the one-dimensional transforms ([`fft_with`], [`rfft_with`], ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FftOptions {
    /// The number of points of the transform (for `irfft`/`hfft`: of the real output): the
    /// input is cropped or zero-padded to it along `axis`. `None`: the input's length (for
    /// `irfft`/`hfft`: `2 (m - 1)`).
    pub n: Option<usize>,
    /// The axis transformed (negative counts from the end). Default `-1`.
    pub axis: isize,
    /// The scaling. Default [`FftNorm::Backward`].
    pub norm: FftNorm,
}

impl Default for FftOptions {
    fn default() -> Self {
        FftOptions {
            n: None,
            axis: -1,
            norm: FftNorm::Backward,
        }
    }
}

/// The options of the two- and n-dimensional transforms ([`fftn_with`], [`fft2_with`], ...).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FftnOptions {
    /// The number of points along each transformed axis (the input is cropped or zero-padded
    /// to it; for the real inverses, the last entry is the real output's length). `None`: the
    /// input's lengths.
    pub s: Option<Vec<usize>>,
    /// The axes transformed, distinct. `None`: the last `s.len()` axes when `s` is given, else
    /// every axis (for the two-dimensional functions: `[-2, -1]`).
    pub axes: Option<Vec<isize>>,
    /// The scaling. Default [`FftNorm::Backward`].
    pub norm: FftNorm,
}

/// JAX's `_fft_core`: moves `axes` last, crops/pads to `s`, runs the primitive over the
/// trailing axes, scales for `norm` and moves the axes back.
fn fft_core(
    name: &str,
    fft_type: FftType,
    a: &Array,
    s: Option<&[usize]>,
    axes: Option<&[isize]>,
    norm: FftNorm,
) -> Array {
    let full_name = format!("jax.numpy.fft.{name}");
    if let Some(s) = s {
        if s.contains(&0) {
            panic!("{full_name}: Shape should be positive. (got s = {s:?})");
        }
        if let Some(axes) = axes
            && axes.len() != s.len()
        {
            panic!(
                "{full_name}: Shape and axes have different lengths. (s = {s:?}, axes = \
                     {axes:?})"
            );
        }
    }
    let ndim = a.ndim();
    let given_axes = axes;
    let axes: Vec<usize> = match (axes, s) {
        (Some(axes), _) => axes
            .iter()
            .map(|&ax| normalize_axis(ax, ndim, &full_name))
            .collect(),
        (None, Some(s)) => {
            if s.len() > ndim {
                panic!(
                    "{full_name}: s {s:?} has more entries than the input (shape {:?}) has axes",
                    a.shape()
                );
            }
            (ndim - s.len()..ndim).collect()
        }
        (None, None) => (0..ndim).collect(),
    };
    let mut seen = axes.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != axes.len() {
        panic!(
            "{full_name} does not support repeated axes. Got axes {}.",
            py_tuple(given_axes.unwrap_or(&[]))
        );
    }
    // Transformed axes go last, in the order given.
    let k = axes.len();
    let mut perm: Vec<usize> = (0..ndim).filter(|d| !axes.contains(d)).collect();
    perm.extend(&axes);
    let moved = perm.iter().enumerate().any(|(i, &p)| i != p);
    let mut arr = if moved {
        crate::numpy::transpose(
            a,
            Some(&perm.iter().map(|&p| p as isize).collect::<Vec<_>>()),
        )
    } else {
        a.clone()
    };
    let lengths: Vec<usize> = match s {
        Some(s) => {
            // Crop or zero-pad each transformed axis to its target length.
            let mut target = arr.shape().to_vec();
            target[ndim - k..].copy_from_slice(s);
            if fft_type == FftType::Irfft {
                target[ndim - 1] = s[k - 1] / 2 + 1;
            }
            if target.as_slice() != arr.shape() {
                let config: Vec<(i64, i64, i64)> = arr
                    .shape()
                    .iter()
                    .zip(&target)
                    .map(|(&have, &want)| (0, want as i64 - have as i64, 0))
                    .collect();
                let zero = Array::from_vec(vec![0.0f64], Vec::<usize>::new()).astype(arr.dtype());
                arr = lax::pad(&arr, &zero, &config);
            }
            s.to_vec()
        }
        None => {
            let shape = &arr.shape()[ndim - k..];
            let mut lengths = shape.to_vec();
            if fft_type == FftType::Irfft
                && let Some(last) = lengths.last_mut()
            {
                *last = 2 * last.saturating_sub(1);
            }
            lengths
        }
    };
    let mut out = lax::fft(&arr, fft_type, &lengths);
    if norm != FftNorm::Backward {
        let points: f64 = lengths.iter().map(|&l| l as f64).product();
        let inverse = name.starts_with('i');
        let factor = match (norm, inverse) {
            (FftNorm::Ortho, true) => points.sqrt(),
            (FftNorm::Ortho, false) => 1.0 / points.sqrt(),
            (FftNorm::Forward, true) => points,
            _ => 1.0 / points,
        };
        out = scale(&out, factor);
    }
    if moved {
        let mut inverse = vec![0isize; ndim];
        for (i, &p) in perm.iter().enumerate() {
            inverse[p] = i as isize;
        }
        out = crate::numpy::transpose(&out, Some(&inverse));
    }
    out
}

/// `x * factor` with `factor` in `x`'s dtype (no promotion).
fn scale(x: &Array, factor: f64) -> Array {
    let c = Array::from_vec(vec![factor], Vec::<usize>::new()).astype(x.dtype());
    crate::numpy::multiply(x, &c)
}

/// A one-dimensional transform through [`fft_core`].
fn fft_1d(name: &str, fft_type: FftType, a: &Array, options: FftOptions) -> Array {
    let s = options.n.map(|n| [n]);
    fft_core(
        name,
        fft_type,
        a,
        s.as_ref().map(|s| s.as_slice()),
        Some(&[options.axis]),
        options.norm,
    )
}

/// A two-dimensional transform: `axes` defaults to `[-2, -1]` and must name two axes.
fn fft_2d(name: &str, fft_type: FftType, a: &Array, options: FftnOptions) -> Array {
    let axes = options.axes.unwrap_or_else(|| vec![-2, -1]);
    if axes.len() != 2 {
        panic!(
            "jax.numpy.fft.{name} only supports 2 axes. Got axes = {}.",
            py_tuple(&axes)
        );
    }
    fft_core(
        name,
        fft_type,
        a,
        options.s.as_deref(),
        Some(&axes),
        options.norm,
    )
}

macro_rules! one_dimensional {
    ($(#[$doc:meta])* $name:ident, $with:ident, $ty:expr) => {
        $(#[$doc])*
        pub fn $name(a: &Array) -> Array {
            $with(a, FftOptions::default())
        }

        #[doc = concat!("[`", stringify!($name), "`] with `n`, `axis` and `norm`.")]
        pub fn $with(a: &Array, options: FftOptions) -> Array {
            fft_1d(stringify!($name), $ty, a, options)
        }
    };
}

macro_rules! multi_dimensional {
    ($(#[$doc:meta])* $name:ident, $with:ident, $ty:expr, $core:ident) => {
        $(#[$doc])*
        pub fn $name(a: &Array) -> Array {
            $with(a, FftnOptions::default())
        }

        #[doc = concat!("[`", stringify!($name), "`] with `s`, `axes` and `norm`.")]
        pub fn $with(a: &Array, options: FftnOptions) -> Array {
            $core(stringify!($name), $ty, a, options)
        }
    };
}

fn fft_nd(name: &str, fft_type: FftType, a: &Array, options: FftnOptions) -> Array {
    fft_core(
        name,
        fft_type,
        a,
        options.s.as_deref(),
        options.axes.as_deref(),
        options.norm,
    )
}

one_dimensional!(
    /// `jnp.fft.fft(a)`: the discrete Fourier transform along the last axis (real input
    /// becomes complex).
    ///
    /// ```
    /// use equinox_core::{numpy as jnp, Array, Complex32};
    /// let x = Array::from_vec(vec![1.0f32, 0.0, -1.0, 0.0], [4]);
    /// let y = jnp::fft::fft(&x).to_vec::<Complex32>();
    /// assert_eq!(y, vec![Complex32::new(0.0, 0.0), Complex32::new(2.0, 0.0),
    ///                    Complex32::new(0.0, 0.0), Complex32::new(2.0, 0.0)]);
    /// ```
    fft,
    fft_with,
    FftType::Fft
);
one_dimensional!(
    /// `jnp.fft.ifft(a)`: the inverse discrete Fourier transform along the last axis.
    ifft,
    ifft_with,
    FftType::Ifft
);
one_dimensional!(
    /// `jnp.fft.rfft(a)`: the transform of real input along the last axis, keeping the
    /// `n / 2 + 1` non-negative frequencies.
    ///
    /// ```
    /// use equinox_core::{numpy as jnp, Array, Complex32};
    /// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]);
    /// let y = jnp::fft::rfft(&x).to_vec::<Complex32>();
    /// assert_eq!(y, vec![Complex32::new(10.0, 0.0), Complex32::new(-2.0, 2.0),
    ///                    Complex32::new(-2.0, 0.0)]);
    /// ```
    rfft,
    rfft_with,
    FftType::Rfft
);
one_dimensional!(
    /// `jnp.fft.irfft(a)`: the real inverse of [`rfft`]; `2 (m - 1)` real points from `m`
    /// frequencies unless `n` says otherwise.
    irfft,
    irfft_with,
    FftType::Irfft
);

/// `jnp.fft.hfft(a)`: the transform of a Hermitian-symmetric signal given by its first half
/// (a real spectrum): `irfft(conj(a)) * n`.
pub fn hfft(a: &Array) -> Array {
    hfft_with(a, FftOptions::default())
}

/// [`hfft`] with `n`, `axis` and `norm`.
pub fn hfft_with(a: &Array, options: FftOptions) -> Array {
    let conj = conj(a);
    let axis = normalize_axis(options.axis, a.ndim(), "jax.numpy.fft.hfft");
    let n = options
        .n
        .unwrap_or_else(|| 2 * a.shape()[axis].saturating_sub(1));
    scale(&fft_1d("hfft", FftType::Irfft, &conj, options), n as f64)
}

/// `jnp.fft.ihfft(a)`: the inverse of [`hfft`] for real input: `conj(rfft(a)) / n`.
pub fn ihfft(a: &Array) -> Array {
    ihfft_with(a, FftOptions::default())
}

/// [`ihfft`] with `n`, `axis` and `norm`.
pub fn ihfft_with(a: &Array, options: FftOptions) -> Array {
    let axis = normalize_axis(options.axis, a.ndim(), "jax.numpy.fft.ihfft");
    let n = options.n.unwrap_or(a.shape()[axis]);
    let out = fft_1d("ihfft", FftType::Rfft, a, options);
    scale(&conj(&out), 1.0 / n as f64)
}

/// `jnp.conj`: the conjugate of complex input, real input unchanged.
fn conj(x: &Array) -> Array {
    if x.dtype().is_complex() {
        bind1(ComplexOp::Conj, &[x])
    } else {
        x.clone()
    }
}

multi_dimensional!(
    /// `jnp.fft.fft2(a)`: the two-dimensional transform over the last two axes.
    fft2,
    fft2_with,
    FftType::Fft,
    fft_2d
);
multi_dimensional!(
    /// `jnp.fft.ifft2(a)`: the two-dimensional inverse transform over the last two axes.
    ifft2,
    ifft2_with,
    FftType::Ifft,
    fft_2d
);
multi_dimensional!(
    /// `jnp.fft.rfft2(a)`: the two-dimensional transform of real input (the last axis keeps
    /// its non-negative frequencies).
    rfft2,
    rfft2_with,
    FftType::Rfft,
    fft_2d
);
multi_dimensional!(
    /// `jnp.fft.irfft2(a)`: the real inverse of [`rfft2`].
    irfft2,
    irfft2_with,
    FftType::Irfft,
    fft_2d
);
multi_dimensional!(
    /// `jnp.fft.fftn(a)`: the n-dimensional transform (every axis by default).
    ///
    /// ```
    /// use equinox_core::{numpy as jnp, Array, Complex32};
    /// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
    /// let y = jnp::fft::fftn(&x).to_vec::<Complex32>();
    /// let re: Vec<f32> = y.iter().map(|z| z.re).collect();
    /// assert_eq!(re, vec![10.0, -2.0, -4.0, 0.0]);
    /// ```
    fftn,
    fftn_with,
    FftType::Fft,
    fft_nd
);
multi_dimensional!(
    /// `jnp.fft.ifftn(a)`: the n-dimensional inverse transform.
    ifftn,
    ifftn_with,
    FftType::Ifft,
    fft_nd
);
multi_dimensional!(
    /// `jnp.fft.rfftn(a)`: the n-dimensional transform of real input.
    rfftn,
    rfftn_with,
    FftType::Rfft,
    fft_nd
);
multi_dimensional!(
    /// `jnp.fft.irfftn(a)`: the real inverse of [`rfftn`].
    irfftn,
    irfftn_with,
    FftType::Irfft,
    fft_nd
);
