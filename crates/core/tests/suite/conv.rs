//! `conv_general_dilated` against a naive loop: random 1-3 spatial dims, strides, positive and
//! negative padding, input and kernel dilation, feature and batch groups, random layouts
//! (dimension numbers), size-0/1 axes, float and integer dtypes; string padding; misuse.
use crate::common;

use common::{unravel, Rng};
use equinox_core::lax::{self, conv_dimension_numbers, ConvDimensionNumbers};
use equinox_core::{numpy as jnp, Array, DType};

struct Params {
    strides: Vec<usize>,
    padding: Vec<(i64, i64)>,
    lhs_dil: Vec<usize>,
    rhs_dil: Vec<usize>,
    fgc: usize,
    bgc: usize,
}

/// Reference convolution on canonical `(N, C, S...)` / `(O, I, K...)` f64 data; returns the
/// canonical output, per-element Σ|x·w| and its shape.
fn naive(
    x: &[f64],
    xs: &[usize],
    w: &[f64],
    ws: &[usize],
    p: &Params,
) -> (Vec<f64>, Vec<f64>, Vec<usize>) {
    let ns = xs.len() - 2;
    let (n, c, o, i) = (xs[0], xs[1], ws[0], ws[1]);
    let out_sp: Vec<usize> = (0..ns)
        .map(|d| {
            let dil_in = if xs[2 + d] == 0 {
                0
            } else {
                (xs[2 + d] - 1) * p.lhs_dil[d] + 1
            } as i64;
            let padded = dil_in + p.padding[d].0 + p.padding[d].1;
            let win = if ws[2 + d] == 0 {
                0
            } else {
                (ws[2 + d] - 1) * p.rhs_dil[d] + 1
            } as i64;
            if padded < win {
                0
            } else {
                ((padded - win) / p.strides[d] as i64 + 1) as usize
            }
        })
        .collect();
    let groups = p.fgc * p.bgc;
    let nout = n / p.bgc;
    let og = o / groups;
    let mut shape = vec![nout, o];
    shape.extend(&out_sp);
    let total: usize = shape.iter().product();
    let kshape = &ws[2..];
    let kprod: usize = kshape.iter().product();
    let (mut out, mut mag) = (vec![0.0; total], vec![0.0; total]);
    for f in 0..total {
        let idx = unravel(f, &shape);
        let (b, oc) = (idx[0], idx[1]);
        let g = oc / og;
        let (nb, c0) = if p.bgc > 1 {
            (g * nout + b, 0)
        } else {
            (b, g * i)
        };
        for ci in 0..i {
            for kf in 0..kprod {
                let k = unravel(kf, kshape);
                let mut pos = vec![nb, c0 + ci];
                let mut ok = true;
                for d in 0..ns {
                    let q =
                        (idx[2 + d] * p.strides[d] + k[d] * p.rhs_dil[d]) as i64 - p.padding[d].0;
                    let ld = p.lhs_dil[d] as i64;
                    if q < 0 || q % ld != 0 || (q / ld) as usize >= xs[2 + d] {
                        ok = false;
                        break;
                    }
                    pos.push((q / ld) as usize);
                }
                if ok {
                    let mut wpos = vec![oc, ci];
                    wpos.extend(&k);
                    let v = x[common::ravel(&pos, xs)] * w[common::ravel(&wpos, ws)];
                    out[f] += v;
                    mag[f] += v.abs();
                }
            }
        }
    }
    let _ = c;
    (out, mag, shape)
}

fn random_perm(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, rng.range(0, i as i64 + 1) as usize);
    }
    p
}

/// Stores canonical `x` in the layout `spec` (array axis `spec[j]` is canonical axis `j`).
fn to_layout(x: &Array, spec: &[usize]) -> Array {
    let mut q = vec![0isize; spec.len()];
    for (j, &a) in spec.iter().enumerate() {
        q[a] = j as isize;
    }
    x.transpose(&q)
}

fn run_case(rng: &mut Rng, dtype: DType, what: &str) {
    let ns = rng.range(1, 4) as usize;
    let (fgc, bgc) = match rng.range(0, 4) {
        0 => (2, 1),
        1 => (1, 2),
        _ => (1, 1),
    };
    let n_min = if rng.range(0, 8) == 0 { 0 } else { 1 };
    let n = bgc * rng.range(n_min, 3) as usize;
    let i = rng.range(1, 4) as usize;
    let o = fgc * bgc * rng.range(1, 3) as usize;
    let max_in = [12, 7, 5][ns - 1];
    let in_sp: Vec<usize> = (0..ns).map(|_| rng.range(1, max_in + 1) as usize).collect();
    let k_sp: Vec<usize> = (0..ns).map(|_| rng.range(1, 4) as usize).collect();
    let mut p = Params {
        strides: (0..ns).map(|_| rng.range(1, 3) as usize).collect(),
        padding: vec![],
        lhs_dil: (0..ns)
            .map(|_| if rng.range(0, 4) == 0 { 2 } else { 1 })
            .collect(),
        rhs_dil: (0..ns)
            .map(|_| if rng.range(0, 4) == 0 { 2 } else { 1 })
            .collect(),
        fgc,
        bgc,
    };
    p.padding = (0..ns)
        .map(|d| {
            let dil = ((in_sp[d] - 1) * p.lhs_dil[d] + 1) as i64;
            let lo = rng.range(-1, 3).max(-(dil - 1));
            let hi = rng.range(-1, 3).max(-(dil + lo));
            (lo, hi)
        })
        .collect();
    let mut xs = vec![n, i * fgc];
    xs.extend(&in_sp);
    let mut ws = vec![o, i];
    ws.extend(&k_sp);
    let x = common::random_array(rng, &xs, dtype);
    let w = common::random_array(rng, &ws, dtype);
    let rank = ns + 2;
    let dn = ConvDimensionNumbers {
        lhs_spec: random_perm(rng, rank).into_iter().collect(),
        rhs_spec: random_perm(rng, rank).into_iter().collect(),
        out_spec: random_perm(rng, rank).into_iter().collect(),
    };
    let got = lax::conv_general_dilated_with_options(
        &to_layout(&x, &dn.lhs_spec),
        &to_layout(&w, &dn.rhs_spec),
        &p.strides,
        p.padding.clone(),
        lax::ConvGeneralDilatedOptions {
            lhs_dilation: Some(&p.lhs_dil),
            rhs_dilation: Some(&p.rhs_dil),
            dimension_numbers: Some(&dn),
            feature_group_count: fgc,
            batch_group_count: bgc,
            ..Default::default()
        },
    );
    assert_eq!(got.dtype(), dtype);
    let out_spec: Vec<isize> = dn.out_spec.iter().map(|&a| a as isize).collect();
    let got = got.transpose(&out_spec);
    let (want, mag, shape) = naive(&x.to_vec::<f64>(), &xs, &w.to_vec::<f64>(), &ws, &p);
    let what = format!(
        "{what}: {dtype} x{xs:?} w{ws:?} strides {:?} pad {:?} dil {:?}/{:?} groups {fgc}/{bgc}",
        p.strides, p.padding, p.lhs_dil, p.rhs_dil
    );
    assert_eq!(got.shape(), &shape[..], "{what}");
    let eps = match dtype {
        DType::F16 => 3e-3,
        DType::BF16 => 2.4e-2,
        DType::F32 => 1e-6,
        DType::F64 => 1e-14,
        _ => 0.0,
    };
    let g = got.to_vec::<f64>();
    for k in 0..g.len() {
        let want_k = if dtype.is_integer() {
            Array::scalar(want[k] as i64).astype(dtype).item::<f64>()
        } else {
            want[k]
        };
        let tol = eps * (mag[k] + want_k.abs());
        assert!(
            (g[k] - want_k).abs() <= tol,
            "{what}: element {k}: got {}, want {want_k}",
            g[k]
        );
    }
}

#[test]
fn random_convolutions() {
    let mut rng = Rng::new(5);
    for dtype in [
        DType::F32,
        DType::F64,
        DType::F16,
        DType::BF16,
        DType::I32,
        DType::U8,
    ] {
        for case in 0..25 {
            run_case(&mut rng, dtype, &format!("case {case}"));
        }
    }
}

#[test]
fn cnn_sized_convolution_runs_in_parallel() {
    // Big enough to take the threaded path (batch elements in parallel).
    let mut rng = Rng::new(9);
    for _ in 0..2 {
        let x = common::random_array(&mut rng, &[4, 3, 14, 14], DType::F32);
        let w = common::random_array(&mut rng, &[8, 3, 3, 3], DType::F32);
        let got = lax::conv(&x, &w, &[1, 1], "SAME");
        let p = Params {
            strides: vec![1, 1],
            padding: vec![(1, 1), (1, 1)],
            lhs_dil: vec![1, 1],
            rhs_dil: vec![1, 1],
            fgc: 1,
            bgc: 1,
        };
        let (want, _, shape) = naive(
            &x.to_vec::<f64>(),
            &[4, 3, 14, 14],
            &w.to_vec::<f64>(),
            &[8, 3, 3, 3],
            &p,
        );
        assert_eq!(got.shape(), &shape[..]);
        common::assert_close(&got.to_vec::<f64>(), &want, 1e-5, 1e-5, "cnn conv");
    }
}

#[test]
fn string_padding_and_dimension_number_strings() {
    let x = jnp::ones([1, 5, 5, 2]); // NHWC
    let w = jnp::ones([3, 3, 2, 4]); // HWIO
    let dn = conv_dimension_numbers("NHWC", "HWIO", "NHWC");
    let y = lax::conv_general_dilated_with_options(
        &x,
        &w,
        &[2, 2],
        "SAME",
        lax::ConvGeneralDilatedOptions {
            dimension_numbers: Some(&dn),
            ..Default::default()
        },
    );
    // SAME with stride 2 on 5: output 3, total padding 2 → (1, 1).
    assert_eq!(y.shape(), &[1, 3, 3, 4]);
    let v = y.to_vec::<f32>();
    assert_eq!(v[0], 8.0); // corner: 2x2 taps x 2 channels
    assert_eq!(v[4 * 4], 18.0); // centre: 3x3 taps x 2 channels
    let y = lax::conv_general_dilated_with_options(
        &x,
        &w,
        &[1, 1],
        "VALID",
        lax::ConvGeneralDilatedOptions {
            rhs_dilation: Some(&[2, 2]),
            dimension_numbers: Some(&dn),
            ..Default::default()
        },
    );
    assert_eq!(y.shape(), &[1, 1, 1, 4]);
}

#[test]
fn preferred_element_type_widens() {
    let x = jnp::ones([1, 1, 4]).astype(DType::BF16);
    let w = jnp::ones([1, 1, 2]).astype(DType::BF16);
    let y = lax::conv_general_dilated_with_options(
        &x,
        &w,
        &[1],
        "VALID",
        lax::ConvGeneralDilatedOptions {
            preferred_element_type: Some(DType::F32),
            ..Default::default()
        },
    );
    assert_eq!(y.dtype(), DType::F32);
    assert_eq!(y.to_vec::<f32>(), vec![2.0, 2.0, 2.0]);
}

#[test]
#[should_panic(
    expected = "conv_general_dilated: the lhs feature size 3 divided by feature_group_count 1 must equal the rhs input feature size 2"
)]
fn feature_mismatch() {
    lax::conv(&jnp::ones([1, 3, 5]), &jnp::ones([4, 2, 3]), &[1], "VALID");
}

#[test]
#[should_panic(
    expected = "conv_general_dilated: negative padding (-3, -3) is larger than spatial axis 0"
)]
fn negative_padding_too_large() {
    lax::conv(
        &jnp::ones([1, 1, 5]),
        &jnp::ones([1, 1, 1]),
        &[1],
        [(-3, -3)],
    );
}

#[test]
#[should_panic(
    expected = "conv_general_dilated: at most one of feature_group_count and batch_group_count may exceed 1"
)]
fn both_group_counts() {
    lax::conv_general_dilated_with_options(
        &jnp::ones([2, 2, 5]),
        &jnp::ones([2, 1, 1]),
        &[1],
        "VALID",
        lax::ConvGeneralDilatedOptions {
            feature_group_count: 2,
            batch_group_count: 2,
            ..Default::default()
        },
    );
}

#[test]
#[should_panic(expected = "conv_general_dilated: lhs and rhs must have the same dtype")]
fn mixed_dtypes() {
    lax::conv(
        &jnp::ones([1, 1, 5]),
        &jnp::ones([1, 1, 1]).astype(DType::F64),
        &[1],
        "VALID",
    );
}

#[test]
#[should_panic(expected = "conv_dimension_numbers: each spec needs exactly one 'C'")]
fn bad_dimension_number_string() {
    conv_dimension_numbers("NHWX", "HWIO", "NHWC");
}

#[test]
fn kernels_wider_than_the_output_match_the_naive_loop() {
    // A weight gradient's shape: the "kernel" is an activation map, the output a few
    // positions, so the patch matrix is built transposed. Padding, strides and dilations
    // included; the last case has an output axis as wide as the kernel's (the usual layout).
    // f32 and f64 sum over input channels with accumulating products;
    // bf16 and grouped convolutions (feature groups 2) build the per-example products instead.
    let mut rng = Rng::new(17);
    // (input shape, kernel shape, strides, padding, rhs dilation)
    type Case<'a> = (
        &'a [usize],
        &'a [usize],
        [usize; 2],
        [(i64, i64); 2],
        [usize; 2],
    );
    let cases: [Case; 6] = [
        (
            &[2, 3, 9, 11],
            &[4, 3, 7, 9],
            [1, 1],
            [(0, 0), (0, 0)],
            [1, 1],
        ),
        (
            &[1, 2, 10, 12],
            &[3, 2, 6, 8],
            [1, 1],
            [(1, 2), (2, 1)],
            [1, 1],
        ),
        (
            &[2, 2, 13, 15],
            &[2, 2, 5, 7],
            [2, 3],
            [(1, 0), (0, 2)],
            [1, 1],
        ),
        (
            &[1, 2, 9, 14],
            &[2, 2, 3, 6],
            [1, 1],
            [(0, 0), (0, 0)],
            [2, 2],
        ),
        (
            &[3, 5, 8, 10],
            &[6, 5, 6, 7],
            [1, 1],
            [(1, 1), (0, 1)],
            [1, 1],
        ),
        // Large enough for the threaded paths (windows filled in parallel, threaded products).
        (
            &[6, 2, 40, 40],
            &[4, 2, 36, 37],
            [1, 1],
            [(0, 0), (0, 0)],
            [1, 1],
        ),
    ];
    let runs = [
        (DType::F32, 1),
        (DType::F64, 1),
        (DType::BF16, 1),
        (DType::F32, 2),
    ];
    for ((xs, ws, strides, padding, rhs_dil), (dtype, fgc)) in
        cases.into_iter().flat_map(|c| runs.map(|r| (c, r)))
    {
        let x = common::random_array(&mut rng, xs, dtype);
        // Feature groups split the input channels: each kernel sees channels / groups.
        let ws: Vec<usize> = if fgc == 1 || xs[1] % fgc != 0 || ws[0] % fgc != 0 {
            ws.to_vec()
        } else {
            [&[ws[0], ws[1] / fgc][..], &ws[2..]].concat()
        };
        let fgc = if ws[1] == xs[1] { 1 } else { fgc };
        let w = common::random_array(&mut rng, &ws, dtype);
        let got = lax::conv_general_dilated_with_options(
            &x,
            &w,
            &strides,
            padding.to_vec(),
            lax::ConvGeneralDilatedOptions {
                lhs_dilation: Some(&[1, 1]),
                rhs_dilation: Some(&rhs_dil),
                feature_group_count: fgc,
                ..Default::default()
            },
        );
        let p = Params {
            strides: strides.to_vec(),
            padding: padding.to_vec(),
            lhs_dil: vec![1, 1],
            rhs_dil: rhs_dil.to_vec(),
            fgc,
            bgc: 1,
        };
        let (want, _, shape) = naive(&x.to_vec::<f64>(), xs, &w.to_vec::<f64>(), &ws, &p);
        assert_eq!(got.shape(), &shape[..]);
        // Each output sums `terms` products of unit-variance values: rounding errors grow with
        // the square root of the count, and cancellation makes outputs small beside them.
        let terms: usize = ws[1..].iter().product();
        let tol = common::rtol_for(dtype) * 10.0;
        let what = format!("wide-kernel conv {dtype} groups {fgc} {xs:?} * {ws:?}");
        let atol = tol * (terms as f64).sqrt();
        common::assert_close(&got.to_vec::<f64>(), &want, tol, atol, &what);
    }
}
