//! Gamma samples (`jax.random.gamma`, `loggamma`) by Marsaglia and Tsang's rejection method,
//! written as JAX writes it so the same key gives the same draws.
//!
//! JAX splits the key into one key per element and runs the scalar sampler `_gamma_one`
//! (two nested `while_loop`s drawing normals and uniforms until acceptance) under `vmap`. A
//! batched `while_loop` carries finished lanes unchanged, so every element consumes exactly
//! the draws the scalar loop would; this module does the same with this crate's `while_loop`
//! and `vmap`.

use super::distributions::exponential;
use super::key::{split, split_into, Key};
use super::normal::normal;
use super::ops::{c_float, check_float, convert};
use super::prng_impl::PrngImpl;
use super::uniform::uniform;
use crate::array::{Array, DType, Shape};
use crate::lax;
use crate::numpy as jnp;
use crate::transforms::vmap;

/// The shape parameter `a` as an array of `dtype`: a float64 scalar (a Rust `f64`, JAX's
/// Python float) is rounded through float32 first, as JAX's weakly typed float32 would be.
pub(super) fn float_param(a: Array, dtype: DType) -> Array {
    if a.dtype() == DType::F64 && dtype != DType::F64 {
        convert(&convert(&a, DType::F32), dtype)
    } else {
        convert(&a, dtype)
    }
}

/// `a` broadcast to `shape`, panicking with the sampler's name when it cannot be.
pub(super) fn broadcast_param(op: &str, a: &Array, shape: &Shape) -> Array {
    let ok = a.ndim() <= shape.len()
        && a.shape()
            .iter()
            .rev()
            .zip(shape.iter().rev())
            .all(|(&p, &s)| p == s || p == 1);
    if !ok {
        panic!(
            "random.{op}: the parameter's shape {:?} does not broadcast to the requested shape \
             {:?}",
            a.shape(),
            &shape[..]
        );
    }
    jnp::broadcast_to(a, shape.clone())
}

/// JAX's `_gamma_one`: one Gamma(`alpha`) sample (or its log) from one key.
fn gamma_one(key: Key, alpha: &Array, log_space: bool) -> Array {
    let dtype = alpha.dtype();
    let proto = key.clone();
    let c = |v: f64| c_float(v, dtype);
    let (zero, one) = (c(0.0), c(1.0));
    let third = c(1.0 / 3.0);
    // Gamma(a) for a < 1 is Gamma(a + 1) * U^(1/a): sample with the boosted shape.
    let boost_mask = jnp::greater_equal(alpha, &one);
    let boosted = jnp::where_(&boost_mask, alpha, &(alpha + &one));
    let d = &boosted - &third;
    let cc = &third / &d.sqrt();
    let as_key = |data: &Array| proto.with_data(data.clone());

    // Rejection: keep drawing (X, V, U) until U < 1 - 0.0331 X^2 or log U < X/2 + d(1 - V + log V).
    let rejected = |s: &(Array, Array, Array, Array)| {
        let (_, x, v, u) = s;
        let squeeze = &one - &(&c(0.0331) * &(x * x));
        let bound = &(x * &c(0.5)) + &(&d * &(&(&one - v) + &v.log()));
        jnp::logical_and(
            &jnp::greater_equal(u, &squeeze),
            &jnp::greater_equal(&u.log(), &bound),
        )
    };
    let draw = |s: &(Array, Array, Array, Array)| {
        let [key, x_key, u_key] = split_into(as_key(&s.0));
        // A normal x with v = (1 + c x)^3 > 0.
        let positive = |s: &(Array, Array, Array)| jnp::less_equal(&s.2, &zero);
        let next = |s: &(Array, Array, Array)| {
            let [key, sub] = split_into(as_key(&s.0));
            let x = normal(sub, Shape::scalar(), dtype);
            let v = &one + &(&x * &cc);
            (key.into_data(), x, v)
        };
        let (_, x, v) =
            lax::while_loop(positive, next, &(x_key.into_data(), zero.clone(), c(-1.0)));
        let u = uniform(u_key, Shape::scalar(), dtype, 0.0, 1.0);
        (key.into_data(), &x * &x, &(&v * &v) * &v, u)
    };
    let [key, subkey] = split_into(key);
    // The initial state is one `rejected` accepts as a rejection, so the loop draws at least
    // once.
    let init = (key.into_data(), zero.clone(), one.clone(), c(2.0));
    let (_, _, v, _) = lax::while_loop(rejected, draw, &init);

    let alpha_inv = &one / alpha;
    if log_space {
        let log_u = -&exponential(subkey, Shape::scalar(), dtype);
        let keep = jnp::logical_or(&boost_mask, &jnp::equal(&log_u, &zero));
        let log_boost = jnp::where_(&keep, &zero, &(&log_u * &alpha_inv));
        &(&d.log() + &v.log()) + &log_boost
    } else {
        let u = &c(1.0) - &uniform(subkey, Shape::scalar(), dtype, 0.0, 1.0);
        let boost = jnp::where_(&boost_mask, &one, &jnp::power(&u, &alpha_inv));
        &(&d * &v) * &boost
    }
}

/// JAX's `_gamma`: one key per element (`split(key, size)`), `gamma_one` vmapped over them for
/// threefry2x32 keys, and mapped one key at a time (`lax.map`) for the other implementations,
/// whose `rng_bit_generator` would draw every vmapped lane from the first key.
fn gamma_impl(
    op: &str,
    key: Key,
    a: Array,
    shape: impl Into<Shape>,
    dtype: DType,
    log_space: bool,
) -> Array {
    check_float(op, dtype);
    let shape = shape.into();
    let a = broadcast_param(op, &float_param(a, dtype), &shape);
    let n = shape.size();
    let proto = key.clone();
    let keys = split(key, [n]).into_data();
    let alphas = a.reshape([n]);
    let one = |k: &Array, alpha: &Array| gamma_one(proto.with_data(k.clone()), alpha, log_space);
    let samples = if proto.implementation() == PrngImpl::Threefry2x32 {
        vmap(one)(&keys, &alphas)
    } else {
        lax::map(|(k, alpha): &(Array, Array)| one(k, alpha), &(keys, alphas))
    };
    samples.reshape(shape)
}

/// Standard Gamma samples with shape parameter `a` (`jax.random.gamma(key, a, shape, dtype)`),
/// density proportional to `x^(a-1) e^(-x)`; `a` (a scalar or an array) broadcasts to
/// `shape`. Divide by a rate (or multiply by a scale) for other parameterisations.
///
/// The draws are JAX's: the same key gives the same float32 samples up to the last-bit
/// differences of `log` and `pow` between this crate's kernels and XLA's. (For float16 and
/// bfloat16, XLA evaluates the acceptance test with float32 intermediates while this crate
/// rounds each operation, so an occasional draw is accepted on one side and rejected on the
/// other: same distribution, not the same samples.) Gradients with respect to `a` are
/// those of the sampling path (JAX instead uses implicit reparameterisation), so do not
/// differentiate through `a`.
///
/// ```
/// use equinox_core::{random, DType};
/// let g = random::gamma(random::key(0), 2.0, [5], DType::F32);
/// assert!(g.to_vec::<f32>().iter().all(|&v| v > 0.0));
/// ```
pub fn gamma(key: Key, a: impl Into<Array>, shape: impl Into<Shape>, dtype: DType) -> Array {
    gamma_impl("gamma", key, a.into(), shape, dtype, false)
}

/// The logarithm of Gamma samples, drawn in log space (`jax.random.loggamma`): accurate for
/// small `a`, where Gamma samples underflow to 0. `exp(loggamma(key, a, ..))` equals
/// `gamma(key, a, ..)` to rounding.
///
/// ```
/// use equinox_core::{random, DType};
/// let l = random::loggamma(random::key(0), 0.01, [5], DType::F32);
/// assert!(l.to_vec::<f32>().iter().all(|v| v.is_finite()));
/// ```
pub fn loggamma(key: Key, a: impl Into<Array>, shape: impl Into<Shape>, dtype: DType) -> Array {
    gamma_impl("loggamma", key, a.into(), shape, dtype, true)
}
