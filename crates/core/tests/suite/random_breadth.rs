//! `jax.random.binomial`, `multinomial`, `orthogonal`, `multivariate_normal` and the key
//! helpers (`PRNGKey`, `key_data`, `wrap_key_data`, `clone`) against JAX 0.10.2
//! (`parity/random_breadth.py`): the integer-valued samplers bit for bit, the matrix samplers
//! within float32 rounding of the decompositions; plus statistical checks on 10^4 draws.

use equinox_core::random::{self, CovFactor, Key};
use equinox_core::{numpy as jnp, Array, DType};
use equinox_testing::golden::encoded;
use equinox_testing::{assert_close, Golden, Tolerance};

fn a32(v: &[f32]) -> Array {
    Array::from_vec(v.to_vec(), [v.len()])
}

fn mean_cov() -> (Array, Array) {
    let mean = a32(&[1.0, -1.0, 0.5]);
    let cov = Array::from_vec(
        vec![2.0f32, 0.5, 0.1, 0.5, 1.0, -0.3, 0.1, -0.3, 0.8],
        [3, 3],
    );
    (mean, cov)
}

/// The sample each golden case names, from `PRNGKey(seed)`.
fn sample(name: &str, k: Key) -> Array {
    let n6 = a32(&[5.0, 20.0, 100.0, 1000.0, 0.0, 7.5]);
    let p6 = a32(&[0.3, 0.7, 0.05, 0.5, 0.5, 0.9]);
    let (mean, cov) = mean_cov();
    let f32_ = DType::F32;
    match name {
        "binomial_vec" => random::binomial(k, n6, p6, None, f32_),
        "binomial_invalid" => random::binomial(
            k,
            a32(&[-1.0, f32::NAN, f32::INFINITY, 10.0, 10.0, 30.0]),
            a32(&[0.5, 0.5, 0.5, f32::NAN, -0.2, 1.0]),
            None,
            f32_,
        ),
        "binomial_btrs" => random::binomial(k, 50.0, 0.4, Some([64].into()), f32_),
        "binomial_inversion" => random::binomial(k, 8.0, 0.2, Some([64].into()), f32_),
        "binomial_high_p" => random::binomial(k, 40.0, 0.85, Some([32].into()), f32_),
        "multinomial" => {
            random::multinomial(k, 20.0, &a32(&[0.2, 0.5, 0.3]), Some([4, 3].into()), f32_)
        }
        "multinomial_batch" => {
            let p = Array::from_vec(vec![0.1f32, 0.2, 0.3, 0.4, 0.0, 0.5, 0.0, 0.5], [2, 4]);
            random::multinomial(k, a32(&[10.0, 100.0]), &p, None, f32_)
        }
        "orthogonal" => random::orthogonal(k, 3, [], f32_, None),
        "orthogonal_tall" => random::orthogonal(k, 4, [2], f32_, Some(2)),
        "orthogonal_wide" => random::orthogonal(k, 2, [], f32_, Some(4)),
        "mvn_cholesky" => {
            random::multivariate_normal(k, &mean, &cov, Some([5].into()), f32_, CovFactor::Cholesky)
        }
        "mvn_eigh" => {
            random::multivariate_normal(k, &mean, &cov, Some([5].into()), f32_, CovFactor::Eigh)
        }
        "mvn_svd" => {
            random::multivariate_normal(k, &mean, &cov, Some([5].into()), f32_, CovFactor::Svd)
        }
        "prng_key" => random::key_data(&k),
        "key_data" => random::key_data(&random::split(k, [3])),
        "wrap_key_data" => {
            let data = random::key_data(&k);
            random::uniform(random::wrap_key_data(data), [4], f32_, 0.0, 1.0)
        }
        "clone" => {
            let again = random::clone(&k);
            drop(k);
            random::normal(again, [4], f32_)
        }
        other => panic!("no sampler for golden case {other}"),
    }
}

/// Each row's squared Mahalanobis norm under [`mean_cov`].
fn mahalanobis(x: &Array) -> Vec<f64> {
    let (mean, cov) = mean_cov();
    let d = x - &mean;
    let w = jnp::matmul(&d, &jnp::linalg::inv(&cov));
    jnp::sum(&(&d * &w), -1).to_vec::<f64>()
}

#[test]
fn samples_match_jax() {
    let g = Golden::load("random_breadth");
    for c in g.section("cases").iter() {
        let name = c["name"].as_str().unwrap();
        let seed = c["seed"].as_u64().unwrap();
        let want = encoded(&c["out"]);
        let got = sample(name, random::prng_key(seed));
        assert_eq!(got.shape(), want.shape.as_slice(), "{name}");
        if name == "mvn_eigh" || name == "mvn_svd" {
            // Eigenvectors and singular vectors are defined up to sign, and LAPACK's signs are
            // not ours, so the samples differ by those flips. The squared Mahalanobis norm
            // (x - mean)ᵀ cov⁻¹ (x - mean) = zᵀz is sign-free: compare it.
            let want = Array::from_vec(want.data.clone(), want.shape.clone()).astype(DType::F32);
            let (m, d) = (mahalanobis(&got), mahalanobis(&want));
            assert_close(name, &m, &d, Tolerance::new(1e-4, 1e-5));
            continue;
        }
        let got = got.to_vec::<f64>();
        let tol = if name.starts_with("orthogonal") || name.starts_with("mvn") {
            // QR, Cholesky, eigh and SVD round differently from LAPACK's.
            Tolerance::new(1e-5, 1e-5)
        } else {
            Tolerance::EXACT
        };
        assert_close(name, &got, &want.data, tol);
    }
    g.assert_all_read();
}

fn mean_var(x: &[f32]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let v = x.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

#[test]
fn binomial_moments() {
    for (seed, n, p) in [
        (0u64, 50.0, 0.4),
        (1, 8.0, 0.2),
        (2, 30.0, 0.9),
        (3, 500.0, 0.03),
    ] {
        let x = random::binomial(random::key(seed), n, p, Some([10_000].into()), DType::F32);
        let x = x.to_vec::<f32>();
        assert!(x
            .iter()
            .all(|&v| v >= 0.0 && v <= n as f32 && v == v.floor()));
        let (m, v) = mean_var(&x);
        let (em, ev) = (n * p, n * p * (1.0 - p));
        // Standard errors of the mean and (roughly) of the variance, 5 sigma.
        assert!(
            (m - em).abs() < 5.0 * (ev / 1e4).sqrt(),
            "n={n} p={p}: mean {m} vs {em}"
        );
        assert!(
            (v - ev).abs() < 5.0 * ev * (2.0 / 1e4f64).sqrt() + 0.05,
            "n={n} p={p}: var {v} vs {ev}"
        );
    }
}

#[test]
fn multinomial_moments() {
    let p = a32(&[0.1, 0.6, 0.3]);
    let x = random::multinomial(
        random::key(9),
        12.0,
        &p,
        Some([10_000, 3].into()),
        DType::F32,
    );
    let rows = x.to_vec::<f32>();
    for r in rows.chunks(3) {
        assert_eq!(r.iter().sum::<f32>(), 12.0);
    }
    for (j, &pj) in [0.1, 0.6, 0.3].iter().enumerate() {
        let col: Vec<f32> = rows.chunks(3).map(|r| r[j]).collect();
        let (m, v) = mean_var(&col);
        let (em, ev) = (12.0 * pj, 12.0 * pj * (1.0 - pj));
        assert!(
            (m - em).abs() < 5.0 * (ev / 1e4f64).sqrt(),
            "outcome {j}: mean {m} vs {em}"
        );
        assert!(
            (v - ev).abs() < 0.1 * ev + 0.02,
            "outcome {j}: var {v} vs {ev}"
        );
    }
}

#[test]
fn orthogonal_is_orthogonal_and_mvn_has_the_covariance() {
    let q = random::orthogonal(random::key(4), 5, [3], DType::F32, None);
    let qtq = jnp::matmul(&jnp::swapaxes(&q, -1, -2), &q);
    let eye = jnp::broadcast_to(&jnp::eye(5), [3, 5, 5]);
    assert_close(
        "QᵀQ",
        &qtq.to_vec::<f64>(),
        &eye.to_vec::<f64>(),
        Tolerance::new(0.0, 1e-5),
    );
    let (mean, cov) = mean_cov();
    let x = random::multivariate_normal(
        random::key(5),
        &mean,
        &cov,
        Some([10_000].into()),
        DType::F32,
        CovFactor::Cholesky,
    );
    let m = jnp::mean(&x, 0);
    assert_close(
        "mean",
        &m.to_vec::<f64>(),
        &mean.to_vec::<f64>(),
        Tolerance::new(0.0, 0.06),
    );
    let centered = &x - &m;
    let c = &jnp::matmul(&jnp::swapaxes(&centered, 0, 1), &centered) / 9999.0;
    assert_close(
        "cov",
        &c.to_vec::<f64>(),
        &cov.to_vec::<f64>(),
        Tolerance::new(0.0, 0.08),
    );
}
