//! Handwritten-digit classification: an MLP trained with AdamW and a warmup-cosine learning-rate
//! schedule on the 8x8 digits shipped in `examples/data/digits.csv.gz`, or on MNIST with `--mnist DIR`.
//!
//! It shows the whole Equinox workflow: a model from `nn::MLP`, a softmax cross-entropy loss
//! batched with `vmap`, a training step compiled with `filter_jit_donate` (`filter_jit` that
//! takes the model by value and writes the updated parameters over the old ones) around
//! `filter_value_and_grad`, the update from `optim::adamw` (Optax's, with its state as an argument
//! of the compiled step) applied with `apply_updates`, and the trained model saved with
//! `tree_serialise_leaves` and loaded back with `tree_deserialise_leaves`.
//!
//! ```text
//! cargo run --release --example digits [-- --epochs N --seed S --out PATH --mnist DIR]
//! ```
//!
//! - `--epochs N`: passes over the training set (default 20).
//! - `--seed S`: the key for the shuffle, the split and the initialisation (default 0).
//! - `--out PATH`: where the trained model is saved (default `target/digits_mlp.eqx`).
//! - `--mnist DIR`: train on MNIST instead, read from `DIR/train-images-idx3-ubyte`,
//!   `DIR/train-labels-idx1-ubyte`, `DIR/t10k-images-idx3-ubyte` and
//!   `DIR/t10k-labels-idx1-ubyte` (each optionally gzipped, with a `.gz` suffix).

use equinox as eqx;
use eqx::datasets::{self, Dataset};
use eqx::optim::{self, GradientTransformation};
use eqx::{lax, nn, random, Array, DType};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The command line.
struct Args {
    epochs: usize,
    seed: u64,
    out: PathBuf,
    mnist: Option<PathBuf>,
}

fn usage() -> ! {
    eprintln!(
        "usage: digits [--epochs N] [--seed S] [--out PATH] [--mnist DIR]\n\
         trains an MLP on the 8x8 digits (or on MNIST from DIR) and saves it to PATH"
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut args = Args {
        epochs: 20,
        seed: 0,
        out: PathBuf::from("target/digits_mlp.eqx"),
        mnist: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--epochs" => args.epochs = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => args.seed = value().parse().unwrap_or_else(|_| usage()),
            "--out" => args.out = PathBuf::from(value()),
            "--mnist" => args.mnist = Some(PathBuf::from(value())),
            "-h" | "--help" => usage(),
            _ => {
                eprintln!("digits: unknown argument {flag:?}");
                usage()
            }
        }
    }
    args
}

/// `DIR/NAME`, or `DIR/NAME.gz` when only the compressed file exists.
fn idx_file(dir: &Path, name: &str) -> PathBuf {
    let plain = dir.join(name);
    let gz = dir.join(format!("{name}.gz"));
    if !plain.exists() && gz.exists() {
        gz
    } else {
        plain
    }
}

/// Rows `order` of a data set (features and labels together).
fn take_rows(data: &Dataset, order: &Array) -> (Array, Array) {
    (
        data.features.take(order, Some(0)),
        data.labels.take(order, Some(0)),
    )
}

/// Rows `start..start + len` of `x`.
fn rows(x: &Array, start: usize, len: usize) -> Array {
    lax::slice_in_dim(x, start, start + len, 1, 0)
}

/// The train and test sets: MNIST's own split, or the digits shuffled with `key` and split
/// 1500 / 297.
fn load(args: &Args, key: random::Key) -> ((Array, Array), (Array, Array)) {
    let fail = |e: datasets::DatasetError| -> ! {
        eprintln!("digits: {e}");
        std::process::exit(1)
    };
    match &args.mnist {
        Some(dir) => {
            let train = datasets::mnist_idx(
                idx_file(dir, "train-images-idx3-ubyte"),
                idx_file(dir, "train-labels-idx1-ubyte"),
            )
            .unwrap_or_else(|e| fail(e));
            let test = datasets::mnist_idx(
                idx_file(dir, "t10k-images-idx3-ubyte"),
                idx_file(dir, "t10k-labels-idx1-ubyte"),
            )
            .unwrap_or_else(|e| fail(e));
            let all = |d: &Dataset| (d.features.clone(), d.labels.clone());
            (all(&train), all(&test))
        }
        None => {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/data/digits.csv.gz"
            );
            let data = datasets::digits(path).unwrap_or_else(|e| fail(e));
            let n = data.len();
            let n_train = n * 1500 / 1797;
            let (x, y) = take_rows(&data, &random::permutation(key, n));
            let train = (rows(&x, 0, n_train), rows(&y, 0, n_train));
            let test = (
                rows(&x, n_train, n - n_train),
                rows(&y, n_train, n - n_train),
            );
            (train, test)
        }
    }
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

/// A one-line progress bar on stderr, redrawn in place with `\r` at most every 50 ms.
struct Progress {
    total: usize,
    start: Instant,
    last_draw: Option<Instant>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        Progress {
            total,
            start: Instant::now(),
            last_draw: None,
        }
    }

    fn update(&mut self, epoch: usize, epochs: usize, step: usize, loss: f32) {
        let now = Instant::now();
        let done = step == self.total;
        if !done && self.last_draw.is_some_and(|t| (now - t).as_millis() < 50) {
            return;
        }
        self.last_draw = Some(now);
        const WIDTH: usize = 30;
        let filled = WIDTH * step / self.total.max(1);
        let rate = step as f64 / self.start.elapsed().as_secs_f64();
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\repoch {epoch:>3}/{epochs} [{}{}] step {step:>6}/{} loss {loss:.4} {rate:7.0} steps/s",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            self.total,
        );
        if done {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    }
}

/// The state optimiser `O` keeps for the model.
type StateOf<O> = <O as GradientTransformation>::State<nn::MLP>;

/// The compiled training step for optimiser `opt`: gradients of the loss, the optimiser's
/// update, `apply_updates`. It takes the model by value (donates it), so its buffers receive the
/// updated parameters; the optimiser state is an ordinary PyTree argument.
fn training_step<O: GradientTransformation + 'static>(
    opt: O,
) -> impl Fn(nn::MLP, &StateOf<O>, &Array, &Array) -> (nn::MLP, StateOf<O>, Array) {
    eqx::filter_jit_donate(
        move |model: &nn::MLP, opt_state: &StateOf<O>, x: &Array, y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
            let (updates, opt_state) = opt.update(&grads, opt_state, Some(model));
            (eqx::apply_updates(model, &updates), opt_state, l)
        },
    )
}

fn main() {
    let args = parse_args();
    let [data_key, model_key, shuffle_key] = random::split_into(random::key(args.seed));

    let t_load = Instant::now();
    let ((x_train, y_train), (x_test, y_test)) = load(&args, data_key);
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
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array, false));
    let step = training_step(optimiser);
    let evaluate = eqx::filter_jit(accuracy);

    let n_train = y_train.shape()[0];
    let mut progress = Progress::new(steps_per_epoch * args.epochs);
    let (mut model, mut opt_state) = (model, opt_state);
    let t_train = Instant::now();
    for epoch in 1..=args.epochs {
        let order =
            random::permutation(random::fold_in(shuffle_key.clone(), epoch as u32), n_train);
        let (xs, ys) = (x_train.take(&order, Some(0)), y_train.take(&order, Some(0)));
        for b in 0..steps_per_epoch {
            let (xb, yb) = (rows(&xs, b * batch, batch), rows(&ys, b * batch, batch));
            let (m, s, l) = step(model, &opt_state, &xb, &yb);
            (model, opt_state) = (m, s);
            progress.update(
                epoch,
                args.epochs,
                (epoch - 1) * steps_per_epoch + b + 1,
                l.item::<f32>(),
            );
        }
    }
    let train_s = t_train.elapsed().as_secs_f64();
    let train_acc = evaluate(&model, &x_train, &y_train).item::<f32>();
    let test_acc = evaluate(&model, &x_test, &y_test).item::<f32>();
    println!(
        "trained {} epochs ({} steps of batch {batch}) in {train_s:.2} s",
        args.epochs,
        steps_per_epoch * args.epochs
    );
    println!("train accuracy {:.2}%", 100.0 * train_acc);
    println!("test accuracy  {:.2}%", 100.0 * test_acc);

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
