//! Convolutional training benchmarks, float32, random data from a fixed key, on the workloads
//! of `benches/cnn_jax.py` (JAX + Equinox + optax, the same models and data shapes):
//!
//! - `cnn`: the Equinox tutorial's MNIST CNN ("Convolutional Neural Network on MNIST"):
//!   `Conv2d(1, 3, 4)` → `MaxPool2d(2)` (stride 1) → relu → ravel → `Linear(1728, 512)` →
//!   sigmoid → `Linear(512, 64)` → relu → `Linear(64, 10)` → log_softmax, batch 64 of
//!   (1, 28, 28), the tutorial's cross-entropy (`-mean` of the log-probability at the label);
//!   one step is `filter_jit(filter_value_and_grad → optim::adamw(3e-4) → apply_updates)`,
//!   the optimiser's state an argument of the step;
//! - `resnet-block`: a ResNet basic block, 64 channels, batch 32 of (64, 32, 32): conv3x3 (no
//!   bias, padding 1) → `BatchNorm` (batch mode, axis "batch") → relu → conv3x3 → `BatchNorm`
//!   → + input → relu; one step is the `filter_jit`'d forward and backward (the value and
//!   gradient of `mean(output²)` with respect to the block, via `filter_vjp`, see
//!   `bench_resnet_block`) under a named `filter_vmap` sharing the BatchNorm `State`, which is
//!   threaded from step to step.
//!   Its JSON line also carries `conv_gflops`: the two convolutions' forward flops
//!   (`2 · 2·N·C·H·W·C·9`) times 3 (backward ≈ 2× forward) over the median step time.
//!
//! - `resnet-conv-kernels`: the block's 3x3 convolution alone (forward, input gradient,
//!   weight gradient), each jitted, and a matrix product with the same multiply-adds; one JSON
//!   line `{"kind":"kernels",...}` with each one's GFLOP/s.
//!
//! For each training workload it reports the first call of a fresh `filter_jit` (trace + compile + one run) and
//! the per-step time of later calls (each step feeds the next, as in training), as min and
//! median over batches of steps. Run with `cargo bench -p equinox --bench cnn` (or
//! `benches/run_cnn.sh`, which also runs the JAX side and prints ratios). Prints one JSON line
//! per workload:
//! `{"kind":"train","impl":"equinox-rs","workload":...,"first_call_s":...,"min_s":...,"median_s":...,"reps":...,"final_loss":...,"first_loss":...}`
//! (`first_loss`: the loss of the first step, comparable across implementations; `final_loss`
//! depends on how many steps the timing loop ran).

mod timing;
mod workloads;

use equinox as eqx;
use eqx::nn::{self, State};
use eqx::optim::{self, GradientTransformation};
use eqx::transforms::{AxisSpec, VmapSpec};
use eqx::{lax, random, Array, DType, Module};
use std::hint::black_box;
use std::time::{Duration, Instant};
use timing::time_it;
use workloads::{cross_entropy, Cnn};

/// Prints a workload's JSON line (with extra `"key":value` fields appended verbatim).
fn emit(name: &str, first: f64, (min, median, reps): (f64, f64, usize), loss: f32, extra: &str) {
    println!(
        "{{\"kind\":\"train\",\"impl\":\"equinox-rs\",\"workload\":\"{name}\",\"first_call_s\":{first:e},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps},\"final_loss\":{loss}{extra}}}"
    );
}

// ---------------------------------------------------------------------------------------------
// cnn: the Equinox MNIST tutorial's model

type CnnOptState = <optim::AdamW<f64> as GradientTransformation>::State<Cnn>;

fn bench_cnn(model_key: random::Key, data_key: random::Key) {
    let [kx, ky] = random::split_into(data_key);
    let model = Cnn::new(model_key);
    let x = random::normal(kx, [64, 1, 28, 28], DType::F32);
    let y = random::randint(ky, [64], 0, 10, DType::I32);
    let opt = optim::adamw(3e-4f64);
    let opt_state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &Cnn, state: &CnnOptState, x: &Array, y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(cross_entropy)(model, x, y);
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state, l)
        },
    );
    let t0 = Instant::now();
    let (mut model, mut opt_state, mut l) = step(&model, &opt_state, &x, &y);
    let first = t0.elapsed().as_secs_f64();
    let first_loss = l.item::<f32>();
    let timing = time_it(5, Duration::from_secs(2), || {
        let (m, s, loss) = step(black_box(&model), &opt_state, &x, &y);
        (model, opt_state, l) = (m, s, loss);
    });
    emit(
        "cnn",
        first,
        timing,
        l.item::<f32>(),
        &format!(",\"first_loss\":{first_loss}"),
    );
}

// ---------------------------------------------------------------------------------------------
// resnet-block: a ResNet basic block with BatchNorm state

const CHANNELS: usize = 64;
const RESNET_BATCH: usize = 32;
const SIDE: usize = 32;

/// conv3x3 → BatchNorm → relu → conv3x3 → BatchNorm → + input → relu, on one example of shape
/// (64, 32, 32).
#[derive(Module, Clone)]
struct BasicBlock {
    conv1: nn::Conv,
    bn1: nn::BatchNorm,
    conv2: nn::Conv,
    bn2: nn::BatchNorm,
}

impl BasicBlock {
    fn new(key: random::Key) -> BasicBlock {
        let [k1, k2] = random::split_into(key);
        let conv = |k| {
            let opts = nn::ConvOptions {
                padding: 1.into(),
                use_bias: false,
                ..Default::default()
            };
            nn::Conv2d::with_options(CHANNELS, CHANNELS, 3, opts, k)
        };
        let bn = || {
            let opts = nn::BatchNormOptions {
                mode: nn::BatchNormMode::Batch,
                ..Default::default()
            };
            nn::BatchNorm::with_options(CHANNELS, "batch", opts)
        };
        BasicBlock {
            conv1: conv(k1),
            bn1: bn(),
            conv2: conv(k2),
            bn2: bn(),
        }
    }

    fn call(&self, x: &Array, state: State) -> (Array, State) {
        let (y, state) = self.bn1.call(&self.conv1.forward(x), state);
        let y = self.conv2.forward(&nn::relu(&y));
        let (y, state) = self.bn2.call(&y, state);
        (nn::relu(&(y + x)), state)
    }
}

/// The vmap of a training call over the batch, the state shared (not mapped in or out).
fn shared_state_spec(name: &str) -> VmapSpec {
    VmapSpec::default()
        .axis_name(name)
        .in_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
        .out_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]))
}

/// `mean(block(x)²)` over the batch, with the updated state as the aux output.
fn block_loss(block: &BasicBlock, x: &Array, state: &State) -> (Array, State) {
    let (y, state) = eqx::filter_vmap_with(
        |x: &Array, s: &State| block.call(x, s.clone()),
        shared_state_spec("batch"),
    )(x, state);
    (y.square().mean(None), state)
}

fn bench_resnet_block(model_key: random::Key, data_key: random::Key) {
    let (block, state) = nn::make_with_state(BasicBlock::new(model_key));
    let x = random::normal(data_key, [RESNET_BATCH, CHANNELS, SIDE, SIDE], DType::F32);
    let step = eqx::filter_jit(|block: &BasicBlock, x: &Array, state: &State| {
        let ((l, state), grads) =
            eqx::filter_value_and_grad_with_aux(|b: &BasicBlock| block_loss(b, x, state))(block);
        (l, grads, state)
    });
    let t0 = Instant::now();
    let (mut l, _, mut state) = step(&block, &x, &state);
    let first = t0.elapsed().as_secs_f64();
    let first_loss = l.item::<f32>();
    let timing = time_it(1, Duration::from_secs(2), || {
        let (loss, grads, s) = step(black_box(&block), &x, &state);
        black_box(grads);
        (l, state) = (loss, s);
    });
    // Two convolutions, each 2·N·C·H·W·C·9 flops forward; the backward pass ≈ 2× forward.
    let conv_fwd = 2.0 * 2.0 * (RESNET_BATCH * CHANNELS * SIDE * SIDE * CHANNELS * 9) as f64;
    let gflops = 3.0 * conv_fwd / timing.1 / 1e9;
    emit(
        "resnet-block",
        first,
        timing,
        l.item::<f32>(),
        &format!(",\"first_loss\":{first_loss},\"conv_gflops\":{gflops:.2}"),
    );
}

// ---------------------------------------------------------------------------------------------
// resnet-conv-kernels: the block's convolutions alone, against a matrix product of their size

/// The ResNet block's 3x3 convolution (64 → 64 channels, padding 1, batch 32 of 32x32) as
/// three jitted programs: forward, the input gradient and the weight gradient (each the
/// `grad` of `sum(conv · cotangent)`, whose forward convolution the compiler drops as unused),
/// and the matrix product with the same multiply-adds, `(64 × 576) · (576 × 32768)` (the
/// im2col form). Prints one JSON line with each one's GFLOP/s.
fn bench_conv_kernels(data_key: random::Key) {
    let [kx, kw, kc, ka, kb] = random::split_into(data_key);
    let shape = [RESNET_BATCH, CHANNELS, SIDE, SIDE];
    let x = random::normal(kx, shape, DType::F32);
    let w = random::normal(kw, [CHANNELS, CHANNELS, 3, 3], DType::F32);
    let ct = random::normal(kc, shape, DType::F32);
    let conv = |x: &Array, w: &Array| lax::conv_general_dilated(x, w, &[1, 1], vec![(1, 1); 2]);
    let forward = eqx::jit(move |x: &Array, w: &Array| conv(x, w));
    let input_grad = eqx::jit(move |x: &Array, w: &Array, ct: &Array| {
        eqx::grad(|x: &Array| (conv(x, w) * ct).sum(None))(x)
    });
    let weight_grad = eqx::jit(move |x: &Array, w: &Array, ct: &Array| {
        eqx::grad(|w: &Array| (conv(x, w) * ct).sum(None))(w)
    });
    let a = random::normal(ka, [CHANNELS, CHANNELS * 9], DType::F32);
    let b = random::normal(kb, [CHANNELS * 9, RESNET_BATCH * SIDE * SIDE], DType::F32);
    let product = eqx::jit(|a: &Array, b: &Array| a.matmul(b));
    let flops = 2.0 * (RESNET_BATCH * CHANNELS * SIDE * SIDE * CHANNELS * 9) as f64;
    let gflops = |mut f: Box<dyn FnMut() -> Array + '_>| {
        let (_, median, _) = time_it(1, Duration::from_secs(1), || {
            black_box(f());
        });
        flops / median / 1e9
    };
    let fields = [
        ("forward_gflops", gflops(Box::new(|| forward(&x, &w)))),
        (
            "input_grad_gflops",
            gflops(Box::new(|| input_grad(&x, &w, &ct))),
        ),
        (
            "weight_grad_gflops",
            gflops(Box::new(|| weight_grad(&x, &w, &ct))),
        ),
        ("gemm_gflops", gflops(Box::new(|| product(&a, &b)))),
    ];
    let fields: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("\"{k}\":{v:.1}"))
        .collect();
    println!(
        "{{\"kind\":\"kernels\",\"impl\":\"equinox-rs\",\"workload\":\"resnet-conv-kernels\",{}}}",
        fields.join(",")
    );
}

fn main() {
    let [model_key, data_key] = random::split_into(random::key(0));
    bench_cnn(model_key.clone(), data_key.clone());
    bench_resnet_block(model_key, data_key.clone());
    bench_conv_kernels(data_key);
}
