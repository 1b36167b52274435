//! `jax.nn.softmax` and `jax.nn.log_softmax`.

use std::sync::LazyLock;

use super::compiled::{compiled_when_eager, CompiledFn};
use super::{max_with_neg_inf_initial, to_inexact};
use crate::array::Array;
use crate::lax::stop_gradient;
use crate::numpy::{self as jnp, Axes};
use crate::transforms::Jit;

/// Softmax over `axes` (JAX's default is `-1`): `exp(x - m) / sum(exp(x - m))`.
///
/// JAX 0.10.2 defaults to its non-custom-JVP path (`jax_softmax_custom_jvp = False`), which is
/// what this follows, op for op:
/// ```text
/// m   = stop_gradient(max(-inf, reduce_max(x, axes)))   (kept as size-1 axes)
/// u   = exp(x - m)
/// out = u / sum(u, axes, keepdims)
/// ```
/// Subtracting the maximum keeps `exp` from overflowing; it cancels mathematically, so it is
/// excluded from differentiation. A slice that is all `-inf` gives NaN, as in JAX.
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![0.0f32, 0.0, 1000.0, 1000.0], [2, 2]);
/// assert_eq!(nn::softmax(&x, -1).to_vec::<f32>(), vec![0.5; 4]);
/// assert_eq!(x.softmax(0).to_vec::<f32>(), vec![0.0, 0.0, 1.0, 1.0]);
/// ```
pub fn softmax(x: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    if is_last_axis(&axes, x) {
        return compiled_when_eager(x, &SOFTMAX_LAST_AXIS, |x| softmax_ops(x, Axes::from(-1)));
    }
    softmax_ops(x, axes)
}

/// [`softmax`]'s operations.
fn softmax_ops(x: &Array, axes: Axes) -> Array {
    let x = to_inexact(x);
    let m = stop_gradient(&max_with_neg_inf_initial(&x, &axes, true, "softmax"));
    let unnormalized = jnp::exp(&(&x - &m));
    &unnormalized / &jnp::sum_keepdims(&unnormalized, axes)
}

/// Log-softmax over `axes` (JAX's default is `-1`): `x - logsumexp(x)`, in JAX's order:
/// ```text
/// m       = stop_gradient(max(-inf, reduce_max(x, axes)))   (kept as size-1 axes)
/// shifted = x - m
/// out     = shifted - log(sum(exp(shifted), axes, keepdims))
/// ```
///
/// ```
/// use equinox_core::{nn, Array};
/// let x = Array::from_vec(vec![1.0f32, 1.0], [2]);
/// let y = nn::log_softmax(&x, -1).to_vec::<f32>();
/// assert_eq!(y, vec![-(2f32.ln()); 2]);
/// ```
pub fn log_softmax(x: &Array, axes: impl Into<Axes>) -> Array {
    let axes = axes.into();
    if is_last_axis(&axes, x) {
        return compiled_when_eager(x, &LOG_SOFTMAX_LAST_AXIS, |x| {
            log_softmax_ops(x, Axes::from(-1))
        });
    }
    log_softmax_ops(x, axes)
}

/// [`log_softmax`]'s operations.
fn log_softmax_ops(x: &Array, axes: Axes) -> Array {
    let x = to_inexact(x);
    let m = max_with_neg_inf_initial(&x, &axes, true, "log_softmax");
    let shifted = &x - &stop_gradient(&m);
    let lse = jnp::log(&jnp::sum_keepdims(&jnp::exp(&shifted), axes));
    &shifted - &lse
}

/// Whether `axes` is exactly the last axis of `x` (JAX's default, and the case eager calls
/// run compiled: the compiled programs are cached by shape and dtype only, so the axis is fixed
/// in them).
fn is_last_axis(axes: &Axes, x: &Array) -> bool {
    x.ndim() > 0
        && matches!(axes, Axes::Some(a) if a.len() == 1 && (a[0] == -1 || a[0] == x.ndim() as isize - 1))
}

/// The compiled forms over the last axis: `jax.nn.softmax` and `jax.nn.log_softmax` are
/// `jax.jit`-decorated, so an eager call runs as one program.
static SOFTMAX_LAST_AXIS: CompiledFn =
    LazyLock::new(|| Jit::new((|x| softmax_ops(x, Axes::from(-1))) as fn(&Array) -> Array));
static LOG_SOFTMAX_LAST_AXIS: CompiledFn =
    LazyLock::new(|| Jit::new((|x| log_softmax_ops(x, Axes::from(-1))) as fn(&Array) -> Array));

impl Array {
    /// [`softmax`] as a method: `x.softmax(-1)`.
    pub fn softmax(&self, axes: impl Into<Axes>) -> Array {
        softmax(self, axes)
    }
    /// [`log_softmax`] as a method: `x.log_softmax(-1)`.
    pub fn log_softmax(&self, axes: impl Into<Axes>) -> Array {
        log_softmax(self, axes)
    }
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
    fn eager_calls_over_the_last_axis_run_compiled_with_the_operations_bits() {
        let counts = || {
            (
                SOFTMAX_LAST_AXIS.trace_count(),
                LOG_SOFTMAX_LAST_AXIS.trace_count(),
            )
        };
        // The trace counts are process-wide and other tests of this binary may trace these
        // programs concurrently (any eager softmax over a large array of a new shape), so the
        // count check retries on fresh shapes: it must hold exactly in one clean window.
        let mut clean_window = false;
        for attempt in 0..4 {
            let x = random::uniform(
                random::key(3),
                [163 + attempt, 101],
                DType::F32,
                -30.0,
                30.0,
            );
            let before = counts();
            for axis in [-1isize, 1] {
                assert_eq!(
                    bits(&softmax(&x, axis)),
                    bits(&softmax_ops(&x, Axes::from(-1)))
                );
                assert_eq!(
                    bits(&log_softmax(&x, axis)),
                    bits(&log_softmax_ops(&x, Axes::from(-1)))
                );
            }
            // Another axis runs operation by operation (and still normalises that axis).
            let by_column = softmax(&x, 0);
            let column_sums = by_column.sum(0).to_vec::<f32>();
            assert!(column_sums.iter().all(|s| (s - 1.0).abs() < 1e-5));
            // `-1` and `1` name the same axis: one compilation each, then the cache; axis 0
            // compiles nothing.
            if counts() == (before.0 + 1, before.1 + 1) {
                clean_window = true;
                break;
            }
        }
        assert!(
            clean_window,
            "each new shape compiles softmax and log_softmax exactly once"
        );
        // Traced, the program holds the operations themselves.
        let x = random::uniform(random::key(3), [163, 101], DType::F32, -30.0, 30.0);
        let jaxpr = make_jaxpr(|x: &Array| softmax(x, -1))(&x).to_string();
        assert!(
            jaxpr.contains("reduce_max") && jaxpr.contains("exp"),
            "{jaxpr}"
        );
    }
}
