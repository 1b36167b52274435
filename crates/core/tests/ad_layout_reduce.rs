//! Transformation rules of the layout (`broadcast_in_dim`, `reshape`, `transpose`, `squeeze`,
//! `expand_dims`, `rev`), reduction, cumulative and `iota` primitives: gradients against
//! finite differences and the vjp/jvp dot-product test (`check_grads`, float64, random shapes
//! and parameters, inputs produced by layout ops), JAX's AD conventions with values measured
//! in JAX 0.10.2, the batching law with the batch axis at different positions, compositions
//! (grad of vmap, vmap of grad, grad of grad, jit of grad) and `make_jaxpr` printing.
mod ad_support;
mod common;

use ad_support::*;
use common::*;
use equinox_core::prims::cumulative::{CumulativeKind, CumulativeOp};
use equinox_core::prims::iota::IotaOp;
use equinox_core::prims::layout::{Axes, LayoutOp};
use equinox_core::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use equinox_core::prims::{bind1, Primitive};
use equinox_core::transforms::{check_grads, grad, jvp, make_jaxpr, vjp};
use equinox_core::{Array, DType, Shape};

/// A primitive applied to the first input.
fn unary(p: impl Into<Primitive>) -> Box<Fun<'static>> {
    let p = p.into();
    Box::new(move |v: &Vec<Array>| bind1(p.clone(), &[&v[0]]))
}

/// A random subset of `0..n`, sorted.
fn subset(rng: &mut Rng, n: usize) -> Vec<usize> {
    (0..n).filter(|_| rng.range(0, 2) == 1).collect()
}

/// A random permutation of `0..n`.
fn permutation(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, rng.range(0, i as i64 + 1) as usize);
    }
    p
}

/// A test case: a name, the function (of one or more arrays) and its per-example input shapes.
struct Case {
    name: String,
    f: Box<Fun<'static>>,
    shapes: Vec<Vec<usize>>,
}

fn case(name: String, f: Box<Fun<'static>>, shape: Vec<usize>) -> Case {
    Case {
        name,
        f,
        shapes: vec![shape],
    }
}

/// One random instance of each layout primitive. `nonempty` keeps every dim >= 1.
fn layout_cases(rng: &mut Rng, nonempty: bool) -> Vec<Case> {
    let shape = |rng: &mut Rng, max_nd: i64| {
        let nd = rng.range(0, max_nd + 1) as usize;
        if nonempty {
            rng.nonempty_shape(nd, 3)
        } else {
            rng.shape(nd, 3)
        }
    };
    let mut cases = Vec::new();
    // broadcast_in_dim: operand axes map to increasing output axes, some of size 1 expanded;
    // a 0-d operand broadcasts everywhere.
    let r = rng.range(0, 4) as usize;
    let out_nd = r + rng.range(0, 3) as usize;
    let mut dims = permutation(rng, out_nd)[..r].to_vec();
    dims.sort_unstable();
    let out_shape: Vec<usize> = (0..out_nd).map(|_| rng.range(1, 4) as usize).collect();
    let operand: Vec<usize> = dims
        .iter()
        .map(|&d| {
            if rng.range(0, 3) == 0 {
                1
            } else {
                out_shape[d]
            }
        })
        .collect();
    cases.push(case(
        format!("broadcast_in_dim {operand:?} -> {out_shape:?} dims {dims:?}"),
        unary(LayoutOp::BroadcastInDim {
            shape: Shape::new(&out_shape),
            broadcast_dimensions: Axes::from_slice(&dims),
        }),
        operand,
    ));
    let s = shape(rng, 3);
    let new_sizes: Vec<usize> = match rng.range(0, 3) {
        0 => s.iter().rev().copied().collect(),
        1 => vec![s.iter().product()],
        _ => vec![1, s.iter().product(), 1],
    };
    cases.push(case(
        format!("reshape {s:?} -> {new_sizes:?}"),
        unary(LayoutOp::Reshape {
            new_sizes: Shape::new(&new_sizes),
        }),
        s,
    ));
    let s = shape(rng, 4);
    let perm = permutation(rng, s.len());
    cases.push(case(
        format!("transpose {s:?} by {perm:?}"),
        unary(LayoutOp::Transpose {
            permutation: Axes::from_slice(&perm),
        }),
        s,
    ));
    let mut s = shape(rng, 2);
    let ones = 1 + rng.range(0, 2) as usize;
    for _ in 0..ones {
        let at = rng.range(0, s.len() as i64 + 1) as usize;
        s.insert(at, 1);
    }
    let unit: Vec<usize> = (0..s.len()).filter(|&i| s[i] == 1).collect();
    let squeezed: Vec<usize> = unit
        .iter()
        .copied()
        .filter(|_| rng.range(0, 3) > 0)
        .collect();
    cases.push(case(
        format!("squeeze {s:?} dims {squeezed:?}"),
        unary(LayoutOp::Squeeze {
            dimensions: Axes::from_slice(&squeezed),
        }),
        s,
    ));
    let s = shape(rng, 3);
    let out_nd = s.len() + 1 + rng.range(0, 2) as usize;
    let mut inserted = permutation(rng, out_nd)[..out_nd - s.len()].to_vec();
    inserted.sort_unstable();
    cases.push(case(
        format!("expand_dims {s:?} at {inserted:?}"),
        unary(LayoutOp::ExpandDims {
            dimensions: Axes::from_slice(&inserted),
        }),
        s,
    ));
    let s = shape(rng, 3);
    let dims = subset(rng, s.len());
    cases.push(case(
        format!("rev {s:?} dims {dims:?}"),
        unary(LayoutOp::Rev {
            dimensions: Axes::from_slice(&dims),
        }),
        s,
    ));
    cases
}

/// Random reductions of the given kinds (nonempty reduced axes for max/min/prod, whose
/// derivative at an empty reduction is not a number).
fn reduce_cases(rng: &mut Rng, kinds: &[ReduceKind]) -> Vec<Case> {
    kinds
        .iter()
        .map(|&kind| {
            let nd = rng.range(0, 4) as usize;
            let s = if kind == ReduceKind::Sum {
                rng.shape(nd, 4)
            } else {
                rng.nonempty_shape(nd, 4)
            };
            let axes = subset(rng, nd);
            case(
                format!("{kind:?} {s:?} axes {axes:?}"),
                unary(ReduceOp::Reduce {
                    kind,
                    axes: Axes::from_slice(&axes),
                }),
                s,
            )
        })
        .collect()
}

/// Random scans of the given kinds.
fn cumulative_cases(rng: &mut Rng, kinds: &[CumulativeKind]) -> Vec<Case> {
    kinds
        .iter()
        .map(|&kind| {
            let nd = rng.range(1, 4) as usize;
            let mut s = rng.shape(nd, 3);
            let axis = rng.range(0, nd as i64) as usize;
            s[axis] = rng.range(0, 8) as usize;
            let reverse = rng.range(0, 2) == 1;
            case(
                format!("{kind:?} {s:?} axis {axis} reverse {reverse}"),
                unary(CumulativeOp {
                    kind,
                    axis,
                    reverse,
                }),
                s,
            )
        })
        .collect()
}

/// Float64 inputs for a case, some produced by a transpose or reversal.
fn inputs(rng: &mut Rng, c: &Case) -> Vec<Array> {
    c.shapes
        .iter()
        .map(|s| {
            let x = f64_array(rng, s);
            relayout(rng, &x)
        })
        .collect()
}

fn grad_check_all(cases: Vec<Case>, rng: &mut Rng) {
    for c in cases {
        let xs = inputs(rng, &c);
        check_grads(&*c.f, &xs, 1e-6, 1e-6, 1e-8);
    }
}

const MAX_MIN: [ReduceKind; 2] = [ReduceKind::Max, ReduceKind::Min];
const SUM_PROD: [ReduceKind; 2] = [ReduceKind::Sum, ReduceKind::Prod];
const SCANS: [CumulativeKind; 4] = [
    CumulativeKind::Sum,
    CumulativeKind::Prod,
    CumulativeKind::Max,
    CumulativeKind::Min,
];

#[test]
fn gradients_of_layout_primitives() {
    let mut rng = Rng::new(1);
    for _ in 0..12 {
        let cases = layout_cases(&mut rng, false);
        grad_check_all(cases, &mut rng);
    }
}

#[test]
fn gradients_of_reductions() {
    let mut rng = Rng::new(2);
    for _ in 0..10 {
        let all = [SUM_PROD, MAX_MIN].concat();
        let cases = reduce_cases(&mut rng, &all);
        grad_check_all(cases, &mut rng);
    }
}

#[test]
fn gradients_of_scans() {
    let mut rng = Rng::new(3);
    for _ in 0..10 {
        let cases = cumulative_cases(&mut rng, &SCANS);
        grad_check_all(cases, &mut rng);
    }
}

/// `grad(sum(f(x) * [1, 2, 3, ...]))` at `x`.
fn weighted_grad(f: &Fun<'_>, x: &[f64]) -> Vec<f64> {
    let x = Array::from_vec(x.to_vec(), [x.len()]);
    let w: Vec<f64> = (1..=x.size()).map(|i| i as f64).collect();
    let w = Array::from_vec(w, [x.size()]);
    let g = grad(|v: &Vec<Array>| (&f(v) * &w).sum(None))(&vec![x]);
    g[0].to_vec::<f64>()
}

#[test]
fn reduce_max_and_min_split_ties_evenly() {
    let max0 = unary(ReduceOp::Reduce {
        kind: ReduceKind::Max,
        axes: Axes::from_slice(&[0]),
    });
    let min0 = unary(ReduceOp::Reduce {
        kind: ReduceKind::Min,
        axes: Axes::from_slice(&[0]),
    });
    let g = |f: &Fun<'_>, x: Vec<f64>| {
        grad(|v: &Vec<Array>| f(v))(&vec![Array::from_vec(x.clone(), [x.len()])])[0].to_vec::<f64>()
    };
    assert_eq!(g(&*max0, vec![1.0, 3.0, 3.0]), vec![0.0, 0.5, 0.5]);
    assert_eq!(
        g(&*min0, vec![2.0, 1.0, 1.0, 5.0]),
        vec![0.0, 0.5, 0.5, 0.0]
    );
    assert_eq!(g(&*max0, vec![2.0, 2.0, 2.0]), vec![1.0 / 3.0; 3]);
    // Along an axis of a matrix (JAX: [[0, .5, .5], [5, 0, 5]]).
    let x = Array::from_vec(vec![1.0f64, 4.0, 4.0, 7.0, 2.0, 7.0], [2, 3]);
    let w = Array::from_vec(vec![1.0f64, 10.0], [2]);
    let rowmax = unary(ReduceOp::Reduce {
        kind: ReduceKind::Max,
        axes: Axes::from_slice(&[1]),
    });
    let g = grad(|v: &Vec<Array>| (&rowmax(v) * &w).sum(None))(&vec![x]);
    assert_eq!(g[0].to_vec::<f64>(), vec![0.0, 0.5, 0.5, 5.0, 0.0, 5.0]);
}

#[test]
fn reduce_prod_is_exact_at_zeros() {
    let prod = unary(ReduceOp::Reduce {
        kind: ReduceKind::Prod,
        axes: Axes::from_slice(&[0]),
    });
    let g = |x: Vec<f64>| {
        grad(|v: &Vec<Array>| prod(v))(&vec![Array::from_vec(x.clone(), [x.len()])])[0]
            .to_vec::<f64>()
    };
    assert_eq!(g(vec![2.0, 0.0, 3.0]), vec![0.0, 6.0, 0.0]);
    assert_eq!(g(vec![2.0, 0.0, 3.0, 0.0]), vec![0.0; 4]);
    assert_eq!(g(vec![2.0, 5.0, 3.0]), vec![15.0, 6.0, 10.0]);
    // The empty product is a constant.
    let e = grad(|v: &Vec<Array>| prod(v))(&vec![Array::from_vec(Vec::<f64>::new(), [0])]);
    assert_eq!(e[0].shape(), &[0]);
}

#[test]
fn scans_follow_jax_on_ties_and_zeros() {
    let scan = |kind, reverse| {
        unary(CumulativeOp {
            kind,
            axis: 0,
            reverse,
        })
    };
    // Values from jax.grad(lambda x: jnp.sum(lax.cum*(x, 0) * jnp.arange(1., n + 1)))
    // in JAX 0.10.2: ties split along JAX's associative-scan tree.
    let ties = [1.0, 3.0, 3.0, 2.0, 3.0, 5.0, 5.0];
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Max, false), &ties),
        vec![1.0, 6.75, 4.75, 0.0, 2.5, 9.5, 3.5]
    );
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Max, true), &ties),
        vec![0.0, 0.0, 0.0, 0.0, 0.0, 10.5, 17.5]
    );
    assert_eq!(
        weighted_grad(
            &*scan(CumulativeKind::Min, false),
            &[4.0, 2.0, 2.0, 2.0, 3.0, 1.0]
        ),
        vec![1.0, 8.0, 3.75, 2.25, 0.0, 6.0]
    );
    let zeros = [2.0, 0.0, 3.0, 4.0, 0.0, 5.0];
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Prod, false), &zeros),
        vec![1.0, 118.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Prod, true), &zeros),
        vec![0.0, 0.0, 0.0, 0.0, 285.0, 6.0]
    );
    // cumsum's transpose is the reversed cumsum: weights 1..=4 accumulate from the end.
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Sum, false), &[0.5; 4]),
        vec![10.0, 9.0, 7.0, 4.0]
    );
    assert_eq!(
        weighted_grad(&*scan(CumulativeKind::Sum, true), &[0.5; 4]),
        vec![1.0, 3.0, 6.0, 10.0]
    );
}

#[test]
fn integer_and_index_outputs_have_zero_tangents() {
    let x = Array::from_vec(vec![0.5f64, 2.0, -1.0, 2.0], [2, 2]);
    let t = Array::from_vec(vec![1.0f64; 4], [2, 2]);
    for kind in [ArgKind::Argmax, ArgKind::Argmin] {
        let op = ReduceOp::ArgReduce {
            kind,
            axis: 1,
            index_dtype: DType::I32,
        };
        let (y, dy) = jvp(|x: &Array| bind1(op.clone(), &[x]), &x, &t);
        assert_eq!(y.dtype(), DType::I32);
        assert_eq!(dy.dtype(), DType::I32);
        assert_eq!(dy.to_vec::<i32>(), vec![0, 0]);
    }
    // Integer reductions and scans: the integer input has no tangent.
    let xi = Array::from_vec(vec![3i32, -1, 4, 1], [4]);
    let ones = Array::from_vec(vec![1i32; 4], [4]);
    for p in [
        Primitive::from(ReduceOp::Reduce {
            kind: ReduceKind::Max,
            axes: Axes::from_slice(&[0]),
        }),
        Primitive::from(ReduceOp::Reduce {
            kind: ReduceKind::Xor,
            axes: Axes::from_slice(&[0]),
        }),
        Primitive::from(CumulativeOp {
            kind: CumulativeKind::Prod,
            axis: 0,
            reverse: false,
        }),
    ] {
        let (y, dy) = jvp(|x: &Array| bind1(p.clone(), &[x]), &xi, &ones);
        assert_eq!(dy.dtype(), DType::I32);
        assert_eq!(dy.shape(), y.shape());
        assert!(dy.to_vec::<i32>().iter().all(|&v| v == 0));
    }
}

#[test]
fn linear_primitives_transpose_to_their_adjoints() {
    // <ct, f(x)> == <f^T(ct), x> on random data, with f^T from vjp (exactly, for layout ops).
    let mut rng = Rng::new(4);
    for _ in 0..8 {
        let mut cases = layout_cases(&mut rng, false);
        cases.extend(reduce_cases(&mut rng, &[ReduceKind::Sum]));
        cases.extend(cumulative_cases(&mut rng, &[CumulativeKind::Sum]));
        for c in cases {
            let xs = inputs(&mut rng, &c);
            let (y, pullback) = vjp(&*c.f, &xs);
            let ct = f64_array(&mut rng, y.shape());
            let back = pullback.transpose(&ct);
            assert_eq!(back[0].shape(), xs[0].shape(), "{}", c.name);
            let dot = |a: &Array, b: &Array| -> f64 {
                a.to_vec::<f64>()
                    .iter()
                    .zip(b.to_vec::<f64>())
                    .map(|(p, q)| p * q)
                    .sum()
            };
            let (lhs, rhs) = (dot(&ct, &y), dot(&back[0], &xs[0]));
            assert!(
                (lhs - rhs).abs() <= 1e-12 * (1.0 + lhs.abs()),
                "{}: {lhs} vs {rhs}",
                c.name
            );
        }
    }
}

/// The batching law for a case: every input batched at `axis_choice` (0, a middle axis or the
/// last, written as -1), output batch axis first or last.
fn batching_law(c: &Case, rng: &mut Rng, dtype: DType) {
    let n = rng.range(1, 4) as usize;
    for choice in 0..3 {
        let mut in_axes = Vec::new();
        let xs: Vec<Array> = c
            .shapes
            .iter()
            .map(|s| {
                let (axis, signed) = match choice {
                    0 => (0, 0),
                    1 => {
                        let a = s.len().div_ceil(2);
                        (a, a as isize)
                    }
                    _ => (s.len(), -1),
                };
                in_axes.push(Some(signed));
                let x = random_array(rng, &with_batch(s, Some(axis), n), dtype);
                relayout(rng, &x)
            })
            .collect();
        for out_axis in [0, -1] {
            check_vmap(
                &*c.f,
                &xs,
                &in_axes,
                out_axis,
                &format!("{} (in {in_axes:?}, out {out_axis})", c.name),
            );
        }
    }
}

#[test]
fn batching_of_layout_primitives() {
    let mut rng = Rng::new(5);
    for _ in 0..10 {
        for c in layout_cases(&mut rng, false) {
            batching_law(&c, &mut rng, DType::F32);
        }
    }
}

#[test]
fn batching_of_reductions_and_scans() {
    let mut rng = Rng::new(6);
    for _ in 0..6 {
        let kinds = [SUM_PROD, MAX_MIN].concat();
        for c in reduce_cases(&mut rng, &kinds) {
            batching_law(&c, &mut rng, DType::F64);
            batching_law(&c, &mut rng, DType::I32);
        }
        for c in cumulative_cases(&mut rng, &SCANS) {
            batching_law(&c, &mut rng, DType::F64);
            batching_law(&c, &mut rng, DType::I64);
        }
        // Bitwise reductions on bool and unsigned integers.
        for kind in [ReduceKind::And, ReduceKind::Or, ReduceKind::Xor] {
            let nd = rng.range(1, 4) as usize;
            let s = rng.shape(nd, 3);
            let axes = subset(&mut rng, nd);
            let c = case(
                format!("{kind:?} {s:?} axes {axes:?}"),
                unary(ReduceOp::Reduce {
                    kind,
                    axes: Axes::from_slice(&axes),
                }),
                s,
            );
            batching_law(&c, &mut rng, DType::Bool);
            batching_law(&c, &mut rng, DType::U32);
        }
        // Index searches.
        for kind in [ArgKind::Argmax, ArgKind::Argmin] {
            let nd = rng.range(1, 4) as usize;
            let s = rng.nonempty_shape(nd, 4);
            let axis = rng.range(0, nd as i64) as usize;
            let c = case(
                format!("{kind:?} {s:?} axis {axis}"),
                unary(ReduceOp::ArgReduce {
                    kind,
                    axis,
                    index_dtype: DType::I32,
                }),
                s,
            );
            batching_law(&c, &mut rng, DType::F32);
        }
    }
}

#[test]
fn iota_under_vmap_and_jvp_is_a_constant() {
    // iota has no operands: under vmap it stays unbatched (the output is broadcast to every
    // lane), and under jvp it carries no tangent.
    let iota = IotaOp {
        dtype: DType::F64,
        shape: Shape::new(&[2, 3]),
        dimension: 1,
    };
    let f = {
        let iota = iota.clone();
        move |v: &Vec<Array>| &bind1(iota.clone(), &[]) * &v[0]
    };
    let mut rng = Rng::new(7);
    let xs = vec![f64_array(&mut rng, &[4, 2, 3])];
    check_vmap(&f, &xs, &[Some(0)], 1, "iota * x");
    let x = Array::from_vec(vec![1.0f64; 6], [2, 3]);
    let t = Array::from_vec(vec![2.0f64; 6], [2, 3]);
    let (y, dy) = jvp(|x: &Array| &bind1(iota.clone(), &[]) * x, &x, &t);
    assert_eq!(y.to_vec::<f64>(), vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0]);
    assert_eq!(dy.to_vec::<f64>(), vec![0.0, 2.0, 4.0, 0.0, 2.0, 4.0]);
    let out = equinox_core::transforms::vmap_with(
        |_: &Array| bind1(iota.clone(), &[]),
        equinox_core::transforms::VmapSpec::default()
            .in_axes(None::<isize>)
            .axis_size(2),
    )(&x);
    assert_eq!(out.shape(), &[2, 2, 3]);
}

#[test]
fn compositions_of_layout_and_linear_reductions() {
    let mut rng = Rng::new(8);
    for _ in 0..3 {
        let mut cases = layout_cases(&mut rng, true);
        cases.extend(reduce_cases(&mut rng, &SUM_PROD));
        cases.extend(cumulative_cases(
            &mut rng,
            &[CumulativeKind::Sum, CumulativeKind::Prod],
        ));
        for c in cases {
            let xs = inputs(&mut rng, &c);
            check_compositions(&*c.f, &xs, &mut rng, &c.name);
        }
    }
}

/// Needs the batching and JVP rules of `eq`/`select_n`/`convert_element_type` (the
/// compare/select/convert families), which the max/min JVP rules bind on possibly traced
/// primals.
#[test]
fn compositions_of_max_and_min() {
    let mut rng = Rng::new(9);
    for _ in 0..3 {
        let mut cases = reduce_cases(&mut rng, &MAX_MIN);
        cases.extend(cumulative_cases(
            &mut rng,
            &[CumulativeKind::Max, CumulativeKind::Min],
        ));
        for c in cases {
            let xs = inputs(&mut rng, &c);
            check_compositions(&*c.f, &xs, &mut rng, &c.name);
        }
    }
}

#[test]
fn jaxprs_print_as_in_jax() {
    // Strings from jax.make_jaxpr in JAX 0.10.2 on f32[2,3,1].
    let x = Array::from_vec(vec![1.0f32; 6], [2, 3, 1]);
    let show = |p: Primitive| make_jaxpr(move |x: &Array| bind1(p.clone(), &[x]))(&x).to_string();
    assert_eq!(
        show(
            LayoutOp::Rev {
                dimensions: Axes::from_slice(&[0, 2])
            }
            .into()
        ),
        "{ lambda ; a:f32[2,3,1]. let b:f32[2,3,1] = rev[dimensions=(0, 2)] a in (b,) }"
    );
    assert_eq!(
        show(
            LayoutOp::Squeeze {
                dimensions: Axes::from_slice(&[2])
            }
            .into()
        ),
        "{ lambda ; a:f32[2,3,1]. let b:f32[2,3] = squeeze[dimensions=(2,)] a in (b,) }"
    );
    assert_eq!(
        show(
            ReduceOp::Reduce {
                kind: ReduceKind::Max,
                axes: Axes::from_slice(&[0, 2])
            }
            .into()
        ),
        "{ lambda ; a:f32[2,3,1]. let b:f32[3] = reduce_max[axes=(0, 2)] a in (b,) }"
    );
    assert_eq!(
        show(ReduceOp::Reduce { kind: ReduceKind::Sum, axes: Axes::from_slice(&[0, 2]) }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[3] = reduce_sum[axes=(0, 2) out_sharding=None] a\n  in (b,) }"
    );
    assert_eq!(
        show(LayoutOp::BroadcastInDim { shape: Shape::new(&[4, 2, 3, 5]), broadcast_dimensions: Axes::from_slice(&[1, 2, 3]) }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[4,2,3,5] = broadcast_in_dim[broadcast_dimensions=(1, 2, 3)] a\n  in (b,) }"
    );
    assert_eq!(
        show(LayoutOp::Reshape { new_sizes: Shape::new(&[3, 2]) }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[3,2] = reshape[dimensions=None new_sizes=(3, 2) sharding=None] a\n  in (b,) }"
    );
    assert_eq!(
        show(LayoutOp::Transpose { permutation: Axes::from_slice(&[2, 0, 1]) }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[1,2,3] = transpose[permutation=(2, 0, 1)] a\n  in (b,) }"
    );
    assert_eq!(
        show(ReduceOp::ArgReduce { kind: ArgKind::Argmax, axis: 1, index_dtype: DType::I32 }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:i32[2,1] = argmax[axes=(1,) index_dtype=int32] a\n  in (b,) }"
    );
    assert_eq!(
        show(CumulativeOp { kind: CumulativeKind::Sum, axis: 1, reverse: true }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[2,3,1] = cumsum[axis=1 reverse=True] a\n  in (b,) }"
    );
    assert_eq!(
        show(CumulativeOp { kind: CumulativeKind::Max, axis: 1, reverse: false }.into()),
        "{ lambda ; a:f32[2,3,1]. let\n    b:f32[2,3,1] = cummax[axis=1 reverse=False] a\n  in (b,) }"
    );
    // JAX's printer leaves a space after an equation without operands.
    let iota = make_jaxpr(|_: &Array| {
        bind1(
            IotaOp {
                dtype: DType::I32,
                shape: Shape::new(&[4]),
                dimension: 0,
            },
            &[],
        )
    })(&x)
    .to_string();
    assert!(
        iota.contains("b:i32[4] = iota[dimension=0 dtype=int32 shape=(4,) sharding=None]"),
        "{iota}"
    );
}
