//! Helpers for the transformation-rule tests of the contraction, indexing, sorting and window
//! families: the batching law (`vmap` equals a loop over lanes) and random float64 inputs.
#![allow(dead_code)]

use crate::common::{assert_close, random_array, Rng};
use equinox_core::transforms::{vmap_with, VmapSpec};
use equinox_core::{lax, Array, DType};

/// A float64 array of `shape` with entries in [-3, 3).
pub fn rand(rng: &mut Rng, shape: &[usize]) -> Array {
    random_array(rng, shape, DType::F64)
}

/// `shape` with a mapped axis of size `n` inserted at `axis`.
pub fn with_axis(shape: &[usize], axis: usize, n: usize) -> Vec<usize> {
    let mut s = shape.to_vec();
    s.insert(axis, n);
    s
}

fn resolve(axis: isize, ndim: usize) -> usize {
    if axis < 0 {
        (ndim as isize + axis) as usize
    } else {
        axis as usize
    }
}

/// Lane `i` of `x` along `axis` (the axis removed), computed eagerly.
pub fn lane(x: &Array, axis: usize, i: usize) -> Array {
    lax::slice_in_dim(x, i, i + 1, 1, axis).squeeze(axis)
}

/// The batching law: `vmap_with(f, in_axes, out_axes)(args)` equals stacking `f` applied to
/// each lane (unmapped arguments passed whole), compared output by output along `out_axis`.
pub fn check_vmap(
    f: impl Fn(&Vec<Array>) -> Vec<Array>,
    args: &[Array],
    in_axes: &[Option<isize>],
    out_axis: isize,
    what: &str,
) {
    let n = args
        .iter()
        .zip(in_axes)
        .find_map(|(a, d)| d.map(|d| a.shape()[resolve(d, a.ndim())]))
        .expect("at least one mapped argument");
    let spec = VmapSpec::default()
        .in_axes(in_axes.to_vec())
        .out_axes(out_axis);
    let got = vmap_with(&f, spec)(&args.to_vec());
    for i in 0..n {
        let lanes: Vec<Array> = args
            .iter()
            .zip(in_axes)
            .map(|(a, d)| match d {
                Some(d) => lane(a, resolve(*d, a.ndim()), i),
                None => a.clone(),
            })
            .collect();
        let want = f(&lanes);
        assert_eq!(got.len(), want.len(), "{what}: number of outputs");
        for (k, (g, w)) in got.iter().zip(&want).enumerate() {
            let g = lane(g, resolve(out_axis, g.ndim()), i);
            assert_eq!(g.shape(), w.shape(), "{what}: lane {i} output {k} shape");
            assert_eq!(g.dtype(), w.dtype(), "{what}: lane {i} output {k} dtype");
            assert_close(
                &g.to_vec::<f64>(),
                &w.to_vec::<f64>(),
                1e-12,
                1e-12,
                &format!("{what}: lane {i} output {k}"),
            );
        }
    }
}
