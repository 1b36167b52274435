//! f32 matrix-product throughput of `jnp::matmul` (gemm-backed `dot_general`).
//!
//! Prints one JSON line per (n, threads): GFLOP/s of the best and the median repetition.
//! `cargo bench -p equinox --bench matmul -- [--threads T] [--sizes 256,512]`; by default runs
//! 1 and 2 threads for n = 256, 512, 1024, 2048. The thread count is the size of the rayon pool
//! the product runs in. `benches/run_matmul.sh` compares it with numpy and JAX.

use equinox::numpy as jnp;
use equinox::Array;
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn random(n: usize, seed: u64) -> Array {
    let mut s = seed;
    let v: Vec<f32> = (0..n * n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
        })
        .collect();
    Array::from_vec(v, [n, n])
}

fn bench(n: usize, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool");
    let (a, b) = (random(n, 1), random(n, 2));
    let flop = 2.0 * (n as f64).powi(3);
    pool.install(|| {
        for _ in 0..3 {
            std::hint::black_box(jnp::matmul(&a, &b));
        }
        let mut times = Vec::new();
        let start = Instant::now();
        while times.len() < 10 || start.elapsed() < Duration::from_millis(1500) {
            let t = Instant::now();
            std::hint::black_box(jnp::matmul(&a, &b));
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(|x, y| x.partial_cmp(y).expect("finite times"));
        let best = flop / times[0] / 1e9;
        let median = flop / times[times.len() / 2] / 1e9;
        println!(
            "{{\"impl\": \"equinox\", \"n\": {n}, \"threads\": {threads}, \"reps\": {}, \
             \"gflops_best\": {best:.1}, \"gflops_median\": {median:.1}}}",
            times.len()
        );
    });
}

fn main() {
    let threads: Vec<usize> = match arg("--threads") {
        Some(t) => vec![t.parse().expect("--threads N")],
        None => vec![1, 2],
    };
    let sizes: Vec<usize> = match arg("--sizes") {
        Some(s) => s
            .split(',')
            .map(|x| x.parse().expect("--sizes a,b,c"))
            .collect(),
        None => vec![256, 512, 1024, 2048],
    };
    for &t in &threads {
        for &n in &sizes {
            bench(n, t);
        }
    }
}
