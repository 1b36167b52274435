//! Counting into bins, named as in `jax.numpy`: `bincount`, `digitize`, `histogram`,
//! `histogram_bin_edges`, `histogram2d`, `histogramdd`.

use super::indexing::Index;
use super::math::{clip, divide, equal, greater_equal, multiply, subtract, where_};
use super::promotion::{convert, promote_dtypes, to_inexact};
use super::rearranging::diff;
use super::reductions::{max, min, sum};
use super::sorting::{searchsorted, Side};
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::gather_scatter::GatherScatterMode;

/// Options of [`bincount_with_options`]; the defaults are JAX's.
#[derive(Clone, Copy, Debug, Default)]
pub struct BincountOptions<'a> {
    /// Summed instead of ones (the shape of `x`; `None`, the default: counts).
    pub weights: Option<&'a Array>,
    /// The least length of the result (default 0).
    pub minlength: usize,
    /// The length of the result, fixed: values `>= length` are dropped and `minlength` is not
    /// used. Needed under jit/vmap/grad, where the values of `x` are not known (`None`, the
    /// default: `max(minlength, max(x) + 1)`, from a concrete `x`).
    pub length: Option<usize>,
}

/// `jnp.bincount(x)`: how often each value `0..max(x) + 1` occurs in the 1-d integer array
/// `x`. Needs a concrete `x`; [`bincount_with_options`] takes weights, a minimum length, or
/// a static length that works under jit.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 1, 1, 3], [4]);
/// assert_eq!(jnp::bincount(&x).to_vec::<i32>(), vec![1, 2, 0, 1]);
/// ```
pub fn bincount(x: &Array) -> Array {
    bincount_with_options(x, BincountOptions::default())
}

/// `jnp.bincount(x, weights, minlength, length=length)` (see [`BincountOptions`]): negative
/// values count as 0, and with a given `length` values `>= length` are dropped, as in JAX.
///
/// ```
/// use equinox_core::{numpy::{self as jnp, BincountOptions}, Array};
/// let x = Array::from_vec(vec![0i32, 1, 1, 3], [4]);
/// let w = Array::from_vec(vec![0.5f32, 1.0, 2.0, 4.0], [4]);
/// let options = BincountOptions { weights: Some(&w), length: Some(3), ..Default::default() };
/// assert_eq!(jnp::bincount_with_options(&x, options).to_vec::<f32>(), vec![0.5, 3.0, 0.0]);
/// ```
pub fn bincount_with_options(x: &Array, options: BincountOptions) -> Array {
    let length = match options.length {
        Some(length) => length,
        None => {
            if !x.is_concrete() {
                panic!(
                    "bincount: the length depends on the values of a traced array of shape {}; \
                     give a static `length` (BincountOptions) under jit/vmap/grad",
                    x.shape_obj()
                );
            }
            let top = if x.size() == 0 {
                0
            } else {
                (max(&convert(x, DType::I32, false), None).item::<i32>() + 1).max(0) as usize
            };
            options.minlength.max(top)
        }
    };
    counts(x, options.weights, length)
}

/// The counts (or weight sums) of the values `0..length` of `x`.
pub(super) fn counts(x: &Array, weights: Option<&Array>, length: usize) -> Array {
    let x = if x.dtype().is_bool() {
        convert(x, DType::I32, false)
    } else {
        x.clone()
    };
    if !x.dtype().is_integer() {
        panic!("bincount: x must have an integer type, got {:?}", x.dtype());
    }
    if x.ndim() != 1 {
        panic!(
            "bincount: only 1-d input is supported, got shape {}",
            x.shape_obj()
        );
    }
    let w = match weights {
        None => Array::scalar(1i32),
        Some(w) => {
            if w.shape() != x.shape() {
                panic!(
                    "bincount: weights of shape {} must match x of shape {}",
                    w.shape_obj(),
                    x.shape_obj()
                );
            }
            w.clone()
        }
    };
    let idx = clip(
        &x,
        Some(&convert(&Array::scalar(0i32), x.dtype(), true)),
        None,
    );
    super::creation::zeros_dtype([length], w.dtype())
        .at(vec![Index::Array(idx)])
        .mode(GatherScatterMode::FillOrDrop)
        .add(&w)
}

/// `jnp.digitize(x, bins, right)`: the index of the bin of `bins` (1-d, increasing or
/// decreasing) that each element of `x` falls in, as int32 (`bins[i-1] <= x < bins[i]` for
/// increasing bins; `right` closes the intervals on the right instead).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let bins = Array::from_vec(vec![0.0f32, 1.0, 2.0], [3]);
/// let x = Array::from_vec(vec![-0.5f32, 1.0, 2.5], [3]);
/// assert_eq!(jnp::digitize(&x, &bins, false).to_vec::<i32>(), vec![0, 2, 3]);
/// ```
pub fn digitize(x: &Array, bins: &Array, right: bool) -> Array {
    if bins.ndim() != 1 {
        panic!("digitize: bins must be 1-d, got shape {}", bins.shape_obj());
    }
    let n = bins.shape()[0];
    if n == 0 {
        return super::creation::zeros_dtype(x.shape(), DType::I32);
    }
    let side = if right { Side::Left } else { Side::Right };
    let first = lax::slice_in_dim(bins, 0, 1, 1, 0).reshape([0i32; 0]);
    let last = lax::slice_in_dim(bins, n - 1, n, 1, 0).reshape([0i32; 0]);
    let rising = greater_equal(&last, &first);
    let reversed = super::manipulation::flip(bins, 0);
    where_(
        &rising,
        &searchsorted(bins, x, side),
        &subtract(
            &Array::weak_scalar(n as i32),
            &searchsorted(&reversed, x, side),
        ),
    )
}

/// The bins of [`histogram_with`]: a count of equal-width bins over the range, or explicit
/// (monotonically increasing) edges.
#[derive(Clone, Debug)]
pub enum Bins {
    /// This many equal-width bins.
    Count(usize),
    /// The bin edges.
    Edges(Array),
}

/// Options of [`histogram_with`] (JAX's defaults: 10 bins over `[min, max]`, unweighted
/// counts).
#[derive(Clone, Debug)]
pub struct HistogramOptions {
    /// The bins.
    pub bins: Bins,
    /// The range `(lo, hi)` the equal-width bins span (`None`: the data's min and max; an
    /// empty range is widened by 0.5 on each side).
    pub range: Option<(f64, f64)>,
    /// Weights summed in place of counts (the shape of `a`).
    pub weights: Option<Array>,
    /// Normalise so that the histogram integrates to 1.
    pub density: bool,
}

impl Default for HistogramOptions {
    fn default() -> Self {
        HistogramOptions {
            bins: Bins::Count(10),
            range: None,
            weights: None,
            density: false,
        }
    }
}

/// `jnp.histogram(a, bins)`: counts of the flattened `a` in `bins` equal-width bins over its
/// range, and the `bins + 1` edges. The last bin is closed on the right.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let a = Array::from_vec(vec![0.0f32, 0.5, 1.0, 1.0], [4]);
/// let (counts, edges) = jnp::histogram(&a, 2);
/// assert_eq!(counts.to_vec::<f32>(), vec![1.0, 3.0]);
/// assert_eq!(edges.to_vec::<f32>(), vec![0.0, 0.5, 1.0]);
/// ```
pub fn histogram(a: &Array, bins: usize) -> (Array, Array) {
    histogram_with(
        a,
        HistogramOptions {
            bins: Bins::Count(bins),
            ..Default::default()
        },
    )
}

/// `jnp.histogram(a, bins, range, weights, density)`.
pub fn histogram_with(a: &Array, options: HistogramOptions) -> (Array, Array) {
    let (a, w) = match &options.weights {
        None => {
            let a = to_inexact(a);
            let ones = super::creation::ones_like(&a);
            (a, ones)
        }
        Some(w) => {
            if w.shape() != a.shape() {
                panic!(
                    "histogram: weights of shape {} must match a of shape {}",
                    w.shape_obj(),
                    a.shape_obj()
                );
            }
            let p: Vec<Array> = promote_dtypes(&[a, w]).iter().map(to_inexact).collect();
            (p[0].clone(), p[1].clone())
        }
    };
    let (a, w) = (a.ravel(), w.ravel());
    let edges = match &options.bins {
        Bins::Edges(e) => {
            if e.ndim() != 1 {
                panic!(
                    "histogram: bin edges must be 1-d, got shape {}",
                    e.shape_obj()
                );
            }
            convert(e, a.dtype(), false)
        }
        Bins::Count(n) => {
            let (lo, hi) = match options.range {
                Some((lo, hi)) => (
                    convert(&Array::scalar(lo), a.dtype(), false),
                    convert(&Array::scalar(hi), a.dtype(), false),
                ),
                None => (min(&a, None), max(&a, None)),
            };
            // An empty range is widened by 0.5 on each side.
            let flat = equal(
                &subtract(&hi, &lo),
                &convert(&Array::scalar(0.0), a.dtype(), true),
            );
            let half = convert(&Array::scalar(0.5), a.dtype(), true);
            let lo = where_(&flat, &subtract(&lo, &half), &lo);
            let hi = where_(&flat, &super::math::add(&hi, &half), &hi);
            linspace_traced(&lo, &hi, n + 1)
        }
    };
    let ne = edges.shape()[0];
    let last = lax::slice_in_dim(&edges, ne - 1, ne, 1, 0).reshape([0i32; 0]);
    let idx = searchsorted(&edges, &a, Side::Right);
    let idx = where_(&equal(&a, &last), &Array::scalar((ne - 1) as i32), &idx);
    let counts = super::creation::zeros_dtype([ne], w.dtype())
        .at(vec![Index::Array(idx)])
        .mode(GatherScatterMode::FillOrDrop)
        .add(&w);
    let counts = lax::slice_in_dim(&counts, 1, ne, 1, 0);
    let counts = if options.density {
        divide(&divide(&counts, &diff(&edges)), &sum(&counts, None))
    } else {
        counts
    };
    (counts, edges)
}

/// JAX's `linspace` with endpoint for 0-d (possibly traced) bounds:
/// `start * (1 - i / (num - 1)) + stop * (i / (num - 1))`, the last element exactly `stop`.
fn linspace_traced(start: &Array, stop: &Array, num: usize) -> Array {
    let dt = start.dtype();
    if num == 1 {
        return start.reshape([1]);
    }
    let div = num - 1;
    let step = divide(
        &convert(&lax::iota(DType::I32, div), dt, false),
        &convert(&Array::scalar(div as f64), dt, false),
    );
    let one = convert(&Array::scalar(1.0), dt, false);
    let body = super::math::add(
        &multiply(start, &subtract(&one, &step)),
        &multiply(stop, &step),
    );
    super::joining::concatenate(&[&body, &stop.reshape([1])], 0)
}

/// `jnp.histogram_bin_edges(a, bins, range, weights)`: the bin edges [`histogram_with`] uses
/// (`bins + 1` evenly spaced edges over the range, or the given edges).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let e = jnp::histogram_bin_edges(&Array::from_vec(vec![0.0f32, 1.0, 4.0], [3]), 4);
/// assert_eq!(e.to_vec::<f32>(), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn histogram_bin_edges(a: &Array, bins: usize) -> Array {
    histogram_bin_edges_with(
        a,
        HistogramOptions {
            bins: Bins::Count(bins),
            ..Default::default()
        },
    )
}

/// `jnp.histogram_bin_edges(a, bins, range, weights)` with [`HistogramOptions`] (`density` is
/// ignored).
pub fn histogram_bin_edges_with(a: &Array, options: HistogramOptions) -> Array {
    histogram_with(a, options).1
}

/// Options of [`histogramdd_with`] and [`histogram2d_with`]: JAX's defaults are 10 bins per
/// dimension over the data's range, no weights, counts rather than densities.
#[derive(Clone, Debug)]
pub struct HistogramddOptions {
    /// Bins for every dimension (one entry), or one entry per dimension.
    pub bins: Vec<Bins>,
    /// The range of each dimension (`None`: the data's, per dimension).
    pub range: Option<Vec<Option<(f64, f64)>>>,
    /// One weight per sample.
    pub weights: Option<Array>,
    /// Normalise to a density (counts per unit volume, summing to 1 over the volume).
    pub density: bool,
}

impl Default for HistogramddOptions {
    fn default() -> Self {
        HistogramddOptions {
            bins: vec![Bins::Count(10)],
            range: None,
            weights: None,
            density: false,
        }
    }
}

/// `jnp.histogramdd(sample)`: the histogram of `N` points in `D` dimensions (`sample` of shape
/// `[N, D]`) with 10 bins per dimension; returns the `D`-dimensional counts and the edges of
/// each dimension.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let pts = Array::from_vec(vec![0.0f32, 0.0, 1.0, 1.0, 1.0, 0.0], [3, 2]);
/// let (h, edges) = jnp::histogramdd(&pts);
/// assert_eq!((h.shape(), edges.len()), (&[10usize, 10][..], 2));
/// ```
pub fn histogramdd(sample: &Array) -> (Array, Vec<Array>) {
    histogramdd_with(sample, HistogramddOptions::default())
}

/// `jnp.histogramdd(sample, bins, range, weights, density)`.
pub fn histogramdd_with(sample: &Array, options: HistogramddOptions) -> (Array, Vec<Array>) {
    let (sample, weights) = match &options.weights {
        None => (to_inexact(sample), None),
        Some(w) => {
            if sample.ndim() < 1 || w.shape() != &sample.shape()[..1] {
                panic!(
                    "histogramdd: should have one weight for each sample (weights of shape {}, \
                     sample of shape {})",
                    w.shape_obj(),
                    sample.shape_obj()
                );
            }
            let p: Vec<Array> = promote_dtypes(&[sample, w])
                .iter()
                .map(to_inexact)
                .collect();
            (p[0].clone(), Some(p[1].clone()))
        }
    };
    let (n, d) = match sample.shape() {
        [n, d] => (*n, *d),
        _ => panic!(
            "histogramdd: sample must have shape (N, D), got {}",
            sample.shape_obj()
        ),
    };
    if let Some(r) = &options.range
        && r.len() != d
    {
        panic!(
            "histogramdd: For sample.shape=({n}, {d}), range must be a sequence of {d} pairs \
                 or Nones; got {} entries",
            r.len()
        );
    }
    let bins: Vec<Bins> = match options.bins.len() {
        1 => vec![options.bins[0].clone(); d],
        k if k == d => options.bins.clone(),
        k => {
            panic!("histogramdd: should be a bin for each dimension ({k} bins for {d} dimensions)")
        }
    };
    let mut idx_by_dim = Vec::with_capacity(d);
    let mut edges_by_dim = Vec::with_capacity(d);
    for (i, b) in bins.into_iter().enumerate() {
        let col = lax::slice_in_dim(&sample, i, i + 1, 1, 1).reshape([n]);
        let edges = histogram_bin_edges_with(
            &col,
            HistogramOptions {
                bins: b,
                range: options.range.as_ref().and_then(|r| r[i]),
                weights: None,
                density: false,
            },
        );
        let ne = edges.shape()[0];
        let last = lax::slice_in_dim(&edges, ne - 1, ne, 1, 0).reshape([0i32; 0]);
        let idx = searchsorted(&edges, &col, Side::Right);
        let idx = where_(
            &equal(&col, &last),
            &subtract(&idx, &Array::weak_scalar(1)),
            &idx,
        );
        idx_by_dim.push(idx);
        edges_by_dim.push(edges);
    }
    let nbins: Vec<usize> = edges_by_dim.iter().map(|e| e.shape()[0] + 1).collect();
    let refs: Vec<&Array> = idx_by_dim.iter().collect();
    let xy = super::index_tricks::ravel_multi_index_with(
        &refs,
        &nbins,
        super::index_tricks::RavelOptions {
            mode: super::index_tricks::IndexMode::Clip,
            ..Default::default()
        },
    );
    let total: usize = nbins.iter().product();
    let hist = counts(&xy, weights.as_ref(), total).reshape(nbins.clone());
    // Drop the outlier bins at both ends of every dimension.
    let mut hist = hist;
    for (ax, &nb) in nbins.iter().enumerate() {
        hist = lax::slice_in_dim(&hist, 1, nb - 1, 1, ax);
    }
    if options.density {
        hist = hist.astype(sample.dtype());
        hist = divide(&hist, &sum(&hist, None));
        let dedges: Vec<Array> = edges_by_dim.iter().map(diff).collect();
        let norms = super::index_tricks::ix_(&dedges.iter().collect::<Vec<_>>());
        for norm in &norms {
            hist = divide(&hist, norm);
        }
    }
    (hist, edges_by_dim)
}

/// `jnp.histogram2d(x, y)`: the 2-d histogram of the points `(x[i], y[i])` with 10 bins per
/// dimension: the counts and the edges along `x` and along `y`.
pub fn histogram2d(x: &Array, y: &Array) -> (Array, Array, Array) {
    histogram2d_with(x, y, HistogramddOptions::default())
}

/// `jnp.histogram2d(x, y, bins, range, weights, density)`.
pub fn histogram2d_with(
    x: &Array,
    y: &Array,
    options: HistogramddOptions,
) -> (Array, Array, Array) {
    let sample = super::joining::stack(&[x, y], 1);
    let (h, mut e) = histogramdd_with(&sample, options);
    let ey = e.pop().expect("two dimensions");
    (h, e.pop().expect("two dimensions"), ey)
}
