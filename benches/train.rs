//! Training-step benchmarks: a `filter_jit`'d step of `filter_value_and_grad` plus an SGD update
//! (`tree::map2`), float32, random data from a fixed key, on the workloads of
//! `benches/train_jax.py` (JAX + Equinox + optax.sgd, the same models and data shapes):
//!
//! - `tiny1` / `tiny32`: `nn::MLP` 2-32-32-1 (ReLU), batch 1 / 32, mean squared error: a
//!   dispatch-bound step;
//! - `mlp`: `nn::MLP` 784-512-512-10 (ReLU), batch 128, softmax cross-entropy.
//!
//! For each it reports the first call of a fresh `filter_jit` (trace + compile + one run) and
//! the per-step time of later calls (each step feeds the next, as in training), as min and
//! median over batches of steps. Run with `cargo bench -p equinox --bench train` (or
//! `benches/run_train.sh`, which also runs the JAX side and prints ratios). Prints one JSON
//! line per workload:
//! `{"kind":"train","impl":"equinox-rs","workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"final_loss":...}`.

mod timing;

use equinox as eqx;
use eqx::{nn, random, Array, DType};
use std::hint::black_box;
use std::time::{Duration, Instant};
use timing::time_it;

const LEARNING_RATE: f64 = 1e-2;

/// Mean squared error of the MLP over a batch.
fn mse(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

/// Mean softmax cross-entropy of the MLP's logits against integer labels.
fn xent(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    let classes = logits.shape()[1];
    -(logits.log_softmax(-1) * y.one_hot(classes))
        .sum(-1)
        .mean(None)
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

fn main() {
    let [model_key, data_key] = random::split_into(random::key(0));
    let [kx, ky] = random::split_into(data_key);
    for (name, b) in [("tiny1", 1), ("tiny32", 32)] {
        let model = nn::MLP::new(2, 1, 32, 2, model_key.clone());
        let x = random::normal(kx.clone(), [b, 2], DType::F32);
        let y = random::normal(ky.clone(), [b, 1], DType::F32);
        bench(name, model, mse, x, y, 1000);
    }
    let model = nn::MLP::new(784, 10, 512, 2, model_key);
    let x = random::normal(kx, [128, 784], DType::F32);
    let y = random::randint(ky, [128], 0, 10, DType::I32);
    bench("mlp", model, xent, x, y, 5);
}
