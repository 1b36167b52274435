//! Jacobians and Hessians (`jax.jacfwd`, `jax.jacrev`, `jax.hessian`), built from jvp/vjp and
//! vmap over a basis.

use super::autodiff::{jvp, linearize};
use super::vmap::vmap;
use crate::array::Array;
use crate::numpy as jnp;
use super::arity::FnArgs;
use crate::tree::{self, PyTree};

/// The rows of an identity matrix of size `n`, each reshaped to `shape` and cast to `like`'s
/// dtype: a batch of basis vectors of shape `(n, *shape)`.
fn basis(shape: &[usize], dtype: crate::DType) -> Array {
    let n: usize = shape.iter().product();
    let mut full = vec![n];
    full.extend_from_slice(shape);
    jnp::eye(n, None, 0).astype(dtype).reshape(full)
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
    f.map_first(|f, x| jacfwd_at(f, x))
}

fn jacfwd_at<T: PyTree>(f: &dyn Fn(&T) -> Array, x: &T) -> T {
    {
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
                let rows = crate::lax::slice_in_dim(&b, offset, offset + l.size(), 1, 1);
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
                let part = crate::lax::slice_in_dim(&pushed, start, start + l.size(), 1, 0);
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
    f.map_first(|f, x| jacrev_at(f, x))
}

fn jacrev_at<T: PyTree>(f: &dyn Fn(&T) -> Array, x: &T) -> T {
    {
        let (out, lin) = linearize(f, x);
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
