//! Compiled eager calls: JAX decorates functions such as `jax.nn.gelu` with `jax.jit`, so an
//! eager call on a large array runs as one compiled program (one fused pass over memory)
//! rather than an operation at a time. [`compiled_when_eager`] gives ours the same behaviour.

use std::sync::LazyLock;

use crate::array::Array;
use crate::transforms::Jit;

/// A function of one array, compiled on first use and cached per shape and dtype.
pub(crate) type CompiledFn = LazyLock<Jit<Array, Array, fn(&Array) -> Array>>;

/// Below this many elements an operation-at-a-time call is about as fast as a compiled one,
/// and costs no compilation for each new shape.
const MIN_ELEMENTS: usize = 1 << 14;

/// Runs `f(x)` through `compiled` (a cached `jit` of `f`) when this is an eager call on a large
/// concrete array, and `f(x)` itself otherwise. Inside a transformation `f` runs as written, so
/// traced programs contain its operations (JAX shows them inside a `pjit`; the values are the
/// same). The compiled program runs each operation's own elementwise formula, so both paths
/// give the same bits.
pub(crate) fn compiled_when_eager(
    x: &Array,
    compiled: &'static CompiledFn,
    f: fn(&Array) -> Array,
) -> Array {
    if x.is_concrete() && x.size() >= MIN_ELEMENTS && crate::trace::current().is_none() {
        compiled.call(x)
    } else {
        f(x)
    }
}
