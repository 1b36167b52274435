//! Handwritten-digit classification: an MLP trained with AdamW and a warmup-cosine learning-rate
//! schedule on the 8x8 digits shipped in `examples/data/digits.csv.gz`, or on MNIST with `--mnist DIR`.
//!
//! It shows the whole Equinox workflow: a model from `nn::MLP`, a softmax cross-entropy loss
//! batched with `vmap`, a training step around `filter_value_and_grad`, the update from
//! `optim::adamw` (Optax's, its state part of the step's state) applied with `apply_updates`,
//! the step compiled with `filter_jit_donate` (`filter_jit` that takes the state by value and
//! writes the updated parameters over the old ones; see `support::device::Trainer`, which
//! compiles it for a PJRT device instead with `--device`), and the trained model saved with
//! `tree_serialise_leaves` and loaded back with `tree_deserialise_leaves`.
//!
//! ```text
//! cargo run --release --example digits [-- --epochs N --seed S --out PATH --mnist DIR --device D]
//! ```
//!
//! - `--epochs N`: passes over the training set (default 20).
//! - `--seed S`: the key for the shuffle, the split and the initialisation (default 0).
//! - `--out PATH`: where the trained model is saved (default `target/digits_mlp.eqx`).
//! - `--mnist DIR`: train on MNIST instead, read from `DIR/train-images-idx3-ubyte`,
//!   `DIR/train-labels-idx1-ubyte`, `DIR/t10k-images-idx3-ubyte` and
//!   `DIR/t10k-labels-idx1-ubyte` (each optionally gzipped, with a `.gz` suffix).
//! - `--device D`: `cpu` (our executor, the default), `xla-cpu` (XLA's CPU plugin through the
//!   PJRT backend; `.ci/xla-cpu-plugin` downloads it) or `gpu` (the PJRT plugin in
//!   `EQX_PJRT_PLUGIN`). On a PJRT device the model and optimiser state stay on the device
//!   between steps.

use clap::Parser;
use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType};
use std::path::PathBuf;
use std::time::Instant;

mod support;
use support::device::{self, DeviceArg, Trainer};
use support::{rows, Chart, Series};

/// Trains an MLP on the 8x8 digits (or on MNIST from DIR) and saves it.
#[derive(Parser)]
struct Args {
    /// Passes over the training set.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// The key for the shuffle, the split and the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where the trained model is saved.
    #[arg(long, default_value = "target/digits_mlp.eqx")]
    out: PathBuf,
    /// Train on MNIST read from this directory (IDX files, optionally gzipped).
    #[arg(long)]
    mnist: Option<PathBuf>,
    /// Where to train: our CPU executor, or XLA through a PJRT plugin.
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
}

/// Mean softmax cross-entropy of the model's logits against integer labels.
fn loss(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    let log_probs = logits.log_softmax(-1);
    -(log_probs * y.one_hot(10)).sum(-1).mean(None)
}

/// The fraction of examples whose largest logit is the label (a float32 scalar).
fn accuracy(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    let hits = eqx::numpy::equal(&logits.argmax(-1), y);
    hits.astype(DType::F32).mean(None)
}

/// The state optimiser `O` keeps for the model.
type StateOf<O> = <O as GradientTransformation>::State<nn::MLP>;

/// What a training step updates: the model and the optimiser's state.
type TrainState<O> = (nn::MLP, StateOf<O>);

/// The training step for optimiser `opt`: gradients of the loss, the optimiser's update,
/// `apply_updates`, on the state (model, optimiser state). The `Trainer` compiles it for the
/// device chosen; on our executor with `filter_jit_donate`, which takes the state by value so
/// its buffers receive the updated parameters.
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
    let backend = device::backend("digits", args.device);
    let [data_key, model_key, shuffle_key] = random::split_into(random::key(args.seed));

    let t_load = Instant::now();
    let ((x_train, y_train), (x_test, y_test)) =
        support::load_classification("digits", args.mnist.as_deref(), data_key);
    let features = x_train.shape()[1];
    println!(
        "data: {} train / {} test examples of {features} features ({:.2} s to load)",
        y_train.shape()[0],
        y_test.shape()[0],
        t_load.elapsed().as_secs_f64()
    );

    // 64-128-128-10 on the digits, 784-128-128-10 on MNIST; ReLU between layers.
    let model = nn::MLP::new(features, 10, 128, 2, model_key);

    // AdamW (Optax's defaults, weight decay 1e-4) with a learning rate that warms up linearly
    // over the first epoch, then follows a cosine down to zero: Optax's schedule, evaluated on
    // the step count the optimiser keeps in its state.
    let batch = 32;
    let steps_per_epoch = y_train.shape()[0] / batch; // the last partial batch is dropped
    let total_steps = (steps_per_epoch * args.epochs) as i64;
    let schedule =
        optim::warmup_cosine_decay_schedule(0.0, 3e-3, steps_per_epoch as i64, total_steps);
    let optimiser = optim::adamw(schedule);
    // The Equinox tutorial's loop: the state is built for the model's float arrays.
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array));
    let mut trainer = Trainer::new(&backend, (model, opt_state), training_step(optimiser));
    let evaluate = eqx::filter_jit(accuracy);

    let n_train = y_train.shape()[0];
    let progress = support::progress_bar((steps_per_epoch * args.epochs) as u64);
    progress.set_prefix("train");
    // Curves for the plot: the loss of every step, and the test accuracy after each epoch.
    let (mut step_loss, mut test_curve) = (Series::new("train loss"), Series::new("test"));
    let t_train = Instant::now();
    for epoch in 1..=args.epochs {
        let order =
            random::permutation(random::fold_in(shuffle_key.clone(), epoch as u32), n_train);
        let (xs, ys) = (x_train.take(&order, Some(0)), y_train.take(&order, Some(0)));
        for b in 0..steps_per_epoch {
            let (xb, yb) = (rows(&xs, b * batch, batch), rows(&ys, b * batch, batch));
            let l = trainer.step(&xb, &yb);
            let global_step = (epoch - 1) * steps_per_epoch + b + 1;
            step_loss.push(global_step as f64 / steps_per_epoch as f64, l as f64);
            progress.set_message(format!("epoch {epoch}/{} loss {l:.4}", args.epochs));
            progress.inc(1);
        }
        let acc = evaluate(&trainer.state().0, &x_test, &y_test).item::<f32>();
        test_curve.push(epoch as f64, 100.0 * acc as f64);
    }
    progress.finish();
    let train_s = t_train.elapsed().as_secs_f64();
    let (model, _) = trainer.state();
    let train_acc = evaluate(&model, &x_train, &y_train).item::<f32>();
    let test_acc = evaluate(&model, &x_test, &y_test).item::<f32>();
    println!(
        "trained {} epochs ({} steps of batch {batch}) in {train_s:.2} s",
        args.epochs,
        steps_per_epoch * args.epochs
    );
    println!("train accuracy {:.2}%", 100.0 * train_acc);
    println!("test accuracy  {:.2}%", 100.0 * test_acc);
    let plot = support::save_png(
        &support::plot_path("digits"),
        "MLP on the digits (AdamW, warmup-cosine)",
        "epoch",
        &[
            Chart {
                y_label: "cross-entropy",
                series: &[&step_loss],
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
        Err(e) => eprintln!("digits: could not draw the curves: {e}"),
    }

    // Save, then load into a freshly initialised model of the same shape (the template gives
    // the structure and static fields; the file gives every array).
    // `tree_serialise_leaves` adds `.eqx` to a path without an extension; say where it went.
    let out = match args.out.extension() {
        Some(_) => args.out.clone(),
        None => args.out.with_extension("eqx"),
    };
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| {
            eprintln!("digits: cannot create {}: {e}", dir.display());
            std::process::exit(1)
        });
    }
    eqx::tree_serialise_leaves(&out, &model).unwrap_or_else(|e| {
        eprintln!("digits: saving to {}: {e}", out.display());
        std::process::exit(1)
    });
    let template = nn::MLP::new(features, 10, 128, 2, random::key(args.seed + 1));
    let loaded = eqx::tree_deserialise_leaves(&out, &template).unwrap_or_else(|e| {
        eprintln!("digits: loading {}: {e}", out.display());
        std::process::exit(1)
    });
    let reloaded_acc = evaluate(&loaded, &x_test, &y_test).item::<f32>();
    println!(
        "saved to {}; reloaded test accuracy {:.2}%",
        out.display(),
        100.0 * reloaded_acc
    );
    assert_eq!(
        reloaded_acc, test_acc,
        "the reloaded model should classify exactly as the trained one"
    );
}
