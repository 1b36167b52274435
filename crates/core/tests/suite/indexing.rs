//! numpy-level indexing (`index`, `at`, `take`, `take_along_axis`) and joining functions
//! against naive loops, plus a parity golden computed by real `jax.numpy`.
// Naive references index several buffers by one flat position; range loops read clearest.
#![allow(clippy::needless_range_loop)]

use crate::common;

use common::{random_array, ravel, unravel, Rng};
use equinox_core::lax::GatherScatterMode;
use equinox_core::numpy::{self as jnp, Index, NEWAXIS};
use equinox_core::{s, Array, DType, ALL_DTYPES};

/// Python's `range(*slice(start, stop, step).indices(d))`, written as a walk.
fn slice_positions(
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
    d: usize,
) -> Vec<usize> {
    let d = d as i64;
    let step = step.unwrap_or(1);
    let norm = |v: i64| if v < 0 { v + d } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let a = start.map_or(0, |v| norm(v).clamp(0, d));
        let b = stop.map_or(d, |v| norm(v).clamp(0, d));
        let mut i = a;
        while i < b {
            out.push(i as usize);
            i += step;
        }
    } else {
        let a = start.map_or(d - 1, |v| norm(v).clamp(-1, d - 1));
        let b = stop.map_or(-1, |v| norm(v).clamp(-1, d - 1));
        let mut i = a;
        while i > b {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

fn opt(rng: &mut Rng, lo: i64, hi: i64) -> Option<i64> {
    if rng.range(0, 3) == 0 {
        None
    } else {
        Some(rng.range(lo, hi))
    }
}

#[test]
fn basic_indexing_matches_naive_loops() {
    let mut rng = Rng::new(40);
    for t in 0..300 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let nd = 1 + t % 3;
        let shape = rng.shape(nd, 5);
        let x = random_array(&mut rng, &shape, dtype);
        // Per axis: the positions it keeps and whether the axis survives.
        let mut idx = Vec::new();
        let mut per_axis: Vec<(Vec<usize>, bool)> = Vec::new();
        let mut out_shape = Vec::new();
        for &d in &shape {
            if rng.range(0, 4) == 0 {
                out_shape.push(1);
                idx.push(NEWAXIS);
            }
            if d > 0 && rng.range(0, 3) == 0 {
                let k = rng.range(-(d as i64), d as i64);
                idx.push(Index::from(k));
                per_axis.push((
                    vec![if k < 0 {
                        (k + d as i64) as usize
                    } else {
                        k as usize
                    }],
                    false,
                ));
            } else {
                let di = d as i64;
                let (a, b) = (
                    opt(&mut rng, -di - 2, di + 2),
                    opt(&mut rng, -di - 2, di + 2),
                );
                let step =
                    [None, Some(1), Some(2), Some(-1), Some(-2), Some(3)][rng.range(0, 6) as usize];
                idx.push(Index::Slice {
                    start: a,
                    stop: b,
                    step,
                });
                let p = slice_positions(a, b, step, d);
                out_shape.push(p.len());
                per_axis.push((p, true));
            }
        }
        // Sometimes drop trailing full entries or put an ellipsis in front.
        if rng.range(0, 4) == 0 {
            let n = per_axis.len();
            if matches!(
                idx.last(),
                Some(Index::Slice {
                    start: None,
                    stop: None,
                    step: None
                })
            ) && n > 0
            {
                idx.pop();
            }
        }
        let y = x.index(&idx);
        assert_eq!(y.shape(), &out_shape[..], "index {idx:?} of {shape:?}");
        assert_eq!(y.dtype(), dtype);
        let xv = x.to_vec::<f64>();
        let kept_shape: Vec<usize> = per_axis.iter().map(|p| p.0.len()).collect();
        let want: Vec<f64> = (0..kept_shape.iter().product())
            .map(|f| {
                let k = unravel(f, &kept_shape);
                let i: Vec<usize> = per_axis.iter().zip(&k).map(|(p, &j)| p.0[j]).collect();
                xv[ravel(&i, &shape)]
            })
            .collect();
        assert_eq!(y.to_vec::<f64>(), want, "index {idx:?} of {shape:?}");
    }
}

#[test]
fn ellipsis_and_macro_forms() {
    let x = jnp::arange(24).reshape([2, 3, 4]);
    assert_eq!(
        x.index(s![..., 1]).to_vec::<i32>(),
        x.index(s![.., .., 1]).to_vec::<i32>()
    );
    assert_eq!(
        x.index(s![1, ...]).to_vec::<i32>(),
        (12..24).collect::<Vec<i32>>()
    );
    assert_eq!(x.index(s![0, 0, ..;-1]).to_vec::<i32>(), vec![3, 2, 1, 0]);
    assert_eq!(x.index(s![0, 0, 1..=2]).to_vec::<i32>(), vec![1, 2]);
    assert_eq!(x.index(s![0, 0, -2..]).to_vec::<i32>(), vec![2, 3]);
    assert_eq!(x.index(s![0, 0, ..=-1]).to_vec::<i32>(), vec![0, 1, 2, 3]);
    assert_eq!(x.index(s![NEWAXIS, 1, NEWAXIS]).shape(), &[1, 1, 3, 4]);
    let rows: &[i32] = &[1, 0];
    assert_eq!(x.index(s![0, rows, 0]).to_vec::<i32>(), vec![4, 0]);
}

/// `x[..., i, ...]` with one integer array at axis `a` equals take with clamping.
#[test]
fn single_array_index_matches_naive_take() {
    let mut rng = Rng::new(41);
    for t in 0..120 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let nd = 1 + t % 3;
        let shape = rng.nonempty_shape(nd, 4);
        let x = random_array(&mut rng, &shape, dtype).t().t();
        let a = rng.range(0, nd as i64) as usize;
        let irank = rng.range(0, 3) as usize;
        let ishape = rng.shape(irank, 3);
        let n: usize = ishape.iter().product();
        let d = shape[a] as i64;
        let iv: Vec<i64> = (0..n).map(|_| rng.range(-d - 2, d + 2)).collect();
        let idx_dtype = [DType::I32, DType::I64, DType::U8, DType::U32][t % 4];
        let iv: Vec<i64> = if idx_dtype.is_unsigned_integer() {
            iv.iter().map(|v| v.abs()).collect()
        } else {
            iv
        };
        let ia = Array::from_vec(iv.clone(), ishape.clone()).astype(idx_dtype);
        let mut idx: Vec<Index> = (0..nd).map(|_| Index::full()).collect();
        idx[a] = Index::from(&ia);
        let y = x.index(&idx);
        let mut out_shape = shape[..a].to_vec();
        out_shape.extend(&ishape);
        out_shape.extend(&shape[a + 1..]);
        assert_eq!(y.shape(), &out_shape[..]);
        let xv = x.to_vec::<f64>();
        let want: Vec<f64> = (0..y.size())
            .map(|f| {
                let o = unravel(f, &out_shape);
                let k = ravel(&o[a..a + ishape.len()], &ishape);
                let p = if iv[k] < 0 { iv[k] + d } else { iv[k] }.clamp(0, d - 1) as usize;
                let mut i = o[..a].to_vec();
                i.push(p);
                i.extend(&o[a + ishape.len()..]);
                xv[ravel(&i, &shape)]
            })
            .collect();
        assert_eq!(y.to_vec::<f64>(), want, "x{shape:?}[axis {a} <- {iv:?}]");
    }
}

#[test]
fn separated_array_indices_move_to_the_front() {
    let x = jnp::arange(24).reshape([2, 3, 4]);
    let i = Array::from_vec(vec![1i32, 0, 1], [3]);
    let j = Array::from_vec(vec![3i32, 0, 2], [3]);
    let y = x.index(s![&i, .., &j]);
    assert_eq!(y.shape(), &[3, 3]);
    let want: Vec<i32> = (0..3)
        .flat_map(|b| {
            let (ib, jb) = ([1, 0, 1][b], [3, 0, 2][b]);
            (0..3).map(move |m| ib * 12 + m * 4 + jb)
        })
        .collect();
    assert_eq!(y.to_vec::<i32>(), want);
}

#[test]
fn at_updates_match_naive_loops() {
    let mut rng = Rng::new(42);
    let kinds = ["set", "add", "mul", "min", "max"];
    for t in 0..150 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let kind = kinds[(t / ALL_DTYPES.len()) % kinds.len()];
        if dtype == DType::Bool && (kind == "add" || kind == "mul") {
            continue;
        }
        let shape = rng.nonempty_shape(2, 4);
        let x = random_array(&mut rng, &shape, dtype);
        let n = rng.range(0, 6) as usize;
        let rows: Vec<i64> = (0..n)
            .map(|_| rng.range(-(shape[0] as i64) - 1, shape[0] as i64 + 1))
            .collect();
        let ia = Array::from_vec(rows.clone(), [n]);
        let y = random_array(&mut rng, &[n, shape[1]], dtype);
        let at = x.at(s![&ia, ..]);
        let out = match kind {
            "set" => at.set(&y),
            "add" => at.add(&y),
            "mul" => at.mul(&y),
            "min" => at.min(&y),
            _ => at.max(&y),
        };
        assert_eq!(out.dtype(), dtype);
        let mut want = x.to_vec::<f64>();
        let yv = y.to_vec::<f64>();
        for (r, &row) in rows.iter().enumerate() {
            let row = if row < 0 { row + shape[0] as i64 } else { row };
            if !(0..shape[0] as i64).contains(&row) {
                continue; // dropped
            }
            for c in 0..shape[1] {
                let p = row as usize * shape[1] + c;
                let v = yv[r * shape[1] + c];
                let w = want[p];
                want[p] = common::scatter_combine(kind, dtype, w, v);
            }
        }
        common::assert_close(
            &out.to_vec::<f64>(),
            &want,
            0.0,
            0.0,
            &format!("at[{rows:?}, :].{kind} {dtype:?}"),
        );
    }
}

#[test]
fn at_add_accumulates_duplicates_and_keeps_dtype() {
    let x = jnp::zeros_dtype([5], DType::I32);
    let i = Array::from_vec(vec![1i32, 1, 3, 1], [4]);
    assert_eq!(x.at(s![&i]).add(2).to_vec::<i32>(), vec![0, 6, 0, 2, 0]);
    // Float updates promote, accumulate, then convert back (JAX: 1.7 * 3 -> 5).
    let y = x.at(s![&i]).add(1.7);
    assert_eq!(y.dtype(), DType::I32);
    assert_eq!(y.to_vec::<i32>(), vec![0, 5, 0, 1, 0]);
    assert_eq!(x.at(s![1..;2]).set(7).to_vec::<i32>(), vec![0, 7, 0, 7, 0]);
    assert_eq!(x.at(s![..]).subtract(1).to_vec::<i32>(), vec![-1; 5]);
}

#[test]
fn at_modes_clip_and_fill() {
    let x = jnp::arange(5.0);
    let i = Array::from_vec(vec![7i32, -1, -7], [3]);
    let clip = x.at(s![&i]).mode(GatherScatterMode::Clip).set(9.0);
    assert_eq!(clip.to_vec::<f32>(), vec![9.0, 1.0, 2.0, 3.0, 9.0]);
    let got = x
        .at(s![&i])
        .mode(GatherScatterMode::FillOrDrop)
        .get()
        .to_vec::<f32>();
    assert!(got[0].is_nan() && got[2].is_nan());
    assert_eq!(got[1], 4.0);
    let filled = x
        .at(s![&i])
        .mode(GatherScatterMode::FillOrDrop)
        .fill_value(-1.0)
        .get();
    assert_eq!(filled.to_vec::<f32>(), vec![-1.0, 4.0, -1.0]);
}

#[test]
fn take_and_take_along_axis_match_naive_loops() {
    let mut rng = Rng::new(43);
    for t in 0..90 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let shape = rng.nonempty_shape(3, 4);
        let x = random_array(&mut rng, &shape, dtype);
        let axis = rng.range(0, 3) as usize;
        let d = shape[axis] as i64;
        // take along `axis`
        let n = rng.range(0, 5) as usize;
        let iv: Vec<i64> = (0..n).map(|_| rng.range(-d - 1, d + 1)).collect();
        let y = jnp::take(&x, &Array::from_vec(iv.clone(), [n]), Some(axis as isize));
        let mut out_shape = shape.clone();
        out_shape[axis] = n;
        assert_eq!(y.shape(), &out_shape[..]);
        let fill = match dtype {
            DType::Bool => 1.0,
            d if d.is_signed_integer() => jnp::iinfo(d).min as f64,
            d if d.is_unsigned_integer() => jnp::iinfo(d).max as f64,
            _ => f64::NAN,
        };
        let xv = x.to_vec::<f64>();
        let lookup = |o: &[usize], k: i64| -> f64 {
            let k = if k < 0 { k + d } else { k };
            if !(0..d).contains(&k) {
                return fill;
            }
            let mut i = o.to_vec();
            i[axis] = k as usize;
            xv[ravel(&i, &shape)]
        };
        let want: Vec<f64> = (0..y.size())
            .map(|f| {
                let o = unravel(f, &out_shape);
                lookup(&o, iv[o[axis]])
            })
            .collect();
        common::assert_close(&y.to_vec::<f64>(), &want, 0.0, 0.0, "take");
        // take_along_axis with indices broadcasting on other axes (size 1 or full).
        let mut ishape: Vec<usize> = shape
            .iter()
            .map(|&s| if rng.range(0, 2) == 0 { 1 } else { s })
            .collect();
        ishape[axis] = rng.range(0, 4) as usize;
        let m: usize = ishape.iter().product();
        let jv: Vec<i64> = (0..m).map(|_| rng.range(-d - 1, d + 1)).collect();
        let z = jnp::take_along_axis(
            &x,
            &Array::from_vec(jv.clone(), ishape.clone()),
            axis as isize,
        );
        let mut zshape = shape.clone();
        zshape[axis] = ishape[axis];
        assert_eq!(z.shape(), &zshape[..]);
        let want: Vec<f64> = (0..z.size())
            .map(|f| {
                let o = unravel(f, &zshape);
                let io: Vec<usize> = o
                    .iter()
                    .zip(&ishape)
                    .map(|(&p, &s)| if s == 1 { 0 } else { p })
                    .collect();
                lookup(&o, jv[ravel(&io, &ishape)])
            })
            .collect();
        common::assert_close(&z.to_vec::<f64>(), &want, 0.0, 0.0, "take_along_axis");
    }
}

#[test]
fn joining_functions_match_naive_results() {
    let a = jnp::arange(6).reshape([2, 3]);
    let b = jnp::arange(6.0).reshape([2, 3]);
    let c = jnp::concatenate(&[&a, &b], 0);
    assert_eq!(c.dtype(), DType::F32);
    assert_eq!(
        c.to_vec::<f32>(),
        vec![0., 1., 2., 3., 4., 5., 0., 1., 2., 3., 4., 5.]
    );
    let s1 = jnp::stack(&[&a, &a], 1);
    assert_eq!(s1.shape(), &[2, 2, 3]);
    assert_eq!(s1.to_vec::<i32>(), vec![0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
    assert_eq!(jnp::hstack(&[&a, &a]).shape(), &[2, 6]);
    let v = jnp::arange(3);
    assert_eq!(
        jnp::hstack(&[&v, &v]).to_vec::<i32>(),
        vec![0, 1, 2, 0, 1, 2]
    );
    assert_eq!(jnp::vstack(&[&v, &v]).shape(), &[2, 3]);
    let parts = jnp::split(&jnp::arange(10).reshape([5, 2]), [2, 9], 0);
    let shapes: Vec<&[usize]> = parts.iter().map(|p| p.shape()).collect();
    assert_eq!(shapes, vec![&[2usize, 2][..], &[3, 2], &[0, 2]]);
    assert_eq!(parts[1].to_vec::<i32>(), vec![4, 5, 6, 7, 8, 9]);
    let t = jnp::tile(&a, &[2, 1, 2]);
    assert_eq!(t.shape(), &[2, 2, 6]);
    let tv = t.to_vec::<i32>();
    for f in 0..t.size() {
        let i = unravel(f, &[2, 2, 6]);
        assert_eq!(tv[f], (i[1] * 3 + i[2] % 3) as i32);
    }
    let r = jnp::repeat(&a, 2, Some(0));
    assert_eq!(r.to_vec::<i32>(), vec![0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5]);
    let rc = jnp::repeat_counts(&a, &[2, 0, 1], Some(1));
    assert_eq!(rc.to_vec::<i32>(), vec![0, 0, 2, 3, 3, 5]);
}

#[test]
fn pad_tril_triu_match_naive_loops() {
    let mut rng = Rng::new(44);
    for t in 0..45 {
        let dtype = ALL_DTYPES[t % ALL_DTYPES.len()];
        let shape = rng.shape(3, 4);
        let x = random_array(&mut rng, &shape, dtype);
        let xv = x.to_vec::<f64>();
        let k = rng.range(-3, 4);
        for (lower, y) in [(true, jnp::tril(&x, k)), (false, jnp::triu(&x, k))] {
            assert_eq!(y.dtype(), dtype);
            let want: Vec<f64> = (0..x.size())
                .map(|f| {
                    let i = unravel(f, &shape);
                    let diff = i[2] as i64 - i[1] as i64;
                    let keep = if lower { diff <= k } else { diff >= k };
                    if keep {
                        xv[f]
                    } else {
                        0.0
                    }
                })
                .collect();
            assert_eq!(y.to_vec::<f64>(), want);
        }
        let pw: Vec<(usize, usize)> = (0..3)
            .map(|_| (rng.range(0, 3) as usize, rng.range(0, 3) as usize))
            .collect();
        let p = jnp::pad(&x, &pw, 1.0);
        let pshape: Vec<usize> = shape
            .iter()
            .zip(&pw)
            .map(|(&d, &(a, b))| d + a + b)
            .collect();
        assert_eq!(p.shape(), &pshape[..]);
        let pv = p.to_vec::<f64>();
        for f in 0..p.size() {
            let o = unravel(f, &pshape);
            let inside: Option<Vec<usize>> = o
                .iter()
                .zip(&pw)
                .zip(&shape)
                .map(|((&q, &(a, _)), &d)| (q >= a && q - a < d).then(|| q - a))
                .collect();
            let want = inside.map_or(1.0, |i| xv[ravel(&i, &shape)]);
            assert_eq!(pv[f], want);
        }
    }
}

#[test]
fn parity_with_jax_numpy_indexing() {
    let g = equinox_testing::Golden::load("indexing");
    let x = jnp::arange(24.0).reshape([2, 3, 4]);
    let v = jnp::arange(5);
    let i2 = Array::from_vec(vec![2i32, -1, 0], [3]);
    let oob = Array::from_vec(vec![7i32, -1, -7, 2], [4]);
    let dup = Array::from_vec(vec![1i32, 1, 3, 1], [4]);
    let rows = Array::from_vec(vec![0i32, 1], [2, 1]);
    let cols = Array::from_vec(vec![1i32, 3], [2]);
    let cols1 = cols.index(s![..1]);
    let i2h = i2.index(s![..2]);
    let cases: Vec<(&str, Array)> = vec![
        ("basic_int_slice", x.index(s![1, ..;-1, 1..3])),
        ("basic_ellipsis_newaxis", x.index(s![NEWAXIS, ..., 2])),
        (
            "basic_negative_step",
            x.index(s![.., Index::Slice { start: Some(2), stop: Some(0), step: Some(-2) }, ..;-3]),
        ),
        ("basic_clamped_int", v.index(s![7])),
        ("adv_one_array", x.index(s![.., &i2])),
        ("adv_adjacent_arrays", x.index(s![.., &i2, &cols1])),
        ("adv_separated_arrays", x.index(s![&rows, .., &cols])),
        ("adv_int_and_array", x.index(s![1, .., &i2])),
        ("adv_array_with_slice_step", x.index(s![&i2h, ..;2, 1..])),
        ("adv_out_of_bounds_clamps", v.index(s![&oob])),
        ("at_set_oob_dropped", v.at(s![&oob]).set(100)),
        ("at_add_duplicates", v.at(s![&dup]).add(10)),
        ("at_add_float_into_int", v.at(s![&dup]).add(1.7)),
        ("at_mul", v.at(s![&dup]).mul(3)),
        (
            "at_min",
            v.at(s![&dup])
                .min(Array::from_vec(vec![0i32, 5, 1, 2], [4])),
        ),
        ("at_max_2d", x.at(s![.., &i2, 1]).max(10.0)),
        ("at_set_slice", x.at(s![1, 1.., ..;2]).set(-1.0)),
        (
            "at_get_fill",
            v.at(s![&oob])
                .mode(GatherScatterMode::FillOrDrop)
                .fill_value(-5.0)
                .get(),
        ),
        ("take_default_fill", jnp::take(&x, &oob, Some(2))),
        (
            "take_flat_clip",
            jnp::take_mode(&x, &oob, None, GatherScatterMode::Clip, None),
        ),
        (
            "take_along_axis",
            jnp::take_along_axis(&x, &Array::from_vec(vec![3i32, 0, -1, 9], [1, 1, 4]), 2),
        ),
        (
            "pad_constant",
            jnp::pad(&x.index(s![0]), &[(1, 0), (0, 2)], 7.0),
        ),
        ("tril_k1", jnp::tril(&x, 1)),
        ("triu_km1", jnp::triu(&x.index(s![0]), -1)),
        ("repeat_axis1", jnp::repeat(&x.index(s![0]), 2, Some(1))),
        ("tile", jnp::tile(&v.index(s![..3]), &[2, 2])),
    ];
    let want = g.section("cases");
    for (name, got) in cases {
        let w = &want[name];
        let shape: Vec<usize> = w["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got.shape(), &shape[..], "{name}: shape");
        assert_eq!(
            got.dtype().name(),
            w["dtype"].as_str().unwrap(),
            "{name}: dtype"
        );
        let vals: Vec<f64> = w["values"]
            .as_array()
            .unwrap()
            .iter()
            // parity/indexing.py stores NaN as null.
            .map(|e| match e {
                serde_json::Value::Null => f64::NAN,
                e => equinox_testing::golden::number(e),
            })
            .collect();
        common::assert_close(&got.to_vec::<f64>(), &vals, 0.0, 0.0, name);
    }
    g.assert_all_read();
}

#[test]
#[should_panic(expected = "index: too many indices (3) for an array of shape (2, 2)")]
fn too_many_indices_panic() {
    jnp::zeros([2, 2]).index(s![0, 0, 0]);
}

#[test]
#[should_panic(expected = "index: an index can only have a single ellipsis")]
fn two_ellipses_panic() {
    jnp::zeros([2, 2]).index(s![..., 0, ...]);
}

#[test]
#[should_panic(expected = "index: index arrays must have an integer dtype, got f32[1]")]
fn float_index_arrays_panic() {
    jnp::zeros([2]).index(s![&jnp::zeros([1])]);
}

#[test]
#[should_panic(expected = "index: boolean mask bool[2] indices are not supported")]
fn boolean_masks_panic() {
    jnp::zeros([2]).index(s![&jnp::full([2], true)]);
}

#[test]
#[should_panic(expected = "index: slice step cannot be zero")]
fn zero_step_panics() {
    jnp::zeros([2]).index(s![..;0]);
}

/// Index values at the ends of the i64 range (found by the shapes_indexing fuzz target's
/// review): slice steps that overflowed `stop - start + step` or `-step`, integer indices that
/// the gather path truncated to int32 (`2^32` read element 0), and `..=i64::MAX`.
#[test]
fn extreme_index_values_select_what_numpy_selects() {
    use GatherScatterMode::{Clip, FillOrDrop};
    let x = jnp::arange(5);
    let get = |idx: Vec<Index>| x.index(idx).to_vec::<i32>();
    assert_eq!(get(s![0..2;i64::MAX]), vec![0]);
    assert_eq!(get(s![..;i64::MAX]), vec![0]);
    assert_eq!(get(s![..;i64::MIN]), vec![4]);
    assert_eq!(get(s![3..;i64::MIN + 1]), vec![3]);
    assert_eq!(get(s![1..=i64::MAX]), vec![1, 2, 3, 4]);
    assert_eq!(get(s![..=i64::MAX;2]), vec![0, 2, 4]);
    // The same slices through the gather path.
    let gathered = x.at(s![..;i64::MIN]).mode(Clip).get();
    assert_eq!(gathered.to_vec::<i32>(), vec![4]);

    // An integer index past the int32 range is out of range, not wrapped to 0.
    for k in [1i64 << 32, i64::MAX, (1 << 32) + 2] {
        let filled = x.at(s![k]).mode(FillOrDrop).get();
        assert_eq!(filled.item::<i32>(), i32::MIN, "fill for {k}");
        assert_eq!(
            x.at(s![k]).mode(Clip).get().item::<i32>(),
            4,
            "clip for {k}"
        );
        assert_eq!(x.index(s![k]).item::<i32>(), 4, "static read of {k}");
        let dropped = x.at(s![k]).set(9);
        assert_eq!(dropped.to_vec::<i32>(), vec![0, 1, 2, 3, 4], "set at {k}");
    }
    for k in [-(1i64 << 32), i64::MIN] {
        let filled = x.at(s![k]).mode(FillOrDrop).get();
        assert_eq!(filled.item::<i32>(), i32::MIN, "fill for {k}");
        assert_eq!(
            x.at(s![k]).mode(Clip).get().item::<i32>(),
            0,
            "clip for {k}"
        );
    }
    // An integer index beside an index array (the advanced path) saturates the same way.
    let m = jnp::arange(10).reshape([2, 5]);
    let rows = Array::from_vec(vec![1i32, 0], [2]);
    let picked = m.at(s![&rows, 1i64 << 32]).mode(Clip).get();
    assert_eq!(picked.to_vec::<i32>(), vec![9, 4]);

    // An empty array of a one-byte dtype may have an axis as long as i64::MAX (numpy's
    // limit: the non-zero dimensions times the item size must multiply within isize; a
    // float32 one is "too big", as in numpy); indexing it stays empty.
    let too_big = std::panic::catch_unwind(|| jnp::zeros([i64::MAX as usize, 0]));
    assert!(
        too_big.is_err(),
        "isize::MAX float32 elements exceed isize::MAX bytes"
    );
    let empty = jnp::zeros_dtype([i64::MAX as usize, 0], DType::Bool);
    assert_eq!(empty.index(s![i64::MIN]).shape(), &[0]);
    assert_eq!(empty.index(s![..;i64::MIN]).shape(), &[1, 0]);
    assert_eq!(empty.index(s![..;i64::MAX]).shape(), &[1, 0]);
    let longer = std::panic::catch_unwind(|| jnp::zeros([(1usize << 63) + 1, 0]));
    assert!(longer.is_err(), "an axis past isize::MAX must be refused");
}

/// Found by the shapes_indexing fuzz target: an index-array update of an empty axis under
/// `Clip` underflowed `axis - window` in the scatter kernel ("attempt to subtract with
/// overflow"). No window fits in an empty axis, so nothing is written in any mode.
#[test]
fn index_array_updates_of_an_empty_axis_write_nothing() {
    use GatherScatterMode::{Clip, FillOrDrop, PromiseInBounds};
    let i = Array::from_vec(vec![3i64, -1], [2]);
    for mode in [Clip, FillOrDrop, PromiseInBounds] {
        let x = jnp::zeros_dtype([0, 0, 2], DType::I32);
        let y = x.at(s![&i, 0]).mode(mode).set(2.0);
        assert_eq!(y.shape(), &[0, 0, 2], "{mode:?}");
        let y = jnp::zeros([0]).at(s![&i]).mode(mode).add(1.0);
        assert_eq!(y.shape(), &[0], "{mode:?}");
    }
}

#[test]
#[should_panic(expected = "index: index 0 is out of bounds for axis 0 with size 0")]
fn integer_index_into_empty_axis_panics() {
    jnp::zeros([0, 2]).index(s![0]);
}

#[test]
#[should_panic(
    expected = "take_along_axis: indices and arr must have the same number of dimensions"
)]
fn take_along_axis_rank_mismatch_panics() {
    jnp::take_along_axis(&jnp::zeros([2, 2]), &Array::from_vec(vec![0i32], [1]), 0);
}

#[test]
#[should_panic(expected = "split: array split does not result in an equal division")]
fn unequal_split_panics() {
    jnp::split(&jnp::zeros([5]), 2, 0);
}

#[test]
#[should_panic(expected = "stack: All input arrays must have the same shape. Got ")]
fn stack_shape_mismatch_panics() {
    jnp::stack(&[&jnp::zeros([2]), &jnp::zeros([3])], 0);
}

#[test]
#[should_panic(expected = "tril: expected an array of rank >= 2")]
fn tril_needs_a_matrix() {
    jnp::tril(&jnp::zeros([3]), 0);
}
