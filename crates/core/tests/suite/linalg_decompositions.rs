//! The decompositions of `jnp.linalg` / `lax.linalg` (QR, eig, eigh, SVD, and eigvals,
//! eigvalsh, svdvals, pinv, matrix_rank, cond, lstsq built on them) against JAX 0.10.2
//! (`parity/linalg_decompositions.py` → `parity/goldens/linalg_decompositions.json`), then
//! numerical derivative checks at orders 1 and 2, vmap against a loop, jit, NaN inputs and
//! misuse messages.
//!
//! Eigen/singular vectors are compared through sign-invariant views (`view`, mirroring the
//! script's `VIEWS`); QR directly. Values, JVPs along the script's direction and gradients of
//! `sum_i sum(view_i * w_i)` must match JAX within a tolerance relative to each array's
//! largest entry: decompositions computed by different (equally accurate) algorithms agree to
//! a few float32 ulps times the condition of the problem, not to the last bit.

use crate::common;

use common::decode_golden;
use equinox_core::numpy::{self as jnp, linalg};
use equinox_core::transforms::{check_grads, grad, jit, jvp, vmap};
use equinox_core::{lax, Array, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;

fn host(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

/// The real parts of a complex array, as float64.
fn re(a: &Array) -> Vec<f64> {
    host(&jnp::real(a))
}

/// The imaginary parts of a complex array, as float64.
fn im(a: &Array) -> Vec<f64> {
    host(&jnp::imag(a))
}

/// `((k * 5) % 11 - 5) / 5` in `like`'s shape and dtype (the script's `direction`).
fn direction(like: &Array) -> Array {
    let v: Vec<f64> = (0..like.size())
        .map(|k| ((k * 5) % 11) as f64 / 5.0 - 1.0)
        .collect();
    Array::from_vec(v, like.shape()).astype(like.dtype())
}

/// `((k * 7) % 13 - 6.5) / 4` in `like`'s shape and dtype (the script's `weights`).
fn weights(like: &Array) -> Array {
    let v: Vec<f64> = (0..like.size())
        .map(|k| (((k * 7) % 13) as f64 - 6.5) / 4.0)
        .collect();
    Array::from_vec(v, like.shape()).astype(like.dtype())
}

fn sq(a: &Array) -> Array {
    a * a
}

fn sym(x: &Array) -> Array {
    x + &jnp::swapaxes(x, -1, -2)
}

fn svd_full_view(x: &Array) -> Vec<Array> {
    let (u, s, vh) = linalg::svd(x);
    let k = s.shape()[s.ndim() - 1];
    let nd = x.ndim();
    let uk = lax::slice_in_dim(&u, 0, k, 1, nd - 1);
    let vk = lax::slice_in_dim(&vh, 0, k, 1, nd - 2);
    let recon = jnp::matmul(&(&uk * &jnp::expand_dims(&s, -2)), &vk);
    vec![s, sq(&uk), sq(&vk), recon]
}

/// The sign-invariant views the script compares (its `VIEWS`).
fn view(name: &str, x: &Array, b: Option<&Array>) -> Vec<Array> {
    let hermitian_thin = linalg::SvdOptions {
        full_matrices: false,
        hermitian: true,
    };
    match name {
        "qr_reduced" => {
            let (q, r) = linalg::qr(x);
            vec![q, r]
        }
        "qr_complete" => {
            let (q, r) = linalg::qr_with(x, linalg::QrMode::Complete);
            vec![q, r]
        }
        "qr_r" => vec![linalg::qr_r(x)],
        "eigh" => {
            let (w, v) = linalg::eigh(x);
            vec![w, sq(&v)]
        }
        "eigh_upper_nosym" => {
            let (w, v) = linalg::eigh_with(
                x,
                linalg::EighOptions {
                    uplo: linalg::Uplo::U,
                    symmetrize_input: false,
                },
            );
            vec![w, sq(&v)]
        }
        "eigvalsh" => vec![linalg::eigvalsh(x)],
        "svd_thin" => {
            let (u, s, vh) = linalg::svd_with(
                x,
                linalg::SvdOptions {
                    full_matrices: false,
                    hermitian: false,
                },
            );
            vec![s, sq(&u), sq(&vh)]
        }
        "svd_full" => svd_full_view(x),
        "svd_hermitian" => {
            let (u, s, vh) = linalg::svd_with(&sym(x), hermitian_thin);
            vec![s, sq(&u), sq(&vh)]
        }
        "svdvals" => vec![linalg::svdvals(x)],
        "pinv" => vec![linalg::pinv(x)],
        "pinv_hermitian" => vec![linalg::pinv_with(
            &sym(x),
            linalg::PinvOptions {
                rtol: None,
                hermitian: true,
            },
        )],
        "matrix_rank" => vec![linalg::matrix_rank(x)],
        "cond" => vec![linalg::cond(x)],
        "norm2" => vec![matrix_norm(x, linalg::NormOrd::P(2.0))],
        "nuc" => vec![matrix_norm(x, linalg::NormOrd::Nuc)],
        "eigvals" => {
            let w = linalg::eigvals(x);
            vec![jnp::real(&w), jnp::imag(&w)]
        }
        "eig" => {
            let r = linalg::eig(x);
            vec![
                jnp::real(&r.eigenvalues),
                jnp::imag(&r.eigenvalues),
                jnp::real(&r.eigenvectors),
                jnp::imag(&r.eigenvectors),
            ]
        }
        "lstsq" => {
            let r = linalg::lstsq(x, b.expect("lstsq cases have b"));
            vec![r.x, r.resid, r.s]
        }
        other => panic!("no view {other}"),
    }
}

fn matrix_norm(x: &Array, ord: linalg::NormOrd) -> Array {
    linalg::norm_with(
        x,
        linalg::NormOptions {
            ord: Some(ord),
            axis: Some(vec![-2, -1]),
            keepdims: false,
        },
    )
}

fn loss(name: &str, x: &Array, b: Option<&Array>, ws: &[Array]) -> Array {
    let outs = view(name, x, b);
    outs.iter()
        .zip(ws)
        .map(|(o, w)| (o * w).sum(None))
        .reduce(|a, b| a + b)
        .expect("at least one view")
}

fn tolerance(dtype: &str) -> Tolerance {
    if dtype == "float32" {
        Tolerance::new(2e-4, 0.0)
    } else {
        Tolerance::new(1e-9, 0.0)
    }
}

fn check(what: &str, got: &Array, want: &Value, dtype: &str, failures: &mut Vec<String>) {
    let e = encoded(want);
    if got.shape() != e.shape.as_slice() {
        failures.push(format!(
            "{what}: shape {:?}, JAX {:?}",
            got.shape(),
            e.shape
        ));
        return;
    }
    let bad = mismatches(what, &host(got), &e.data, tolerance(dtype), Scale::Case);
    if let Some(m) = bad.first() {
        failures.push(format!(
            "{what}: element {} got {} JAX {} ({} mismatches)",
            m.index,
            m.got,
            m.want,
            bad.len()
        ));
    }
}

/// A square or wide full-rank system is solved exactly, so `lstsq`'s residuals (and their
/// tangents) are rounding noise in both implementations: they are compared as "both tiny"
/// rather than digit by digit.
fn residual_is_noise(name: &str, x: &Array) -> bool {
    let (m, n) = (x.shape()[x.ndim() - 2], x.shape()[x.ndim() - 1]);
    name == "lstsq" && m <= n
}

fn check_noise(what: &str, got: &Array, want: &Value, dtype: &str, failures: &mut Vec<String>) {
    let e = encoded(want);
    let bound = if dtype == "float32" { 1e-8 } else { 1e-24 };
    let tiny = |v: &f64| v.abs() <= bound;
    if got.shape() != e.shape.as_slice() || !host(got).iter().all(tiny) || !e.data.iter().all(tiny)
    {
        failures.push(format!(
            "{what}: expected rounding noise below {bound}, got {:?} JAX {:?}",
            host(got),
            e.data
        ));
    }
}

#[test]
fn decompositions_match_jax() {
    let golden = Golden::load("linalg_decompositions");
    let cases = golden.section("cases");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["fn"].as_str().unwrap();
        let dtype = case["dtype"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        let b = case.get("b").map(decode_golden);
        let what = format!("case {i} {name} {dtype} {:?}", x.shape());
        let outs = view(name, &x, b.as_ref());
        let want = case["out"].as_array().unwrap();
        assert_eq!(outs.len(), want.len(), "{what}: number of views");
        let noise = residual_is_noise(name, &x);
        for (k, (o, w)) in outs.iter().zip(want).enumerate() {
            if noise && k == 1 {
                check_noise(&format!("{what} out[{k}]"), o, w, dtype, &mut failures);
            } else {
                check(&format!("{what} out[{k}]"), o, w, dtype, &mut failures);
            }
        }
        if let Some(rank) = case.get("rank") {
            let r = linalg::lstsq(&x, b.as_ref().unwrap()).rank;
            assert_eq!(
                r.to_vec::<i32>(),
                vec![rank.as_i64().unwrap() as i32],
                "{what}"
            );
        }
        let Some(jvps) = case.get("jvp") else {
            continue;
        };
        let t = direction(&x);
        let (_, touts) = jvp(|x: &Array| view(name, x, b.as_ref()), &x, &t);
        for (k, (o, w)) in touts.iter().zip(jvps.as_array().unwrap()).enumerate() {
            if noise && k == 1 {
                check_noise(&format!("{what} jvp[{k}]"), o, w, dtype, &mut failures);
            } else {
                check(&format!("{what} jvp[{k}]"), o, w, dtype, &mut failures);
            }
        }
        let ws: Vec<Array> = outs.iter().map(weights).collect();
        let g = grad(|x: &Array| loss(name, x, b.as_ref(), &ws))(&x);
        check(
            &format!("{what} grad"),
            &g,
            &case["grad"],
            dtype,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    golden.assert_sections_read(&["cases"]);
}

#[test]
fn golden_sections_are_all_checked() {
    Golden::load("linalg_decompositions").assert_claimed(&[
        &["cases"],
        &["eig"],
        &["nan"],
        &["errors"],
        &["int_inputs"],
        &["complex"],
    ]);
}

/// The permutation sorting each row (last axis) of `re + i im` by (real, imaginary) part.
fn lexsort_rows(re: &[f64], im: &[f64], n: usize) -> Vec<usize> {
    let mut perm = Vec::with_capacity(re.len());
    for row in 0..re.len() / n.max(1) {
        let base = row * n;
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| {
            (re[base + a], im[base + a])
                .partial_cmp(&(re[base + b], im[base + b]))
                .expect("finite eigenvalues")
        });
        perm.extend(idx);
    }
    perm
}

/// `x` (shape `[..., n]` or `[..., n, n]` with `cols`) with its last axis permuted by `perm`.
fn permute_last(x: &[f64], perm: &[usize], n: usize, rows: usize) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    for (b, chunk) in x.chunks(n * rows).enumerate() {
        let p = &perm[b * n..(b + 1) * n];
        for r in 0..rows {
            for (j, &pj) in p.iter().enumerate() {
                out[b * n * rows + r * n + j] = chunk[r * n + pj];
            }
        }
    }
    out
}

fn check_host(what: &str, got: &[f64], want: &Value, tol: Tolerance, failures: &mut Vec<String>) {
    let e = encoded(want);
    assert_eq!(got.len(), e.data.len(), "{what}: sizes");
    if let Some(m) = mismatches(what, got, &e.data, tol, Scale::Case).first() {
        failures.push(format!(
            "{what}: element {} got {} JAX {}",
            m.index, m.got, m.want
        ));
    }
}

#[test]
fn eig_matches_jax() {
    let golden = Golden::load("linalg_decompositions");
    let mut failures = Vec::new();
    for (i, case) in golden.section("eig").iter().enumerate() {
        let dtype = case["dtype"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        let what = format!("eig case {i} {dtype} {:?}", x.shape());
        let n = x.shape()[x.ndim() - 1];
        // Eigenvalues from the condition of a general matrix: looser than the symmetric cases.
        let tol = if dtype == "float32" {
            Tolerance::new(2e-3, 0.0)
        } else {
            Tolerance::new(1e-8, 0.0)
        };
        let r = linalg::eig(&x);
        let (w_re, w_im) = (re(&r.eigenvalues), im(&r.eigenvalues));
        let (v_re, v_im) = (re(&r.eigenvectors), im(&r.eigenvectors));
        let perm = lexsort_rows(&w_re, &w_im, n);
        let sorted = |v: &[f64]| permute_last(v, &perm, n, 1);
        check_host(
            &format!("{what} w_re"),
            &sorted(&w_re),
            &case["w_re"],
            tol,
            &mut failures,
        );
        check_host(
            &format!("{what} w_im"),
            &sorted(&w_im),
            &case["w_im"],
            tol,
            &mut failures,
        );
        let v_abs: Vec<f64> = v_re.iter().zip(&v_im).map(|(a, b)| a.hypot(*b)).collect();
        check_host(
            &format!("{what} |v|"),
            &permute_last(&v_abs, &perm, n, n),
            &case["v_abs"],
            tol,
            &mut failures,
        );
        // A v = w v, unit columns, conjugate pairs adjacent with the positive part first.
        let xs = host(&x);
        let eps = if dtype == "float32" { 1e-4 } else { 1e-11 };
        for b in 0..xs.len() / (n * n) {
            let (a, vr, vi) = (
                &xs[b * n * n..],
                &v_re[b * n * n..(b + 1) * n * n],
                &v_im[b * n * n..(b + 1) * n * n],
            );
            let scale = a[..n * n].iter().fold(1.0f64, |m, v| m.max(v.abs()));
            for j in 0..n {
                let (wr, wi) = (w_re[b * n + j], w_im[b * n + j]);
                let norm: f64 = (0..n)
                    .map(|i| vr[i * n + j].powi(2) + vi[i * n + j].powi(2))
                    .sum();
                assert!(
                    (norm - 1.0).abs() < eps * 10.0,
                    "{what}: column {j} norm² {norm}"
                );
                for i in 0..n {
                    let (mut re, mut im) = (0.0, 0.0);
                    for k in 0..n {
                        re += a[i * n + k] * vr[k * n + j];
                        im += a[i * n + k] * vi[k * n + j];
                    }
                    re -= wr * vr[i * n + j] - wi * vi[i * n + j];
                    im -= wr * vi[i * n + j] + wi * vr[i * n + j];
                    assert!(
                        re.hypot(im) < eps * 10.0 * scale * n as f64,
                        "{what}: (A v - w v)[{i}, {j}] = {re} + {im}i"
                    );
                }
                if wi != 0.0 {
                    // The first of a pair has an even number of complex eigenvalues before it.
                    let first = (0..j).filter(|&k| w_im[b * n + k] != 0.0).count() % 2 == 0;
                    if first {
                        assert!(wi > 0.0, "{what}: pair at {j} starts with {wi}");
                        assert_eq!(w_im[b * n + j + 1], -wi, "{what}: pair at {j}");
                        assert_eq!(w_re[b * n + j + 1], wr, "{what}: pair at {j}");
                    }
                }
            }
        }
        // eigvals agrees with eig, and its JVP and gradient with JAX's.
        let w = linalg::eigvals(&x);
        assert_eq!(re(&w), w_re, "{what}: eigvals re");
        assert_eq!(im(&w), w_im, "{what}: eigvals im");
        let t = direction(&x);
        let (_, tw) = jvp(|x: &Array| view("eigvals", x, None), &x, &t);
        check_host(
            &format!("{what} jvp re"),
            &sorted(&host(&tw[0])),
            &case["jvp_re"],
            tol,
            &mut failures,
        );
        check_host(
            &format!("{what} jvp im"),
            &sorted(&host(&tw[1])),
            &case["jvp_im"],
            tol,
            &mut failures,
        );
        let mut pshape = x.shape().to_vec();
        pshape.pop();
        let idx = Array::from_vec(perm.iter().map(|&p| p as i32).collect(), pshape.clone());
        let c_re = weights(&Array::from_vec(vec![0.0f64; perm.len()], pshape)).astype(x.dtype());
        let c_im = -&c_re;
        let g = grad(|x: &Array| {
            let w = linalg::eigvals(x);
            let take = |v: &Array| jnp::take_along_axis(v, &idx, -1);
            (take(&jnp::real(&w)) * &c_re).sum(None) + (take(&jnp::imag(&w)) * &c_im).sum(None)
        })(&x);
        check_host(
            &format!("{what} grad"),
            &host(&g),
            &case["grad"],
            tol,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    golden.assert_sections_read(&["eig"]);
}

#[test]
fn nan_inputs_behave_as_jax() {
    let golden = Golden::load("linalg_decompositions");
    for case in golden.section("nan").iter() {
        let name = case["fn"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        let outs = match name {
            "lstsq" => {
                let n = x.shape()[0];
                let r = linalg::lstsq(&x, &jnp::ones_dtype(vec![n], x.dtype()));
                vec![r.x, r.resid, r.s]
            }
            // JAX's eig gives nan + nan i: the real and imaginary parts are both NaN.
            "eig" | "eigvals" => view(name, &x, None),
            _ => view(name, &x, None),
        };
        let masks = case["nan_masks"].as_array().unwrap();
        let masks: Vec<Vec<f64>> = if name == "eig" || name == "eigvals" {
            masks
                .iter()
                .flat_map(|m| [encoded(m).data, encoded(m).data])
                .collect()
        } else {
            masks.iter().map(|m| encoded(m).data).collect()
        };
        assert_eq!(outs.len(), masks.len(), "{name}: outputs");
        for (k, (o, m)) in outs.iter().zip(&masks).enumerate() {
            let got: Vec<f64> = host(o)
                .iter()
                .map(|v| f64::from(u8::from(v.is_nan())))
                .collect();
            assert_eq!(
                &got, m,
                "{name} output {k}: NaN positions differ from JAX's"
            );
        }
    }
    golden.assert_sections_read(&["nan"]);
}

/// The first sentence of a JAX message: the phrase our panic must contain.
fn key_phrase(message: &str) -> &str {
    let end = message.find(". ").map_or(message.len(), |i| i);
    message[..end].trim_end_matches('.')
}

fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("the call must panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn misuse_panics_with_jax_messages() {
    let golden = Golden::load("linalg_decompositions");
    let m34 = || jnp::ones(vec![3, 4]);
    let v3 = || jnp::ones(vec![3]);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in golden.section("errors").iter() {
        let call = case["call"].as_str().unwrap();
        let want = key_phrase(case["message"].as_str().unwrap());
        let got = panic_message(move || match call {
            "eig_nonsquare" => drop(linalg::eig(&m34())),
            "eig_rank1" => drop(linalg::eig(&v3())),
            "eigvals_nonsquare" => drop(linalg::eigvals(&m34())),
            "lax_eig_int" => drop(lax::linalg::eig(&Array::from_vec(vec![1i32; 4], [2, 2]))),
            "eig_vectors_jvp" => {
                let e = jnp::eye(2);
                drop(jvp(
                    |x: &Array| jnp::real(&linalg::eig(x).eigenvectors),
                    &e,
                    &e,
                ));
            }
            "eigvals_second_order" => {
                let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]);
                drop(grad(|x: &Array| {
                    grad(|x: &Array| jnp::real(&linalg::eigvals(x)).sum(None))(x).sum(None)
                })(&x));
            }
            "eigh_nonsquare" => drop(linalg::eigh(&m34())),
            "eigh_rank1" => drop(linalg::eigh(&v3())),
            "eigvalsh_nonsquare" => drop(linalg::eigvalsh(&m34())),
            "eigvalsh_rank1" => drop(linalg::eigvalsh(&v3())),
            "qr_rank1" => drop(linalg::qr(&v3())),
            "svd_rank1" => drop(linalg::svd(&v3())),
            "svdvals_rank1" => drop(linalg::svdvals(&v3())),
            "pinv_rank1" => drop(linalg::pinv(&v3())),
            "cond_rank1" => drop(linalg::cond(&v3())),
            "lstsq_mismatch" => drop(linalg::lstsq(&jnp::ones(vec![3, 2]), &jnp::ones(vec![4]))),
            "lstsq_a_rank1" => drop(linalg::lstsq(&v3(), &v3())),
            "lstsq_b_rank3" => drop(linalg::lstsq(
                &jnp::ones(vec![3, 2]),
                &jnp::ones(vec![3, 2, 2]),
            )),
            "norm_nuc_vector" => drop(linalg::norm_with(
                &v3(),
                linalg::NormOptions {
                    ord: Some(linalg::NormOrd::Nuc),
                    ..Default::default()
                },
            )),
            "svd_full_jvp" => {
                let x = jnp::ones(vec![3, 2]);
                drop(jvp(|x: &Array| linalg::svd(x).0, &x, &x));
            }
            other => panic!("no call {other}"),
        });
        assert!(
            got.contains(want),
            "{call}: panic {got:?} lacks JAX's {want:?}"
        );
    }
    std::panic::set_hook(hook);
    golden.assert_sections_read(&["errors"]);
}

#[test]
fn integer_inputs_are_promoted_as_jax() {
    let golden = Golden::load("linalg_decompositions");
    for case in golden.section("int_inputs").iter() {
        let name = case["fn"].as_str().unwrap();
        let e = encoded(&case["x"]);
        let x = Array::from_vec(e.data.iter().map(|&v| v as i32).collect(), e.shape);
        let got = match name {
            "eigvalsh" => linalg::eigvalsh(&x),
            "svdvals" => linalg::svdvals(&x),
            "qr_r" => linalg::qr_r(&x),
            "pinv" => linalg::pinv(&x),
            "cond" => linalg::cond(&x),
            "eigvals_re" => jnp::sort(&jnp::real(&linalg::eigvals(&x)), -1i32),
            "lstsq" => linalg::lstsq(&x, &Array::from_vec(vec![1i32, 2, 3], [3])).x,
            other => panic!("no int case {other}"),
        };
        // JAX (x64 on) gives float64; without x64, as here, the default float is float32.
        assert_eq!(
            got.dtype(),
            DType::F32,
            "{name}: dtype (JAX {})",
            case["dtype"]
        );
        let mut failures = Vec::new();
        check(name, &got, &case["out"], "float32", &mut failures);
        assert!(failures.is_empty(), "{failures:?}");
    }
    golden.assert_sections_read(&["int_inputs"]);
}

/// The first float64 input of the "cases" section for `name` (well-conditioned, unbatched
/// when `batched` is false).
fn f64_input(golden: &Golden, name: &str, batched: bool) -> (Array, Option<Array>) {
    let case = golden
        .section("cases")
        .iter()
        .find(|c| {
            c["fn"] == name
                && c["dtype"] == "float64"
                && (encoded(&c["x"]).shape.len() > 2) == batched
        })
        .unwrap_or_else(|| panic!("a float64 case for {name}"));
    (decode_golden(&case["x"]), case.get("b").map(decode_golden))
}

/// The differentiable views, with the golden case they take their input from.
const DIFFERENTIABLE: [(&str, &str); 13] = [
    ("qr_reduced", "qr_reduced"),
    ("qr_complete", "qr_complete"),
    ("qr_r", "qr_r"),
    ("eigh", "eigh"),
    ("eigvalsh", "eigvalsh"),
    ("svd_thin", "svd_thin"),
    ("svdvals", "svdvals"),
    ("pinv", "pinv"),
    ("cond", "cond"),
    ("lstsq", "lstsq"),
    ("norm2", "svdvals"),
    ("nuc", "svdvals"),
    ("svd_hermitian", "svd_hermitian"),
];

#[test]
fn check_grads_orders_one_and_two() {
    let golden = Golden::load("linalg_decompositions");
    for (name, source) in DIFFERENTIABLE {
        let (x, b) = f64_input(&golden, source, false);
        let b = b.as_ref();
        // Order 1: forward (JVP against finite differences) and reverse (VJP as its transpose).
        check_grads(|x: &Array| view(name, x, b), &x, 1e-6, 1e-5, 1e-7);
        // Order 2: the same checks of the gradient of a scalar loss (forward-over-reverse and
        // reverse-over-reverse) and of a JVP (forward-over-forward, reverse-over-forward).
        let ws: Vec<Array> = view(name, &x, b).iter().map(weights).collect();
        let scalar = |x: &Array| loss(name, x, b, &ws);
        check_grads(|x: &Array| grad(scalar)(x), &x, 1e-5, 1e-4, 1e-6);
        let t = direction(&x);
        check_grads(|x: &Array| jvp(scalar, x, &t).1, &x, 1e-5, 1e-4, 1e-6);
    }
    // eigvals: order 1 only (a second derivative needs the eigenvectors', which JAX refuses;
    // see `misuse_panics_with_jax_messages`).
    let x = decode_golden(&golden.section("eig")[3]["x"]).astype(DType::F64);
    check_grads(|x: &Array| view("eigvals", x, None), &x, 1e-6, 1e-5, 1e-7);
}

fn assert_same(what: &str, got: &[Array], want: &[Array], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.shape(), w.shape(), "{what} output {k}");
        let bad = mismatches(
            what,
            &host(g),
            &host(w),
            Tolerance::new(rtol, 0.0),
            Scale::Case,
        );
        assert!(bad.is_empty(), "{what} output {k}: {:?}", bad.first());
    }
}

#[test]
fn vmap_equals_loop_and_jit_equals_eager() {
    let golden = Golden::load("linalg_decompositions");
    let mut names: Vec<(&str, &str)> = DIFFERENTIABLE.to_vec();
    names.extend([
        ("matrix_rank", "svd_thin"),
        ("svd_full", "svd_full"),
        ("eig", ""),
    ]);
    for (name, source) in names {
        let (xs, b) = if name == "eig" {
            (decode_golden(&golden.section("eig")[4]["x"]), None)
        } else if name == "lstsq" {
            // lstsq takes one matrix: batch copies of it with scaled rows.
            let (x, b) = f64_input(&golden, "lstsq", false);
            (jnp::stack(&[&x, &(&x * 2.0), &(&x * -0.5)], 0), b)
        } else {
            f64_input(&golden, source, true)
        };
        let b = b.as_ref();
        let batched = vmap(|x: &Array| view(name, x, b))(&xs);
        let count = xs.shape()[0];
        for i in 0..count {
            let xi = jnp::take(&xs, &Array::scalar(i as i32), Some(0));
            let single = view(name, &xi, b);
            let row: Vec<Array> = batched
                .iter()
                .map(|o| jnp::take(o, &Array::scalar(i as i32), Some(0)))
                .collect();
            assert_same(&format!("vmap {name} [{i}]"), &row, &single, 1e-12);
        }
        // jit on the whole stack (lstsq takes one matrix: its first).
        let x = if name == "lstsq" {
            jnp::take(&xs, &Array::scalar(0), Some(0))
        } else {
            xs.clone()
        };
        let eager = view(name, &x, b);
        let jitted = jit(|x: &Array| view(name, x, b))(&x);
        assert_same(&format!("jit {name}"), &jitted, &eager, 1e-12);
    }
    // vmap of gradients (grad inside, batch outside) equals a loop too.
    let (xs, _) = f64_input(&golden, "svd_thin", true);
    let ws: Vec<Array> = view(
        "svd_thin",
        &jnp::take(&xs, &Array::scalar(0), Some(0)),
        None,
    )
    .iter()
    .map(weights)
    .collect();
    let g = |x: &Array| grad(|x: &Array| loss("svd_thin", x, None, &ws))(x);
    let batched = vmap(g)(&xs);
    for i in 0..xs.shape()[0] {
        let xi = jnp::take(&xs, &Array::scalar(i as i32), Some(0));
        let row = jnp::take(&batched, &Array::scalar(i as i32), Some(0));
        assert_same(&format!("vmap grad svd [{i}]"), &[row], &[g(&xi)], 1e-12);
    }
}

/// The script's complex direction: `direction + i ((k * 3) % 7 - 3) / 3`.
fn cdirection(like: &Array) -> Array {
    let real = like.dtype().real_dtype();
    let re = direction(&jnp::zeros_dtype(like.shape().to_vec(), real));
    let im: Vec<f64> = (0..like.size())
        .map(|k| (((k * 3) % 7) as f64 - 3.0) / 3.0)
        .collect();
    let im = Array::from_vec(im, like.shape()).astype(real);
    lax::complex(&re, &im)
}

fn reim(z: &Array) -> Vec<Array> {
    vec![jnp::real(z), jnp::imag(z)]
}

fn abs2(z: &Array) -> Array {
    jnp::real(&(z * &jnp::conj(z)))
}

/// The permutation sorting each row of the eigenvalues of `x` by (real, imaginary) part, as an
/// int32 index array of the eigenvalues' shape (a constant of the primal, as in the script).
fn eigvals_order(x: &Array) -> Array {
    let w = linalg::eigvals(x);
    let n = x.shape()[x.ndim() - 1];
    let perm = lexsort_rows(&re(&w), &im(&w), n);
    Array::from_vec(perm.iter().map(|&p| p as i32).collect(), w.shape())
}

/// The script's `CVIEWS`: phase-invariant real views of complex decompositions. `order` is
/// [`eigvals_order`] of the primal for "eigvals".
fn cview(name: &str, x: &Array, order: Option<&Array>) -> Vec<Array> {
    match name {
        "qr_reduced" => {
            let (q, r) = linalg::qr(x);
            [reim(&q), reim(&r)].concat()
        }
        "qr_complete" => {
            let (q, r) = linalg::qr_with(x, linalg::QrMode::Complete);
            [reim(&q), reim(&r)].concat()
        }
        "eigh" => {
            let (w, v) = linalg::eigh(x);
            vec![w, abs2(&v)]
        }
        "eigvalsh" => vec![linalg::eigvalsh(x)],
        "svd_thin" => {
            let (u, s, vh) = linalg::svd_with(
                x,
                linalg::SvdOptions {
                    full_matrices: false,
                    hermitian: false,
                },
            );
            vec![s, abs2(&u), abs2(&vh)]
        }
        "svdvals" => vec![linalg::svdvals(x)],
        "pinv" => reim(&linalg::pinv(x)),
        "cond" => vec![linalg::cond(x)],
        "eigvals" => {
            let w = linalg::eigvals(x);
            reim(&jnp::take_along_axis(
                &w,
                order.expect("eigvals needs the order"),
                -1,
            ))
        }
        other => panic!("no complex view {other}"),
    }
}

fn ctolerance(dtype: &str) -> Tolerance {
    if dtype == "complex64" {
        Tolerance::new(5e-4, 0.0)
    } else {
        Tolerance::new(1e-9, 0.0)
    }
}

/// Compares a possibly complex `got` with the golden `want`, parts separately.
fn ccheck(what: &str, got: &Array, want: &Value, dtype: &str, failures: &mut Vec<String>) {
    let want_arr = decode_golden(want);
    if got.shape() != want_arr.shape() || got.dtype().is_complex() != want_arr.dtype().is_complex()
    {
        failures.push(format!("{what}: {} vs JAX {}", got.aval(), want_arr.aval()));
        return;
    }
    let tol = ctolerance(dtype);
    for (part, g, w) in [
        ("re", re(got), re(&want_arr)),
        ("im", im(got), im(&want_arr)),
    ] {
        let bad = mismatches(what, &g, &w, tol, Scale::Case);
        if let Some(m) = bad.first() {
            failures.push(format!(
                "{what} {part}: element {} got {} JAX {} ({} mismatches)",
                m.index,
                m.got,
                m.want,
                bad.len()
            ));
        }
    }
}

#[test]
fn complex_decompositions_match_jax() {
    let golden = Golden::load("linalg_decompositions");
    let mut failures = Vec::new();
    for (i, case) in golden.section("complex").iter().enumerate() {
        let name = case["fn"].as_str().unwrap();
        let dtype = case["dtype"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        assert_eq!(x.dtype().name(), dtype);
        let what = format!("complex case {i} {name} {dtype} {:?}", x.shape());
        let order = (name == "eigvals").then(|| eigvals_order(&x));
        let order = order.as_ref();
        let outs = cview(name, &x, order);
        let want = case["out"].as_array().unwrap();
        assert_eq!(outs.len(), want.len(), "{what}: number of views");
        for (k, (o, w)) in outs.iter().zip(want).enumerate() {
            ccheck(&format!("{what} out[{k}]"), o, w, dtype, &mut failures);
        }
        let t = cdirection(&x);
        let (_, touts) = jvp(|x: &Array| cview(name, x, order), &x, &t);
        for (k, (o, w)) in touts
            .iter()
            .zip(case["jvp"].as_array().unwrap())
            .enumerate()
        {
            ccheck(&format!("{what} jvp[{k}]"), o, w, dtype, &mut failures);
        }
        let ws: Vec<Array> = outs.iter().map(weights).collect();
        let loss = |x: &Array| {
            cview(name, x, order)
                .iter()
                .zip(&ws)
                .map(|(o, w)| (o * w).sum(None))
                .reduce(|a, b| a + b)
                .expect("at least one view")
        };
        let g = grad(loss)(&x);
        ccheck(
            &format!("{what} grad"),
            &g,
            &case["grad"],
            dtype,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    golden.assert_sections_read(&["complex"]);
}

/// The first complex128 input of the "complex" section for `name`.
fn c128_input(golden: &Golden, name: &str, batched: bool) -> Array {
    let case = golden
        .section("complex")
        .iter()
        .find(|c| {
            c["fn"] == name
                && c["dtype"] == "complex128"
                && (c["x"]["shape"].as_array().unwrap().len() > 2) == batched
        })
        .unwrap_or_else(|| panic!("a complex128 case for {name}"));
    decode_golden(&case["x"])
}

#[test]
fn complex_check_grads_and_vmap() {
    let golden = Golden::load("linalg_decompositions");
    for name in [
        "qr_reduced",
        "qr_complete",
        "eigh",
        "svd_thin",
        "svdvals",
        "pinv",
        "cond",
        "eigvals",
    ] {
        let z = c128_input(&golden, name, false);
        let order = (name == "eigvals").then(|| eigvals_order(&z));
        let order = order.as_ref();
        // check_grads perturbs real leaves: the input's real and imaginary parts, stacked.
        let parts = jnp::stack(&[&jnp::real(&z), &jnp::imag(&z)], 0);
        let of_parts = |p: &Array| {
            let take = |i: i32| jnp::take(p, &Array::scalar(i), Some(0));
            cview(name, &lax::complex(&take(0), &take(1)), order)
        };
        check_grads(of_parts, &parts, 1e-6, 1e-5, 1e-7);
    }
    // vmap over a batch of complex matrices equals a loop, for every view with a batched case
    // (eigvals unsorted: its sort order is a constant of each primal).
    for name in ["qr_reduced", "eigh", "svd_thin", "pinv", "eigvals"] {
        let zs = c128_input(&golden, name, true);
        let unsorted = |z: &Array| {
            if name == "eigvals" {
                reim(&linalg::eigvals(z))
            } else {
                cview(name, z, None)
            }
        };
        let batched = vmap(unsorted)(&zs);
        for i in 0..zs.shape()[0] {
            let single = unsorted(&jnp::take(&zs, &Array::scalar(i as i32), Some(0)));
            let row: Vec<Array> = batched
                .iter()
                .map(|o| jnp::take(o, &Array::scalar(i as i32), Some(0)))
                .collect();
            assert_same(&format!("vmap complex {name} [{i}]"), &row, &single, 1e-12);
        }
    }
}

/// The largest `|x|` of an array, in f64.
fn max_abs(x: &Array) -> f64 {
    max_abs_of(&host(x))
}

fn max_abs_of(x: &[f64]) -> f64 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// `eigh` and `svd` of matrices past faer's divide-and-conquer leaf (problems of 64 and more
/// are split; from 256 × 256 one matrix uses both threads, and f32 tridiagonalizes on one):
/// the factors rebuild the matrix, the vectors are orthonormal, the values are ordered, and
/// f32's eigenvalues agree with f64's.
#[test]
fn eigh_and_svd_of_large_matrices_rebuild_them() {
    for n in [100, 256] {
        let raw: Vec<f64> = (0..n * n)
            .map(|k| ((k * 7919) % 1009) as f64 / 1009.0 - 0.5)
            .collect();
        let x64 = Array::from_vec(raw, [n, n]);
        let mut eigenvalues = Vec::new();
        for (dtype, tol) in [(DType::F32, 1e-4), (DType::F64, 1e-11)] {
            let case = format!("n = {n}, {dtype:?}");
            let x = x64.astype(dtype);
            let a = sym(&x).astype(DType::F64);
            let eye = jnp::eye(n).astype(DType::F64);

            let (w, v) = linalg::eigh(&sym(&x));
            let (w, v) = (w.astype(DType::F64), v.astype(DType::F64));
            let scale = max_abs(&w);
            let residual = &jnp::matmul(&a, &v) - &(&v * &w);
            assert!(
                max_abs(&residual) <= tol * scale,
                "{case}: eigh's a·v - v·diag(w)"
            );
            let gram = &jnp::matmul(&jnp::swapaxes(&v, -1, -2), &v) - &eye;
            assert!(max_abs(&gram) <= tol, "{case}: eigh's vᵀv - I");
            let w = host(&w);
            assert!(
                w.windows(2).all(|p| p[0] <= p[1]),
                "{case}: eigenvalues ascend"
            );
            eigenvalues.push(w);

            let (u, s, vh) = linalg::svd(&x);
            let (u, s, vh) = (
                u.astype(DType::F64),
                s.astype(DType::F64),
                vh.astype(DType::F64),
            );
            let scale = max_abs(&s);
            let rebuilt = &jnp::matmul(&(&u * &s), &vh) - &x.astype(DType::F64);
            assert!(
                max_abs(&rebuilt) <= tol * scale,
                "{case}: svd's u·diag(s)·vh - x"
            );
            let gram = &jnp::matmul(&jnp::swapaxes(&u, -1, -2), &u) - &eye;
            assert!(max_abs(&gram) <= tol, "{case}: svd's uᵀu - I");
            let gram = &jnp::matmul(&vh, &jnp::swapaxes(&vh, -1, -2)) - &eye;
            assert!(max_abs(&gram) <= tol, "{case}: svd's vh·vhᵀ - I");
            let s = host(&s);
            assert!(
                s.windows(2).all(|p| p[0] >= p[1]) && s[n - 1] >= 0.0,
                "{case}: singular values descend from the largest to a nonnegative one"
            );
        }
        let scale = max_abs_of(&eigenvalues[1]);
        assert!(
            eigenvalues[0]
                .iter()
                .zip(&eigenvalues[1])
                .all(|(a, b)| (a - b).abs() <= 1e-4 * scale),
            "n = {n}: f32 eigenvalues agree with f64's"
        );
    }
}

/// `cholesky` and `eigh` symmetrize their input (`(x + xᴴ) / 2`), eagerly through a compiled
/// fused loop: its bits are those of the three operations bound one by one, and those of the
/// whole call under `jit`, for real and complex batches, large (parallel loops) and small.
#[test]
fn symmetrized_input_has_the_bits_of_the_operations() {
    for (batch, n) in [(vec![], 256), (vec![3], 20)] {
        let shape: Vec<usize> = batch.iter().copied().chain([n, n]).collect();
        let size: usize = shape.iter().product();
        let value = |k: usize, p: usize| ((k * p) % 1013) as f64 / 1013.0 - 0.5;
        let re64 = Array::from_vec((0..size).map(|k| value(k, 7919)).collect(), &shape[..]);
        let im64 = Array::from_vec((0..size).map(|k| value(k, 104_729)).collect(), &shape[..]);
        let eye = jnp::eye(n).astype(DType::F64) * (n as f64);
        for dtype in [DType::F32, DType::F64, DType::C64] {
            let case = format!("{shape:?} {dtype:?}");
            let b = if dtype == DType::C64 {
                lax::complex(&re64.astype(DType::F32), &im64.astype(DType::F32))
            } else {
                re64.astype(dtype)
            };
            let bh = jnp::conj(&jnp::swapaxes(&b, -1, -2));
            // Positive definite, plus an upper triangle that makes it unsymmetric.
            let x = &(&jnp::matmul(&b, &bh) + &eye.astype(dtype)) + &(&jnp::triu(&b, 1) * 0.25);
            let by_ops = &(&x + &jnp::conj(&jnp::swapaxes(&x, -1, -2))) / 2.0;
            let bits = |a: &Array| {
                let a = if dtype == DType::C64 {
                    jnp::concatenate(&[&jnp::real(a), &jnp::imag(a)], -1)
                } else {
                    a.clone()
                };
                host(&a).iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let l = lax::linalg::cholesky(&x, true);
            assert_eq!(
                bits(&l),
                bits(&lax::linalg::cholesky(&by_ops, false)),
                "{case}: cholesky"
            );
            assert!(host(&jnp::real(&l)).iter().all(|v| v.is_finite()), "{case}");
            let jitted = jit(|x: &Array| lax::linalg::cholesky(x, true))(&x);
            assert_eq!(bits(&l), bits(&jitted), "{case}: cholesky under jit");
            let (v, w) = lax::linalg::eigh(&x, true, true);
            let (v_ops, w_ops) = lax::linalg::eigh(&by_ops, true, false);
            assert_eq!(bits(&w), bits(&w_ops), "{case}: eigh's eigenvalues");
            assert_eq!(bits(&v), bits(&v_ops), "{case}: eigh's eigenvectors");
        }
    }
}
