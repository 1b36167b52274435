//! The PJRT backend against our own CPU executor, on the training steps of `benches/train.rs`
//! and `benches/cnn.rs` (float32, random data from a fixed key):
//!
//! - `mlp`: `nn::MLP` 784-512-512-10 (ReLU), batch 128, softmax cross-entropy, an SGD step;
//! - `cnn`: the Equinox MNIST tutorial's CNN, batch 64, an AdamW step.
//!
//! Each runs as `filter_jit` on our executor (`impl: equinox-rs`) and as `Client::jit` on the
//! plugin in `EQX_PJRT_PLUGIN` (`impl: equinox-rs-pjrt`), with the model and optimiser state
//! kept on the device between steps (`call_resident`) and only the loss copied back, as a
//! JAX training loop does. `benches/pjrt_jax.py` runs the same steps in JAX, on JAX's own CPU
//! backend and on the same plugin; `benches/run_pjrt.sh` runs both and prints ratios.
//! Prints one JSON line per workload and implementation:
//! `{"kind":"train","impl":...,"workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"first_loss":...}`
//! (`first_call_s`: trace + lower + compile + one step).

mod timing;
mod workloads;

use equinox as eqx;
use equinox_pjrt::{Client, OnDevice};
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType};
use std::time::{Duration, Instant};
use timing::time_it;
use workloads::{cross_entropy, xent, Cnn};

fn emit(implementation: &str, name: &str, first: f64, timing: (f64, f64, usize), loss: f32) {
    let (min, median, reps) = timing;
    println!(
        "{{\"kind\":\"train\",\"impl\":\"{implementation}\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"first_loss\":{loss}}}"
    );
}

/// Times `step` as a `filter_jit` on our own executor.
fn bench_cpu<S: eqx::tree::PyTree + Clone>(
    name: &str,
    state: &S,
    batch: &(Array, Array),
    step: impl Fn(&S, &(Array, Array)) -> (S, Array),
) {
    let cpu_step = eqx::filter_jit(move |s: &S, b: &(Array, Array)| step(s, b));
    let t0 = Instant::now();
    let (mut s, loss) = cpu_step(state, batch);
    let first = t0.elapsed().as_secs_f64();
    let first_loss = loss.item::<f32>();
    let timing = time_it(5, Duration::from_secs(2), || {
        let (next, loss) = cpu_step(&s, batch);
        s = next;
        std::hint::black_box(loss.item::<f32>());
    });
    emit("equinox-rs", name, first, timing, first_loss);
}

/// Times `step` (state, batch) → (state, loss) on our executor (`on_cpu`) and on the plugin
/// (`on_device`): in separate processes each, as benches/run_pjrt.sh runs it, so that the one
/// executor's idle worker threads do not take cores from the other's.
fn bench<S: eqx::tree::PyTree + Clone>(
    (on_cpu, on_device): (bool, bool),
    client: &Client,
    name: &str,
    state: S,
    batch: (Array, Array),
    step: impl Fn(&S, &(Array, Array)) -> (S, Array) + Clone,
) {
    if on_cpu {
        bench_cpu(name, &state, &batch, step.clone());
    }
    if !on_device {
        return;
    }
    let device_step = client.jit(move |(s, b): &(S, (Array, Array))| step(s, b));
    let t0 = Instant::now();
    let on_device = client.put(&state).expect("copying the state to the device");
    let batch = client.put(&batch).expect("copying the batch to the device");
    let run = |s: &OnDevice<S>| {
        let (s, loss) = device_step
            .call_resident(&OnDevice::join(s, &batch))
            .expect("running the step on the device")
            .split();
        (s, loss.get().expect("reading the loss").item::<f32>())
    };
    let (mut s, first_loss) = run(&on_device);
    let first = t0.elapsed().as_secs_f64();
    let timing = time_it(5, Duration::from_secs(2), || {
        let (next, loss) = run(&s);
        s = next;
        std::hint::black_box(loss);
    });
    emit("equinox-rs-pjrt", name, first, timing, first_loss);
}

const LEARNING_RATE: f64 = 1e-2;

fn main() {
    let client = match Client::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pjrt bench: {e} (get XLA's CPU plugin with .ci/xla-cpu-plugin)");
            std::process::exit(2)
        }
    };
    // Arguments that are not flags: `cpu` or `pjrt` pick the implementation, anything else
    // picks workloads by substring (`cargo bench -p equinox --bench pjrt -- cnn pjrt`).
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let has = |s: &str| args.iter().any(|a| a == s);
    let which = match (has("cpu"), has("pjrt")) {
        (false, false) => (true, true),
        pick => pick,
    };
    let only: Vec<&String> = args
        .iter()
        .filter(|a| *a != "cpu" && *a != "pjrt")
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    let [model_key, data_key] = random::split_into(random::key(0));
    let [kx, ky] = random::split_into(data_key.clone());
    if wanted("mlp") {
        let model = nn::MLP::new(784, 10, 512, 2, model_key.clone());
        let x = random::normal(kx, [128, 784], DType::F32);
        let y = random::randint(ky, [128], 0, 10, DType::I32);
        bench(
            which,
            &client,
            "mlp",
            model,
            (x, y),
            |m: &nn::MLP, (x, y)| {
                let (l, grads) = eqx::filter_value_and_grad(xent)(m, x, y);
                (eqx::tree::map2(m, &grads, |p, g| p - g * LEARNING_RATE), l)
            },
        );
    }
    if wanted("cnn") {
        // As benches/cnn.rs: the same keys, so the same model and data.
        let [kx, ky] = random::split_into(data_key);
        let model = Cnn::new(model_key);
        let x = random::normal(kx, [64, 1, 28, 28], DType::F32);
        let y = random::randint(ky, [64], 0, 10, DType::I32);
        let opt = optim::adamw(3e-4f64);
        let state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
        type State = <optim::AdamW<f64> as GradientTransformation>::State<Cnn>;
        bench(
            which,
            &client,
            "cnn",
            (model, state),
            (x, y),
            move |(m, s): &(Cnn, State), (x, y)| {
                let (l, grads) = eqx::filter_value_and_grad(cross_entropy)(m, x, y);
                let (updates, s) = opt.update(&grads, s, Some(m));
                ((eqx::apply_updates(m, &updates), s), l)
            },
        );
    }
}
