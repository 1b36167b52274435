//! Statistics named as in `jax.numpy`: `count_nonzero`, `ptp`, `average`, `cov`, `corrcoef`,
//! `quantile`, `percentile`, `median`, and the NaN-ignoring reductions (`nansum`, `nanprod`,
//! `nanmax`, `nanmin`, `nanmean`, `nanvar`, `nanstd`, `nanargmax`, `nanargmin`,
//! `nanquantile`, `nanpercentile`, `nanmedian`).

use super::axes::Axes;
use super::indexing::take;
use super::joining::{atleast_2d, concatenate};
use super::manipulation::{moveaxis, ravel, reshape, squeeze, transpose};
use super::math::{clip, divide, isnan, logical_not, multiply, not_equal, sqrt, subtract, where_};
use super::matrices::diag;
use super::products::dot;
use super::promotion::{convert, promote_dtypes, to_inexact};
use super::reductions::{all, any, argmax, argmin, max, max_keepdims, min, min_keepdims, sum};
use super::reductions::{mean, mean_keepdims, sum_keepdims};
use crate::array::{normalize_axis, Array, DType};

/// A 0-d array of `v` in `like`'s dtype, weakly typed as a Python scalar would be.
fn weak(v: f64, like: &Array) -> Array {
    convert(&Array::scalar(v), like.dtype(), true)
}

/// `jnp.count_nonzero(a, axis)`: how many elements are nonzero, as int32.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 3, 0, -1], [2, 2]);
/// assert_eq!(jnp::count_nonzero(&x, 1).to_vec::<i32>(), vec![1, 1]);
/// ```
pub fn count_nonzero(a: &Array, axes: impl Into<Axes>) -> Array {
    let zero = convert(&Array::scalar(0i32), a.dtype(), false);
    let nz = not_equal(a, &zero);
    sum(&convert(&nz, DType::I32, false), axes)
}

/// `jnp.ptp(a, axis)`: the range `max - min` over axes (NaN propagates).
pub fn ptp(a: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    subtract(&max(a, axes.clone()), &min(a, axes))
}

/// [`ptp`] keeping the reduced axes as size 1.
pub fn ptp_keepdims(a: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    subtract(&max_keepdims(a, axes.clone()), &min_keepdims(a, axes))
}

/// Options of [`average_with`] (JAX's defaults: all axes, no weights, no kept axes).
#[derive(Clone, Debug)]
pub struct AverageOptions {
    /// The axes averaged over.
    pub axis: Axes,
    /// Weights: the shape of `a`, or the sizes of `a` along `axis` (in axis order).
    pub weights: Option<Array>,
    /// Keep the reduced axes as size 1.
    pub keepdims: bool,
}

impl Default for AverageOptions {
    fn default() -> Self {
        AverageOptions {
            axis: Axes::All,
            weights: None,
            keepdims: false,
        }
    }
}

/// `jnp.average(a, axis)`: the unweighted mean (integers become float).
pub fn average(a: &Array, axes: impl Into<Axes>) -> Array {
    average_returned(
        a,
        AverageOptions {
            axis: axes.into(),
            ..Default::default()
        },
    )
    .0
}

/// `jnp.average(a, axis, weights, keepdims=...)`: `sum(a * w) / sum(w)`.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 4.0], [3]);
/// let w = Array::from_vec(vec![1.0f32, 1.0, 2.0], [3]);
/// let opts = jnp::AverageOptions { weights: Some(w), ..Default::default() };
/// assert_eq!(jnp::average_with(&x, opts).item::<f32>(), 2.75);
/// ```
pub fn average_with(a: &Array, options: AverageOptions) -> Array {
    average_returned(a, options).0
}

/// `jnp.average(..., returned=True)`: the average and the sum of the weights (broadcast to the
/// average's shape; the element count when unweighted).
pub fn average_returned(a: &Array, options: AverageOptions) -> (Array, Array) {
    let dims = options.axis.resolve(a.ndim(), "average");
    let (avg, wsum) = match &options.weights {
        None => {
            let a = to_inexact(a);
            let avg = if options.keepdims {
                mean_keepdims(&a, options.axis.clone())
            } else {
                mean(&a, options.axis.clone())
            };
            let n: usize = dims.iter().map(|&d| a.shape()[d]).product();
            (
                avg.clone(),
                convert(&Array::scalar(n as f64), avg.dtype(), false),
            )
        }
        Some(w) => {
            let p: Vec<Array> = promote_dtypes(&[a, w]).iter().map(to_inexact).collect();
            let (a, mut w) = (p[0].clone(), p[1].clone());
            if a.shape() != w.shape() {
                if options.axis == Axes::All {
                    panic!(
                        "average: an axis must be given when the shapes of a {} and weights {} differ",
                        a.shape_obj(),
                        w.shape_obj()
                    );
                }
                // The weights' axes follow the order of `axis` as given.
                let given: Vec<usize> = match &options.axis {
                    Axes::Some(list) => list
                        .iter()
                        .map(|&x| normalize_axis(x, a.ndim(), "average"))
                        .collect(),
                    Axes::All => dims.to_vec(),
                };
                let along: Vec<usize> = given.iter().map(|&d| a.shape()[d]).collect();
                if w.shape() != along.as_slice() {
                    panic!(
                        "average: weights of shape {} must have the sizes {along:?} of a {} along axes {given:?}",
                        w.shape_obj(),
                        a.shape_obj()
                    );
                }
                // Put the weights' axes in the order of `a`'s before reshaping.
                let perm: Vec<isize> = dims
                    .iter()
                    .map(|d| given.iter().position(|g| g == d).unwrap() as isize)
                    .collect();
                w = transpose(&w, Some(&perm));
                let shape: Vec<usize> = (0..a.ndim())
                    .map(|i| if dims.contains(&i) { a.shape()[i] } else { 1 })
                    .collect();
                w = reshape(&w, shape);
            }
            let (s_w, s_aw) = if options.keepdims {
                (
                    sum_keepdims(&w, options.axis.clone()),
                    sum_keepdims(&multiply(&a, &w), options.axis.clone()),
                )
            } else {
                (
                    sum(&w, options.axis.clone()),
                    sum(&multiply(&a, &w), options.axis.clone()),
                )
            };
            (divide(&s_aw, &s_w), s_w)
        }
    };
    let wsum = if wsum.shape() != avg.shape() {
        super::manipulation::broadcast_to(&wsum, avg.shape())
    } else {
        wsum
    };
    (avg, wsum)
}

/// Options of [`cov_with`] (JAX's defaults: rows are variables, `ddof` 1 unless `bias`).
#[derive(Clone, Debug)]
pub struct CovOptions {
    /// More variables, joined after those of `m`.
    pub y: Option<Array>,
    /// Each row is a variable (else each column).
    pub rowvar: bool,
    /// Normalise by `N` rather than `N - 1` (when `ddof` is `None`).
    pub bias: bool,
    /// Delta degrees of freedom; overrides `bias`.
    pub ddof: Option<usize>,
    /// Integer frequency weights, one per observation.
    pub fweights: Option<Array>,
    /// Observation weights, one per observation.
    pub aweights: Option<Array>,
}

impl Default for CovOptions {
    fn default() -> Self {
        CovOptions {
            y: None,
            rowvar: true,
            bias: false,
            ddof: None,
            fweights: None,
            aweights: None,
        }
    }
}

/// `jnp.cov(m)`: the covariance matrix of the variables in the rows of `m` (a 1-d `m` is one
/// variable, giving a 0-d result).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let m = Array::from_vec(vec![0.0f32, 1.0, 2.0, 2.0, 1.0, 0.0], [2, 3]);
/// assert_eq!(jnp::cov(&m).to_vec::<f32>(), vec![1.0, -1.0, -1.0, 1.0]);
/// ```
pub fn cov(m: &Array) -> Array {
    cov_with(m, CovOptions::default())
}

/// `jnp.cov(m, y, rowvar, bias, ddof, fweights, aweights)`.
pub fn cov_with(m: &Array, options: CovOptions) -> Array {
    let (m, y) = match &options.y {
        Some(y) => {
            let p: Vec<Array> = promote_dtypes(&[m, y]).iter().map(to_inexact).collect();
            (p[0].clone(), Some(p[1].clone()))
        }
        None => (to_inexact(m), None),
    };
    if m.ndim() > 2 || y.as_ref().is_some_and(|y| y.ndim() > 2) {
        panic!(
            "cov: m and y must have rank <= 2, got shapes {} and {}",
            m.shape_obj(),
            y.as_ref()
                .map_or("none".into(), |y| y.shape_obj().to_string())
        );
    }
    let mut x = atleast_2d(&m);
    if !options.rowvar && m.ndim() != 1 {
        x = x.t();
    }
    if x.shape()[0] == 0 {
        return Array::from_vec(Vec::<f32>::new(), [0, 0]);
    }
    if let Some(y) = &y {
        let mut y2 = atleast_2d(y);
        if !options.rowvar && y2.shape()[0] != 1 {
            y2 = y2.t();
        }
        x = concatenate(&[&x, &y2], 0);
    }
    let (nvar, nobs) = (x.shape()[0], x.shape()[1]);
    if nobs == 0 {
        let shape: Vec<usize> = if nvar == 1 { vec![] } else { vec![nvar, nvar] };
        return super::creation::full_like(
            &super::creation::zeros_dtype(shape, x.dtype()),
            f64::NAN,
        );
    }
    let ddof = options.ddof.unwrap_or(if options.bias { 0 } else { 1 });
    let check = |w: &Array, what: &str| {
        if w.ndim() != 1 || w.shape()[0] != nobs {
            panic!(
                "cov: {what} must be 1-d with one weight per observation ({nobs}), got shape {}",
                w.shape_obj()
            );
        }
    };
    let mut w: Option<Array> = None;
    if let Some(f) = &options.fweights {
        check(f, "fweights");
        if !f.dtype().is_integer() {
            panic!("cov: fweights must be integer, got {:?}", f.dtype());
        }
        w = Some(super::math::abs(f));
    }
    let aw = options.aweights.as_ref().map(|a| {
        check(a, "aweights");
        super::math::abs(a)
    });
    if let Some(a) = &aw {
        w = Some(match &w {
            None => a.clone(),
            Some(f) => multiply(f, a),
        });
    }
    let (avg, w_sum) = average_returned(
        &x,
        AverageOptions {
            axis: 1.into(),
            weights: w.clone(),
            keepdims: false,
        },
    );
    let w_sum = super::indexing::index(&w_sum, &[0.into()]);
    let f = match (&w, &aw) {
        (None, _) => weak((nobs as i64 - ddof as i64) as f64, &x),
        (Some(_), _) if ddof == 0 => w_sum,
        (Some(_), None) => subtract(&w_sum, &Array::weak_scalar(ddof as i32)),
        (Some(w), Some(a)) => subtract(
            &w_sum,
            &divide(
                &multiply(
                    &Array::weak_scalar(ddof as i32),
                    &sum(&multiply(w, a), None),
                ),
                &w_sum,
            ),
        ),
    };
    let centered = subtract(&x, &reshape(&avg, [nvar, 1]));
    let xt = match &w {
        None => centered.t(),
        Some(w) => multiply(&centered, &reshape(w, [1, nobs])).t(),
    };
    squeeze(&divide(&dot(&centered, &xt), &f), None)
}

/// `jnp.corrcoef(x)`: Pearson correlation coefficients of the variables in the rows of `x`,
/// clipped to `[-1, 1]`.
pub fn corrcoef(x: &Array) -> Array {
    corrcoef_with(x, None, true)
}

/// `jnp.corrcoef(x, y, rowvar)`.
pub fn corrcoef_with(x: &Array, y: Option<&Array>, rowvar: bool) -> Array {
    let c = cov_with(
        x,
        CovOptions {
            y: y.cloned(),
            rowvar,
            ..Default::default()
        },
    );
    if c.ndim() == 0 {
        return divide(&c, &c);
    }
    let sd = sqrt(&diag(&c, 0));
    let n = sd.shape()[0];
    let c = divide(&divide(&c, &reshape(&sd, [n, 1])), &reshape(&sd, [1, n]));
    clip(&c, Some(&weak(-1.0, &c)), Some(&weak(1.0, &c)))
}

/// Quantile interpolation between the two nearest order statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum QuantileMethod {
    /// `low + (high - low) * frac` (the default).
    #[default]
    Linear,
    /// The lower order statistic.
    Lower,
    /// The higher order statistic.
    Higher,
    /// The nearer one (the lower on a tie).
    Nearest,
    /// The mean of the two.
    Midpoint,
}

/// Options of [`quantile_with`] and [`percentile_with`] (JAX's defaults: over the flattened
/// array, linear interpolation, no kept axes).
#[derive(Clone, Copy, Debug, Default)]
pub struct QuantileOptions {
    /// The axis (`None`: the flattened array).
    pub axis: Option<isize>,
    /// The interpolation method.
    pub method: QuantileMethod,
    /// Keep the reduced axis as size 1.
    pub keepdims: bool,
}

/// `jnp.quantile(a, q)`: the `q`-th quantile (`q` in `[0, 1]`, 0-d or 1-d; a 1-d `q` adds a
/// leading axis) of the flattened array, interpolating linearly. Any NaN gives NaN.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![4.0f32, 1.0, 3.0, 2.0], [4]);
/// assert_eq!(jnp::quantile(&x, &Array::scalar(0.5f32)).item::<f32>(), 2.5);
/// ```
pub fn quantile(a: &Array, q: &Array) -> Array {
    quantile_with(a, q, QuantileOptions::default())
}

/// `jnp.quantile(a, q, axis, method, keepdims)`.
pub fn quantile_with(a: &Array, q: &Array, options: QuantileOptions) -> Array {
    quantile_impl(a, q, options, false, "quantile")
}

/// `jnp.percentile(a, q)`: [`quantile`] with `q` in percent.
pub fn percentile(a: &Array, q: &Array) -> Array {
    percentile_with(a, q, QuantileOptions::default())
}

/// `jnp.percentile(a, q, axis, method, keepdims)`.
pub fn percentile_with(a: &Array, q: &Array, options: QuantileOptions) -> Array {
    let q = to_inexact(q);
    let q = divide(&q, &Array::weak_scalar(100.0));
    quantile_impl(a, &q, options, false, "percentile")
}

/// `jnp.median(a, axis)`: the middle value (mean of the two middle values for an even count)
/// along `axis` (`None`: of the flattened array); any NaN gives NaN.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![3i32, 1, 2, 10], [4]);
/// assert_eq!(jnp::median(&x, None).item::<f32>(), 2.5);
/// ```
pub fn median(a: &Array, axis: Option<isize>) -> Array {
    quantile_impl(
        a,
        &convert(&Array::scalar(0.5f32), DType::F32, true),
        QuantileOptions {
            axis,
            method: QuantileMethod::Midpoint,
            keepdims: false,
        },
        false,
        "median",
    )
}

/// `jnp.nanquantile(a, q)`: [`quantile`] ignoring NaNs (NaN only where a lane is all NaN).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![4.0f32, f32::NAN, 1.0, 3.0], [4]);
/// assert_eq!(jnp::nanquantile(&x, &Array::scalar(0.5f32)).item::<f32>(), 3.0);
/// ```
pub fn nanquantile(a: &Array, q: &Array) -> Array {
    nanquantile_with(a, q, QuantileOptions::default())
}

/// `jnp.nanquantile(a, q, axis, method, keepdims)`.
pub fn nanquantile_with(a: &Array, q: &Array, options: QuantileOptions) -> Array {
    quantile_impl(a, q, options, true, "nanquantile")
}

/// `jnp.nanpercentile(a, q)`: [`nanquantile`] with `q` in percent.
pub fn nanpercentile(a: &Array, q: &Array) -> Array {
    nanpercentile_with(a, q, QuantileOptions::default())
}

/// `jnp.nanpercentile(a, q, axis, method, keepdims)`.
pub fn nanpercentile_with(a: &Array, q: &Array, options: QuantileOptions) -> Array {
    let q = divide(&to_inexact(q), &Array::weak_scalar(100.0));
    quantile_impl(a, &q, options, true, "nanpercentile")
}

/// `jnp.nanmedian(a, axis)`: [`median`] ignoring NaNs (NaN only where a lane is all NaN).
pub fn nanmedian(a: &Array, axis: Option<isize>) -> Array {
    quantile_impl(
        a,
        &convert(&Array::scalar(0.5f32), DType::F32, true),
        QuantileOptions {
            axis,
            method: QuantileMethod::Midpoint,
            keepdims: false,
        },
        true,
        "nanmedian",
    )
}

/// JAX's `_quantile`: sort, then read the two order statistics around `q * (n - 1)`, where
/// `n` is the lane's length (any NaN making the lane NaN), or with `squash_nans` its count of
/// non-NaN values.
fn quantile_impl(
    a: &Array,
    q: &Array,
    options: QuantileOptions,
    squash_nans: bool,
    op: &str,
) -> Array {
    let a = to_inexact(a);
    if q.ndim() > 1 {
        panic!("{op}: q must have rank <= 1, got shape {}", q.shape_obj());
    }
    let nd_in = a.ndim();
    let (a, axis) = match options.axis {
        None => (ravel(&a), 0usize),
        Some(ax) => {
            let ax = normalize_axis(ax, a.ndim(), op);
            (a.clone(), ax)
        }
    };
    let n = a.shape()[axis];
    if n == 0 {
        panic!(
            "{op}: cannot take a quantile over an empty axis {axis} of shape {}",
            a.shape_obj()
        );
    }
    let q = to_inexact(q);
    let qd = q.dtype();
    let scalar_q = |v: f64| convert(&Array::scalar(v), qd, false);
    // The two order statistics around each quantile and their interpolation weights, with
    // the weights shaped to broadcast against the values (q's axis first).
    let (lo_v, hi_v, lw, hw) = if squash_nans {
        // NaNs (made positive) sort last; each lane interpolates over its non-NaN count. An
        // all-NaN lane reads its first element, a NaN.
        let a = where_(&isnan(&a), &weak(f64::NAN, &a), &a);
        let a = super::sorting::sort(&a, axis as isize);
        let valid = convert(&logical_not(&isnan(&a)), qd, false);
        let counts = sum(&valid, axis as isize);
        let q_b = if q.ndim() == 1 {
            let mut shape = vec![1usize; counts.ndim() + 1];
            shape[0] = q.shape()[0];
            reshape(&q, shape)
        } else {
            q.clone()
        };
        let last = subtract(&counts, &scalar_q(1.0));
        let qn = multiply(&q_b, &last);
        let low = super::math::floor(&qn);
        let high = super::math::ceil(&qn);
        let hw = subtract(&qn, &low);
        let lw = subtract(&scalar_q(1.0), &hw);
        let bound = |x: &Array| {
            let x = super::math::maximum(&scalar_q(0.0), &super::math::minimum(x, &last));
            convert(&x, DType::I32, false)
        };
        let read = |idx: &Array| {
            let idx = if q.ndim() == 1 {
                moveaxis(idx, 0, axis as isize)
            } else {
                super::manipulation::expand_dims(idx, axis as isize)
            };
            let v = super::indexing::take_along_axis(&a, &idx, axis as isize);
            if q.ndim() == 1 {
                moveaxis(&v, axis as isize, 0)
            } else {
                squeeze(&v, axis as isize)
            }
        };
        (read(&bound(&low)), read(&bound(&high)), lw, hw)
    } else {
        // Any NaN makes its whole lane NaN.
        let any_nan = any(&isnan(&a), axis as isize);
        let any_nan = super::manipulation::expand_dims(&any_nan, axis as isize);
        let a = where_(&any_nan, &weak(f64::NAN, &a), &a);
        let a = super::sorting::sort(&a, axis as isize);
        let qn = multiply(&q, &scalar_q((n - 1) as f64));
        let low = super::math::floor(&qn);
        let high = super::math::ceil(&qn);
        let hw = subtract(&qn, &low);
        let lw = subtract(&scalar_q(1.0), &hw);
        let (zero, top) = (scalar_q(0.0), scalar_q((n - 1) as f64));
        let bound = |x: &Array| convert(&clip(x, Some(&zero), Some(&top)), DType::I32, false);
        // `take` puts a 1-d q's axis where `axis` was; JAX puts it first.
        let read = |idx: &Array| {
            let v = take(&a, idx, Some(axis as isize));
            if q.ndim() == 1 {
                moveaxis(&v, axis as isize, 0)
            } else {
                v
            }
        };
        let (lo_v, hi_v) = (read(&bound(&low)), read(&bound(&high)));
        let along_q = |w: &Array| {
            if q.ndim() == 1 {
                let mut shape = vec![1usize; lo_v.ndim()];
                shape[0] = q.shape()[0];
                reshape(w, shape)
            } else {
                w.clone()
            }
        };
        let (lw, hw) = (along_q(&lw), along_q(&hw));
        (lo_v, hi_v, lw, hw)
    };
    let result = match options.method {
        QuantileMethod::Linear => super::math::add(
            &multiply(&convert(&lo_v, qd, false), &lw),
            &multiply(&convert(&hi_v, qd, false), &hw),
        ),
        QuantileMethod::Lower => lo_v,
        QuantileMethod::Higher => hi_v,
        QuantileMethod::Nearest => {
            let pred = super::math::less_equal(&hw, &weak(0.5, &hw));
            where_(&pred, &lo_v, &hi_v)
        }
        QuantileMethod::Midpoint => multiply(
            &super::math::add(&lo_v, &hi_v),
            &convert(&Array::scalar(0.5), lo_v.dtype(), false),
        ),
    };
    let result = if options.keepdims {
        let mut shape: Vec<usize> = q.shape().to_vec();
        match options.axis {
            None => shape.extend(std::iter::repeat_n(1, nd_in)),
            Some(_) => {
                let mut s = a.shape().to_vec();
                s[axis] = 1;
                shape.extend(s);
            }
        }
        reshape(&result, shape)
    } else {
        result
    };
    convert(&result, a.dtype(), false)
}

/// `_nan_reduction`: NaNs replaced by `init` before reducing (integer inputs reduce directly).
fn nan_replaced(a: &Array, init: f64) -> Array {
    where_(&isnan(a), &weak(init, a), a)
}

/// `jnp.nansum(a, axis)`: [`sum`] treating NaN as 0.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, f32::NAN, 2.0], [3]);
/// assert_eq!(jnp::nansum(&x, None).item::<f32>(), 3.0);
/// ```
pub fn nansum(a: &Array, axes: impl Into<Axes>) -> Array {
    if !a.dtype().is_float() {
        return sum(a, axes);
    }
    sum(&nan_replaced(a, 0.0), axes)
}

/// `jnp.nanprod(a, axis)`: [`super::reductions::prod`] treating NaN as 1.
pub fn nanprod(a: &Array, axes: impl Into<Axes>) -> Array {
    if !a.dtype().is_float() {
        return super::reductions::prod(a, axes);
    }
    super::reductions::prod(&nan_replaced(a, 1.0), axes)
}

/// `jnp.nanmax(a, axis)`: [`max`] ignoring NaN (NaN where every element is NaN).
pub fn nanmax(a: &Array, axes: impl Into<Axes>) -> Array {
    nan_extremum(a, axes.into(), f64::NEG_INFINITY, true)
}

/// `jnp.nanmin(a, axis)`: [`min`] ignoring NaN (NaN where every element is NaN).
pub fn nanmin(a: &Array, axes: impl Into<Axes>) -> Array {
    nan_extremum(a, axes.into(), f64::INFINITY, false)
}

fn nan_extremum(a: &Array, axes: Axes, init: f64, is_max: bool) -> Array {
    let reduce = |x: &Array| {
        if is_max {
            max(x, axes.clone())
        } else {
            min(x, axes.clone())
        }
    };
    if !a.dtype().is_float() {
        return reduce(a);
    }
    let out = reduce(&nan_replaced(a, init));
    where_(&all(&isnan(a), axes.clone()), &weak(f64::NAN, &out), &out)
}

/// `jnp.nanmean(a, axis)`: the mean of the non-NaN elements (NaN where there are none).
pub fn nanmean(a: &Array, axes: impl Into<Axes>) -> Array {
    nanmean_impl(a, &axes.into(), false)
}

fn nanmean_impl(a: &Array, axes: &Axes, keepdims: bool) -> Array {
    if !a.dtype().is_float() {
        return if keepdims {
            mean_keepdims(a, axes.clone())
        } else {
            mean(a, axes.clone())
        };
    }
    let count = convert(&logical_not(&isnan(a)), a.dtype(), false);
    let replaced = nan_replaced(a, 0.0);
    let (s, n) = if keepdims {
        (
            sum_keepdims(&replaced, axes.clone()),
            sum_keepdims(&count, axes.clone()),
        )
    } else {
        (sum(&replaced, axes.clone()), sum(&count, axes.clone()))
    };
    divide(&s, &n)
}

/// `jnp.nanvar(a, axis)`: the variance of the non-NaN elements (`ddof = 0`).
pub fn nanvar(a: &Array, axes: impl Into<Axes>) -> Array {
    nanvar_ddof(a, axes, 0)
}

/// `jnp.nanvar(a, axis, ddof=...)`: NaN where fewer than `ddof + 1` elements are not NaN.
pub fn nanvar_ddof(a: &Array, axes: impl Into<Axes>, ddof: usize) -> Array {
    let axes = axes.into();
    let a = to_inexact(a);
    let mu = nanmean_impl(&a, &axes, true);
    let nan_mask = isnan(&a);
    // The double where: NaN elements contribute 0 and no gradient.
    let centered = where_(&nan_mask, &weak(0.0, &a), &subtract(&a, &mu));
    let sq = super::math::square(&centered);
    let count = sum(&logical_not(&nan_mask), axes.clone());
    let normalizer = subtract(&count, &Array::weak_scalar(ddof as i32));
    let bad = super::math::less_equal(&normalizer, &Array::weak_scalar(0i32));
    let result = sum(&sq, axes);
    let result = where_(&bad, &weak(f64::NAN, &result), &result);
    let divisor = where_(&bad, &Array::weak_scalar(1i32), &normalizer);
    divide(&result, &convert(&divisor, result.dtype(), false))
}

/// `jnp.nanstd(a, axis)`: the square root of [`nanvar`].
pub fn nanstd(a: &Array, axes: impl Into<Axes>) -> Array {
    sqrt(&nanvar_ddof(a, axes, 0))
}

/// `jnp.nanargmax(a, axis)`: [`argmax`] ignoring NaN; -1 where every element is NaN.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![1.0f32, f32::NAN, 2.0, f32::NAN, f32::NAN, f32::NAN], [2, 3]);
/// assert_eq!(jnp::nanargmax(&x, 1).to_vec::<i32>(), vec![2, -1]);
/// ```
pub fn nanargmax(a: &Array, axis: impl Into<Axes>) -> Array {
    nan_arg(a, axis.into(), f64::NEG_INFINITY, true)
}

/// `jnp.nanargmin(a, axis)`: [`argmin`] ignoring NaN; -1 where every element is NaN.
pub fn nanargmin(a: &Array, axis: impl Into<Axes>) -> Array {
    nan_arg(a, axis.into(), f64::INFINITY, false)
}

fn nan_arg(a: &Array, axis: Axes, init: f64, is_max: bool) -> Array {
    let arg = |x: &Array| {
        if is_max {
            argmax(x, axis.clone())
        } else {
            argmin(x, axis.clone())
        }
    };
    if !a.dtype().is_float() {
        return arg(a);
    }
    let mask = isnan(a);
    let res = arg(&where_(&mask, &weak(init, a), a));
    where_(&all(&mask, axis.clone()), &Array::weak_scalar(-1i32), &res)
}

impl Array {
    /// [`ptp`]: `max - min` over axes (`x.ptp(axis)`).
    pub fn ptp(&self, axes: impl Into<Axes>) -> Array {
        ptp(self, axes)
    }
}
