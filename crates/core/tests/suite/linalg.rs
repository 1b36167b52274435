//! The numpy-level products (`matmul`, `dot`, `vdot`, `inner`, `outer`, `tensordot`, `einsum`)
//! against naive loops, plus the JAX parity goldens for contractions, convolutions and pools.
use crate::common;

use common::{unravel, Rng};
use equinox_core::lax::{self, WindowReduceKind};
use equinox_core::{numpy as jnp, Array, DType};
use std::collections::HashMap;

/// A naive einsum: loops over every assignment of every label and accumulates the product into
/// the output position. Handles implicit outputs only through an explicit `out`.
fn naive_einsum(terms: &[&str], out: &str, ops: &[&Array]) -> (Vec<f64>, Vec<usize>) {
    let mut size: HashMap<char, usize> = HashMap::new();
    for (t, x) in terms.iter().zip(ops) {
        for (c, &s) in t.chars().zip(x.shape()) {
            let e = size.entry(c).or_insert(s);
            if *e == 1 {
                *e = s;
            }
        }
    }
    let labels: Vec<char> = {
        let mut l: Vec<char> = size.keys().copied().collect();
        l.sort_unstable();
        l
    };
    let dims: Vec<usize> = labels.iter().map(|c| size[c]).collect();
    let out_shape: Vec<usize> = out.chars().map(|c| size[&c]).collect();
    let mut res = vec![0.0; out_shape.iter().product()];
    let vals: Vec<Vec<f64>> = ops.iter().map(|x| x.to_vec::<f64>()).collect();
    let total: usize = dims.iter().product();
    for f in 0..total {
        let idx = unravel(f, &dims);
        let at = |c: char| idx[labels.iter().position(|&d| d == c).unwrap()];
        let mut prod = 1.0;
        for ((t, x), v) in terms.iter().zip(ops).zip(&vals) {
            // Size-1 axes broadcast: they always read index 0.
            let i: Vec<usize> = t
                .chars()
                .zip(x.shape())
                .map(|(c, &s)| if s == 1 { 0 } else { at(c) })
                .collect();
            prod *= v[common::ravel(&i, x.shape())];
        }
        let oi: Vec<usize> = out.chars().map(at).collect();
        res[common::ravel(&oi, &out_shape)] += prod;
    }
    (res, out_shape)
}

fn check_einsum(spec: &str, shapes: &[&[usize]], rng: &mut Rng, dtype: DType) {
    let ops: Vec<Array> = shapes
        .iter()
        .map(|s| common::random_array(rng, s, dtype))
        .collect();
    let refs: Vec<&Array> = ops.iter().collect();
    let got = jnp::einsum(spec, &refs);
    let (lhs, out) = spec.split_once("->").unwrap();
    let terms: Vec<&str> = lhs.split(',').collect();
    let (want, shape) = naive_einsum(&terms, out, &refs);
    assert_eq!(got.shape(), &shape[..], "{spec}");
    assert_eq!(got.dtype(), dtype, "{spec}");
    let rtol = common::rtol_for(dtype) * 20.0;
    common::assert_close(
        &got.to_vec::<f64>(),
        &want,
        rtol,
        rtol * 10.0,
        &format!("{spec} {dtype}"),
    );
}

#[test]
fn einsum_matches_naive_loops() {
    let mut rng = Rng::new(2);
    let cases: &[(&str, &[&[usize]])] = &[
        ("ij,jk->ik", &[&[3, 4], &[4, 5]]),
        ("ij,jk->ki", &[&[3, 4], &[4, 5]]),
        ("bij,bjk->bik", &[&[2, 3, 4], &[2, 4, 5]]),
        ("bij,bkj->bki", &[&[2, 3, 4], &[2, 5, 4]]),
        ("ij,ij->i", &[&[3, 4], &[3, 4]]),
        ("ij,ij->ij", &[&[3, 4], &[3, 4]]),
        ("i,j->ij", &[&[3], &[4]]),
        ("ij->ji", &[&[3, 4]]),
        ("ijk->k", &[&[2, 3, 4]]),
        ("ij->", &[&[3, 4]]),
        ("ij,jk,kl->il", &[&[2, 3], &[3, 4], &[4, 2]]),
        ("abc,cd,a->bd", &[&[2, 3, 4], &[4, 2], &[2]]),
        ("ij,kj->", &[&[3, 4], &[2, 4]]),
        ("ij,jk->ik", &[&[0, 4], &[4, 5]]),
        ("ij,jk->ik", &[&[3, 0], &[0, 5]]),
        ("bhqd,bhkd->bhqk", &[&[2, 2, 3, 4], &[2, 2, 5, 4]]),
        ("ij,j->ij", &[&[3, 1], &[4]]),
    ];
    for dtype in [DType::F32, DType::F64, DType::BF16, DType::I32] {
        for (spec, shapes) in cases {
            check_einsum(spec, shapes, &mut rng, dtype);
        }
    }
}

#[test]
fn einsum_implicit_output_and_ellipsis() {
    let a = jnp::arange(6.0).reshape([2, 3]);
    let b = jnp::arange(12.0).reshape([3, 4]);
    let explicit = jnp::einsum("ij,jk->ik", &[&a, &b]);
    assert_eq!(
        jnp::einsum("ij,jk", &[&a, &b]).to_vec::<f32>(),
        explicit.to_vec::<f32>()
    );
    // Implicit output sorts the once-used labels: "ba" → "ab" is the transpose.
    assert_eq!(
        jnp::einsum("ba", &[&a]).to_vec::<f32>(),
        a.t().to_vec::<f32>()
    );
    let x = jnp::arange(24.0).reshape([2, 3, 4]);
    let y = jnp::einsum("...j,jk->...k", &[&x, &jnp::ones([4, 2])]);
    assert_eq!(y.shape(), &[2, 3, 2]);
    assert_eq!(y.to_vec::<f32>()[0], 6.0);
    assert_eq!(
        jnp::einsum("i...->...", &[&x]).to_vec::<f32>(),
        x.sum(0).to_vec::<f32>()
    );
}

/// Reference matmul with numpy broadcasting, through explicit loops.
fn naive_matmul(a: &Array, b: &Array) -> (Vec<f64>, Vec<usize>) {
    let (a1, b1) = (a.ndim() == 1, b.ndim() == 1);
    let ash: Vec<usize> = if a1 {
        vec![1, a.shape()[0]]
    } else {
        a.shape().to_vec()
    };
    let bsh: Vec<usize> = if b1 {
        vec![b.shape()[0], 1]
    } else {
        b.shape().to_vec()
    };
    let (m, k, n) = (ash[ash.len() - 2], ash[ash.len() - 1], bsh[bsh.len() - 1]);
    let (ab, bb) = (&ash[..ash.len() - 2], &bsh[..bsh.len() - 2]);
    let nb = ab.len().max(bb.len());
    let pad = |s: &[usize]| -> Vec<usize> {
        std::iter::repeat_n(1, nb - s.len())
            .chain(s.iter().copied())
            .collect()
    };
    let (pa, pb) = (pad(ab), pad(bb));
    let batch: Vec<usize> = pa
        .iter()
        .zip(&pb)
        .map(|(&x, &y)| if x == 1 { y } else { x })
        .collect();
    let (av, bv) = (a.to_vec::<f64>(), b.to_vec::<f64>());
    let nbatch: usize = batch.iter().product();
    let mut out = vec![];
    for f in 0..nbatch {
        let bi = unravel(f, &batch);
        let ia: Vec<usize> = bi
            .iter()
            .zip(&pa)
            .map(|(&i, &s)| if s == 1 { 0 } else { i })
            .collect();
        let ib: Vec<usize> = bi
            .iter()
            .zip(&pb)
            .map(|(&i, &s)| if s == 1 { 0 } else { i })
            .collect();
        let oa = common::ravel(&ia, &pa) * m * k;
        let ob = common::ravel(&ib, &pb) * k * n;
        for i in 0..m {
            for j in 0..n {
                out.push(
                    (0..k)
                        .map(|p| av[oa + i * k + p] * bv[ob + p * n + j])
                        .sum(),
                );
            }
        }
    }
    let mut shape = batch;
    if !a1 {
        shape.push(m);
    }
    if !b1 {
        shape.push(n);
    }
    (out, shape)
}

#[test]
fn matmul_matches_naive_with_broadcasting() {
    let mut rng = Rng::new(4);
    let cases: &[(&[usize], &[usize])] = &[
        (&[3, 4], &[4, 5]),
        (&[4], &[4, 5]),
        (&[3, 4], &[4]),
        (&[4], &[4]),
        (&[2, 3, 4], &[4, 5]),
        (&[3, 4], &[2, 4, 5]),
        (&[2, 1, 3, 4], &[5, 4, 2]),
        (&[1, 3, 4], &[1, 4, 2]),
        (&[2, 3, 4], &[2, 4, 1]),
        (&[0, 3, 4], &[4, 5]),
        (&[3, 0], &[0, 5]),
        (&[4], &[2, 4, 3]),
    ];
    for dtype in [DType::F32, DType::F64, DType::F16, DType::I64, DType::U8] {
        for (sa, sb) in cases {
            let a = common::random_array(&mut rng, sa, dtype);
            let b = common::random_array(&mut rng, sb, dtype);
            let got = jnp::matmul(&a, &b);
            let (want, shape) = naive_matmul(&a, &b);
            assert_eq!(got.shape(), &shape[..], "{sa:?} @ {sb:?}");
            let want = if dtype.is_integer() {
                Array::from_vec(
                    want.iter().map(|&v| v as i64).collect::<Vec<_>>(),
                    [want.len()],
                )
                .astype(dtype)
                .to_vec::<f64>()
            } else {
                want
            };
            let rtol = common::rtol_for(dtype) * 20.0;
            common::assert_close(
                &got.to_vec::<f64>(),
                &want,
                rtol,
                rtol * 10.0,
                &format!("{dtype} {sa:?} @ {sb:?}"),
            );
        }
    }
    // Transposed operands (the gradient pattern x.T @ g) and mixed dtypes promote.
    let x = common::random_array(&mut rng, &[5, 3], DType::F32);
    let g = common::random_array(&mut rng, &[5, 4], DType::F32);
    let got = x.t().matmul(&g);
    let (want, _) = naive_matmul(&x.t(), &g);
    common::assert_close(&got.to_vec::<f64>(), &want, 1e-5, 1e-5, "x.T @ g");
    let i = jnp::arange(3);
    assert_eq!(jnp::matmul(&i, &jnp::ones([3, 2])).dtype(), DType::F32);
}

#[test]
fn dot_inner_outer_vdot_tensordot() {
    let mut rng = Rng::new(8);
    let a = common::random_array(&mut rng, &[2, 3, 4], DType::F64);
    let b = common::random_array(&mut rng, &[5, 4, 6], DType::F64);
    let (av, bv) = (a.to_vec::<f64>(), b.to_vec::<f64>());
    // dot: contracts a's last axis with b's second-to-last.
    let d = jnp::dot(&a, &b);
    assert_eq!(d.shape(), &[2, 3, 5, 6]);
    let dv = d.to_vec::<f64>();
    for (f, &got) in dv.iter().enumerate() {
        let [i, j, k, l] = unravel(f, &[2, 3, 5, 6])[..] else {
            unreachable!()
        };
        let want: f64 = (0..4)
            .map(|p| av[(i * 3 + j) * 4 + p] * bv[(k * 4 + p) * 6 + l])
            .sum();
        assert!((got - want).abs() < 1e-12);
    }
    assert_eq!(
        jnp::dot(&Array::scalar(2.0f32), &jnp::ones([3])).to_vec::<f32>(),
        vec![2.0; 3]
    );
    // inner: last axes.
    let c = common::random_array(&mut rng, &[5, 4], DType::F64);
    let cv = c.to_vec::<f64>();
    let inn = jnp::inner(&a, &c).to_vec::<f64>();
    for (f, &got) in inn.iter().enumerate() {
        let [i, j, k] = unravel(f, &[2, 3, 5])[..] else {
            unreachable!()
        };
        let want: f64 = (0..4)
            .map(|p| av[(i * 3 + j) * 4 + p] * cv[k * 4 + p])
            .sum();
        assert!((got - want).abs() < 1e-12);
    }
    // vdot flattens; outer flattens.
    let v = jnp::vdot(&c, &c).item::<f64>();
    assert!((v - cv.iter().map(|x| x * x).sum::<f64>()).abs() < 1e-12);
    let o = jnp::outer(&c, &jnp::arange(2.0).astype(DType::F64));
    assert_eq!(o.shape(), &[20, 2]);
    assert_eq!(o.to_vec::<f64>()[7], cv[3]);
    // tensordot with explicit pairs and counts.
    let t = jnp::tensordot(&a, &b, ([2], [1]));
    assert_eq!(t.to_vec::<f64>(), d.to_vec::<f64>());
    let e = common::random_array(&mut rng, &[3, 4, 2], DType::F64);
    let ev = e.to_vec::<f64>();
    let t2 = jnp::tensordot(&a, &e, 2).to_vec::<f64>();
    for i in 0..2 {
        for l in 0..2 {
            let want: f64 = (0..12).map(|p| av[i * 12 + p] * ev[p * 2 + l]).sum();
            assert!((t2[i * 2 + l] - want).abs() < 1e-12);
        }
    }
}

#[test]
#[should_panic(expected = "matmul: input operand 0 must have ndim at least 1")]
fn matmul_scalar() {
    jnp::matmul(&Array::scalar(1.0f32), &jnp::ones([2]));
}

#[test]
#[should_panic(
    expected = "matmul: incompatible shapes (2, 3, 4) and (3, 4, 5): batch axes do not broadcast"
)]
fn matmul_batch_mismatch() {
    jnp::matmul(&jnp::ones([2, 3, 4]), &jnp::ones([3, 4, 5]));
}

#[test]
#[should_panic(expected = "dot: shapes (2, 3) and (4,) are not aligned")]
fn dot_misaligned() {
    jnp::dot(&jnp::ones([2, 3]), &jnp::ones([4]));
}

#[test]
fn einsum_diagonal_and_trace() {
    let m = jnp::arange(9.0).reshape([3, 3]);
    assert_eq!(
        jnp::einsum("ii->i", &[&m]).to_vec::<f32>(),
        vec![0.0, 4.0, 8.0]
    );
    assert_eq!(jnp::einsum("ii", &[&m]).item::<f32>(), 12.0);
}

#[test]
#[should_panic(
    expected = "einsum: Size of label 'j' for operand 1 (4) does not match previous terms (5)"
)]
fn einsum_size_mismatch() {
    jnp::einsum("ij,jk->ik", &[&jnp::ones([3, 4]), &jnp::ones([5, 2])]);
}

#[test]
#[should_panic(expected = "einsum: Output character 'z' did not appear in the input (\"ij->z\")")]
fn einsum_unknown_output() {
    jnp::einsum("ij->z", &[&jnp::ones([3, 4])]);
}

fn load(v: &serde_json::Value) -> Array {
    let shape: Vec<usize> = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data: Vec<f32> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| equinox_testing::golden::number(d) as f32)
        .collect();
    Array::from_vec(data, shape)
}

#[test]
fn parity_with_jax() {
    let golden = equinox_testing::Golden::load("contract");
    let cases = golden.section("cases");
    assert_eq!(cases.len(), 17);
    for case in cases.iter() {
        let name = case["name"].as_str().unwrap();
        let ins: Vec<Array> = case["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(load)
            .collect();
        let want = load(&case["out"]);
        let dn_nhwc = lax::conv_dimension_numbers("NHWC", "HWIO", "NHWC");
        let got = match name {
            "matmul_3d_2d" | "matmul_broadcast" | "matmul_vec_batched" => {
                jnp::matmul(&ins[0], &ins[1])
            }
            "einsum_bij_bjk" => jnp::einsum("bij,bjk->bik", &[&ins[0], &ins[1]]),
            "einsum_chain" => jnp::einsum("ij,jk,kl->li", &[&ins[0], &ins[1], &ins[2]]),
            "einsum_sum_and_ellipsis" => jnp::einsum("...ij,ji->...", &[&ins[0], &ins[1]]),
            "tensordot_2" => jnp::tensordot(&ins[0], &ins[1], 2),
            "conv_same" => lax::conv(&ins[0], &ins[1], &[1, 1], "SAME"),
            "conv_stride_dilation_groups" => lax::conv_general_dilated_with_options(
                &ins[0],
                &ins[1],
                &[2, 1],
                [(1, 0), (2, -1)],
                lax::ConvGeneralDilatedOptions {
                    rhs_dilation: Some(&[2, 1]),
                    feature_group_count: 2,
                    ..Default::default()
                },
            ),
            "conv_nhwc_hwio" => lax::conv_general_dilated_with_options(
                &ins[0],
                &ins[1],
                &[1, 1],
                "VALID",
                lax::ConvGeneralDilatedOptions {
                    dimension_numbers: Some(&dn_nhwc),
                    ..Default::default()
                },
            ),
            "conv_transposed_1d" => lax::conv_general_dilated_with_options(
                &ins[0],
                &ins[1],
                &[1],
                [(2, 1)],
                lax::ConvGeneralDilatedOptions {
                    lhs_dilation: Some(&[2]),
                    ..Default::default()
                },
            ),
            "conv_batch_groups" => lax::conv_general_dilated_with_options(
                &ins[0],
                &ins[1],
                &[1],
                "VALID",
                lax::ConvGeneralDilatedOptions {
                    batch_group_count: 2,
                    ..Default::default()
                },
            ),
            "conv_3d" => lax::conv(&ins[0], &ins[1], &[2, 1, 1], "SAME"),
            "max_pool_2x2" => lax::max_pool(&ins[0], &[2, 2], &[2, 2], "VALID"),
            "avg_pool_3x3_pad" => lax::avg_pool(&ins[0], &[3, 3], &[2, 2], [(1, 1), (1, 1)]),
            "reduce_window_min_dilated" => lax::reduce_window_with_options(
                &ins[0],
                WindowReduceKind::Min,
                &[1, 2, 2],
                &[1, 1, 2],
                [(0, 0), (1, 0), (0, 1)],
                lax::ReduceWindowOptions {
                    base_dilation: Some(&[1, 2, 1]),
                    window_dilation: Some(&[1, 1, 2]),
                },
            ),
            "max_pool_grad" => lax::select_and_scatter_add(
                &ins[0],
                &ins[1],
                &[1, 3, 3],
                &[1, 2, 2],
                [(0, 0), (1, 1), (1, 1)],
            ),
            other => panic!("unknown golden case {other}"),
        };
        assert_eq!(got.shape(), want.shape(), "{name}");
        common::assert_close(
            &got.to_vec::<f64>(),
            &want.to_vec::<f64>(),
            1e-5,
            1e-5,
            name,
        );
    }
    golden.assert_all_read();
}
