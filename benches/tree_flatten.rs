//! Flattening and rebuilding a 1,000-leaf model: the per-call PyTree overhead that every
//! filtered transformation pays (Equinox users report ~30 µs per Module construction).
//! `benches/tree_flatten_jax.py` measures the same structure with `jax.tree_util` and Equinox.
//!
//! Run: `cargo bench --bench tree_flatten` (prints one JSON object; times in ns per leaf).

use equinox as eqx;
use eqx::{numpy as jnp, tree, Array, Module};
use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::hint::black_box;
use std::time::Instant;

#[derive(Module, Clone)]
struct Linear {
    weight: Array,
    bias: Array,
    in_features: usize,
    out_features: usize,
}

#[derive(Module, Clone)]
struct Mlp {
    layers: Vec<Linear>,
    activation: fn(&Array) -> Array,
}

const LAYERS: usize = 500;
const SAMPLES: usize = 21;
const ITERS: usize = 200;

/// Median over samples of the time per call divided by `leaves`, in ns.
fn ns_per_leaf(leaves: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..ITERS {
        f();
    }
    let mut samples: Vec<f64> = (0..SAMPLES)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..ITERS {
                f();
            }
            t.elapsed().as_nanos() as f64 / (ITERS * leaves) as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[SAMPLES / 2]
}

fn main() {
    let layers = (0..LAYERS)
        .map(|i| Linear {
            weight: jnp::zeros([4, 4]),
            bias: jnp::zeros([4]),
            in_features: 4 + i % 3,
            out_features: 4,
        })
        .collect();
    let model = Mlp {
        layers,
        activation: |x| x.exp(),
    };
    let n = tree::num_leaves(&model);
    assert_eq!(n, 2 * LAYERS);

    let leaves_ns = ns_per_leaf(n, || {
        black_box(tree::leaves(black_box(&model)));
    });
    let flatten_ns = ns_per_leaf(n, || {
        black_box(tree::flatten(black_box(&model)));
    });
    let (_, def) = tree::flatten(&model);
    let flatten_unflatten_ns = ns_per_leaf(n, || {
        let (leaves, def) = tree::flatten(black_box(&model));
        black_box(tree::unflatten(&def, leaves));
    });
    let unflatten_ns = ns_per_leaf(n, || {
        let leaves: Vec<Array> = tree::leaves(&model).into_iter().cloned().collect();
        black_box(def.unflatten(black_box(leaves)));
    });
    let leaves_rebuild_ns = ns_per_leaf(n, || {
        let leaves: Vec<Array> = tree::leaves(black_box(&model))
            .into_iter()
            .cloned()
            .collect();
        black_box(tree::rebuild(&model, leaves));
    });
    let map_ns = ns_per_leaf(n, || {
        black_box(tree::map(black_box(&model), |x| x.clone()));
    });
    let hash_ns = ns_per_leaf(n, || {
        let mut h = DefaultHasher::new();
        eqx::tree::PyTree::hash_static(black_box(&model), &mut h);
        black_box(h.finish());
    });
    let static_eq_ns = ns_per_leaf(n, || {
        black_box(eqx::tree::PyTree::static_eq(
            black_box(&model),
            black_box(&model),
        ));
    });
    println!(
        "{{\"bench\": \"tree_flatten\", \"leaves\": {n}, \"unit\": \"ns_per_leaf\", \
         \"leaves_refs\": {leaves_ns:.2}, \"flatten\": {flatten_ns:.2}, \
         \"flatten_unflatten\": {flatten_unflatten_ns:.2}, \
         \"leaves_then_unflatten\": {unflatten_ns:.2}, \
         \"leaves_then_rebuild\": {leaves_rebuild_ns:.2}, \"map_clone\": {map_ns:.2}, \
         \"hash_static\": {hash_ns:.2}, \"static_eq\": {static_eq_ns:.2}}}"
    );
}
