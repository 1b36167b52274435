//! JAX's masked reductions and softmaxes (`jnp.sum(.., where=)`, `jax.nn.log_softmax(..,
//! where=)`, `jax.nn.logsumexp(.., where=, b=)`), op for op, for the losses' `where` and
//! `axis` arguments; with no mask they are the core's functions.

use equinox_core::lax::stop_gradient;
use equinox_core::{nn, numpy as jnp, Array, Axes};

/// Panics as Optax's `utils.check_subdtype(x, jnp.floating)` does.
#[track_caller]
pub(crate) fn check_floating(x: &Array) {
    if !x.dtype().is_float() {
        panic!(
            "Expected the input to have a dtype that is a subdtype of <class 'numpy.floating'>, \
             got {} instead",
            x.dtype()
        );
    }
}

/// Panics as Optax's `utils.check_subdtype(x, jnp.integer)` does.
#[track_caller]
pub(crate) fn check_integer(x: &Array) {
    if !x.dtype().is_integer() {
        panic!(
            "Expected the input to have a dtype that is a subdtype of <class 'numpy.integer'>, \
             got {} instead",
            x.dtype()
        );
    }
}

/// A shape as Python prints a tuple: `()`, `(3,)`, `(2, 3)`.
pub(crate) fn py_shape(shape: &[usize]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Panics as Optax's `utils.check_shapes_equal(a, b)` does.
#[track_caller]
pub(crate) fn check_shapes_equal(a: &Array, b: &Array) {
    if a.shape() != b.shape() {
        panic!(
            "Shape mismatch: got {} and {}.",
            py_shape(a.shape()),
            py_shape(b.shape())
        );
    }
}

/// Panics as Optax's `utils.check_rank(x, rank)` does.
#[track_caller]
pub(crate) fn check_rank(x: &Array, rank: usize) {
    if x.ndim() != rank {
        panic!(
            "Expected the input to have rank {rank}, got {} instead",
            x.ndim()
        );
    }
}

/// `x` where `mask` holds, `fill` (a scalar of `x`'s dtype) elsewhere: how JAX applies a
/// reduction's `where`.
fn masked(x: &Array, mask: &Array, fill: f64) -> Array {
    jnp::where_(
        mask,
        x,
        &jnp::full_like(&jnp::zeros_dtype((), x.dtype()), fill),
    )
}

/// `jnp.sum(x, axes, where=mask, keepdims=keepdims)`.
pub(crate) fn sum_where(x: &Array, axes: &Axes, mask: Option<&Array>, keepdims: bool) -> Array {
    let x = match mask {
        Some(m) => masked(x, m, 0.0),
        None => x.clone(),
    };
    if keepdims {
        jnp::sum_keepdims(&x, axes.clone())
    } else {
        jnp::sum(&x, axes.clone())
    }
}

/// `jnp.max(x, axes, where=mask, initial=-inf, keepdims=True)`.
fn max_where_keepdims(x: &Array, axes: &Axes, mask: Option<&Array>) -> Array {
    let x = match mask {
        Some(m) => masked(x, m, f64::NEG_INFINITY),
        None => x.clone(),
    };
    let m = jnp::max_keepdims(&x, axes.clone());
    jnp::maximum(&m, &Array::weak_scalar(f64::NEG_INFINITY))
}

/// `jax.nn.log_softmax(x, axes, where=mask)`: masked-out entries are `-inf`.
pub(crate) fn log_softmax_where(x: &Array, axes: &Axes, mask: Option<&Array>) -> Array {
    let Some(m) = mask else {
        return nn::log_softmax(x, axes.clone());
    };
    let x_max = max_where_keepdims(x, axes, mask);
    let x_safe = masked(x, m, f64::NEG_INFINITY);
    let shifted = &x_safe - &stop_gradient(&x_max);
    let lse = jnp::log(&sum_where(&jnp::exp(&shifted), axes, mask, true));
    masked(&(&shifted - &lse), m, f64::NEG_INFINITY)
}

/// `jax.nn.softmax(x, axes, where=mask)` (JAX 0.10.2's default, non-custom-JVP path):
/// masked-out entries are 0.
pub(crate) fn softmax_where(x: &Array, axes: &Axes, mask: Option<&Array>) -> Array {
    let Some(m) = mask else {
        return nn::softmax(x, axes.clone());
    };
    let x_max = max_where_keepdims(x, axes, mask);
    let x_safe = masked(x, m, f64::NEG_INFINITY);
    let unnormalized = jnp::exp(&(&x_safe - &stop_gradient(&x_max)));
    let result = &unnormalized / &sum_where(&unnormalized, axes, mask, true);
    masked(&result, m, 0.0)
}

/// `jax.nn.logsumexp(x, axes, where=mask)` (reduced axes dropped).
pub(crate) fn logsumexp_where(x: &Array, axes: &Axes, mask: Option<&Array>) -> Array {
    let Some(m) = mask else {
        return nn::logsumexp(x, axes.clone(), false);
    };
    let a = masked(x, m, 0.0);
    let amax = max_where_keepdims(&a, axes, mask);
    let amax = stop_gradient(&jnp::where_(
        &jnp::isfinite(&amax),
        &amax,
        &jnp::zeros_dtype((), amax.dtype()),
    ));
    let sumexp = sum_where(&jnp::exp(&(&a - &amax)), axes, mask, true);
    let out = jnp::log(&jnp::abs(&sumexp)) + amax;
    drop_axes(&out, axes)
}

/// `jax.nn.logsumexp(a, axis=-1, b=b)`: `log(sum(b * exp(a)))`, NaN where that sum is
/// negative.
pub(crate) fn logsumexp_scaled_last(a: &Array, b: &Array) -> Array {
    let axes = Axes::from(-1);
    let a = jnp::where_(
        &jnp::not_equal(b, &Array::weak_scalar(0i32)),
        a,
        &Array::weak_scalar(f64::NEG_INFINITY),
    );
    let amax = max_where_keepdims(&a, &axes, None);
    let amax = stop_gradient(&jnp::where_(
        &jnp::isfinite(&amax),
        &amax,
        &jnp::zeros_dtype((), amax.dtype()),
    ));
    let sumexp = jnp::sum_keepdims(&(jnp::exp(&(&a - &amax)) * b), axes.clone());
    let sign = jnp::sign(&sumexp);
    let out = drop_axes(&(jnp::log(&jnp::abs(&sumexp)) + amax), &axes);
    let sign = drop_axes(&sign, &axes);
    jnp::where_(
        &jnp::less(&sign, &Array::weak_scalar(0i32)),
        &Array::scalar(f32::NAN).astype(out.dtype()),
        &out,
    )
}

/// `x` (reduced with `keepdims=True` over `axes`) with those size-1 axes removed.
fn drop_axes(x: &Array, axes: &Axes) -> Array {
    let dims = axes.resolve(x.ndim(), "logsumexp");
    let shape: Vec<usize> = x
        .shape()
        .iter()
        .enumerate()
        .filter(|(i, _)| !dims.contains(i))
        .map(|(_, &d)| d)
        .collect();
    x.reshape(shape)
}
