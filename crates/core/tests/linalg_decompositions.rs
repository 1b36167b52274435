//! The decompositions of `jnp.linalg` / `lax.linalg` (QR, eigh, SVD, and eigvalsh, svdvals,
//! pinv, matrix_rank, cond, lstsq built on them) against JAX 0.10.2
//! (`parity/linalg_decompositions.py` → `parity/goldens/linalg_decompositions.json`), then
//! numerical derivative checks at orders 1 and 2, vmap against a loop, jit, NaN inputs and
//! misuse messages.
//!
//! Eigen/singular vectors are compared through sign-invariant views (`view`, mirroring the
//! script's `VIEWS`); QR directly. Values, JVPs along the script's direction and gradients of
//! `sum_i sum(view_i * w_i)` must match JAX within a tolerance relative to each array's
//! largest entry: decompositions computed by different (equally accurate) algorithms agree to
//! a few float32 ulps times the condition of the problem, not to the last bit.

use equinox_core::numpy::{self as jnp, linalg};
use equinox_core::transforms::{grad, jvp};
use equinox_core::{lax, Array, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;

fn decode(v: &Value) -> Array {
    let e = encoded(v);
    match e.dtype.as_str() {
        "float32" => Array::from_vec(e.data.iter().map(|&x| x as f32).collect(), e.shape),
        "float64" => Array::from_vec(e.data, e.shape),
        other => panic!("unexpected golden dtype {other}"),
    }
}

fn host(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
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
        "lstsq" => {
            let r = linalg::lstsq(x, b.expect("lstsq cases have b"));
            vec![r.x, r.resid, r.s]
        }
        other => panic!("no view {other}"),
    }
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
        let x = decode(&case["x"]);
        let b = case.get("b").map(decode);
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
    golden.assert_all_read();
}
