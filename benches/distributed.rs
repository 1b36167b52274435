//! Distributed benchmarks, run under `mpirun` (the `mpi` feature):
//! - `allreduce`: summing a 10M-float f32 buffer across the ranks, as `lax::psum` over a
//!   process axis (ours) and as a plain `MPI_Allreduce` from the same buffer into a reused one
//!   (what a hand-written MPI program does);
//! - `train`: data-parallel SGD steps, each rank taking its shard of the global batch and
//!   averaging gradients with `tree_pmean`: the 784-512-512-10 MLP on global batches of 256 and
//!   1024, and a small CNN (two 3x3 convolutions, 32 and 64 channels) on a global batch of 256.
//!
//! `benches/run_distributed.sh` runs it with 1 and 2 ranks (one thread each) and prints the
//! ratios. Every rank runs the same fixed number of repetitions (collectives must match); rank 0
//! prints one JSON line per workload.

use equinox as eqx;
use eqx::distributed::{self, mpi as eqx_mpi};
use eqx::optim::{self, GradientTransformation};
use eqx::{lax, nn, random, Array, DType, Module};
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

/// A classifier the training workloads step: its logits for one example.
trait Classifier: Module + Clone + 'static {
    /// The workload's name in the JSON lines.
    const NAME: &'static str;
    /// The shape of one example.
    const EXAMPLE: &'static [usize];
    fn logits(&self, x: &Array) -> Array;
}

impl Classifier for nn::MLP {
    const NAME: &'static str = "mlp";
    const EXAMPLE: &'static [usize] = &[784];
    fn logits(&self, x: &Array) -> Array {
        self.forward(x)
    }
}

/// The convolutional MNIST classifier of PyTorch's examples with a small head:
/// `Conv2d(1, 32, 3)` → relu → `MaxPool2d(2, stride 2)` → `Conv2d(32, 64, 3)` → relu →
/// `MaxPool2d(2, stride 2)` → ravel → `Linear(1600, 10)`, on (1, 28, 28). Its 35k parameters
/// against ~14 MFLOP per example (forward and backward) make it the compute-heavy case, where
/// the MLP (670k parameters, ~4 MFLOP per example) is the exchange-heavy one.
#[derive(Module, Clone)]
struct ConvNet {
    conv1: nn::Conv,
    conv2: nn::Conv,
    pool: nn::Pool,
    head: nn::Linear,
}

impl ConvNet {
    fn new(key: random::Key) -> ConvNet {
        let [k1, k2, k3] = random::split_into(key);
        let halve = nn::PoolOptions {
            stride: 2.into(),
            ..Default::default()
        };
        ConvNet {
            conv1: nn::Conv2d::new(1, 32, 3, k1),
            conv2: nn::Conv2d::new(32, 64, 3, k2),
            pool: nn::MaxPool2d::with_options(2, halve),
            head: nn::Linear::new(1600, 10, k3),
        }
    }
}

impl Classifier for ConvNet {
    const NAME: &'static str = "cnn";
    const EXAMPLE: &'static [usize] = &[1, 28, 28];
    fn logits(&self, x: &Array) -> Array {
        let x = self.pool.forward(&nn::relu(&self.conv1.forward(x)));
        let x = self.pool.forward(&nn::relu(&self.conv2.forward(&x)));
        self.head.forward(&x.ravel())
    }
}

type SgdState<M> = <optim::Sgd<f64> as GradientTransformation>::State<M>;

fn loss<M: Classifier>(model: &M, x: &Array, y: &Array) -> Array {
    let logits = eqx::vmap(|x: &Array| model.logits(x))(x);
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

    // `distributed [FILTER]`: only the workloads whose name contains FILTER (`allreduce`, `mlp`,
    // `cnn`); cargo's own `--bench` flag is ignored.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_default();

    // All-reduce of 10M floats.
    let n = 10_000_000;
    let x = random::uniform(
        random::fold_in(random::key(0), rank as u32),
        [n],
        DType::F32,
        -1.0,
        1.0,
    );
    if size > 1 && "allreduce-10m".contains(&filter) {
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
            // The process group's own all-reduce, without `lax::psum`'s dispatch around it.
            let group = time_fixed(world.as_ref(), 2, 10, || {
                std::hint::black_box(
                    world
                        .all_reduce(&x, distributed::ReduceOp::Sum)
                        .expect("all-reduce"),
                );
            });
            emit("allreduce-10m", "mpi", plain, format!(",\"round\":{round}"));
            emit(
                "allreduce-10m",
                "equinox-rs-group",
                group,
                format!(",\"round\":{round}"),
            );
            emit(
                "allreduce-10m",
                "equinox-rs",
                ours,
                format!(",\"round\":{round}"),
            );
        }
    }

    // Data-parallel training steps: the exchange-heavy MLP at two global batch sizes, and the
    // compute-heavy CNN.
    if "mlp-train".contains(&filter) {
        for batch in [256, 1024] {
            train_steps(
                &world,
                nn::MLP::new(784, 10, 512, 2, random::key(1)),
                batch,
                &emit,
            );
        }
    }
    if "cnn-train".contains(&filter) {
        train_steps(&world, ConvNet::new(random::key(1)), 256, &emit);
    }
}

/// Data-parallel SGD steps of `model` on a global batch of `batch`; then the same step without
/// the gradient exchange, and the exchange alone.
fn train_steps<M: Classifier>(
    world: &std::sync::Arc<dyn distributed::ProcessGroup>,
    model: M,
    batch: usize,
    emit: &dyn Fn(&str, &str, (f64, f64), String),
) {
    let (rank, size) = (world.rank(), world.size());
    let opt = optim::sgd(0.01);
    let state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &M, state: &SgdState<M>, x: &Array, y: &Array| {
            let grads = eqx::filter_grad(loss::<M>)(model, x, y);
            let grads = distributed::tree_pmean(&grads, "data");
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state)
        },
    );
    let mine = distributed::shard(batch, rank, size);
    let [kx, ky] = random::split_into(random::fold_in(random::key(2), rank as u32));
    let xb = random::normal(kx, [&[mine.len()], M::EXAMPLE].concat(), DType::F32);
    let yb = random::randint(ky, [mine.len()], 0, 10, DType::I32);
    let (mut model, mut state) = (model, state);
    let timed = distributed::bind_axis("data", world.clone(), || {
        time_fixed(world.as_ref(), 5, 40, || {
            let (m, s) = step(&model, &state, &xb, &yb);
            (model, state) = (m, s);
        })
    });
    let per_s = batch as f64 / timed.1;
    let name = M::NAME;
    emit(
        &format!("{name}-train-b{batch}"),
        "equinox-rs",
        timed,
        format!(",\"examples_per_s\":{per_s:.1}"),
    );

    let opt = optim::sgd(0.01);
    let local = eqx::filter_jit(
        move |model: &M, state: &SgdState<M>, x: &Array, y: &Array| {
            let grads = eqx::filter_grad(loss::<M>)(model, x, y);
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state)
        },
    );
    let timed = time_fixed(world.as_ref(), 5, 40, || {
        let (m, s) = local(&model, &state, &xb, &yb);
        (model, state) = (m, s);
    });
    emit(
        &format!("{name}-step-no-exchange-b{batch}"),
        "equinox-rs",
        timed,
        String::new(),
    );
    let grads = eqx::filter_grad(loss::<M>)(&model, &xb, &yb);
    let timed = distributed::bind_axis("data", world.clone(), || {
        time_fixed(world.as_ref(), 5, 40, || {
            std::hint::black_box(distributed::tree_pmean(&grads, "data"));
        })
    });
    emit(
        &format!("{name}-grad-pmean-b{batch}"),
        "equinox-rs",
        timed,
        String::new(),
    );
}
