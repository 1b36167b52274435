//! `checkpoint` (`jax.checkpoint`, a.k.a. remat): trade compute for memory in reverse mode.

use super::arity::FnArgsAll;
use crate::array::Array;
use crate::higher_order::control_flow::tree_staging::switch_internal;
use crate::tree::PyTree;

/// `jax.checkpoint` with the default policy (save nothing but the inputs): a function of the
/// same arguments as `f` that computes the same values, but under reverse mode stores only its
/// inputs and recomputes its intermediates during the backward pass instead of keeping them.
///
/// `f` is staged as one sub-program (a single-branch `cond`); linearize splits it so that the
/// primal runs now and the staged tangent program re-evaluates the primal from the saved
/// inputs, and the backward pass recomputes it likewise.
///
/// ```
/// use equinox_core::{transforms::{checkpoint, grad}, Array};
/// let block = checkpoint(|x: &Array| x.sin().sin().sin());
/// let g = grad(|x: &Array| block(x))(&Array::scalar(0.5f32));
/// let plain = grad(|x: &Array| x.sin().sin().sin())(&Array::scalar(0.5f32));
/// assert!((g.item::<f32>() - plain.item::<f32>()).abs() < 1e-6);
/// ```
pub fn checkpoint<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree,
    F::Output: PyTree,
{
    f.map_all(|g, args| {
        switch_internal(
            "checkpoint",
            &["checkpoint".to_string()],
            &Array::scalar(0i32),
            &[g],
            args,
        )
    })
}
