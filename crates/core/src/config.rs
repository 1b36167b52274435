//! Process-wide switches, as `jax.config`: `debug_nans` and `debug_infs`; and whether
//! subnormal floats are flushed to zero (on, as in XLA).
//!
//! The debug switches are off by default and cost one relaxed atomic load per eager operation
//! or compiled call when off. All of them are global, like JAX's flags: set them at the start
//! of a program (or around the code being debugged), not from concurrently running threads
//! that disagree.

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

/// Whether operations flush subnormal floats to zero, as XLA's CPU backend does (on by
/// default). With it on, an eager operation or compiled call runs with the CPU's
/// flush-to-zero and denormals-are-zero modes: a subnormal operand reads as 0 and a subnormal
/// result is written as 0, so `1e-39 * 1` is 0, as in JAX. Besides matching JAX, this avoids
/// the hundred-cycle penalty Intel cores take on every instruction that meets a subnormal.
///
/// - The caller's own floating-point mode is restored after each operation.
/// - The threads of rayon's global pool, where parallel loops run, are switched when the
///   first operation runs and switched back when this is turned off; a program's own tasks
///   on that pool flush meanwhile.
/// - Linear algebra (`lax::linalg`, and `numpy::linalg` built on it) keeps IEEE subnormals,
///   on threads of its own: its algorithms depend on them.
/// - Operations on the bits (`abs`, `neg`, `nextafter`, bitcasts, `reduce_precision`,
///   conversions to and from 16- and 8-bit floats) keep subnormals, as XLA's do; so do Rust
///   scalars converted to an array's dtype (JAX converts Python scalars with numpy).
///
/// Off, arithmetic keeps IEEE subnormals. Only x86-64 has the switch; elsewhere subnormals
/// are always kept.
///
/// ```
/// use equinox_core::{config, numpy as jnp, Array};
/// let tiny = Array::from_vec(vec![1e-39f32], [1]);
/// let one = Array::from_vec(vec![1.0f32], [1]);
/// if cfg!(target_arch = "x86_64") {
///     assert_eq!(jnp::multiply(&tiny, &one).to_vec::<f32>(), vec![0.0]);
/// }
/// ```
pub fn set_flush_subnormals(on: bool) {
    crate::backend::cpu::subnormals::set_enabled(on);
}

/// Whether [`set_flush_subnormals`] is on.
pub fn flush_subnormals() -> bool {
    crate::backend::cpu::subnormals::enabled()
}
