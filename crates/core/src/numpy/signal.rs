//! Sequences and samples, named as in `jax.numpy`: `convolve`, `correlate`, `polyval`,
//! `trapezoid`, `interp`, `gradient`, `unwrap`.

use super::indexing::{index, take_mode, Index};
use super::joining::concatenate;
use super::manipulation::{flip, moveaxis, reshape};
use super::math::{add, clip, greater, less, less_equal, multiply, remainder, subtract, where_};
use super::promotion::{common_shape, convert, promote_dtypes, to_inexact};
use super::rearranging::{diff, diff_with, DiffOptions};
use super::reductions::sum;
use super::sorting::{argsort, searchsorted, Side};
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::gather_scatter::GatherScatterMode;

/// Which part of a full discrete convolution [`convolve_with`] and [`correlate_with`] return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvolveMode {
    /// Every overlap: length `n + m - 1`.
    Full,
    /// Centred, the length of the longer input.
    Same,
    /// Only complete overlaps: length `max(n, m) - min(n, m) + 1`.
    Valid,
}

fn conv1d(x: &Array, y: &Array, mode: ConvolveMode, op: &str) -> Array {
    if x.ndim() != 1 || y.ndim() != 1 {
        panic!(
            "{op}: only 1-d inputs are supported, got shapes {} and {}",
            x.shape_obj(),
            y.shape_obj()
        );
    }
    let p: Vec<Array> = promote_dtypes(&[x, y]).iter().map(to_inexact).collect();
    let (mut x, mut y) = (p[0].clone(), p[1].clone());
    if x.size() == 0 || y.size() == 0 {
        panic!(
            "{op}: inputs cannot be empty, got shapes {} and {}",
            x.shape_obj(),
            y.shape_obj()
        );
    }
    let mut reverse_out = false;
    if x.size() < y.size() {
        std::mem::swap(&mut x, &mut y);
        // Correlation is not symmetric: swapping the inputs reverses its output.
        reverse_out = op == "correlate";
    }
    if op == "convolve" {
        y = flip(&y, 0);
    }
    let m = y.size() as i64;
    let padding = match mode {
        ConvolveMode::Valid => (0, 0),
        ConvolveMode::Same => (m / 2, m - m / 2 - 1),
        ConvolveMode::Full => (m - 1, m - 1),
    };
    let out = lax::conv_general_dilated(
        &reshape(&x, [1, 1, x.size()]),
        &reshape(&y, [1, 1, y.size()]),
        &[1],
        vec![padding],
    );
    let out = reshape(&out, [out.size()]);
    if reverse_out {
        flip(&out, 0)
    } else {
        out
    }
}

/// `jnp.convolve(a, v)`: the full discrete linear convolution of two 1-d arrays (integers
/// become float).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let v = Array::from_vec(vec![0.0f32, 1.0, 0.5], [3]);
/// assert_eq!(jnp::convolve(&a, &v).to_vec::<f32>(), vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// ```
pub fn convolve(a: &Array, v: &Array) -> Array {
    conv1d(a, v, ConvolveMode::Full, "convolve")
}

/// `jnp.convolve(a, v, mode)`.
pub fn convolve_with(a: &Array, v: &Array, mode: ConvolveMode) -> Array {
    conv1d(a, v, mode, "convolve")
}

/// `jnp.correlate(a, v)`: the cross-correlation of two 1-d arrays over complete overlaps
/// (`mode="valid"`, JAX's default).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let v = Array::from_vec(vec![0.0f32, 1.0], [2]);
/// assert_eq!(jnp::correlate(&a, &v).to_vec::<f32>(), vec![2.0, 3.0]);
/// ```
pub fn correlate(a: &Array, v: &Array) -> Array {
    conv1d(a, v, ConvolveMode::Valid, "correlate")
}

/// `jnp.correlate(a, v, mode)`.
pub fn correlate_with(a: &Array, v: &Array, mode: ConvolveMode) -> Array {
    conv1d(a, v, mode, "correlate")
}

/// `jnp.polyval(p, x)`: the polynomial with coefficients `p` (highest power first) at `x`, by
/// Horner's rule from 0 as JAX runs it (`y = y * x + p[i]`). Dtypes are promoted, so integer
/// coefficients at integer points stay integers.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let p = Array::from_vec(vec![1.0f32, 0.0, -2.0], [3]);
/// let x = Array::from_vec(vec![0.0f32, 2.0], [2]);
/// assert_eq!(jnp::polyval(&p, &x).to_vec::<f32>(), vec![-2.0, 2.0]);
/// ```
pub fn polyval(p: &Array, x: &Array) -> Array {
    if p.ndim() == 0 {
        panic!("polyval: the coefficients must have rank >= 1, got a 0-d array");
    }
    let pr = promote_dtypes(&[p, x]);
    let (p, x) = (&pr[0], &pr[1]);
    let coeff = |i: usize| index(p, &[Index::Int(i as i64)]);
    let shape = common_shape(&[&coeff(0), x], "polyval");
    let mut y = super::creation::zeros_dtype(shape, x.dtype());
    for i in 0..p.shape()[0] {
        y = add(&multiply(&y, x), &coeff(i));
    }
    y
}

/// Options of [`trapezoid_with`] (JAX's defaults: unit spacing along the last axis).
#[derive(Clone, Debug)]
pub struct TrapezoidOptions {
    /// Sample points (1-d along `axis`, or the shape of `y`); overrides `dx`.
    pub x: Option<Array>,
    /// The spacing of the samples when `x` is `None`.
    pub dx: f64,
    /// The axis integrated along.
    pub axis: isize,
}

impl Default for TrapezoidOptions {
    fn default() -> Self {
        TrapezoidOptions {
            x: None,
            dx: 1.0,
            axis: -1,
        }
    }
}

/// `jnp.trapezoid(y)`: the integral of `y` along the last axis by the trapezoidal rule with unit
/// spacing.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let y = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// assert_eq!(jnp::trapezoid(&y).item::<f32>(), 4.0);
/// ```
pub fn trapezoid(y: &Array) -> Array {
    trapezoid_with(y, TrapezoidOptions::default())
}

/// `jnp.trapezoid(y, x, dx, axis)`.
pub fn trapezoid_with(y: &Array, options: TrapezoidOptions) -> Array {
    if y.ndim() == 0 {
        panic!("trapezoid: y must have rank >= 1, got a 0-d array");
    }
    let axis = options.axis;
    let (y, dx) = match &options.x {
        None => {
            let y = to_inexact(y);
            let dx = convert(&Array::scalar(options.dx), DType::F32, true);
            (y, dx)
        }
        Some(x) => {
            let p: Vec<Array> = promote_dtypes(&[y, x]).iter().map(to_inexact).collect();
            let (y, x) = (p[0].clone(), p[1].clone());
            let dx = if x.ndim() == 1 {
                diff(&x)
            } else {
                moveaxis(
                    &diff_with(
                        &x,
                        DiffOptions {
                            axis,
                            ..Default::default()
                        },
                    ),
                    axis,
                    -1,
                )
            };
            (y, dx)
        }
    };
    let y = moveaxis(&y, axis, -1);
    let n = y.shape()[y.ndim() - 1];
    let last = |a: &Array, i: i64| index(a, &[Index::Ellipsis, Index::Int(i)]);
    if dx.ndim() == 0 || dx.shape()[dx.ndim() - 1] == 1 {
        let dx = if dx.ndim() == 0 { dx } else { last(&dx, 0) };
        let ends = add(&last(&y, 0), &last(&y, -1));
        let half = multiply(&Array::weak_scalar(0.5), &ends);
        return multiply(&dx, &subtract(&sum(&y, -1), &half));
    }
    let hi = lax::slice_in_dim(&y, 1, n, 1, y.ndim() - 1);
    let lo = lax::slice_in_dim(&y, 0, n - 1, 1, y.ndim() - 1);
    multiply(
        &Array::weak_scalar(0.5),
        &sum(&multiply(&dx, &add(&hi, &lo)), -1),
    )
}

/// What [`interp_with`] returns outside the sample range on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum InterpBound {
    /// The end value of `fp` on that side (JAX's `None`).
    #[default]
    Edge,
    /// A constant.
    Value(f64),
    /// Continue the outermost segment's line (JAX's `"extrapolate"`).
    Extrapolate,
}

/// Options of [`interp_with`]: the values left and right of the sample range, or a period for
/// periodic `x` (which ignores `left` and `right`).
#[derive(Clone, Copy, Debug, Default)]
pub struct InterpOptions {
    /// The result for `x < xp[0]`.
    pub left: InterpBound,
    /// The result for `x > xp[-1]`.
    pub right: InterpBound,
    /// The period of the `x` coordinates.
    pub period: Option<f64>,
}

/// `jnp.interp(x, xp, fp)`: piecewise-linear interpolation of the points `(xp, fp)` (`xp`
/// increasing) at `x`, constant beyond the ends.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let xp = Array::from_vec(vec![0.0f32, 1.0, 3.0], [3]);
/// let fp = Array::from_vec(vec![0.0f32, 10.0, 30.0], [3]);
/// let x = Array::from_vec(vec![-1.0f32, 0.5, 2.0, 5.0], [4]);
/// assert_eq!(jnp::interp(&x, &xp, &fp).to_vec::<f32>(), vec![0.0, 5.0, 20.0, 30.0]);
/// ```
pub fn interp(x: &Array, xp: &Array, fp: &Array) -> Array {
    interp_with(x, xp, fp, InterpOptions::default())
}

/// `jnp.interp(x, xp, fp, left, right, period)`.
pub fn interp_with(x: &Array, xp: &Array, fp: &Array, options: InterpOptions) -> Array {
    if xp.ndim() != 1 || xp.shape() != fp.shape() {
        panic!(
            "interp: xp and fp must be 1-d arrays of equal size, got shapes {} and {}",
            xp.shape_obj(),
            fp.shape_obj()
        );
    }
    if xp.size() == 0 {
        panic!("interp: xp and fp must not be empty");
    }
    let p: Vec<Array> = promote_dtypes(&[x, xp]).iter().map(to_inexact).collect();
    let (mut x, mut xp) = (p[0].clone(), p[1].clone());
    let mut fp = to_inexact(fp);
    if let Some(period) = options.period {
        let period = convert(&Array::scalar(period.abs()), xp.dtype(), true);
        x = remainder(&x, &period);
        xp = remainder(&xp, &period);
        let order = argsort(&xp, 0);
        xp = index(&xp, &[Index::Array(order.clone())]);
        fp = index(&fp, &[Index::Array(order)]);
        let n = xp.size();
        let first = |a: &Array| lax::slice_in_dim(a, 0, 1, 1, 0);
        let last = |a: &Array| lax::slice_in_dim(a, n - 1, n, 1, 0);
        xp = concatenate(
            &[
                &subtract(&last(&xp), &period),
                &xp,
                &add(&first(&xp), &period),
            ],
            0,
        );
        fp = concatenate(&[&last(&fp), &fp, &first(&fp)], 0);
    }
    let n = xp.size() as i32;
    let i = clip(
        &searchsorted(&xp, &x, Side::Right),
        Some(&Array::weak_scalar(1i32)),
        Some(&Array::weak_scalar(n - 1)),
    );
    let im1 = subtract(&i, &Array::weak_scalar(1i32));
    let at = |a: &Array, idx: &Array| take_mode(a, idx, Some(0), GatherScatterMode::Clip, None);
    let df = subtract(&at(&fp, &i), &at(&fp, &im1));
    let dx = subtract(&at(&xp, &i), &at(&xp, &im1));
    let delta = subtract(&x, &at(&xp, &im1));
    // `np.spacing(finfo(dtype).eps)`: 2^-46 for float32, 2^-104 for float64.
    let eps = match xp.dtype() {
        DType::F64 => 2f64.powi(-104),
        DType::F16 => 2f64.powi(-20),
        DType::BF16 => 2f64.powi(-14),
        _ => 2f64.powi(-46),
    };
    let dx0 = less_equal(
        &super::math::abs(&dx),
        &convert(&Array::scalar(eps), dx.dtype(), true),
    );
    let safe_dx = where_(&dx0, &Array::weak_scalar(1i32), &dx);
    let f = where_(
        &dx0,
        &at(&fp, &im1),
        &add(
            &at(&fp, &im1),
            &multiply(&super::math::divide(&delta, &safe_dx), &df),
        ),
    );
    if options.period.is_some() {
        return f;
    }
    let k = xp.size();
    let xp0 = index(&xp, &[Index::Int(0)]);
    let xpn = index(&xp, &[Index::Int(k as i64 - 1)]);
    // Extrapolation needs nothing more: the clipped segment index already continues the
    // outermost segments' lines.
    let bound = |b: InterpBound, end: i64, beyond: Array, f: Array| match b {
        InterpBound::Extrapolate => f,
        InterpBound::Value(v) => where_(&beyond, &Array::weak_scalar(v), &f),
        InterpBound::Edge => where_(&beyond, &index(&fp, &[Index::Int(end)]), &f),
    };
    let f = bound(options.left, 0, less(&x, &xp0), f);
    bound(options.right, k as i64 - 1, greater(&x, &xpn), f)
}

/// Options of [`gradient_with`]: JAX's defaults are unit spacing along every axis.
#[derive(Clone, Debug, Default)]
pub struct GradientOptions {
    /// Sample spacing: empty for 1, one entry for every axis, or one per axis; each a 0-d
    /// spacing or a 1-d array of coordinates along its axis.
    pub spacing: Vec<Array>,
    /// The axes to differentiate along (`None`: all).
    pub axis: Option<Vec<isize>>,
}

/// `jnp.gradient(f)`: the derivative of sampled values along every axis, by central
/// differences inside and one-sided differences at the ends (unit spacing), one array per
/// axis (JAX returns a bare array for a single axis). Integers become float.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let g = jnp::gradient(&Array::from_vec(vec![1.0f32, 2.0, 4.0, 7.0], [4]));
/// assert_eq!(g[0].to_vec::<f32>(), vec![1.0, 1.5, 2.5, 3.0]);
/// ```
pub fn gradient(f: &Array) -> Vec<Array> {
    gradient_with(f, GradientOptions::default())
}

/// `jnp.gradient(f, *varargs, axis=)`.
pub fn gradient_with(f: &Array, options: GradientOptions) -> Vec<Array> {
    let mut all: Vec<&Array> = vec![f];
    all.extend(options.spacing.iter());
    let p: Vec<Array> = promote_dtypes(&all).iter().map(to_inexact).collect();
    let (a, spacing) = (&p[0], &p[1..]);
    let axes: Vec<usize> = match &options.axis {
        None => (0..a.ndim()).collect(),
        Some(v) => v
            .iter()
            .map(|&x| crate::array::normalize_axis(x, a.ndim(), "gradient"))
            .collect(),
    };
    if axes.is_empty() {
        return Vec::new();
    }
    if axes.iter().any(|&ax| a.shape()[ax] < 2) {
        panic!(
            "gradient: Shape of array too small to calculate a numerical gradient, at least 2 \
             elements are required (shape {})",
            a.shape_obj()
        );
    }
    let dx: Vec<Option<Array>> = match spacing.len() {
        0 => vec![None; axes.len()],
        1 => vec![Some(spacing[0].clone()); axes.len()],
        k if k == axes.len() => spacing.iter().cloned().map(Some).collect(),
        k => panic!(
            "gradient: Invalid number of spacing arguments {k} for axis={:?}",
            options.axis
        ),
    };
    axes.iter()
        .zip(dx)
        .map(|(&ax, h)| gradient_along_axis(a, h.as_ref(), ax))
        .collect()
}

fn gradient_along_axis(a: &Array, h: Option<&Array>, axis: usize) -> Array {
    let n = a.shape()[axis];
    let s = |x: &Array, lo: usize, hi: usize| lax::slice_in_dim(x, lo, hi, 1, axis);
    let mut upper = subtract(&s(a, 1, 2), &s(a, 0, 1));
    let mut lower = subtract(&s(a, n - 1, n), &s(a, n - 2, n - 1));
    let inner = match h {
        None => multiply(
            &subtract(&s(a, 2, n), &s(a, 0, n - 2)),
            &Array::weak_scalar(0.5),
        ),
        Some(h) if h.ndim() == 0 => {
            let inner = super::math::divide(
                &multiply(
                    &subtract(&s(a, 2, n), &s(a, 0, n - 2)),
                    &Array::weak_scalar(0.5),
                ),
                h,
            );
            upper = super::math::divide(&upper, h);
            lower = super::math::divide(&lower, h);
            inner
        }
        Some(h) if h.ndim() == 1 => {
            if h.shape()[0] != n {
                panic!(
                    "gradient: Spacing arrays must have the same length as the dimension along \
                     which the gradient is calculated (length {} for axis {axis} of length {n})",
                    h.shape()[0]
                );
            }
            let mut shape = vec![1usize; a.ndim()];
            shape[axis] = n;
            let h = h.reshape(shape);
            upper = super::math::divide(&upper, &subtract(&s(&h, 1, 2), &s(&h, 0, 1)));
            lower = super::math::divide(&lower, &subtract(&s(&h, n - 1, n), &s(&h, n - 2, n - 1)));
            let dx1 = subtract(&s(&h, 1, n - 1), &s(&h, 0, n - 2));
            let dx2 = subtract(&s(&h, 2, n), &s(&h, 1, n - 1));
            let sum12 = add(&dx1, &dx2);
            let ca = super::math::divide(&super::math::negative(&dx2), &multiply(&dx1, &sum12));
            let cb = super::math::divide(&subtract(&dx2, &dx1), &multiply(&dx1, &dx2));
            let cc = super::math::divide(&dx1, &multiply(&dx2, &sum12));
            add(
                &add(
                    &multiply(&ca, &s(a, 0, n - 2)),
                    &multiply(&cb, &s(a, 1, n - 1)),
                ),
                &multiply(&cc, &s(a, 2, n)),
            )
        }
        Some(h) => panic!(
            "gradient: Spacing arrays must be 1D arrays or scalars, got shape {}",
            h.shape_obj()
        ),
    };
    concatenate(&[&upper, &inner, &lower], axis as isize)
}

/// Options of [`unwrap_with`]: JAX's defaults are `discont = period / 2`, the last axis and
/// `period = 2π`.
#[derive(Clone, Debug)]
pub struct UnwrapOptions {
    /// Jumps smaller than this are left alone (`None`: `period / 2`).
    pub discont: Option<f64>,
    /// The axis to unwrap along.
    pub axis: isize,
    /// The period of the values.
    pub period: f64,
}

impl Default for UnwrapOptions {
    fn default() -> Self {
        UnwrapOptions {
            discont: None,
            axis: -1,
            period: 2.0 * std::f64::consts::PI,
        }
    }
}

/// `jnp.unwrap(p)`: the phases `p` with every jump larger than π between neighbours (along
/// the last axis) replaced by its equivalent modulo 2π.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let p = Array::from_vec(vec![0.0f32, 3.0, 6.5], [3]);
/// let u = jnp::unwrap(&p).to_vec::<f32>();
/// assert!((u[2] - (6.5 - 2.0 * std::f32::consts::PI)).abs() < 1e-5);
/// ```
pub fn unwrap(p: &Array) -> Array {
    unwrap_with(p, UnwrapOptions::default())
}

/// `jnp.unwrap(p, discont, axis, period)`.
pub fn unwrap_with(p: &Array, options: UnwrapOptions) -> Array {
    if p.dtype().is_complex() {
        panic!("unwrap: jnp.unwrap does not support complex inputs.");
    }
    if p.ndim() == 0 {
        panic!("unwrap: expected an array of rank >= 1, got a 0-d array");
    }
    let axis = crate::array::normalize_axis(options.axis, p.ndim(), "unwrap");
    let pr = promote_dtypes(&[p, &Array::weak_scalar(options.period)]);
    let (p, period) = (&pr[0], &pr[1]);
    if p.shape()[axis] == 0 {
        return p.clone();
    }
    let half = options.period / 2.0;
    let discont = options.discont.unwrap_or(half);
    let interval = convert(&Array::scalar(half), p.dtype(), false);
    let dd = diff_with(
        p,
        DiffOptions {
            axis: axis as isize,
            ..Default::default()
        },
    );
    let ddmod = subtract(&remainder(&add(&dd, &interval), period), &interval);
    let at_neg = super::math::logical_and(
        &super::math::equal(&ddmod, &super::math::negative(&interval)),
        &greater(&dd, &Array::weak_scalar(0)),
    );
    let ddmod = where_(&at_neg, &interval, &ddmod);
    let small = less(&super::math::abs(&dd), &Array::weak_scalar(discont));
    let correct = where_(&small, &Array::weak_scalar(0), &subtract(&ddmod, &dd));
    let n = p.shape()[axis];
    let rest = add(
        &lax::slice_in_dim(p, 1, n, 1, axis),
        &super::cumulative::cumsum(&correct, axis as isize),
    );
    concatenate(
        &[&lax::slice_in_dim(p, 0, 1, 1, axis), &rest],
        axis as isize,
    )
}
