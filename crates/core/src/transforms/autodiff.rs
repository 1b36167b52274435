//! Forward and reverse mode over functions of PyTrees: `jvp`, `linearize`, `vjp`, `grad`,
//! `value_and_grad` (JAX's `jax.jvp`, `jax.linearize`, `jax.vjp`, `jax.grad`).

use super::arity::{FnArgs, FnArgsAll};
use crate::array::Array;
use crate::jaxpr::transpose::backward_pass;
use crate::jaxpr::ClosedJaxpr;
use crate::prims::ops::zeros_like;
use crate::trace::jvp::JvpTrace;
use crate::trace::staging::{StageMode, StagingTrace};
use crate::trace::{current, new_tag, set_current, Trace};
use crate::tree::{self, PyTree};
use std::rc::Rc;

/// True for values that have tangents: floating-point arrays. Integer and boolean values have
/// zero tangents (JAX's `float0`).
pub(crate) fn has_tangent(x: &Array) -> bool {
    x.dtype().is_inexact()
}

/// Runs `f` under a fresh JVP trace on flat primals and tangents; returns the flat primal and
/// tangent outputs (`None` = zero).
fn jvp_flat(
    f: impl FnOnce(Vec<Array>) -> Vec<Array>,
    parent: Option<Rc<dyn Trace>>,
    primals: &[Array],
    tangents: Vec<Option<Array>>,
) -> (Vec<Array>, Vec<Option<Array>>) {
    let trace = Rc::new(JvpTrace {
        tag: new_tag(),
        parent,
    });
    let inputs: Vec<Array> = primals
        .iter()
        .zip(tangents)
        .map(|(p, t)| trace.wrap(p.clone(), t.filter(|_| has_tangent(p))))
        .collect();
    let outs = {
        let _guard = set_current(Some(trace.clone() as Rc<dyn Trace>));
        f(inputs)
    };
    outs.iter().map(|o| trace.unwrap(o)).unzip()
}

/// Forward-mode differentiation (`jax.jvp`): the outputs of `f` at `primals` and their
/// directional derivatives along `tangents`.
///
/// `tangents` has the structure of `primals`; tangents of integer and boolean leaves are
/// ignored (their tangent is zero, JAX's `float0`). The output tangent of an integer output is
/// zeros of its dtype.
///
/// ```
/// use equinox_core::{transforms::jvp, Array};
/// let x = Array::scalar(2.0f32);
/// let (y, dy) = jvp(|x: &Array| x * x * 3.0, &x, &Array::scalar(1.0f32));
/// assert_eq!(y.item::<f32>(), 12.0);
/// assert_eq!(dy.item::<f32>(), 12.0);
/// ```
pub fn jvp<T: PyTree, R: PyTree>(f: impl FnOnce(&T) -> R, primals: &T, tangents: &T) -> (R, R) {
    let (p_leaves, p_def) = tree::flatten(primals);
    let (t_leaves, _) = tree::flatten(tangents);
    assert_eq!(
        p_leaves.len(),
        t_leaves.len(),
        "jvp: primals have {} leaves but tangents have {}",
        p_leaves.len(),
        t_leaves.len()
    );
    for (i, (p, t)) in p_leaves.iter().zip(&t_leaves).enumerate() {
        if has_tangent(p) && p.shape() != t.shape() {
            panic!(
                "jvp: tangent {i} is {} but its primal is {}: jvp called with different primal \
                 and tangent shapes; got primal shape {} and tangent shape as {}",
                t.aval(),
                p.aval(),
                p.shape_obj(),
                t.shape_obj()
            );
        }
        if has_tangent(p) && p.dtype() != t.dtype() {
            panic!(
                "jvp: tangent {i} is {} but its primal is {}: primal and tangent arguments to \
                 jax.jvp do not match; dtypes must be equal; got primal dtype {} and tangent \
                 dtype {}",
                t.aval(),
                p.aval(),
                p.dtype(),
                t.dtype()
            );
        }
    }
    let mut out_template = None;
    let (outs, touts) = jvp_flat(
        |xs| {
            let out = f(&tree::unflatten(&p_def, xs));
            let leaves = tree::leaves(&out).into_iter().cloned().collect();
            out_template = Some(out);
            leaves
        },
        current(),
        &p_leaves,
        t_leaves.into_iter().map(Some).collect(),
    );
    let template = out_template.expect("the function ran");
    let touts: Vec<Array> = outs
        .iter()
        .zip(touts)
        .map(|(o, t)| t.unwrap_or_else(|| zeros_like(o)))
        .collect();
    (
        tree::rebuild(&template, outs),
        tree::rebuild(&template, touts),
    )
}

/// A linear function staged by [`linearize`] or held by [`vjp`]: the tangent map of `f` at a
/// point, as a jaxpr closing over residuals.
pub struct Linearized<T, R> {
    jaxpr: ClosedJaxpr,
    /// For each input leaf, whether it has a tangent (is a program input).
    input_has_tangent: Vec<bool>,
    primals: T,
    out_template: R,
}

impl<T: PyTree, R: PyTree> Linearized<T, R> {
    /// The linear program, with tangent inputs for the float leaves of the primals.
    pub fn jaxpr(&self) -> &ClosedJaxpr {
        &self.jaxpr
    }

    /// Applies the linear map to an input tangent (the JVP at the linearisation point).
    pub fn apply(&self, tangents: &T) -> R {
        let (t_leaves, _) = tree::flatten(tangents);
        let args: Vec<&Array> = t_leaves
            .iter()
            .zip(&self.input_has_tangent)
            .filter(|(_, h)| **h)
            .map(|(t, _)| t)
            .collect();
        let outs = self.jaxpr.call(&args);
        tree::rebuild(&self.out_template, outs)
    }

    /// Applies the transposed map to an output cotangent (the VJP): one cotangent per input
    /// leaf, zeros for leaves without tangents and for inputs the output does not depend on.
    pub fn transpose(&self, cotangents: &R) -> T {
        let (ct_leaves, _) = tree::flatten(cotangents);
        let outs = self.jaxpr.jaxpr.out_avals();
        assert_eq!(
            ct_leaves.len(),
            outs.len(),
            "vjp: the cotangent has {} leaves but the function has {} outputs",
            ct_leaves.len(),
            outs.len()
        );
        for (i, (c, o)) in ct_leaves.iter().zip(&outs).enumerate() {
            if c.shape() != &o.shape[..] || c.dtype() != o.dtype {
                panic!(
                    "vjp: cotangent {i}: unexpected JAX type (e.g. shape/dtype) for argument to \
                     VJP function: got {}, but expected {} because the corresponding output of \
                     the differentiated function had JAX type {}",
                    c.aval().type_str(),
                    o.type_str(),
                    o.type_str()
                );
            }
        }
        self.transpose_leaves(ct_leaves.into_iter().map(Some).collect())
    }

    /// [`transpose`](Self::transpose) on cotangent leaves in output order, `None` for an output
    /// that gets no cotangent (nothing flows back through it).
    fn transpose_leaves(&self, cts: Vec<Option<Array>>) -> T {
        let consts: Vec<&Array> = self.jaxpr.consts.iter().collect();
        let mut cts_in = backward_pass(&self.jaxpr.jaxpr, &consts, &cts).into_iter();
        let primals: Vec<Array> = tree::leaves(&self.primals).into_iter().cloned().collect();
        let grads: Vec<Array> = primals
            .iter()
            .zip(&self.input_has_tangent)
            .map(|(p, h)| {
                let ct = if *h { cts_in.next().flatten() } else { None };
                ct.unwrap_or_else(|| zeros_like(p))
            })
            .collect();
        tree::rebuild(&self.primals, grads)
    }
}

/// Linearizes `f` at `primals` (`jax.linearize`): the outputs, and the tangent map as a staged
/// linear program. Primal work runs now; only tangent work is staged.
///
/// ```
/// use equinox_core::{transforms::linearize, Array};
/// let x = Array::scalar(3.0f32);
/// let (y, lin) = linearize(|x: &Array| x * x, &x);
/// assert_eq!(y.item::<f32>(), 9.0);
/// assert_eq!(lin.apply(&Array::scalar(1.0f32)).item::<f32>(), 6.0);
/// ```
pub fn linearize<T: PyTree, R: PyTree>(
    f: impl FnOnce(&T) -> R,
    primals: &T,
) -> (R, Linearized<T, R>) {
    let (p_leaves, p_def) = tree::flatten(primals);
    let staging = StagingTrace::new(StageMode::DependentOnly);
    let input_has_tangent: Vec<bool> = p_leaves.iter().map(has_tangent).collect();
    let tangents: Vec<Option<Array>> = p_leaves
        .iter()
        .map(|p| has_tangent(p).then(|| staging.new_input(p.aval().clone())))
        .collect();
    let mut out_template = None;
    let (outs, touts) = jvp_flat(
        |xs| {
            let out = f(&tree::unflatten(&p_def, xs));
            let leaves = tree::leaves(&out).into_iter().cloned().collect();
            out_template = Some(out);
            leaves
        },
        Some(staging.clone() as Rc<dyn Trace>),
        &p_leaves,
        tangents,
    );
    let out_template = out_template.expect("the function ran");
    let touts: Vec<Array> = outs
        .iter()
        .zip(touts)
        .map(|(o, t)| t.unwrap_or_else(|| zeros_like(o)))
        .collect();
    let jaxpr = staging.finish(&touts);
    let out = tree::rebuild(&out_template, outs);
    (
        out,
        Linearized {
            jaxpr,
            input_has_tangent,
            primals: tree::map(primals, Array::clone),
            out_template,
        },
    )
}

/// Reverse-mode differentiation (`jax.vjp`): the outputs of `f` at `primals`, and a function
/// from output cotangents to input cotangents ([`Linearized::transpose`]).
///
/// ```
/// use equinox_core::{transforms::vjp, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
/// let (y, pullback) = vjp(|x: &Array| x * x, &x);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 4.0]);
/// let g = pullback.transpose(&Array::from_vec(vec![1.0f32, 1.0], [2]));
/// assert_eq!(g.to_vec::<f32>(), vec![2.0, 4.0]);
/// ```
pub fn vjp<T: PyTree, R: PyTree>(f: impl FnOnce(&T) -> R, primals: &T) -> (R, Linearized<T, R>) {
    linearize(f, primals)
}

/// [`vjp`] for a function returning `(output, aux)` (`jax.vjp(..., has_aux=True)`): the output,
/// the pullback of the output alone, and the aux value.
///
/// The aux part is an output of the linearisation, so its arrays leave as plain values even
/// when they depend on `primals` (a BatchNorm state, a prediction kept for logging); it gets
/// no cotangent.
///
/// ```
/// use equinox_core::{transforms::vjp_with_aux, Array};
/// let x = Array::from_vec(vec![1.0f32, 2.0], [2]);
/// let (y, pullback, aux) = vjp_with_aux(|x: &Array| (x * x, x.sum(None)), &x);
/// assert_eq!(aux.item::<f32>(), 3.0); // a value, not a tracer
/// let g = pullback.transpose(&Array::from_vec(vec![1.0f32, 1.0], [2]));
/// assert_eq!((y.to_vec::<f32>(), g.to_vec::<f32>()), (vec![1.0, 4.0], vec![2.0, 4.0]));
/// ```
pub fn vjp_with_aux<T: PyTree, R: PyTree, A: PyTree>(
    f: impl FnOnce(&T) -> (R, A),
    primals: &T,
) -> (R, Linearized<T, R>, A) {
    let ((out, aux), lin) = linearize(f, primals);
    // The tangent program's outputs are the output's leaves, then the aux's: keep the first.
    let Linearized {
        mut jaxpr,
        input_has_tangent,
        primals,
        out_template: (out_template, _),
    } = lin;
    std::sync::Arc::make_mut(&mut jaxpr.jaxpr)
        .outvars
        .truncate(out_template.num_leaves());
    let lin = Linearized {
        jaxpr,
        input_has_tangent,
        primals,
        out_template,
    };
    (out, lin, aux)
}

/// Options of the `grad` family ([`grad_with_options`], [`value_and_grad_with_options`]):
/// `jax.grad`'s keyword arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GradOptions {
    /// `holomorphic=True`: the function is holomorphic (complex inputs, complex output) and the
    /// result is its complex derivative `f'(z)`. Without it, complex inputs are allowed but
    /// the output must be real, and the gradient is `∂f/∂x - i·∂f/∂y` (twice the Wirtinger
    /// derivative `∂f/∂z`, the conjugate of the ascent direction), as JAX returns it:
    /// `grad(|z|²)(z) = 2·conj(z)`.
    pub holomorphic: bool,
}

/// Panics unless `out` is what `grad` differentiates: a scalar with a float dtype (complex with
/// `holomorphic`), with JAX's messages.
fn check_scalar_output(out: &Array, holomorphic: bool) {
    if out.ndim() != 0 {
        panic!(
            "grad: Gradient only defined for scalar-output functions. Output had shape: {} ({}); \
             use vjp or jacrev for other outputs",
            out.shape_obj(),
            out.aval()
        );
    }
    let d = out.dtype();
    if holomorphic && !d.is_complex() {
        panic!("grad with holomorphic=True requires outputs with complex dtype, but got {d}.");
    }
    if !holomorphic && d.is_complex() {
        panic!(
            "grad requires real-valued outputs (output dtype that is a sub-dtype of \
             np.floating), but got {d}. For holomorphic differentiation, pass holomorphic=True. \
             For differentiation of non-holomorphic functions involving complex outputs, use \
             jax.vjp directly."
        );
    }
    if !d.is_inexact() {
        panic!(
            "grad requires real- or complex-valued outputs (output dtype that is a sub-dtype of \
             np.inexact), but got {d}. For differentiation of functions with integer outputs, \
             use jax.vjp directly."
        );
    }
}

/// Panics unless every leaf of the input is a float or complex array (only complex with
/// `holomorphic`), as `jax.grad` requires.
fn check_float_inputs<T: PyTree>(x: &T, holomorphic: bool) {
    for (path, leaf) in tree::leaves_with_path(x) {
        if holomorphic && !leaf.dtype().is_complex() {
            panic!(
                "grad with holomorphic=True requires inputs with complex dtype, but got {}. \
                 (Input leaf `{path}`.)",
                leaf.dtype()
            );
        }
        if !has_tangent(leaf) {
            panic!(
                "grad: input leaf `{path}` is {}; grad requires real- or complex-valued inputs \
                 (input dtype that is a sub-dtype of np.inexact), but got {}. Mark non-float \
                 values static, pass them another way, or use filter_grad (Equinox), which only \
                 differentiates float leaves",
                leaf.aval(),
                leaf.dtype()
            );
        }
    }
}

/// The value and gradient of `f` at `x`: the shared body of the `grad` family.
pub(crate) fn value_and_grad_at<T: PyTree, A: PyTree>(
    f: impl FnOnce(&T) -> (Array, A),
    x: &T,
    options: GradOptions,
) -> ((Array, A), T) {
    check_float_inputs(x, options.holomorphic);
    // The aux output is an output of the linearisation too, so it leaves as plain values (its
    // arrays may depend on `x`, e.g. a BatchNorm state, and must not escape as tracers); only
    // the value gets a cotangent.
    let ((out, aux), lin) = linearize(
        |x: &T| {
            let (v, a) = f(x);
            check_scalar_output(&v, options.holomorphic);
            (v, a)
        },
        x,
    );
    // Transposition is linear (not conjugate-linear), so a cotangent of 1 yields JAX's
    // gradient for real outputs and f'(z) for holomorphic ones.
    let mut cts = vec![None; 1 + aux.num_leaves()];
    cts[0] = Some(crate::prims::ops::ones_like(&out));
    let g = lin.transpose_leaves(cts);
    ((out, aux), g)
}

/// `jax.value_and_grad`: a function of the same arguments as `f` returning the value of `f`
/// and its gradient with respect to the first argument (a PyTree whose leaves are all float
/// arrays; the other arguments are held fixed). `f` must return a scalar float.
///
/// ```
/// use equinox_core::{transforms::value_and_grad, Array};
/// let f = value_and_grad(|x: &Array| (x * x).sum(None));
/// let (v, g) = f(&Array::from_vec(vec![1.0f32, 3.0], [2]));
/// assert_eq!(v.item::<f32>(), 10.0);
/// assert_eq!(g.to_vec::<f32>(), vec![2.0, 6.0]);
/// // Several arguments: differentiated with respect to the first.
/// let loss = value_and_grad(|w: &Array, x: &Array, y: &f32| ((w * x).sum(None) - *y).square());
/// let (l, dw) = loss(&Array::from_vec(vec![1.0f32, 1.0], [2]), &Array::from_vec(vec![2.0f32, 3.0], [2]), &4.0);
/// assert_eq!(l.item::<f32>(), 1.0);
/// assert_eq!(dw.to_vec::<f32>(), vec![4.0, 6.0]);
/// ```
pub fn value_and_grad<'f, M, F>(f: F) -> F::With<(Array, F::First)>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(|g, x| {
        let ((v, ()), d) = value_and_grad_at(|x| (g(x), ()), x, GradOptions::default());
        (v, d)
    })
}

/// `jax.grad`: a function of the same arguments as `f` returning the gradient of the scalar
/// function `f` with respect to its first argument (see [`value_and_grad`]). Composes:
/// `grad(grad(f))` is the second derivative.
///
/// ```
/// use equinox_core::{transforms::grad, Array};
/// let df = grad(|x: &Array| x.sin());
/// assert_eq!(df(&Array::scalar(0.0f32)).item::<f32>(), 1.0);
/// let d2f = grad(grad(|x: &Array| x * x * x));
/// assert_eq!(d2f(&Array::scalar(2.0f32)).item::<f32>(), 12.0);
/// ```
pub fn grad<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(|g, x| value_and_grad_at(|x| (g(x), ()), x, GradOptions::default()).1)
}

/// [`value_and_grad`] with [`GradOptions`] (`jax.value_and_grad(f, holomorphic=True)`).
///
/// ```
/// use equinox_core::transforms::{value_and_grad_with_options, GradOptions};
/// use equinox_core::{Array, Complex64};
/// let f = value_and_grad_with_options(|z: &Array| z * z, GradOptions { holomorphic: true });
/// let (v, g) = f(&Array::scalar(Complex64::new(1.0, 2.0)));
/// assert_eq!(v.item::<Complex64>(), Complex64::new(-3.0, 4.0));
/// assert_eq!(g.item::<Complex64>(), Complex64::new(2.0, 4.0));
/// ```
pub fn value_and_grad_with_options<'f, M, F>(
    f: F,
    options: GradOptions,
) -> F::With<(Array, F::First)>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(move |g, x| {
        let ((v, ()), d) = value_and_grad_at(|x| (g(x), ()), x, options);
        (v, d)
    })
}

/// [`grad`] with [`GradOptions`] (`jax.grad(f, holomorphic=True)`): for a holomorphic `f`
/// the complex derivative `f'(z)`.
///
/// ```
/// use equinox_core::transforms::{grad_with_options, GradOptions};
/// use equinox_core::{Array, Complex64};
/// let df = grad_with_options(|z: &Array| z.sin(), GradOptions { holomorphic: true });
/// let z = Complex64::new(0.5, -1.0);
/// assert!((df(&Array::scalar(z)).item::<Complex64>() - z.cos()).norm() < 1e-12);
/// ```
pub fn grad_with_options<'f, M, F>(f: F, options: GradOptions) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(move |g, x| value_and_grad_at(|x| (g(x), ()), x, options).1)
}

/// [`value_and_grad`] for a function returning `(value, aux)` (`has_aux=True`): the aux output
/// is returned as computed, not differentiated.
pub fn value_and_grad_with_aux<'f, M, F, A>(f: F) -> F::With<((Array, A), F::First)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: PyTree,
    A: PyTree + 'f,
{
    f.map_first(|g, x| value_and_grad_at(g, x, GradOptions::default()))
}

/// [`grad`] for a function returning `(value, aux)` (`has_aux=True`): returns the gradient and
/// the aux output.
pub fn grad_with_aux<'f, M, F, A>(f: F) -> F::With<(F::First, A)>
where
    F: FnArgs<'f, M, Output = (Array, A)>,
    F::First: PyTree,
    A: PyTree + 'f,
{
    f.map_first(|g, x| {
        let ((_, aux), d) = value_and_grad_at(g, x, GradOptions::default());
        (d, aux)
    })
}

/// `tree` with the leaves where `keep` is false replaced by filtered-out placeholders.
fn keep_slots<T: PyTree>(tree: &T, keep: &[bool]) -> T {
    let mut i = 0;
    tree.map_leaves(&mut |l| {
        let k = keep[i];
        i += 1;
        if k {
            l.clone()
        } else {
            Array::filtered_out(l.aval().clone())
        }
    })
}

/// The value of `g` at `args` and its gradient with respect to the top-level tuple elements
/// listed in `argnums` (the other elements' leaves filtered out of the gradient).
fn value_and_grad_of_positions<T: PyTree>(
    g: &dyn Fn(&T) -> Array,
    args: &T,
    argnums: &[usize],
) -> (Array, T) {
    let mut selected = Vec::new();
    args.visit_leaves_with_path(&mut crate::tree::KeyPath::new(), &mut |p, _| {
        let position = match p.keys().first() {
            Some(crate::tree::PathKey::Position(i)) => Some(*i),
            _ => None,
        };
        selected.push(position.is_some_and(|i| argnums.contains(&i)));
    });
    let rest_mask: Vec<bool> = selected.iter().map(|s| !s).collect();
    let diff = keep_slots(args, &selected);
    let mut rest_leaves = Vec::new();
    keep_slots(args, &rest_mask).visit_leaves(&mut |l| rest_leaves.push(l.clone()));
    let rejoin = |d: &T| {
        let mut i = 0;
        d.map_leaves(&mut |l| {
            let out = if l.is_filtered_out() {
                rest_leaves[i].clone()
            } else {
                l.clone()
            };
            i += 1;
            out
        })
    };
    let ((v, ()), grads) =
        value_and_grad_at(|d: &T| (g(&rejoin(d)), ()), &diff, GradOptions::default());
    (v, grads)
}

/// `jax.value_and_grad(f, argnums=...)`: a function of the same arguments as `f` returning the
/// value of `f` and its gradient with respect to the arguments listed in `argnums` (positions,
/// from 0). The gradient comes as the tuple of all arguments, in which the leaves of arguments
/// not in `argnums` are filtered out (Equinox's `None`). All arguments must be PyTrees; the
/// selected ones must have only float leaves.
///
/// ```
/// use equinox_core::{transforms::value_and_grad_argnums, Array};
/// let f = value_and_grad_argnums(|a: &Array, b: &Array, c: &Array| (a * b * c).sum(None), &[0, 2]);
/// let (v, (da, db, dc)) = f(&Array::scalar(2.0f32), &Array::scalar(3.0f32), &Array::scalar(4.0f32));
/// assert_eq!(v.item::<f32>(), 24.0);
/// assert_eq!((da.item::<f32>(), dc.item::<f32>()), (12.0, 6.0));
/// assert!(db.is_filtered_out());
/// ```
pub fn value_and_grad_argnums<'f, M, F>(f: F, argnums: &[usize]) -> F::With<(Array, F::Tuple)>
where
    F: FnArgsAll<'f, M, Output = Array>,
    F::Tuple: PyTree,
{
    let argnums = argnums.to_vec();
    f.map_all(move |g, args| value_and_grad_of_positions(g, args, &argnums))
}

/// `jax.grad(f, argnums=...)`: the gradient with respect to the arguments in `argnums`, as the
/// tuple of all arguments with the others filtered out (see [`value_and_grad_argnums`]).
pub fn grad_argnums<'f, M, F>(f: F, argnums: &[usize]) -> F::With<F::Tuple>
where
    F: FnArgsAll<'f, M, Output = Array>,
    F::Tuple: PyTree,
{
    let argnums = argnums.to_vec();
    f.map_all(move |g, args| value_and_grad_of_positions(g, args, &argnums).1)
}
