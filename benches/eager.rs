//! Eager dispatch cost: one `add` on (4,) f32 arrays through `jnp::add`, the `+` operator and
//! the raw primitive, and a (1000, 1000) f32 add, each with 1 and 2 threads.
//!
//! Run with `cargo bench -p equinox --bench eager` (or `benches/run_eager.sh`, which also runs
//! the JAX/numpy counterparts and prints a comparison table). Prints one JSON line per workload:
//! `{"kind":"eager","op":...,"threads":n,"min_s":...,"median_s":...,"reps":...}`.

mod timing;

use equinox::numpy as jnp;
use equinox::prims::{binary::BinaryOp, bind1};
use equinox::Array;
use std::hint::black_box;
use std::time::Duration;
use timing::time_it;

fn emit(op: &str, threads: usize, (min, median, reps): (f64, f64, usize)) {
    println!(
        "{{\"kind\":\"eager\",\"impl\":\"equinox-rs\",\"op\":\"{op}\",\"threads\":{threads},\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps}}}"
    );
}

fn main() {
    let a4 = jnp::arange(4.0);
    let b4 = jnp::ones([4]);
    let n = 1000;
    let a1k = Array::from_vec(
        (0..n * n)
            .map(|i| (i % 97) as f32 * 0.5)
            .collect::<Vec<f32>>(),
        [n, n],
    );
    let b1k = Array::from_vec(
        (0..n * n)
            .map(|i| (i % 89) as f32 * 0.25)
            .collect::<Vec<f32>>(),
        [n, n],
    );
    let short = Duration::from_millis(1500);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a rayon pool");
        pool.install(|| {
            emit(
                "add (4,)",
                threads,
                time_it(1000, short, || {
                    black_box(jnp::add(black_box(&a4), black_box(&b4)));
                }),
            );
            emit(
                "a + b (4,)",
                threads,
                time_it(1000, short, || {
                    black_box(black_box(&a4) + black_box(&b4));
                }),
            );
            emit(
                "bind add primitive (4,)",
                threads,
                time_it(1000, short, || {
                    black_box(bind1(BinaryOp::Add, &[black_box(&a4), black_box(&b4)]));
                }),
            );
            emit(
                "a * 2.0 (4,) weak scalar",
                threads,
                time_it(1000, short, || {
                    black_box(black_box(&a4) * 2.0);
                }),
            );
            emit(
                "add (1000,1000)",
                threads,
                time_it(1, short, || {
                    black_box(jnp::add(black_box(&a1k), black_box(&b1k)));
                }),
            );
        });
    }
}
