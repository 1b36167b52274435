//! Transformation benchmarks (issue 5), beside `benches/transforms_jax.py`:
//! (a) call overhead of a jitted tiny function, (b) trace + compile time of a 784-512-512-10
//! MLP training step (SGD, softmax cross-entropy, `value_and_grad`), (c) eager `grad` of a small
//! function, (d) steady-state time of that MLP step at batch 128.
//!
//! Run with `cargo bench -p equinox --bench transforms` (or `benches/run_transforms.sh`, which
//! also runs JAX and prints ratios). Prints one JSON line per workload:
//! `{"kind":"transforms","impl":"equinox-rs","op":...,"min_s":...,"median_s":...,"reps":...}`;
//! a workload that cannot run yet (a transformation rule it needs is missing) prints
//! `"skipped"` with the reason instead.

mod timing;

use equinox::numpy as jnp;
use equinox::transforms::{grad, jit, value_and_grad};
use equinox::{nn, Array};
use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};
use timing::time_it;

fn emit(op: &str, (min, median, reps): (f64, f64, usize)) {
    println!(
        "{{\"kind\":\"transforms\",\"impl\":\"equinox-rs\",\"op\":\"{op}\",\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps}}}"
    );
}

fn skipped(op: &str, why: &str) {
    let why = why
        .replace('\\', "\\\\")
        .replace('"', "'")
        .replace('\n', " ");
    println!(
        "{{\"kind\":\"transforms\",\"impl\":\"equinox-rs\",\"op\":\"{op}\",\"skipped\":\"{why}\"}}"
    );
}

/// Runs a workload, reporting a panic (a missing rule) as skipped.
fn attempt(op: &str, f: impl FnOnce()) {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    if let Err(e) = r {
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        skipped(op, &msg);
    }
}

type Params = Vec<Array>;

/// Deterministic pseudo-random f32 values in [-scale, scale).
fn uniform(seed: u64, shape: &[usize], scale: f32) -> Array {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let v = (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * scale
        })
        .collect();
    Array::from_vec(v, shape.to_vec())
}

fn mlp_params() -> Params {
    let sizes = [784, 512, 512, 10];
    let mut p = Vec::new();
    for (i, w) in sizes.windows(2).enumerate() {
        p.push(uniform(
            2 * i as u64 + 1,
            &[w[0], w[1]],
            1.0 / (w[0] as f32).sqrt(),
        ));
        p.push(jnp::zeros([w[1]]));
    }
    p
}

fn loss((p, x, y): &(Params, Array, Array)) -> Array {
    let mut h = x.clone();
    for l in 0..3 {
        h = h.matmul(&p[2 * l]) + &p[2 * l + 1];
        if l < 2 {
            h = nn::relu(&h);
        }
    }
    -(y * nn::log_softmax(&h, -1)).sum(-1).mean(None)
}

/// One SGD step: the loss and the updated parameters.
fn sgd_step((p, x, y): &(Params, Array, Array)) -> (Array, Params) {
    let (l, g) = value_and_grad(|p: &Params| loss(&(p.clone(), x.clone(), y.clone())))(p);
    let new = p.iter().zip(&g).map(|(w, g)| w - &(g * 0.01)).collect();
    (l, new)
}

fn batch(n: usize) -> (Array, Array) {
    let x = uniform(100, &[n, 784], 1.0);
    let labels: Vec<i32> = (0..n as i32).map(|i| (i * 7) % 10).collect();
    let y = nn::one_hot(&Array::from_vec(labels, [n]), 10);
    (x, y)
}

fn main() {
    let short = Duration::from_millis(1500);

    // (a) call overhead of a jitted tiny function.
    let f = jit(|x: &Array| x * 2.0 + 1.0);
    let x4 = jnp::arange(4.0);
    emit(
        "(a) jit call x*2+1 f32[4]",
        time_it(10_000, short, || {
            black_box(f(black_box(&x4)));
        }),
    );

    // (c) eager grad of a small function, and its binary-ops-only variant.
    let (w8, x8, b8) = (
        uniform(1, &[8], 1.0),
        uniform(2, &[8], 1.0),
        uniform(3, &[8], 1.0),
    );
    attempt("(c) eager grad sum(tanh(w*x+b)) f32[8]", || {
        let g = grad(|w: &Array| (w * &x8 + &b8).tanh().sum(None));
        emit(
            "(c) eager grad sum(tanh(w*x+b)) f32[8]",
            time_it(200, short, || {
                black_box(g(black_box(&w8)));
            }),
        );
    });
    let (w0, x0, b0) = (
        Array::scalar(0.3f32),
        Array::scalar(1.5f32),
        Array::scalar(-0.2f32),
    );
    let g = grad(|w: &Array| {
        let z = w * &x0 + &b0;
        &z * &z
    });
    emit(
        "(c') eager grad (w*x+b)^2 f32[] (binary ops only)",
        time_it(1000, short, || {
            black_box(g(black_box(&w0)));
        }),
    );

    // (d) steady-state MLP step at batch 128, then (b) trace + compile time of a fresh jit.
    let (x, y) = batch(128);
    let args = (mlp_params(), x, y);
    let mut steady = None;
    attempt("(d) MLP step steady state, batch 128", || {
        let step = jit(sgd_step);
        let r = time_it(3, short, || {
            black_box(step(black_box(&args)));
        });
        emit("(d) MLP step steady state, batch 128", r);
        steady = Some(r.1);
    });
    if let Some(steady) = steady {
        attempt("(b) MLP step trace+compile", || {
            let mut firsts: Vec<f64> = (0..7)
                .map(|_| {
                    let step = jit(sgd_step);
                    let t0 = Instant::now();
                    black_box(step(&args));
                    t0.elapsed().as_secs_f64()
                })
                .collect();
            firsts.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
            let compile = |t: f64| (t - steady).max(0.0);
            emit(
                "(b) MLP step trace+compile",
                (compile(firsts[0]), compile(firsts[3]), 7),
            );
        });
    } else {
        skipped("(b) MLP step trace+compile", "needs the MLP step (d)");
    }
}
