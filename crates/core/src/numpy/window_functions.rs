//! Window functions and the Bessel function they need, named as in `jax.numpy`: `bartlett`,
//! `blackman`, `hamming`, `hanning`, `kaiser`, `i0`. Windows are float32, computed with
//! JAX's formulas.

use super::math::{abs, cos, exp, greater, sqrt, where_};
use super::promotion::{convert, to_inexact};
use crate::array::{Array, DType};
use crate::lax;

fn w(v: f64) -> Array {
    Array::weak_scalar(v)
}

/// `[0, 1, ..., m-1]` as float32, or `None` (with the all-ones window) when `m <= 1`.
fn window_iota(m: usize) -> Result<Array, Array> {
    if m <= 1 {
        Err(super::creation::ones_dtype([m], DType::F32))
    } else {
        Ok(lax::iota(DType::F32, m))
    }
}

/// `jnp.bartlett(M)`: the triangular window `1 - |2n + 1 - M| / (M - 1)`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// assert_eq!(jnp::bartlett(5).to_vec::<f32>(), vec![0.0, 0.5, 1.0, 0.5, 0.0]);
/// ```
pub fn bartlett(m: usize) -> Array {
    let n = match window_iota(m) {
        Ok(n) => n,
        Err(ones) => return ones,
    };
    let mf = m as f64;
    let t = abs(&(&(&(&n * 2.0) + 1.0) - mf));
    w(1.0) - &t / (mf - 1.0)
}

/// `2π n / (M - 1)` (times `k`), as JAX orders the operations.
fn phase(n: &Array, m: usize, k: f64) -> Array {
    &(n * (k * std::f64::consts::PI)) / (m as f64 - 1.0)
}

/// `jnp.blackman(M)`: `0.42 - 0.5 cos(2πn/(M-1)) + 0.08 cos(4πn/(M-1))`.
pub fn blackman(m: usize) -> Array {
    let n = match window_iota(m) {
        Ok(n) => n,
        Err(ones) => return ones,
    };
    &(w(0.42) - &cos(&phase(&n, m, 2.0)) * 0.5) + &(&cos(&phase(&n, m, 4.0)) * 0.08)
}

/// `jnp.hamming(M)`: `0.54 - 0.46 cos(2πn/(M-1))`.
pub fn hamming(m: usize) -> Array {
    let n = match window_iota(m) {
        Ok(n) => n,
        Err(ones) => return ones,
    };
    w(0.54) - &cos(&phase(&n, m, 2.0)) * 0.46
}

/// `jnp.hanning(M)`: `0.5 (1 - cos(2πn/(M-1)))`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let h = jnp::hanning(3).to_vec::<f32>();
/// assert_eq!(h[1], 1.0);
/// ```
pub fn hanning(m: usize) -> Array {
    let n = match window_iota(m) {
        Ok(n) => n,
        Err(ones) => return ones,
    };
    (w(1.0) - &cos(&phase(&n, m, 2.0))) * 0.5
}

/// `jnp.kaiser(M, beta)`: `i0(beta sqrt(1 - ((n - α)/α)²)) / i0(beta)` with `α = (M - 1)/2`.
pub fn kaiser(m: usize, beta: f64) -> Array {
    let n = match window_iota(m) {
        Ok(n) => n,
        Err(ones) => return ones,
    };
    let alpha = 0.5 * (m as f64 - 1.0);
    let r = &(&n - alpha) / alpha;
    let inner = sqrt(&(w(1.0) - &(&r * &r)));
    // A Python float `beta` is weakly typed: `i0(beta)` is computed in float32.
    super::math::divide(&i0(&(&inner * beta)), &i0(&Array::scalar(beta as f32)))
}

/// Below this, [`i0`] sums its power series; above, it uses the asymptotic expansion.
const SERIES_LIMIT: f64 = 30.0;

/// `jnp.i0(x)`: the modified Bessel function of the first kind of order 0,
/// `sum_k (x²/4)^k / (k!)²` (integers become float). Computed here from the power series
/// (`|x| <= 30`) and the asymptotic expansion of `e^|x| / sqrt(2π|x|)` beyond, accurate to a
/// few float32 ulps; differentiable, with derivative 0 at 0 as in JAX.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let y = jnp::i0(&Array::from_vec(vec![0.0f32, 1.0], [2])).to_vec::<f32>();
/// assert_eq!(y[0], 1.0);
/// assert!((y[1] - 1.266_065_9).abs() < 1e-6);
/// ```
pub fn i0(x: &Array) -> Array {
    let x = to_inexact(x);
    if x.dtype().is_complex() {
        panic!(
            "i0: i0 does not support complex-valued inputs, got {}",
            x.dtype()
        );
    }
    let lit = |v: f64| convert(&Array::scalar(v), x.dtype(), x.weak_type());
    let ax = abs(&x);
    let big = greater(&ax, &lit(SERIES_LIMIT));
    // Each branch sees inputs in its own range, so the unused one stays finite (and so do
    // its gradients).
    let xs = where_(&big, &lit(0.0), &ax);
    let xl = where_(&big, &ax, &lit(SERIES_LIMIT + 1.0));
    let q = &(&xs * &xs) * 0.25;
    let mut term = super::creation::ones_like(&q);
    let mut series = term.clone();
    for k in 1..=90 {
        term = &(&term * &q) / ((k * k) as f64);
        series = &series + &term;
    }
    // e^x / sqrt(2πx) * sum_k ((2k-1)!!)² / (k! (8x)^k).
    let inv8x = super::math::reciprocal(&(&xl * 8.0));
    let mut t = super::creation::ones_like(&xl);
    let mut asym = t.clone();
    for k in 1..=8 {
        let c = ((2 * k - 1) * (2 * k - 1)) as f64 / k as f64;
        t = &(&t * &inv8x) * c;
        asym = &asym + &t;
    }
    let scale = super::math::divide(&exp(&xl), &sqrt(&(&xl * (2.0 * std::f64::consts::PI))));
    where_(&big, &(&scale * &asym), &series)
}
