//! Binomial and multinomial samples (`jax.random.binomial`, `jax.random.multinomial`), as JAX
//! draws them: the inversion method (sums of geometric waiting times) where `n * min(p, 1-p)
//! <= 10`, Kachitvichyanukul and Schmeiser's transformed rejection (BTRS) elsewhere, each a
//! `while_loop` over the whole array from the same key, merged per element; a multinomial is a
//! sequence of binomials on the remaining count.

use super::key::{split_into, split_vec, Key};
use super::ops::{c_float, check_float, convert};
use super::uniform::uniform;
use crate::array::{Array, DType, Shape};
use crate::lax;
use crate::numpy as jnp;

/// The iteration bound: JAX's is the dtype's largest float, which an int32 counter never
/// reaches; `i32::MAX` is as unreachable.
const MAX_ITERS: i32 = i32::MAX;

/// JAX's `_stirling_approx_tail`: the tail of Stirling's series for `ln k!`, from a table for
/// `k <= 9` and the series otherwise (evaluated at `k` clamped to `[0, 9]`, as JAX does).
fn stirling_approx_tail(k: &Array) -> Array {
    const TAIL: [f64; 10] = [
        0.081_061_466_795_327_2,
        0.041_340_695_955_409_2,
        0.027_677_925_684_998_3,
        0.020_790_672_103_765_09,
        0.016_644_691_189_821_1,
        0.013_876_128_823_070_7,
        0.011_896_709_945_891_7,
        0.010_411_265_261_972,
        0.009_255_462_182_712_73,
        0.008_330_563_433_362_87,
    ];
    let d = k.dtype();
    let c = |v: f64| c_float(v, d);
    let use_tail = jnp::less_equal(k, &c(9.0));
    let kc = lax::clamp(&c(0.0), k, &c(9.0));
    let k1 = &kc + &c(1.0);
    let kp1sq = &k1 * &k1;
    let inner = &c(1.0 / 360.0) - &(&c(1.0 / 1260.0) / &kp1sq);
    let approx = &(&c(1.0 / 12.0) - &(&inner / &kp1sq)) / &k1;
    let index = jnp::floor(&kc);
    let mut table = jnp::zeros_like(&index);
    for (j, &v) in TAIL.iter().enumerate() {
        table = jnp::where_(&jnp::equal(&index, &c(j as f64)), &c(v), &table);
    }
    jnp::where_(&use_tail, &table, &approx)
}

/// JAX's `_binomial_inversion`: count geometric waiting times until their sum exceeds `count`.
fn inversion(key: &Key, count: &Array, prob: &Array, shape: &Shape) -> Array {
    let d = prob.dtype();
    let log1minusprob = jnp::log1p(&-prob);
    let carry = (
        Array::scalar(0i32),
        jnp::zeros_dtype(shape.clone(), d),
        jnp::zeros_dtype(shape.clone(), d),
        key.data().clone(),
    );
    let running = |s: &(Array, Array, Array, Array)| {
        let more = jnp::less_equal(&s.2, count).any(None);
        jnp::logical_and(&more, &jnp::less(&s.0, &Array::scalar(MAX_ITERS)))
    };
    let step = |s: &(Array, Array, Array, Array)| {
        let (i, num_geom, geom_sum, rng) = s;
        let [sub, rng] = split_into(key.with_data(rng.clone()));
        let num_geom = jnp::where_(
            &jnp::less_equal(geom_sum, count),
            &(num_geom + &c_float(1.0, d)),
            num_geom,
        );
        let u = uniform(sub, shape.clone(), d, 0.0, 1.0);
        let geom = jnp::ceil(&(&jnp::log(&u) / &log1minusprob));
        (i + 1i32, num_geom, geom_sum + &geom, rng.into_data())
    };
    let (_, k, _, _) = lax::while_loop(running, step, &carry);
    &k - &c_float(1.0, d)
}

/// JAX's `_btrs`: transformed rejection with the squeeze `accept1` and the Stirling bound.
fn btrs(key: &Key, count: &Array, prob: &Array, shape: &Shape) -> Array {
    let d = prob.dtype();
    let c = |v: f64| c_float(v, d);
    let one = c(1.0);
    let stddev = jnp::sqrt(&(&(count * prob) * &(&one - prob)));
    let b = &c(1.15) + &(&c(2.53) * &stddev);
    let a = &(&c(-0.0873) + &(&c(0.0248) * &b)) + &(&c(0.01) * prob);
    let cc = &(count * prob) + &c(0.5);
    let v_r = &c(0.92) - &(&c(4.2) / &b);
    let r = prob / &(&one - prob);
    let alpha = &(&c(2.83) + &(&c(5.1) / &b)) * &stddev;
    let m = jnp::floor(&(&(count + &one) * prob));
    let carry = (
        Array::scalar(0i32),
        jnp::full_like(&jnp::zeros_dtype(shape.clone(), d), -1.0),
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
        let u = uniform(k0, shape.clone(), d, 0.0, 1.0);
        let v = uniform(k1, shape.clone(), d, 0.0, 1.0);
        let u = &u - &c(0.5);
        let us = &c(0.5) - &jnp::abs(&u);
        let accept1 = jnp::logical_and(
            &jnp::greater_equal(&us, &c(0.07)),
            &jnp::less_equal(&v, &v_r),
        );
        let k = jnp::floor(&(&(&(&(&c(2.0) * &a) / &us) + &b) * &u + &cc));
        let reject = jnp::logical_or(&jnp::less(&k, &c(0.0)), &jnp::greater(&k, count));
        let v = jnp::log(&(&(&v * &alpha) / &(&(&a / &(&us * &us)) + &b)));
        let cm1 = &(count - &m) + &one;
        let ck1 = &(count - &k) + &one;
        let ub = &(&(&(&(&(&(&(&m + &c(0.5)) * &jnp::log(&(&(&m + &one) / &(&r * &cm1))))
            + &(&(count + &one) * &jnp::log(&(&cm1 / &ck1))))
            + &(&(&k + &c(0.5)) * &jnp::log(&(&(&r * &ck1) / &(&k + &one)))))
            + &stirling_approx_tail(&m))
            + &stirling_approx_tail(&(count - &m)))
            - &stirling_approx_tail(&k))
            - &stirling_approx_tail(&(count - &k));
        let accept2 = jnp::less_equal(&v, &ub);
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
    k
}

/// Binomial samples: the number of successes in `n` trials of probability `p`
/// (`jax.random.binomial(key, n, p, shape, dtype)`), as floats of `dtype`. `n` and `p` (scalars
/// or arrays) broadcast to `shape` (their broadcast shape when `None`). `n` is floored; NaN or
/// negative `n` and NaN or out-of-range `p` give NaN, infinite `n` gives infinity.
///
/// The draws are JAX's, from the same keys and uniforms, so samples equal JAX's except where
/// XLA's `log` rounds an acceptance test differently.
///
/// ```
/// use equinox_core::{random, Array, DType};
/// let k = random::binomial(random::key(0), 10.0, 0.3, Some([5].into()), DType::F32);
/// assert!(k.to_vec::<f32>().iter().all(|&v| (0.0..=10.0).contains(&v) && v == v.floor()));
/// ```
pub fn binomial(
    key: Key,
    n: impl Into<Array>,
    p: impl Into<Array>,
    shape: Option<Shape>,
    dtype: DType,
) -> Array {
    check_float("binomial", dtype);
    let (n, p) = (n.into(), p.into());
    let shape = shape.unwrap_or_else(|| super::param_shape(&[&n, &p]));
    let prob =
        super::gamma::broadcast_param("binomial", &super::gamma::float_param(p, dtype), &shape);
    let count =
        super::gamma::broadcast_param("binomial", &super::gamma::float_param(n, dtype), &shape);
    let c = |v: f64| c_float(v, dtype);
    let p_lt_half = jnp::less(&prob, &c(0.5));
    let q = jnp::where_(&p_lt_half, &prob, &(&c(1.0) - &prob));
    let count_nan_or_neg = jnp::logical_or(&jnp::isnan(&count), &jnp::less(&count, &c(0.0)));
    let count_inf = jnp::isinf(&count);
    let q_is_nan = jnp::isnan(&q);
    let q_l_0 = jnp::less(&q, &c(0.0));
    let q = jnp::where_(&jnp::logical_or(&q_is_nan, &q_l_0), &c(0.01), &q);
    let use_inversion = jnp::logical_or(
        &count_nan_or_neg,
        &jnp::less_equal(&(&count * &q), &c(10.0)),
    );
    let count = jnp::floor(&count);
    let count_inv = jnp::where_(&use_inversion, &count, &c(0.0));
    let count_btrs = jnp::where_(&use_inversion, &c(1e4), &count);
    let q_btrs = jnp::where_(&use_inversion, &c(0.5), &q);
    let samples = jnp::where_(
        &use_inversion,
        &inversion(&key, &count_inv, &q, &shape),
        &btrs(&key, &count_btrs, &q_btrs, &shape),
    );
    let invalid = jnp::logical_or(&jnp::logical_or(&q_l_0, &q_is_nan), &count_nan_or_neg);
    let samples = jnp::where_(&invalid, &c(f64::NAN), &samples);
    let samples = jnp::where_(
        &jnp::logical_and(&count_inf, &jnp::logical_not(&invalid)),
        &c(f64::INFINITY),
        &samples,
    );
    let keep = jnp::logical_or(
        &jnp::logical_or(&p_lt_half, &count_nan_or_neg),
        &jnp::logical_or(&q_is_nan, &count_inf),
    );
    let out = jnp::where_(&keep, &samples, &(&count - &samples));
    convert(&out, dtype)
}

/// Multinomial counts (`jax.random.multinomial(key, n, p, shape=shape, dtype=dtype)`): `n`
/// trials over the outcomes along `p`'s last axis. The result has shape `shape` (default
/// `p.shape`; its last axis is the outcomes), `n` broadcasting to `shape[:-1]`.
///
/// As JAX: with `K` outcomes the key is split `K` ways and outcome `i` takes
/// `binomial(key_i, remaining, p_i / sum(p_i..))` of the trials not yet assigned.
///
/// ```
/// use equinox_core::{random, Array, DType};
/// let p = Array::from_vec(vec![0.2f32, 0.5, 0.3], [3]);
/// let c = random::multinomial(random::key(1), 20.0, &p, None, DType::F32);
/// assert_eq!(c.to_vec::<f32>().iter().sum::<f32>(), 20.0);
/// ```
pub fn multinomial(
    key: Key,
    n: impl Into<Array>,
    p: &Array,
    shape: Option<Shape>,
    dtype: DType,
) -> Array {
    check_float("multinomial", dtype);
    let n: Array = n.into();
    // JAX promotes `n` and `p` together; a Rust number for `n` is weakly typed there, so `p`
    // decides: float64 probabilities sample in float64, everything else in float32.
    let work = if p.dtype() == DType::F64 {
        DType::F64
    } else {
        DType::F32
    };
    let p = super::gamma::float_param(p.clone(), work);
    let n = super::gamma::float_param(n, work);
    let shape = shape.unwrap_or_else(|| p.shape_obj().clone());
    if shape.is_empty() {
        panic!("random.multinomial: the shape needs an outcome axis, got ()");
    }
    let batch: Shape = shape[..shape.len() - 1].to_vec().into();
    let n = jnp::broadcast_to(&n, batch.clone());
    let p = jnp::broadcast_to(&p, shape.clone());
    let p = jnp::moveaxis(&p, -1, 0);
    let remaining = lax::cumsum(&p, 0, true);
    let zero = c_float(0.0, work);
    let safe = jnp::where_(
        &jnp::equal(&remaining, &zero),
        &c_float(1.0, work),
        &remaining,
    );
    let ratios = &p / &safe;
    let k = shape[shape.len() - 1];
    let keys = split_vec(key, k);
    let mut remainder = n;
    let mut counts = Vec::with_capacity(k);
    for (i, key) in keys.into_iter().enumerate() {
        let ratio = lax::index_in_dim(&ratios, i as isize, 0, false).clip(0.0, 1.0);
        let count = binomial(key, remainder.clone(), ratio, None, work);
        remainder = &remainder - &count;
        counts.push(count);
    }
    let refs: Vec<&Array> = counts.iter().collect();
    convert(&jnp::stack(&refs, -1), dtype)
}
