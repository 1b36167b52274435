//! Discrete samplers: `bernoulli`, `rademacher`, `geometric`, `randint`, `categorical`,
//! `choice`, `choice_array`.

use super::bits::bits32;
use super::distributions::gumbel;
use super::key::{split_into, Key};
use super::ops::{bin, c_u32, c_user_float, convert};
use super::permutation::{permutation, permutation_array};
use super::uniform::{uniform, uniform_between};
use crate::array::{normalize_axis, Array, DType, Shape};
use crate::lax;
use crate::numpy::{self as jnp, Side};
use crate::prims::binary::BinaryOp;
use crate::prims::bind1;
use crate::prims::compare::CompareOp;
use crate::prims::reduce::{ArgKind, ReduceOp};

/// Booleans that are true with probability `p` (`jax.random.bernoulli(key, p, shape)`):
/// `uniform(key, shape, float32) < p`.
///
/// ```
/// use equinox_core::random;
/// let b = random::bernoulli(random::key(0), 0.3, [8]);
/// assert_eq!(b.to_vec::<bool>(), vec![false, false, false, false, false, true, false, false]);
/// ```
pub fn bernoulli(key: Key, p: f64, shape: impl Into<Shape>) -> Array {
    let u = uniform(key, shape, DType::F32, 0.0, 1.0);
    bind1(CompareOp::Lt, &[&u, &c_user_float(p, DType::F32)])
}

/// Random signs, -1 or 1 with equal probability, in `dtype` (`jax.random.rademacher`):
/// `2 * bernoulli(key, 0.5) - 1`.
///
/// ```
/// use equinox_core::{random, DType};
/// let r = random::rademacher(random::key(0), [6], DType::I32);
/// assert!(r.to_vec::<i32>().iter().all(|&v| v == 1 || v == -1));
/// ```
pub fn rademacher(key: Key, shape: impl Into<Shape>, dtype: DType) -> Array {
    let b = convert(&bernoulli(key, 0.5, shape), dtype);
    // JAX's `2 * b - 1` with Python ints: weak constants that keep `dtype`.
    &(&b * 2) - 1
}

/// Geometric samples: the number of Bernoulli(`p`) trials up to and including the first
/// success, so values start at 1 (`jax.random.geometric(key, p, shape, dtype)`), as
/// `floor(log(u) / log1p(-p)) + 1` in float32 converted to `dtype`.
///
/// ```
/// use equinox_core::{random, DType};
/// let g = random::geometric(random::key(0), 0.3, [6], DType::I32);
/// assert!(g.to_vec::<i32>().iter().all(|&v| v >= 1));
/// ```
pub fn geometric(key: Key, p: f64, shape: impl Into<Shape>, dtype: DType) -> Array {
    let shape = shape.into();
    let u = uniform(key, shape.clone(), DType::F32, 0.0, 1.0);
    // JAX maps u = 0 to 1 (a sample of 1) rather than take log(0).
    let u = jnp::where_(
        &jnp::equal(&u, &Array::scalar(0.0f32)),
        &Array::scalar(1.0f32),
        &u,
    );
    let log_one_minus_p = (-&c_user_float(p, DType::F32)).log1p();
    let log_one_minus_p = jnp::broadcast_to(&log_one_minus_p, shape);
    let g = &(&u.log() / &log_one_minus_p).floor() + 1.0f32;
    convert(&g, dtype)
}

/// Uniform integers in `[minval, maxval)` (`jax.random.randint(key, shape, minval, maxval,
/// dtype)`) for `int32`, `uint32` and `uint8`.
///
/// Bounds are clipped into the dtype's range; `maxval <= minval` gives `minval` everywhere. As
/// in JAX, two 32-bit draws per element are combined modulo the span (slightly biased when the
/// span is not a power of two), and `uint8` samples at 32 bits, then converts.
///
/// ```
/// use equinox_core::{random, DType};
/// let r = random::randint(random::key(42), [6], 0, 10, DType::I32);
/// assert_eq!(r.to_vec::<i32>(), vec![4, 4, 1, 9, 9, 9]);
/// ```
pub fn randint(key: Key, shape: impl Into<Shape>, minval: i64, maxval: i64, dtype: DType) -> Array {
    let shape = shape.into();
    match dtype {
        DType::U8 => {
            let r = randint32(
                key,
                &shape,
                minval.clamp(0, 255),
                maxval.clamp(0, 256),
                DType::I32,
            );
            convert(&r, DType::U8)
        }
        DType::I32 | DType::U32 => randint32(key, &shape, minval, maxval, dtype),
        d => panic!("random.randint: dtype must be int32, uint32 or uint8, got {d}"),
    }
}

/// JAX's `_randint` for a 32-bit dtype. The span and multiplier are scalars known here, so they
/// are computed in Rust with the same wrapping `uint32` arithmetic.
fn randint32(key: Key, shape: &Shape, minval: i64, maxval: i64, dtype: DType) -> Array {
    let (dmin, dmax) = if dtype == DType::I32 {
        (i32::MIN as i64, i32::MAX as i64)
    } else {
        (0, u32::MAX as i64)
    };
    let out_of_range = maxval > dmax;
    let (lo, hi) = (minval.clamp(dmin, dmax), maxval.clamp(dmin, dmax));
    let mut span = (hi - lo) as u32;
    if hi <= lo {
        span = 1;
    } else if out_of_range {
        span = span.wrapping_add(1);
    }
    // XLA's unsigned remainder by zero returns the dividend.
    let rem = |a: u32, b: u32| if b == 0 { a } else { a % b };
    let mult = rem(1 << 16, span);
    let mult = rem(mult.wrapping_mul(mult), span);
    let [k1, k2] = split_into(key);
    let higher = bits32(&k1, shape, "randint");
    let lower = bits32(&k2, shape, "randint");
    let span_a = c_u32(span);
    let offset = bin(
        BinaryOp::Add,
        &bin(
            BinaryOp::Mul,
            &bin(BinaryOp::Rem, &higher, &span_a),
            &c_u32(mult),
        ),
        &bin(BinaryOp::Rem, &lower, &span_a),
    );
    let offset = bin(BinaryOp::Rem, &offset, &span_a);
    let base = crate::with_int_dtype!(dtype, T => super::ops::c_int::<T>(lo), _ => unreachable!());
    bin(BinaryOp::Add, &base, &convert(&offset, dtype))
}

/// Samples from categorical distributions given unnormalised log-probabilities along `axis`
/// (`jax.random.categorical(key, logits, axis, shape)`), by the Gumbel-max trick:
/// `argmax(gumbel + logits, axis)`, as int32.
///
/// `shape` defaults to the batch shape (the logits' shape without `axis`); a given shape must
/// end with the batch shape, and its leading dimensions draw independent samples.
///
/// ```
/// use equinox_core::{random, Array};
/// let logits = Array::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4]);
/// let c = random::categorical(random::key(42), &logits, -1, Some([5].into()));
/// assert_eq!(c.to_vec::<i32>(), vec![3, 3, 3, 3, 3]);
/// ```
pub fn categorical(key: Key, logits: &Array, axis: isize, shape: Option<Shape>) -> Array {
    let dtype = logits.dtype();
    super::ops::check_float("categorical", dtype);
    let axis = normalize_axis(axis, logits.ndim(), "random.categorical");
    let batch: Vec<usize> = (0..logits.ndim())
        .filter(|&i| i != axis)
        .map(|i| logits.shape()[i])
        .collect();
    let shape = shape.unwrap_or_else(|| Shape::new(&batch));
    if shape.ndim() < batch.len() || shape[shape.ndim() - batch.len()..] != batch[..] {
        panic!(
            "random.categorical: shape {shape} must end with the logits' batch shape {:?} \
             (logits {} without axis {axis})",
            batch,
            logits.aval()
        );
    }
    let prefix = &shape[..shape.ndim() - batch.len()];
    let mut draw_shape: Vec<usize> = prefix.to_vec();
    draw_shape.extend_from_slice(logits.shape());
    let g = gumbel(key, draw_shape, dtype);
    let z = bin(
        BinaryOp::Add,
        &g,
        &jnp::broadcast_to(logits, g.shape_obj().clone()),
    );
    bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmax,
            axis: prefix.len() + axis,
            index_dtype: DType::I32,
        },
        &[&z],
    )
}

/// Options of [`choice_with_options`] and [`choice_array_with_options`]; the defaults are
/// JAX's: with replacement, uniform, along axis 0.
#[derive(Clone, Copy, Debug)]
pub struct ChoiceOptions<'a> {
    /// Draw with replacement (default `true`).
    pub replace: bool,
    /// The probability of each element (1-D, length `n`, non-negative; `None`, the default:
    /// uniform).
    pub p: Option<&'a Array>,
    /// The axis of `a` whose slices [`choice_array_with_options`] draws (default 0). A
    /// population `0..n` is 1-D: [`choice_with_options`] accepts 0 and -1 only.
    pub axis: isize,
}

impl Default for ChoiceOptions<'_> {
    fn default() -> Self {
        ChoiceOptions {
            replace: true,
            p: None,
            axis: 0,
        }
    }
}

/// Random draws from `0..n` with replacement (`jax.random.choice(key, n, shape)`), as int32
/// of `shape`: `randint(key, shape, 0, n)`. [`choice_with_options`] draws without
/// replacement or with weights.
///
/// To draw elements (or slices) of an array, use [`choice_array`].
///
/// ```
/// use equinox_core::random;
/// let c = random::choice(random::key(42), 10, [3]);
/// assert!(c.to_vec::<i32>().iter().all(|&i| (0..10).contains(&i)));
/// ```
pub fn choice(key: Key, n: usize, shape: impl Into<Shape>) -> Array {
    choice_with_options(key, n, shape, ChoiceOptions::default())
}

/// Random draws from `0..n` (`jax.random.choice(key, n, shape, replace, p)`), as int32 of
/// `shape`:
///
/// * without `p`, with replacement: `randint(key, shape, 0, n)`;
/// * without `p`, without replacement: the first draws of `permutation(key, n)`;
/// * with `p` (1-D, length `n`, non-negative), with replacement: inverse-CDF sampling,
///   `searchsorted(cdf, cdf[-1] * (1 - uniform))` with `cdf = cumsum(p)`;
/// * with `p`, without replacement: the Gumbel top-k trick on `log(p)`.
///
/// ```
/// use equinox_core::random::{self, ChoiceOptions};
/// let options = ChoiceOptions { replace: false, ..Default::default() };
/// let c = random::choice_with_options(random::key(42), 10, [4], options);
/// assert_eq!(c.to_vec::<i32>(), vec![7, 4, 2, 5]);
/// ```
pub fn choice_with_options(
    key: Key,
    n: usize,
    shape: impl Into<Shape>,
    options: ChoiceOptions,
) -> Array {
    let ChoiceOptions { replace, p, axis } = options;
    normalize_axis(axis, 1, "random.choice");
    let shape = shape.into();
    let draws = shape.size();
    if draws == 0 {
        return jnp::zeros_dtype(shape, DType::I32);
    }
    check_population(n, draws, replace, p);
    let flat = match p {
        None if replace => return randint(key, shape, 0, n as i64, DType::I32),
        None => lax::slice_in_dim(&permutation(key, n), 0, draws, 1, 0),
        Some(p) => weighted_indices(key, n, &shape, replace, p),
    };
    jnp::reshape(&flat, &shape)
}

/// Random draws, with replacement, of the elements of a 1-D `a` (of the rows of a higher
/// one): `jax.random.choice(key, a, shape)` for an array `a`. [`choice_array_with_options`]
/// draws without replacement, with weights, or along another axis.
///
/// ```
/// use equinox_core::{random, Array};
/// let a = Array::from_vec(vec![10.0f32, 20.0, 30.0], [3]);
/// let c = random::choice_array(random::key(0), &a, [5]);
/// assert!(c.to_vec::<f32>().iter().all(|v| [10.0, 20.0, 30.0].contains(v)));
/// ```
pub fn choice_array(key: Key, a: &Array, shape: impl Into<Shape>) -> Array {
    choice_array_with_options(key, a, shape, ChoiceOptions::default())
}

/// Random draws of the slices of `a` along `axis`
/// (`jax.random.choice(key, a, shape, replace, p, axis)` for an array `a`).
///
/// The result has `a`'s shape with `axis` replaced by `shape` and `a`'s dtype. The draws are
/// those of [`choice_with_options`] with `n = a.shape[axis]`, taken from `a`
/// (`jnp.take(a, indices, axis)`); without `p` and without replacement, `a` itself is
/// permuted along `axis` and the first draws are sliced off, as in JAX. A 1-D `p` weights the
/// slices. 0-d arrays are not accepted (use [`choice`]). For zero draws the result is empty
/// with the full shape above (JAX returns `zeros(shape)` there, dropping `a`'s other axes).
///
/// ```
/// use equinox_core::{random::{self, ChoiceOptions}, Array};
/// let a = Array::from_vec(vec![10.0f32, 20.0, 30.0, 40.0, 50.0, 60.0], [3, 2]);
/// let options = ChoiceOptions { replace: false, ..Default::default() };
/// let rows = random::choice_array_with_options(random::key(0), &a, [2], options);
/// assert_eq!(rows.shape(), &[2, 2]);
/// // Whole rows, as jax.random.choice(PRNGKey(0), a, (2,), replace=False) draws them.
/// assert_eq!(rows.to_vec::<f32>(), vec![10.0, 20.0, 30.0, 40.0]);
/// ```
pub fn choice_array_with_options(
    key: Key,
    a: &Array,
    shape: impl Into<Shape>,
    options: ChoiceOptions,
) -> Array {
    let ChoiceOptions { replace, p, axis } = options;
    if a.ndim() == 0 {
        panic!(
            "random.choice: a must be at least 1-D, got {}; use choice(key, n, ..) to draw \
             from 0..n",
            a.aval()
        );
    }
    let axis = normalize_axis(axis, a.ndim(), "random.choice");
    let shape = shape.into();
    let (n, draws) = (a.shape()[axis], shape.size());
    let mut out_shape: Vec<usize> = a.shape()[..axis].to_vec();
    out_shape.extend_from_slice(&shape);
    out_shape.extend_from_slice(&a.shape()[axis + 1..]);
    if draws == 0 {
        return jnp::zeros_dtype(out_shape, a.dtype());
    }
    check_population(n, draws, replace, p);
    let axis_i = axis as isize;
    let result = match p {
        None if replace => jnp::take(
            a,
            &randint(key, shape, 0, n as i64, DType::I32),
            Some(axis_i),
        ),
        None => lax::slice_in_dim(&permutation_array(key, a, axis_i, false), 0, draws, 1, axis),
        Some(p) => jnp::take(
            a,
            &weighted_indices(key, n, &shape, replace, p),
            Some(axis_i),
        ),
    };
    jnp::reshape(&result, out_shape)
}

/// Panics unless `draws` samples can be taken from a population of `n` (weighted by `p`).
fn check_population(n: usize, draws: usize, replace: bool, p: Option<&Array>) {
    if n == 0 {
        panic!("random.choice: cannot draw {draws} samples from an empty population (n = 0)");
    }
    if !replace && draws > n {
        panic!(
            "random.choice: Cannot take a larger sample (size {draws}) than population (size {n}) \
             when 'replace=False'"
        );
    }
    if let Some(p) = p
        && p.shape() != [n]
    {
        panic!(
            "random.choice: p must be a 1-D array of the population size ({n}), got {}",
            p.aval()
        );
    }
}

/// Indices into `0..n` (int32, of `shape`) drawn with probabilities proportional to `p`.
fn weighted_indices(key: Key, n: usize, shape: &Shape, replace: bool, p: &Array) -> Array {
    let p = if p.dtype().is_float() {
        p.clone()
    } else {
        convert(p, DType::F32)
    };
    let dtype = p.dtype();
    if replace {
        let cdf = jnp::cumsum(&p, 0);
        // `p_cuml[-1]`: the total weight.
        let total = lax::slice_in_dim(&cdf, n - 1, n, 1, 0).reshape(Vec::<usize>::new());
        let one = super::ops::c_float(1.0, dtype);
        let u = uniform_between(
            &key,
            shape,
            dtype,
            &super::ops::c_float(0.0, dtype),
            &one,
            "choice",
        );
        let r = bin(BinaryOp::Mul, &total, &bin(BinaryOp::Sub, &one, &u));
        return jnp::searchsorted(&cdf, &r, Side::Left);
    }
    let g = bin(BinaryOp::Add, &gumbel(key, [n], dtype), &jnp::log(&p));
    let (_, top) = jnp::top_k(&g, shape.size());
    jnp::reshape(&top, shape)
}
