//! Reductions against loops over every input element: sum, prod, max, min, and, or, xor over
//! arbitrary axis subsets (none, prefix, suffix, middle, all, random) on every accepted dtype,
//! size-0 and size-1 dims, transposed/reversed inputs; argmax/argmin with ties and NaNs (as
//! real `jnp.argmax`); and the numpy-level reductions.
use crate::common;

use common::*;
use equinox_core::numpy as jnp;
use equinox_core::prims::bind1;
use equinox_core::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use equinox_core::{Array, DType, ALL_DTYPES};

/// Axis subsets of a rank-`nd` array covering every layout case of the kernels.
fn axis_subsets(rng: &mut Rng, nd: usize) -> Vec<Vec<usize>> {
    let mut v = vec![vec![], (0..nd).collect::<Vec<_>>()];
    if nd >= 1 {
        v.push(vec![0]);
        v.push(vec![nd - 1]);
    }
    if nd >= 2 {
        v.push((0..nd - 1).collect());
        v.push((1..nd).collect());
    }
    if nd >= 3 {
        v.push((1..nd - 1).collect());
        v.push(vec![0, nd - 1]);
    }
    v.push((0..nd).filter(|_| rng.range(0, 2) == 0).collect());
    v
}

/// Output position of input flat index `i`.
fn out_pos(i: usize, shape: &[usize], axes: &[usize]) -> usize {
    let idx = unravel(i, shape);
    let kept: Vec<usize> = (0..shape.len()).filter(|a| !axes.contains(a)).collect();
    let oshape: Vec<usize> = kept.iter().map(|&a| shape[a]).collect();
    let oidx: Vec<usize> = kept.iter().map(|&a| idx[a]).collect();
    ravel(&oidx, &oshape)
}

fn out_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    (0..shape.len())
        .filter(|a| !axes.contains(a))
        .map(|a| shape[a])
        .collect()
}

fn reduce(kind: ReduceKind, x: &Array, axes: &[usize]) -> Array {
    bind1(
        ReduceOp::Reduce {
            kind,
            axes: axes.iter().copied().collect(),
        },
        &[x],
    )
}

fn shapes(rng: &mut Rng) -> Vec<Vec<usize>> {
    (0..6)
        .map(|k| {
            let nd = k % 5;
            rng.shape(nd, 5)
        })
        .collect()
}

#[test]
fn float_sum_prod_max_min() {
    let mut rng = Rng::new(51);
    for d in FLOAT_DTYPES {
        for shape in shapes(&mut rng) {
            for axes in axis_subsets(&mut rng, shape.len()) {
                let oshape = out_shape(&shape, &axes);
                let m: usize = oshape.iter().product();
                // Sums and products on finite values; max/min with NaN, ±0 and ±inf mixed in.
                let x = {
                    let t = random_array(&mut rng, &shape, d);
                    relayout(&mut rng, &t)
                };
                let xs = x.to_vec::<f64>();
                let mut sum = vec![0.0; m];
                let mut abs = vec![0.0; m];
                let mut prod = vec![1.0; m];
                for (i, &v) in xs.iter().enumerate() {
                    let o = out_pos(i, &shape, &axes);
                    sum[o] += v;
                    abs[o] += v.abs();
                    prod[o] *= v;
                }
                let what = format!("{d} {shape:?} axes {axes:?}");
                let s = reduce(ReduceKind::Sum, &x, &axes);
                assert_eq!(s.shape(), &oshape[..], "sum {what}");
                assert_eq!(s.dtype(), d);
                let tol = rtol_for(d);
                for (k, (&g, &w)) in s.to_vec::<f64>().iter().zip(&sum).enumerate() {
                    assert!(
                        (g - w).abs() <= tol * (abs[k] + 1.0),
                        "sum {what}[{k}]: got {g}, want {w}"
                    );
                }
                let p = reduce(ReduceKind::Prod, &x, &axes);
                let want_p: Vec<f64> = prod.iter().map(|&v| round_to(d, v)).collect();
                assert_close(
                    &p.to_vec::<f64>(),
                    &want_p,
                    tol * 4.0,
                    1e-30,
                    &format!("prod {what}"),
                );

                let y = {
                    let t = special_floats(&mut rng, &shape, d);
                    relayout(&mut rng, &t)
                };
                let ys = y.to_vec::<f64>();
                let mut mx = vec![f64::NEG_INFINITY; m];
                let mut mn = vec![f64::INFINITY; m];
                for (i, &v) in ys.iter().enumerate() {
                    let o = out_pos(i, &shape, &axes);
                    if v.is_nan() || mx[o].is_nan() {
                        mx[o] = f64::NAN;
                        mn[o] = f64::NAN;
                    } else {
                        mx[o] = mx[o].max(v);
                        mn[o] = mn[o].min(v);
                    }
                }
                assert_close(
                    &reduce(ReduceKind::Max, &y, &axes).to_vec::<f64>(),
                    &mx,
                    0.0,
                    0.0,
                    &format!("max {what} of {ys:?}"),
                );
                assert_close(
                    &reduce(ReduceKind::Min, &y, &axes).to_vec::<f64>(),
                    &mn,
                    0.0,
                    0.0,
                    &format!("min {what} of {ys:?}"),
                );
            }
        }
    }
}

#[test]
fn integer_reductions_wrap() {
    let mut rng = Rng::new(52);
    use ReduceKind::*;
    for d in INT_DTYPES {
        for shape in shapes(&mut rng) {
            for axes in axis_subsets(&mut rng, shape.len()) {
                let x = {
                    let t = random_ints(&mut rng, &shape, d);
                    relayout(&mut rng, &t)
                };
                let xs: Vec<i128> = x.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                let m: usize = out_shape(&shape, &axes).iter().product();
                let bits = d.bits();
                let (min, max) = if d.is_signed_integer() {
                    (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
                } else {
                    (0, (1i128 << bits) - 1)
                };
                type Fold = fn(i128, i128) -> i128;
                let cases: [(ReduceKind, i128, Fold); 7] = [
                    (Sum, 0, |a, b| a + b),
                    (Prod, 1, |a, b| a * b),
                    (Max, min, |a, b| a.max(b)),
                    (Min, max, |a, b| a.min(b)),
                    (And, -1, |a, b| a & b),
                    (Or, 0, |a, b| a | b),
                    (Xor, 0, |a, b| a ^ b),
                ];
                for (kind, init, f) in cases {
                    let mut acc = vec![init; m];
                    for (i, &v) in xs.iter().enumerate() {
                        let o = out_pos(i, &shape, &axes);
                        acc[o] = wrap(f(acc[o], v), d);
                    }
                    let want: Vec<i128> = acc.iter().map(|&v| wrap(v, d)).collect();
                    let r = reduce(kind, &x, &axes);
                    assert_eq!(r.dtype(), d);
                    let got: Vec<i128> = r.to_vec::<i64>().iter().map(|&v| v as i128).collect();
                    assert_eq!(got, want, "{kind:?} {d} {shape:?} axes {axes:?}");
                }
            }
        }
    }
}

#[test]
fn bool_reductions() {
    let mut rng = Rng::new(53);
    use ReduceKind::*;
    for shape in shapes(&mut rng) {
        for axes in axis_subsets(&mut rng, shape.len()) {
            let x = {
                let t = random_array(&mut rng, &shape, DType::Bool);
                relayout(&mut rng, &t)
            };
            let xs = x.to_vec::<bool>();
            let m: usize = out_shape(&shape, &axes).iter().product();
            type Fold = fn(bool, bool) -> bool;
            let cases: [(ReduceKind, bool, Fold); 5] = [
                (And, true, |a, b| a & b),
                (Or, false, |a, b| a | b),
                (Xor, false, |a, b| a ^ b),
                (Max, false, |a, b| a | b),
                (Min, true, |a, b| a & b),
            ];
            for (kind, init, f) in cases {
                let mut acc = vec![init; m];
                for (i, &v) in xs.iter().enumerate() {
                    let o = out_pos(i, &shape, &axes);
                    acc[o] = f(acc[o], v);
                }
                assert_eq!(
                    reduce(kind, &x, &axes).to_vec::<bool>(),
                    acc,
                    "{kind:?} {shape:?} axes {axes:?}"
                );
            }
        }
    }
}

/// First index of the maximum (minimum); a NaN wins at its first occurrence (real JAX:
/// argmax([1, nan, 3, nan]) = 1, argmin([1, nan, -3]) = 1, argmax([2, 5, 5]) = 1).
fn arg_ref(row: &[f64], max: bool) -> i64 {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if v.is_nan() {
            return i as i64;
        }
        if (max && v > row[best]) || (!max && v < row[best]) {
            best = i;
        }
    }
    best as i64
}

#[test]
fn argmax_argmin_on_every_dtype() {
    let mut rng = Rng::new(54);
    for d in ALL_DTYPES {
        for _ in 0..6 {
            let nd = rng.range(1, 4) as usize;
            let mut shape = rng.shape(nd, 5);
            let axis = rng.range(0, nd as i64) as usize;
            shape[axis] = shape[axis].max(1);
            // Coarse values so that ties are common; NaNs for floats.
            let n: usize = shape.iter().product();
            let v: Vec<f64> = (0..n)
                .map(|_| {
                    if d.is_float() && rng.range(0, 8) == 0 {
                        f64::NAN
                    } else {
                        rng.range(0, 4) as f64
                    }
                })
                .collect();
            let x = {
                let t = Array::from_vec(v, shape.clone()).astype(d);
                relayout(&mut rng, &t)
            };
            let xs = x.to_vec::<f64>();
            for (kind, is_max) in [(ArgKind::Argmax, true), (ArgKind::Argmin, false)] {
                for index_dtype in [DType::I32, DType::I64, DType::U8] {
                    let r = bind1(
                        ReduceOp::ArgReduce {
                            kind,
                            axis,
                            index_dtype,
                        },
                        &[&x],
                    );
                    assert_eq!(r.dtype(), index_dtype);
                    let oshape = out_shape(&shape, &[axis]);
                    assert_eq!(r.shape(), &oshape[..]);
                    let want: Vec<i64> = (0..r.size())
                        .map(|o| {
                            let oidx = unravel(o, &oshape);
                            let row: Vec<f64> = (0..shape[axis])
                                .map(|k| {
                                    let mut idx = oidx.clone();
                                    idx.insert(axis, k);
                                    xs[ravel(&idx, &shape)]
                                })
                                .collect();
                            arg_ref(&row, is_max)
                        })
                        .collect();
                    assert_eq!(
                        r.to_vec::<i64>(),
                        want,
                        "{kind:?} {d} {shape:?} axis {axis} of {xs:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn argmax_matches_jax_on_ties_nan_and_signed_zero() {
    let f = |v: Vec<f32>| Array::from_vec(v.clone(), [v.len()]);
    assert_eq!(
        jnp::argmax(&f(vec![1.0, f32::NAN, 3.0, f32::NAN]), None).item::<i32>(),
        1
    );
    assert_eq!(
        jnp::argmin(&f(vec![1.0, f32::NAN, -3.0]), None).item::<i32>(),
        1
    );
    assert_eq!(jnp::argmax(&f(vec![2.0, 5.0, 5.0]), None).item::<i32>(), 1);
    assert_eq!(jnp::argmin(&f(vec![2.0, 1.0, 1.0]), None).item::<i32>(), 1);
    assert_eq!(jnp::argmax(&f(vec![-0.0, 0.0]), None).item::<i32>(), 0);
    assert_eq!(
        jnp::argmax(&f(vec![f32::NEG_INFINITY, f32::NEG_INFINITY]), None).item::<i32>(),
        0
    );
    assert_eq!(
        jnp::argmax(&f(vec![f32::INFINITY, f32::NAN]), None).item::<i32>(),
        1
    );
    let b = Array::from_vec(vec![false, true, true], [3]);
    assert_eq!(jnp::argmax(&b, None).item::<i32>(), 1);
    // argmax of the flattened array, and along a negative axis.
    let m = Array::from_vec(vec![1i32, 9, 3, 9, 0, 2], [2, 3]);
    assert_eq!(m.argmax(None).item::<i32>(), 1);
    assert_eq!(m.argmax(-1).to_vec::<i32>(), vec![1, 0]);
    assert_eq!(m.argmin(0).to_vec::<i32>(), vec![0, 1, 1]);
    // An empty output with a non-empty searched axis is fine (JAX gives []).
    assert_eq!(jnp::argmax(&jnp::zeros([0, 3]), 1).shape(), &[0]);
}

#[test]
fn numpy_reductions() {
    let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], [2, 3]);
    assert_eq!(x.sum(None).item::<f32>(), 21.0);
    assert_eq!(x.sum(0).to_vec::<f32>(), vec![5.0, 7.0, 9.0]);
    assert_eq!(jnp::sum_keepdims(&x, 1).shape(), &[2, 1]);
    assert_eq!(x.prod(1).to_vec::<f32>(), vec![6.0, 120.0]);
    assert_eq!(x.max(-1).to_vec::<f32>(), vec![3.0, 6.0]);
    assert_eq!(jnp::max_keepdims(&x, 0).shape(), &[1, 3]);
    assert_eq!(x.min([0, 1]).item::<f32>(), 1.0);
    assert_eq!(jnp::min_keepdims(&x, ()).shape(), &[1, 1]);
    assert_eq!(x.mean(0).to_vec::<f32>(), vec![2.5, 3.5, 4.5]);
    assert_eq!(jnp::mean_keepdims(&x, 1).to_vec::<f32>(), vec![2.0, 5.0]);
    assert_close(
        &x.var(1).to_vec::<f64>(),
        &[2.0 / 3.0, 2.0 / 3.0],
        1e-6,
        0.0,
        "var",
    );
    assert_close(
        &jnp::var_ddof(&x, 1, 1, false).to_vec::<f64>(),
        &[1.0, 1.0],
        1e-6,
        0.0,
        "var ddof",
    );
    assert_close(
        &x.std(None).to_vec::<f64>(),
        &[(35.0f64 / 12.0).sqrt()],
        1e-6,
        0.0,
        "std",
    );
    // Sums of bool and uint8 widen as in JAX's default mode; means of integers are floats.
    let b = Array::from_vec(vec![true, true, false], [3]);
    assert_eq!(b.sum(None).dtype(), DType::I32);
    assert_eq!(b.sum(None).item::<i32>(), 2);
    let u = Array::from_vec(vec![200u8, 100], [2]);
    assert_eq!(u.sum(None).dtype(), DType::U32);
    assert_eq!(u.sum(None).item::<u32>(), 300);
    assert_eq!(
        Array::from_vec(vec![1i32, 2], [2]).mean(None).dtype(),
        DType::F32
    );
    assert_eq!(
        Array::from_vec(vec![1i64, 2], [2]).mean(None).dtype(),
        DType::F64
    );
    assert_eq!(b.max(None).dtype(), DType::Bool);
    assert!(b.any(None).item::<bool>());
    assert!(!b.all(None).item::<bool>());
    let f = Array::from_vec(vec![0.0f32, f32::NAN], [2]);
    assert!(!f.all(None).item::<bool>());
    assert!(f.any(None).item::<bool>());
    // Empty reductions: sum is 0, max over an empty output is empty.
    let e = jnp::zeros([0, 3]);
    assert_eq!(e.sum(0).to_vec::<f32>(), vec![0.0, 0.0, 0.0]);
    assert_eq!(e.max(1).shape(), &[0]);
    assert_eq!(
        jnp::zeros([3, 0]).sum(1).to_vec::<f32>(),
        vec![0.0, 0.0, 0.0]
    );
    assert_eq!(jnp::zeros([0]).sum(None).item::<f32>(), 0.0);
    assert_eq!(jnp::zeros([0]).prod(None).item::<f32>(), 1.0);
    // f16 sums accumulate in f32: 3000 ones are exactly 3000 (an f16 accumulator stops at 2048).
    assert_eq!(
        jnp::ones_dtype([3000], DType::F16)
            .sum(None)
            .to_vec::<f64>(),
        vec![3000.0]
    );
}

#[test]
#[should_panic(expected = "reduce_sum: unsupported operand dtype in bool[3]")]
fn sum_rejects_bool_at_the_primitive() {
    reduce(ReduceKind::Sum, &jnp::zeros_dtype([3], DType::Bool), &[0]);
}

#[test]
#[should_panic(expected = "reduce_and: unsupported operand dtype in f32[3]")]
fn and_rejects_floats() {
    reduce(ReduceKind::And, &jnp::zeros([3]), &[0]);
}

#[test]
#[should_panic(
    expected = "reduce_max: axes [1, 1] must be distinct and in range for operand f32[2,3]"
)]
fn reduce_rejects_repeated_axes() {
    reduce(ReduceKind::Max, &jnp::zeros([2, 3]), &[1, 1]);
}

#[test]
#[should_panic(expected = "argmax: cannot search an empty axis 0 of operand f32[0,3]")]
fn argmax_rejects_empty_axis() {
    bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmax,
            axis: 0,
            index_dtype: DType::I32,
        },
        &[&jnp::zeros([0, 3])],
    );
}

#[test]
#[should_panic(expected = "argmin: axis 2 is out of range for operand f32[2,3]")]
fn argmin_rejects_bad_axis() {
    bind1(
        ReduceOp::ArgReduce {
            kind: ArgKind::Argmin,
            axis: 2,
            index_dtype: DType::I32,
        },
        &[&jnp::zeros([2, 3])],
    );
}

#[test]
#[should_panic(
    expected = "max: zero-size reduction over axes [0] of an array of shape (0, 3) has no identity"
)]
fn numpy_max_rejects_empty_reduction() {
    jnp::zeros([0, 3]).max(0);
}

#[test]
#[should_panic(expected = "sum: axis 2 is out of bounds for array of dimension 2")]
fn numpy_sum_rejects_bad_axis() {
    jnp::zeros([2, 3]).sum(2);
}
