//! Training-step benchmarks: a `filter_jit`'d step of `filter_value_and_grad` plus an SGD update
//! (`tree::map2`), float32, random data from a fixed key, on the workloads of
//! `benches/train_jax.py` (JAX + Equinox + optax.sgd, the same models and data shapes):
//!
//! - `tiny1` / `tiny32`: `nn::MLP` 2-32-32-1 (ReLU), batch 1 / 32, mean squared error: a
//!   dispatch-bound step;
//! - `mlp`: `nn::MLP` 784-512-512-10 (ReLU), batch 128, softmax cross-entropy;
//! - `mlp-adam`: the same step with `optim::adam(1e-3)` (state as an argument) instead of SGD;
//! - `adamw-10m`: `optim::adamw(1e-3)`'s update alone (`update` + `apply_updates`, jitted) on
//!   ten (1000, 1000) f32 parameters, 10M in all, with fixed gradients: a memory-bound step.
//!
//! For each it reports the first call of a fresh `filter_jit` (trace + compile + one run) and
//! the per-step time of later calls (each step feeds the next, as in training), as min and
//! median over batches of steps. Run with `cargo bench -p equinox --bench train` (or
//! `benches/run_train.sh`, which also runs the JAX side and prints ratios). Prints one JSON
//! line per workload:
//! `{"kind":"train","impl":"equinox-rs","workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"final_loss":...}`.

mod timing;
mod workloads;

use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType};
use std::hint::black_box;
use std::time::{Duration, Instant};
use timing::time_it;
use workloads::xent;

const LEARNING_RATE: f64 = 1e-2;

/// Mean squared error of the MLP over a batch.
fn mse(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

type Loss = fn(&nn::MLP, &Array, &Array) -> Array;

/// Benchmarks one workload and prints its JSON line.
fn bench(name: &str, model: nn::MLP, loss: Loss, x: Array, y: Array, batch: usize) {
    let step = eqx::filter_jit(move |model: &nn::MLP, x: &Array, y: &Array| {
        let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
        let model = eqx::tree::map2(model, &grads, |p, g| p - g * LEARNING_RATE);
        (model, l)
    });
    let t0 = Instant::now();
    let (mut model, mut l) = step(&model, &x, &y);
    let first = t0.elapsed().as_secs_f64();
    let (min, median, reps) = time_it(batch, Duration::from_secs(2), || {
        let (m, loss) = step(black_box(&model), &x, &y);
        (model, l) = (m, loss);
    });
    println!(
        "{{\"kind\":\"train\",\"impl\":\"equinox-rs\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"final_loss\":{}}}",
        l.item::<f32>()
    );
}

/// Prints a workload's JSON line.
fn emit(name: &str, first: f64, (min, median, reps): (f64, f64, usize), loss: f32) {
    println!(
        "{{\"kind\":\"train\",\"impl\":\"equinox-rs\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"final_loss\":{loss}}}"
    );
}

/// The MLP step with Adam: the optimiser's state is an argument of the compiled step.
fn bench_adam(name: &str, model: nn::MLP, x: Array, y: Array) {
    let opt = optim::adam(1e-3f64);
    let opt_state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &nn::MLP,
              state: &<optim::Adam<f64> as GradientTransformation>::State<nn::MLP>,
              x: &Array,
              y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(xent)(model, x, y);
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state, l)
        },
    );
    let t0 = Instant::now();
    let (mut model, mut opt_state, mut l) = step(&model, &opt_state, &x, &y);
    let first = t0.elapsed().as_secs_f64();
    let timing = time_it(5, Duration::from_secs(2), || {
        let (m, s, loss) = step(black_box(&model), &opt_state, &x, &y);
        (model, opt_state, l) = (m, s, loss);
    });
    emit(name, first, timing, l.item::<f32>());
}

/// AdamW's update alone on 10M parameters (ten (1000, 1000) arrays) with fixed gradients.
fn bench_adamw_update(name: &str, key: random::Key) {
    let keys = random::split_vec(key, 20);
    let mut arrays = keys
        .into_iter()
        .map(|k| random::normal(k, [1000, 1000], DType::F32));
    let params: Vec<Array> = arrays.by_ref().take(10).collect();
    let grads: Vec<Array> = arrays.collect();
    let opt = optim::adamw(1e-3f64);
    let state = opt.init(&params);
    let step = eqx::filter_jit(
        move |params: &Vec<Array>,
              state: &<optim::AdamW<f64> as GradientTransformation>::State<Vec<Array>>,
              grads: &Vec<Array>| {
            let (updates, state) = opt.update(grads, state, Some(params));
            (optim::apply_updates(params, &updates), state)
        },
    );
    let t0 = Instant::now();
    let (mut params, mut state) = step(&params, &state, &grads);
    let first = t0.elapsed().as_secs_f64();
    let timing = time_it(5, Duration::from_secs(2), || {
        let (p, s) = step(black_box(&params), &state, &grads);
        (params, state) = (p, s);
    });
    emit(name, first, timing, params[0].mean(None).item::<f32>());
}

fn main() {
    // Arguments that are not flags (cargo passes `--bench`) select workloads by substring:
    // `cargo bench -p equinox --bench train -- adamw`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let [model_key, data_key] = random::split_into(random::key(0));
    let [kx, ky] = random::split_into(data_key);
    for (name, b) in [("tiny1", 1), ("tiny32", 32)] {
        if !wanted(name) {
            continue;
        }
        let model = nn::MLP::new(2, 1, 32, 2, model_key.clone());
        let x = random::normal(kx.clone(), [b, 2], DType::F32);
        let y = random::normal(ky.clone(), [b, 1], DType::F32);
        bench(name, model, mse, x, y, 1000);
    }
    let model = nn::MLP::new(784, 10, 512, 2, model_key.clone());
    let x = random::normal(kx, [128, 784], DType::F32);
    let y = random::randint(ky, [128], 0, 10, DType::I32);
    if wanted("mlp") {
        bench("mlp", model.clone(), xent, x.clone(), y.clone(), 5);
    }
    if wanted("mlp-adam") {
        bench_adam("mlp-adam", model, x, y);
    }
    if wanted("adamw-10m") {
        bench_adamw_update("adamw-10m", model_key);
    }
}
