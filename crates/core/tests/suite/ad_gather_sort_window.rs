//! Transformation rules of `gather`/`scatter*`, `sort`/`top_k`, the windowed reductions
//! (`reduce_window_*`, `select_and_scatter_add`, `select_and_gather_add`) and the PRNG
//! primitives: derivatives (`check_grads` in float64), JAX's conventions (ties, overwrites,
//! integer operands), the batching law for every placement of the mapped axes, compositions,
//! the numpy/lax users (`x[idx]`, `.at[].add/set`, `jnp.sort`, pooling, `random::uniform`) and
//! `make_jaxpr` printing, against JAX's values and texts (`parity/literals_ad.py`,
//! `parity/literals_jaxpr.py`).

use crate::ad_lanes;
use crate::common;

use ad_lanes::{check_vmap, rand, with_axis};
use common::{assert_close, Rng};
use equinox_core::lax::{self, DotDimensionNumbers, WindowReduceKind};
use equinox_core::numpy as jnp;
use equinox_core::prims::gather_scatter::{
    Dims, GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers,
};
use equinox_core::prims::prng::PrngOp;
use equinox_core::prims::sort::SortOp;
use equinox_core::prims::window::{SelectAndGatherAdd, WindowOp};
use equinox_core::prims::{bind, bind1};
use equinox_core::transforms::{
    check_grads, grad, jit, jvp, make_jaxpr, vjp, vmap, vmap_with, VmapSpec,
};
use equinox_core::{random, s, Array, DType};
use equinox_testing::golden::encoded;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

/// `sum(w * f)` for a fixed `w`: a scalar loss made of one contraction.
fn contract_all(w: &Array, f: &Array) -> Array {
    let axes: Vec<usize> = (0..f.ndim()).collect();
    lax::dot_general(
        w,
        f,
        DotDimensionNumbers::new((&axes, &axes), (&[], &[])),
        None,
    )
}

fn ints(v: &[i32], shape: &[usize]) -> Array {
    Array::from_vec(v.to_vec(), shape.to_vec())
}

/// A golden array (`parity/golden_encoding.py`) as an `Array` of its dtype.
fn golden_array(v: &Value) -> Array {
    let e = encoded(v);
    let dtype = DType::from_name(&e.dtype).unwrap_or_else(|| panic!("dtype {}", e.dtype));
    Array::from_vec(e.data, e.shape).astype(dtype)
}

/// Asserts `got` has the golden array's shape and, exactly, its values.
fn assert_golden(what: &str, got: &Array, want: &Value) {
    let want = encoded(want);
    assert_eq!(got.shape(), &want.shape[..], "{what}");
    equinox_testing::assert_close(what, &got.to_vec::<f64>(), &want.data, Tolerance::EXACT);
}

fn dims(v: &[usize]) -> Dims {
    Dims::from_slice(v)
}

/// A gather configuration and the matching scatter (its transpose).
struct Case {
    operand: Vec<usize>,
    indices: Array,
    dn: GatherDimensionNumbers,
    slice_sizes: Vec<usize>,
    mode: GatherScatterMode,
}

impl Case {
    fn gather(&self, x: &Array, idx: &Array) -> Array {
        // A finite fill value, so finite differences of filled windows are 0.
        lax::gather(
            x,
            idx,
            self.dn.clone(),
            &self.slice_sizes,
            self.mode,
            Some(-7.0),
        )
    }
    fn scatter_dn(&self) -> ScatterDimensionNumbers {
        ScatterDimensionNumbers {
            update_window_dims: self.dn.offset_dims.clone(),
            inserted_window_dims: self.dn.collapsed_slice_dims.clone(),
            scatter_dims_to_operand_dims: self.dn.start_index_map.clone(),
            operand_batching_dims: self.dn.operand_batching_dims.clone(),
            scatter_indices_batching_dims: self.dn.start_indices_batching_dims.clone(),
        }
    }
    /// The shape of the gather's output (= the scatter's updates).
    fn updates_shape(&self) -> Vec<usize> {
        let x = Array::from_vec(
            vec![0.0f64; self.operand.iter().product()],
            self.operand.clone(),
        );
        self.gather(&x, &self.indices).shape().to_vec()
    }
    fn scatter(&self, kind: &str, x: &Array, idx: &Array, u: &Array) -> Array {
        let f = match kind {
            "add" => lax::scatter_add,
            "mul" => lax::scatter_mul,
            "min" => lax::scatter_min,
            "max" => lax::scatter_max,
            _ => lax::scatter,
        };
        f(x, idx, u, self.scatter_dn(), self.mode)
    }
}

/// Rows of a matrix (`x[idx]`), windows with clamped starts, out-of-bounds windows that are
/// filled/dropped, operand batching axes, and duplicate indices.
fn cases() -> Vec<Case> {
    vec![
        Case {
            operand: vec![4, 3],
            indices: ints(&[2, 0, 3, 2], &[4, 1]),
            dn: GatherDimensionNumbers {
                offset_dims: dims(&[1]),
                collapsed_slice_dims: dims(&[0]),
                start_index_map: dims(&[0]),
                ..Default::default()
            },
            slice_sizes: vec![1, 3],
            mode: GatherScatterMode::PromiseInBounds,
        },
        Case {
            operand: vec![5, 4],
            indices: ints(&[0, 0, 4, 3, 2, -1], &[3, 2]),
            dn: GatherDimensionNumbers {
                offset_dims: dims(&[1, 2]),
                start_index_map: dims(&[0, 1]),
                ..Default::default()
            },
            slice_sizes: vec![2, 3],
            mode: GatherScatterMode::Clip,
        },
        Case {
            operand: vec![6, 2],
            indices: ints(&[1, 5, 3, -2, 1], &[5, 1]),
            dn: GatherDimensionNumbers {
                offset_dims: dims(&[1, 2]),
                start_index_map: dims(&[0]),
                ..Default::default()
            },
            slice_sizes: vec![2, 2],
            mode: GatherScatterMode::FillOrDrop,
        },
        Case {
            operand: vec![3, 5],
            indices: ints(&[4, 0, 1, 1, 2, 3], &[3, 2, 1]),
            dn: GatherDimensionNumbers {
                offset_dims: dims(&[]),
                collapsed_slice_dims: dims(&[1]),
                start_index_map: dims(&[1]),
                operand_batching_dims: dims(&[0]),
                start_indices_batching_dims: dims(&[0]),
            },
            slice_sizes: vec![1, 1],
            mode: GatherScatterMode::PromiseInBounds,
        },
    ]
}

#[test]
fn gather_grads() {
    let mut rng = Rng::new(20);
    for c in cases() {
        let x = rand(&mut rng, &c.operand);
        let idx = c.indices.clone();
        check_grads(|x: &Array| c.gather(x, &idx), &x, 1e-6, 1e-7, 1e-9);
    }
}

#[test]
fn gather_out_of_bounds_windows_have_zero_tangent() {
    // FillOrDrop: the window at 5 does not fit in 6 rows (size 2), so its output is the fill
    // value and its tangent 0; the window at 1 gets the tangent of rows 1-2.
    let x = rand(&mut Rng::new(21), &[6, 1]);
    let idx = ints(&[5, 1], &[2, 1]);
    let dn = GatherDimensionNumbers {
        offset_dims: dims(&[1, 2]),
        start_index_map: dims(&[0]),
        ..Default::default()
    };
    let f = |x: &Array| {
        lax::gather(
            x,
            &idx,
            dn.clone(),
            &[2, 1],
            GatherScatterMode::FillOrDrop,
            Some(7.0),
        )
    };
    let t = Array::from_vec((1..=6).map(f64::from).collect::<Vec<_>>(), [6, 1]);
    let (y, dy) = jvp(f, &x, &t);
    assert_eq!(&y.to_vec::<f64>()[..2], &[7.0, 7.0]);
    assert_eq!(dy.to_vec::<f64>(), vec![0.0, 0.0, 2.0, 3.0]);
}

#[test]
fn scatter_add_mul_set_min_max_grads() {
    let mut rng = Rng::new(22);
    for c in cases() {
        let us = c.updates_shape();
        let x = rand(&mut rng, &c.operand);
        let u = rand(&mut rng, &us);
        let idx = c.indices.clone();
        for kind in ["add", "set", "min", "max"] {
            check_grads(
                |v: &(Array, Array)| c.scatter(kind, &v.0, &idx, &v.1),
                &(x.clone(), u.clone()),
                1e-6,
                1e-7,
                1e-9,
            );
        }
        // scatter-mul: differentiable in the operand (JAX has no rule for the updates).
        check_grads(
            |x: &Array| c.scatter("mul", x, &idx, &u),
            &x,
            1e-6,
            1e-7,
            1e-9,
        );
    }
}

#[test]
#[should_panic(
    expected = "scatter-mul: gradients with respect to the updates are only implemented if `unique_indices=True`"
)]
fn scatter_mul_grad_in_updates_is_refused_like_jax() {
    let c = &cases()[0];
    let x = rand(&mut Rng::new(23), &c.operand);
    let u = rand(&mut Rng::new(24), &c.updates_shape());
    grad(|u: &Array| contract_all(&x, &c.scatter("mul", &x, &c.indices, u)))(&u);
}

#[test]
fn scatter_conventions_match_jax() {
    // grad of sum(w * x.at[idx].max(u)) / .set(u) at JAX's cases (parity/literals_ad.py):
    // tied updates share the tangent, and split it with an operand entry they tie; with
    // `set`, the last duplicate wins and overwritten operand entries get 0.
    let g = Golden::load("literals_ad");
    for case in g.section("scatter_grads").iter() {
        let op = case["op"].as_str().expect("an op name");
        let idx = golden_array(&case["idx"]);
        let w = golden_array(&case["w"]);
        let loss = |v: &(Array, Array)| {
            let at = v.0.at(s![&idx]);
            let y = match op {
                "max" => at.max(&v.1),
                "set" => at.set(&v.1),
                other => panic!("unknown scatter {other}"),
            };
            jnp::sum(&(&w * &y), None)
        };
        let (gx, gu) = grad(loss)(&(golden_array(&case["x"]), golden_array(&case["u"])));
        let what = format!("{op} at {} with {}", case["x"]["data"], case["u"]["data"]);
        assert_golden(&format!("{what}: grad x"), &gx, &case["grad_x"]);
        assert_golden(&format!("{what}: grad u"), &gu, &case["grad_u"]);
    }
    g.assert_sections_read(&["scatter_grads"]);
}

#[test]
fn numpy_indexing_grads() {
    let mut rng = Rng::new(25);
    let x = rand(&mut rng, &[4, 3]);
    let idx = ints(&[3, -1, 0, 3], &[2, 2]);
    check_grads(|x: &Array| x.index(s![&idx]), &x, 1e-6, 1e-7, 1e-9);
    check_grads(
        |x: &Array| x.index(s![.., &ints(&[2, 0], &[2])]),
        &x,
        1e-6,
        1e-7,
        1e-9,
    );
    let v = rand(&mut rng, &[2, 2, 3]);
    check_grads(
        |p: &(Array, Array)| p.0.at(s![&idx]).add(&p.1),
        &(x.clone(), v.clone()),
        1e-6,
        1e-7,
        1e-9,
    );
    check_grads(
        |p: &(Array, Array)| p.0.at(s![&idx]).set(&p.1),
        &(x, v),
        1e-6,
        1e-7,
        1e-9,
    );
}

#[test]
fn gather_and_scatter_batching_law() {
    let mut rng = Rng::new(26);
    let n = 3;
    for (ci, c) in cases().into_iter().enumerate() {
        let us = c.updates_shape();
        let idx_shape = c.indices.shape().to_vec();
        // Batched indices: the case's indices, shifted per lane but staying in the same range.
        let batched_idx = |axis: usize| {
            let lanes: Vec<Array> = (0..n as i32)
                .map(|k| {
                    let v: Vec<i32> = c
                        .indices
                        .to_vec::<i32>()
                        .iter()
                        .map(|&i| if k == 1 { (i + 1) % 3 } else { i })
                        .collect();
                    ints(&v, &idx_shape).expand_dims(axis as isize)
                })
                .collect();
            jnp::concatenate(&lanes.iter().collect::<Vec<_>>(), axis as isize)
        };
        for which in 1..8u32 {
            let (xb, ib, ub) = (which & 1 != 0, which & 2 != 0, which & 4 != 0);
            let xa = rng.range(0, c.operand.len() as i64 + 1) as usize;
            let ia = rng.range(0, idx_shape.len() as i64) as usize;
            let ua = rng.range(0, us.len() as i64 + 1) as usize;
            let x = if xb {
                rand(&mut rng, &with_axis(&c.operand, xa, n))
            } else {
                rand(&mut rng, &c.operand)
            };
            let idx = if ib {
                batched_idx(ia)
            } else {
                c.indices.clone()
            };
            let u = if ub {
                rand(&mut rng, &with_axis(&us, ua, n))
            } else {
                rand(&mut rng, &us)
            };
            let in_axes = [
                xb.then_some(xa as isize),
                ib.then_some(ia as isize),
                ub.then_some(ua as isize),
            ];
            if !ub {
                let g = |v: &Vec<Array>| vec![c.gather(&v[0], &v[1])];
                if xb || ib {
                    check_vmap(
                        g,
                        &[x.clone(), idx.clone()],
                        &in_axes[..2],
                        0,
                        &format!("gather case {ci} {which}"),
                    );
                }
            }
            for kind in ["add", "mul", "min", "max", "set"] {
                let f = |v: &Vec<Array>| vec![c.scatter(kind, &v[0], &v[1], &v[2])];
                let out_axis = rng.range(0, c.operand.len() as i64 + 1) as isize;
                check_vmap(
                    f,
                    &[x.clone(), idx.clone(), u.clone()],
                    &in_axes,
                    out_axis,
                    &format!("scatter-{kind} case {ci} {which}"),
                );
            }
        }
    }
}

fn sort2(keys: &Array, vals: &Array, dimension: usize) -> Vec<Array> {
    bind(
        SortOp::Sort {
            dimension,
            is_stable: true,
            num_keys: 1,
        },
        &[keys, vals],
    )
}

#[test]
fn sort_and_top_k_grads() {
    let mut rng = Rng::new(27);
    for shape in [vec![5], vec![3, 4], vec![2, 1, 3]] {
        let x = rand(&mut rng, &shape);
        for axis in 0..shape.len() {
            check_grads(|x: &Array| jnp::sort(x, axis as i32), &x, 1e-6, 1e-7, 1e-9);
            let v = rand(&mut rng, &shape);
            check_grads(
                |p: &(Array, Array)| sort2(&p.0, &p.1, axis),
                &(x.clone(), v),
                1e-6,
                1e-7,
                1e-9,
            );
        }
        let k = shape[shape.len() - 1].min(2);
        check_grads(|x: &Array| jnp::top_k(x, k).0, &x, 1e-6, 1e-7, 1e-9);
    }
    // Integer keys carry float values: the values' tangents follow the permutation.
    let keys = ints(&[3, 1, 2], &[3]);
    let vals = Array::from_vec(vec![10.0f64, 20.0, 30.0], [3]);
    let (out, t) = jvp(
        |v: &Array| sort2(&keys, v, 0),
        &vals,
        &Array::from_vec(vec![1.0f64, 2.0, 3.0], [3]),
    );
    assert_eq!(out[1].to_vec::<f64>(), vec![20.0, 30.0, 10.0]);
    assert_eq!(t[1].to_vec::<f64>(), vec![2.0, 3.0, 1.0]);
    assert_eq!(t[0].to_vec::<i32>(), vec![0, 0, 0]);
}

#[test]
fn sort_grad_matches_jax() {
    // grad of sum(w * sort(x)) and sum(w * top_k(x, k).values) (parity/literals_ad.py): the
    // cotangent goes back through the permutation, e.g. [1, 2, 0] for w = [2, 0, 1] at
    // [3, 1, 2].
    let g = Golden::load("literals_ad");
    for case in g.section("sort_grads").iter() {
        let (x, w) = (golden_array(&case["x"]), golden_array(&case["w"]));
        let op = case["op"].as_str().expect("an op name");
        let got = match op {
            "sort" => grad(|x: &Array| contract_all(&w, &jnp::sort(x, 0)))(&x),
            "top_k" => {
                let k = case["k"].as_u64().expect("k") as usize;

                grad(move |x: &Array| contract_all(&w, &jnp::top_k(x, k).0))(&x)
            }
            other => panic!("unknown op {other}"),
        };
        assert_golden(
            &format!("{op} at {}", case["x"]["data"]),
            &got,
            &case["grad"],
        );
    }
    g.assert_sections_read(&["sort_grads"]);
}

#[test]
fn sort_and_top_k_batching_law() {
    let mut rng = Rng::new(28);
    for shape in [vec![4], vec![3, 2], vec![2, 3, 2]] {
        let n = 3;
        for axis in 0..shape.len() {
            for bd in 0..=shape.len() {
                let keys = rand(&mut rng, &with_axis(&shape, bd, n));
                let vals = rand(&mut rng, &shape);
                let f = |v: &Vec<Array>| sort2(&v[0], &v[1], axis);
                check_vmap(
                    f,
                    &[keys.clone(), vals.clone()],
                    &[Some(bd as isize), None],
                    bd as isize,
                    "sort keys batched",
                );
                let vals_b = rand(&mut rng, &with_axis(&shape, bd, n));
                check_vmap(
                    f,
                    &[rand(&mut rng, &shape), vals_b],
                    &[None, Some(bd as isize)],
                    0,
                    "sort values batched",
                );
            }
        }
        for bd in 0..=shape.len() {
            let x = rand(&mut rng, &with_axis(&shape, bd, n));
            let f = |v: &Vec<Array>| {
                let (a, b) = jnp::top_k(&v[0], 1);
                vec![a, b]
            };
            check_vmap(f, &[x], &[Some(bd as isize)], -1, "top_k");
        }
    }
}

/// A random 2-d window geometry: (window, strides, padding, base dilation, window dilation).
type Geometry = (
    Vec<usize>,
    Vec<usize>,
    Vec<(i64, i64)>,
    Vec<usize>,
    Vec<usize>,
);

fn random_window(rng: &mut Rng, chooser: bool) -> Geometry {
    let mut g: Geometry = (vec![], vec![], vec![], vec![], vec![]);
    for _ in 0..2 {
        let w = rng.range(1, 4) as usize;
        g.0.push(w);
        g.1.push(rng.range(1, 3) as usize);
        // Choosers (max/min) get no padding beyond the window, so no window is all padding.
        let p = if chooser {
            rng.range(0, w as i64)
        } else {
            rng.range(0, 3)
        };
        g.2.push((p, if chooser { 0 } else { rng.range(-1, 2) }));
        g.3.push(if chooser { 1 } else { rng.range(1, 3) as usize });
        g.4.push(if chooser { 1 } else { rng.range(1, 3) as usize });
    }
    g
}

fn reduce_window(x: &Array, kind: WindowReduceKind, g: &Geometry) -> Array {
    lax::reduce_window_with_options(
        x,
        kind,
        &g.0,
        &g.1,
        g.2.clone(),
        lax::ReduceWindowOptions {
            base_dilation: Some(&g.3),
            window_dilation: Some(&g.4),
        },
    )
}

#[test]
fn reduce_window_grads() {
    let mut rng = Rng::new(29);
    for case in 0..18 {
        let kind = [
            WindowReduceKind::Sum,
            WindowReduceKind::Max,
            WindowReduceKind::Min,
        ][case % 3];
        let g = random_window(&mut rng, kind != WindowReduceKind::Sum);
        let shape = [rng.range(3, 6) as usize, rng.range(3, 6) as usize];
        let x = rand(&mut rng, &shape);
        check_grads(|x: &Array| reduce_window(x, kind, &g), &x, 1e-6, 1e-7, 1e-9);
    }
    // Max with base dilation: every window of 2 covers one real element.
    let x = rand(&mut rng, &[4, 3]);
    let g: Geometry = (
        vec![2, 2],
        vec![1, 2],
        vec![(0, 0), (1, 0)],
        vec![2, 2],
        vec![1, 1],
    );
    check_grads(
        |x: &Array| reduce_window(x, WindowReduceKind::Max, &g),
        &x,
        1e-6,
        1e-7,
        1e-9,
    );
}

#[test]
fn reduce_window_max_jvp_with_window_dilation() {
    let x = Array::from_vec(vec![1.0f64, 4.0, 2.0, 3.0, 0.0], [5]);
    let t = Array::from_vec(vec![10.0f64, 20.0, 30.0, 40.0, 50.0], [5]);
    let f = |x: &Array| {
        lax::reduce_window_with_options(
            x,
            WindowReduceKind::Max,
            &[2],
            &[1],
            "VALID",
            lax::ReduceWindowOptions {
                window_dilation: Some(&[2]),
                ..Default::default()
            },
        )
    };
    let (y, dy) = jvp(f, &x, &t);
    assert_eq!(y.to_vec::<f64>(), vec![2.0, 4.0, 2.0]);
    assert_eq!(dy.to_vec::<f64>(), vec![30.0, 20.0, 30.0]);
}

#[test]
#[should_panic(
    expected = "VJP not implemented for select_and_gather (MaxPool) with window dilation"
)]
fn reduce_window_max_vjp_with_window_dilation_is_refused_like_jax() {
    let x = Array::from_vec(vec![1.0f64, 4.0, 2.0, 3.0, 0.0], [5]);
    let f = |x: &Array| {
        lax::reduce_window_with_options(
            x,
            WindowReduceKind::Max,
            &[2],
            &[1],
            "VALID",
            lax::ReduceWindowOptions {
                window_dilation: Some(&[2]),
                ..Default::default()
            },
        )
    };
    let (y, pullback) = vjp(f, &x);
    pullback.transpose(&jnp::ones_like(&y));
}

#[test]
fn pooling_grads_and_ties_match_jax() {
    let mut rng = Rng::new(30);
    let x = rand(&mut rng, &[2, 5, 4]);
    check_grads(
        |x: &Array| lax::max_pool(x, &[2, 2], &[1, 2], "SAME"),
        &x,
        1e-6,
        1e-7,
        1e-9,
    );
    check_grads(
        |x: &Array| lax::avg_pool(x, &[3, 2], &[2, 1], "VALID"),
        &x,
        1e-6,
        1e-7,
        1e-9,
    );
    // grad of sum(w * reduce_window max/min) with tied windows (parity/literals_ad.py): each
    // window's first extremum takes the whole tangent ([1, 1, 0] at [1, 1, 0] for max).
    let g = Golden::load("literals_ad");
    for case in g.section("pooling_ties").iter() {
        let kind = match case["kind"].as_str().expect("a kind") {
            "max" => WindowReduceKind::Max,
            "min" => WindowReduceKind::Min,
            other => panic!("unknown window reduction {other}"),
        };
        let sizes = |key: &str| -> Vec<usize> {
            case[key]
                .as_array()
                .expect("a list")
                .iter()
                .map(|v| v.as_u64().expect("a size") as usize)
                .collect()
        };
        let (window, strides) = (sizes("window"), sizes("strides"));
        let padding = case["padding"].as_str().expect("a padding");
        let (x, w) = (golden_array(&case["x"]), golden_array(&case["w"]));
        let got = grad(|x: &Array| {
            contract_all(&w, &lax::reduce_window(x, kind, &window, &strides, padding))
        })(&x);
        assert_golden(
            &format!("{kind:?} at {}", case["x"]["data"]),
            &got,
            &case["grad"],
        );
    }
    g.assert_sections_read(&["pooling_ties"]);
}

#[test]
fn select_and_scatter_add_and_select_and_gather_add_grads() {
    let mut rng = Rng::new(31);
    for _ in 0..6 {
        let g = random_window(&mut rng, true);
        let shape = [rng.range(3, 6) as usize, rng.range(3, 6) as usize];
        let operand = rand(&mut rng, &shape);
        let grid = reduce_window(&operand, WindowReduceKind::Max, &g)
            .shape()
            .to_vec();
        let source = rand(&mut rng, &grid);
        check_grads(
            |s: &Array| lax::select_and_scatter_add(s, &operand, &g.0, &g.1, g.2.clone()),
            &source,
            1e-6,
            1e-7,
            1e-9,
        );
        let p = SelectAndGatherAdd {
            window_dimensions: g.0.iter().copied().collect(),
            window_strides: g.1.iter().copied().collect(),
            padding: g.2.iter().copied().collect(),
            base_dilation: [1, 2].into_iter().collect(),
            window_dilation: [1, 1].into_iter().collect(),
        };
        let t = rand(&mut rng, operand.shape());
        check_grads(
            |t: &Array| bind1(WindowOp::SelectAndGatherAdd(p.clone()), &[t, &operand]),
            &t,
            1e-6,
            1e-7,
            1e-9,
        );
    }
}

#[test]
fn window_batching_law() {
    let mut rng = Rng::new(32);
    let n = 2;
    for case in 0..9 {
        let kind = [
            WindowReduceKind::Sum,
            WindowReduceKind::Max,
            WindowReduceKind::Min,
        ][case % 3];
        let g = random_window(&mut rng, false);
        let shape = [3usize, 4];
        let bd = case % 3;
        let x = rand(&mut rng, &with_axis(&shape, bd, n));
        check_vmap(
            |v: &Vec<Array>| vec![reduce_window(&v[0], kind, &g)],
            &[x],
            &[Some(bd as isize)],
            (case % 2) as isize,
            "reduce_window",
        );
        let gc = random_window(&mut rng, true);
        let operand = rand(&mut rng, &shape);
        let grid = reduce_window(&operand, WindowReduceKind::Max, &gc)
            .shape()
            .to_vec();
        let f = |v: &Vec<Array>| {
            vec![lax::select_and_scatter_add(
                &v[0],
                &v[1],
                &gc.0,
                &gc.1,
                gc.2.clone(),
            )]
        };
        let (sa, oa) = (rng.range(0, 3) as usize, rng.range(0, 3) as usize);
        let srcb = rand(&mut rng, &with_axis(&grid, sa, n));
        let opb = rand(&mut rng, &with_axis(&shape, oa, n));
        check_vmap(
            f,
            &[srcb.clone(), operand.clone()],
            &[Some(sa as isize), None],
            1,
            "select_and_scatter_add source",
        );
        check_vmap(
            f,
            &[rand(&mut rng, &grid), opb.clone()],
            &[None, Some(oa as isize)],
            0,
            "select_and_scatter_add operand",
        );
        check_vmap(
            f,
            &[srcb, opb.clone()],
            &[Some(sa as isize), Some(oa as isize)],
            2,
            "select_and_scatter_add both",
        );
        let p = SelectAndGatherAdd {
            window_dimensions: gc.0.iter().copied().collect(),
            window_strides: gc.1.iter().copied().collect(),
            padding: gc.2.iter().copied().collect(),
            base_dilation: [1, 1].into_iter().collect(),
            window_dilation: [1, 1].into_iter().collect(),
        };
        let h = |v: &Vec<Array>| {
            vec![bind1(
                WindowOp::SelectAndGatherAdd(p.clone()),
                &[&v[0], &v[1]],
            )]
        };
        check_vmap(
            h,
            &[rand(&mut rng, &with_axis(&shape, oa, n)), opb],
            &[Some(oa as isize), Some(oa as isize)],
            0,
            "select_and_gather_add",
        );
    }
}

#[test]
fn compositions() {
    let mut rng = Rng::new(33);
    // grad of vmap: a gather with batched operand and indices.
    let c = &cases()[0];
    let xs = rand(&mut rng, &with_axis(&c.operand, 1, 2));
    let idx = jnp::concatenate(
        &[&c.indices.expand_dims(0), &ints(&[0, 1, 1, 3], &[1, 4, 1])],
        0,
    );
    let batched = vmap_with(
        |v: &(Array, Array)| c.gather(&v.0, &v.1),
        VmapSpec::default().in_axes(vec![Some(1), Some(0)]),
    );
    check_grads(
        |x: &Array| batched(&(x.clone(), idx.clone())),
        &xs,
        1e-6,
        1e-7,
        1e-9,
    );
    // grad of grad: f(x) = sum(x[idx]^3); c·grad f has derivative 6 x c at gathered rows.
    let x = rand(&mut rng, &c.operand);
    let ones = jnp::ones_like(&c.gather(&x, &c.indices));
    let f = |x: &Array| {
        let y = c.gather(x, &c.indices);
        contract_all(&ones, &(&(&y * &y) * &y))
    };
    let w = rand(&mut rng, &c.operand);
    let df = grad(f);
    check_grads(|x: &Array| contract_all(&w, &df(x)), &x, 1e-5, 1e-6, 1e-8);
    // vmap of grad: per-example max-pool gradients equal a loop.
    let imgs = rand(&mut rng, &[3, 1, 4, 4]);
    let wpool = rand(&mut rng, &[1, 2, 2]);
    let loss = |x: &Array| contract_all(&wpool, &lax::max_pool(x, &[2, 2], &[2, 2], "VALID"));
    let per = vmap(grad(loss))(&imgs);
    for i in 0..3 {
        let gi = grad(loss)(&ad_lanes::lane(&imgs, 0, i));
        assert_close(
            &ad_lanes::lane(&per, 0, i).to_vec::<f64>(),
            &gi.to_vec::<f64>(),
            0.0,
            0.0,
            "vmap of grad",
        );
    }
    // jit of grad equals grad (sort).
    let v = rand(&mut rng, &[5]);
    let wv = rand(&mut rng, &[5]);
    let sl = move |x: &Array| contract_all(&wv, &jnp::sort(x, 0));
    let g = grad(&sl)(&v);
    assert_close(
        &jit(grad(sl))(&v).to_vec::<f64>(),
        &g.to_vec::<f64>(),
        0.0,
        0.0,
        "jit of grad",
    );
}

#[test]
fn vmap_of_uniform_over_keys_equals_a_loop() {
    let keys = random::split(random::key(42), [4]);
    let draws =
        vmap(|k: &random::Key| random::uniform(k.clone(), [3], DType::F32, -1.0, 2.0))(&keys);
    assert_eq!(draws.shape(), &[4, 3]);
    for (i, k) in random::split_vec(random::key(42), 4)
        .into_iter()
        .enumerate()
    {
        let want = random::uniform(k, [3], DType::F32, -1.0, 2.0);
        assert_eq!(
            ad_lanes::lane(&draws, 0, i).to_vec::<f32>(),
            want.to_vec::<f32>(),
            "key {i}"
        );
    }
}

#[test]
fn threefry_batching_and_zero_tangents() {
    let mut rng = Rng::new(34);
    let u32s = |rng: &mut Rng, shape: &[usize]| {
        let v: Vec<u32> = (0..shape.iter().product::<usize>())
            .map(|_| rng.next_u64() as u32)
            .collect();
        Array::from_vec(v, shape.to_vec())
    };
    let f = |v: &Vec<Array>| bind(PrngOp::Threefry2x32, &[&v[0], &v[1], &v[2], &v[3]]);
    let args = [
        u32s(&mut rng, &[]),
        u32s(&mut rng, &[3, 2]),
        u32s(&mut rng, &[3, 2]),
        u32s(&mut rng, &[3]),
    ];
    check_vmap(
        f,
        &args,
        &[None, Some(1), Some(1), None],
        0,
        "threefry: scalar key word unbatched",
    );
    let args = [
        u32s(&mut rng, &[2]),
        u32s(&mut rng, &[]),
        u32s(&mut rng, &[2, 3]),
        u32s(&mut rng, &[3, 2]),
    ];
    check_vmap(
        f,
        &args,
        &[Some(0), None, Some(0), Some(1)],
        1,
        "threefry: mixed axes",
    );
    // A float function of the bits has zero derivative through them.
    let key = random::key(3);
    let g = grad(|x: &Array| {
        contract_all(x, &random::uniform(key.clone(), [2], DType::F64, 0.0, 1.0))
    })(&jnp::ones([2]).astype(DType::F64));
    assert_eq!(
        g.to_vec::<f64>(),
        random::uniform(key, [2], DType::F64, 0.0, 1.0).to_vec::<f64>()
    );
}

#[test]
fn make_jaxpr_prints_like_jax() {
    // Texts from jax.make_jaxpr (parity/literals_jaxpr.py; parameter lists JAX breaks over
    // several lines are joined with spaces). JAX's jnp.sort wraps lax.sort in a `jit`
    // equation; jnp::sort stages lax.sort's program.
    let g = Golden::load("literals_jaxpr");
    let want = g.section("gather_sort_window");
    let want = |key: &str| want[key].as_str().expect("a jaxpr").to_string();
    let x = jnp::ones([2, 3]).astype(DType::F64);
    let c = &cases()[0];
    let idx = ints(&[0, 1], &[2, 1]);
    let j = make_jaxpr(|x: &Array| {
        lax::gather(
            x,
            &idx,
            c.dn.clone(),
            &[1, 3],
            GatherScatterMode::PromiseInBounds,
            None,
        )
    })(&x);
    assert_eq!(j.to_string(), want("gather"));
    let window_max =
        |x: &Array| lax::reduce_window(x, WindowReduceKind::Max, &[1, 2], &[1, 1], "VALID");
    let j = make_jaxpr(window_max)(&x);
    assert_eq!(j.to_string(), want("reduce_window_max"));
    let w = jnp::ones([2, 2]).astype(DType::F64);
    let j = make_jaxpr(grad(|x: &Array| jnp::sum(&(&w * &window_max(x)), None)))(&x);
    assert_eq!(j.to_string(), want("grad_reduce_window_max"));
    let j = make_jaxpr(|x: &Array| jnp::sort(x, 1))(&x);
    assert_eq!(j.to_string(), want("sort"));
    g.assert_sections_read(&["gather_sort_window"]);
}
