//! Jacobians and Hessians (`jax.jacfwd`, `jax.jacrev`, `jax.hessian`), built from jvp/vjp and
//! vmap over a basis.

use super::arity::FnArgs;
use super::autodiff::{jvp, linearize};
use super::vmap::vmap;
use crate::array::Array;
use crate::prims::ops;
use crate::tree::{self, PyTree};

/// The rows of an identity matrix of size `n`, each reshaped to `shape` and cast to `like`'s
/// dtype: a batch of basis vectors of shape `(n, *shape)`.
fn basis(shape: &[usize], dtype: crate::DType) -> Array {
    let n: usize = shape.iter().product();
    let mut full = vec![n];
    full.extend_from_slice(shape);
    ops::eye(n, None, 0).astype(dtype).reshape(full)
}

/// Moves the leading `lead` axes of `x` to the end.
fn lead_axes_to_back(x: &Array, lead: usize) -> Array {
    let nd = x.ndim() as isize;
    let perm: Vec<isize> = (lead as isize..nd).chain(0..lead as isize).collect();
    x.transpose(&perm)
}

/// `jax.jacfwd` for functions returning one array: the Jacobian by forward mode, one JVP per
/// input element (batched with vmap). For an input leaf of shape `s` and an output of shape
/// `o`, that leaf of the result has shape `o + s`. Several inputs: pass a tuple.
///
/// ```
/// use equinox_core::{transforms::jacfwd, Array};
/// let j = jacfwd(|x: &Array| x * x)(&Array::from_vec(vec![1.0f32, 2.0], [2]));
/// assert_eq!(j.to_vec::<f32>(), vec![2.0, 0.0, 0.0, 4.0]);
/// ```
pub fn jacfwd<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    jacfwd_with_options(f, JacobianOptions::default())
}

/// Options of [`jacfwd_with_options`] and [`jacrev_with_options`]: `jax.jacfwd`'s and
/// `jax.jacrev`'s keyword arguments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JacobianOptions {
    /// `holomorphic=True`: the function is holomorphic (complex inputs and output) and the
    /// Jacobian holds its complex derivatives. Without it, `jacfwd` needs real inputs and
    /// `jacrev` a real output (as in JAX).
    pub holomorphic: bool,
}

/// Panics unless `leaves` (inputs or outputs, `what`) are complex when `holomorphic`, with
/// JAX's message.
fn check_holomorphic(name: &str, what: &str, leaves: &[&Array], holomorphic: bool) {
    if let Some(l) = leaves
        .iter()
        .find(|l| holomorphic && !l.dtype().is_complex())
    {
        panic!(
            "{name} with holomorphic=True requires {what} with complex dtype, but got {}.",
            l.dtype()
        );
    }
}

/// [`jacfwd`] with [`JacobianOptions`] (`jax.jacfwd(f, holomorphic=True)`).
///
/// ```
/// use equinox_core::transforms::{jacfwd_with_options, JacobianOptions};
/// use equinox_core::{Array, Complex64};
/// let j = jacfwd_with_options(|z: &Array| z * z, JacobianOptions { holomorphic: true });
/// let z = Array::from_vec(vec![Complex64::new(1.0, 1.0)], [1]);
/// assert_eq!(j(&z).to_vec::<Complex64>(), vec![Complex64::new(2.0, 2.0)]);
/// ```
pub fn jacfwd_with_options<'f, M, F>(f: F, options: JacobianOptions) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(move |f, x| jacfwd_at(f, x, options.holomorphic))
}

fn jacfwd_at<T: PyTree>(f: &dyn Fn(&T) -> Array, x: &T, holomorphic: bool) -> T {
    {
        let inputs = tree::leaves(x);
        check_holomorphic("jacfwd", "inputs", &inputs, holomorphic);
        if let Some(l) = inputs
            .iter()
            .find(|l| !holomorphic && l.dtype().is_complex())
        {
            panic!(
                "jacfwd requires real-valued inputs (input dtype that is a sub-dtype of \
                 np.floating), but got {}. For holomorphic differentiation, pass \
                 holomorphic=True. For differentiation of non-holomorphic functions involving \
                 complex inputs or integer inputs, use jax.jvp directly.",
                l.dtype()
            );
        }
        let f = |x: &T| {
            let out = f(x);
            check_holomorphic("jacfwd", "outputs", &[&out], holomorphic);
            out
        };
        let leaves: Vec<Array> = tree::leaves(x).into_iter().cloned().collect();
        let sizes: Vec<usize> = leaves.iter().map(Array::size).collect();
        let total: usize = sizes.iter().sum();
        // One batch of tangents for all leaves: lane k is the k-th basis vector of the
        // concatenated inputs.
        let mut offset = 0;
        let tangents: Vec<Array> = leaves
            .iter()
            .map(|l| {
                let b = basis(&[total], l.dtype());
                let rows = ops::slice_in_dim(&b, offset, offset + l.size(), 1, 1);
                offset += l.size();
                let mut shape = vec![total];
                shape.extend_from_slice(l.shape());
                rows.reshape(shape)
            })
            .collect();
        let batch = tree::rebuild(x, tangents);
        let pushed = vmap(|t: &T| jvp(f, x, t).1)(&batch);
        // pushed: (total, *out); split per leaf and move the input axes to the back.
        let out_ndim = pushed.ndim() - 1;
        let mut start = 0;
        let per_leaf: Vec<Array> = leaves
            .iter()
            .map(|l| {
                let part = ops::slice_in_dim(&pushed, start, start + l.size(), 1, 0);
                start += l.size();
                let mut shape = l.shape().to_vec();
                shape.extend_from_slice(&pushed.shape()[1..]);
                lead_axes_to_back(&part.reshape(shape), l.ndim()).reshape({
                    let mut s = pushed.shape()[1..=out_ndim].to_vec();
                    s.extend_from_slice(l.shape());
                    s
                })
            })
            .collect();
        tree::rebuild(x, per_leaf)
    }
}

/// `jax.jacrev` for functions returning one array: the Jacobian by reverse mode, one VJP per
/// output element (batched with vmap). Shapes as in [`jacfwd`].
///
/// ```
/// use equinox_core::{transforms::jacrev, Array};
/// let j = jacrev(|x: &Array| x.sin())(&Array::from_vec(vec![0.0f32, 0.0], [2]));
/// assert_eq!(j.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
pub fn jacrev<'f, M, F>(f: F) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    jacrev_with_options(f, JacobianOptions::default())
}

/// [`jacrev`] with [`JacobianOptions`] (`jax.jacrev(f, holomorphic=True)`).
///
/// ```
/// use equinox_core::transforms::{jacrev_with_options, JacobianOptions};
/// use equinox_core::{Array, Complex64};
/// let j = jacrev_with_options(|z: &Array| z * z, JacobianOptions { holomorphic: true });
/// let z = Array::from_vec(vec![Complex64::new(1.0, 1.0)], [1]);
/// assert_eq!(j(&z).to_vec::<Complex64>(), vec![Complex64::new(2.0, 2.0)]);
/// ```
pub fn jacrev_with_options<'f, M, F>(f: F, options: JacobianOptions) -> F::With<F::First>
where
    F: FnArgs<'f, M, Output = Array>,
    F::First: PyTree,
{
    f.map_first(move |f, x| jacrev_at(f, x, options.holomorphic))
}

fn jacrev_at<T: PyTree>(f: &dyn Fn(&T) -> Array, x: &T, holomorphic: bool) -> T {
    {
        check_holomorphic("jacrev", "inputs", &tree::leaves(x), holomorphic);
        let (out, lin) = linearize(f, x);
        check_holomorphic("jacrev", "outputs", &[&out], holomorphic);
        if !holomorphic && out.dtype().is_complex() {
            panic!(
                "jacrev requires real-valued outputs (output dtype that is a sub-dtype of \
                 np.floating), but got {}. For holomorphic differentiation, pass \
                 holomorphic=True. For differentiation of non-holomorphic functions involving \
                 complex outputs, use jax.vjp directly.",
                out.dtype()
            );
        }
        let out_shape = out.shape().to_vec();
        let cts = basis(&out_shape, out.dtype());
        let pulled = vmap(|ct: &Array| lin.transpose(ct))(&cts);
        tree::map(&pulled, |g| {
            let mut shape = out_shape.clone();
            shape.extend_from_slice(&g.shape()[1..]);
            g.reshape(shape)
        })
    }
}

/// `jax.hessian` of a scalar function of one array: `jacfwd(jacrev(f))`, of shape `s + s` for
/// an input of shape `s`.
///
/// ```
/// use equinox_core::{transforms::hessian, Array};
/// let h = hessian(|x: &Array| (x * x * x).sum(None))(&Array::from_vec(vec![1.0f32, 2.0], [2]));
/// assert_eq!(h.to_vec::<f32>(), vec![6.0, 0.0, 0.0, 12.0]);
/// ```
pub fn hessian<'f, M, F>(f: F) -> F::With<Array>
where
    F: FnArgs<'f, M, First = Array, Output = Array>,
{
    f.map_first(|f, x| jacfwd(jacrev(f))(x))
}
