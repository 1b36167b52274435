//! Recurrent-network benchmarks, float32, random data from a fixed key, on the workloads of
//! `benches/rnn_jax.py` (JAX + Equinox, the same model and data shapes):
//!
//! - `gru-scan`: an `nn::GRUCell` (input 64, hidden 128) scanned with `lax::scan` over 256
//!   steps from a zero state, vmapped over a batch of 32 sequences; one step is the
//!   `filter_jit`'d value and gradient (`filter_value_and_grad`) of `mean(final_state²)` with
//!   respect to the cell: the forward scan and the backward scan through all 256 steps;
//! - `gru-scan-b1`: the same on a single sequence (no vmap): matrix-vector products, so the
//!   per-iteration overhead of the compiled loop dominates.
//!
//! For each it reports the first call of a fresh `filter_jit` (trace + compile + one run) and
//! the per-step time of later calls, as min and median over batches of steps. Run with
//! `cargo bench -p equinox --bench rnn` (or `benches/run_rnn.sh`, which also runs the JAX side
//! and prints ratios). Prints one JSON line per workload:
//! `{"kind":"train","impl":"equinox-rs","workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"final_loss":...}`
//! (the loss does not change between calls: the cell is not updated, so `final_loss` is
//! comparable across implementations).

mod timing;

use equinox as eqx;
use eqx::{lax, nn, numpy as jnp, random, Array, DType};
use std::hint::black_box;
use std::time::{Duration, Instant};
use timing::time_it;

const INPUT_SIZE: usize = 64;
const HIDDEN_SIZE: usize = 128;
const STEPS: usize = 256;
const BATCH: usize = 32;

/// The final hidden state of the cell scanned over `xs` (shape `(steps, input)`) from zeros.
fn run(cell: &nn::GRUCell, xs: &Array) -> Array {
    let (h, ()) = lax::scan(
        |h: &Array, x: &Array| (cell.forward(x, h), ()),
        &jnp::zeros([cell.hidden_size]),
        xs,
    );
    h
}

/// `mean(final_state²)`, over the batch when `xs` has one (shape `(batch, steps, input)`).
fn loss(cell: &nn::GRUCell, xs: &Array) -> Array {
    let h = if xs.ndim() == 3 {
        eqx::vmap(|xs: &Array| run(cell, xs))(xs)
    } else {
        run(cell, xs)
    };
    h.square().mean(None)
}

fn bench(name: &str, cell: &nn::GRUCell, xs: Array) {
    let step = eqx::filter_jit(|cell: &nn::GRUCell, xs: &Array| {
        eqx::filter_value_and_grad(loss)(cell, xs)
    });
    let t0 = Instant::now();
    let (mut l, _) = step(cell, &xs);
    let first = t0.elapsed().as_secs_f64();
    let (min, median, reps) = time_it(1, Duration::from_secs(2), || {
        let (loss, grads) = step(black_box(cell), &xs);
        black_box(grads);
        l = loss;
    });
    println!(
        "{{\"kind\":\"train\",\"impl\":\"equinox-rs\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"final_loss\":{}}}",
        l.item::<f32>()
    );
}

fn main() {
    // Arguments that are not flags (cargo passes `--bench`) select workloads by exact name:
    // `cargo bench -p equinox --bench rnn -- gru-scan-b1`.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let [model_key, data_key] = random::split_into(random::key(0));
    let cell = nn::GRUCell::new(INPUT_SIZE, HIDDEN_SIZE, model_key);
    let xs = random::normal(data_key, [BATCH, STEPS, INPUT_SIZE], DType::F32);
    if wanted("gru-scan") {
        bench("gru-scan", &cell, xs.clone());
    }
    if wanted("gru-scan-b1") {
        bench("gru-scan-b1", &cell, xs.index(eqx::s![0]));
    }
}
