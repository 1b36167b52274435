//! The timing loop the Rust benchmarks share.

use std::time::{Duration, Instant};

/// Times `f` in batches of `batch` calls until `min_time` has passed (and at least 30
/// batches), after a warm-up of at least 20 calls; returns per-call (min, median) seconds and
/// the number of calls.
pub fn time_it(batch: usize, min_time: Duration, mut f: impl FnMut()) -> (f64, f64, usize) {
    for _ in 0..batch.max(20) {
        f();
    }
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 30 || start.elapsed() < min_time {
        let t0 = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t0.elapsed().as_secs_f64() / batch as f64);
    }
    samples.sort_by(|a, b| a.partial_cmp(b).expect("times are finite"));
    (
        samples[0],
        samples[samples.len() / 2],
        samples.len() * batch,
    )
}
