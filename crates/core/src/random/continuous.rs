//! Continuous distributions that are closed-form transforms of uniform or normal draws, as
//! `jax.random` writes them: `cauchy`, `pareto`, `weibull_min`, `rayleigh`, `wald`,
//! `triangular`, `lognormal`, `maxwell`, `double_sided_maxwell`.
//!
//! Each follows JAX 0.10.2's formula operation for operation (same draws, same order of
//! rounding), so samples equal JAX's up to the last-bit differences of the transcendental
//! functions (`tan`, `log`, `pow`, `exp`) between our kernels and XLA's. Parameters are scalars
//! given as `f64` and rounded to the sample dtype first, as JAX converts them.

use super::distributions::exponential;
use super::key::{split_into, Key};
use super::normal::normal;
use super::ops::{c_float, c_user_float, check_float, nmant};
use super::uniform::uniform;
use crate::array::{Array, DType, Shape};
use crate::numpy as jnp;

/// `x` rounded to `dtype`, as JAX converts a Python-float parameter to the sample dtype.
fn param(x: f64, dtype: DType) -> Array {
    c_user_float(x, dtype)
}

/// Standard Cauchy samples (`jax.random.cauchy`): `tan(pi * (u - 0.5))`, `u` uniform in
/// `[eps, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let c = random::cauchy(random::key(0), [3], DType::F32);
/// assert!(c.to_vec::<f32>().iter().all(|v| v.is_finite()));
/// ```
pub fn cauchy(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("cauchy", dtype);
    // finfo(dtype).eps = 2^-nmant.
    let eps = (-(nmant(dtype) as f64)).exp2();
    let u = uniform(key, shape, dtype, eps, 1.0);
    let centred = &u - &c_float(0.5, dtype);
    jnp::tan(&(&c_float(std::f64::consts::PI, dtype) * &centred))
}

/// Pareto samples with shape `b` (`jax.random.pareto`): `exp(e / b)` for a standard
/// exponential `e`; values are at least 1.
///
/// ```
/// use equinox_core::{random, DType};
/// let p = random::pareto(random::key(0), 3.0, [4], DType::F32);
/// assert!(p.to_vec::<f32>().iter().all(|&v| v >= 1.0));
/// ```
pub fn pareto(key: Key, b: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("pareto", dtype);
    let e = exponential(key, shape, dtype);
    (&e / &param(b, dtype)).exp()
}

/// Weibull samples (`jax.random.weibull_min(key, scale, concentration)`): the inverse CDF
/// `(-log1p(-u))^(1 / concentration) * scale`, `u` uniform in `[0, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let w = random::weibull_min(random::key(0), 2.0, 1.5, [4], DType::F32);
/// assert!(w.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn weibull_min(
    key: Key,
    scale: f64,
    concentration: f64,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("weibull_min", dtype);
    let u = uniform(key, shape, dtype, 0.0, 1.0);
    let e = -(-&u).log1p();
    // JAX computes `1.0 / concentration` on the weakly typed parameter: in float32 (float64
    // only with x64, i.e. for float64 samples), then the power rounds it to the dtype.
    let exponent = if dtype == DType::F64 {
        1.0 / concentration
    } else {
        f64::from(1.0f32 / concentration as f32)
    };
    &jnp::power(&e, &c_float(exponent, dtype)) * &param(scale, dtype)
}

/// Rayleigh samples (`jax.random.rayleigh`): `scale * sqrt(-2 log u)`, `u` uniform in
/// `[0, 1)`.
///
/// ```
/// use equinox_core::{random, DType};
/// let r = random::rayleigh(random::key(0), 1.0, [4], DType::F32);
/// assert!(r.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn rayleigh(key: Key, scale: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("rayleigh", dtype);
    let u = uniform(key, shape, dtype, 0.0, 1.0);
    let two_log = &u.log() * &c_float(-2.0, dtype);
    &param(scale, dtype) * &two_log.sqrt()
}

/// Wald (inverse Gaussian) samples with the given `mean` (`jax.random.wald`), by Michael,
/// Schucany and Haas's transformation of a normal and a uniform draw.
///
/// ```
/// use equinox_core::{random, DType};
/// let w = random::wald(random::key(0), 1.0, [4], DType::F32);
/// assert!(w.to_vec::<f32>().iter().all(|&v| v > 0.0));
/// ```
pub fn wald(key: Key, mean: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("wald", dtype);
    let shape = shape.into();
    let [k1, k2] = split_into(key);
    let mean = jnp::broadcast_to(&param(mean, dtype), shape.clone());
    let v = normal(k1, shape.clone(), dtype);
    let z = uniform(k2, shape, dtype, 0.0, 1.0);
    let c = |v: f64| c_float(v, dtype);
    let y = jnp::integer_pow(&v, 2);
    let y_sq = jnp::integer_pow(&y, 2);
    let mean_sq = jnp::integer_pow(&mean, 2);
    let sqrt_term = (&(&(&c(4.0) * &mean) * &y) + &(&mean_sq * &y_sq)).sqrt();
    let x = &(&mean + &(&(&mean_sq * &y) / &c(2.0))) - &(&(&mean / &c(2.0)) * &sqrt_term);
    let accept = jnp::less_equal(&z, &(&mean / &(&mean + &x)));
    jnp::where_(&accept, &x, &(&mean_sq / &x))
}

/// Triangular samples on `[left, right]` with peak at `mode` (`jax.random.triangular`), by
/// inverting the CDF of a uniform draw.
///
/// ```
/// use equinox_core::{random, DType};
/// let t = random::triangular(random::key(0), -1.0, 0.0, 2.0, [8], DType::F32);
/// assert!(t.to_vec::<f32>().iter().all(|&v| (-1.0..=2.0).contains(&v)));
/// ```
pub fn triangular(
    key: Key,
    left: f64,
    mode: f64,
    right: f64,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("triangular", dtype);
    let shape = shape.into();
    let b = |v: f64| jnp::broadcast_to(&param(v, dtype), shape.clone());
    let (left, mode, right) = (b(left), b(mode), b(right));
    let fc = &(&mode - &left) / &(&right - &left);
    let u = uniform(key, shape.clone(), dtype, 0.0, 1.0);
    let width = &right - &left;
    let out1 = &left + &(&(&u * &width) * &(&mode - &left)).sqrt();
    let out2 = &right - &(&(&(&c_float(1.0, dtype) - &u) * &width) * &(&right - &mode)).sqrt();
    jnp::where_(&jnp::less(&u, &fc), &out1, &out2)
}

/// Log-normal samples (`jax.random.lognormal(key, sigma)`): `exp(sigma * z)` for a standard
/// normal `z`.
///
/// ```
/// use equinox_core::{random, DType};
/// let l = random::lognormal(random::key(0), 0.5, [4], DType::F32);
/// assert!(l.to_vec::<f32>().iter().all(|&v| v > 0.0));
/// ```
pub fn lognormal(key: Key, sigma: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("lognormal", dtype);
    (&normal(key, shape, dtype) * &param(sigma, dtype)).exp()
}

/// Maxwell samples (`jax.random.maxwell`): the Euclidean norm of three standard normals, drawn
/// as one `shape + (3,)` array.
///
/// ```
/// use equinox_core::{random, DType};
/// let m = random::maxwell(random::key(0), [4], DType::F32);
/// assert!(m.to_vec::<f32>().iter().all(|&v| v >= 0.0));
/// ```
pub fn maxwell(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    check_float("maxwell", dtype);
    let mut dims = shape.into().to_vec();
    dims.push(3);
    let z = normal(key, dims, dtype);
    // jnp.linalg.norm of a real vector: sqrt(sum(x * conj(x))).
    (&z * &z).sum(-1).sqrt()
}

/// Double-sided Maxwell samples (`jax.random.double_sided_maxwell(key, loc, scale)`): a
/// Maxwell draw with a random sign (`rademacher`), scaled and shifted.
///
/// ```
/// use equinox_core::{random, DType};
/// let d = random::double_sided_maxwell(random::key(0), 0.0, 1.0, [4], DType::F32);
/// assert_eq!(d.shape(), &[4]);
/// ```
pub fn double_sided_maxwell(
    key: Key,
    loc: f64,
    scale: f64,
    shape: impl Into<Shape>,
    dtype: DType,
) -> Array {
    check_float("double_sided_maxwell", dtype);
    let shape = shape.into();
    let [maxwell_key, sign_key] = split_into(key);
    let m = maxwell(maxwell_key, shape.clone(), dtype);
    let sign = super::discrete::rademacher(sign_key, shape, dtype);
    &(&(&sign * &m) * &param(scale, dtype)) + &param(loc, dtype)
}
