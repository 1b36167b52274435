//! `config::set_debug_nans` / `set_debug_infs` (JAX's `jax_debug_nans` / `jax_debug_infs`):
//! the first primitive that makes a NaN (an infinity) is named, eagerly and in a jitted
//! training step. One test: the switches are process-wide.

use equinox_core::transforms::*;
use equinox_core::{config, numpy as jnp, Array};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn panic_of<R>(f: impl FnOnce() -> R) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f))
        .map(|_| ())
        .expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Turns the switches off even if an assertion fails.
struct Reset;
impl Drop for Reset {
    fn drop(&mut self) {
        config::set_debug_nans(false);
        config::set_debug_infs(false);
    }
}

#[test]
fn the_first_primitive_that_makes_an_invalid_value_is_named() {
    let _reset = Reset;
    let x = Array::from_vec(vec![1.0f32, -2.0, 3.0], [3]);
    let w = Array::from_vec(vec![0.5f32, 0.25, 2.0], [3]);
    // A training step: loss = sum(exp(2 log(w * x))) is NaN where w * x < 0; the log is the
    // first equation to make one (the mul before it is fine, the exp after it propagates).
    let loss = |w: &Array, x: &Array| (jnp::log(&(w * x)) * 2.0).exp().sum(None);
    let step = jit(value_and_grad(loss));

    // Off: NaNs flow through silently, as in JAX.
    assert!(!config::debug_nans());
    let (v, _) = step(&w, &x);
    assert!(v.item::<f32>().is_nan());

    config::set_debug_nans(true);
    // Eagerly: the primitive that made the NaN.
    let msg = panic_of(|| jnp::log(&x));
    assert_eq!(msg, "invalid value (nan) encountered in log");
    let msg = panic_of(|| loss(&w, &x));
    assert_eq!(msg, "invalid value (nan) encountered in log");
    // Compiled: the same primitive, with its equation in the program.
    let msg = panic_of(|| step(&w, &x));
    assert!(
        msg.starts_with("invalid value (nan) encountered in log: equation `")
            && msg.contains(" = log "),
        "{msg}"
    );
    // A step without NaNs runs and agrees with the unchecked result.
    let ok = Array::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
    let (v, g) = step(&w, &ok);
    config::set_debug_nans(false);
    let (v0, g0) = step(&w, &ok);
    assert_eq!(v.item::<f32>(), v0.item::<f32>());
    assert_eq!(g.to_vec::<f32>(), g0.to_vec::<f32>());

    // A NaN that appears in the backward pass only: d/dx sqrt(x) at 0 is inf, times 0 is NaN.
    config::set_debug_nans(true);
    let f = jit(grad(|x: &Array| (jnp::sqrt(x) * 0.0).sum(None)));
    let msg = panic_of(|| f(&jnp::zeros([2])));
    assert!(
        msg.starts_with("invalid value (nan) encountered in "),
        "{msg}"
    );
    config::set_debug_nans(false);
    assert!(f(&jnp::zeros([2])).to_vec::<f32>()[0].is_nan());

    // debug_infs: 1 / 0.
    config::set_debug_infs(true);
    let msg = panic_of(|| jnp::ones([2]) / jnp::zeros([2]));
    assert_eq!(msg, "invalid value (inf) encountered in div");
    let recip = jit(|x: &Array| (x + 0.0) / x);
    // 0 / 0 is NaN, not inf: only the switch that is on reports.
    assert!(recip(&jnp::zeros([2])).to_vec::<f32>()[0].is_nan());
    let inv = jit(|x: &Array| jnp::ones_like(x) / x);
    let msg = panic_of(|| inv(&jnp::zeros([2])));
    assert!(
        msg.starts_with("invalid value (inf) encountered in div: equation `"),
        "{msg}"
    );
}
