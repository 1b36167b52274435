//! Fourier transforms: `jnp.fft.fft` (complex input) and `jnp.fft.rfft` (real input) of 2^20
//! points in single and double precision, and a batch of 1024 transforms of 1024 points.
//!
//! Prints one JSON line per (op, n, dtype): the best and median milliseconds per call.
//! `cargo bench -p equinox --bench fft`; `benches/run_fft.sh` runs `benches/fft_jax.py` (the
//! same workloads under `jax.jit`) back to back and prints the ratios.

use equinox::numpy as jnp;
use equinox::{lax, Array, DType};
use std::time::{Duration, Instant};

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

fn report(op: &str, shape: &str, dtype: DType, (best, median): (f64, f64)) {
    println!(
        "{{\"impl\": \"equinox\", \"op\": \"{op}\", \"shape\": \"{shape}\", \"dtype\": \"{}\", \
         \"best_ms\": {best:.3}, \"median_ms\": {median:.3}}}",
        dtype.name()
    );
}

/// A reproducible signal of `shape` in `dtype`: `sin(0.37 k) + cos(0.011 k^2)`.
fn signal(shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let k = jnp::arange(n as f64).astype(DType::F64);
    let s = jnp::sin(&(&k * 0.37)) + jnp::cos(&(&k * &k * 0.011));
    s.reshape(shape).astype(dtype)
}

fn main() {
    for (real, complex) in [(DType::F32, DType::C64), (DType::F64, DType::C128)] {
        for (shape, label) in [(vec![1 << 20], "2^20"), (vec![1024, 1024], "1024x1024")] {
            let x = signal(&shape, real);
            let z = lax::complex(&x, &jnp::cos(&x));
            assert_eq!(z.dtype(), complex);
            let t = time(|| {
                std::hint::black_box(jnp::fft::fft(&z));
            });
            report("fft", label, complex, t);
            let t = time(|| {
                std::hint::black_box(jnp::fft::rfft(&x));
            });
            report("rfft", label, real, t);
        }
    }
}
