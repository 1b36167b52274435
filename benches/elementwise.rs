//! Elementwise math on a (1000, 1000) f32 array, eager and jitted: `exp`, `tanh`,
//! `log1p(|x|)`, `gelu` (tanh form, JAX's default), `softmax(axis=-1)`, `sin`, `cos`, and on a
//! positive array `pow(x, 2.5)` and `rsqrt`.
//!
//! Run with `cargo bench -p equinox --bench elementwise` (or `benches/run_elementwise.sh`,
//! which also runs `benches/elementwise_jax.py` and prints a comparison table). Prints one JSON
//! line per workload: `{"kind":"elementwise","impl":..,"mode":"eager"|"jit","op":..,..}`.

mod timing;

use equinox::transforms::jit;
use equinox::{nn, numpy as jnp, random, Array, DType};
use std::hint::black_box;
use std::time::Duration;
use timing::time_it;

fn emit(mode: &str, op: &str, (min, median, reps): (f64, f64, usize)) {
    println!(
        "{{\"kind\":\"elementwise\",\"impl\":\"equinox-rs\",\"mode\":\"{mode}\",\"op\":\"{op}\",\"min_s\":{min:e},\"median_s\":{median:e},\"reps\":{reps}}}"
    );
}

type Op = (&'static str, fn(&Array) -> Array);

fn main() {
    // The same inputs as the JAX side: uniform in [-4, 4) from key 0.
    let x = random::uniform(random::key(0), [1000, 1000], DType::F32, -4.0, 4.0);
    // pow and rsqrt take positive operands (negative ones give NaN), drawn in [0, 4) from key 1.
    let positive = random::uniform(random::key(1), [1000, 1000], DType::F32, 0.0, 4.0);
    let ops: [(Op, &Array); 9] = [
        (("exp", |x| jnp::exp(x)), &x),
        (("tanh", |x| jnp::tanh(x)), &x),
        (("log1p(abs)", |x| jnp::log1p(&jnp::abs(x))), &x),
        (("gelu", |x| nn::gelu(x)), &x),
        (("softmax(axis=-1)", |x| nn::softmax(x, -1)), &x),
        (("sin", |x| jnp::sin(x)), &x),
        (("cos", |x| jnp::cos(x)), &x),
        (("pow(x, 2.5)", |x| x.powf(2.5)), &positive),
        (("rsqrt", |x| jnp::rsqrt(x)), &positive),
    ];
    // An optional argument picks workloads by substring of `mode op` (e.g. `"jit gelu"`);
    // cargo's own `--bench` flag is skipped.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    let wanted = |mode: &str, op: &str| {
        filter
            .as_ref()
            .is_none_or(|f| format!("{mode} {op}").contains(f.as_str()))
    };
    let time = Duration::from_millis(1500);
    for ((name, f), x) in ops {
        if wanted("eager", name) {
            emit(
                "eager",
                name,
                time_it(1, time, || {
                    black_box(f(black_box(x)));
                }),
            );
        }
        if wanted("jit", name) {
            let jitted = jit(f);
            emit(
                "jit",
                name,
                time_it(1, time, || {
                    black_box(jitted(black_box(x)));
                }),
            );
        }
    }
}
