//! `jax.nn.initializers`: functions that make initial parameter arrays from a key, a shape and
//! a dtype.
//!
//! In JAX an initialiser is a function `init(key, shape, dtype)` returned by a builder
//! (`glorot_uniform()`, `variance_scaling(2.0, "fan_in", "uniform")`, ...). Here the builders
//! return an [`Initializer`], whose [`init`](Initializer::init) takes the key and shape and uses
//! the builder's dtype (float32 unless the options say otherwise), and whose
//! [`init_with_dtype`](Initializer::init_with_dtype) takes the dtype as JAX's third argument
//! does. `zeros` and `ones`, which are initialisers themselves in JAX, are plain functions.
//!
//! The results equal JAX's for the same key: bit for bit for the uniform-based initialisers
//! and the constants; the normal-based ones inherit [`random::normal`]'s agreement (bit for bit
//! for nearly every draw, otherwise within a few ulp); [`orthogonal`] and [`delta_orthogonal`]
//! factor the sample with our own QR decomposition, so they agree to rounding (JAX calls
//! LAPACK). Complex dtypes are not supported (there are none in this crate).
//!
//! ```
//! use equinox_core::nn::initializers;
//! use equinox_core::{random, DType};
//!
//! let init = initializers::glorot_uniform();
//! let w = init.init(random::key(0), [3, 5]);
//! assert_eq!((w.shape(), w.dtype()), (&[3usize, 5][..], DType::F32));
//! // Glorot: uniform in ±sqrt(6 / (fan_in + fan_out)).
//! let lim = (6.0f32 / 8.0).sqrt();
//! assert!(w.to_vec::<f32>().iter().all(|v| v.abs() < lim));
//!
//! let he = initializers::he_normal_with_options(initializers::FanOptions {
//!     in_axis: 1.into(),
//!     out_axis: 0.into(),
//!     ..Default::default()
//! });
//! let kernel = he.init_with_dtype(random::key(1), [8, 4, 3, 3], DType::F64);
//! assert_eq!(kernel.dtype(), DType::F64);
//! ```

use std::fmt;
use std::sync::Arc;

use crate::array::{Array, DType, Shape};
use crate::numpy as jnp;
use crate::random::{self, Key};

/// The signature every initialiser has: key, shape, dtype.
type InitFn = dyn Fn(Key, &[usize], DType) -> Array + Send + Sync;

/// An initialiser, as the `jax.nn.initializers` builders return it: a function of a key, a
/// shape and a dtype, with a default dtype (the builder's `dtype` argument).
///
/// It is cheap to clone (the function is shared).
#[derive(Clone)]
pub struct Initializer {
    f: Arc<InitFn>,
    dtype: DType,
}

impl Initializer {
    /// An initialiser from any function of `(key, shape, dtype)`, with `dtype` as its default
    /// dtype. For example `Initializer::new(DType::F32, initializers::zeros_with_dtype)`.
    pub fn new(
        dtype: DType,
        f: impl Fn(Key, &[usize], DType) -> Array + Send + Sync + 'static,
    ) -> Initializer {
        Initializer {
            f: Arc::new(f),
            dtype,
        }
    }

    /// `init(key, shape)`: an array of `shape` in the initialiser's default dtype.
    pub fn init(&self, key: Key, shape: impl Into<Shape>) -> Array {
        self.init_with_dtype(key, shape, self.dtype)
    }

    /// `init(key, shape, dtype)`: an array of `shape` and `dtype`.
    pub fn init_with_dtype(&self, key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
        let shape = shape.into();
        (self.f)(key, &shape.0, dtype)
    }

    /// The default dtype, used by [`Initializer::init`].
    pub fn dtype(&self) -> DType {
        self.dtype
    }
}

impl fmt::Debug for Initializer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Initializer(dtype={:?})", self.dtype)
    }
}

/// `jax.nn.initializers.zeros(key, shape)`: float32 zeros (the key is ignored).
pub fn zeros(key: Key, shape: impl Into<Shape>) -> Array {
    zeros_with_dtype(key, &shape.into().0, DType::F32)
}

/// `jax.nn.initializers.zeros(key, shape, dtype)`.
pub fn zeros_with_dtype(_key: Key, shape: &[usize], dtype: DType) -> Array {
    jnp::zeros_dtype(shape, dtype)
}

/// `jax.nn.initializers.ones(key, shape)`: float32 ones (the key is ignored).
pub fn ones(key: Key, shape: impl Into<Shape>) -> Array {
    ones_with_dtype(key, &shape.into().0, DType::F32)
}

/// `jax.nn.initializers.ones(key, shape, dtype)`.
pub fn ones_with_dtype(_key: Key, shape: &[usize], dtype: DType) -> Array {
    jnp::ones_dtype(shape, dtype)
}

/// A Python float argument as a 0-d array of `dtype`: outside float64 it passes through
/// float32 first, as JAX's weakly typed float32 constants do.
fn user_float(v: f64, dtype: DType) -> Array {
    if dtype == DType::F64 {
        Array::scalar(v)
    } else {
        Array::scalar(v as f32).astype(dtype)
    }
}

fn check_float(op: &str, dtype: DType) {
    if !dtype.is_float() {
        panic!(
            "initializers.{op}: the dtype must be a floating type, got {dtype:?} (complex \
             initialisation is not supported)"
        );
    }
}

/// `jax.nn.initializers.constant(value)`: arrays full of `value`, float32 by default.
///
/// ```
/// use equinox_core::{nn::initializers, random};
/// let c = initializers::constant(-7.0).init(random::key(0), [2, 3]);
/// assert_eq!(c.to_vec::<f32>(), vec![-7.0; 6]);
/// ```
pub fn constant(value: f64) -> Initializer {
    constant_with_dtype(value, DType::F32)
}

/// `jax.nn.initializers.constant(value, dtype)`.
pub fn constant_with_dtype(value: f64, dtype: DType) -> Initializer {
    Initializer::new(dtype, move |_key, shape, dtype| {
        user_float(value, dtype).broadcast_to(shape)
    })
}

/// The options of [`uniform_with_options`], with JAX's defaults (`scale = 1e-2`, float32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UniformOptions {
    /// The upper bound: values are in `[0, scale)`.
    pub scale: f64,
    /// The default dtype.
    pub dtype: DType,
}

impl Default for UniformOptions {
    fn default() -> UniformOptions {
        UniformOptions {
            scale: 1e-2,
            dtype: DType::F32,
        }
    }
}

/// `jax.nn.initializers.uniform()`: uniform in `[0, 0.01)`.
pub fn uniform() -> Initializer {
    uniform_with_options(UniformOptions::default())
}

/// `jax.nn.initializers.uniform(scale, dtype)`: `random.uniform(key, shape, dtype) * scale`,
/// uniform in `[0, scale)`.
pub fn uniform_with_options(options: UniformOptions) -> Initializer {
    let scale = options.scale;
    Initializer::new(options.dtype, move |key, shape, dtype| {
        check_float("uniform", dtype);
        &random::uniform(key, shape, dtype, 0.0, 1.0) * &user_float(scale, dtype)
    })
}

/// The options of [`normal_with_options`], with JAX's defaults (`stddev = 1e-2`, float32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormalOptions {
    /// The standard deviation.
    pub stddev: f64,
    /// The default dtype.
    pub dtype: DType,
}

impl Default for NormalOptions {
    fn default() -> NormalOptions {
        NormalOptions {
            stddev: 1e-2,
            dtype: DType::F32,
        }
    }
}

/// `jax.nn.initializers.normal()`: normal with mean 0 and standard deviation 0.01.
pub fn normal() -> Initializer {
    normal_with_options(NormalOptions::default())
}

/// `jax.nn.initializers.normal(stddev, dtype)`: `random.normal(key, shape, dtype) * stddev`.
pub fn normal_with_options(options: NormalOptions) -> Initializer {
    let stddev = options.stddev;
    Initializer::new(options.dtype, move |key, shape, dtype| {
        check_float("normal", dtype);
        &random::normal(key, shape, dtype) * &user_float(stddev, dtype)
    })
}

/// The options of [`truncated_normal_with_options`], with JAX's defaults (`stddev = 1e-2`,
/// bounds `-2` and `2`, float32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruncatedNormalOptions {
    /// The standard deviation of the distribution before truncation (JAX applies no
    /// correction for the truncation here, unlike [`variance_scaling`]).
    pub stddev: f64,
    /// The default dtype.
    pub dtype: DType,
    /// The lower bound, in standard deviations.
    pub lower: f64,
    /// The upper bound, in standard deviations.
    pub upper: f64,
}

impl Default for TruncatedNormalOptions {
    fn default() -> TruncatedNormalOptions {
        TruncatedNormalOptions {
            stddev: 1e-2,
            dtype: DType::F32,
            lower: -2.0,
            upper: 2.0,
        }
    }
}

/// `jax.nn.initializers.truncated_normal()`: a standard normal truncated to `(-2, 2)`, times
/// 0.01.
pub fn truncated_normal() -> Initializer {
    truncated_normal_with_options(TruncatedNormalOptions::default())
}

/// `jax.nn.initializers.truncated_normal(stddev, dtype, lower, upper)`:
/// `random.truncated_normal(key, lower, upper, shape, dtype) * stddev`.
pub fn truncated_normal_with_options(options: TruncatedNormalOptions) -> Initializer {
    let TruncatedNormalOptions {
        stddev,
        dtype,
        lower,
        upper,
    } = options;
    Initializer::new(dtype, move |key, shape, dtype| {
        check_float("truncated_normal", dtype);
        &random::truncated_normal(key, lower, upper, shape, dtype) * &user_float(stddev, dtype)
    })
}

/// An axis argument of the variance-scaling initialisers: one axis or several (JAX's
/// `int | Sequence[int]`). Axes may be negative, counting from the end.
///
/// `-2`, `vec![0, 1]` and `[0, 1]` convert into it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FanAxes {
    /// A single axis.
    One(isize),
    /// Several axes, whose sizes multiply (none: size 1).
    Many(Vec<isize>),
}

impl From<isize> for FanAxes {
    fn from(axis: isize) -> FanAxes {
        FanAxes::One(axis)
    }
}

impl From<i32> for FanAxes {
    fn from(axis: i32) -> FanAxes {
        FanAxes::One(axis as isize)
    }
}

impl From<Vec<isize>> for FanAxes {
    fn from(axes: Vec<isize>) -> FanAxes {
        FanAxes::Many(axes)
    }
}

impl<const N: usize> From<[isize; N]> for FanAxes {
    fn from(axes: [isize; N]) -> FanAxes {
        FanAxes::Many(axes.to_vec())
    }
}

impl FanAxes {
    /// The product of the sizes of these axes of `shape`.
    fn size(&self, shape: &[usize], op: &str) -> usize {
        let dim = |axis: isize| {
            let n = shape.len() as isize;
            let i = if axis < 0 { axis + n } else { axis };
            if i < 0 || i >= n {
                panic!("initializers.{op}: axis {axis} is out of range for the shape {shape:?}");
            }
            shape[i as usize]
        };
        match self {
            FanAxes::One(a) => dim(*a),
            FanAxes::Many(axes) => axes.iter().map(|&a| dim(a)).product(),
        }
    }
}

/// Which fan [`variance_scaling`] divides the scale by (JAX's `mode` string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FanMode {
    /// `"fan_in"`: the number of inputs.
    FanIn,
    /// `"fan_out"`: the number of outputs.
    FanOut,
    /// `"fan_avg"`: the mean of the two.
    FanAvg,
    /// `"fan_geo_avg"`: their geometric mean.
    FanGeoAvg,
}

/// The distribution [`variance_scaling`] draws from (JAX's `distribution` string).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Distribution {
    /// `"truncated_normal"`: a normal truncated at two standard deviations, rescaled so that
    /// the truncated distribution has the target variance.
    TruncatedNormal,
    /// `"normal"`.
    Normal,
    /// `"uniform"`: uniform in `±sqrt(3 * variance)`.
    Uniform,
}

/// The axis options of [`variance_scaling`] and the named initialisers built on it
/// (`glorot_*`, `he_*`, `lecun_*`), with JAX's defaults: inputs along axis `-2`, outputs along
/// `-1` (a `(in, out)` dense kernel), no batch axes, float32. Axes in none of these are the
/// receptive field (a convolution's spatial axes), which multiplies both fans.
#[derive(Clone, Debug, PartialEq)]
pub struct FanOptions {
    /// The input axis or axes.
    pub in_axis: FanAxes,
    /// The output axis or axes.
    pub out_axis: FanAxes,
    /// Axes that are ignored.
    pub batch_axis: FanAxes,
    /// The default dtype.
    pub dtype: DType,
}

impl Default for FanOptions {
    fn default() -> FanOptions {
        FanOptions {
            in_axis: FanAxes::One(-2),
            out_axis: FanAxes::One(-1),
            batch_axis: FanAxes::Many(Vec::new()),
            dtype: DType::F32,
        }
    }
}

/// `jax._src.nn.initializers._compute_fans`: `(fan_in, fan_out)` of a weight of `shape`.
fn compute_fans(shape: &[usize], options: &FanOptions, op: &str) -> (f64, f64) {
    if options.in_axis == FanAxes::One(-2) && shape.len() <= 1 {
        panic!(
            "initializers.{op}: Can't compute input and output sizes of a {}-dimensional \
             weights tensor with default in_axis. Must be at least 2D or specify in_axis \
             explicitly.",
            shape.len()
        );
    }
    let in_size = options.in_axis.size(shape, op);
    let out_size = options.out_axis.size(shape, op);
    let batch_size = options.batch_axis.size(shape, op);
    if in_size == 0 || out_size == 0 || batch_size == 0 {
        panic!(
            "initializers.{op}: the shape {shape:?} has a zero-sized input, output or batch \
             axis, so its fans are undefined (JAX raises ZeroDivisionError)"
        );
    }
    // The same float divisions, in the same order, as JAX.
    let total: usize = shape.iter().product();
    let receptive_field = total as f64 / in_size as f64 / out_size as f64 / batch_size as f64;
    (
        in_size as f64 * receptive_field,
        out_size as f64 * receptive_field,
    )
}

/// `jax.nn.initializers.variance_scaling(scale, mode, distribution)`: samples with mean 0 and
/// variance `scale / n`, `n` the fan chosen by `mode`, with the default axes (a `(in, out)`
/// kernel).
///
/// ```
/// use equinox_core::nn::initializers::{self, Distribution, FanMode};
/// use equinox_core::random;
/// let init = initializers::variance_scaling(2.0, FanMode::FanIn, Distribution::Uniform);
/// let w = init.init(random::key(0), [6, 4]);
/// // He uniform: ±sqrt(3 * 2 / 6) = ±1.
/// assert!(w.to_vec::<f32>().iter().all(|v| v.abs() < 1.0));
/// ```
pub fn variance_scaling(scale: f64, mode: FanMode, distribution: Distribution) -> Initializer {
    variance_scaling_with_options(scale, mode, distribution, FanOptions::default())
}

/// `jax.nn.initializers.variance_scaling(scale, mode, distribution, in_axis, out_axis,
/// batch_axis, dtype)`.
///
/// With `variance = scale / n` rounded to the dtype, the result is
/// `truncated_normal(key, -2, 2) * sqrt(variance) / 0.8796...` (the standard deviation of a
/// standard normal truncated to `(-2, 2)`), `normal(key) * sqrt(variance)`, or
/// `uniform(key, -1, 1) * sqrt(3 * variance)`, each computed in the dtype as JAX does.
///
/// The initialiser panics, as JAX raises, on a shape of fewer than two dimensions with the
/// default `in_axis`, on an axis out of range, and on a zero-sized fan.
pub fn variance_scaling_with_options(
    scale: f64,
    mode: FanMode,
    distribution: Distribution,
    options: FanOptions,
) -> Initializer {
    let dtype = options.dtype;
    Initializer::new(dtype, move |key, shape, dtype| {
        check_float("variance_scaling", dtype);
        let (fan_in, fan_out) = compute_fans(shape, &options, "variance_scaling");
        let denominator = match mode {
            FanMode::FanIn => fan_in,
            FanMode::FanOut => fan_out,
            FanMode::FanAvg => (fan_in + fan_out) / 2.0,
            // Python's `x ** 0.5`, which is `pow`, not `sqrt`.
            FanMode::FanGeoAvg => (fan_in * fan_out).powf(0.5),
        };
        // `jnp.array(scale / denominator, dtype)`: the Python float is converted directly.
        let variance = Array::scalar(scale / denominator).astype(dtype);
        match distribution {
            Distribution::TruncatedNormal => {
                let stddev = &jnp::sqrt(&variance)
                    / &Array::scalar(0.879_625_661_034_239_8f64).astype(dtype);
                &random::truncated_normal(key, -2.0, 2.0, shape, dtype) * &stddev
            }
            Distribution::Normal => &random::normal(key, shape, dtype) * &jnp::sqrt(&variance),
            Distribution::Uniform => {
                &random::uniform(key, shape, dtype, -1.0, 1.0) * &jnp::sqrt(&(&variance * 3.0))
            }
        }
    })
}

macro_rules! named_variance_scaling {
    ($(
        $(#[$doc:meta])* $name:ident, $with:ident, $jax:literal,
        $scale:expr, $mode:ident, $dist:ident;
    )*) => {$(
        $(#[$doc])*
        #[doc = concat!("\n\n`jax.nn.initializers.", $jax, "()`: [`variance_scaling`] with \
                         scale ", stringify!($scale), ", [`FanMode::", stringify!($mode),
                         "`] and [`Distribution::", stringify!($dist), "`], default axes.")]
        pub fn $name() -> Initializer {
            $with(FanOptions::default())
        }

        #[doc = concat!("`jax.nn.initializers.", $jax, "(in_axis, out_axis, batch_axis, \
                         dtype)`: [`", stringify!($name), "`] with the given axes and dtype.")]
        pub fn $with(options: FanOptions) -> Initializer {
            variance_scaling_with_options($scale, FanMode::$mode, Distribution::$dist, options)
        }
    )*};
}

named_variance_scaling! {
    /// The Glorot (Xavier) uniform initialiser.
    glorot_uniform, glorot_uniform_with_options, "glorot_uniform", 1.0, FanAvg, Uniform;
    /// The Glorot (Xavier) normal initialiser.
    glorot_normal, glorot_normal_with_options, "glorot_normal", 1.0, FanAvg, TruncatedNormal;
    /// The LeCun uniform initialiser.
    lecun_uniform, lecun_uniform_with_options, "lecun_uniform", 1.0, FanIn, Uniform;
    /// The LeCun normal initialiser.
    lecun_normal, lecun_normal_with_options, "lecun_normal", 1.0, FanIn, TruncatedNormal;
    /// The He (Kaiming) uniform initialiser.
    he_uniform, he_uniform_with_options, "he_uniform", 2.0, FanIn, Uniform;
    /// The He (Kaiming) normal initialiser.
    he_normal, he_normal_with_options, "he_normal", 2.0, FanIn, TruncatedNormal;
}

pub use self::glorot_normal as xavier_normal;
pub use self::glorot_normal_with_options as xavier_normal_with_options;
pub use self::glorot_uniform as xavier_uniform;
pub use self::glorot_uniform_with_options as xavier_uniform_with_options;
pub use self::he_normal as kaiming_normal;
pub use self::he_normal_with_options as kaiming_normal_with_options;
pub use self::he_uniform as kaiming_uniform;
pub use self::he_uniform_with_options as kaiming_uniform_with_options;

/// The options of [`orthogonal_with_options`] and [`delta_orthogonal_with_options`], with
/// JAX's defaults (`scale = 1`, the columns along the last axis, float32).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OrthogonalOptions {
    /// The factor the orthogonal matrix is multiplied by.
    pub scale: f64,
    /// The axis holding the columns that are orthonormal (negative counts from the end).
    pub column_axis: isize,
    /// The default dtype.
    pub dtype: DType,
}

impl Default for OrthogonalOptions {
    fn default() -> OrthogonalOptions {
        OrthogonalOptions {
            scale: 1.0,
            column_axis: -1,
            dtype: DType::F32,
        }
    }
}

/// `jax.nn.initializers.orthogonal()`: uniformly distributed (semi-)orthogonal matrices,
/// orthonormal along the last axis when it is the smaller side.
///
/// ```
/// use equinox_core::{nn::initializers, random};
/// let q = initializers::orthogonal().init(random::key(0), [3, 3]);
/// // Q Qᵀ = I.
/// let i = q.matmul(&q.t()).to_vec::<f32>();
/// for (k, v) in i.iter().enumerate() {
///     let want = if k % 4 == 0 { 1.0 } else { 0.0 };
///     assert!((v - want).abs() < 1e-5);
/// }
/// ```
pub fn orthogonal() -> Initializer {
    orthogonal_with_options(OrthogonalOptions::default())
}

/// `jax.nn.initializers.orthogonal(scale, column_axis, dtype)`.
///
/// As JAX: with `n_cols = shape[column_axis]` and `n_rows` the product of the other
/// dimensions, a `(max, min)` standard normal sample is QR-factored, `Q`'s columns are
/// multiplied by the signs of `R`'s diagonal (which makes the factorisation unique), `Q` is
/// transposed when `n_rows < n_cols`, reshaped to `shape` with the columns moved to
/// `column_axis`, and multiplied by `scale`. A shape with a zero dimension gives zeros.
///
/// The sample is drawn as JAX draws it; the factorisation is computed here in float64 on
/// concrete values (Householder reflections), so the result agrees with JAX to rounding and
/// the initialiser cannot run under a transformation that traces the key.
///
/// Panics if `shape` has fewer than two dimensions.
pub fn orthogonal_with_options(options: OrthogonalOptions) -> Initializer {
    Initializer::new(options.dtype, move |key, shape, dtype| {
        orthogonal_init(key, shape, dtype, options, "orthogonal")
    })
}

fn orthogonal_init(
    key: Key,
    shape: &[usize],
    dtype: DType,
    options: OrthogonalOptions,
    op: &str,
) -> Array {
    check_float(op, dtype);
    if shape.len() < 2 {
        panic!(
            "initializers.{op}: orthogonal initializer requires at least a 2D shape, got \
             {shape:?}"
        );
    }
    if shape.contains(&0) {
        return jnp::zeros_dtype(shape, dtype);
    }
    let ndim = shape.len() as isize;
    let col = options.column_axis;
    let col_index = if col < 0 { col + ndim } else { col };
    if col_index < 0 || col_index >= ndim {
        panic!("initializers.{op}: column_axis {col} is out of range for the shape {shape:?}");
    }
    let n_cols = shape[col_index as usize];
    let n_rows = shape.iter().product::<usize>() / n_cols;
    let (big, small) = (n_rows.max(n_cols), n_rows.min(n_cols));
    let z = random::normal(key, [big, small], dtype);
    let q = sign_fixed_q(&z.astype(DType::F64).to_vec::<f64>(), big, small);
    let mut q = Array::from_vec(q, [big, small]).astype(dtype);
    if n_rows < n_cols {
        q = q.t();
    }
    let mut rest: Vec<usize> = shape.to_vec();
    rest.remove(col_index as usize);
    rest.push(n_cols);
    let q = jnp::moveaxis(&q.reshape(rest), -1, col);
    &user_float(options.scale, dtype) * &q
}

/// The `Q` of the reduced QR decomposition of the row-major `rows x cols` matrix `a`
/// (`rows >= cols`), each column multiplied by the sign of `R`'s matching diagonal entry
/// (`jnp.sign`, so 0 for a zero entry): JAX's `q * sign(diag(r))`.
///
/// Householder reflections, accumulated into `Q` by applying them to the first `cols` columns
/// of the identity.
fn sign_fixed_q(a: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut r = a.to_vec();
    let mut reflectors: Vec<Vec<f64>> = Vec::with_capacity(cols);
    for k in 0..cols {
        let norm = (k..rows)
            .map(|i| r[i * cols + k].powi(2))
            .sum::<f64>()
            .sqrt();
        let mut v: Vec<f64> = (k..rows).map(|i| r[i * cols + k]).collect();
        // Reflect onto -sign(x0) * |x| so that v[0] does not cancel.
        let alpha = if v[0] >= 0.0 { -norm } else { norm };
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 > 0.0 {
            for j in k..cols {
                let dot: f64 = (k..rows).map(|i| v[i - k] * r[i * cols + j]).sum();
                let f = 2.0 * dot / vnorm2;
                for i in k..rows {
                    r[i * cols + j] -= f * v[i - k];
                }
            }
        }
        reflectors.push(v);
    }
    // Q = H_0 H_1 ... H_{cols-1} applied to the first `cols` columns of the identity.
    let mut q = vec![0.0; rows * cols];
    for j in 0..cols {
        q[j * cols + j] = 1.0;
    }
    for k in (0..cols).rev() {
        let v = &reflectors[k];
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        for j in 0..cols {
            let dot: f64 = (k..rows).map(|i| v[i - k] * q[i * cols + j]).sum();
            let f = 2.0 * dot / vnorm2;
            for i in k..rows {
                q[i * cols + j] -= f * v[i - k];
            }
        }
    }
    for j in 0..cols {
        let d = r[j * cols + j];
        let s = if d > 0.0 {
            1.0
        } else if d < 0.0 {
            -1.0
        } else {
            0.0
        };
        for i in 0..rows {
            q[i * cols + j] *= s;
        }
    }
    q
}

/// `jax.nn.initializers.delta_orthogonal()`: a convolution kernel of shape
/// `(k, in, out)`, `(k1, k2, in, out)` or `(k1, k2, k3, in, out)` that is zero except at the
/// spatial centre, which holds an [`orthogonal`] `(in, out)` matrix.
///
/// ```
/// use equinox_core::{nn::initializers, random};
/// let w = initializers::delta_orthogonal().init(random::key(0), [3, 3, 3]);
/// let v = w.to_vec::<f32>();
/// assert!(v[..9].iter().chain(&v[18..]).all(|&x| x == 0.0));
/// ```
pub fn delta_orthogonal() -> Initializer {
    delta_orthogonal_with_options(OrthogonalOptions::default())
}

/// `jax.nn.initializers.delta_orthogonal(scale, column_axis, dtype)`: the centre,
/// at index `(k - 1) / 2` of each spatial axis, is [`orthogonal_with_options`] of the last two
/// dimensions (same key, scale and `column_axis`).
///
/// Panics unless the shape has 3, 4 or 5 dimensions with `shape[-1] >= shape[-2]`.
pub fn delta_orthogonal_with_options(options: OrthogonalOptions) -> Initializer {
    Initializer::new(options.dtype, move |key, shape, dtype| {
        let op = "delta_orthogonal";
        check_float(op, dtype);
        if !(3..=5).contains(&shape.len()) {
            panic!(
                "initializers.{op}: Delta orthogonal initializer requires a 3D, 4D or 5D \
                 shape, got {shape:?}"
            );
        }
        let n = shape.len();
        if shape[n - 1] < shape[n - 2] {
            panic!(
                "initializers.{op}: `fan_in` must be less or equal than `fan_out`, got shape \
                 {shape:?}"
            );
        }
        let centre = orthogonal_init(key, &shape[n - 2..], dtype, options, op);
        if shape[..n - 2].contains(&0) {
            // JAX's `.at[-1, ...].set` on an empty axis drops the update.
            return jnp::zeros_dtype(shape, dtype);
        }
        let mut expanded = vec![1; n - 2];
        expanded.extend_from_slice(&shape[n - 2..]);
        let mut pad_width: Vec<(usize, usize)> = shape[..n - 2]
            .iter()
            .map(|&k| {
                let before = (k - 1) / 2;
                (before, k - before - 1)
            })
            .collect();
        pad_width.extend([(0, 0), (0, 0)]);
        jnp::pad(&centre.reshape(expanded), &pad_width, 0.0)
    })
}
