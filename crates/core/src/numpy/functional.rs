//! Applying functions over arrays, named as in `jax.numpy`: `apply_along_axis`,
//! `apply_over_axes`, `vectorize`, `piecewise`. They are built on [`vmap`], as in JAX, so the
//! functions see 1-d slices or 0-d elements and may use any array operation.

use super::manipulation::{expand_dims, moveaxis};
use super::promotion::{broadcast_arrays, convert};
use crate::array::{normalize_axis, Array, DType};
use crate::transforms::vmap;

/// `jnp.apply_along_axis(func1d, axis, arr)`: `func1d` applied to every 1-d slice of `arr`
/// along `axis` (through `vmap`); the axes of its result take the place of `axis`.
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::arange(6.0).reshape([2, 3]);
/// let s = jnp::apply_along_axis(|r| r.sum(None), 1, &x);
/// assert_eq!(s.to_vec::<f32>(), vec![3.0, 12.0]);
/// ```
pub fn apply_along_axis(func1d: impl Fn(&Array) -> Array, axis: isize, arr: &Array) -> Array {
    if arr.ndim() == 0 {
        panic!("apply_along_axis: expected an array of rank >= 1, got a 0-d array");
    }
    let nd = arr.ndim();
    let axis = normalize_axis(axis, nd, "apply_along_axis");
    let moved = moveaxis(arr, axis as isize, -1);
    let before = &arr.shape()[..axis];
    let after = &arr.shape()[axis + 1..];
    let m: usize = before.iter().chain(after).product();
    let rows = moved.reshape([m, arr.shape()[axis]]);
    let out = vmap(|r: &Array| func1d(r))(&rows);
    let out_dims = out.shape()[1..].to_vec();
    let mut shape: Vec<usize> = before.to_vec();
    shape.extend_from_slice(after);
    shape.extend_from_slice(&out_dims);
    let out = out.reshape(shape);
    // Move the result's own axes from the end to where `axis` was.
    let (nb, na, no) = (before.len(), after.len(), out_dims.len());
    let perm: Vec<isize> = (0..nb)
        .chain(nb + na..nb + na + no)
        .chain(nb..nb + na)
        .map(|i| i as isize)
        .collect();
    super::manipulation::transpose(&out, Some(&perm))
}

/// `jnp.apply_over_axes(func, a, axes)`: `func(a, axis)` for each axis in turn, each result
/// feeding the next; a result one rank lower gets the axis back with length 1 (so reductions
/// keep their dimensions).
///
/// ```
/// use equinox_core::numpy as jnp;
/// let x = jnp::ones([2, 3, 4]);
/// let s = jnp::apply_over_axes(|a, ax| jnp::sum(a, ax), &x, &[0, 2]);
/// assert_eq!(s.shape(), &[1, 3, 1]);
/// assert_eq!(s.to_vec::<f32>(), vec![8.0, 8.0, 8.0]);
/// ```
pub fn apply_over_axes(func: impl Fn(&Array, isize) -> Array, a: &Array, axes: &[isize]) -> Array {
    let mut a = a.clone();
    let n = a.ndim();
    for &axis in axes {
        let b = func(&a, axis);
        a = if b.ndim() == n {
            b
        } else if b.ndim() + 1 == n {
            expand_dims(&b, axis)
        } else {
            panic!(
                "apply_over_axes: function is not returning an array of the correct shape \
                 (rank {} from an input of rank {n})",
                b.ndim()
            );
        };
    }
    a
}

/// `jnp.vectorize(pyfunc)` (no `signature`): a function of several arrays that broadcasts
/// them together and applies `f` to each tuple of 0-d elements (through `vmap`); the result has
/// the broadcast shape, followed by the axes of `f`'s result.
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let f = jnp::vectorize(|x: &[Array]| jnp::maximum(&x[0], &x[1]));
/// let y = f(&[&jnp::arange(3.0), &Array::scalar(1.0f32)]);
/// assert_eq!(y.to_vec::<f32>(), vec![1.0, 1.0, 2.0]);
/// ```
pub fn vectorize(f: impl Fn(&[Array]) -> Array) -> impl Fn(&[&Array]) -> Array {
    move |args: &[&Array]| {
        let b = broadcast_arrays(args);
        let shape = b.first().map_or(vec![], |x| x.shape().to_vec());
        let n: usize = shape.iter().product();
        let flat: Vec<Array> = b.iter().map(|x| x.reshape([n])).collect();
        let out = vmap(|xs: &Vec<Array>| f(xs))(&flat);
        let mut out_shape = shape;
        out_shape.extend_from_slice(&out.shape()[1..]);
        out.reshape(out_shape)
    }
}

/// One piece of [`piecewise`]: a constant or a function of the input.
pub enum Piece<'a> {
    /// The constant value (converted to the input's dtype).
    Const(f64),
    /// A function of the input (its result converted to the input's dtype).
    Func(Box<dyn Fn(&Array) -> Array + 'a>),
}

/// `jnp.piecewise(x, condlist, funclist)`: each element of `x` gets the piece of the *last*
/// condition that holds there (as JAX picks it); with one more piece than conditions, the
/// extra last piece is the default, else the default is 0. The result has `x`'s dtype.
///
/// ```
/// use equinox_core::{numpy::{self as jnp, Piece}, Array};
/// let x = Array::from_vec(vec![-2.0f32, -0.5, 1.0, 3.0], [4]);
/// let neg = jnp::less(&x, &Array::scalar(0.0f32));
/// let y = jnp::piecewise(&x, &[&neg], vec![Piece::Func(Box::new(|x| -x)), Piece::Const(7.0)]);
/// assert_eq!(y.to_vec::<f32>(), vec![2.0, 0.5, 7.0, 7.0]);
/// ```
pub fn piecewise(x: &Array, condlist: &[&Array], funclist: Vec<Piece<'_>>) -> Array {
    let (nc, nf) = (condlist.len(), funclist.len());
    let mut funclist = funclist;
    if nf == nc + 1 {
        let last = funclist.pop().expect("one more piece than conditions");
        funclist.insert(0, last);
    } else if nf == nc {
        funclist.insert(0, Piece::Const(0.0));
    } else {
        panic!(
            "piecewise: with {nc} condition(s), either {nc} or {} functions are expected; got {nf}",
            nc + 1
        );
    }
    let dtype = x.dtype();
    // Index of the last true condition (0: none), as JAX's argmax over a running count.
    let mut index = super::creation::zeros_dtype(x.shape(), DType::I32);
    for (i, c) in condlist.iter().enumerate() {
        let c = super::promotion::broadcast_to_shape(
            &convert(c, DType::Bool, false),
            x.shape_obj(),
            "piecewise",
        );
        index = super::math::where_(&c, &Array::scalar(i as i32 + 1), &index);
    }
    let mut out = super::creation::zeros_dtype(x.shape(), dtype);
    for (i, piece) in funclist.iter().enumerate() {
        let v = match piece {
            Piece::Const(c) => convert(&Array::scalar(*c), dtype, false),
            Piece::Func(f) => f(x).astype(dtype),
        };
        let here = super::math::equal(&index, &Array::scalar(i as i32));
        out = super::math::where_(&here, &v, &out);
    }
    out
}
