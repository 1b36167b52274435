//! Transformation rules of the slicing primitives (`slice`, `dynamic_slice`,
//! `dynamic_update_slice`, `pad`, `concatenate`): gradients against finite differences and the
//! vjp/jvp dot-product test (`check_grads`, float64, random shapes, bounds, start indices in
//! and out of range, negative padding), exact values, the batching law with batched and
//! unbatched operands and indices (batched indices become gather/scatter), compositions and
//! `make_jaxpr` printing against JAX's text (`parity/literals_jaxpr.py`).
use crate::ad_support;
use crate::common;

use ad_support::*;
use common::*;
use equinox_core::prims::bind1;
use equinox_core::prims::slicing::{PadConfig, Sizes, SlicingOp};
use equinox_core::transforms::{check_grads, grad, make_jaxpr};
use equinox_core::{Array, DType};
use equinox_testing::Golden;

/// What an input of a case is: a float array, or a 0-d start index drawn from `lo..hi`.
#[derive(Clone, Copy)]
enum Kind {
    Float,
    Index(i64, i64),
}

struct Case {
    name: String,
    f: Box<Fun<'static>>,
    inputs: Vec<(Vec<usize>, Kind)>,
}

/// An input of `kind` with `shape` (a start index gets the batch shape only).
fn make_input(rng: &mut Rng, shape: &[usize], kind: Kind) -> Array {
    match kind {
        Kind::Float => {
            let x = f64_array(rng, shape);
            relayout(rng, &x)
        }
        Kind::Index(lo, hi) => {
            let n: usize = shape.iter().product();
            let v: Vec<i32> = (0..n).map(|_| rng.range(lo, hi) as i32).collect();
            Array::from_vec(v, shape.to_vec())
        }
    }
}

fn slice_case(rng: &mut Rng, nonempty: bool) -> Case {
    let nd = rng.range(1, 4) as usize;
    let s = if nonempty {
        rng.nonempty_shape(nd, 5)
    } else {
        rng.shape(nd, 5)
    };
    let mut start = Sizes::new();
    let mut limit = Sizes::new();
    let mut strides = Sizes::new();
    for &d in &s {
        let a = rng.range(0, d as i64 + 1) as usize;
        let b = rng.range(a as i64, d as i64 + 1) as usize;
        let b = if nonempty && a == b && a < d {
            b + 1
        } else {
            b
        };
        start.push(a);
        limit.push(b);
        strides.push(rng.range(1, 4) as usize);
    }
    let op = SlicingOp::Slice {
        start_indices: start.clone(),
        limit_indices: limit.clone(),
        strides: strides.clone(),
    };
    Case {
        name: format!("slice {s:?} [{start:?}:{limit:?}:{strides:?}]"),
        f: Box::new(move |v: &Vec<Array>| bind1(op.clone(), &[&v[0]])),
        inputs: vec![(s, Kind::Float)],
    }
}

/// A random window size per axis and start indices from a little before 0 to a little past the
/// end (clamped by the primitive).
fn window(rng: &mut Rng, s: &[usize]) -> (Sizes, Vec<(i64, i64)>) {
    let sizes: Sizes = s
        .iter()
        .map(|&d| rng.range(0, d as i64 + 1) as usize)
        .collect();
    let ranges = s.iter().map(|&d| (-2, d as i64 + 2)).collect();
    (sizes, ranges)
}

/// `dynamic_slice` with the start indices as inputs (so vmap can batch them).
fn dynamic_slice_case(rng: &mut Rng) -> Case {
    let nd = rng.range(1, 4) as usize;
    let s = rng.nonempty_shape(nd, 4);
    let (sizes, ranges) = window(rng, &s);
    let op = SlicingOp::DynamicSlice {
        slice_sizes: sizes.clone(),
    };
    let mut inputs = vec![(s.clone(), Kind::Float)];
    inputs.extend(ranges.iter().map(|&(lo, hi)| (vec![], Kind::Index(lo, hi))));
    Case {
        name: format!("dynamic_slice {s:?} sizes {sizes:?}"),
        f: Box::new(move |v: &Vec<Array>| {
            let args: Vec<&Array> = v.iter().collect();
            bind1(op.clone(), &args)
        }),
        inputs,
    }
}

/// `dynamic_update_slice` with operand, update and start indices as inputs.
fn dynamic_update_slice_case(rng: &mut Rng) -> Case {
    let nd = rng.range(1, 4) as usize;
    let s = rng.nonempty_shape(nd, 4);
    let (sizes, ranges) = window(rng, &s);
    let mut inputs = vec![(s.clone(), Kind::Float), (sizes.to_vec(), Kind::Float)];
    inputs.extend(ranges.iter().map(|&(lo, hi)| (vec![], Kind::Index(lo, hi))));
    Case {
        name: format!("dynamic_update_slice {s:?} update {sizes:?}"),
        f: Box::new(move |v: &Vec<Array>| {
            let args: Vec<&Array> = v.iter().collect();
            bind1(SlicingOp::DynamicUpdateSlice, &args)
        }),
        inputs,
    }
}

fn pad_case(rng: &mut Rng) -> Case {
    let nd = rng.range(0, 4) as usize;
    let s = rng.shape(nd, 4);
    let config: Vec<PadConfig> = s
        .iter()
        .map(|&d| {
            let interior = rng.range(0, 3);
            let size = d as i64 + (d as i64 - 1).max(0) * interior;
            // Negative low/high padding crops, but never below an empty axis.
            let lo = rng.range(-2, 3).max(-size);
            let hi = rng.range(-2, 3).max(-(size + lo));
            (lo, hi, interior)
        })
        .collect();
    let op = SlicingOp::Pad {
        padding_config: config.iter().copied().collect(),
    };
    Case {
        name: format!("pad {s:?} by {config:?}"),
        f: Box::new(move |v: &Vec<Array>| bind1(op.clone(), &[&v[0], &v[1]])),
        inputs: vec![(s, Kind::Float), (vec![], Kind::Float)],
    }
}

fn concatenate_case(rng: &mut Rng) -> Case {
    let nd = rng.range(1, 4) as usize;
    let s = rng.shape(nd, 3);
    let dimension = rng.range(0, nd as i64) as usize;
    let k = rng.range(1, 4) as usize;
    let inputs: Vec<(Vec<usize>, Kind)> = (0..k)
        .map(|_| {
            let mut si = s.clone();
            si[dimension] = rng.range(0, 4) as usize;
            (si, Kind::Float)
        })
        .collect();
    let shapes: Vec<&Vec<usize>> = inputs.iter().map(|i| &i.0).collect();
    Case {
        name: format!("concatenate {shapes:?} along {dimension}"),
        f: Box::new(move |v: &Vec<Array>| {
            let args: Vec<&Array> = v.iter().collect();
            bind1(SlicingOp::Concatenate { dimension }, &args)
        }),
        inputs,
    }
}

fn all_cases(rng: &mut Rng) -> Vec<Case> {
    vec![
        slice_case(rng, false),
        dynamic_slice_case(rng),
        dynamic_update_slice_case(rng),
        pad_case(rng),
        concatenate_case(rng),
    ]
}

fn inputs(rng: &mut Rng, c: &Case) -> Vec<Array> {
    c.inputs
        .iter()
        .map(|(s, k)| make_input(rng, s, *k))
        .collect()
}

#[test]
fn gradients_of_slicing_primitives() {
    let mut rng = Rng::new(11);
    for _ in 0..15 {
        for c in all_cases(&mut rng) {
            let xs = inputs(&mut rng, &c);
            check_grads(&*c.f, &xs, 1e-6, 1e-6, 1e-8);
        }
    }
}

#[test]
fn batching_law_with_mapped_and_unmapped_operands() {
    let mut rng = Rng::new(12);
    for _ in 0..15 {
        for c in all_cases(&mut rng) {
            let n = rng.range(1, 4) as usize;
            for _ in 0..3 {
                // Each input mapped at 0, in the middle, last (-1), or not at all; at least one
                // is mapped.
                let mut axes: Vec<Option<isize>> = Vec::new();
                let mut xs = Vec::new();
                for (i, (s, k)) in c.inputs.iter().enumerate() {
                    let mut choice = rng.range(0, 4);
                    if i + 1 == c.inputs.len() && axes.iter().all(Option::is_none) {
                        choice = 0;
                    }
                    let (axis, signed) = match choice {
                        0 => (Some(0), Some(0)),
                        1 => {
                            let a = s.len().div_ceil(2);
                            (Some(a), Some(a as isize))
                        }
                        2 => (Some(s.len()), Some(-1)),
                        _ => (None, None),
                    };
                    axes.push(signed);
                    xs.push(make_input(&mut rng, &with_batch(s, axis, n), *k));
                }
                for out_axis in [0, -1] {
                    check_vmap(
                        &*c.f,
                        &xs,
                        &axes,
                        out_axis,
                        &format!("{} (in {axes:?}, out {out_axis})", c.name),
                    );
                }
            }
        }
    }
}

/// `pad` with a constant padding value: only the operand is an input.
fn pad_operand_case(rng: &mut Rng) -> Case {
    let c = pad_case(rng);
    let value = Array::scalar(rng.uniform());
    let f = c.f;
    Case {
        name: c.name,
        f: Box::new(move |v: &Vec<Array>| f(&vec![v[0].clone(), value.clone()])),
        inputs: c.inputs[..1].to_vec(),
    }
}

/// Cases whose start indices are fixed constants, so that every input is differentiable.
fn constant_index_cases(rng: &mut Rng) -> Vec<Case> {
    let mut out = vec![
        slice_case(rng, true),
        pad_operand_case(rng),
        concatenate_case(rng),
    ];
    for c in [dynamic_slice_case(rng), dynamic_update_slice_case(rng)] {
        let floats = c
            .inputs
            .iter()
            .filter(|(_, k)| matches!(k, Kind::Float))
            .count();
        let idx: Vec<Array> = c.inputs[floats..]
            .iter()
            .map(|(s, k)| make_input(rng, s, *k))
            .collect();
        let f = c.f;
        out.push(Case {
            name: format!(
                "{} at {:?}",
                c.name,
                idx.iter().map(|i| i.item::<i32>()).collect::<Vec<_>>()
            ),
            f: Box::new(move |v: &Vec<Array>| {
                let mut all = v.clone();
                all.extend(idx.iter().cloned());
                f(&all)
            }),
            inputs: c.inputs[..floats].to_vec(),
        });
    }
    out
}

#[test]
fn compositions_of_slicing_primitives() {
    let mut rng = Rng::new(13);
    for _ in 0..3 {
        for c in constant_index_cases(&mut rng) {
            let xs = inputs(&mut rng, &c);
            check_compositions(&*c.f, &xs, &mut rng, &c.name);
        }
    }
}

/// The padding value's cotangent is `sum(ct) - sum(ct_operand)` (JAX's rule); differentiating
/// that again transposes `sub`, which needs `neg`'s rule from the unary family.
#[test]
fn compositions_of_pad_in_its_padding_value() {
    let mut rng = Rng::new(15);
    for _ in 0..3 {
        let c = pad_case(&mut rng);
        let xs = inputs(&mut rng, &c);
        check_compositions(&*c.f, &xs, &mut rng, &c.name);
    }
}

/// Differentiating vmapped dynamic slices with batched indices goes through gather/scatter,
/// whose rules belong to the gather/scatter family.
#[test]
fn gradients_through_batched_start_indices() {
    let mut rng = Rng::new(14);
    for _ in 0..5 {
        for c in [
            dynamic_slice_case(&mut rng),
            dynamic_update_slice_case(&mut rng),
        ] {
            let n = 3;
            let floats = c
                .inputs
                .iter()
                .filter(|(_, k)| matches!(k, Kind::Float))
                .count();
            let idx: Vec<Array> = c.inputs[floats..]
                .iter()
                .map(|(_, k)| make_input(&mut rng, &[n], *k))
                .collect();
            let xs: Vec<Array> = c.inputs[..floats]
                .iter()
                .map(|(s, k)| make_input(&mut rng, &with_batch(s, Some(0), n), *k))
                .collect();
            let f = &c.f;
            let batched = |v: &Vec<Array>| {
                let mut all = v.clone();
                all.extend(idx.iter().cloned());
                equinox_core::transforms::vmap(|u: &Vec<Array>| f(u))(&all)
            };
            check_grads(batched, &xs, 1e-6, 1e-6, 1e-8);
        }
    }
}

fn vec1(v: &[f64]) -> Array {
    Array::from_vec(v.to_vec(), [v.len()])
}

#[test]
fn exact_gradients() {
    // dynamic_slice at 5 in a length-4 array is clamped to start 2.
    let ds = SlicingOp::DynamicSlice {
        slice_sizes: Sizes::from_slice(&[2]),
    };
    let w = vec1(&[1.0, 2.0]);
    let g = grad(|x: &Array| (&bind1(ds.clone(), &[x, &Array::scalar(5i32)]) * &w).sum(None))(
        &vec1(&[0.0; 4]),
    );
    assert_eq!(g.to_vec::<f64>(), vec![0.0, 0.0, 1.0, 2.0]);
    // dynamic_update_slice: the operand's gradient is the cotangent with the window zeroed,
    // the update's is the window (start -1 clamps to 0).
    let w4 = vec1(&[1.0, 2.0, 3.0, 4.0]);
    let gs = grad(|(x, u): &(Array, Array)| {
        (&bind1(
            SlicingOp::DynamicUpdateSlice,
            &[x, u, &Array::scalar(-1i32)],
        ) * &w4)
            .sum(None)
    })(&(vec1(&[0.0; 4]), vec1(&[0.0; 2])));
    assert_eq!(gs.0.to_vec::<f64>(), vec![0.0, 0.0, 3.0, 4.0]);
    assert_eq!(gs.1.to_vec::<f64>(), vec![1.0, 2.0]);
    // pad: the padding value's gradient counts the padded positions; with negative padding
    // the cropped elements get none.
    let pad = |config: Vec<PadConfig>| SlicingOp::Pad {
        padding_config: config.into_iter().collect(),
    };
    let p = pad(vec![(1, 2, 1)]);
    let gs = grad(|(x, v): &(Array, Array)| bind1(p.clone(), &[x, v]).sum(None))(&(
        vec1(&[1.0; 3]),
        Array::scalar(0.0f64),
    ));
    assert_eq!(gs.0.to_vec::<f64>(), vec![1.0; 3]);
    assert_eq!(gs.1.item::<f64>(), 5.0);
    let p = pad(vec![(-1, 1, 0)]);
    let gs = grad(|(x, v): &(Array, Array)| {
        (&bind1(p.clone(), &[x, v]) * &vec1(&[1.0, 2.0, 3.0])).sum(None)
    })(&(vec1(&[1.0; 3]), Array::scalar(0.0f64)));
    assert_eq!(gs.0.to_vec::<f64>(), vec![0.0, 1.0, 2.0]);
    assert_eq!(gs.1.item::<f64>(), 3.0);
    // slice with a stride: the cotangent lands on every other element.
    let sl = SlicingOp::Slice {
        start_indices: Sizes::from_slice(&[1]),
        limit_indices: Sizes::from_slice(&[6]),
        strides: Sizes::from_slice(&[2]),
    };
    let g = grad(|x: &Array| (&bind1(sl.clone(), &[x]) * &vec1(&[1.0, 2.0, 3.0])).sum(None))(
        &vec1(&[0.0; 7]),
    );
    assert_eq!(g.to_vec::<f64>(), vec![0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0]);
}

#[test]
fn integer_operands_have_zero_tangents() {
    let x = Array::from_vec(vec![1i32, 2, 3, 4], [4]);
    let op = SlicingOp::Concatenate { dimension: 0 };
    let (y, dy) = equinox_core::transforms::jvp(|x: &Array| bind1(op.clone(), &[x, x]), &x, &x);
    assert_eq!(y.to_vec::<i32>(), vec![1, 2, 3, 4, 1, 2, 3, 4]);
    assert_eq!(dy.to_vec::<i32>(), vec![0; 8]);
    assert_eq!(dy.dtype(), DType::I32);
}

#[test]
fn jaxprs_print_as_in_jax() {
    // Texts from jax.make_jaxpr on f32[2,3,1] with the primitives bound directly
    // (parity/literals_jaxpr.py).
    let g = Golden::load("literals_jaxpr");
    let want = g.section("slicing");
    let want = |key: &str| want[key].as_str().expect("a jaxpr").to_string();
    let x = Array::from_vec(vec![1.0f32; 6], [2, 3, 1]);
    let pad = SlicingOp::Pad {
        padding_config: [(1, 2, 0), (0, -1, 1), (0, 0, 0)].into_iter().collect(),
    };
    let j = make_jaxpr(|x: &Array| bind1(pad.clone(), &[x, &Array::scalar(0.0f32)]))(&x);
    assert_eq!(j.to_string(), want("pad"));
    let j = make_jaxpr(|x: &Array| bind1(SlicingOp::Concatenate { dimension: 1 }, &[x, x]))(&x);
    assert_eq!(j.to_string(), want("concatenate"));
    let ds = SlicingOp::DynamicSlice {
        slice_sizes: Sizes::from_slice(&[1, 2, 1]),
    };
    let j = make_jaxpr(|(x, i): &(Array, Array)| bind1(ds.clone(), &[x, i, i, i]))(&(
        x.clone(),
        Array::scalar(1i64),
    ));
    assert_eq!(j.to_string(), want("dynamic_slice"));
    let u = Array::from_vec(vec![1.0f32; 2], [1, 2, 1]);
    let j = make_jaxpr(|(x, u, i): &(Array, Array, Array)| {
        bind1(SlicingOp::DynamicUpdateSlice, &[x, u, i, i, i])
    })(&(x.clone(), u, Array::scalar(1i64)));
    assert_eq!(j.to_string(), want("dynamic_update_slice"));
    g.assert_sections_read(&["slicing"]);
}
