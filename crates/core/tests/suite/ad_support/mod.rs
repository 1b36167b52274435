//! Shared checks for the transformation-rule tests (`ad_layout_reduce.rs`, `ad_slicing.rs`):
//! the batching law, the compositions of transformations, and lane slicing.
#![allow(dead_code)]

use crate::common::{assert_close, random_array, Rng};
use equinox_core::transforms::{check_grads, grad, jit, vmap_with, VmapSpec};
use equinox_core::{lax, Array, DType};

/// A function of several arrays, as the tests transform it.
pub type Fun<'a> = dyn Fn(&Vec<Array>) -> Array + 'a;

/// Element `i` of `x` along `axis`, with that axis removed (slice + squeeze).
pub fn lane(x: &Array, axis: usize, i: usize) -> Array {
    lax::slice_in_dim(x, i, i + 1, 1, axis).squeeze(axis as i32)
}

/// A random float64 array in [-3, 3).
pub fn f64_array(rng: &mut Rng, shape: &[usize]) -> Array {
    random_array(rng, shape, DType::F64)
}

/// `shape` with a batch axis of size `n` inserted at `axis` (if any).
pub fn with_batch(shape: &[usize], axis: Option<usize>, n: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    if let Some(a) = axis {
        s.insert(a, n);
    }
    s
}

/// The batching law: `vmap_with(f, in_axes, out_axes)(xs)` has, at lane `i` of its output axis,
/// exactly `f` applied to lane `i` of the mapped inputs (unmapped inputs passed whole).
/// `in_axes` entries are given as signed axes (negative counts from the end) as vmap takes them.
pub fn check_vmap(
    f: &Fun<'_>,
    xs: &[Array],
    in_axes: &[Option<isize>],
    out_axis: isize,
    what: &str,
) {
    let resolved: Vec<Option<usize>> = xs
        .iter()
        .zip(in_axes)
        .map(|(x, a)| a.map(|a| a.rem_euclid(x.ndim() as isize) as usize))
        .collect();
    let n = xs
        .iter()
        .zip(&resolved)
        .find_map(|(x, a)| a.map(|a| x.shape()[a]))
        .expect("at least one mapped input");
    let spec = VmapSpec::default()
        .in_axes(in_axes.to_vec())
        .out_axes(out_axis);
    let out = vmap_with(|v: &Vec<Array>| f(v), spec)(&xs.to_vec());
    let out_axis = out_axis.rem_euclid(out.ndim() as isize) as usize;
    assert_eq!(out.shape()[out_axis], n, "{what}: mapped output axis");
    for i in 0..n {
        let args: Vec<Array> = xs
            .iter()
            .zip(&resolved)
            .map(|(x, a)| match a {
                Some(a) => lane(x, *a, i),
                None => x.clone(),
            })
            .collect();
        let want = f(&args);
        let got = lane(&out, out_axis, i);
        assert_eq!(got.shape(), want.shape(), "{what}: lane {i} shape");
        assert_eq!(got.dtype(), want.dtype(), "{what}: lane {i} dtype");
        assert_close(
            &got.to_vec::<f64>(),
            &want.to_vec::<f64>(),
            1e-12,
            1e-12,
            &format!("{what}: lane {i}"),
        );
    }
}

/// A scalar loss of `f`'s output that is not linear in it: `sum(f(x)^2 * w)` for a fixed
/// weight `w`, so first and second derivatives both carry information.
pub fn quadratic_loss(f: &Fun<'_>, x: &Vec<Array>, w: &Array) -> Array {
    let y = f(x);
    (&(&y * &y) * w).sum(None)
}

/// The compositions of transformations on `f`, at `xs` (every input differentiated):
/// `check_grads` of `vmap(f)` (grad of vmap: the batched program's JVP and transpose),
/// `vmap(grad(loss))` against per-lane gradients (vmap of grad), `check_grads` of
/// `grad(loss)` (second derivatives against finite differences of the first) and
/// `jit(grad(loss))` against `grad(loss)`.
pub fn check_compositions(f: &Fun<'_>, xs: &[Array], rng: &mut Rng, what: &str) {
    let xs = xs.to_vec();
    let w = f64_array(rng, f(&xs).shape());
    let loss = |v: &Vec<Array>| quadratic_loss(f, v, &w);
    // grad of grad.
    check_grads(grad(loss), &xs, 1e-6, 1e-6, 1e-7);
    // jit of grad.
    let g = grad(loss)(&xs);
    let jg = jit(grad(loss))(&xs);
    for (a, b) in g.iter().zip(&jg) {
        assert_close(
            &b.to_vec::<f64>(),
            &a.to_vec::<f64>(),
            1e-12,
            1e-12,
            &format!("{what}: jit of grad"),
        );
    }
    // grad of vmap and vmap of grad, over a batch of 3 at axis 0 of every input.
    let n = 3;
    let batch: Vec<Array> = xs
        .iter()
        .map(|x| f64_array(rng, &with_batch(x.shape(), Some(0), n)))
        .collect();
    let vf = |v: &Vec<Array>| vmap_with(|u: &Vec<Array>| f(u), VmapSpec::default())(v);
    check_grads(vf, &batch, 1e-6, 1e-6, 1e-7);
    let wb = f64_array(rng, f(&xs).shape());
    let per_lane_grad = move |v: &Vec<Array>| -> Array {
        // One output leaf for check_vmap: the gradients flattened and joined.
        let gs = grad(|u: &Vec<Array>| quadratic_loss(f, u, &wb))(v);
        let flat: Vec<Array> = gs.iter().map(|g| g.reshape([g.size()])).collect();
        let refs: Vec<&Array> = flat.iter().collect();
        equinox_core::numpy::concatenate(&refs, 0)
    };
    let axes = vec![Some(0); batch.len()];
    check_vmap(
        &per_lane_grad,
        &batch,
        &axes,
        0,
        &format!("{what}: vmap of grad"),
    );
}
