//! The input symmetrization of `cholesky` and `eigh` (`symmetrize_input=True`): JAX's
//! `lax.linalg.symmetrize`, `(x + xᴴ) / 2` over the last two axes.

use crate::array::Array;
use crate::transforms::Jit;
use std::sync::LazyLock;

/// Below this many elements [`symmetrize`] runs eagerly as one fused loop. On 2 cores (Intel
/// Xeon), an eager `jnp.linalg.cholesky` of 256 × 256 in f64, a third of it the three eager
/// operations, went from 0.51-0.53 ms to 0.39-0.41 fused; at 1024 × 1024 in f32 it went from
/// 5.4-5.7 ms to 7.9: the fused loop reads the transposed operand down its columns, 4 KiB
/// apart, where the eager transpose moves cache-line blocks.
const FUSED_ELEMENTS: usize = 1 << 18;

/// A function of one array to one array, as [`symmetrize`]'s compiled program holds it.
type ArrayFn = fn(&Array) -> Array;

/// `(x + xᴴ) / 2` over the last two axes.
///
/// Called eagerly on a host array of fewer than [`FUSED_ELEMENTS`], it runs as one compiled
/// program, a single fused loop, where the three eager operations would each pass over the
/// matrix and hand half of it to the other thread. JAX jits its `jnp.linalg` functions whole,
/// so XLA fuses the same loop there. Under a transformation the operations are bound one by
/// one, as JAX's `transpose`, `add` and `div`; the compiled program gives their bits.
pub(super) fn symmetrize(x: &Array) -> Array {
    use crate::prims::linalg::eigh::symmetrize as by_operations;
    static COMPILED: LazyLock<Jit<Array, Array, ArrayFn>> =
        LazyLock::new(|| Jit::new(by_operations as ArrayFn));
    if x.size() < FUSED_ELEMENTS
        && crate::trace::current().is_none()
        && x.is_concrete()
        && x.device_data().is_none()
    {
        COMPILED.call(x)
    } else {
        by_operations(x)
    }
}
