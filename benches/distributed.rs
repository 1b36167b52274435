//! Distributed benchmarks, run under `mpirun` (the `mpi` feature):
//! - `allreduce`: summing a 10M-float f32 buffer across the ranks, as `lax::psum` over a
//!   process axis (ours) and as a plain `MPI_Allreduce` from the same buffer into a reused one
//!   (what a hand-written MPI program does);
//! - `train`: data-parallel steps of the 784-512-512-10 MLP with SGD on a global batch of 256,
//!   each rank taking its shard and averaging gradients with `tree_pmean`.
//!
//! `benches/run_distributed.sh` runs it with 1 and 2 ranks (one thread each) and prints the
//! ratios. Every rank runs the same fixed number of repetitions (collectives must match); rank 0
//! prints one JSON line per workload.

use equinox as eqx;
use eqx::distributed::{self, mpi as eqx_mpi};
use eqx::optim::{self, GradientTransformation};
use eqx::{lax, nn, random, Array, DType};
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::CommunicatorCollectives;
use std::time::Instant;

/// Times `reps` calls of `f` (after `warmup`), with a barrier before each so every rank starts
/// together; returns (min, median) seconds.
fn time_fixed(
    world: &dyn distributed::ProcessGroup,
    warmup: usize,
    reps: usize,
    mut f: impl FnMut(),
) -> (f64, f64) {
    for _ in 0..warmup {
        f();
    }
    let mut samples: Vec<f64> = (0..reps)
        .map(|_| {
            world.barrier().expect("barrier");
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    samples.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    (samples[0], samples[reps / 2])
}

type SgdState = <optim::Sgd<f64> as GradientTransformation>::State<nn::MLP>;

fn loss(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.forward(x))(x);
    -(logits.log_softmax(-1) * y.one_hot(10)).sum(-1).mean(None)
}

fn main() {
    let runtime = eqx_mpi::initialize().expect("initialise MPI");
    let world = runtime.world();
    let (rank, size) = (world.rank(), world.size());
    let emit = |workload: &str, impl_: &str, (min, median): (f64, f64), extra: String| {
        if rank == 0 {
            println!(
                "{{\"kind\":\"distributed\",\"workload\":\"{workload}\",\"impl\":\"{impl_}\",\"ranks\":{size},\"min_s\":{min:e},\"median_s\":{median:e}{extra}}}"
            );
        }
    };

    // All-reduce of 10M floats.
    let n = 10_000_000;
    let x = random::uniform(
        random::fold_in(random::key(0), rank as u32),
        [n],
        DType::F32,
        -1.0,
        1.0,
    );
    if size > 1 {
        let comm = SimpleCommunicator::world();
        let send = x.as_slice::<f32>();
        let mut recv = vec![0.0f32; n];
        for round in 0..2 {
            // Alternate the two, so drift on a shared machine hits both alike.
            let plain = time_fixed(world.as_ref(), 2, 10, || {
                comm.all_reduce_into(send, &mut recv[..], SystemOperation::sum())
            });
            let ours = distributed::bind_axis("data", world.clone(), || {
                time_fixed(world.as_ref(), 2, 10, || {
                    std::hint::black_box(lax::psum(&x, "data"));
                })
            });
            emit("allreduce-10m", "mpi", plain, format!(",\"round\":{round}"));
            emit(
                "allreduce-10m",
                "equinox-rs",
                ours,
                format!(",\"round\":{round}"),
            );
        }
    }

    // Data-parallel training steps, at two global batch sizes.
    for batch in [256, 1024] {
        train_steps(&world, batch, &emit);
    }
}

/// Data-parallel SGD steps of the 784-512-512-10 MLP on a global batch of `batch`; then the
/// same step without the gradient exchange, and the exchange alone.
fn train_steps(
    world: &std::sync::Arc<dyn distributed::ProcessGroup>,
    batch: usize,
    emit: &dyn Fn(&str, &str, (f64, f64), String),
) {
    let (rank, size) = (world.rank(), world.size());
    let model = nn::MLP::new(784, 10, 512, 2, random::key(1));
    let opt = optim::sgd(0.01);
    let state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &nn::MLP, state: &SgdState, x: &Array, y: &Array| {
            let grads = eqx::filter_grad(loss)(model, x, y);
            let grads = distributed::tree_pmean(&grads, "data");
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state)
        },
    );
    let mine = distributed::shard(batch, rank, size);
    let [kx, ky] = random::split_into(random::fold_in(random::key(2), rank as u32));
    let xb = random::normal(kx, [mine.len(), 784], DType::F32);
    let yb = random::randint(ky, [mine.len()], 0, 10, DType::I32);
    let (mut model, mut state) = (model, state);
    let timed = distributed::bind_axis("data", world.clone(), || {
        time_fixed(world.as_ref(), 5, 40, || {
            let (m, s) = step(&model, &state, &xb, &yb);
            (model, state) = (m, s);
        })
    });
    let per_s = batch as f64 / timed.1;
    let name = format!("mlp-train-b{batch}");
    emit(
        &name,
        "equinox-rs",
        timed,
        format!(",\"examples_per_s\":{per_s:.1}"),
    );

    let opt = optim::sgd(0.01);
    let local = eqx::filter_jit(
        move |model: &nn::MLP, state: &SgdState, x: &Array, y: &Array| {
            let grads = eqx::filter_grad(loss)(model, x, y);
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state)
        },
    );
    let timed = time_fixed(world.as_ref(), 5, 40, || {
        let (m, s) = local(&model, &state, &xb, &yb);
        (model, state) = (m, s);
    });
    emit(
        &format!("mlp-step-no-exchange-b{batch}"),
        "equinox-rs",
        timed,
        String::new(),
    );
    let grads = eqx::filter_grad(loss)(&model, &xb, &yb);
    let timed = distributed::bind_axis("data", world.clone(), || {
        time_fixed(world.as_ref(), 5, 40, || {
            std::hint::black_box(distributed::tree_pmean(&grads, "data"));
        })
    });
    emit(
        &format!("mlp-grad-pmean-b{batch}"),
        "equinox-rs",
        timed,
        String::new(),
    );
}
