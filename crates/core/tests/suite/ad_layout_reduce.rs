//! Transformation rules of the layout (`broadcast_in_dim`, `reshape`, `transpose`, `squeeze`,
//! `expand_dims`, `rev`), reduction, cumulative and `iota` primitives: gradients against
//! finite differences and the vjp/jvp dot-product test (`check_grads`, float64, random shapes
//! and parameters, inputs produced by layout ops), JAX's AD conventions (values from
//! `parity/literals_ad.py`), the batching law with the batch axis at different positions,
//! compositions (grad of vmap, vmap of grad, grad of grad, jit of grad) and `make_jaxpr`
//! printing (`parity/literals_jaxpr.py`).
use crate::ad_support;
use crate::common;

use ad_support::*;
use common::*;
use equinox_core::prims::cumulative::{CumulativeKind, CumulativeOp};
use equinox_core::prims::iota::IotaOp;
use equinox_core::prims::layout::{Axes, LayoutOp};
use equinox_core::prims::reduce::{ArgKind, ReduceKind, ReduceOp};
use equinox_core::prims::{bind1, Primitive};
use equinox_core::transforms::{check_grads, grad, jvp, make_jaxpr, vjp};
use equinox_core::{Array, DType, Shape};
use equinox_testing::golden::encoded;
use equinox_testing::{assert_close, Golden, Section, Tolerance};
use serde_json::Value;

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

/// A golden array (`parity/golden_encoding.py`) as an `Array` of its dtype.
fn golden_array(v: &Value) -> Array {
    let e = encoded(v);
    let dtype = DType::from_name(&e.dtype).unwrap_or_else(|| panic!("dtype {}", e.dtype));
    Array::from_vec(e.data, e.shape).astype(dtype)
}

/// Checks every case of a `literals_ad` section (written by `parity/literals_ad.py`):
/// `grad(sum(p(x) * w))` at the case's `x` and `w` equals JAX's `grad` exactly, where `prim`
/// builds the primitive `p` from the case's fields.
fn check_weighted_grads(section: Section<'_>, prim: impl Fn(&Value) -> Primitive) {
    for case in section.iter() {
        let p = prim(case);
        let (x, w) = (golden_array(&case["x"]), golden_array(&case["w"]));
        let g = grad(|x: &Array| (&bind1(p.clone(), &[x]) * &w).sum(None))(&x);
        let want = encoded(&case["grad"]);
        let what = format!("{} at {}", case["op"], case["x"]["data"]);
        assert_eq!(g.shape(), &want.shape[..], "{what}");
        assert_close(&what, &g.to_vec::<f64>(), &want.data, Tolerance::EXACT);
    }
}

/// The reduction a `literals_ad` case names (`op`, `axes`).
fn reduction(case: &Value) -> Primitive {
    let kind = match case["op"].as_str().expect("an op name") {
        "reduce_max" => ReduceKind::Max,
        "reduce_min" => ReduceKind::Min,
        "reduce_prod" => ReduceKind::Prod,
        other => panic!("unknown reduction {other}"),
    };
    let axes: Vec<usize> = case["axes"]
        .as_array()
        .expect("a list of axes")
        .iter()
        .map(|a| a.as_u64().expect("an axis") as usize)
        .collect();
    ReduceOp::Reduce {
        kind,
        axes: Axes::from_slice(&axes),
    }
    .into()
}

#[test]
fn reduce_max_and_min_split_ties_evenly() {
    // JAX splits the cotangent evenly between tied extrema: [0, .5, .5] for max at [1, 3, 3],
    // 1/3 each at [2, 2, 2], and row by row along an axis of a matrix.
    let g = Golden::load("literals_ad");
    check_weighted_grads(g.section("reduce_ties"), reduction);
    g.assert_sections_read(&["reduce_ties"]);
}

#[test]
fn reduce_prod_is_exact_at_zeros() {
    // One zero: only its own entry gets the product of the others; two zeros: all 0.
    let g = Golden::load("literals_ad");
    check_weighted_grads(g.section("reduce_prod_zeros"), reduction);
    g.assert_sections_read(&["reduce_prod_zeros"]);
    // The empty product is a constant.
    let prod = unary(ReduceOp::Reduce {
        kind: ReduceKind::Prod,
        axes: Axes::from_slice(&[0]),
    });
    let e = grad(|v: &Vec<Array>| prod(v))(&vec![Array::from_vec(Vec::<f64>::new(), [0])]);
    assert_eq!(e[0].shape(), &[0]);
}

#[test]
fn scans_follow_jax_on_ties_and_zeros() {
    // jax.grad(lambda x: jnp.sum(lax.cum*(x, 0, reverse) * jnp.arange(1., n + 1))): ties
    // split along JAX's associative-scan tree, cumprod is exact at zeros, and cumsum's
    // transpose is the reversed cumsum.
    let g = Golden::load("literals_ad");
    check_weighted_grads(g.section("scan_grads"), |case| {
        let kind = match case["op"].as_str().expect("an op name") {
            "cumsum" => CumulativeKind::Sum,
            "cumprod" => CumulativeKind::Prod,
            "cummax" => CumulativeKind::Max,
            "cummin" => CumulativeKind::Min,
            other => panic!("unknown scan {other}"),
        };
        CumulativeOp {
            kind,
            axis: 0,
            reverse: case["reverse"].as_bool().expect("reverse is a bool"),
        }
        .into()
    });
    g.assert_sections_read(&["scan_grads"]);
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
            assert_close(&c.name, &[rhs], &[lhs], Tolerance::F64.with_atol(1e-12));
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
    // Texts from jax.make_jaxpr on f32[2,3,1] (parity/literals_jaxpr.py).
    let g = Golden::load("literals_jaxpr");
    let want = g.section("layout_reduce");
    let x = Array::from_vec(vec![1.0f32; 6], [2, 3, 1]);
    let show = |p: Primitive| make_jaxpr(move |x: &Array| bind1(p.clone(), &[x]))(&x).to_string();
    let axes = Axes::from_slice;
    let cases: Vec<(&str, Primitive)> = vec![
        (
            "rev",
            LayoutOp::Rev {
                dimensions: axes(&[0, 2]),
            }
            .into(),
        ),
        (
            "squeeze",
            LayoutOp::Squeeze {
                dimensions: axes(&[2]),
            }
            .into(),
        ),
        (
            "reduce_max",
            ReduceOp::Reduce {
                kind: ReduceKind::Max,
                axes: axes(&[0, 2]),
            }
            .into(),
        ),
        (
            "reduce_sum",
            ReduceOp::Reduce {
                kind: ReduceKind::Sum,
                axes: axes(&[0, 2]),
            }
            .into(),
        ),
        (
            "broadcast_in_dim",
            LayoutOp::BroadcastInDim {
                shape: Shape::new(&[4, 2, 3, 5]),
                broadcast_dimensions: axes(&[1, 2, 3]),
            }
            .into(),
        ),
        (
            "reshape",
            LayoutOp::Reshape {
                new_sizes: Shape::new(&[3, 2]),
            }
            .into(),
        ),
        (
            "transpose",
            LayoutOp::Transpose {
                permutation: axes(&[2, 0, 1]),
            }
            .into(),
        ),
        (
            "argmax",
            ReduceOp::ArgReduce {
                kind: ArgKind::Argmax,
                axis: 1,
                index_dtype: DType::I32,
            }
            .into(),
        ),
        (
            "cumsum_reverse",
            CumulativeOp {
                kind: CumulativeKind::Sum,
                axis: 1,
                reverse: true,
            }
            .into(),
        ),
        (
            "cummax",
            CumulativeOp {
                kind: CumulativeKind::Max,
                axis: 1,
                reverse: false,
            }
            .into(),
        ),
    ];
    for (key, p) in cases {
        assert_eq!(show(p), want[key].as_str().expect("a jaxpr"), "{key}");
    }
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
    assert_eq!(iota, want["iota"].as_str().expect("a jaxpr"));
    g.assert_sections_read(&["layout_reduce"]);
}
