//! Staging a function into a jaxpr: `make_jaxpr`, `eval_shape`, and the tracing step of `jit`.

use super::arity::FnArgsAll;
use crate::array::Array;
use crate::jaxpr::ClosedJaxpr;
use crate::trace::set_current;
use crate::trace::staging::{StageMode, StagingTrace};
use crate::trace::Trace;
use crate::tree::{self, PyTree};
use std::rc::Rc;

/// Traces `f` on abstract values with the shapes and dtypes of `x`'s leaves: the program and
/// the output (whose leaves are dead tracers, useful only as a structure template).
pub(crate) fn stage<T: PyTree, R: PyTree>(f: impl FnOnce(&T) -> R, x: &T) -> (ClosedJaxpr, R) {
    let staging = StagingTrace::new(StageMode::All);
    let inputs: Vec<Array> = tree::leaves(x)
        .into_iter()
        .map(|l| staging.new_input(l.aval().clone()))
        .collect();
    let out = {
        let _guard = set_current(Some(staging.clone() as Rc<dyn Trace>));
        f(&tree::rebuild(x, inputs))
    };
    let outs: Vec<Array> = tree::leaves(&out).into_iter().cloned().collect();
    (staging.finish(&outs), out)
}

/// `jax.make_jaxpr`: a function of the same arguments as `f` returning the staged program of
/// `f` for arguments like those given. It prints as JAX prints jaxprs.
///
/// ```
/// use equinox_core::{transforms::make_jaxpr, Array};
/// let jaxpr = make_jaxpr(|x: &Array| x.sin() * 2.0)(&Array::from_vec(vec![1.0f32; 3], [3]));
/// assert_eq!(
///     jaxpr.to_string(),
///     "{ lambda ; a:f32[3]. let b:f32[3] = sin a; c:f32[3] = mul b 2.0:f32[] in (c,) }"
/// );
/// ```
pub fn make_jaxpr<'f, M, F>(f: F) -> F::With<ClosedJaxpr>
where
    F: FnArgsAll<'f, M>,
    F::Tuple: PyTree,
    F::Output: PyTree,
{
    f.map_all(|g, args| stage(g, args).0)
}

/// `jax.eval_shape`: the output structure of `f` with the shape and dtype of every leaf,
/// computed without running anything. The leaves are element-less placeholders
/// ([`Array::filtered_out`]): their `shape()`, `dtype()` and `aval()` work; computing with
/// them panics.
///
/// ```
/// use equinox_core::{numpy as jnp, transforms::eval_shape, Array};
/// let out = eval_shape(|x: &Array| x.matmul(&x.transpose(&[1, 0])), &jnp::zeros([1000, 3]));
/// assert_eq!(out.shape(), &[1000, 1000]);
/// ```
pub fn eval_shape<T: PyTree, R: PyTree>(f: impl FnOnce(&T) -> R, x: &T) -> R {
    let (_, out) = stage(f, x);
    tree::map(&out, |l| Array::filtered_out(l.aval().clone()))
}
