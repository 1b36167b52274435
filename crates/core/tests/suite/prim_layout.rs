//! Layout primitives (`broadcast_in_dim`, `reshape`, `transpose`, `squeeze`, `expand_dims`,
//! `rev`) against index arithmetic written out in the test, on every dtype, random shapes with
//! size-0/1 dims and inputs that themselves came out of layout ops.
// Index arithmetic is written out term by term (`1 * 6 + 1 * 3 + 2`) to mirror the strides.
#![allow(clippy::identity_op)]
use crate::common;

use common::*;
use equinox_core::numpy as jnp;
use equinox_core::prims::bind1;
use equinox_core::prims::layout::LayoutOp;
use equinox_core::{Array, DType, Shape, ALL_DTYPES};

fn input(rng: &mut Rng, shape: &[usize], d: DType) -> Array {
    let t = random_array(rng, shape, d);
    relayout(rng, &t)
}

/// A random permutation of 0..n.
fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, rng.range(0, i as i64 + 1) as usize);
    }
    p
}

#[test]
fn transpose_permutes_indices() {
    let mut rng = Rng::new(41);
    for d in ALL_DTYPES {
        for _ in 0..5 {
            let nd = rng.range(0, 5) as usize;
            let shape = rng.shape(nd, 4);
            let x = input(&mut rng, &shape, d);
            let perm = permutation(&mut rng, nd);
            let y = bind1(
                LayoutOp::Transpose {
                    permutation: perm.iter().copied().collect(),
                },
                &[&x],
            );
            let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
            assert_eq!(y.shape(), &out_shape[..]);
            assert_eq!(y.dtype(), d);
            let xs = x.to_vec::<f64>();
            let want: Vec<f64> = (0..y.size())
                .map(|i| {
                    let o = unravel(i, &out_shape);
                    let mut src = vec![0; nd];
                    for (k, &p) in perm.iter().enumerate() {
                        src[p] = o[k];
                    }
                    xs[ravel(&src, &shape)]
                })
                .collect();
            assert_same_bits(
                &y.to_vec::<f64>(),
                &want,
                &format!("transpose {perm:?} {shape:?} {d}"),
            );
        }
    }
}

#[test]
fn broadcast_in_dim_repeats_along_new_and_unit_axes() {
    let mut rng = Rng::new(42);
    for d in ALL_DTYPES {
        for _ in 0..5 {
            let out_nd = rng.range(0, 5) as usize;
            let out_shape = rng.shape(out_nd, 4);
            // Keep a random increasing subset of output axes; some become size 1.
            let dims: Vec<usize> = (0..out_nd).filter(|_| rng.range(0, 2) == 0).collect();
            let in_shape: Vec<usize> = dims
                .iter()
                .map(|&k| {
                    if rng.range(0, 3) == 0 {
                        1
                    } else {
                        out_shape[k]
                    }
                })
                .collect();
            let x = input(&mut rng, &in_shape, d);
            let y = bind1(
                LayoutOp::BroadcastInDim {
                    shape: Shape::from(out_shape.clone()),
                    broadcast_dimensions: dims.iter().copied().collect(),
                },
                &[&x],
            );
            assert_eq!(y.shape(), &out_shape[..]);
            let xs = x.to_vec::<f64>();
            let want: Vec<f64> = (0..y.size())
                .map(|i| {
                    let o = unravel(i, &out_shape);
                    let src: Vec<usize> = dims
                        .iter()
                        .zip(&in_shape)
                        .map(|(&k, &s)| if s == 1 { 0 } else { o[k] })
                        .collect();
                    xs[ravel(&src, &in_shape)]
                })
                .collect();
            assert_same_bits(
                &y.to_vec::<f64>(),
                &want,
                &format!("broadcast {in_shape:?} -> {out_shape:?} via {dims:?}"),
            );
        }
    }
}

#[test]
fn rev_reverses_listed_axes() {
    let mut rng = Rng::new(43);
    for d in ALL_DTYPES {
        for _ in 0..5 {
            let nd = rng.range(0, 5) as usize;
            let shape = rng.shape(nd, 4);
            let x = input(&mut rng, &shape, d);
            let axes: Vec<usize> = (0..nd).filter(|_| rng.range(0, 2) == 0).collect();
            let y = bind1(
                LayoutOp::Rev {
                    dimensions: axes.iter().copied().collect(),
                },
                &[&x],
            );
            assert_eq!(y.shape(), &shape[..]);
            let xs = x.to_vec::<f64>();
            let want: Vec<f64> = (0..y.size())
                .map(|i| {
                    let mut idx = unravel(i, &shape);
                    for &a in &axes {
                        idx[a] = shape[a] - 1 - idx[a];
                    }
                    xs[ravel(&idx, &shape)]
                })
                .collect();
            assert_same_bits(
                &y.to_vec::<f64>(),
                &want,
                &format!("rev {axes:?} {shape:?}"),
            );
        }
    }
}

#[test]
fn reshape_squeeze_expand_dims_keep_row_major_order() {
    let mut rng = Rng::new(44);
    for d in ALL_DTYPES {
        for _ in 0..4 {
            let nd = rng.range(0, 4) as usize;
            let shape = rng.shape(nd, 4);
            let x = input(&mut rng, &shape, d);
            let xs = x.to_vec::<f64>();
            // reshape to (size,) and to a shape with extra unit dims.
            let flat = bind1(
                LayoutOp::Reshape {
                    new_sizes: Shape::from(vec![x.size()]),
                },
                &[&x],
            );
            assert_eq!(flat.shape(), &[x.size()]);
            assert_same_bits(&flat.to_vec::<f64>(), &xs, "reshape");
            let positions: Vec<usize> = (0..=nd)
                .filter(|_| rng.range(0, 2) == 0)
                .enumerate()
                .map(|(k, p)| p + k)
                .collect();
            let e = bind1(
                LayoutOp::ExpandDims {
                    dimensions: positions.iter().copied().collect(),
                },
                &[&x],
            );
            assert_eq!(e.ndim(), nd + positions.len());
            for &p in &positions {
                assert_eq!(e.shape()[p], 1, "expand_dims {positions:?} of {shape:?}");
            }
            let rest: Vec<usize> = (0..e.ndim())
                .filter(|i| !positions.contains(i))
                .map(|i| e.shape()[i])
                .collect();
            assert_eq!(rest, shape);
            assert_same_bits(&e.to_vec::<f64>(), &xs, "expand_dims");
            let s = bind1(
                LayoutOp::Squeeze {
                    dimensions: positions.iter().copied().collect(),
                },
                &[&e],
            );
            assert_eq!(s.shape(), &shape[..]);
            assert_same_bits(&s.to_vec::<f64>(), &xs, "squeeze");
        }
    }
}

#[test]
fn numpy_layout_functions() {
    let x = jnp::arange(24).reshape([2, 3, 4]);
    let v = |a: &Array| a.to_vec::<i32>();
    let at = |i: usize, j: usize, k: usize| (i * 12 + j * 4 + k) as i32;
    assert_eq!(x.reshape([4, -1]).shape(), &[4, 6]);
    assert_eq!(x.reshape([-1]).shape(), &[24]);
    let t = x.transpose(&[2, 0, 1]);
    assert_eq!(t.shape(), &[4, 2, 3]);
    assert_eq!(v(&t)[1 * 6 + 1 * 3 + 2], at(1, 2, 1));
    let sw = x.swapaxes(0, -1);
    assert_eq!(sw.shape(), &[4, 3, 2]);
    assert_eq!(v(&sw)[3 * 6 + 2 * 2 + 1], at(1, 2, 3));
    let m = jnp::moveaxis(&x, 0, 2);
    assert_eq!(m.shape(), &[3, 4, 2]);
    assert_eq!(v(&m)[2 * 8 + 1 * 2 + 1], at(1, 2, 1));
    assert_eq!(x.t().shape(), &[4, 3, 2]);
    let f = jnp::flip(&x, -1);
    assert_eq!(v(&f)[0..4], [3, 2, 1, 0]);
    let f_all = jnp::flip(&x, ());
    assert_eq!(v(&f_all)[0], 23);
    let b = jnp::arange(3).reshape([3, 1]).broadcast_to([2, 3, 4]);
    assert_eq!(b.shape(), &[2, 3, 4]);
    assert_eq!(v(&b)[12..16], [0, 0, 0, 0]);
    assert_eq!(v(&b)[20..24], [2, 2, 2, 2]);
    let e = x.expand_dims([0, -1]);
    assert_eq!(e.shape(), &[1, 2, 3, 4, 1]);
    assert_eq!(e.squeeze(()).shape(), &[2, 3, 4]);
    assert_eq!(e.squeeze(0).shape(), &[2, 3, 4, 1]);
    assert_eq!(x.ravel().shape(), &[24]);
    assert_eq!(x.flatten().to_vec::<i32>(), (0..24).collect::<Vec<_>>());
    // Reshapes share the buffer; weak type travels through layout ops.
    assert!(x.reshape([6, 4]).ptr_eq(&x));
    let w = Array::weak_scalar(2.0).broadcast_to([3]);
    assert!(w.weak_type());
    assert!(w.t().weak_type());
}

#[test]
#[should_panic(
    expected = "reshape: cannot reshape array of shape (2, 3) (size 6) into shape (4,) (size 4); operand f32[2,3]"
)]
fn reshape_rejects_size_change() {
    bind1(
        LayoutOp::Reshape {
            new_sizes: Shape::from([4]),
        },
        &[&jnp::zeros([2, 3])],
    );
}

#[test]
#[should_panic(
    expected = "broadcast_in_dim: cannot broadcast operand f32[3] to shape (2, 4) with broadcast_dimensions [1]"
)]
fn broadcast_in_dim_rejects_size_mismatch() {
    bind1(
        LayoutOp::BroadcastInDim {
            shape: Shape::from([2, 4]),
            broadcast_dimensions: [1].into_iter().collect(),
        },
        &[&jnp::zeros([3])],
    );
}

#[test]
#[should_panic(
    expected = "transpose: transpose permutation isn't a permutation of operand dimensions, got permutation (0, 0) for operand shape (2, 3); operand f32[2,3]"
)]
fn transpose_rejects_non_permutation() {
    bind1(
        LayoutOp::Transpose {
            permutation: [0, 0].into_iter().collect(),
        },
        &[&jnp::zeros([2, 3])],
    );
}

#[test]
#[should_panic(
    expected = "squeeze: cannot select an axis to squeeze out which has size not equal to one, got shape=(2, 1) and dimensions=(0,); axis 0 of operand f32[2,1] has size 2"
)]
fn squeeze_rejects_non_unit_axis() {
    bind1(
        LayoutOp::Squeeze {
            dimensions: [0].into_iter().collect(),
        },
        &[&jnp::zeros([2, 1])],
    );
}

#[test]
#[should_panic(
    expected = "rev: axes [2] must be distinct and in range for rank 2; operand f32[2,1]"
)]
fn rev_rejects_out_of_range_axis() {
    bind1(
        LayoutOp::Rev {
            dimensions: [2].into_iter().collect(),
        },
        &[&jnp::zeros([2, 1])],
    );
}

#[test]
#[should_panic(
    expected = "broadcast_to: Incompatible types for broadcasting: input type=float32[3] and requested type=float32[2,4]"
)]
fn numpy_broadcast_to_rejects_incompatible_shape() {
    jnp::zeros([3]).broadcast_to([2, 4]);
}

#[test]
#[should_panic(
    expected = "reshape: cannot infer the -1 in [-1, 4] for an array of shape (2, 3) (6 elements)"
)]
fn numpy_reshape_rejects_uninferable_shape() {
    jnp::zeros([2, 3]).reshape([-1, 4]);
}

#[test]
#[should_panic(expected = "transpose: axis 3 is out of bounds for array of dimension 2")]
fn numpy_transpose_rejects_bad_axis() {
    jnp::zeros([2, 3]).transpose(&[0, 3]);
}
