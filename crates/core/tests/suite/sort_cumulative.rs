//! The `sort`, `top_k` and cumulative primitives and their numpy-level wrappers against naive
//! references written with plain loops.
use crate::common;

use common::{random_array, ravel, unravel, Rng, FLOAT_DTYPES, INT_DTYPES};
use equinox_core::numpy::{self as jnp, Side};
use equinox_core::prims::bind;
use equinox_core::prims::cumulative::{CumulativeKind, CumulativeOp};
use equinox_core::prims::sort::SortOp;
use equinox_core::{Array, DType};
use equinox_testing::golden::encoded;
use equinox_testing::{assert_close, Golden, Tolerance};
use serde_json::Value;
use std::cmp::Ordering;

/// `lax.sort`'s order on f64 values: NaNs last and equal, -0 == +0.
fn sort_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).expect("no NaN"),
    }
}

/// Random data with ties, NaNs, signed zeros and infinities for float dtypes.
fn tricky_array(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let specials = [
        f64::NAN,
        -f64::NAN,
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let v: Vec<f64> = (0..n)
        .map(|_| {
            if dtype.is_float() && rng.range(0, 5) == 0 {
                specials[rng.range(0, 6) as usize]
            } else if dtype == DType::Bool {
                rng.range(0, 2) as f64
            } else if dtype.is_unsigned_integer() {
                rng.range(0, 6) as f64
            } else {
                rng.range(-3, 3) as f64
            }
        })
        .collect();
    Array::from_vec(v, shape.to_vec()).astype(dtype)
}

/// A non-contiguous view: build the transpose's data, then transpose it back.
fn via_transpose(x: &Array) -> Array {
    if x.ndim() < 2 {
        return x.clone();
    }
    let perm: Vec<isize> = (0..x.ndim() as isize).rev().collect();
    x.transpose(&perm).transpose(&perm)
}

/// Naive stable sort of every lane along `axis`, returning (sorted values, source indices).
fn naive_sort(x: &[f64], shape: &[usize], axis: usize) -> (Vec<f64>, Vec<i64>) {
    let mut out = x.to_vec();
    let mut idx = vec![0i64; x.len()];
    for flat in 0..x.len() {
        let pos = unravel(flat, shape);
        if pos[axis] != 0 {
            continue;
        }
        let lane: Vec<usize> = (0..shape[axis])
            .map(|j| {
                let mut p = pos.clone();
                p[axis] = j;
                ravel(&p, shape)
            })
            .collect();
        let mut order: Vec<usize> = (0..lane.len()).collect();
        order.sort_by(|&a, &b| sort_cmp(x[lane[a]], x[lane[b]]));
        for (j, &o) in order.iter().enumerate() {
            out[lane[j]] = x[lane[o]];
            idx[lane[j]] = o as i64;
        }
    }
    (out, idx)
}

fn same_f64(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| (x.is_nan() && y.is_nan()) || (x == y))
}

#[test]
fn sort_and_argsort_match_a_naive_stable_sort() {
    let mut rng = Rng::new(11);
    let dtypes: Vec<DType> = FLOAT_DTYPES
        .iter()
        .chain(INT_DTYPES.iter())
        .copied()
        .chain([DType::Bool])
        .collect();
    for trial in 0..60 {
        let dtype = dtypes[trial % dtypes.len()];
        let nd = rng.range(1, 4) as usize;
        let shape = rng.shape(nd, 6);
        let axis = rng.range(0, nd as i64) as usize;
        let x = tricky_array(&mut rng, &shape, dtype);
        let x = if trial % 2 == 0 { via_transpose(&x) } else { x };
        let (want, want_idx) = naive_sort(&x.to_vec::<f64>(), &shape, axis);
        let got = jnp::sort(&x, axis as i32);
        assert_eq!(got.dtype(), dtype);
        assert_eq!(got.shape(), &shape[..]);
        assert!(
            same_f64(&got.to_vec::<f64>(), &want),
            "sort {dtype} {shape:?} axis {axis}"
        );
        let idx = jnp::argsort(&x, axis as i32);
        assert_eq!(idx.dtype(), DType::I32);
        assert_eq!(idx.to_vec::<i64>(), want_idx, "argsort {dtype} {shape:?}");
    }
}

#[test]
fn sort_orders_signed_zeros_as_equal_and_nans_last() {
    let x = Array::from_vec(
        vec![0.0f32, -0.0, f32::NAN, -f32::NAN, f32::NEG_INFINITY, 1.0],
        [6],
    );
    // jnp.argsort gives [4, 0, 1, 5, 2, 3]: ±0 tie (stable), both NaNs after 1.0.
    assert_eq!(jnp::argsort(&x, 0).to_vec::<i32>(), vec![4, 0, 1, 5, 2, 3]);
    assert_eq!(
        jnp::argsort(&x, None).to_vec::<i32>(),
        vec![4, 0, 1, 5, 2, 3]
    );
}

#[test]
fn multi_key_sort_breaks_ties_with_the_second_key_and_carries_payloads() {
    let mut rng = Rng::new(5);
    let n = 40;
    let k1: Vec<i32> = (0..n).map(|_| rng.range(0, 4) as i32).collect();
    let k2: Vec<f32> = (0..n).map(|_| rng.range(0, 3) as f32).collect();
    let payload: Vec<u32> = (0..n as u32).collect();
    let outs = bind(
        SortOp::Sort {
            dimension: 0,
            is_stable: true,
            num_keys: 2,
        },
        &[
            &Array::from_vec(k1.clone(), [n]),
            &Array::from_vec(k2.clone(), [n]),
            &Array::from_vec(payload, [n]),
        ],
    );
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| k1[a].cmp(&k1[b]).then(k2[a].total_cmp(&k2[b])));
    assert_eq!(
        outs[2].to_vec::<u32>(),
        order.iter().map(|&i| i as u32).collect::<Vec<_>>()
    );
    assert_eq!(
        outs[0].to_vec::<i32>(),
        order.iter().map(|&i| k1[i]).collect::<Vec<_>>()
    );
}

/// IEEE totalOrder rank of an f64 (for the top_k reference).
fn total_key(v: f64) -> i64 {
    let b = v.to_bits() as i64;
    if b < 0 {
        !(b & i64::MAX)
    } else {
        b
    }
}

#[test]
fn top_k_matches_a_naive_selection() {
    let mut rng = Rng::new(21);
    let dtypes = [
        DType::F32,
        DType::F16,
        DType::BF16,
        DType::F64,
        DType::I32,
        DType::U8,
        DType::I64,
    ];
    for trial in 0..40 {
        let dtype = dtypes[trial % dtypes.len()];
        let nd = rng.range(1, 4) as usize;
        let shape = rng.shape(nd, 6);
        let n = shape[nd - 1];
        let k = rng.range(0, n as i64 + 1) as usize;
        let x = tricky_array(&mut rng, &shape, dtype);
        let x = if trial % 2 == 0 { via_transpose(&x) } else { x };
        let (vals, idx) = jnp::top_k(&x, k);
        let mut oshape = shape.clone();
        oshape[nd - 1] = k;
        assert_eq!(vals.shape(), &oshape[..]);
        assert_eq!(idx.dtype(), DType::I32);
        let xv = x.to_vec::<f64>();
        let rows = xv.len().checked_div(n).unwrap_or(0);
        let mut want_idx = vec![];
        let mut want_val = vec![];
        for r in 0..rows {
            let row = &xv[r * n..(r + 1) * n];
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| total_key(row[b]).cmp(&total_key(row[a])).then(a.cmp(&b)));
            for &o in &order[..k] {
                want_idx.push(o as i64);
                want_val.push(row[o]);
            }
        }
        assert_eq!(
            idx.to_vec::<i64>(),
            want_idx,
            "top_k {dtype} {shape:?} k={k}"
        );
        assert!(same_f64(&vals.to_vec::<f64>(), &want_val));
    }
}

#[test]
fn top_k_uses_total_order_like_lax() {
    let x = Array::from_vec(
        vec![
            0.0f32,
            -0.0,
            f32::NAN,
            -f32::NAN,
            f32::NEG_INFINITY,
            1.0,
            f32::INFINITY,
        ],
        [7],
    );
    // lax.top_k gives indices [2, 6, 5, 0, 1, 4, 3].
    assert_eq!(x.top_k(7).1.to_vec::<i32>(), vec![2, 6, 5, 0, 1, 4, 3]);
}

#[test]
#[should_panic(
    expected = "top_k: k argument to top_k must be no larger than size along axis; got k=4 with shape=[2, 3] and axis=1"
)]
fn top_k_rejects_k_beyond_the_axis() {
    jnp::top_k(&jnp::ones([2, 3]), 4);
}

#[test]
#[should_panic(expected = "sort: all operands must have the same shape")]
fn sort_rejects_mismatched_operands() {
    bind(
        SortOp::Sort {
            dimension: 0,
            is_stable: true,
            num_keys: 1,
        },
        &[&jnp::ones([3]), &jnp::ones([4])],
    );
}

#[test]
#[should_panic(expected = "sort: num_keys must be between 1 and the number of operands")]
fn sort_rejects_too_many_keys() {
    bind(
        SortOp::Sort {
            dimension: 0,
            is_stable: true,
            num_keys: 2,
        },
        &[&jnp::ones([3])],
    );
}

#[test]
fn searchsorted_matches_counting() {
    let mut rng = Rng::new(8);
    for trial in 0..20 {
        let n = rng.range(0, 8) as usize;
        let a = jnp::sort(&tricky_array(&mut rng, &[n], DType::F32), 0);
        let vrank = rng.range(0, 3) as usize;
        let vshape = rng.shape(vrank, 4);
        let v = tricky_array(&mut rng, &vshape, DType::F32);
        let av = a.to_vec::<f64>();
        for side in [Side::Left, Side::Right] {
            let got = jnp::searchsorted(&a, &v, side);
            assert_eq!(got.shape(), &vshape[..]);
            let want: Vec<i64> = v
                .to_vec::<f64>()
                .iter()
                .map(|&q| {
                    av.iter()
                        .filter(|&&e| match side {
                            Side::Left => sort_cmp(e, q) == Ordering::Less,
                            Side::Right => sort_cmp(e, q) != Ordering::Greater,
                        })
                        .count() as i64
                })
                .collect();
            assert_eq!(got.to_vec::<i64>(), want, "trial {trial} {side:?}");
        }
    }
}

fn naive_scan(
    x: &[f64],
    shape: &[usize],
    axis: usize,
    reverse: bool,
    f: impl Fn(f64, f64) -> f64,
) -> Vec<f64> {
    (0..x.len())
        .map(|flat| {
            let pos = unravel(flat, shape);
            let mut acc: Option<f64> = None;
            let n = shape[axis];
            let range: Vec<usize> = if reverse {
                (pos[axis]..n).rev().collect()
            } else {
                (0..=pos[axis]).collect()
            };
            for j in range {
                let mut p = pos.clone();
                p[axis] = j;
                let v = x[ravel(&p, shape)];
                acc = Some(acc.map_or(v, |a| f(a, v)));
            }
            acc.expect("non-empty")
        })
        .collect()
}

#[test]
fn cumulative_primitives_match_naive_scans() {
    let mut rng = Rng::new(3);
    let kinds = [
        CumulativeKind::Sum,
        CumulativeKind::Prod,
        CumulativeKind::Max,
        CumulativeKind::Min,
    ];
    let dtypes = [
        DType::F32,
        DType::F64,
        DType::I32,
        DType::I64,
        DType::U32,
        DType::U8,
    ];
    for trial in 0..64 {
        let kind = kinds[trial % 4];
        let dtype = dtypes[(trial / 4) % dtypes.len()];
        let nd = rng.range(1, 4) as usize;
        let shape = rng.shape(nd, 5);
        let axis = rng.range(0, nd as i64) as usize;
        let reverse = trial % 3 == 0;
        let x = random_array(&mut rng, &shape, dtype);
        let x = if trial % 2 == 1 { via_transpose(&x) } else { x };
        let got = bind(
            CumulativeOp {
                kind,
                axis,
                reverse,
            },
            &[&x],
        )
        .pop()
        .expect("one output");
        assert_eq!(got.dtype(), dtype);
        let xv = x.to_vec::<f64>();
        let wrap = |v: f64| -> f64 {
            // Integer results wrap to the dtype; going through the dtype does that.
            Array::from_vec(vec![v], [1]).astype(dtype).to_vec::<f64>()[0]
        };
        let want = match kind {
            CumulativeKind::Sum => naive_scan(&xv, &shape, axis, reverse, |a, b| wrap(a + b)),
            CumulativeKind::Prod => naive_scan(&xv, &shape, axis, reverse, |a, b| {
                if dtype.is_float() {
                    wrap(a * b)
                } else {
                    let p = (a as i64 as i128 * b as i64 as i128) as i64;
                    Array::from_vec(vec![p], [1]).astype(dtype).to_vec::<f64>()[0]
                }
            }),
            CumulativeKind::Max => naive_scan(&xv, &shape, axis, reverse, f64::max),
            CumulativeKind::Min => naive_scan(&xv, &shape, axis, reverse, f64::min),
        };
        let rtol = if dtype == DType::F32 { 1e-5 } else { 1e-12 };
        common::assert_close(
            &got.to_vec::<f64>(),
            &want,
            rtol,
            1e-6,
            &format!("{kind:?} {dtype} {shape:?} axis {axis} rev {reverse}"),
        );
    }
}

/// A golden array (`parity/golden_encoding.py`) as an `Array` of its dtype.
fn golden_array(v: &Value) -> Array {
    let e = encoded(v);
    let dtype = DType::from_name(&e.dtype).unwrap_or_else(|| panic!("dtype {}", e.dtype));
    Array::from_vec(e.data, e.shape).astype(dtype)
}

#[test]
fn cumulative_half_types_accumulate_in_f32_and_nan_propagates() {
    // JAX's outputs (parity/literals_numeric.py). f16 has 11 significant bits, yet JAX's
    // running sum of 3000 ones reaches 3000: XLA accumulates in float32 and rounds each output
    // (2047, 2048, 2048, 2050, ...). NaN propagates through cummax; bool scans: cumsum counts
    // (int32), the running minimum stays bool.
    let g = Golden::load("literals_numeric");
    for case in g.section("cumulative").iter() {
        let x = golden_array(&case["x"]);
        let name = case["fn"].as_str().expect("a function name");
        let got = match name {
            "cumsum" => jnp::cumsum(&x, 0),
            "cummax" => jnp::cummax(&x, 0),
            "cummin" => jnp::cummin(&x, 0),
            other => panic!("unknown scan {other}"),
        };
        let want = encoded(&case["out"]);
        let what = format!("{name} of {}{:?}", x.dtype(), x.shape());
        assert_eq!(got.dtype().name(), want.dtype, "{what}");
        assert_eq!(got.shape(), &want.shape[..], "{what}");
        assert_close(&what, &got.to_vec::<f64>(), &want.data, Tolerance::EXACT);
    }
    g.assert_sections_read(&["cumulative"]);
}

#[test]
#[should_panic(expected = "cumsum: got bool[3] but expected a numeric")]
fn cumsum_primitive_rejects_bool() {
    let b = Array::from_vec(vec![true, false, true], [3]);
    bind(
        CumulativeOp {
            kind: CumulativeKind::Sum,
            axis: 0,
            reverse: false,
        },
        &[&b],
    );
}

#[test]
fn searchsorted_on_longer_integer_and_transposed_inputs_matches_counting() {
    let mut rng = Rng::new(81);
    for trial in 0..12 {
        let dtype = [DType::I32, DType::U8, DType::F64][trial % 3];
        let n = rng.range(1, 70) as usize;
        let a = jnp::sort(&tricky_array(&mut rng, &[n], dtype), 0);
        // A transposed (non-contiguous) query array.
        let v = tricky_array(&mut rng, &[3, 5], dtype).transpose(&[1, 0]);
        let av = a.to_vec::<f64>();
        for side in [Side::Left, Side::Right] {
            let got = jnp::searchsorted(&a, &v, side);
            assert_eq!(got.shape(), &[5, 3]);
            let want: Vec<i64> = v
                .to_vec::<f64>()
                .iter()
                .map(|&q| {
                    av.iter()
                        .filter(|&&e| match side {
                            Side::Left => sort_cmp(e, q) == Ordering::Less,
                            Side::Right => sort_cmp(e, q) != Ordering::Greater,
                        })
                        .count() as i64
                })
                .collect();
            assert_eq!(got.to_vec::<i64>(), want, "trial {trial} {dtype} {side:?}");
        }
    }
}

/// On an unsorted array the result is what JAX's fixed-step binary search finds (written out
/// here with plain loops, and JAX's own answer from parity/literals_numeric.py), not a count.
#[test]
fn searchsorted_on_unsorted_input_follows_the_fixed_step_binary_search() {
    let g = Golden::load("literals_numeric");
    for case in g.section("searchsorted_unsorted").iter() {
        let side = match case["side"].as_str().expect("a side") {
            "left" => Side::Left,
            "right" => Side::Right,
            other => panic!("unknown side {other}"),
        };
        let (a, v) = (golden_array(&case["a"]), golden_array(&case["v"]));
        let (a_vals, queries) = (a.to_vec::<f32>(), v.to_vec::<f32>());
        assert_eq!(a_vals.len(), 7, "the step count below is for 7 elements");
        let want: Vec<i32> = queries
            .iter()
            .map(|&q| {
                let (mut low, mut high) = (0usize, a_vals.len());
                for _ in 0..3 {
                    // ceil(log2(7 + 1)) = 3 steps.
                    let mid = (low + (high - low) / 2).min(a_vals.len() - 1);
                    let go_left = match side {
                        Side::Left => q <= a_vals[mid],
                        Side::Right => q < a_vals[mid],
                    };
                    if go_left {
                        high = mid;
                    } else {
                        low = mid;
                    }
                }
                high as i32
            })
            .collect();
        let got = jnp::searchsorted(&a, &v, side);
        assert_eq!(got.to_vec::<i32>(), want, "{side:?}");
        // What JAX returns for these inputs.
        let jax = encoded(&case["out"]);
        assert_eq!(got.dtype().name(), jax.dtype, "{side:?}");
        assert_close(
            &format!("searchsorted {side:?}"),
            &got.to_vec::<f64>(),
            &jax.data,
            Tolerance::EXACT,
        );
        // Counting would give something else for this array.
        let counts: Vec<i32> = queries
            .iter()
            .map(|&q| a_vals.iter().filter(|&&e| e < q).count() as i32)
            .collect();
        if side == Side::Left {
            assert_ne!(got.to_vec::<i32>(), counts);
        }
    }
    g.assert_sections_read(&["searchsorted_unsorted"]);
}

/// Complex numbers sort lexicographically, real part first, with the float order in each part
/// (NaNs last, -0 == +0). The expected order is what JAX 0.10.2 prints for
/// `jnp.sort`/`jnp.argsort` of this array.
#[test]
fn complex_values_sort_by_real_then_imaginary_part() {
    let nan = f32::NAN;
    let (re, im): (Vec<f32>, Vec<f32>) = [
        (2.0, 1.0),
        (1.0, 5.0),
        (nan, 0.0),
        (1.0, -2.0),
        (-0.0, 3.0),
        (0.0, -1.0),
        (2.0, 0.0),
        (1.0, nan),
        (-1.0, 0.0),
    ]
    .into_iter()
    .unzip();
    let z = equinox_core::lax::complex(&Array::from_vec(re, [9]), &Array::from_vec(im, [9]));
    let order = jnp::argsort(&z, 0).to_vec::<i32>();
    assert_eq!(order, vec![8, 5, 4, 3, 1, 7, 6, 0, 2]);
    let sorted = jnp::sort(&z, 0);
    let want = jnp::take(&z, &Array::from_vec(order, [9]), Some(0));
    assert_eq!(
        jnp::real(&sorted)
            .to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>(),
        jnp::real(&want)
            .to_vec::<f32>()
            .iter()
            .map(|v| v.to_bits())
            .collect::<Vec<_>>()
    );
    // Under jit, and in float64's complex type.
    let jitted = equinox_core::transforms::jit(|z: &Array| jnp::argsort(z, 0));
    assert_eq!(
        jitted(&z.astype(DType::C128)).to_vec::<i32>(),
        vec![8, 5, 4, 3, 1, 7, 6, 0, 2]
    );
}
