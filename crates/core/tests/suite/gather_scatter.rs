//! `gather` and the `scatter` family against per-element reference loops written from XLA's
//! operation semantics, on random dimension numbers, shapes (including size-0/1 axes),
//! out-of-range indices, every dtype and transposed inputs.
use crate::common;

use common::{random_array, ravel, unravel, Rng};
use equinox_core::lax::{self, GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers};
use equinox_core::{numpy as jnp, Array, DType, ALL_DTYPES};

/// A random gather problem: operand shape, dimension numbers, slice sizes and indices.
struct Problem {
    operand_shape: Vec<usize>,
    dn: GatherDimensionNumbers,
    slice_sizes: Vec<usize>,
    indices: Vec<i64>,
    indices_shape: Vec<usize>,
    out_shape: Vec<usize>,
}

fn subset(rng: &mut Rng, items: &[usize]) -> Vec<usize> {
    items
        .iter()
        .copied()
        .filter(|_| rng.range(0, 2) == 1)
        .collect()
}

fn shuffled(rng: &mut Rng, mut v: Vec<usize>) -> Vec<usize> {
    for i in (1..v.len()).rev() {
        let j = rng.range(0, i as i64 + 1) as usize;
        v.swap(i, j);
    }
    v
}

fn random_problem(rng: &mut Rng, with_batching: bool) -> Problem {
    let rank = rng.range(1, 4) as usize;
    let operand_shape = rng.shape(rank, 4);
    let axes: Vec<usize> = (0..rank).collect();
    // Batching axes need a partner axis of the same size in the indices.
    let operand_batching: Vec<usize> = if with_batching {
        subset(rng, &axes)
    } else {
        vec![]
    };
    let rest: Vec<usize> = axes
        .iter()
        .copied()
        .filter(|a| !operand_batching.contains(a))
        .collect();
    let chosen = subset(rng, &rest);
    let start_index_map = shuffled(rng, chosen);
    // Collapsed axes need slice size 1, so only non-empty axes qualify.
    let collapsed: Vec<usize> = subset(rng, &rest)
        .into_iter()
        .filter(|&a| operand_shape[a] >= 1)
        .collect();
    let slice_sizes: Vec<usize> = (0..rank)
        .map(|a| {
            if collapsed.contains(&a) {
                1
            } else if operand_batching.contains(&a) {
                operand_shape[a].min(1)
            } else {
                rng.range(0, operand_shape[a] as i64 + 1) as usize
            }
        })
        .collect();
    let batch_rank = rng.range(
        operand_batching.len() as i64,
        operand_batching.len() as i64 + 3,
    ) as usize;
    let mut batch_shape = rng.shape(batch_rank, 3);
    let positions = shuffled(rng, (0..batch_rank).collect());
    let indices_batching: Vec<usize> = positions[..operand_batching.len()].to_vec();
    for (&o, &i) in operand_batching.iter().zip(&indices_batching) {
        batch_shape[i] = operand_shape[o];
    }
    let k = start_index_map.len();
    let mut indices_shape = batch_shape.clone();
    indices_shape.push(k);
    let n: usize = indices_shape.iter().product();
    let indices: Vec<i64> = (0..n)
        .map(|f| {
            let d = operand_shape[start_index_map[f % k.max(1)]] as i64;
            rng.range(-2, d + 2)
        })
        .collect();
    let window_axes: Vec<usize> = (0..rank)
        .filter(|a| !collapsed.contains(a) && !operand_batching.contains(a))
        .collect();
    let out_rank = batch_rank + window_axes.len();
    let offset_dims = {
        let mut p = shuffled(rng, (0..out_rank).collect())[..window_axes.len()].to_vec();
        p.sort_unstable();
        p
    };
    let mut w = window_axes.iter();
    let mut b = batch_shape.iter();
    let out_shape = (0..out_rank)
        .map(|i| {
            if offset_dims.contains(&i) {
                slice_sizes[*w.next().unwrap()]
            } else {
                *b.next().unwrap()
            }
        })
        .collect();
    Problem {
        operand_shape,
        dn: GatherDimensionNumbers {
            offset_dims: offset_dims.into_iter().collect(),
            collapsed_slice_dims: collapsed.into_iter().collect(),
            start_index_map: start_index_map.into_iter().collect(),
            operand_batching_dims: operand_batching.into_iter().collect(),
            start_indices_batching_dims: indices_batching.into_iter().collect(),
        },
        slice_sizes,
        indices,
        indices_shape,
        out_shape,
    }
}

/// XLA's per-element definition: the operand position of output element `out_idx`, or `None`
/// when its window is out of range and `clamp` is false.
fn operand_position(p: &Problem, out_idx: &[usize], clamp: bool) -> Option<Vec<usize>> {
    let rank = p.operand_shape.len();
    let dn = &p.dn;
    let batch: Vec<usize> = (0..out_idx.len())
        .filter(|i| !dn.offset_dims.contains(i))
        .map(|i| out_idx[i])
        .collect();
    let offsets: Vec<usize> = dn.offset_dims.iter().map(|&i| out_idx[i]).collect();
    let k = dn.start_index_map.len();
    let mut full_batch = batch.clone();
    full_batch.push(0);
    let base = ravel(&full_batch, &p.indices_shape);
    let mut start = vec![0i64; rank];
    for j in 0..k {
        let d = dn.start_index_map[j];
        let v = p.indices[base + j];
        let hi = (p.operand_shape[d] - p.slice_sizes[d]) as i64;
        if !clamp && !(0..=hi).contains(&v) {
            return None;
        }
        start[d] = v.clamp(0, hi);
    }
    for (&o, &i) in dn
        .operand_batching_dims
        .iter()
        .zip(&dn.start_indices_batching_dims)
    {
        start[o] = batch[i] as i64;
    }
    let mut off = offsets.iter();
    Some(
        (0..rank)
            .map(|a| {
                let w = if dn.collapsed_slice_dims.contains(&a)
                    || dn.operand_batching_dims.contains(&a)
                {
                    0
                } else {
                    *off.next().unwrap()
                };
                start[a] as usize + w
            })
            .collect(),
    )
}

fn default_fill(dtype: DType) -> f64 {
    match dtype {
        DType::Bool => 1.0,
        // Integers fill with iinfo.min (signed) or iinfo.max (unsigned), as JAX.
        d if d.is_signed_integer() => jnp::iinfo(d).min as f64,
        d if d.is_unsigned_integer() => jnp::iinfo(d).max as f64,
        _ => f64::NAN,
    }
}

fn indices_array(p: &Problem, dtype: DType) -> Array {
    Array::from_vec(p.indices.clone(), p.indices_shape.clone()).astype(dtype)
}

fn check_gather(seed: u64, with_batching: bool) {
    let mut rng = Rng::new(seed);
    for t in 0..180 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let p = random_problem(&mut rng, with_batching);
        let rev: Vec<usize> = p.operand_shape.iter().rev().copied().collect();
        let x = random_array(&mut rng, &rev, dtype).t();
        let idx = indices_array(&p, [DType::I32, DType::I64][t % 2]);
        let xv = x.to_vec::<f64>();
        for mode in [
            GatherScatterMode::Clip,
            GatherScatterMode::FillOrDrop,
            GatherScatterMode::PromiseInBounds,
        ] {
            let fill = if t % 3 == 0 { Some(7.0) } else { None };
            let y = lax::gather(&x, &idx, p.dn.clone(), &p.slice_sizes, mode, fill);
            assert_eq!(y.shape(), &p.out_shape[..], "gather shape {:?}", p.dn);
            assert_eq!(y.dtype(), dtype);
            let fill_v = fill.map_or(default_fill(dtype), |f| {
                Array::from(f).astype(dtype).item::<f64>()
            });
            let want: Vec<f64> = (0..y.size())
                .map(|f| {
                    let o = unravel(f, &p.out_shape);
                    match operand_position(&p, &o, mode != GatherScatterMode::FillOrDrop) {
                        Some(i) => xv[ravel(&i, &p.operand_shape)],
                        None => fill_v,
                    }
                })
                .collect();
            common::assert_close(
                &y.to_vec::<f64>(),
                &want,
                0.0,
                0.0,
                &format!("gather {mode:?} {:?}", p.dn),
            );
        }
    }
}

#[test]
fn gather_matches_xla_semantics() {
    check_gather(20, false);
}

#[test]
fn gather_with_batching_dims_matches_xla_semantics() {
    check_gather(21, true);
}

/// Reads a gather problem as a scatter one: the gather output shape is the updates' shape.
fn scatter_dnums(p: &Problem) -> ScatterDimensionNumbers {
    ScatterDimensionNumbers {
        update_window_dims: p.dn.offset_dims.clone(),
        inserted_window_dims: p.dn.collapsed_slice_dims.clone(),
        scatter_dims_to_operand_dims: p.dn.start_index_map.clone(),
        operand_batching_dims: p.dn.operand_batching_dims.clone(),
        scatter_indices_batching_dims: p.dn.start_indices_batching_dims.clone(),
    }
}

fn check_scatter(seed: u64, with_batching: bool) {
    let mut rng = Rng::new(seed);
    let kinds = ["set", "add", "mul", "min", "max"];
    for t in 0..150 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let kind = kinds[(t / ALL_DTYPES.len()) % kinds.len()];
        if dtype == DType::Bool && (kind == "add" || kind == "mul") {
            continue;
        }
        let p = random_problem(&mut rng, with_batching);
        let rev: Vec<usize> = p.operand_shape.iter().rev().copied().collect();
        let x = random_array(&mut rng, &rev, dtype).t();
        let urev: Vec<usize> = p.out_shape.iter().rev().copied().collect();
        let u = random_array(&mut rng, &urev, dtype).t();
        let idx = indices_array(&p, DType::I32);
        let uv = u.to_vec::<f64>();
        for mode in [GatherScatterMode::Clip, GatherScatterMode::FillOrDrop] {
            let f = match kind {
                "set" => lax::scatter,
                "add" => lax::scatter_add,
                "mul" => lax::scatter_mul,
                "min" => lax::scatter_min,
                _ => lax::scatter_max,
            };
            let y = f(&x, &idx, &u, scatter_dnums(&p), mode);
            assert_eq!(y.shape(), &p.operand_shape[..]);
            let mut want = x.to_vec::<f64>();
            for (e, &v) in uv.iter().enumerate() {
                let o = unravel(e, &p.out_shape);
                if let Some(i) = operand_position(&p, &o, mode == GatherScatterMode::Clip) {
                    let at = ravel(&i, &p.operand_shape);
                    want[at] = if dtype == DType::Bool {
                        match kind {
                            "set" => v,
                            "min" => want[at].min(v),
                            _ => want[at].max(v),
                        }
                    } else {
                        common::scatter_combine(kind, dtype, want[at], v)
                    };
                }
            }
            common::assert_close(
                &y.to_vec::<f64>(),
                &want,
                0.0,
                0.0,
                &format!("scatter-{kind} {dtype:?} {mode:?} {:?}", p.dn),
            );
        }
    }
}

#[test]
fn scatter_family_matches_xla_semantics() {
    check_scatter(30, false);
}

#[test]
fn scatter_family_with_batching_dims_matches_xla_semantics() {
    check_scatter(31, true);
}

#[test]
fn scatter_add_accumulates_duplicates_and_set_keeps_the_last() {
    let x = jnp::zeros([4]);
    let idx = Array::from_vec(vec![1i32, 3, 1, 1], [4, 1]);
    let u = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [4]);
    let dn = ScatterDimensionNumbers {
        inserted_window_dims: [0].into_iter().collect(),
        scatter_dims_to_operand_dims: [0].into_iter().collect(),
        ..Default::default()
    };
    let add = lax::scatter_add(&x, &idx, &u, dn.clone(), GatherScatterMode::FillOrDrop);
    assert_eq!(add.to_vec::<f32>(), vec![0.0, 8.0, 0.0, 2.0]);
    let set = lax::scatter(&x, &idx, &u, dn, GatherScatterMode::FillOrDrop);
    assert_eq!(set.to_vec::<f32>(), vec![0.0, 4.0, 0.0, 2.0]);
}

#[test]
fn float_scatter_min_max_propagate_nan() {
    let x = Array::from_vec(vec![1.0f32, f32::NAN, 3.0], [3]);
    let idx = Array::from_vec(vec![0i32, 2], [2, 1]);
    let u = Array::from_vec(vec![f32::NAN, 5.0], [2]);
    let dn = ScatterDimensionNumbers {
        inserted_window_dims: [0].into_iter().collect(),
        scatter_dims_to_operand_dims: [0].into_iter().collect(),
        ..Default::default()
    };
    let y = lax::scatter_max(&x, &idx, &u, dn, GatherScatterMode::Clip).to_vec::<f32>();
    assert!(y[0].is_nan() && y[1].is_nan());
    assert_eq!(y[2], 5.0);
}

fn simple_gather_dn() -> GatherDimensionNumbers {
    GatherDimensionNumbers {
        offset_dims: [1].into_iter().collect(),
        collapsed_slice_dims: [0].into_iter().collect(),
        start_index_map: [0].into_iter().collect(),
        ..Default::default()
    }
}

#[test]
#[should_panic(
    expected = "gather: start_index_map [0] has 1 entries but the index vectors (last axis of indices) have length 2"
)]
fn gather_rejects_index_vector_length_mismatch() {
    let x = jnp::zeros([3, 4]);
    let idx = Array::from_vec(vec![0i32, 1], [1, 2]);
    lax::gather(
        &x,
        &idx,
        simple_gather_dn(),
        &[1, 4],
        GatherScatterMode::Clip,
        None,
    );
}

#[test]
#[should_panic(expected = "gather: collapsed axis 0 must have slice size 1, got 2")]
fn gather_rejects_collapsing_wide_slices() {
    let x = jnp::zeros([3, 4]);
    let idx = Array::from_vec(vec![0i32], [1, 1]);
    lax::gather(
        &x,
        &idx,
        simple_gather_dn(),
        &[2, 4],
        GatherScatterMode::Clip,
        None,
    );
}

#[test]
#[should_panic(expected = "gather: slice_sizes [1, 5] must have one entry per operand axis")]
fn gather_rejects_oversized_slices() {
    let x = jnp::zeros([3, 4]);
    let idx = Array::from_vec(vec![0i32], [1, 1]);
    lax::gather(
        &x,
        &idx,
        simple_gather_dn(),
        &[1, 5],
        GatherScatterMode::Clip,
        None,
    );
}

#[test]
#[should_panic(expected = "gather: indices must be an integer array")]
fn gather_rejects_float_indices() {
    let x = jnp::zeros([3, 4]);
    let idx = Array::from_vec(vec![0.0f32], [1, 1]);
    lax::gather(
        &x,
        &idx,
        simple_gather_dn(),
        &[1, 4],
        GatherScatterMode::Clip,
        None,
    );
}

#[test]
#[should_panic(expected = "scatter-add: updates must have the operand's dtype")]
fn scatter_rejects_mismatched_update_dtype() {
    let x = jnp::zeros([3]);
    let idx = Array::from_vec(vec![0i32], [1, 1]);
    let dn = ScatterDimensionNumbers {
        inserted_window_dims: [0].into_iter().collect(),
        scatter_dims_to_operand_dims: [0].into_iter().collect(),
        ..Default::default()
    };
    lax::scatter_add(
        &x,
        &idx,
        &Array::from_vec(vec![1i32], [1]),
        dn,
        GatherScatterMode::Clip,
    );
}

#[test]
#[should_panic(expected = "scatter: the batch axes of the updates must match")]
fn scatter_rejects_mismatched_update_batch() {
    let x = jnp::zeros([3]);
    let idx = Array::from_vec(vec![0i32, 1], [2, 1]);
    let dn = ScatterDimensionNumbers {
        inserted_window_dims: [0].into_iter().collect(),
        scatter_dims_to_operand_dims: [0].into_iter().collect(),
        ..Default::default()
    };
    lax::scatter(&x, &idx, &jnp::zeros([3]), dn, GatherScatterMode::Clip);
}

#[test]
#[should_panic(expected = "scatter-mul: expected an integer or float operand")]
fn scatter_mul_rejects_bool() {
    let x = jnp::full([3], false);
    let idx = Array::from_vec(vec![0i32], [1, 1]);
    let dn = ScatterDimensionNumbers {
        inserted_window_dims: [0].into_iter().collect(),
        scatter_dims_to_operand_dims: [0].into_iter().collect(),
        ..Default::default()
    };
    lax::scatter_mul(
        &x,
        &idx,
        &Array::from_vec(vec![true], [1]),
        dn,
        GatherScatterMode::Clip,
    );
}
