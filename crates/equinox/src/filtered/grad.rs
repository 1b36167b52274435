//! `filter_grad`, `filter_value_and_grad`, `filter_jvp`, `filter_vjp`, `filter_jacfwd`,
//! `filter_jacrev`, `filter_hessian`: differentiation with respect to the float leaves.

use super::{inexact_mask, keep_where, rejoin, split_inexact};
use crate::transforms::{self, FnArgs, Linearized};
use crate::{Array, Module};

/// `eqx.filter_value_and_grad`: a function of the same arguments as `f` returning the value of
/// `f` and its gradient with respect to every floating-point leaf of the first argument. Other leaves (integers, booleans) are not
/// differentiated; their slots in the gradient are filtered out (Equinox's `None`).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array, DType, Module};
///
/// #[derive(Module, Clone)]
/// struct Model { w: Array, step: Array }
///
/// let m = Model { w: jnp::ones([2]), step: jnp::zeros_dtype([], DType::I32) };
/// let (v, g) = eqx::filter_value_and_grad(|m: &Model| (&m.w * &m.w).sum(None))(&m);
/// assert_eq!(v.item::<f32>(), 2.0);
/// assert_eq!(g.w.to_vec::<f32>(), vec![2.0, 2.0]);
/// assert!(g.step.is_filtered_out());
/// ```
pub fn filter_value_and_grad<'f, M, F>(f: F) -> F::With<(Array, F::First)>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::value_and_grad(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// `eqx.filter_grad`: the gradient of `f` with respect to the float leaves of its argument
/// (see [`filter_value_and_grad`]).
pub fn filter_grad<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::grad(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// [`filter_value_and_grad`] for a function returning `(value, aux)` (`has_aux=True`).
pub fn filter_value_and_grad_with_aux<'f, M, F, A>(f: F) -> F::With<((Array, A), F::First)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: Module,
    A: 'f,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::value_and_grad_with_aux(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// [`filter_grad`] for a function returning `(value, aux)`: the gradient and the aux output.
pub fn filter_grad_with_aux<'f, M, F, A>(f: F) -> F::With<(F::First, A)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: Module,
    A: 'f,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::grad_with_aux(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// `eqx.filter_jvp`: forward mode with respect to the float leaves of `primals`; the other
/// leaves of `tangents` are ignored (pass anything, e.g. filtered-out placeholders). Output
/// tangents of non-float outputs are filtered out.
pub fn filter_jvp<T: Module, R: Module>(f: impl Fn(&T) -> R, primals: &T, tangents: &T) -> (R, R) {
    let mask = inexact_mask(primals);
    let (diff, rest) = split_inexact(primals);
    let t = keep_where(tangents, &mask, "filter_jvp");
    let (out, tout) = transforms::jvp(|d: &T| f(&rejoin(d, &rest)), &diff, &t);
    let out_mask = inexact_mask(&out);
    let tout = keep_where(&tout, &out_mask, "filter_jvp");
    (out, tout)
}

/// `eqx.filter_vjp`: the outputs of `f` and its pullback with respect to the float leaves of
/// `primals` ([`Linearized::transpose`] gives cotangents whose non-float slots are filtered
/// out).
pub fn filter_vjp<T: Module, R: Module>(f: impl Fn(&T) -> R, primals: &T) -> (R, Linearized<T, R>) {
    let (diff, rest) = split_inexact(primals);
    transforms::vjp(|d: &T| f(&rejoin(d, &rest)), &diff)
}

/// `eqx.filter_jacfwd` for functions returning one array: forward-mode Jacobian with respect
/// to the float leaves (each has shape `out.shape + leaf.shape`; other slots filtered out).
pub fn filter_jacfwd<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::jacfwd(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// `eqx.filter_jacrev` for functions returning one array: reverse-mode Jacobian with respect
/// to the float leaves.
pub fn filter_jacrev<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| {
        let (diff, rest) = split_inexact(x);
        let transformed = transforms::jacrev(|d: &F::First| g(&rejoin(d, &rest)));
        transformed(&diff)
    })
}

/// `eqx.filter_hessian` of a scalar function of one float array.
pub fn filter_hessian<'f, M, F>(f: F) -> F::With<Array>
where
    F: FnArgs<'f, M, First = Array, Output = Array>,
{
    transforms::hessian(f)
}
