//! Elementwise activation functions (`jax.nn.relu`, `gelu`, `silu`, ...), as free functions
//! and `Array` methods.

use std::sync::LazyLock;

use super::compiled::{compiled_when_eager, CompiledFn};
use super::{to_inexact, typed_scalar};
use crate::array::Array;
use crate::numpy as jnp;
use crate::prims::bind1;
use crate::prims::unary::UnaryOp;
use crate::transforms::Jit;

/// A weakly typed integer scalar (`jnp.maximum(x, 0)` keeps integer `x` integer).
fn wi(v: i32) -> Array {
    Array::weak_scalar(v)
}

/// Rectified linear unit: `max(x, 0)`.
///
/// JAX attaches a custom JVP `select(x > 0, g, 0)` so that the gradient at 0 is 0. For floats
/// this is written `where(x <= 0, 0, x)`, whose ordinary derivative is that rule: the values
/// are `max(x, 0)`'s (NaN stays NaN, `-0` gives `+0`) and the tangent passes only where
/// `x > 0` (and at NaN, where JAX passes none). Integers and bools use `max` directly.
///
/// ```
/// use equinox_core::{nn, transforms::grad, Array};
/// let x = Array::from_vec(vec![-2.0f32, 0.0, 3.0], [3]);
/// assert_eq!(nn::relu(&x).to_vec::<f32>(), vec![0.0, 0.0, 3.0]);
/// assert_eq!(x.relu().to_vec::<f32>(), vec![0.0, 0.0, 3.0]);
/// assert_eq!(grad(nn::relu)(&Array::scalar(0.0f32)).item::<f32>(), 0.0);
/// ```
pub fn relu(x: &Array) -> Array {
    if !x.dtype().is_float() {
        return jnp::maximum(x, &wi(0));
    }
    jnp::where_(&jnp::less_equal(x, &wi(0)), &wi(0), x)
}

/// `min(max(x, 0), 6)`. JAX's custom JVP passes the tangent only where `0 < x < 6`; for floats
/// this is written `where(x <= 0, 0, where(x >= 6, 6, x))`, whose ordinary derivative is that
/// rule (0 at both kinks) with the same values (NaN stays NaN).
pub fn relu6(x: &Array) -> Array {
    if !x.dtype().is_float() {
        return jnp::minimum(&jnp::maximum(x, &wi(0)), &Array::weak_scalar(6.0));
    }
    let six = Array::weak_scalar(6.0);
    let capped = jnp::where_(&jnp::greater_equal(x, &six), &six, x);
    jnp::where_(&jnp::less_equal(x, &wi(0)), &wi(0), &capped)
}

/// The logistic sigmoid `1 / (1 + exp(-x))` (the `logistic` primitive, `jax.nn.sigmoid`).
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 100.0], [2]);
/// assert_eq!(nn::sigmoid(&x).to_vec::<f32>(), vec![0.5, 1.0]);
/// ```
pub fn sigmoid(x: &Array) -> Array {
    bind1(UnaryOp::Logistic, &[&to_inexact(x)])
}

/// `log(sigmoid(x))` computed stably as `-softplus(-x)`.
pub fn log_sigmoid(x: &Array) -> Array {
    -softplus(&-to_inexact(x))
}

/// `log(1 + exp(x))`, computed stably as [`jnp::logaddexp`]`(x, 0)`.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![-100.0f32, 0.0, 100.0], [3]);
/// let y = nn::softplus(&x).to_vec::<f32>();
/// assert!(y[0] < 1e-40);
/// assert_eq!(y[1], 2f32.ln());
/// assert_eq!(y[2], 100.0);
/// ```
pub fn softplus(x: &Array) -> Array {
    jnp::logaddexp(x, &wi(0))
}

/// Sigmoid linear unit `x * sigmoid(x)` (also called swish).
pub fn silu(x: &Array) -> Array {
    let x = to_inexact(x);
    &x * &sigmoid(&x)
}

/// Alias of [`silu`] (`jax.nn.swish`).
pub fn swish(x: &Array) -> Array {
    silu(x)
}

/// Gaussian error linear unit with JAX's default, the tanh approximation
/// (`jax.nn.gelu(x, approximate=True)`):
/// ```text
/// x * 0.5 * (1 + tanh(sqrt(2/π) * (x + 0.044715 * x³)))
/// ```
/// evaluated in exactly JAX's order: `x³` by `integer_pow`, `0.044715 * x³`, `x + ...`,
/// `sqrt(2/π) * ...` (the constant rounded to `x`'s dtype), `tanh`, `1 + ...`, `0.5 * ...`,
/// `x * ...`. See [`gelu_with`] for the exact form.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 1.0, -20.0], [3]);
/// let y = nn::gelu(&x).to_vec::<f32>();
/// assert_eq!(y[0], 0.0);
/// assert!((y[1] - 0.841192).abs() < 1e-6);
/// assert_eq!(y[2], 0.0);
/// ```
pub fn gelu(x: &Array) -> Array {
    gelu_with(x, true)
}

/// Gaussian error linear unit; `approximate = true` is [`gelu`] (JAX's default) and
/// `approximate = false` the exact form, in JAX's order:
/// ```text
/// (0.5 * x) * erfc((-x) * sqrt(1/2))
/// ```
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![1.0f32], [1]);
/// let exact = nn::gelu_with(&x, false).item::<f32>();
/// assert!((exact - 0.841_344_7).abs() < 1e-6);
/// ```
pub fn gelu_with(x: &Array, approximate: bool) -> Array {
    if approximate {
        compiled_when_eager(x, &GELU_TANH, gelu_tanh)
    } else {
        compiled_when_eager(x, &GELU_ERF, gelu_erf)
    }
}

/// The compiled forms of [`gelu_with`], as `jax.nn.gelu` is `jax.jit`-decorated.
static GELU_TANH: CompiledFn = LazyLock::new(|| Jit::new(gelu_tanh as fn(&Array) -> Array));
static GELU_ERF: CompiledFn = LazyLock::new(|| Jit::new(gelu_erf as fn(&Array) -> Array));

fn gelu_tanh(x: &Array) -> Array {
    gelu_ops(x, true)
}

fn gelu_erf(x: &Array) -> Array {
    gelu_ops(x, false)
}

/// [`gelu_with`] an operation at a time.
fn gelu_ops(x: &Array, approximate: bool) -> Array {
    let x = to_inexact(x);
    if approximate {
        let sqrt_2_over_pi = typed_scalar(&x, (2.0 / std::f64::consts::PI).sqrt());
        let cubic = &Array::weak_scalar(0.044715) * &jnp::integer_pow(&x, 3);
        let inner = &sqrt_2_over_pi * &(&x + &cubic);
        let cdf = &Array::weak_scalar(0.5) * &(&Array::weak_scalar(1.0) + &jnp::tanh(&inner));
        &x * &cdf
    } else {
        let sqrt_half = typed_scalar(&x, 0.5f64.sqrt());
        let half_x = &Array::weak_scalar(0.5) * &x;
        &half_x * &jnp::erfc(&(&-&x * &sqrt_half))
    }
}

/// Exponential linear unit with `alpha = 1`: `x` for `x > 0`, else `alpha * expm1(x)`.
pub fn elu(x: &Array) -> Array {
    elu_with(x, 1.0)
}

/// Exponential linear unit, in JAX's form
/// `where(x > 0, x, alpha * expm1(where(x > 0, 0, x)))` (the inner `where` keeps `expm1` from
/// overflowing on the branch that is not taken, which matters for gradients).
pub fn elu_with(x: &Array, alpha: f64) -> Array {
    let x = to_inexact(x);
    let pos = jnp::greater(&x, &wi(0));
    let safe = jnp::where_(&pos, &Array::weak_scalar(0.0), &x);
    let neg = &Array::weak_scalar(alpha) * &jnp::expm1(&safe);
    jnp::where_(&pos, &x, &neg)
}

/// Continuously differentiable ELU with `alpha = 1`.
pub fn celu(x: &Array) -> Array {
    celu_with(x, 1.0)
}

/// Continuously differentiable ELU: `max(x, 0) + alpha * expm1(min(x, 0) / alpha)`.
pub fn celu_with(x: &Array, alpha: f64) -> Array {
    let x = to_inexact(x);
    let pos = jnp::maximum(&x, &Array::weak_scalar(0.0));
    let neg = &Array::weak_scalar(alpha)
        * &jnp::expm1(&(&jnp::minimum(&x, &Array::weak_scalar(0.0)) / &Array::weak_scalar(alpha)));
    &pos + &neg
}

/// Scaled ELU: `scale * elu(x, alpha)` with `alpha = 1.6732632423543772` and
/// `scale = 1.0507009873554805`.
pub fn selu(x: &Array) -> Array {
    const ALPHA: f64 = 1.673_263_242_354_377_2;
    const SCALE: f64 = 1.050_700_987_355_480_5;
    let y = elu_with(x, ALPHA);
    &Array::weak_scalar(SCALE) * &y
}

/// Leaky ReLU with JAX's default slope 0.01: `where(x >= 0, x, 0.01 * x)`.
pub fn leaky_relu(x: &Array) -> Array {
    leaky_relu_with(x, 1e-2)
}

/// Leaky ReLU: `where(x >= 0, x, negative_slope * x)`.
pub fn leaky_relu_with(x: &Array, negative_slope: f64) -> Array {
    let x = to_inexact(x);
    let keep = jnp::greater_equal(&x, &wi(0));
    jnp::where_(&keep, &x, &(&Array::weak_scalar(negative_slope) * &x))
}

/// `x` clipped to `[-1, 1]`, as `where(x > 1, 1, where(x < -1, -1, x))` (NaN stays NaN).
pub fn hard_tanh(x: &Array) -> Array {
    let above = jnp::greater(x, &wi(1));
    let below = jnp::less(x, &wi(-1));
    jnp::where_(&above, &wi(1), &jnp::where_(&below, &wi(-1), x))
}

/// `relu6(x + 3) / 6`.
pub fn hard_sigmoid(x: &Array) -> Array {
    &relu6(&(x + &Array::weak_scalar(3.0))) / &Array::weak_scalar(6.0)
}

/// `x * hard_sigmoid(x)`.
pub fn hard_silu(x: &Array) -> Array {
    let x = to_inexact(x);
    &x * &hard_sigmoid(&x)
}

/// Alias of [`hard_silu`] (`jax.nn.hard_swish`).
pub fn hard_swish(x: &Array) -> Array {
    hard_silu(x)
}

/// `x / (|x| + 1)`.
pub fn soft_sign(x: &Array) -> Array {
    let x = to_inexact(x);
    &x / &(&jnp::abs(&x) + &wi(1))
}

/// Mish: `x * tanh(softplus(x))`.
pub fn mish(x: &Array) -> Array {
    let x = to_inexact(x);
    &x * &jnp::tanh(&softplus(&x))
}

macro_rules! activation_methods {
    ($($name:ident),* $(,)?) => {
        impl Array {
            $(
                #[doc = concat!("[`", stringify!($name), "`](crate::nn::", stringify!($name),
                    ") as a method: `x.", stringify!($name), "()`.")]
                pub fn $name(&self) -> Array {
                    $name(self)
                }
            )*
        }
    };
}

activation_methods!(
    relu,
    relu6,
    sigmoid,
    log_sigmoid,
    softplus,
    silu,
    gelu,
    elu,
    celu,
    selu,
    leaky_relu,
    hard_tanh,
    hard_sigmoid,
    hard_silu,
    soft_sign,
    mish,
);

/// `jax.nn.identity`: returns `x` unchanged.
pub fn identity(x: &Array) -> Array {
    x.clone()
}

/// `jax.nn.tanh`: the hyperbolic tangent (`jnp.tanh`).
pub fn tanh(x: &Array) -> Array {
    jnp::tanh(x)
}

/// `jax.nn.squareplus`: `(x + sqrt(x² + 4)) / 2`, a smooth ReLU with algebraic tails.
pub fn squareplus(x: &Array) -> Array {
    squareplus_with(x, 4.0)
}

/// [`squareplus`] with its curvature parameter: `(x + sqrt(x² + b)) / 2`.
pub fn squareplus_with(x: &Array, b: f64) -> Array {
    let x = to_inexact(x);
    let y = &x + &jnp::sqrt(&(&jnp::square(&x) + b));
    &y / 2.0
}

/// `jax.nn.sparse_plus`: 0 for `x <= -1`, `x` for `x >= 1`, `(x + 1)² / 4` between (a
/// piecewise-quadratic softplus).
pub fn sparse_plus(x: &Array) -> Array {
    let x = to_inexact(x);
    let quad = &bind1(UnaryOp::IntegerPow(2), &[&(&x + 1.0)]) / 4.0;
    let upper = jnp::where_(&jnp::greater_equal(&x, &Array::weak_scalar(1.0)), &x, &quad);
    jnp::where_(
        &jnp::less_equal(&x, &Array::weak_scalar(-1.0)),
        &Array::weak_scalar(0.0),
        &upper,
    )
}

/// `jax.nn.sparse_sigmoid`: `0.5 * clip(x + 1, 0, 2)`, the derivative of [`sparse_plus`].
pub fn sparse_sigmoid(x: &Array) -> Array {
    let x = to_inexact(x);
    let c = (&x + 1.0).clip(0.0, 2.0);
    &c * 0.5
}

/// `jax.nn.log1mexp`: `log(1 - exp(-x))` for `x > 0`, computed stably as JAX does
/// (`log(-expm1(-x))` below `log 2`, `log1p(-exp(-x))` above), with JAX's custom derivative
/// `g / expm1(x)`.
pub fn log1mexp(x: &Array) -> Array {
    fn body(x: &Array) -> Array {
        let c = jnp::log(&Array::weak_scalar(2.0));
        jnp::where_(
            &jnp::less(x, &c),
            &jnp::log(&-&jnp::expm1(&-x)),
            &jnp::log1p(&-&jnp::exp(&-x)),
        )
    }
    let f =
        crate::transforms::custom_jvp(body, |x: &Array, t: &Array| (body(x), t / &jnp::expm1(x)));
    f(&to_inexact(x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::DType;
    use crate::random;
    use crate::transforms::make_jaxpr;

    fn bits(x: &Array) -> Vec<u32> {
        x.to_vec::<f32>().into_iter().map(f32::to_bits).collect()
    }

    #[test]
    fn an_eager_gelu_runs_compiled_on_large_arrays_with_the_operations_bits() {
        // One test, so no other test compiles these functions meanwhile.
        let small = random::uniform(random::key(1), [64], DType::F32, -6.0, 6.0);
        let before = GELU_TANH.trace_count();
        assert_eq!(bits(&gelu(&small)), bits(&gelu_ops(&small, true)));
        assert_eq!(
            GELU_TANH.trace_count(),
            before,
            "a small call compiles nothing"
        );

        let x = random::uniform(random::key(0), [160, 128], DType::F32, -6.0, 6.0);
        let traces = (GELU_TANH.trace_count(), GELU_ERF.trace_count());
        for _ in 0..2 {
            for approximate in [true, false] {
                let compiled = gelu_with(&x, approximate);
                assert_eq!(bits(&compiled), bits(&gelu_ops(&x, approximate)));
            }
        }
        // Each form compiled once for this shape, then served from the cache.
        assert_eq!(GELU_TANH.trace_count(), traces.0 + 1);
        assert_eq!(GELU_ERF.trace_count(), traces.1 + 1);
        // Traced, the program holds the operations themselves.
        let jaxpr = make_jaxpr(|x: &Array| gelu(x))(&x).to_string();
        assert!(
            jaxpr.contains("tanh") && jaxpr.contains("integer_pow"),
            "{jaxpr}"
        );
    }
}
