//! Transformation rules of `dot_general` and `conv_general_dilated`: derivatives against finite
//! differences and the vjp/jvp dot-product test (`check_grads`, float64), the batching law
//! (`vmap` equals a loop over lanes) for every placement of the mapped axes, compositions
//! (grad of vmap, vmap of grad, grad of grad, jit of grad), the numpy users (`matmul`,
//! `einsum`) and `make_jaxpr` printing against JAX's text (`parity/literals_jaxpr.py`).

use crate::ad_lanes;
use crate::common;

use ad_lanes::{check_vmap, rand, with_axis};
use common::{assert_close, Rng};
use equinox_core::lax::{self, DotDimensionNumbers};
use equinox_core::numpy as jnp;
use equinox_core::prims::conv::ConvDimensionNumbers;
use equinox_core::transforms::{
    check_grads, grad, jit, make_jaxpr, vjp, vmap, vmap_with, VmapSpec,
};
use equinox_core::{Array, DType};
use equinox_testing::Golden;

/// A random `dot_general` problem: operand shapes and dimension numbers with 0-2 batch,
/// contracting and free axes on each side, placed in random order; sizes 1-3.
fn random_dot(rng: &mut Rng) -> (Vec<usize>, Vec<usize>, DotDimensionNumbers) {
    let nb = rng.range(0, 3) as usize;
    let nc = rng.range(0, 3) as usize;
    let (lf, rf) = (rng.range(0, 3) as usize, rng.range(0, 3) as usize);
    let bsz: Vec<usize> = (0..nb).map(|_| rng.range(1, 4) as usize).collect();
    let csz: Vec<usize> = (0..nc).map(|_| rng.range(1, 4) as usize).collect();
    // Roles: 0 = batch i, 1 = contracting i, 2 = free.
    let mut place = |nf: usize| {
        let mut roles: Vec<(u8, usize)> = (0..nb).map(|i| (0, i)).collect();
        roles.extend((0..nc).map(|i| (1, i)));
        roles.extend((0..nf).map(|i| (2, i)));
        for i in (1..roles.len()).rev() {
            roles.swap(i, rng.range(0, i as i64 + 1) as usize);
        }
        let shape: Vec<usize> = roles
            .iter()
            .map(|&(r, i)| match r {
                0 => bsz[i],
                1 => csz[i],
                _ => rng.range(1, 4) as usize,
            })
            .collect();
        let pos = |kind: u8, i: usize| roles.iter().position(|&r| r == (kind, i)).unwrap();
        let batch: Vec<usize> = (0..nb).map(|i| pos(0, i)).collect();
        let contract: Vec<usize> = (0..nc).map(|i| pos(1, i)).collect();
        (shape, batch, contract)
    };
    let (ls, lb, lc) = place(lf);
    let (rs, rb, rc) = place(rf);
    (ls, rs, DotDimensionNumbers::new((&lc, &rc), (&lb, &rb)))
}

#[test]
fn dot_general_grads_on_random_dimension_numbers() {
    let mut rng = Rng::new(1);
    for case in 0..16 {
        let (ls, rs, dn) = random_dot(&mut rng);
        let x = vec![rand(&mut rng, &ls), rand(&mut rng, &rs)];
        let f = |v: &Vec<Array>| lax::dot_general(&v[0], &v[1], dn.clone(), None);
        check_grads(f, &x, 1e-3, 1e-7, 1e-9);
        // Differentiating one side only (the other is a constant).
        let y = x[1].clone();
        check_grads(
            |a: &Array| lax::dot_general(a, &y, dn.clone(), None),
            &x[0],
            1e-3,
            1e-7,
            1e-9,
        );
        let _ = case;
    }
}

#[test]
fn dot_general_vjp_matches_explicit_matrix_products() {
    // For C = A B: dA = G B^T and dB = A^T G, computed here with plain loops.
    let mut rng = Rng::new(2);
    let (m, k, n) = (3, 4, 2);
    let a = rand(&mut rng, &[m, k]);
    let b = rand(&mut rng, &[k, n]);
    let g = rand(&mut rng, &[m, n]);
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let (_, pullback) = vjp(
        |v: &(Array, Array)| lax::dot_general(&v.0, &v.1, dn.clone(), None),
        &(a.clone(), b.clone()),
    );
    let (da, db) = pullback.transpose(&g);
    let (av, bv, gv) = (a.to_vec::<f64>(), b.to_vec::<f64>(), g.to_vec::<f64>());
    let mut want_a = vec![0.0; m * k];
    let mut want_b = vec![0.0; k * n];
    for i in 0..m {
        for p in 0..k {
            for j in 0..n {
                want_a[i * k + p] += gv[i * n + j] * bv[p * n + j];
                want_b[p * n + j] += av[i * k + p] * gv[i * n + j];
            }
        }
    }
    assert_close(&da.to_vec::<f64>(), &want_a, 1e-12, 1e-12, "dA");
    assert_close(&db.to_vec::<f64>(), &want_b, 1e-12, 1e-12, "dB");
}

#[test]
fn dot_general_preferred_element_type_cotangents_have_operand_dtype() {
    // f32 operands with a float64 product: the cotangents come back as f32, equal to the
    // float64 computation rounded.
    let mut rng = Rng::new(3);
    let a = rand(&mut rng, &[2, 3]).astype(DType::F32);
    let b = rand(&mut rng, &[3, 4]).astype(DType::F32);
    let g = rand(&mut rng, &[2, 4]);
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let f = |v: &(Array, Array)| lax::dot_general(&v.0, &v.1, dn.clone(), Some(DType::F64));
    let (out, pullback) = vjp(f, &(a.clone(), b.clone()));
    assert_eq!(out.dtype(), DType::F64);
    let (da, db) = pullback.transpose(&g);
    assert_eq!((da.dtype(), db.dtype()), (DType::F32, DType::F32));
    let f64_pair = (a.astype(DType::F64), b.astype(DType::F64));
    let (_, wide) = vjp(
        |v: &(Array, Array)| lax::dot_general(&v.0, &v.1, dn.clone(), None),
        &f64_pair,
    );
    let (wa, wb) = wide.transpose(&g);
    assert_close(
        &da.to_vec::<f64>(),
        &wa.astype(DType::F32).to_vec::<f64>(),
        0.0,
        0.0,
        "dA",
    );
    assert_close(
        &db.to_vec::<f64>(),
        &wb.astype(DType::F32).to_vec::<f64>(),
        0.0,
        0.0,
        "dB",
    );
}

#[test]
fn dot_general_integer_operands_have_zero_tangents() {
    let a = Array::from_vec(vec![1i32, 2, 3, 4], [2, 2]);
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let (y, t) =
        equinox_core::transforms::jvp(|x: &Array| lax::dot_general(x, x, dn.clone(), None), &a, &a);
    assert_eq!(y.to_vec::<i32>(), vec![7, 10, 15, 22]);
    assert_eq!(t.to_vec::<i32>(), vec![0; 4]);
}

#[test]
fn dot_general_batching_law() {
    let mut rng = Rng::new(4);
    for case in 0..24 {
        let (ls, rs, dn) = random_dot(&mut rng);
        let n = rng.range(1, 4) as usize;
        // 0: lhs only, 1: rhs only, 2: both.
        let which = case % 3;
        let lax_ = (which != 1).then(|| rng.range(0, ls.len() as i64 + 1) as usize);
        let rax = (which != 0).then(|| rng.range(0, rs.len() as i64 + 1) as usize);
        let l = rand(&mut rng, &lax_.map_or(ls.clone(), |a| with_axis(&ls, a, n)));
        let r = rand(&mut rng, &rax.map_or(rs.clone(), |a| with_axis(&rs, a, n)));
        let out_rank = ls.len() + rs.len() - 2 * dn.lhs_contracting.len() - dn.lhs_batch.len();
        let out_axis = rng.range(0, out_rank as i64 + 1) as isize;
        let f = |v: &Vec<Array>| vec![lax::dot_general(&v[0], &v[1], dn.clone(), None)];
        let in_axes = [lax_.map(|a| a as isize), rax.map(|a| a as isize)];
        check_vmap(
            f,
            &[l, r],
            &in_axes,
            out_axis,
            &format!("dot_general case {case}"),
        );
    }
}

#[test]
fn dot_general_batching_with_negative_axes_and_preferred_type() {
    let mut rng = Rng::new(5);
    let l = rand(&mut rng, &[2, 3, 4]).astype(DType::F32);
    let r = rand(&mut rng, &[3, 2]).astype(DType::F32);
    let dn = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let f = |v: &Vec<Array>| vec![lax::dot_general(&v[0], &v[1], dn.clone(), Some(DType::F64))];
    check_vmap(f, &[l, r], &[Some(-1), None], -1, "dot_general in_axes -1");
}

/// A random convolution: (lhs shape, rhs shape, primitive parameters).
struct ConvCase {
    lhs: Vec<usize>,
    rhs: Vec<usize>,
    strides: Vec<usize>,
    padding: Vec<(i64, i64)>,
    lhs_dilation: Vec<usize>,
    rhs_dilation: Vec<usize>,
    dn: ConvDimensionNumbers,
    fgc: usize,
    bgc: usize,
}

fn shuffled(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        p.swap(i, rng.range(0, i as i64 + 1) as usize);
    }
    p
}

fn place(canon: &[usize], spec: &[usize]) -> Vec<usize> {
    let mut s = vec![0; canon.len()];
    for (j, &a) in spec.iter().enumerate() {
        s[a] = canon[j];
    }
    s
}

fn random_conv(rng: &mut Rng) -> ConvCase {
    let ns = rng.range(1, 3) as usize;
    let groups = rng.range(1, 3) as usize;
    let (fgc, bgc) = if rng.range(0, 2) == 0 {
        (groups, 1)
    } else {
        (1, groups)
    };
    let n = bgc * rng.range(1, 3) as usize;
    let i = rng.range(1, 3) as usize;
    let o = groups * rng.range(1, 3) as usize;
    let mut in_sp = Vec::new();
    let mut k_sp = Vec::new();
    let (mut strides, mut padding, mut lhs_dilation, mut rhs_dilation) =
        (vec![], vec![], vec![], vec![]);
    for _ in 0..ns {
        let k = rng.range(1, 4) as usize;
        let rd = rng.range(1, 3) as usize;
        let ld = rng.range(1, 3) as usize;
        let x = rng.range(1, 6) as usize;
        let lo = rng.range(-1, 3);
        let hi = rng.range(-1, 3);
        // Keep at least one output position.
        let dilated = (1 + ld * (x - 1)) as i64 + lo + hi;
        let window = (1 + rd * (k - 1)) as i64;
        let (lo, hi) = if dilated < window {
            (lo.max(0) + window, hi.max(0))
        } else {
            (lo, hi)
        };
        in_sp.push(x);
        k_sp.push(k);
        strides.push(rng.range(1, 3) as usize);
        padding.push((lo, hi));
        lhs_dilation.push(ld);
        rhs_dilation.push(rd);
    }
    let rank = ns + 2;
    let dn = ConvDimensionNumbers {
        lhs_spec: shuffled(rng, rank).into_iter().collect(),
        rhs_spec: shuffled(rng, rank).into_iter().collect(),
        out_spec: shuffled(rng, rank).into_iter().collect(),
    };
    let lhs_canon: Vec<usize> = [n, i * fgc].into_iter().chain(in_sp).collect();
    let rhs_canon: Vec<usize> = [o, i].into_iter().chain(k_sp).collect();
    ConvCase {
        lhs: place(&lhs_canon, &dn.lhs_spec),
        rhs: place(&rhs_canon, &dn.rhs_spec),
        strides,
        padding,
        lhs_dilation,
        rhs_dilation,
        dn,
        fgc,
        bgc,
    }
}

impl ConvCase {
    fn apply(&self, l: &Array, r: &Array) -> Array {
        lax::conv_general_dilated_with_options(
            l,
            r,
            &self.strides,
            self.padding.clone(),
            lax::ConvGeneralDilatedOptions {
                lhs_dilation: Some(&self.lhs_dilation),
                rhs_dilation: Some(&self.rhs_dilation),
                dimension_numbers: Some(&self.dn),
                feature_group_count: self.fgc,
                batch_group_count: self.bgc,
                ..Default::default()
            },
        )
    }
}

#[test]
fn conv_grads_on_random_geometries() {
    let mut rng = Rng::new(6);
    for _ in 0..16 {
        let c = random_conv(&mut rng);
        let x = vec![rand(&mut rng, &c.lhs), rand(&mut rng, &c.rhs)];
        check_grads(|v: &Vec<Array>| c.apply(&v[0], &v[1]), &x, 1e-3, 1e-7, 1e-9);
    }
}

#[test]
fn conv_transpose_of_strided_padded_convolution_is_exact() {
    // 1-d, stride 2, padding (1, 2): the vjp against an explicit loop over window positions.
    let x = Array::from_vec(
        (0..7).map(|v| v as f64 * 0.5 - 1.0).collect::<Vec<_>>(),
        [1, 1, 7],
    );
    let w = Array::from_vec(vec![0.5f64, -1.0, 2.0], [1, 1, 3]);
    let conv = |v: &(Array, Array)| lax::conv_general_dilated(&v.0, &v.1, &[2], vec![(1, 2)]);
    let (out, pullback) = vjp(conv, &(x.clone(), w.clone()));
    let m = out.shape()[2];
    let g: Vec<f64> = (0..m).map(|i| i as f64 + 1.0).collect();
    let (dx, dw) = pullback.transpose(&Array::from_vec(g.clone(), [1, 1, m]));
    let (xv, wv) = (x.to_vec::<f64>(), w.to_vec::<f64>());
    let (mut want_x, mut want_w) = (vec![0.0; 7], vec![0.0; 3]);
    for (o, go) in g.iter().enumerate() {
        for k in 0..3 {
            let p = (o * 2 + k) as i64 - 1;
            if (0..7).contains(&p) {
                want_x[p as usize] += go * wv[k];
                want_w[k] += go * xv[p as usize];
            }
        }
    }
    assert_close(&dx.to_vec::<f64>(), &want_x, 1e-12, 1e-12, "dx");
    assert_close(&dw.to_vec::<f64>(), &want_w, 1e-12, 1e-12, "dw");
}

#[test]
fn conv_batching_law() {
    let mut rng = Rng::new(7);
    for case in 0..18 {
        let c = random_conv(&mut rng);
        let n = rng.range(1, 4) as usize;
        let which = case % 3;
        let la = (which != 1).then(|| rng.range(0, c.lhs.len() as i64 + 1) as usize);
        let ra = (which != 0).then(|| rng.range(0, c.rhs.len() as i64 + 1) as usize);
        let l = rand(
            &mut rng,
            &la.map_or(c.lhs.clone(), |a| with_axis(&c.lhs, a, n)),
        );
        let r = rand(
            &mut rng,
            &ra.map_or(c.rhs.clone(), |a| with_axis(&c.rhs, a, n)),
        );
        let out_axis = rng.range(0, c.lhs.len() as i64 + 1) as isize;
        let f = |v: &Vec<Array>| vec![c.apply(&v[0], &v[1])];
        check_vmap(
            f,
            &[l, r],
            &[la.map(|a| a as isize), ra.map(|a| a as isize)],
            out_axis,
            &format!("conv case {case}"),
        );
    }
}

#[test]
fn conv_batching_of_a_size_zero_axis() {
    let mut rng = Rng::new(8);
    let l = rand(&mut rng, &[0, 1, 2, 5]);
    let r = rand(&mut rng, &[3, 2, 2]);
    let f = vmap(|l: &Array| lax::conv_general_dilated(l, &r, &[1], "VALID"));
    let out = f(&l);
    assert_eq!(out.shape(), &[0, 1, 3, 4]);
}

#[test]
fn matmul_and_einsum_grads() {
    let mut rng = Rng::new(9);
    let cases: [(&[usize], &[usize]); 5] = [
        (&[3], &[3]),
        (&[2, 3], &[3]),
        (&[3], &[3, 4]),
        (&[2, 1, 3, 4], &[5, 4, 2]),
        (&[1, 2, 3], &[4, 3, 1]),
    ];
    for (a, b) in cases {
        let x = (rand(&mut rng, a), rand(&mut rng, b));
        check_grads(
            |v: &(Array, Array)| jnp::matmul(&v.0, &v.1),
            &x,
            1e-3,
            1e-7,
            1e-9,
        );
    }
    let specs: [(&str, &[usize], &[usize]); 4] = [
        ("ij,jk->ik", &[2, 3], &[3, 4]),
        ("bij,bkj->bik", &[2, 3, 4], &[2, 5, 4]),
        ("i,i->", &[4], &[4]),
        ("ij,kj->jik", &[2, 3], &[4, 3]),
    ];
    for (s, a, b) in specs {
        let x = (rand(&mut rng, a), rand(&mut rng, b));
        check_grads(
            |v: &(Array, Array)| jnp::einsum(s, &[&v.0, &v.1]),
            &x,
            1e-3,
            1e-7,
            1e-9,
        );
    }
}

/// `sum(w * f)` with `w` fixed: a scalar loss made of `f` and a full contraction.
fn contract_all(w: &Array, f: &Array) -> Array {
    let axes: Vec<usize> = (0..f.ndim()).collect();
    lax::dot_general(
        w,
        f,
        DotDimensionNumbers::new((&axes, &axes), (&[], &[])),
        None,
    )
}

#[test]
fn grad_of_grad_of_a_quadratic_form() {
    // f(x) = x·(A x); grad f = (A + Aᵀ) x; the gradient of c·grad f(x) is (A + Aᵀ) c.
    let mut rng = Rng::new(10);
    let a = rand(&mut rng, &[3, 3]);
    let c = rand(&mut rng, &[3]);
    let x = rand(&mut rng, &[3]);
    let mv = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let av = f_matrix(&a);
    let f = move |x: &Array| contract_all(x, &lax::dot_general(&a, x, mv.clone(), None));
    let df = grad(f);
    let h = grad(|x: &Array| contract_all(&c, &df(x)))(&x);
    let cv = c.to_vec::<f64>();
    let want: Vec<f64> = (0..3)
        .map(|i| (0..3).map(|j| (av[i][j] + av[j][i]) * cv[j]).sum())
        .collect();
    assert_close(
        &h.to_vec::<f64>(),
        &want,
        1e-12,
        1e-12,
        "Hessian-vector product",
    );
}

fn f_matrix(a: &Array) -> Vec<Vec<f64>> {
    let v = a.to_vec::<f64>();
    v.chunks(a.shape()[1]).map(|r| r.to_vec()).collect()
}

#[test]
fn grad_of_vmap_vmap_of_grad_and_jit_of_grad() {
    let mut rng = Rng::new(11);
    let w = rand(&mut rng, &[4, 3]);
    let xs = rand(&mut rng, &[5, 3]);
    let mv = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    // grad of vmap: derivatives of a batched matrix-vector product with the batch on axis 1.
    let batched = vmap_with(
        |v: &(Array, Array)| lax::dot_general(&v.0, &v.1, mv.clone(), None),
        VmapSpec::default().in_axes(vec![None, Some(0)]).out_axes(1),
    );
    check_grads(&batched, &(w.clone(), xs.clone()), 1e-3, 1e-7, 1e-9);
    // vmap of grad: per-example gradients of (w x)·(w x) with respect to w equal a loop.
    let loss = |w: &Array, x: &Array| {
        let y = lax::dot_general(w, x, mv.clone(), None);
        contract_all(&y, &y)
    };
    let per_example = vmap_with(
        |v: &(Array, Array)| grad(|w: &Array| loss(w, &v.1))(&v.0),
        VmapSpec::default().in_axes(vec![None, Some(0)]),
    )(&(w.clone(), xs.clone()));
    for i in 0..5 {
        let x = ad_lanes::lane(&xs, 0, i);
        let g = grad(|w: &Array| loss(w, &x))(&w);
        assert_close(
            &ad_lanes::lane(&per_example, 0, i).to_vec::<f64>(),
            &g.to_vec::<f64>(),
            1e-12,
            1e-12,
            "vmap of grad",
        );
    }
    // jit of grad equals grad.
    let x0 = ad_lanes::lane(&xs, 0, 0);
    let g = grad(|w: &Array| loss(w, &x0))(&w);
    let jg = jit(move |w: &Array| grad(|w: &Array| loss(w, &x0))(w));
    assert_close(
        &jg(&w).to_vec::<f64>(),
        &g.to_vec::<f64>(),
        1e-12,
        1e-12,
        "jit of grad",
    );
}

#[test]
fn conv_grad_of_vmap_and_grad_of_grad() {
    let mut rng = Rng::new(12);
    let x = rand(&mut rng, &[2, 1, 2, 5]);
    let ws = rand(&mut rng, &[2, 3, 2, 2]);
    let conv = |l: &Array, r: &Array| {
        lax::conv_general_dilated_with_options(
            l,
            r,
            &[2],
            vec![(1, 0)],
            lax::ConvGeneralDilatedOptions {
                rhs_dilation: Some(&[2]),
                ..Default::default()
            },
        )
    };
    // grad of vmap: both operands batched.
    let batched = vmap(|v: &(Array, Array)| conv(&v.0, &v.1));
    check_grads(&batched, &(x.clone(), ws.clone()), 1e-3, 1e-7, 1e-9);
    // grad of grad: the derivative of c·grad f(x) against finite differences of grad f.
    let c = rand(&mut rng, &[1, 2, 5]);
    let w = ad_lanes::lane(&ws, 0, 0);
    let x1 = ad_lanes::lane(&x, 0, 0);
    let df = grad(|x: &Array| {
        let out = conv(x, &w);
        contract_all(&out, &out)
    });
    check_grads(|x: &Array| contract_all(&c, &df(x)), &x1, 1e-3, 1e-7, 1e-9);
}

#[test]
fn make_jaxpr_prints_like_jax() {
    // Texts from jax.make_jaxpr (parity/literals_jaxpr.py; parameter lists JAX breaks over
    // several lines are joined with spaces).
    let g = Golden::load("literals_jaxpr");
    let want = g.section("contract");
    let want = |key: &str| want[key].as_str().expect("a jaxpr").to_string();
    let a = jnp::ones([5, 2, 3]).astype(DType::F64);
    let b = jnp::ones([5, 3, 4]).astype(DType::F64);
    let dn = DotDimensionNumbers::new((&[2], &[1]), (&[0], &[0]));
    let j =
        make_jaxpr(|v: &(Array, Array)| lax::dot_general(&v.0, &v.1, dn.clone(), None))(&(a, b));
    assert_eq!(j.to_string(), want("dot_general"));
    let l = jnp::ones([2, 4, 5, 5]).astype(DType::F64);
    let r = jnp::ones([6, 2, 3, 3]).astype(DType::F64);
    let j = make_jaxpr(|v: &(Array, Array)| {
        lax::conv_general_dilated_with_options(
            &v.0,
            &v.1,
            &[2, 1],
            vec![(1, 0), (1, 1)],
            lax::ConvGeneralDilatedOptions {
                rhs_dilation: Some(&[1, 2]),
                feature_group_count: 2,
                ..Default::default()
            },
        )
    })(&(l, r));
    assert_eq!(j.to_string(), want("conv_general_dilated"));
    // The gradient of a matrix product transposes with dot_general + transpose, as in JAX:
    // the residuals `a`, `b` are constants and `c` is the cotangent.
    let x = jnp::ones([2, 3]).astype(DType::F64);
    let y = jnp::ones([3, 4]).astype(DType::F64);
    let mm = DotDimensionNumbers::new((&[1], &[0]), (&[], &[]));
    let (_, pullback) = vjp(
        |v: &(Array, Array)| lax::dot_general(&v.0, &v.1, mm.clone(), None),
        &(x, y),
    );
    let g_out = jnp::ones([2, 4]).astype(DType::F64);
    let jt = make_jaxpr(|g: &Array| pullback.transpose(g))(&g_out);
    assert_eq!(jt.to_string(), want("dot_general_transpose"));
    g.assert_sections_read(&["contract"]);
}
