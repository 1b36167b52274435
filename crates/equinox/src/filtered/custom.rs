//! `filter_checkpoint`, `filter_custom_jvp`, `filter_custom_vjp`, `filter_pure_callback`.

use super::keep_where;
use crate::filters::is_inexact_array;
use crate::transforms::{self, FnArgsAll};
use crate::Module;

/// `eqx.filter_checkpoint`: [`transforms::checkpoint`] (remat) of a function of 1–8 PyTree
/// arguments: under reverse mode only its inputs are saved and its intermediates are
/// recomputed in the backward pass.
pub fn filter_checkpoint<'f, M, F>(f: F) -> F::With<F::Output>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: Module,
    F::Output: Module,
{
    transforms::checkpoint(f)
}

/// `eqx.filter_custom_jvp`: `f` with the JVP rule `jvp(primals, tangents) -> (out, tangent_out)`,
/// where the tangents of non-float leaves are filtered out (Equinox's `None`), so the rule sees
/// which inputs are differentiated.
///
/// ```
/// use equinox as eqx;
/// use eqx::{transforms::grad, Array, DType};
/// let f = eqx::filter_custom_jvp(
///     |(x, n): &(Array, Array)| x * &n.astype(DType::F32),
///     |(x, n): &(Array, Array), (tx, tn): &(Array, Array)| {
///         assert!(tn.is_filtered_out());
///         (x * &n.astype(DType::F32), tx * 100.0)
///     },
/// );
/// let g = grad(|x: &Array| f(&(x.clone(), Array::scalar(3i32))))(&Array::scalar(1.0f32));
/// assert_eq!(g.item::<f32>(), 100.0);
/// ```
pub fn filter_custom_jvp<T, R, F, J>(f: F, jvp: J) -> impl Fn(&T) -> R
where
    T: Module + Send + Sync + 'static,
    R: Module + Send + Sync + 'static,
    F: Fn(&T) -> R + Send + Sync + 'static,
    J: Fn(&T, &T) -> (R, R) + Send + Sync + 'static,
{
    transforms::custom_jvp(f, move |p: &T, t: &T| {
        let mut mask = Vec::new();
        p.visit_leaves(&mut |l| mask.push(!l.is_filtered_out() && is_inexact_array(l)));
        let t = keep_where(t, &mask, "filter_custom_jvp");
        jvp(p, &t)
    })
}

/// `eqx.filter_custom_vjp`: `f` with a custom reverse-mode derivative given by
/// `fwd(x) -> (out, residuals)` and `bwd(residuals, out_cotangent) -> x_cotangent`; `bwd` may
/// leave leaves filtered out (no cotangent, Equinox's `None`), and must for non-float leaves.
pub fn filter_custom_vjp<T, R, Res, F, Fw, B>(f: F, fwd: Fw, bwd: B) -> impl Fn(&T) -> R
where
    T: Module + Send + Sync + 'static,
    R: Module + Send + Sync + 'static,
    Res: Module + Send + Sync + 'static,
    F: Fn(&T) -> R + Send + Sync + 'static,
    Fw: Fn(&T) -> (R, Res) + Send + Sync + 'static,
    B: Fn(&Res, &R) -> T + Send + Sync + 'static,
{
    transforms::custom_vjp(f, fwd, bwd)
}

/// `eqx.filter_pure_callback`: calls the host function `f` on the concrete values of `args`
/// from inside jit/vmap; `result_shape` gives the result's structure, shapes and dtypes (see
/// [`crate::debug::pure_callback`]).
pub fn filter_pure_callback<T, R>(
    f: impl Fn(&T) -> R + Send + Sync + 'static,
    args: &T,
    result_shape: &R,
) -> R
where
    T: Module + Send + Sync + 'static,
    R: Module,
{
    equinox_core::debug::pure_callback(f, result_shape, args)
}
