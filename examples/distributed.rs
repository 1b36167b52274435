//! Data-parallel training: the digits MLP of `examples/digits.rs` trained by several members at
//! once, each on its shard of every batch, with the gradients averaged across members
//! (`distributed::tree_pmean`, in DDP-style buckets) so that all members apply the same AdamW
//! update and hold the same parameters.
//!
//! With the `mpi` feature the members are MPI ranks, one process each:
//!
//! ```text
//! cargo build --release --features mpi --example distributed
//! mpirun -n 2 target/release/examples/distributed [--epochs N]
//! ```
//!
//! Without it they are threads of one process (`distributed::ThreadGroup`):
//!
//! ```text
//! cargo run --release --example distributed -- --members 2 [--epochs N]
//! ```
//!
//! Member 0 initialises the model and every member starts from it (`broadcast_tree`); member 0
//! writes the trained model once (`save_checkpoint`, atomically), and every member reloads it.

use clap::Parser;
use equinox as eqx;
use eqx::distributed::{self, ProcessGroup};
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

mod support;
use support::rows;

/// Trains the digits MLP data-parallel and saves it once.
#[derive(Parser)]
struct Args {
    /// Passes over the training set.
    #[arg(long, default_value_t = 10)]
    epochs: usize,
    /// Examples per step over all members (each member takes its share).
    #[arg(long, default_value_t = 64)]
    batch: usize,
    /// Members when running as threads (ignored under MPI, where `mpirun -n` decides).
    #[arg(long, default_value_t = 2)]
    members: usize,
    /// Where member 0 saves the trained model.
    #[arg(long, default_value = "target/distributed_mlp.eqx")]
    out: PathBuf,
}

/// Mean softmax cross-entropy of the model's logits against integer labels.
fn loss(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    -(logits.log_softmax(-1) * y.one_hot(10)).sum(-1).mean(None)
}

fn accuracy(model: &nn::MLP, x: &Array, y: &Array) -> f32 {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    let hits = eqx::numpy::equal(&logits.argmax(-1), y);
    hits.astype(DType::F32).mean(None).item::<f32>()
}

/// One member's whole run; every member calls it with its own group handle.
fn train(group: Arc<dyn ProcessGroup>, args: &Args) {
    let (rank, size) = (group.rank(), group.size());
    let say = |msg: String| {
        if rank == 0 {
            println!("{msg}");
        }
    };
    let [data_key, model_key, shuffle_key] = random::split_into(random::key(0));
    let ((x_train, y_train), (x_test, y_test)) =
        support::load_classification("distributed", None, data_key);
    // Every member builds a model; member 0's is the one all of them train.
    let model = nn::MLP::new(
        x_train.shape()[1],
        10,
        128,
        2,
        random::fold_in(model_key, rank as u32),
    );
    let model = distributed::broadcast_tree(&model, group.as_ref(), 0).expect("broadcast");

    let optimiser = optim::adamw(3e-3);
    let opt_state = optimiser.init(&eqx::filter(&model, eqx::is_inexact_array));
    type State = <optim::AdamW<f64> as GradientTransformation>::State<nn::MLP>;
    let step = eqx::filter_jit_donate(
        move |model: &nn::MLP, opt_state: &State, x: &Array, y: &Array| {
            let (l, grads) = eqx::filter_value_and_grad(loss)(model, x, y);
            // Each member's gradient is of its shard's mean loss; their mean is the gradient of
            // the whole batch's mean loss.
            let grads = distributed::tree_pmean(&grads, "data");
            let (updates, opt_state) = optimiser.update(&grads, opt_state, Some(model));
            (
                eqx::apply_updates(model, &updates),
                opt_state,
                eqx::lax::pmean(&l, "data"),
            )
        },
    );

    let n_train = y_train.shape()[0];
    let steps_per_epoch = n_train / args.batch;
    let mine = distributed::shard(args.batch, rank, size);
    say(format!(
        "{size} members, {steps_per_epoch} steps per epoch of {} examples ({} per member)",
        args.batch,
        mine.len()
    ));
    let t = Instant::now();
    let model = distributed::bind_axis("data", group.clone(), move || {
        let (mut model, mut opt_state) = (model, opt_state);
        for epoch in 1..=args.epochs {
            // The same permutation on every member (same key); each takes its rows of a batch.
            let order =
                random::permutation(random::fold_in(shuffle_key.clone(), epoch as u32), n_train);
            let (xs, ys) = (x_train.take(&order, Some(0)), y_train.take(&order, Some(0)));
            let mut last = 0.0;
            for b in 0..steps_per_epoch {
                let start = b * args.batch + mine.start;
                let (xb, yb) = (rows(&xs, start, mine.len()), rows(&ys, start, mine.len()));
                let (m, s, l) = step(model, &opt_state, &xb, &yb);
                (model, opt_state, last) = (m, s, l.item::<f32>());
            }
            say(format!("epoch {epoch:>3}: loss {last:.4}"));
        }
        model
    });
    let seconds = t.elapsed().as_secs_f64();
    let examples = (steps_per_epoch * args.batch * args.epochs) as f64;
    say(format!(
        "trained in {seconds:.2} s: {:.0} examples/s over all members",
        examples / seconds
    ));
    say(format!(
        "test accuracy {:.2}%",
        100.0 * accuracy(&model, &x_test, &y_test)
    ));
    distributed::save_checkpoint(&args.out, &model, group.as_ref()).unwrap_or_else(|e| {
        eprintln!(
            "distributed: rank {rank}: saving {}: {e}",
            args.out.display()
        );
        std::process::exit(1)
    });
    let reloaded = eqx::tree_deserialise_leaves(&args.out, &model).expect("reload the checkpoint");
    assert!(eqx::tree_equal(&reloaded, &model));
    say(format!(
        "saved to {} and reloaded by every member",
        args.out.display()
    ));
}

fn main() {
    let args = Args::parse();
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).expect("create the output directory");
    }
    #[cfg(feature = "mpi")]
    {
        let runtime = distributed::mpi::initialize().expect("initialise MPI");
        train(runtime.world(), &args);
    }
    #[cfg(not(feature = "mpi"))]
    {
        distributed::ThreadGroup::run(args.members, |group| train(group, &args))
            .unwrap_or_else(|e| panic!("distributed: {e}"));
    }
}
