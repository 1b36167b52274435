//! Equinox's "Freezing parameters" example, in Rust: fine-tune only part of a model by
//! differentiating with respect to the leaves a filter picks.
//!
//! An MLP is first trained, every parameter, on one regression task; then only its last layer
//! is trained on a related task. The filter is `Filter::select(|m| &m.layers[last])` (Equinox
//! builds the same mask with `tree_at` on a tree of `False`s). Each step `partition`s the model
//! into the trainable part and the frozen rest, differentiates the loss of their `combine`
//! with respect to the first, and the optimiser, whose state was built for the trainable leaves
//! only, updates just those. The frozen layers come out bit for bit as they went in.
//!
//! ```text
//! cargo run --release --example frozen_layer [-- --steps N --seed S]
//! ```

use clap::Parser;
use equinox as eqx;
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, tree, Array, DType, Filter};

mod support;
use support::{Chart, Series};

/// Trains an MLP, then fine-tunes its last layer alone on a second task.
#[derive(Parser)]
struct Args {
    /// Optimiser steps in each of the two phases.
    #[arg(long, default_value_t = 1000)]
    steps: usize,
    /// The key for the data and the initialisation.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Mean squared error of the model over a batch.
fn loss(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

type OptState = <optim::Adam<f64> as GradientTransformation>::State<nn::MLP>;

/// Which leaves to train: a function making the filter, so the compiled step can own one.
type Trainable = fn() -> Filter<'static, nn::MLP>;

/// All the float leaves.
fn everything() -> Filter<'static, nn::MLP> {
    Filter::leaf(eqx::is_inexact_array)
}

/// The leaves of the last layer (Equinox: `tree_at(lambda m: m.layers[-1], spec, True)`).
fn last_layer() -> Filter<'static, nn::MLP> {
    Filter::select(|m: &nn::MLP| m.layers.last().expect("an MLP has layers"))
}

/// Trains the leaves of `model` that `trainable` picks for `steps` Adam steps of learning rate
/// `lr` on `(x, y)`, recording the loss into `curve` from step `offset`; returns the trained
/// model.
fn train(
    model: nn::MLP,
    trainable: Trainable,
    lr: f64,
    (x, y): (&Array, &Array),
    steps: usize,
    (curve, offset): (&mut Series, usize),
) -> nn::MLP {
    let optimiser = optim::adam(lr);
    // The state covers the trainable leaves only: the frozen ones have no moments at all.
    let mut opt_state = optimiser.init(&eqx::filter(&model, trainable()));
    let step = eqx::filter_jit(
        move |model: &nn::MLP, opt_state: &OptState, x: &Array, y: &Array| {
            let (diff_model, static_model) = eqx::partition(model, trainable());
            let (l, grads) = eqx::filter_value_and_grad(
                |diff: &nn::MLP, frozen: &nn::MLP, x: &Array, y: &Array| {
                    loss(&eqx::combine2(diff, frozen), x, y)
                },
            )(&diff_model, &static_model, x, y);
            let (updates, opt_state) = optimiser.update(&grads, opt_state, Some(&diff_model));
            (eqx::apply_updates(model, &updates), opt_state, l)
        },
    );
    let progress = support::progress_bar(steps as u64);
    progress.set_prefix(if offset == 0 {
        "train all"
    } else {
        "fine-tune"
    });
    let mut model = model;
    for i in 1..=steps {
        let (m, s, l) = step(&model, &opt_state, x, y);
        (model, opt_state) = (m, s);
        let l = l.item::<f32>();
        curve.push((offset + i) as f64, l as f64);
        progress.set_message(format!("loss {l:.3e}"));
        progress.inc(1);
    }
    progress.finish();
    model
}

fn main() {
    let args = Args::parse();
    let [data_key, model_key] = random::split_into(random::key(args.seed));
    let x = random::uniform(data_key, [256, 2], DType::F32, -1.0, 1.0);
    let (x0, x1) = (x.index(eqx::s![.., 0..1]), x.index(eqx::s![.., 1..2]));
    // Task A, then task B: the same features, read out differently (an affine change of the
    // output), which the last layer alone can learn.
    let y_a = (&x0 * 2.0).sin() * x1.cos();
    let y_b = &y_a * -1.5 + 0.5;

    let model = nn::MLP::with_options(
        2,
        1,
        32,
        2,
        nn::MlpOptions {
            activation: nn::tanh,
            ..Default::default()
        },
        model_key,
    );
    let (mut curve_a, mut curve_b) = (
        Series::new("task A, all layers"),
        Series::new("task B, last layer only"),
    );
    let pretrained = train(
        model,
        everything,
        3e-3,
        (&x, &y_a),
        args.steps,
        (&mut curve_a, 0),
    );
    let before = loss(&pretrained, &x, &y_b).item::<f32>();
    let tuned = train(
        pretrained.clone(),
        last_layer,
        1e-2,
        (&x, &y_b),
        args.steps,
        (&mut curve_b, args.steps),
    );
    let after = loss(&tuned, &x, &y_b).item::<f32>();
    println!(
        "task A loss after training: {:.3e}",
        loss(&pretrained, &x, &y_a).item::<f32>()
    );
    println!("task B loss: {before:.3e} before fine-tuning, {after:.3e} after");

    // Every leaf outside the last layer is unchanged, bit for bit; the last layer moved.
    let last = tree::num_leaves(tuned.layers.last().unwrap());
    let (old, new) = (tree::leaves(&pretrained), tree::leaves(&tuned));
    let frozen = old.len() - last;
    for (i, (a, b)) in old.iter().zip(&new).enumerate() {
        let same = a.to_vec::<f32>() == b.to_vec::<f32>();
        assert_eq!(same, i < frozen, "leaf {i} of {}", old.len());
    }
    println!(
        "{frozen} frozen leaves unchanged bit for bit; the last layer's {last} leaves were trained"
    );
    assert!(
        after < before / 10.0,
        "fine-tuning should cut task B's loss tenfold"
    );

    match support::save_png(
        &support::plot_path("frozen_layer"),
        "Training, then fine-tuning the last layer (Adam)",
        "step",
        &[Chart {
            y_label: "mean squared error",
            series: &[&curve_a, &curve_b],
            log_y: true,
        }],
    ) {
        Ok(path) => println!("curves: {}", path.display()),
        Err(e) => eprintln!("frozen_layer: could not draw the curves: {e}"),
    }
}
