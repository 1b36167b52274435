//! Transformed programs through the plugin: grad, vmap and jvp compositions under jit.

use crate::common::{agree, ints, normal};
use equinox_core::transforms::{grad, jvp, value_and_grad, vmap};
use equinox_core::{lax, nn, Array, DType};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 4,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A two-layer perceptron's cross-entropy, the shape of a training step.
fn mlp_loss(params: &(Array, Array, Array, Array), x: &Array, labels: &Array) -> Array {
    let (w1, b1, w2, b2) = params;
    let h = nn::relu(&(x.matmul(w1) + b1));
    let logits = h.matmul(w2) + b2;
    let log_probs = nn::log_softmax(&logits, -1);
    -(log_probs * nn::one_hot(labels, 3)).sum(-1).mean(None)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn grad_of_an_mlp_loss(batch in 1usize..6, hidden in 1usize..8, seed in 0u64..1000) {
        let params = (
            normal(seed, &[4, hidden], DType::F32),
            normal(seed + 1, &[hidden], DType::F32),
            normal(seed + 2, &[hidden, 3], DType::F32),
            normal(seed + 3, &[3], DType::F32),
        );
        let x = normal(seed + 4, &[batch, 4], DType::F32);
        let labels = ints(seed + 5, &[batch], 0, 3, DType::I32);
        agree(
            "value_and_grad(mlp_loss)",
            |(p, x, y): &((Array, Array, Array, Array), Array, Array)| {
                value_and_grad(|p: &(Array, Array, Array, Array)| mlp_loss(p, x, y))(p)
            },
            &(params, x, labels),
            1e-5,
            1e-5,
        );
    }

    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn vmap_and_jvp(n in 1usize..6, batch in 1usize..5, seed in 0u64..1000) {
        let xs = normal(seed, &[batch, n], DType::F32);
        agree("vmap(softmax . tanh)", |xs: &Array| vmap(|x: &Array| nn::softmax(&x.tanh(), -1))(xs), &xs, 1e-6, 1e-6);
        agree("jvp(sin * exp)", |(x, t): &(Array, Array)| jvp(|x: &Array| x.sin() * x.exp(), x, t),
              &(xs.clone(), normal(seed + 1, &[batch, n], DType::F32)), 1e-5, 1e-6);
        agree("grad through scan", |xs: &Array| grad(|xs: &Array| {
            let (c, ys) = lax::scan(|c: &Array, x: &Array| (c.tanh() + x, c * x), &Array::from_vec(vec![0.5f32; n], [n]), xs);
            c.sum(None) + ys.sum(None)
        })(xs), &xs, 1e-5, 1e-6);
    }
}

#[test]
#[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
fn half_precision_forward_and_gradients() {
    for dtype in [DType::BF16, DType::F16] {
        let x = normal(3, &[4, 8], DType::F32).astype(dtype);
        let w = normal(4, &[8, 3], DType::F32).astype(dtype);
        // XLA may keep a fused chain in float32 where our executor rounds each step to the
        // half type: agreement to the half type's precision.
        let tol = if dtype == DType::BF16 { 3e-2 } else { 4e-3 };
        agree(
            &format!("{dtype} layer"),
            |(x, w): &(Array, Array)| {
                (x.matmul(w).tanh() * 0.5 + x.sum(Some(-1)).expand_dims(1)).exp()
            },
            &(x.clone(), w.clone()),
            tol,
            tol,
        );
        agree(
            &format!("{dtype} value_and_grad"),
            |(x, w): &(Array, Array)| {
                value_and_grad(|w: &Array| x.matmul(w).tanh().square().mean(None))(w)
            },
            &(x, w),
            tol,
            tol,
        );
    }
}

proptest! {
    #![proptest_config(config())]

    /// `jnp.linalg` as users call it, and gradients through the decompositions' JVP rules, on
    /// the plugin against the CPU executor (float64, well-conditioned inputs).
    #[test]
    #[ignore = "needs a PJRT plugin (EQX_PJRT_PLUGIN)"]
    fn numpy_linalg_and_its_gradients(n in 2usize..6, seed in 0u64..1000) {
        use equinox_core::numpy::{self as jnp, linalg};
        let a = normal(seed, &[n, n], DType::F64) + jnp::eye(n).astype(DType::F64) * 3.0;
        let b = normal(seed + 1, &[n, 2], DType::F64);
        let tall = normal(seed + 2, &[n + 2, n], DType::F64);
        let tol = 1e-10;
        agree("solve, inv, det, slogdet", |(a, b): &(Array, Array)| {
            let (sign, logdet) = linalg::slogdet(a);
            (linalg::solve(a, b), linalg::inv(a), linalg::det(a), sign, logdet)
        }, &(a.clone(), b.clone()), tol, tol);
        agree("pinv, lstsq, matrix_rank, svdvals", |(t, b): &(Array, Array)| {
            let rhs = jnp::concatenate(&[b, &lax::slice(b, &[0, 0], &[2, 2], None)], 0);
            let fit = linalg::lstsq(t, &rhs);
            (linalg::pinv(t), fit.x, linalg::matrix_rank(t), linalg::svdvals(t))
        }, &(tall.clone(), b.clone()), tol, tol);
        agree("eigvalsh", |a: &Array| linalg::eigvalsh(&(a + &jnp::swapaxes(a, -1, -2))), &a, tol, tol);
        agree("grad of log|det|", |a: &Array| grad(|a: &Array| linalg::slogdet(a).1)(a), &a, 1e-8, 1e-8);
        agree("grad through solve", |(a, b): &(Array, Array)| grad(|a: &Array| linalg::solve(a, b).square().sum(None))(a), &(a.clone(), b.clone()), 1e-8, 1e-8);
        agree("grad of the largest eigenvalue", |a: &Array| grad(|a: &Array| {
            let w = linalg::eigvalsh(&(a + &jnp::swapaxes(a, -1, -2)));
            lax::slice(&w, &[n - 1], &[n], None).sum(None)
        })(a), &a, 1e-8, 1e-8);
        agree("grad of the nuclear norm", |t: &Array| grad(|t: &Array| linalg::svdvals(t).sum(None))(t), &tall, 1e-8, 1e-8);
        agree("grad through qr", |t: &Array| grad(|t: &Array| {
            let (q, r) = linalg::qr(t);
            q.sum(None) + r.square().sum(None)
        })(t), &tall, 1e-8, 1e-8);
    }
}
