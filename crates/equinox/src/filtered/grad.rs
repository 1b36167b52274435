//! `filter_grad`, `filter_value_and_grad`, `filter_jvp`, `filter_vjp`, `filter_jacfwd`,
//! `filter_jacrev`, `filter_hessian`: differentiation with respect to the float leaves.

use super::{keep_where, rejoin, split_inexact};
use crate::filters::is_inexact_array;
use crate::jaxpr::{Atom, ClosedJaxpr};
use crate::transforms::{self, FnArgs, Linearized};
use crate::tree::KeyPath;
use crate::{Array, Module, ShapeDtype};

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
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::value_and_grad(h)(d)))
}

/// `eqx.filter_grad`: the gradient of `f` with respect to the float leaves of its argument
/// (see [`filter_value_and_grad`]).
pub fn filter_grad<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::grad(h)(d)))
}

/// [`filter_value_and_grad`] for a function returning `(value, aux)` (`has_aux=True`).
pub fn filter_value_and_grad_with_aux<'f, M, F, A>(f: F) -> F::With<((Array, A), F::First)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: Module,
    A: crate::tree::PyTree + 'f,
{
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::value_and_grad_with_aux(h)(d)))
}

/// [`filter_grad`] for a function returning `(value, aux)`: the gradient and the aux output.
pub fn filter_grad_with_aux<'f, M, F, A>(f: F) -> F::With<(F::First, A)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: Module,
    A: crate::tree::PyTree + 'f,
{
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::grad_with_aux(h)(d)))
}

/// `eqx.filter_jvp`: forward mode with respect to the leaves of `primals` that have a tangent.
///
/// `tangents` has the structure of `primals`. A filtered-out tangent ([`Array::filtered_out`],
/// Equinox's `None`) marks its primal as not differentiated; a present tangent must belong to a
/// floating-point primal and have its shape and dtype (otherwise this panics, Equinox's
/// `TypeError`). In the output tangents, a leaf is filtered out where the output does not
/// depend on the differentiated inputs (a symbolic zero, Equinox's `None`), which includes
/// every non-float output.
///
/// ```
/// use equinox as eqx;
/// use eqx::{Array, DType};
///
/// let f = |(x, n): &(Array, Array)| (x * x, n + 1);
/// let primals = (Array::scalar(3.0f32), Array::scalar(2i32));
/// let tangents = (Array::scalar(1.0f32), Array::filtered_out(primals.1.aval().clone()));
/// let ((y, m), (ty, tm)) = eqx::filter_jvp(f, &primals, &tangents);
/// assert_eq!((y.item::<f32>(), m.item::<i32>(), ty.item::<f32>()), (9.0, 3, 6.0));
/// assert!(tm.is_filtered_out());
/// # let _ = DType::F32;
/// ```
pub fn filter_jvp<T: Module, R: Module>(
    f: impl FnOnce(&T) -> R,
    primals: &T,
    tangents: &T,
) -> (R, R) {
    let mask = jvp_mask(primals, tangents);
    let not_mask: Vec<bool> = mask.iter().map(|m| !m).collect();
    let diff = keep_where(primals, &mask, "filter_jvp");
    let rest = keep_where(primals, &not_mask, "filter_jvp");
    let (out, lin) = transforms::linearize(|d: &T| f(&rejoin(d, &rest)), &diff);
    let tout = lin.apply(&keep_where(tangents, &mask, "filter_jvp"));
    let depends = output_depends_on_input(lin.jaxpr(), &out);
    let tout = keep_where(&tout, &depends, "filter_jvp");
    (out, tout)
}

/// One bool per leaf slot of `primals`: differentiated (a float primal with a tangent). Panics
/// on a tangent for a non-float or filtered-out primal, and on a tangent whose shape or dtype
/// differs from its primal's.
fn jvp_mask<T: Module>(primals: &T, tangents: &T) -> Vec<bool> {
    let mut slots: Vec<(String, Array)> = Vec::with_capacity(primals.num_leaves());
    primals.visit_leaves_with_path(&mut KeyPath::new(), &mut |p, l| {
        slots.push((p.to_string(), l.clone()))
    });
    let mut ts: Vec<Array> = Vec::with_capacity(slots.len());
    tangents.visit_leaves(&mut |l| ts.push(l.clone()));
    assert_eq!(
        slots.len(),
        ts.len(),
        "filter_jvp: primals have {} leaf slots but tangents have {}; they must have the same structure",
        slots.len(),
        ts.len()
    );
    slots
        .iter()
        .zip(&ts)
        .map(|((path, p), t)| {
            if t.is_filtered_out() {
                return false;
            }
            if p.is_filtered_out() || !is_inexact_array(p) {
                panic!(
                    "filter_jvp: leaf `{path}` has a tangent ({}) but its primal is {}; only \
                     floating-point primals take tangents (give the others a filtered-out tangent)",
                    t.aval(),
                    p.aval()
                );
            }
            if t.shape() != p.shape() || t.dtype() != p.dtype() {
                panic!(
                    "filter_jvp: the tangent of leaf `{path}` is {} but its primal is {}; they must \
                     have the same shape and dtype",
                    t.aval(),
                    p.aval()
                );
            }
            true
        })
        .collect()
}

/// One bool per leaf slot of `out`: whether its tangent in the linear program `lin` depends on
/// the input tangents. A tangent that does not is a constant of the program (the zeros the
/// JVP materialised), never an equation's output: linearisation stages only the equations
/// that depend on its inputs.
fn output_depends_on_input<R: Module>(lin: &ClosedJaxpr, out: &R) -> Vec<bool> {
    let jaxpr = &lin.jaxpr;
    let mut outvars = jaxpr.outvars.iter();
    let mut mask = Vec::with_capacity(out.num_leaves());
    out.visit_leaves(&mut |l| {
        if l.is_filtered_out() {
            mask.push(false);
            return;
        }
        let atom = outvars.next().expect("one program output per output leaf");
        mask.push(match atom {
            Atom::Var(v) => !jaxpr.constvars.contains(v),
            Atom::Literal(_) => false,
        });
    });
    mask
}

/// The pullback returned by [`filter_vjp`] (Equinox's `vjp_fn`).
pub struct FilterVjp<T, R> {
    lin: Linearized<T, R>,
    /// The output's leaf slots: abstract value, and whether the slot holds an array.
    out_slots: Vec<(ShapeDtype, bool)>,
}

impl<T: Module, R: Module> FilterVjp<T, R> {
    /// The pullback of `lin`, remembering which of `out`'s leaf slots hold arrays.
    fn new(lin: Linearized<T, R>, out: &R) -> FilterVjp<T, R> {
        let mut out_slots = Vec::with_capacity(out.num_leaves());
        out.visit_leaves(&mut |l| out_slots.push((l.aval().clone(), !l.is_filtered_out())));
        FilterVjp { lin, out_slots }
    }

    /// The input cotangent for the output cotangent `ct` (same structure as the output). Leaves
    /// of `ct` may be filtered out (Equinox's `None`): they count as zeros, which is how
    /// non-float outputs are given. The result has the primals' structure with the non-float
    /// leaves filtered out.
    pub fn call(&self, ct: &R) -> T {
        let mut slots = self.out_slots.iter();
        let ct = ct.map_leaves(&mut |c| {
            let (aval, present) = slots
                .next()
                .expect("filter_vjp: the cotangent has more leaf slots than the output");
            if c.is_filtered_out() && *present {
                crate::numpy::zeros_dtype(&aval.shape[..], aval.dtype)
            } else {
                c.clone()
            }
        });
        assert!(
            slots.next().is_none(),
            "filter_vjp: the cotangent has fewer leaf slots than the output"
        );
        self.lin.transpose(&ct)
    }

    /// The linear map itself (its program, forward application and transpose).
    pub fn linearized(&self) -> &Linearized<T, R> {
        &self.lin
    }
}

/// `eqx.filter_vjp`: the outputs of `f` and its pullback with respect to the float leaves of
/// `primals` ([`FilterVjp::call`] gives cotangents whose non-float slots are filtered out).
/// Several primal arguments: pass a tuple.
pub fn filter_vjp<T: Module, R: Module>(
    f: impl FnOnce(&T) -> R,
    primals: &T,
) -> (R, FilterVjp<T, R>) {
    let (diff, rest) = split_inexact(primals);
    let (out, lin) = transforms::vjp(|d: &T| f(&rejoin(d, &rest)), &diff);
    let pullback = FilterVjp::new(lin, &out);
    (out, pullback)
}

/// [`filter_vjp`] for a function returning `(output, aux)` (`has_aux=True`): the output, the
/// pullback of the output alone, and the aux value. The aux leaves come back as plain values
/// even when they depend on the primals (a model's updated `State`, say).
pub fn filter_vjp_with_aux<T: Module, R: Module, A: Module>(
    f: impl FnOnce(&T) -> (R, A),
    primals: &T,
) -> (R, FilterVjp<T, R>, A) {
    let (diff, rest) = split_inexact(primals);
    let (out, lin, aux) = transforms::vjp_with_aux(|d: &T| f(&rejoin(d, &rest)), &diff);
    let pullback = FilterVjp::new(lin, &out);
    (out, pullback, aux)
}

/// `eqx.filter_jacfwd` for functions returning one array: forward-mode Jacobian with respect
/// to the float leaves (each has shape `out.shape + leaf.shape`; other slots filtered out).
pub fn filter_jacfwd<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::jacfwd(h)(d)))
}

/// `eqx.filter_jacrev` for functions returning one array: reverse-mode Jacobian with respect
/// to the float leaves.
pub fn filter_jacrev<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: Module,
{
    f.map_first(|g, x| on_float_leaves(g, x, |h, d| transforms::jacrev(h)(d)))
}

/// `eqx.filter_hessian` of a scalar function of one float array.
pub fn filter_hessian<'f, M, F>(f: F) -> F::With<Array>
where
    F: FnArgs<'f, M, First = Array, Output = Array>,
{
    transforms::hessian(f)
}

/// Applies `transform` (one of the grad family) to `g` restricted to the float leaves of `x`,
/// the other leaves held fixed: the shared body of the filtered versions.
fn on_float_leaves<T: Module, R, O>(
    g: &dyn Fn(&T) -> R,
    x: &T,
    transform: impl FnOnce(&dyn Fn(&T) -> R, &T) -> O,
) -> O {
    let (diff, rest) = split_inexact(x);
    let restricted = |d: &T| g(&rejoin(d, &rest));
    transform(&restricted, &diff)
}
