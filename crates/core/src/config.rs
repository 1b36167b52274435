//! Process-wide switches, as `jax.config`: `debug_nans` and `debug_infs`.
//!
//! Both are off by default and cost one relaxed atomic load per eager operation or compiled
//! call when off. They are global, like JAX's flags: set them at the start of a program (or
//! around the code being debugged), not from concurrently running threads that disagree.

use std::sync::atomic::{AtomicBool, Ordering};

static DEBUG_NANS: AtomicBool = AtomicBool::new(false);
static DEBUG_INFS: AtomicBool = AtomicBool::new(false);

/// `jax.config.update("jax_debug_nans", on)`: when on, an operation whose floating-point
/// result holds a NaN panics, naming it. Eagerly that is the primitive that made it; in a
/// compiled (jitted) program the outputs are checked, and if one holds a NaN the program runs
/// again one primitive at a time to name the first equation whose result holds one, as JAX
/// re-runs the de-optimized function. Donation is skipped while it is on (the re-run needs
/// the arguments).
///
/// ```
/// use equinox_core::{config, numpy as jnp, Array};
/// config::set_debug_nans(true);
/// let err = std::panic::catch_unwind(|| jnp::log(&Array::from_vec(vec![-1.0f32], [1])));
/// config::set_debug_nans(false);
/// assert!(err.is_err());
/// ```
pub fn set_debug_nans(on: bool) {
    DEBUG_NANS.store(on, Ordering::Relaxed);
}

/// Whether [`set_debug_nans`] is on.
pub fn debug_nans() -> bool {
    DEBUG_NANS.load(Ordering::Relaxed)
}

/// `jax.config.update("jax_debug_infs", on)`: as [`set_debug_nans`], for infinities.
pub fn set_debug_infs(on: bool) {
    DEBUG_INFS.store(on, Ordering::Relaxed);
}

/// Whether [`set_debug_infs`] is on.
pub fn debug_infs() -> bool {
    DEBUG_INFS.load(Ordering::Relaxed)
}
