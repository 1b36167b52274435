//! Distributions built from Gamma draws, as `jax.random` builds them: `beta`, `dirichlet`,
//! `chisquare`, `t`, `f`, `generalized_normal` and `ball`. Each splits its key and combines
//! [`gamma`]/[`loggamma`] samples in JAX's order of operations, so float32 samples match JAX's
//! to a few ulp.

use super::discrete::rademacher;
use super::distributions::exponential;
use super::gamma::{broadcast_param, float_param, gamma, loggamma};
use super::key::{split_into, Key};
use super::normal::normal;
use super::ops::{c_float, check_float};
use crate::array::{broadcast_shapes, Array, DType, Shape};
use crate::numpy as jnp;

/// Beta(`a`, `b`) samples (`jax.random.beta`): `Ga / (Ga + Gb)` from two log-gamma draws,
/// scaled by their maximum so that small shapes keep their precision. `a` and `b` broadcast to
/// `shape`.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::beta(random::key(0), 2.0, 5.0, [6], DType::F32);
/// assert!(x.to_vec::<f32>().iter().all(|&v| (0.0..=1.0).contains(&v)));
/// ```
pub fn beta(
    key: Key,
    a: impl Into<Array>,
    b: impl Into<Array>,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("beta", dtype);
    let shape = shape.into();
    let a = broadcast_param("beta", &float_param(a.into(), dtype), &shape);
    let b = broadcast_param("beta", &float_param(b.into(), dtype), &shape);
    let [key_a, key_b] = split_into(key);
    let log_a = loggamma(key_a, a, shape.clone(), dtype);
    let log_b = loggamma(key_b, b, shape, dtype);
    let log_max = jnp::maximum(&log_a, &log_b);
    let ga = (&log_a - &log_max).exp();
    let gb = (&log_b - &log_max).exp();
    &ga / &(&ga + &gb)
}

/// Dirichlet(`alpha`) samples (`jax.random.dirichlet`): a softmax of log-gamma draws over the
/// last axis. `alpha` has at least one axis (the categories); `shape` is the batch shape, to
/// which `alpha.shape[:-1]` broadcasts, and samples have shape `shape + (k,)`.
///
/// ```
/// use equinox_core::{random, Array, DType};
/// let alpha = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let x = random::dirichlet(random::key(0), &alpha, [4], DType::F32);
/// assert_eq!(x.shape(), &[4, 3]);
/// let sums = x.sum(-1).to_vec::<f32>();
/// assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5));
/// ```
pub fn dirichlet(key: Key, alpha: &Array, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("dirichlet", dtype);
    if alpha.ndim() == 0 {
        panic!(
            "random.dirichlet: alpha must have at least one axis (the categories), got a scalar"
        );
    }
    let mut full = shape.into().to_vec();
    full.push(alpha.shape()[alpha.ndim() - 1]);
    let log_g = loggamma(key, float_param(alpha.clone(), dtype), full, dtype);
    crate::nn::softmax(&log_g, -1)
}

/// Chi-squared samples with `df` degrees of freedom (`jax.random.chisquare`):
/// `2 exp(loggamma(df / 2))`.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::chisquare(random::key(0), 3.0, [5], DType::F32);
/// assert!(x.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn chisquare(key: Key, df: impl Into<Array>, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("chisquare", dtype);
    let two = c_float(2.0, dtype);
    let half_df = &float_param(df.into(), dtype) / &two;
    &loggamma(key, half_df, shape, dtype).exp() * &two
}

/// Student's t samples with `df` degrees of freedom (`jax.random.t`):
/// `n * sqrt((df / 2) / g)` for a standard normal `n` and `g ~ Gamma(df / 2)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::t(random::key(0), 4.0, [5], DType::F32);
/// assert!(x.to_vec::<f32>().iter().all(|v| v.is_finite()));
/// ```
pub fn t(key: Key, df: impl Into<Array>, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("t", dtype);
    let shape = shape.into();
    let df = float_param(df.into(), dtype);
    let [key_n, key_g] = split_into(key);
    let n = normal(key_n, shape.clone(), dtype);
    let half_df = &df / &c_float(2.0, dtype);
    let g = gamma(key_g, half_df.clone(), shape, dtype);
    &n * &(&half_df / &g).sqrt()
}

/// F-distribution samples (`jax.random.f(key, dfnum, dfden)`): the ratio of two chi-squared
/// draws, each divided by its degrees of freedom.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::f(random::key(0), 5.0, 7.0, [5], DType::F32);
/// assert!(x.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn f(
    key: Key,
    dfnum: impl Into<Array>,
    dfden: impl Into<Array>,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("f", dtype);
    let shape = shape.into();
    let dfden = float_param(dfden.into(), dtype);
    let dfnum = float_param(dfnum.into(), dtype);
    let [key_dfd, key_dfn] = split_into(key);
    let chi2_num = chisquare(key_dfn, dfnum.clone(), shape.clone(), dtype);
    let chi2_den = chisquare(key_dfd, dfden.clone(), shape, dtype);
    &(&chi2_num / &dfnum) / &(&chi2_den / &dfden)
}

/// Generalized normal samples with shape `p` (`jax.random.generalized_normal`), density
/// proportional to `exp(-|x|^p)`: a random sign times `Gamma(1/p)^(1/p)`. `p = 2` is a normal
/// with variance 1/2, `p = 1` a Laplace.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::generalized_normal(random::key(0), 1.5, [5], DType::F32);
/// assert_eq!(x.shape(), &[5]);
/// ```
pub fn generalized_normal(key: Key, p: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("generalized_normal", dtype);
    let shape = shape.into();
    let [key_g, key_r] = split_into(key);
    // JAX traces `p` as a weakly typed float32, so `1 / p` is a float32 division.
    let inv_p = f64::from(1.0f32 / p as f32);
    let g = gamma(key_g, inv_p, shape.clone(), dtype);
    let r = rademacher(key_r, shape, dtype);
    &r * &jnp::power(&g, &c_float(inv_p, dtype))
}

/// Uniform samples from the unit `p`-norm ball in `d` dimensions (`jax.random.ball(key, d,
/// p)`), shape `shape + (d,)`: generalized-normal coordinates divided by
/// `(sum |g|^p + e)^(1/p)` for an exponential `e`.
///
/// ```
/// use equinox_core::{random, DType};
/// let x = random::ball(random::key(0), 3, 2.0, [4], DType::F32);
/// assert_eq!(x.shape(), &[4, 3]);
/// let norms = (&x * &x).sum(-1).to_vec::<f32>();
/// assert!(norms.iter().all(|&n| n <= 1.0));
/// ```
pub fn ball(key: Key, d: usize, p: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("ball", dtype);
    let shape = shape.into();
    let [k1, k2] = split_into(key);
    let mut full = shape.to_vec();
    full.push(d);
    let g = generalized_normal(k1, p, full, dtype);
    let e = exponential(k2, shape, dtype);
    // `p` is a weakly typed float32 in JAX's traced function, as in `generalized_normal`.
    let p_ = c_float(f64::from(p as f32), dtype);
    let inv_p = c_float(f64::from(1.0f32 / p as f32), dtype);
    let sum = &jnp::power(&g.abs(), &p_).sum(-1) + &e;
    let norm = jnp::power(&sum, &inv_p);
    &g / &jnp::expand_dims(&norm, -1)
}

/// The broadcast of parameter shapes, for callers that size samples by their parameters
/// (`shape=None` in JAX). Panics if they do not broadcast together.
///
/// ```
/// use equinox_core::{random, Array, DType};
/// let a = Array::from_vec(vec![1.0f32, 2.0], [2, 1]);
/// let b = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
/// let shape = random::param_shape(&[&a, &b]);
/// let x = random::beta(random::key(0), a, b, shape, DType::F32);
/// assert_eq!(x.shape(), &[2, 3]);
/// ```
pub fn param_shape(params: &[&Array]) -> Shape {
    params.iter().fold(Shape::scalar(), |acc, p| {
        broadcast_shapes(&acc, p.shape()).unwrap_or_else(|| {
            panic!(
                "random: parameter shapes {:?} and {:?} do not broadcast together",
                &acc[..],
                p.shape()
            )
        })
    })
}
