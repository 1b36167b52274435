//! Equinox's "Stateful operations" example, in Rust: a model with `BatchNorm` and `SpectralNorm`
//! layers, whose running statistics and power-iteration vectors live in an `nn::State` beside
//! the model.
//!
//! - `nn::make_with_state` splits the initial state out of the freshly built model.
//! - Training vmaps the model over the batch with `axis_name = "batch"` (BatchNorm's statistics
//!   are collectives over it), the state shared by every example (`in_axes = (0, None)`,
//!   `out_axes = (0, None)`); the loss returns the new state as its aux output, so
//!   `filter_value_and_grad_with_aux` differentiates the loss and hands the state back.
//! - `nn::inference_mode` switches every layer to inference (moving averages, frozen vectors).
//! - The model and its state are saved together with `tree_serialise_leaves`, loaded into a
//!   model built from another key, and give the same predictions.
//!
//! ```text
//! cargo run --release --example stateful [-- --steps N --lr LR --seed S]
//! ```

use clap::Parser;
use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::transforms::{AxisSpec, VmapSpec};
use eqx::{nn, random, Array, DType, Module};
use std::time::Instant;

mod support;
use support::{Chart, Series};

/// Fits a model with BatchNorm and SpectralNorm to `y = sin(x) + 1` with Adam.
#[derive(Parser)]
struct Args {
    /// Optimiser steps (Equinox's notebook runs 5 to show the mechanics; more fit the data).
    #[arg(long, default_value_t = 2000)]
    steps: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 3e-3)]
    lr: f64,
    /// Examples in the data set (one batch).
    #[arg(long, default_value_t = 64)]
    dataset_size: usize,
    /// The key for the data and the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Equinox's example model: BatchNorm -> SpectralNorm(Linear) -> ReLU -> BatchNorm -> Linear
/// -> ReLU -> Linear, on one example of 3 features.
#[derive(Module, Clone)]
struct Model {
    norm1: nn::BatchNorm,
    spectral_linear: nn::SpectralNorm<nn::Linear>,
    norm2: nn::BatchNorm,
    linear1: nn::Linear,
    linear2: nn::Linear,
}

impl Model {
    fn new(key: random::Key) -> Model {
        let [k1, k2, k3, k4] = random::split_into(key);
        // "batch" mode: training normalises with the batch's statistics and keeps debiased
        // moving averages for inference (Equinox's recommended mode).
        let batch_norm = |size| {
            let options = nn::BatchNormOptions {
                mode: nn::BatchNormMode::Batch,
                ..Default::default()
            };
            nn::BatchNorm::with_options(size, "batch", options)
        };
        Model {
            norm1: batch_norm(3),
            spectral_linear: nn::SpectralNorm::new(nn::Linear::new(3, 32, k1), "weight", k2),
            norm2: batch_norm(32),
            linear1: nn::Linear::new(32, 32, k3),
            linear2: nn::Linear::new(32, 3, k4),
        }
    }

    /// One example through the model, reading and updating `state`.
    fn call(&self, x: &Array, state: nn::State) -> (Array, nn::State) {
        let (x, state) = self.norm1.call(x, state);
        let (x, state) = self.spectral_linear.call(&x, state);
        let (x, state) = self.norm2.call(&nn::relu(&x), state);
        let x = nn::relu(&self.linear1.forward(&x));
        (self.linear2.forward(&x), state)
    }

    /// The model over a batch: examples along axis 0, the one state shared.
    fn call_batch(&self, xs: &Array, state: &nn::State) -> (Array, nn::State) {
        let shared = AxisSpec::PerArgument(vec![0.into(), None.into()]);
        let spec = VmapSpec::default()
            .axis_name("batch")
            .in_axes(shared.clone())
            .out_axes(shared);
        eqx::filter_vmap_with(|x: &Array, s: &nn::State| self.call(x, s.clone()), spec)(xs, state)
    }
}

/// Mean squared error, with the updated state as the aux output.
fn loss(model: &Model, state: &nn::State, xs: &Array, ys: &Array) -> (Array, nn::State) {
    let (pred, state) = model.call_batch(xs, state);
    ((pred - ys).square().mean(None), state)
}

type OptState = <optim::Adam<f64> as GradientTransformation>::State<Model>;

fn main() {
    let args = Args::parse();
    let [data_key, model_key] = random::split_into(random::key(args.seed));
    let xs = random::normal(data_key, [args.dataset_size, 3], DType::F32);
    let ys = xs.sin() + 1.0;

    let (model, state) = nn::make_with_state(Model::new(model_key));
    println!("state entries: {:?}", state.markers().collect::<Vec<_>>());

    let optimiser = optim::adam(args.lr);
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &Model, state: &nn::State, opt_state: &OptState, xs: &Array, ys: &Array| {
            let ((l, state), grads) =
                eqx::filter_value_and_grad_with_aux(loss)(model, state, xs, ys);
            let (updates, opt_state) = optimiser.update(&grads, opt_state, Some(model));
            (eqx::apply_updates(model, &updates), state, opt_state, l)
        },
    );

    let mut curve = Series::new("training loss (batch statistics)");
    let progress = support::progress_bar(args.steps as u64);
    progress.set_prefix("train");
    let (mut model, mut state, mut opt_state) = (model, state, opt_state);
    let t_train = Instant::now();
    for i in 1..=args.steps {
        let (m, s, o, l) = step(&model, &state, &opt_state, &xs, &ys);
        (model, state, opt_state) = (m, s, o);
        let l = l.item::<f32>();
        curve.push(i as f64, l as f64);
        progress.set_message(format!("loss {l:.3e}"));
        progress.inc(1);
    }
    progress.finish();
    let final_training_loss = curve.points.last().map_or(f64::NAN, |p| p.1);
    println!(
        "trained {} steps in {:.2} s; training loss {final_training_loss:.3e}",
        args.steps,
        t_train.elapsed().as_secs_f64()
    );

    // Inference: moving averages instead of batch statistics, the power-iteration vectors
    // frozen. The state is still an argument, and comes back unchanged.
    let inference_model = nn::inference_mode(&model, true);
    let predict = eqx::filter_jit(|m: &Model, s: &nn::State, xs: &Array| m.call_batch(xs, s));
    let (pred, state_after) = predict(&inference_model, &state, &xs);
    let inference_loss = (&pred - &ys).square().mean(None).item::<f32>();
    println!("inference-mode loss {inference_loss:.3e}");
    let unchanged = eqx::tree::leaves(&state_after)
        .iter()
        .zip(eqx::tree::leaves(&state))
        .all(|(a, b)| a.to_vec::<f32>() == b.to_vec::<f32>());
    assert!(unchanged, "inference must not update the state");

    // Save the model and its state as one PyTree, then load them into a model built from
    // another key (the template gives the structure; every array comes from the file).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/stateful.eqx");
    eqx::tree_serialise_leaves(&path, &(inference_model.clone(), state.clone()))
        .unwrap_or_else(|e| panic!("stateful: saving to {}: {e}", path.display()));
    let template = nn::make_with_state(Model::new(random::key(args.seed + 1)));
    let template = (nn::inference_mode(&template.0, true), template.1);
    let (loaded, loaded_state) = eqx::tree_deserialise_leaves(&path, &template)
        .unwrap_or_else(|e| panic!("stateful: loading {}: {e}", path.display()));
    let (reloaded_pred, _) = predict(&loaded, &loaded_state, &xs);
    assert_eq!(
        reloaded_pred.to_vec::<f32>(),
        pred.to_vec::<f32>(),
        "the reloaded model and state should predict exactly as the saved ones"
    );
    println!(
        "saved model and state to {}; reloaded predictions are identical",
        path.canonicalize().unwrap_or(path.clone()).display()
    );

    let mut inference_line = Series::new("inference-mode loss (final)");
    inference_line.push(1.0, inference_loss as f64);
    inference_line.push(args.steps as f64, inference_loss as f64);
    match support::save_png(
        &support::plot_path("stateful"),
        "BatchNorm + SpectralNorm regression (Adam)",
        "step",
        &[Chart {
            y_label: "mean squared error",
            series: &[&curve, &inference_line],
            log_y: true,
        }],
    ) {
        Ok(path) => println!("curves: {}", path.display()),
        Err(e) => eprintln!("stateful: could not draw the curves: {e}"),
    }
}
