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

/// `struct timespec` on 64-bit Linux.
#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
}

/// CPU time of this thread in ns. The machine is shared, so wall-clock time includes the time
/// other processes hold the cores; thread CPU time does not.
fn thread_cpu_ns() -> u128 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec`; the clock id is Linux's thread CPU clock.
    let rc = unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime failed");
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}

/// Median over samples of the time per call divided by `leaves`, in ns: (thread CPU time,
/// wall-clock time).
fn ns_per_leaf(leaves: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..ITERS {
        f();
    }
    let per = (ITERS * leaves) as f64;
    let (mut cpu, mut wall): (Vec<f64>, Vec<f64>) = (0..SAMPLES)
        .map(|_| {
            let (c, t) = (thread_cpu_ns(), Instant::now());
            for _ in 0..ITERS {
                f();
            }
            let wall = t.elapsed().as_nanos() as f64 / per;
            ((thread_cpu_ns() - c) as f64 / per, wall)
        })
        .unzip();
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    (cpu[SAMPLES / 2], wall[SAMPLES / 2])
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
    // The floor for anything that returns owned leaves: cloning and dropping each array.
    let clone_drop_ns = ns_per_leaf(n, || {
        tree::leaves(black_box(&model)).into_iter().for_each(|l| {
            black_box(l.clone());
        });
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
    let results = [
        ("leaves_refs", leaves_ns),
        ("flatten", flatten_ns),
        ("flatten_unflatten", flatten_unflatten_ns),
        ("leaves_then_unflatten", unflatten_ns),
        ("leaves_then_rebuild", leaves_rebuild_ns),
        ("map_clone", map_ns),
        ("array_clone_drop", clone_drop_ns),
        ("hash_static", hash_ns),
        ("static_eq", static_eq_ns),
    ];
    let fields: Vec<String> = results
        .iter()
        .map(|(k, (cpu, wall))| format!("\"{k}\": {{\"cpu\": {cpu:.2}, \"wall\": {wall:.2}}}"))
        .collect();
    println!(
        "{{\"bench\": \"tree_flatten\", \"leaves\": {n}, \"unit\": \"ns_per_leaf\", {}}}",
        fields.join(", ")
    );
}
