//! Counting into bins, named as in `jax.numpy`: `bincount`, `digitize`, `histogram`.

use super::indexing::Index;
use super::math::{clip, divide, equal, greater_equal, multiply, subtract, where_};
use super::promotion::{convert, promote_dtypes, to_inexact};
use super::rearranging::diff;
use super::reductions::{max, min, sum};
use super::sorting::{searchsorted, Side};
use crate::array::{Array, DType};
use crate::lax;
use crate::prims::gather_scatter::GatherScatterMode;

/// `jnp.bincount(x, weights, minlength)`: how often each value `0..length` occurs in the 1-d
/// integer array `x` (summing `weights` instead of ones when given), with
/// `length = max(minlength, max(x) + 1)`. Needs a concrete `x` (see [`bincount_sized`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let x = Array::from_vec(vec![0i32, 1, 1, 3], [4]);
/// assert_eq!(jnp::bincount(&x, None, 0).to_vec::<i32>(), vec![1, 2, 0, 1]);
/// ```
pub fn bincount(x: &Array, weights: Option<&Array>, minlength: usize) -> Array {
    if !x.is_concrete() {
        panic!(
            "bincount: the length depends on the values of a traced array of shape {}; use \
             bincount_sized with a static length under jit/vmap/grad",
            x.shape_obj()
        );
    }
    let top = if x.size() == 0 {
        0
    } else {
        (max(&convert(x, DType::I32, false), None).item::<i32>() + 1).max(0) as usize
    };
    bincount_sized(x, weights, minlength.max(top))
}

/// `jnp.bincount(x, weights, length=length)`: counts of the values `0..length`; negative values
/// count as 0 and values `>= length` are dropped, as in JAX. Works under jit.
pub fn bincount_sized(x: &Array, weights: Option<&Array>, length: usize) -> Array {
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
