//! User-defined derivatives: [`custom_jvp`] and [`custom_vjp`] (`jax.custom_jvp`,
//! `jax.custom_vjp`).

use super::staged::stage;
use crate::array::Array;
use crate::higher_order::custom_derivatives::CustomOp;
use crate::prims::bind;
use crate::tree::{self, PyTree};
use std::sync::Arc;

/// True when `x` can run eagerly: no transformation is active and no leaf is a tracer.
fn eager<T: PyTree>(x: &T) -> bool {
    crate::trace::current().is_none() && tree::leaves(x).iter().all(|l| !l.is_tracer())
}

/// A short name for a function type, for printing (`custom_jvp_call[name=...]`).
fn short_name<F>() -> String {
    let full = std::any::type_name::<F>();
    full.rsplit("::")
        .find(|s| !s.starts_with('{'))
        .unwrap_or(full)
        .to_string()
}

fn flat<T: PyTree>(x: &T) -> Vec<Array> {
    tree::leaves(x).into_iter().cloned().collect()
}

/// `jax.custom_jvp`: `f` with the JVP rule `jvp(primals, tangents) -> (outputs, tangents_out)`.
///
/// Outside forward and reverse mode `f` runs as it is; under `jvp`, `grad`, `linearize`... the
/// rule replaces differentiation of `f`'s body (it must be linear in the tangents for reverse
/// mode to work). Under `vmap` both `f` and the rule are batched. Tangents of integer leaves
/// arrive as zeros.
///
/// ```
/// use equinox_core::{numpy as jnp, transforms::{custom_jvp, grad}, Array};
/// // log(1 + exp(x)) with a stable derivative (sigmoid) at large x.
/// let softplus = custom_jvp(
///     |x: &Array| (x.exp() + 1.0).log(),
///     |x: &Array, t: &Array| ((x.exp() + 1.0).log(), t * &jnp::exp(&-&jnp::logaddexp(&jnp::zeros_like(x), &-x))),
/// );
/// let g = grad(|x: &Array| softplus(x))(&Array::scalar(100.0f32));
/// assert_eq!(g.item::<f32>(), 1.0);
/// ```
pub fn custom_jvp<T, R, F, J>(f: F, jvp: J) -> impl Fn(&T) -> R
where
    T: PyTree + Send + Sync + 'static,
    R: PyTree + Send + Sync + 'static,
    F: Fn(&T) -> R + Send + Sync + 'static,
    J: Fn(&T, &T) -> (R, R) + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let jvp = Arc::new(jvp);
    let name = short_name::<F>();
    move |x: &T| {
        if eager(x) {
            return f(x);
        }
        let (_, out_template) = stage(|x: &T| f(x), x);
        let skeleton = tree::structure(x);
        let (f1, def1) = (f.clone(), tree::structure(x));
        let (j1, def2) = (jvp.clone(), skeleton);
        let op = CustomOp::Jvp {
            name: name.clone(),
            call: Arc::new(move |xs: &[Array]| flat(&f1(&def1.unflatten(xs.iter().cloned())))),
            jvp: Arc::new(move |ps: &[Array], ts: &[Array]| {
                let (o, t) = j1(
                    &def2.unflatten(ps.iter().cloned()),
                    &def2.unflatten(ts.iter().cloned()),
                );
                (flat(&o), flat(&t))
            }),
            out_avals: tree::leaves(&out_template)
                .iter()
                .map(|l| l.aval().clone())
                .collect(),
        };
        let leaves = flat(x);
        let refs: Vec<&Array> = leaves.iter().collect();
        tree::rebuild(&out_template, bind(op, &refs))
    }
}

/// `jax.custom_vjp`: `f` with a custom reverse-mode derivative given by
/// `fwd(x) -> (output, residuals)` and `bwd(residuals, output_cotangent) -> input_cotangent`.
///
/// Outside reverse mode `f` runs as it is; under `grad`/`vjp` the forward pass runs `fwd` and
/// the backward pass calls `bwd`. A filtered-out leaf in `bwd`'s result is a zero cotangent. Forward mode (`jvp`) of such a function is an error, as in JAX.
///
/// ```
/// use equinox_core::{transforms::{custom_vjp, grad}, Array};
/// // Gradient clipping: identity forward, cotangent clipped to [-1, 1] backward.
/// let clip_grad = custom_vjp(
///     |x: &Array| x.clone(),
///     |x: &Array| (x.clone(), ()),
///     |_: &(), ct: &Array| ct.clip(-1.0f32, 1.0f32),
/// );
/// let g = grad(|x: &Array| clip_grad(x) * 5.0)(&Array::scalar(2.0f32));
/// assert_eq!(g.item::<f32>(), 1.0);
/// ```
pub fn custom_vjp<T, R, Res, F, Fw, B>(f: F, fwd: Fw, bwd: B) -> impl Fn(&T) -> R
where
    T: PyTree + Send + Sync + 'static,
    R: PyTree + Send + Sync + 'static,
    Res: PyTree + Send + Sync + 'static,
    F: Fn(&T) -> R + Send + Sync + 'static,
    Fw: Fn(&T) -> (R, Res) + Send + Sync + 'static,
    B: Fn(&Res, &R) -> T + Send + Sync + 'static,
{
    let f = Arc::new(f);
    let fwd = Arc::new(fwd);
    let bwd = Arc::new(bwd);
    let name = short_name::<F>();
    move |x: &T| {
        if eager(x) {
            return f(x);
        }
        let (_, (out_template, res_template)) = stage(|x: &T| fwd(x), x);
        let in_def = tree::structure(x);
        let out_def = tree::structure(&out_template);
        let res_def = tree::structure(&res_template);
        let (f1, d1) = (f.clone(), tree::structure(x));
        let (fw1, d2) = (fwd.clone(), in_def);
        let b1 = bwd.clone();
        // Which slots of the input are real leaves (operands of the primitive).
        let mut present = Vec::new();
        x.visit_leaves(&mut |l| present.push(!l.is_filtered_out()));
        let op = CustomOp::Vjp {
            name: name.clone(),
            call: Arc::new(move |xs: &[Array]| flat(&f1(&d1.unflatten(xs.iter().cloned())))),
            fwd: Arc::new(move |xs: &[Array]| {
                let (o, r) = fw1(&d2.unflatten(xs.iter().cloned()));
                (flat(&o), flat(&r))
            }),
            bwd: Arc::new(move |res: &[Array], cts: &[Array]| {
                let g = b1(
                    &res_def.unflatten(res.iter().cloned()),
                    &out_def.unflatten(cts.iter().cloned()),
                );
                // One cotangent per operand: the slots of `g` where the input had a leaf; a
                // filtered-out slot of `g` is a zero cotangent.
                let mut out = Vec::new();
                let mut slot = 0;
                g.visit_leaves(&mut |l| {
                    if present.get(slot).copied().unwrap_or(false) {
                        out.push((!l.is_filtered_out()).then(|| l.clone()));
                    }
                    slot += 1;
                });
                out
            }),
            out_avals: tree::leaves(&out_template)
                .iter()
                .map(|l| l.aval().clone())
                .collect(),
        };
        let leaves = flat(x);
        let refs: Vec<&Array> = leaves.iter().collect();
        tree::rebuild(&out_template, bind(op, &refs))
    }
}
