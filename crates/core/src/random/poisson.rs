//! Poisson samples (`jax.random.poisson`), as JAX draws them: Knuth's multiplication method for
//! rates below 10 and Hörmann's transformed rejection above, each a `while_loop` over the whole
//! array (every iteration draws a uniform for every element, and finished elements keep their
//! value), both run from the same key and merged by rate.

use super::key::{split_into, Key};
use super::ops::convert;
use super::prng_impl::PrngImpl;
use super::uniform::uniform;
use crate::array::{Array, DType, Shape};
use crate::lax;
use crate::numpy as jnp;

/// A float32 constant (JAX's Python floats meet float32 rates as weak float32).
fn c(v: f64) -> Array {
    Array::scalar(v as f32)
}

/// The iteration bound JAX uses: the largest value of the (32-bit) result dtype.
const MAX_ITERS: i32 = i32::MAX;

/// Knuth: multiply uniforms until the product falls below `exp(-lam)`; the count of factors,
/// less one, is the sample.
fn knuth(key: &Key, lam: &Array, shape: &Shape) -> Array {
    let neg_lam = -lam;
    let carry = (
        Array::scalar(0i32),
        jnp::zeros_dtype(shape.clone(), DType::I32),
        key.data().clone(),
        jnp::zeros_dtype(shape.clone(), DType::F32),
    );
    let running = |s: &(Array, Array, Array, Array)| {
        let more = jnp::greater(&s.3, &neg_lam).any(None);
        jnp::logical_and(&more, &jnp::less(&s.0, &Array::scalar(MAX_ITERS)))
    };
    let step = |s: &(Array, Array, Array, Array)| {
        let (i, k, rng, log_prod) = s;
        let [rng, sub] = split_into(key.with_data(rng.clone()));
        let k = jnp::where_(&jnp::greater(log_prod, &neg_lam), &(k + 1i32), k);
        let u = uniform(sub, shape.clone(), DType::F32, 0.0, 1.0);
        (i + 1i32, k, rng.into_data(), log_prod + &u.log())
    };
    let (_, k, _, _) = lax::while_loop(running, step, &carry);
    &k - 1i32
}

/// Hörmann's transformed rejection (PTRS) for large rates.
fn rejection(key: &Key, lam: &Array, shape: &Shape) -> Array {
    let log_lam = lam.log();
    let b = &c(0.931) + &(&c(2.53) * &lam.sqrt());
    let a = &c(-0.059) + &(&c(0.02483) * &b);
    let inv_alpha = &c(1.1239) + &(&c(1.1328) / &(&b - &c(3.4)));
    let v_r = &c(0.9277) - &(&c(3.6224) / &(&b - &c(2.0)));
    let carry = (
        Array::scalar(0i32),
        jnp::full_like(&jnp::zeros_dtype(shape.clone(), DType::F32), -1.0),
        jnp::zeros_dtype(shape.clone(), DType::Bool),
        key.data().clone(),
    );
    let running = |s: &(Array, Array, Array, Array)| {
        let pending = jnp::logical_not(&s.2).any(None);
        jnp::logical_and(&pending, &jnp::less(&s.0, &Array::scalar(MAX_ITERS)))
    };
    let step = |s: &(Array, Array, Array, Array)| {
        let (i, k_out, accepted, rng) = s;
        let [rng, k0, k1] = split_into(key.with_data(rng.clone()));
        let u = &uniform(k0, shape.clone(), DType::F32, 0.0, 1.0) - &c(0.5);
        let v = uniform(k1, shape.clone(), DType::F32, 0.0, 1.0);
        let u_shifted = &c(0.5) - &u.abs();
        let k = (&(&(&(&(&c(2.0) * &a) / &u_shifted) + &b) * &u) + lam) + &c(0.43);
        let k = k.floor();
        let s_ = (&(&v * &inv_alpha) / &(&(&a / &(&u_shifted * &u_shifted)) + &b)).log();
        let t = &(&(-lam) + &(&k * &log_lam)) - &jnp::gammaln(&(&k + &c(1.0)));
        let accept1 = jnp::logical_and(
            &jnp::greater_equal(&u_shifted, &c(0.07)),
            &jnp::less_equal(&v, &v_r),
        );
        let reject = jnp::logical_or(
            &jnp::less(&k, &c(0.0)),
            &jnp::logical_and(
                &jnp::less(&u_shifted, &c(0.013)),
                &jnp::greater(&v, &u_shifted),
            ),
        );
        let accept2 = jnp::less_equal(&s_, &t);
        let accept = jnp::logical_or(
            &accept1,
            &jnp::logical_and(&jnp::logical_not(&reject), &accept2),
        );
        let k_out = jnp::where_(&accept, &k, k_out);
        (
            i + 1i32,
            k_out,
            jnp::logical_or(accepted, &accept),
            rng.into_data(),
        )
    };
    let (_, k, _, _) = lax::while_loop(running, step, &carry);
    convert(&k, DType::I32)
}

/// Poisson samples with rate `lam` (`jax.random.poisson(key, lam, shape)`), as int32; `lam` (a
/// scalar or an array, converted to float32) broadcasts to `shape`. A rate of 0 gives 0.
///
/// The draws are JAX's: Knuth's method for rates below 10, transformed rejection above, with
/// the same keys and uniforms, so samples equal JAX's except where XLA's `log`/`lgamma` round
/// an acceptance test differently.
///
/// Panics for a key of an implementation other than threefry2x32, as JAX does.
///
/// ```
/// use equinox_core::random;
/// let n = random::poisson(random::key(0), 3.0, [6]);
/// assert!(n.to_vec::<i32>().iter().all(|&v| v >= 0));
/// ```
pub fn poisson(key: Key, lam: impl Into<Array>, shape: impl Into<Shape>) -> Array {
    if key.implementation() != PrngImpl::Threefry2x32 {
        // JAX's restriction (its loops assume threefry keys), with its message.
        panic!(
            "`poisson` is only implemented for the threefry2x32 RNG, not {}",
            key.implementation()
        );
    }
    let shape = shape.into();
    let lam = super::gamma::broadcast_param(
        "poisson",
        &super::gamma::float_param(lam.into(), DType::F32),
        &shape,
    );
    // Rates of 10 or more (and NaN, which Knuth's loop ends at once) pick the sampler.
    let use_knuth = jnp::logical_or(&jnp::isnan(&lam), &jnp::less(&lam, &c(10.0)));
    let lam_knuth = jnp::where_(&use_knuth, &lam, &c(0.0));
    let lam_rejection = jnp::where_(&use_knuth, &c(1e5), &lam);
    let result = jnp::where_(
        &use_knuth,
        &knuth(&key, &lam_knuth, &shape),
        &rejection(&key, &lam_rejection, &shape),
    );
    jnp::where_(
        &jnp::equal(&lam, &c(0.0)),
        &jnp::zeros_like(&result),
        &result,
    )
}
