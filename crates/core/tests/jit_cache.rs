//! The jit cache's bounds and `clear_caches`: a function called with many signatures keeps at
//! most `jit_cache_capacity` programs and `WARM_SIGNATURES` working sets, and `clear_caches`
//! drops everything compiled without changing any result.
//!
//! These tests change process-wide settings, so they live in their own test binary and take a
//! lock to run one at a time.

use equinox_core::transforms::{
    clear_caches, jit_cache_capacity, set_jit_cache_capacity, Jit, DEFAULT_JIT_CACHE_CAPACITY,
};
use equinox_core::{numpy as jnp, random, Array, DType};
use std::sync::Mutex;

static GLOBALS: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    GLOBALS.lock().unwrap_or_else(|e| e.into_inner())
}

/// A training-step-like program: a layer's forward pass and its loss over a batch `x` of
/// shape `(n, 256)`, with intermediates as large as the batch.
fn step(args: &(Array, Array)) -> Array {
    let (w, x) = args;
    let h = jnp::tanh(&x.matmul(w));
    let y = jnp::tanh(&h.matmul(w));
    (&y * &y).mean(None)
}

#[test]
fn clear_caches_retraces_and_gives_the_same_results() {
    let _g = lock();
    let f = Jit::new(step);
    let w = random::normal(random::key(0), [256, 256], DType::F32);
    let x = random::normal(random::key(1), [8, 256], DType::F32);
    let first = f.call(&(w.clone(), x.clone())).item::<f32>();
    f.call(&(w.clone(), x.clone()));
    assert_eq!(f.trace_count(), 1);
    clear_caches();
    let again = f.call(&(w.clone(), x.clone())).item::<f32>();
    assert_eq!(again.to_bits(), first.to_bits());
    assert_eq!(f.trace_count(), 2);
    assert_eq!(f.cache_size(), 1);
}

#[test]
fn a_capacity_bounds_the_programs_kept() {
    let _g = lock();
    set_jit_cache_capacity(16);
    assert_eq!(jit_cache_capacity(), 16);
    let f = Jit::new(|x: &Array| (x * 3.0).sum(None));
    for n in 1..=40 {
        assert_eq!(f.call(&jnp::ones([n])).item::<f32>(), 3.0 * n as f32);
        assert!(f.cache_size() <= 16);
    }
    assert_eq!(f.cache_size(), 16);
    // The 16 most recent signatures (25..=40) are cached, the first were evicted.
    f.call(&jnp::ones([40]));
    assert_eq!(f.trace_count(), 40);
    f.call(&jnp::ones([1]));
    assert_eq!(f.trace_count(), 41);
    set_jit_cache_capacity(DEFAULT_JIT_CACHE_CAPACITY);
}

#[test]
#[should_panic(expected = "set_jit_cache_capacity: the capacity must be at least 1, got 0")]
fn a_zero_capacity_is_refused() {
    let _g = lock();
    set_jit_cache_capacity(0);
}

/// The resident set size of this process, in bytes (Linux).
fn rss_bytes() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Issue 16's case: a step called with 500 distinct batch sizes. Without the bounds every
/// signature keeps its working set (about 5 KiB per example here: ~600 MiB in all); with
/// them the growth stays within `WARM_SIGNATURES` working sets plus small programs.
#[test]
fn five_hundred_batch_sizes_stay_within_a_memory_bound() {
    let _g = lock();
    let Some(before) = rss_bytes() else { return };
    let f = Jit::new(step);
    let w = random::normal(random::key(0), [256, 256], DType::F32);
    let mut total = 0.0f32;
    for n in 1..=500 {
        let x = jnp::ones([n, 256]);
        total += f.call(&(w.clone(), x)).item::<f32>();
    }
    assert!(total.is_finite());
    assert_eq!(f.trace_count(), 500);
    assert!(f.cache_size() <= jit_cache_capacity());
    let grown = rss_bytes().unwrap().saturating_sub(before);
    println!(
        "RSS grew by {:.1} MiB over 500 signatures",
        grown as f64 / (1 << 20) as f64
    );
    // The documented bound: 4 warm working sets of the largest batch (~2.5 MiB each) and 256
    // programs, with room for the allocator's own caching.
    assert!(grown < 96 << 20, "RSS grew by {grown} bytes");
}
