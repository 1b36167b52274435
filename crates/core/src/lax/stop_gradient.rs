//! `lax.stop_gradient`.

use crate::array::Array;
use crate::prims::bind1;
use crate::prims::unary::UnaryOp;

/// The identity on values, but treated as a constant by differentiation (`lax.stop_gradient`).
///
/// Floating-point arrays go through the `stop_gradient` primitive, whose JVP rule gives a zero
/// tangent. Integer and bool arrays have no tangent to stop, so they are returned unchanged, as
/// JAX does.
///
/// ```
/// use equinox_core::{lax, Array};
/// let x = Array::from_vec(vec![1.0f32, -2.0], [2]);
/// assert_eq!(lax::stop_gradient(&x).to_vec::<f32>(), vec![1.0, -2.0]);
/// ```
pub fn stop_gradient(x: &Array) -> Array {
    if !x.dtype().is_inexact() {
        return x.clone();
    }
    bind1(UnaryOp::StopGradient, &[x])
}

impl Array {
    /// [`stop_gradient`] as a method: `x.stop_gradient()`.
    pub fn stop_gradient(&self) -> Array {
        stop_gradient(self)
    }
}
