//! `reduce_window` (max/min/sum) and `select_and_scatter_add` against naive loops over each
//! window: random ranks, strides, padding (incl. negative), base and window dilation, size-0/1
//! axes, transposed inputs and every dtype; `max_pool`/`avg_pool`; misuse.
use crate::common;

use common::{unravel, Rng};
use equinox_core::lax::{self, WindowReduceKind};
use equinox_core::{numpy as jnp, Array, DType, ALL_DTYPES};

struct Win {
    window: Vec<usize>,
    strides: Vec<usize>,
    padding: Vec<(i64, i64)>,
    base: Vec<usize>,
    wdil: Vec<usize>,
}

fn out_shape(shape: &[usize], w: &Win) -> Vec<usize> {
    (0..shape.len())
        .map(|d| {
            let n = if shape[d] == 0 {
                0
            } else {
                (shape[d] - 1) * w.base[d] + 1
            } as i64;
            let padded = n + w.padding[d].0 + w.padding[d].1;
            let win = ((w.window[d] - 1) * w.wdil[d] + 1) as i64;
            if padded < win {
                0
            } else {
                ((padded - win) / w.strides[d] as i64 + 1) as usize
            }
        })
        .collect()
}

/// For output `o`, the operand flat indices its window covers (skipping padding and holes), in
/// row-major window order.
fn window_members(o: &[usize], shape: &[usize], w: &Win) -> Vec<usize> {
    let wprod: usize = w.window.iter().product();
    let mut members = vec![];
    'taps: for t in 0..wprod {
        let k = unravel(t, &w.window);
        let mut idx = vec![];
        for d in 0..shape.len() {
            let p = (o[d] * w.strides[d] + k[d] * w.wdil[d]) as i64 - w.padding[d].0;
            let b = w.base[d] as i64;
            if p < 0 || p % b != 0 || (p / b) as usize >= shape[d] {
                continue 'taps;
            }
            idx.push((p / b) as usize);
        }
        members.push(common::ravel(&idx, shape));
    }
    members
}

fn random_window(rng: &mut Rng, shape: &[usize], dilate: bool) -> Win {
    let nd = shape.len();
    let base: Vec<usize> = (0..nd)
        .map(|_| if dilate && rng.range(0, 3) == 0 { 2 } else { 1 })
        .collect();
    let padding = (0..nd)
        .map(|d| {
            let n = if shape[d] == 0 {
                0
            } else {
                ((shape[d] - 1) * base[d] + 1) as i64
            };
            let lo = rng.range(-1, 3).max(-n);
            let hi = rng.range(-1, 3).max(-(n + lo));
            (lo, hi)
        })
        .collect();
    Win {
        window: (0..nd).map(|_| rng.range(1, 4) as usize).collect(),
        strides: (0..nd).map(|_| rng.range(1, 3) as usize).collect(),
        padding,
        base,
        wdil: (0..nd)
            .map(|_| if dilate && rng.range(0, 3) == 0 { 2 } else { 1 })
            .collect(),
    }
}

/// `select_and_scatter_add` of `source` over `operand`'s windows `w` (no dilation).
fn scatter_add(source: &Array, operand: &Array, w: &Win) -> Array {
    lax::select_and_scatter_add(source, operand, &w.window, &w.strides, w.padding.clone())
}

/// A random array built transposed and transposed back (a non-trivial layout history).
fn transposed_input(rng: &mut Rng, shape: &[usize], dtype: DType) -> Array {
    let mut rev = shape.to_vec();
    rev.reverse();
    let x = common::random_array(rng, &rev, dtype);
    if shape.is_empty() {
        x
    } else {
        x.t()
    }
}

#[test]
fn reduce_window_matches_naive() {
    let mut rng = Rng::new(21);
    for dtype in ALL_DTYPES {
        for kind in [
            WindowReduceKind::Max,
            WindowReduceKind::Min,
            WindowReduceKind::Sum,
        ] {
            if dtype.is_bool() && kind == WindowReduceKind::Sum {
                continue;
            }
            for case in 0..15 {
                let nd = rng.range(1, 4) as usize;
                let shape = rng.shape(nd, 6);
                let x = transposed_input(&mut rng, &shape, dtype);
                let w = random_window(&mut rng, &shape, true);
                let got = lax::reduce_window_with_options(
                    &x,
                    kind,
                    &w.window,
                    &w.strides,
                    w.padding.clone(),
                    lax::ReduceWindowOptions {
                        base_dilation: Some(&w.base),
                        window_dilation: Some(&w.wdil),
                    },
                );
                let oshape = out_shape(&shape, &w);
                let what = format!("{dtype} {kind:?} case {case} shape {shape:?} window {:?} strides {:?} pad {:?} base {:?} wdil {:?}", w.window, w.strides, w.padding, w.base, w.wdil);
                assert_eq!(got.shape(), &oshape[..], "{what}");
                assert_eq!(got.dtype(), dtype);
                let xv = x.to_vec::<f64>();
                let (lo, hi) = match dtype {
                    DType::Bool => (0.0, 1.0),
                    d if d.is_integer() => {
                        let i = jnp::iinfo(d);
                        (i.min as f64, i.max as f64)
                    }
                    _ => (f64::NEG_INFINITY, f64::INFINITY),
                };
                let n: usize = oshape.iter().product();
                let want: Vec<f64> = (0..n)
                    .map(|f| {
                        let m = window_members(&unravel(f, &oshape), &shape, &w);
                        let vals = m.iter().map(|&i| xv[i]);
                        match kind {
                            WindowReduceKind::Max => vals.fold(lo, f64::max),
                            WindowReduceKind::Min => vals.fold(hi, f64::min),
                            WindowReduceKind::Sum => vals.sum(),
                        }
                    })
                    .collect();
                // Round the reference through the dtype (identity of the dtype, wrapped sums).
                let want = if dtype.is_float() || kind != WindowReduceKind::Sum {
                    want
                } else {
                    Array::from_vec(want.iter().map(|&v| v as i64).collect::<Vec<_>>(), [n])
                        .astype(dtype)
                        .to_vec::<f64>()
                };
                let rtol = if kind == WindowReduceKind::Sum {
                    common::rtol_for(dtype) * 4.0
                } else {
                    0.0
                };
                common::assert_close(&got.to_vec::<f64>(), &want, rtol, rtol, &what);
            }
        }
    }
}

#[test]
fn reduce_window_max_propagates_nan() {
    let x = Array::from_vec(vec![1.0f32, f32::NAN, 3.0, 4.0], [4]);
    let y = lax::reduce_window(&x, WindowReduceKind::Max, &[2], &[2], "VALID");
    let v = y.to_vec::<f32>();
    assert!(v[0].is_nan());
    assert_eq!(v[1], 4.0);
}

#[test]
fn select_and_scatter_add_matches_naive() {
    let mut rng = Rng::new(33);
    for dtype in [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I32,
        DType::U8,
        DType::I64,
    ] {
        for case in 0..25 {
            let nd = rng.range(1, 4) as usize;
            let shape = rng.shape(nd, 6);
            // Small integer operands so windows often hold ties (first max must win).
            let operand = transposed_input(&mut rng, &shape, DType::I32).astype(dtype);
            let operand = if dtype.is_float() {
                jnp::floor(&(&operand / 20.0))
            } else {
                operand
            };
            let w = random_window(&mut rng, &shape, false);
            let oshape = out_shape(&shape, &w);
            let source = common::random_array(&mut rng, &oshape, dtype);
            let got = scatter_add(&source, &operand, &w);
            assert_eq!(got.shape(), &shape[..]);
            let (ov, sv) = (operand.to_vec::<f64>(), source.to_vec::<f64>());
            let mut want = vec![0.0; ov.len()];
            for (f, &s) in sv.iter().enumerate() {
                let m = window_members(&unravel(f, &oshape), &shape, &w);
                if let Some(&first) = m.first() {
                    let best = m
                        .iter()
                        .copied()
                        .fold(first, |b, i| if ov[b] >= ov[i] { b } else { i });
                    want[best] += s;
                }
            }
            let want = if dtype.is_float() {
                want
            } else {
                Array::from_vec(
                    want.iter().map(|&v| v as i64).collect::<Vec<_>>(),
                    [want.len()],
                )
                .astype(dtype)
                .to_vec::<f64>()
            };
            let rtol = common::rtol_for(dtype) * 4.0;
            common::assert_close(
                &got.to_vec::<f64>(),
                &want,
                rtol,
                rtol,
                &format!("{dtype} case {case} {shape:?}"),
            );
        }
    }
}

/// Pooling layouts: leading axes the windows pass through one to one (batch, channels), then
/// one to three pooled axes with strides and padding; operands with ties and NaNs. Both window
/// walks that pick the first maximum are checked against the naive one: `select_and_scatter_add`
/// (the pooling gradient) and the JVP of a max `reduce_window` (`select_and_gather_add`).
#[test]
fn first_maximum_picks_in_pooling_layouts_match_naive() {
    let mut rng = Rng::new(35);
    for case in 0..30 {
        let lead = rng.range(1, 3) as usize;
        let pooled = rng.range(1, 4) as usize;
        let shape: Vec<usize> = (0..lead + pooled)
            .map(|d| rng.range(if d < lead { 1 } else { 2 }, 6) as usize)
            .collect();
        let mut w = random_window(&mut rng, &shape, false);
        for d in 0..lead {
            (w.window[d], w.strides[d], w.padding[d]) = (1, 1, (0, 0));
        }
        for d in lead..shape.len() {
            w.padding[d] = (w.padding[d].0.max(0), w.padding[d].1.max(0));
        }
        let size: usize = shape.iter().product();
        let values: Vec<f32> = (0..size)
            .map(|_| match rng.range(0, 8) {
                0 => f32::NAN,
                v => v as f32,
            })
            .collect();
        let operand = Array::from_vec(values.clone(), &shape[..]);
        let oshape = out_shape(&shape, &w);
        let source = common::random_array(&mut rng, &oshape, DType::F32);
        let (sv, tangent) = (
            source.to_vec::<f32>(),
            common::random_array(&mut rng, &shape, DType::F32),
        );
        let tv = tangent.to_vec::<f32>();
        let first_max = |m: &[usize]| {
            m.iter()
                .copied()
                .reduce(|b, i| if values[b] >= values[i] { b } else { i })
        };
        // The kernel sums what lands on one position in f64, then rounds once.
        let mut scattered = vec![0.0f64; size];
        let mut gathered = vec![0.0f32; sv.len()];
        for (f, &s) in sv.iter().enumerate() {
            if let Some(best) = first_max(&window_members(&unravel(f, &oshape), &shape, &w)) {
                scattered[best] += f64::from(s);
                gathered[f] = tv[best];
            }
        }
        let got = scatter_add(&source, &operand, &w);
        let scattered: Vec<f32> = scattered.iter().map(|&v| v as f32).collect();
        assert_eq!(
            got.to_vec::<f32>(),
            scattered,
            "scatter, case {case} {shape:?}"
        );
        let (_, dy) = equinox_core::transforms::jvp(
            |x: &Array| {
                lax::reduce_window(
                    x,
                    WindowReduceKind::Max,
                    &w.window,
                    &w.strides,
                    w.padding.clone(),
                )
            },
            &operand,
            &tangent,
        );
        assert_eq!(
            dy.to_vec::<f32>(),
            gathered,
            "gather, case {case} {shape:?}"
        );
    }
}

#[test]
fn select_and_scatter_picks_the_first_maximum() {
    let x = Array::from_vec(vec![5.0f32, 5.0, 1.0, 5.0], [4]);
    let g = Array::from_vec(vec![1.0f32, 10.0], [2]);
    let y = lax::select_and_scatter_add(&g, &x, &[2], &[2], "VALID");
    assert_eq!(y.to_vec::<f32>(), vec![1.0, 0.0, 0.0, 10.0]);
}

#[test]
fn pools_match_equinox_conventions() {
    // (C, H, W) input, 2x2 windows, stride 1, padding 1 on each side.
    let x = jnp::arange(18.0).reshape([2, 3, 3]);
    let m = lax::max_pool(&x, &[2, 2], &[1, 1], [(1, 1), (1, 1)]);
    assert_eq!(m.shape(), &[2, 4, 4]);
    let mv = m.to_vec::<f32>();
    assert_eq!(&mv[..4], &[0.0, 1.0, 2.0, 2.0]);
    assert_eq!(mv[15], 8.0);
    assert_eq!(mv[16], 9.0);
    let a = lax::avg_pool(&x, &[2, 2], &[1, 1], [(1, 1), (1, 1)]);
    let av = a.to_vec::<f32>();
    // Padding counts as zeros and the divisor is always the window size (Equinox's AvgPool).
    assert_eq!(av[0], 0.0 / 4.0);
    assert_eq!(av[5], (0.0 + 1.0 + 3.0 + 4.0) / 4.0);
    assert_eq!(av[1], (0.0 + 1.0) / 4.0);
    let i = lax::avg_pool(&jnp::arange(4).reshape([1, 4]), &[2], &[2], "VALID");
    assert_eq!(i.dtype(), DType::F32);
    assert_eq!(i.to_vec::<f32>(), vec![0.5, 2.5]);
}

#[test]
#[should_panic(
    expected = "reduce_window: reduce_window got the wrong number of window_dimensions for operand: got operand shape (3, 3) with window_dimensions (2,)"
)]
fn window_rank_mismatch() {
    lax::reduce_window_with_options(
        &jnp::ones([3, 3]),
        WindowReduceKind::Max,
        &[2],
        &[1],
        [(0, 0)],
        lax::ReduceWindowOptions {
            base_dilation: Some(&[1]),
            window_dilation: Some(&[1]),
        },
    );
}

#[test]
#[should_panic(
    expected = "select_and_scatter_add: source shape (3,) must be the window grid shape (2,)"
)]
fn scatter_source_shape_mismatch() {
    lax::select_and_scatter_add(&jnp::ones([3]), &jnp::ones([4]), &[2], &[2], "VALID");
}

#[test]
#[should_panic(expected = "reduce_window_sum: bool operands are not supported")]
fn bool_window_sum() {
    let b = Array::from_vec(vec![true, false], [2]);
    lax::reduce_window(&b, WindowReduceKind::Sum, &[1], &[1], "VALID");
}
