//! A small data-parallel training run, shared by the thread-group tests (`suite/distributed.rs`)
//! and the MPI test (`distributed_mpi.rs`): every member takes its shard of each batch, the
//! gradients are averaged with `tree_pmean`, and every member applies the same SGD update.
//! [`train_one_process`] is the reference: one process on the whole batches.

use equinox as eqx;
use eqx::distributed::{self, ProcessGroup};
use eqx::optim::{self, GradientTransformation};
use eqx::{nn, random, Array, DType};
use std::sync::Arc;

/// The state of SGD without momentum for the model.
type SgdState = <optim::Sgd<f64> as GradientTransformation>::State<nn::MLP>;

/// Optimiser steps of a run.
pub const STEPS: usize = 5;
/// Examples per step, over all members.
pub const GLOBAL_BATCH: usize = 16;

/// The model every run starts from when member 0 initialises it.
fn initial_model(seed: u64) -> nn::MLP {
    nn::MLP::new(5, 2, 8, 2, random::key(seed))
}

/// Step `s`'s whole batch: inputs (16, 5) and targets (16, 2).
pub fn batch(s: usize) -> (Array, Array) {
    let [kx, ky] = random::split_into(random::fold_in(random::key(7), s as u32));
    (
        random::normal(kx, [GLOBAL_BATCH, 5], DType::F32),
        random::normal(ky, [GLOBAL_BATCH, 2], DType::F32),
    )
}

/// Mean squared error over the examples given.
fn loss(model: &nn::MLP, x: &Array, y: &Array) -> Array {
    let pred = eqx::vmap(|x: &Array| model.forward(x))(x);
    (pred - y).square().mean(None)
}

/// Rows `range` of `x`.
fn rows(x: &Array, range: std::ops::Range<usize>) -> Array {
    eqx::lax::slice_in_dim(x, range.start, range.end, 1, 0)
}

/// Trains with each member of `group` on its shard of every batch. Each member initialises its
/// own model with a different key; `broadcast_tree` starts them all from member 0's.
pub fn train_data_parallel(group: Arc<dyn ProcessGroup>) -> nn::MLP {
    let (rank, size) = (group.rank(), group.size());
    let mine = initial_model(100 + rank as u64);
    let mut model = distributed::broadcast_tree(&mine, &*group, 0).expect("broadcast");
    let opt = optim::sgd(0.1);
    let mut state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    let step = eqx::filter_jit(
        move |model: &nn::MLP, state: &SgdState, x: &Array, y: &Array| {
            let grads = eqx::filter_grad(loss)(model, x, y);
            // Each member's gradient is of the mean over its shard; equal shards make their
            // mean the gradient of the mean over the whole batch.
            let grads = distributed::tree_pmean(&grads, "data");
            let (updates, state) = opt.update(&grads, state, Some(model));
            (eqx::apply_updates(model, &updates), state)
        },
    );
    distributed::bind_axis("data", group, || {
        for s in 0..STEPS {
            let (x, y) = batch(s);
            let mine = distributed::shard(GLOBAL_BATCH, rank, size);
            let (m, st) = step(&model, &state, &rows(&x, mine.clone()), &rows(&y, mine));
            (model, state) = (m, st);
        }
    });
    model
}

/// The reference: one process training on the whole batches from member 0's initial model.
pub fn train_one_process() -> nn::MLP {
    let mut model = initial_model(100);
    let opt = optim::sgd(0.1);
    let mut state = opt.init(&eqx::filter(&model, eqx::is_inexact_array));
    for s in 0..STEPS {
        let (x, y) = batch(s);
        let grads = eqx::filter_grad(loss)(&model, &x, &y);
        let (updates, st) = opt.update(&grads, &state, Some(&model));
        (model, state) = (eqx::apply_updates(&model, &updates), st);
    }
    model
}
