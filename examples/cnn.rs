//! Equinox's "Convolutional neural network on MNIST" tutorial, in Rust: the tutorial's network
//! (`Conv2d` -> `MaxPool2d` -> ReLU -> flatten -> `Linear` -> sigmoid -> `Linear` -> ReLU ->
//! `Linear` -> log-softmax) trained with `optim::adamw` on the 8x8 digits shipped in
//! `examples/data/`, or on MNIST with `--mnist DIR`.
//!
//! The model is a plain struct of layers deriving `Module`, so `filter_value_and_grad`,
//! `filter_jit` and the optimiser see its arrays as leaves and its sizes as static structure;
//! a layer acts on one image `(1, H, W)` and the batch comes from `vmap`.
//!
//! ```text
//! cargo run --release --example cnn [-- --steps N --batch B --lr LR --seed S --mnist DIR --device D]
//! ```
//!
//! `--device` is `cpu` (our executor, the default), `xla-cpu` (XLA's CPU plugin through the
//! PJRT backend; `.ci/xla-cpu-plugin` downloads it) or `gpu` (the PJRT plugin in
//! `EQX_PJRT_PLUGIN`).

use clap::Parser;
use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType, Module};
use std::path::PathBuf;
use std::time::Instant;

mod support;
use support::device::{self, DeviceArg, Trainer};
use support::{rows, Chart, Series};

/// Trains the Equinox tutorial's CNN on the 8x8 digits (or on MNIST from DIR).
#[derive(Parser)]
struct Args {
    /// Optimiser steps (the tutorial runs 300 on MNIST).
    #[arg(long, default_value_t = 3000)]
    steps: usize,
    /// Examples per step (the tutorial's 64).
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// AdamW's peak learning rate (the tutorial's 3e-4 suits MNIST's 300 steps; the small
    /// digits set trains well with a larger one).
    #[arg(long, default_value_t = 1e-2)]
    lr: f64,
    /// The key for the shuffle, the split and the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Train on MNIST read from this directory (IDX files, optionally gzipped).
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Where to train: our CPU executor, or XLA through a PJRT plugin.
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
}

/// The tutorial's network for `side x side` single-channel images.
#[derive(Module, Clone)]
struct Cnn {
    conv: nn::Conv,
    pool: nn::Pool,
    hidden1: nn::Linear,
    hidden2: nn::Linear,
    output: nn::Linear,
    /// The image side, to unflatten the data set's rows.
    #[module(static)]
    side: usize,
}

impl Cnn {
    fn new(side: usize, key: random::Key) -> Cnn {
        let [k1, k2, k3, k4] = random::split_into(key);
        // A 4x4 convolution (no padding) then a 2x2 max-pool with stride 1: each takes the
        // side down by 3 and 1, leaving 3 channels of (side - 4)^2 pixels.
        let flat = 3 * (side - 4) * (side - 4);
        Cnn {
            conv: nn::Conv2d::new(1, 3, 4, k1),
            pool: nn::MaxPool2d::new(2),
            hidden1: nn::Linear::new(flat, 512, k2),
            hidden2: nn::Linear::new(512, 64, k3),
            output: nn::Linear::new(64, 10, k4),
            side,
        }
    }

    /// Log-probabilities of the 10 classes for one flattened image.
    fn forward(&self, x: &Array) -> Array {
        let image = x.reshape([1, self.side, self.side]);
        let x = nn::relu(&self.pool.forward(&self.conv.forward(&image)));
        let x = nn::sigmoid(&self.hidden1.forward(&x.ravel()));
        let x = nn::relu(&self.hidden2.forward(&x));
        nn::log_softmax(&self.output.forward(&x), -1)
    }
}

/// Mean cross-entropy against integer labels (the tutorial's loss).
fn loss(model: &Cnn, x: &Array, y: &Array) -> Array {
    let log_probs = eqx::vmap(|x: &Array| model.forward(x))(x);
    -(log_probs * y.one_hot(10)).sum(-1).mean(None)
}

/// The fraction of examples whose most likely class is the label.
fn accuracy(model: &Cnn, x: &Array, y: &Array) -> Array {
    let log_probs = eqx::vmap(|x: &Array| model.forward(x))(x);
    eqx::numpy::equal(&log_probs.argmax(-1), y)
        .astype(DType::F32)
        .mean(None)
}

/// The state the optimiser keeps for the model.
type StateOf<O> = <O as GradientTransformation>::State<Cnn>;

/// What a training step updates: the model and the optimiser's state.
type TrainState<O> = (Cnn, StateOf<O>);

/// One training step on the state (model, optimiser state): loss and gradients, AdamW's
/// update, `apply_updates`. The `Trainer` compiles it: with `filter_jit_donate` on our
/// executor (the state is donated, so its buffers receive the new parameters), or for a PJRT
/// device.
fn training_step<O: GradientTransformation + 'static>(
    opt: O,
) -> impl Fn(&TrainState<O>, &Array, &Array) -> (TrainState<O>, Array) {
    move |(model, opt_state): &TrainState<O>, x: &Array, y: &Array| {
        let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
        let (updates, opt_state) = opt.update(&grads, opt_state, Some(model));
        ((eqx::apply_updates(model, &updates), opt_state), l)
    }
}

fn main() {
    let args = Args::parse();
    let backend = device::backend("cnn", args.device);
    let [data_key, model_key, shuffle_key] = random::split_into(random::key(args.seed));
    let ((x_train, y_train), (x_test, y_test)) =
        support::load_classification("cnn", args.mnist.as_deref(), data_key);
    let n_train = y_train.shape()[0];
    let side = (x_train.shape()[1] as f64).sqrt() as usize;
    assert_eq!(
        side * side,
        x_train.shape()[1],
        "cnn: the images must be square"
    );
    println!(
        "data: {n_train} train / {} test images of {side}x{side}",
        y_test.shape()[0]
    );

    let model = Cnn::new(side, model_key);
    let n_params: usize = eqx::tree::leaves(&eqx::filter(&model, eqx::is_array))
        .iter()
        .map(|a| a.size())
        .sum();
    println!("model: {n_params} parameters");

    // AdamW with a linear warmup over the first 10% of the steps, then a cosine to zero.
    let schedule = optim::warmup_cosine_decay_schedule(
        0.0,
        args.lr,
        (args.steps / 10).max(1) as i64,
        args.steps as i64,
    );
    let optimiser = optim::adamw(schedule);
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array));
    let mut trainer = Trainer::new(&backend, (model, opt_state), training_step(optimiser));
    let evaluate = eqx::filter_jit(accuracy);

    let batch = args.batch.min(n_train);
    let per_epoch = n_train / batch;
    let eval_every = (args.steps / 30).max(1);
    let (mut loss_curve, mut test_curve) = (Series::new("train loss"), Series::new("test"));
    let progress = support::progress_bar(args.steps as u64);
    progress.set_prefix("train");
    let (mut xs, mut ys) = (x_train.clone(), y_train.clone());
    let t_train = Instant::now();
    for i in 0..args.steps {
        // A fresh shuffle at the start of every pass over the data.
        if i % per_epoch == 0 {
            let epoch_key = random::fold_in(shuffle_key.clone(), (i / per_epoch) as u32);
            let order = random::permutation(epoch_key, n_train);
            (xs, ys) = (x_train.take(&order, Some(0)), y_train.take(&order, Some(0)));
        }
        let start = (i % per_epoch) * batch;
        let (xb, yb) = (rows(&xs, start, batch), rows(&ys, start, batch));
        let l = trainer.step(&xb, &yb);
        loss_curve.push((i + 1) as f64, l as f64);
        if (i + 1) % eval_every == 0 || i + 1 == args.steps {
            let acc = evaluate(&trainer.state().0, &x_test, &y_test).item::<f32>();
            test_curve.push((i + 1) as f64, 100.0 * acc as f64);
            progress.set_message(format!("loss {l:.4} test {:.2}%", 100.0 * acc));
        }
        progress.inc(1);
    }
    progress.finish();
    let train_s = t_train.elapsed().as_secs_f64();
    let (model, _) = trainer.state();

    let train_acc = evaluate(&model, &x_train, &y_train).item::<f32>();
    let test_acc = evaluate(&model, &x_test, &y_test).item::<f32>();
    println!(
        "trained {} steps of batch {batch} in {train_s:.2} s ({:.2} ms/step)",
        args.steps,
        1e3 * train_s / args.steps as f64
    );
    println!("train accuracy {:.2}%", 100.0 * train_acc);
    println!("test accuracy  {:.2}%", 100.0 * test_acc);
    let plot = support::save_png(
        &support::plot_path("cnn"),
        "Equinox's tutorial CNN (AdamW, warmup-cosine)",
        "step",
        &[
            Chart {
                y_label: "cross-entropy",
                series: &[&loss_curve],
                log_y: true,
            },
            Chart {
                y_label: "test accuracy (%)",
                series: &[&test_curve],
                log_y: false,
            },
        ],
    );
    match plot {
        Ok(path) => println!("curves: {}", path.display()),
        Err(e) => eprintln!("cnn: could not draw the curves: {e}"),
    }
}
