//! Dense linear algebra: `jnp.linalg` `cholesky`, `solve`, `qr`, `svd` and `eigh` at n = 256
//! and 1024 in float32 and float64, and a batched 64 x (64 x 64) `solve`.
//!
//! Prints one JSON line per (op, n, dtype): the best and median milliseconds per call.
//! `cargo bench -p equinox --bench linalg -- [--ops cholesky,solve] [--sizes 256]`;
//! `benches/run_linalg.sh` runs `benches/linalg_jax.py` (the same workloads under `jax.jit`)
//! back to back and prints the ratios.

use equinox::numpy as jnp;
use equinox::{Array, DType};
use std::time::{Duration, Instant};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

/// A reproducible symmetric positive definite matrix `m m^T / n + I` (batched over `batch`).
fn spd(batch: &[usize], n: usize, dtype: DType) -> Array {
    let count: usize = batch.iter().product::<usize>() * n * n;
    let mut s = 0x5eedu64;
    let v: Vec<f64> = (0..count)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect();
    let mut shape = batch.to_vec();
    shape.extend([n, n]);
    let m = Array::from_vec(v, shape.as_slice());
    let a = jnp::matmul(&m, &jnp::matrix_transpose(&m)) / n as f64
        + jnp::identity(n).astype(DType::F64);
    a.astype(dtype)
}

/// Per-call (best, median) milliseconds: two warm-up calls, then at least 7 timed calls and
/// about a second.
fn time(mut f: impl FnMut()) -> (f64, f64) {
    f();
    f();
    let mut t = Vec::new();
    let start = Instant::now();
    while t.len() < 7 || start.elapsed() < Duration::from_secs(1) {
        let t0 = Instant::now();
        f();
        t.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    t.sort_by(|a, b| a.partial_cmp(b).expect("finite times"));
    (t[0], t[t.len() / 2])
}

fn report(op: &str, n: usize, dtype: DType, (best, median): (f64, f64)) {
    println!(
        "{{\"impl\": \"equinox\", \"op\": \"{op}\", \"n\": {n}, \"dtype\": \"{}\", \
         \"best_ms\": {best:.3}, \"median_ms\": {median:.3}}}",
        dtype.name()
    );
}

fn main() {
    let ops: Vec<String> = arg("--ops")
        .unwrap_or_else(|| "cholesky,solve,qr,svd,eigh,batched_solve".into())
        .split(',')
        .map(str::to_string)
        .collect();
    let sizes: Vec<usize> = arg("--sizes")
        .unwrap_or_else(|| "256,1024".into())
        .split(',')
        .map(|s| s.parse().expect("a size"))
        .collect();
    for dtype in [DType::F32, DType::F64] {
        for &n in &sizes {
            let a = spd(&[], n, dtype);
            let b = jnp::ones([n]).astype(dtype);
            for op in &ops {
                let t = match op.as_str() {
                    "cholesky" => time(|| {
                        std::hint::black_box(jnp::linalg::cholesky(&a));
                    }),
                    "solve" => time(|| {
                        std::hint::black_box(jnp::linalg::solve(&a, &b));
                    }),
                    "qr" => time(|| {
                        std::hint::black_box(jnp::linalg::qr(&a));
                    }),
                    "svd" => time(|| {
                        std::hint::black_box(jnp::linalg::svd(&a));
                    }),
                    "eigh" => time(|| {
                        std::hint::black_box(jnp::linalg::eigh(&a));
                    }),
                    _ => continue,
                };
                report(op, n, dtype, t);
            }
        }
        if ops.iter().any(|o| o == "batched_solve") {
            let a = spd(&[64], 64, dtype);
            let b = jnp::ones([64, 64, 1]).astype(dtype);
            let t = time(|| {
                std::hint::black_box(jnp::linalg::solve(&a, &b));
            });
            report("batched_solve", 64, dtype, t);
        }
    }
}
