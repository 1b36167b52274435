//! Optax's numerics and tree arithmetic (`optax._src.numerics`, `optax.tree`): the building
//! blocks of the transformations, written with the same operations in the same order so the
//! float32 results are Optax's.
//!
//! Hyperparameters are `f64`, like Python floats: arithmetic between them (`1 - decay`)
//! happens in double precision, and they enter array arithmetic as weakly typed scalars, so
//! `f32` trees stay `f32`.

use equinox_core::tree::{self, PyTree};
use equinox_core::{numpy as jnp, Array, DType};

/// `count + 1`, or `count` itself once it is the largest value of its dtype
/// (`optax.safe_increment`): step counters saturate instead of wrapping.
///
/// ```
/// use equinox_core::Array;
/// use equinox_optim::safe_increment;
/// assert_eq!(safe_increment(&Array::scalar(1i32)).item::<i32>(), 2);
/// assert_eq!(safe_increment(&Array::scalar(i32::MAX)).item::<i32>(), i32::MAX);
/// ```
///
/// # Panics
/// If `count` is not of an integer or float dtype (Optax's message).
pub fn safe_increment(count: &Array) -> Array {
    let max = match count.dtype() {
        DType::I32 => Array::scalar(i32::MAX),
        DType::I64 => Array::scalar(i64::MAX),
        DType::U32 => Array::scalar(u32::MAX),
        DType::U8 => Array::scalar(u8::MAX),
        DType::U16 => Array::scalar(u16::MAX),
        DType::U64 => Array::scalar(u64::MAX),
        DType::I8 => Array::scalar(i8::MAX),
        DType::I16 => Array::scalar(i16::MAX),
        DType::F32 => Array::scalar(f32::MAX),
        DType::F64 => Array::scalar(f64::MAX),
        d => panic!(
            "Cannot safely increment count with dtype {d}, valid dtypes are subdtypes of \
             \"jnp.integer\" or \"jnp.floating\"."
        ),
    };
    let one = jnp::ones_dtype((), count.dtype());
    jnp::where_(&jnp::less(count, &max), &(count + &one), &max)
}

/// The step counter every counting state starts from: `jnp.zeros([], jnp.int32)`.
pub(crate) fn zero_count() -> Array {
    jnp::zeros_dtype((), DType::I32)
}

/// `g ** order` as Python's `**` with an integer exponent computes it (`lax.integer_pow`).
fn pow_order(g: &Array, order: i32) -> Array {
    jnp::integer_pow(g, order)
}

/// `(1 - decay) * g**order + decay * t` per leaf (`optax.tree.update_moment`); a filtered-out
/// update gives a filtered-out moment.
pub(crate) fn update_moment<P: PyTree>(updates: &P, moments: &P, decay: f64, order: i32) -> P {
    tree::map2(updates, moments, |g, t| {
        (1.0 - decay) * pow_order(g, order) + decay * t
    })
}

/// `optax.tree.update_moment_per_elem_norm` for real leaves: the same formula as
/// [`update_moment`] (`abs_sq` only differs for complex numbers).
pub(crate) fn update_moment_per_elem_norm<P: PyTree>(
    updates: &P,
    moments: &P,
    decay: f64,
    order: i32,
) -> P {
    update_moment(updates, moments, decay, order)
}

/// `t / (1 - decay**count)` per leaf (`optax.tree.bias_correction`), with `decay**count`
/// computed as JAX does for a traced integer exponent: `pow` in the base's float dtype.
pub(crate) fn bias_correction<P: PyTree>(moment: &P, decay: f64, count: &Array) -> P {
    let correction = 1 - jnp::power(&Array::weak_scalar(decay), count);
    tree::map(moment, |t| t / correction.astype(t.dtype()))
}

/// Casts every leaf to `dtype`, or returns the tree as it is for `None`
/// (`optax.tree.cast`).
pub(crate) fn cast<P: PyTree>(tree: P, dtype: Option<DType>) -> P {
    match dtype {
        Some(d) => tree::map(&tree, |t| t.astype(d)),
        None => tree,
    }
}

/// Casts each leaf to the dtype of the corresponding leaf of `like`
/// (`optax.tree.cast_like`).
pub(crate) fn cast_like<P: PyTree>(tree: &P, like: &P) -> P {
    tree::map2(tree, like, |t, o| t.astype(o.dtype()))
}

/// Zeros shaped like each leaf, in `dtype` or the leaf's own dtype (`optax.tree.zeros_like`).
pub(crate) fn zeros_like<P: PyTree>(params: &P, dtype: Option<DType>) -> P {
    tree::map(params, |x| {
        jnp::zeros_dtype(x.shape(), dtype.unwrap_or(x.dtype()))
    })
}

/// `value` shaped like each leaf, in the leaf's dtype (`optax.tree.full_like`).
pub(crate) fn full_like<P: PyTree>(params: &P, value: f64) -> P {
    tree::map(params, |x| jnp::full_like(x, value))
}

/// The L2 norm of all the leaves together, `sqrt(sum of squares)` (`optax.tree.norm`, the
/// deprecated `optax.global_norm`). Filtered-out leaves do not count.
///
/// ```
/// use equinox_core::{Array, numpy as jnp};
/// use equinox_optim::global_norm;
/// let tree = (Array::from_vec(vec![3.0f32, 4.0], [2]), jnp::zeros([3]));
/// assert_eq!(global_norm(&tree).item::<f32>(), 5.0);
/// ```
pub fn global_norm<P: PyTree>(updates: &P) -> Array {
    // Python's `functools.reduce(operator.add, sums, initializer=0)`: a weak 0 first.
    let sum_of_squares = tree::leaves(updates)
        .into_iter()
        .fold(Array::weak_scalar(0i32), |acc, x| {
            acc + jnp::sum(&x.square(), ())
        });
    jnp::sqrt(&sum_of_squares)
}

/// `max(|g| + eps, decay * t)` per leaf (`optax.tree.update_infinity_moment`).
pub(crate) fn update_infinity_moment<P: PyTree>(
    updates: &P,
    moments: &P,
    decay: f64,
    eps: f64,
) -> P {
    tree::map2(updates, moments, |g, t| {
        (jnp::abs(g) + eps).maximum(&(decay * t))
    })
}

/// `optax.tree.add_scale`: `x + scalar * y` per leaf.
pub(crate) fn add_scale<P: PyTree>(x: &P, scalar: &Array, y: &P) -> P {
    tree::map2(x, y, |x, y| x + scalar * y)
}

/// The inner product of two trees, the leaves' flattened dot products added up from a weak 0
/// (`optax.tree.vdot` for real leaves).
pub(crate) fn tree_vdot<P: PyTree>(x: &P, y: &P) -> Array {
    let ys = tree::leaves(y);
    tree::leaves(x)
        .into_iter()
        .zip(ys)
        .fold(Array::weak_scalar(0i32), |acc, (a, b)| {
            acc + jnp::vdot(a, b)
        })
}

/// The squared L2 norm of a tree (`optax.tree.norm(tree, squared=True)`).
pub(crate) fn tree_norm_squared<P: PyTree>(tree: &P) -> Array {
    tree::leaves(tree)
        .into_iter()
        .fold(Array::weak_scalar(0i32), |acc, x| {
            acc + jnp::sum(&x.square(), ())
        })
}

/// `max(norm(x), min_norm)` over the whole array (`optax.safe_norm` with its defaults),
/// computed as Optax does so its gradient is defined at zero.
pub(crate) fn safe_norm(x: &Array, min_norm: f64) -> Array {
    let l2 = |x: &Array| jnp::sqrt(&jnp::sum(&(x * x), ()));
    let norm = l2(x);
    let small = jnp::less_equal(&norm, &Array::weak_scalar(min_norm));
    let masked = jnp::where_(&small, &jnp::ones_like(x), x);
    jnp::where_(&small, &Array::weak_scalar(min_norm), &l2(&masked))
}

/// `max(sqrt(mean(x^2)), min_rms)` (`optax.safe_root_mean_squares`).
pub(crate) fn safe_root_mean_squares(x: &Array, min_rms: f64) -> Array {
    let rms = |x: &Array| jnp::sqrt(&jnp::mean(&x.square(), ()));
    let small = jnp::less_equal(&rms(x), &Array::weak_scalar(min_rms));
    let masked = jnp::where_(&small, &jnp::ones_like(x), x);
    jnp::where_(&small, &Array::weak_scalar(min_rms), &rms(&masked))
}

/// The bias-corrected first moment of Adam and its relatives, plain
/// (`bias_correction(mu, b1, count)`) or with Nesterov momentum
/// (`b1 * mu / (1 - b1^(count+1)) + (1 - b1) * g / (1 - b1^count)`), as Optax computes both.
pub(crate) fn debiased_first_moment<P: PyTree>(
    mu: &P,
    updates: &P,
    b1: f64,
    count: &Array,
    nesterov: bool,
) -> P {
    if nesterov {
        tree::map2(
            &bias_correction(mu, b1, &safe_increment(count)),
            &bias_correction(updates, b1, count),
            |m, g| b1 * m + (1.0 - b1) * g,
        )
    } else {
        bias_correction(mu, b1, count)
    }
}
