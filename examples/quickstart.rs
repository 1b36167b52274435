//! The quickstart: a model as a plain struct, a loss batched with `vmap`, and a compiled
//! training step built from `filter_value_and_grad` and Optax's AdamW (`eqx::optim`), as in
//! the Equinox tutorial.
//!
//! It fits a small MLP to the toy regression `y = sin(2 x0) * cos(x1)` and prints the loss
//! going down, then draws the loss curve to `target/quickstart.png`. Run with
//! `cargo run --release --example quickstart [-- --steps N --seed S --device D]`; `--device`
//! is `cpu` (our executor, the default), `xla-cpu` (XLA's CPU plugin through the PJRT backend;
//! `.ci/xla-cpu-plugin` downloads it) or `gpu` (the PJRT plugin in `EQX_PJRT_PLUGIN`).

use clap::Parser;
use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType, Module};

mod support;
use support::device::{self, DeviceArg, Trainer};
use support::{Chart, Series};

/// Fits a small MLP to a toy regression with AdamW.
#[derive(Parser)]
struct Args {
    /// Optimiser steps.
    #[arg(long, default_value_t = 500)]
    steps: usize,
    /// The key for the data and the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where to train: our CPU executor, or XLA through a PJRT plugin.
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
}

/// The optimiser's state for an `Mlp`: a PyTree, so it is an ordinary argument of the step.
type OptState = <optim::AdamW<f64> as GradientTransformation>::State<Mlp>;

/// A multi-layer perceptron written by hand: the `Linear` layers' arrays are the PyTree's
/// leaves, the activation function is static structure.
#[derive(Module, Clone, Debug)]
struct Mlp {
    layers: Vec<nn::Linear>,
    activation: fn(&Array) -> Array,
}

impl Mlp {
    /// `sizes[0] -> sizes[1] -> ... -> sizes[n]`, each layer from its own key.
    fn new(sizes: &[usize], activation: fn(&Array) -> Array, key: random::Key) -> Mlp {
        let keys = random::split_vec(key, sizes.len() - 1);
        let layers = sizes
            .windows(2)
            .zip(keys)
            .map(|(io, k)| nn::Linear::new(io[0], io[1], k))
            .collect();
        Mlp { layers, activation }
    }

    /// Acts on ONE example, like an Equinox module; batches come from `vmap`.
    fn forward(&self, x: &Array) -> Array {
        let (last, hidden) = self.layers.split_last().unwrap();
        let x = hidden
            .iter()
            .fold(x.clone(), |x, l| (self.activation)(&l.forward(&x)));
        last.forward(&x)
    }
}

/// Mean squared error over a batch: `forward` mapped over the rows of `x`.
fn loss(model: &Mlp, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

fn main() {
    let args = Args::parse();
    let [data_key, model_key] = random::split_into(random::key(args.seed));

    // Toy regression data: 256 points in [-1, 1]^2, targets of shape (256, 1).
    let x = random::uniform(data_key, [256, 2], DType::F32, -1.0, 1.0);
    let (x0, x1) = (x.index(eqx::s![.., 0..1]), x.index(eqx::s![.., 1..2]));
    let y = (x0 * 2.0).sin() * x1.cos();

    let model = Mlp::new(&[2, 32, 32, 1], nn::tanh, model_key);

    // AdamW, its state initialised for the model's float arrays (here: all of its arrays).
    let optimiser = optim::adamw(0.01);
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array));

    // One training step on the state (model, optimiser state). The trainer compiles it on the
    // first call (with `eqx::filter_jit_donate` on our executor, through the PJRT backend with
    // `--device`) and replays it from the cache afterwards.
    let step = move |(model, opt_state): &(Mlp, OptState), x: &Array, y: &Array| {
        let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
        let (updates, opt_state) = optimiser.update(&grads, opt_state, Some(model));
        ((eqx::apply_updates(model, &updates), opt_state), l)
    };
    let backend = device::backend("quickstart", args.device);

    let first_loss = loss(&model, &x, &y).item::<f32>();
    let progress = support::progress_bar(args.steps as u64);
    progress.set_prefix("train");
    // `suspend` prints above the bar, and still prints when the bar is hidden (no terminal).
    progress.suspend(|| println!("step    0  loss {first_loss:.5}"));
    let mut curve = Series::new("training loss");
    curve.push(0.0, first_loss as f64);
    let mut last_loss = first_loss;
    let mut trainer = Trainer::new(&backend, (model, opt_state), step);
    for i in 1..=args.steps {
        last_loss = trainer.step(&x, &y);
        curve.push(i as f64, last_loss as f64);
        if i % 50 == 0 {
            progress.suspend(|| println!("step {i:4}  loss {last_loss:.5}"));
            progress.set_message(format!("loss {last_loss:.5}"));
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    assert!(
        last_loss < first_loss / 10.0,
        "training should cut the loss tenfold: {first_loss} -> {last_loss}"
    );
    let chart = Chart {
        y_label: "mean squared error",
        series: &[&curve],
        log_y: true,
    };
    match support::save_png(
        &support::plot_path("quickstart"),
        "quickstart: MLP fit with AdamW",
        "step",
        &[chart],
    ) {
        Ok(path) => println!("curve: {}", path.display()),
        Err(e) => eprintln!("quickstart: could not draw the curve: {e}"),
    }
    println!("trained model:\n{}", eqx::tree_pformat(&trainer.state().0));
}
