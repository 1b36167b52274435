//! Subnormal floats flushed to zero while the library computes, as XLA's CPU backend does.
//!
//! XLA runs every CPU computation with the x86 MXCSR's flush-to-zero (FTZ: a subnormal result
//! is written as zero) and denormals-are-zero (DAZ: a subnormal operand is read as zero) bits
//! set, so `jnp.float32(1e-39) * 1` is 0 in JAX, eagerly and under `jit`. We do the same, for
//! two reasons:
//! - the same results as JAX where a value underflows (a GRU's gradients decaying over a long
//!   scan, Adam's second moment of tiny gradients);
//! - speed: Intel cores take a microcode assist of a hundred cycles or more for each
//!   instruction that meets a subnormal. A GRU scanned over 256 steps, whose backward pass
//!   accumulates subnormal weight gradients, ran 10x slower than with flushing on a Xeon.
//!
//! [`FlushGuard::enter`] sets both bits on the calling thread for the length of one eager
//! operation or compiled call and restores the caller's register after, so the caller's own
//! floating-point code keeps IEEE behaviour. The threads of rayon's global pool (where our
//! parallel loops, and `gemm`'s, run) are switched once, at the first operation, since
//! `gemm`'s tasks cannot be wrapped one by one. `config::set_flush_subnormals(false)` turns
//! all of it off (and switches the pool's threads back).
//!
//! Two kinds of work keep IEEE subnormals, through [`keeping_subnormals`] (on a pool of its
//! own whose threads never flush, for work that may be split across threads):
//! - linear algebra: `faer`'s algorithms are written for IEEE arithmetic: its complex
//!   reciprocal of a `z` with `|z| < 1` scales `z` by `sqrt(1 / f::MIN_POSITIVE)`, and
//!   `1 / (s|z|)²` is subnormal for `|z|` above `1/√2`, so flushing would zero it (complex LU
//!   and QR gave wrong values);
//! - conversions to and from the 16- and 8-bit floats, which XLA does on the bits
//!   (`jnp.float32(1e-39).astype(jnp.bfloat16)` keeps the value), and Rust scalars converted
//!   to an array's dtype, which JAX does on the host with numpy.
//!
//! Only x86-64 has the switch here; on other architectures arithmetic keeps the platform's
//! default (IEEE subnormals).

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

/// Whether operations flush subnormals (`config::set_flush_subnormals`).
static FLUSH: AtomicBool = AtomicBool::new(true);

/// What rayon's pool threads were last switched to: `UNKNOWN` before the first operation.
static WORKERS: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const WORKERS_IEEE: u8 = 1;
const WORKERS_FLUSH: u8 = 2;

/// Held while one thread switches the pool's threads, so that two first operations do not
/// both broadcast.
static SWITCHING: Mutex<()> = Mutex::new(());

/// Sets whether operations flush subnormal floats to zero (on by default, as in XLA).
pub(crate) fn set_enabled(on: bool) {
    FLUSH.store(on, Ordering::Relaxed);
    sync_workers(on);
}

/// Whether operations flush subnormal floats to zero.
pub(crate) fn enabled() -> bool {
    FLUSH.load(Ordering::Relaxed)
}

/// Flushing on the current thread for as long as it lives; the thread's previous setting
/// comes back when it drops.
#[must_use = "the flushing ends when the guard drops"]
pub(crate) struct FlushGuard {
    restore: Option<u32>,
}

impl FlushGuard {
    /// Turns flushing on for the current thread (a no-op when it already flushes, when
    /// flushing is off, or on other architectures), switching rayon's pool threads first if
    /// they have not been.
    #[inline]
    pub(crate) fn enter() -> FlushGuard {
        let on = enabled();
        let wanted = if on { WORKERS_FLUSH } else { WORKERS_IEEE };
        if WORKERS.load(Ordering::Acquire) != wanted {
            sync_workers(on);
        }
        if !on {
            return FlushGuard { restore: None };
        }
        let csr = control::read();
        let flushing = csr | control::flush_bits();
        if csr == flushing {
            FlushGuard { restore: None }
        } else {
            control::write(flushing);
            FlushGuard { restore: Some(csr) }
        }
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        if let Some(csr) = self.restore {
            control::write(csr);
        }
    }
}

/// The pool [`keeping_subnormals`] runs on: as many threads as rayon's global pool, none of
/// which ever flushes. Built at its first use while flushing is on.
static IEEE_POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();

/// Runs `f` with IEEE subnormals, on the calling thread when flushing is off and otherwise on
/// the non-flushing pool (where the parallel loops `f` starts run too): for the work the
/// module's documentation lists.
pub(crate) fn keeping_subnormals<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if !enabled() || !cfg!(target_arch = "x86_64") {
        return f();
    }
    let pool = IEEE_POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|i| format!("equinox-ieee-{i}"))
            .build()
            .expect("equinox: could not start the non-flushing thread pool")
    });
    // A thread of this pool can still hold the bits: an eager operation run from inside `f`
    // sets them while it runs.
    pool.install(|| keeping_subnormals_here(f))
}

/// [`keeping_subnormals`] for one elementwise pass over `len` elements: on the calling thread
/// when the pass stays on it (under [`super::PARALLEL_THRESHOLD`]), so a small conversion
/// pays no hand-off to the other pool.
pub(crate) fn keeping_subnormals_over<R: Send>(len: usize, f: impl FnOnce() -> R + Send) -> R {
    if len < super::PARALLEL_THRESHOLD {
        keeping_subnormals_here(f)
    } else {
        keeping_subnormals(f)
    }
}

/// Runs `f` on the calling thread with IEEE subnormals, restoring the thread's mode after
/// (also when `f` panics). For work that is not split across threads: a Rust scalar
/// converted to an array's dtype, which JAX does on the host, with numpy.
pub(crate) fn keeping_subnormals_here<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(u32);
    impl Drop for Restore {
        fn drop(&mut self) {
            control::write(self.0);
        }
    }
    let csr = control::read();
    let ieee = csr & !control::flush_bits();
    if csr == ieee {
        return f();
    }
    control::write(ieee);
    let _restore = Restore(csr);
    f()
}

/// Whether the calling thread is one of the non-flushing pool's.
fn on_ieee_pool() -> bool {
    IEEE_POOL
        .get()
        .is_some_and(|pool| pool.current_thread_index().is_some())
}

/// Switches every thread of rayon's global pool to `on`. A thread that finds another one
/// switching goes on without waiting: blocking here could deadlock with a pool thread that
/// enters an operation while the broadcast waits for it.
fn sync_workers(on: bool) {
    // `rayon::broadcast` reaches the pool of the thread that calls it: from the
    // non-flushing pool it would switch that pool's threads.
    if on_ieee_pool() {
        return;
    }
    let Ok(_held) = SWITCHING.try_lock() else {
        return;
    };
    let wanted = if on { WORKERS_FLUSH } else { WORKERS_IEEE };
    if WORKERS.load(Ordering::Acquire) == wanted {
        return;
    }
    rayon::broadcast(|_| {
        let csr = control::read();
        let bits = control::flush_bits();
        control::write(if on { csr | bits } else { csr & !bits });
    });
    WORKERS.store(wanted, Ordering::Release);
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod control {
    /// MXCSR's FTZ bit (15) and, where the CPU has it (SSE3 and later), DAZ (bit 6).
    pub(super) fn flush_bits() -> u32 {
        const FTZ: u32 = 1 << 15;
        const DAZ: u32 = 1 << 6;
        if std::arch::is_x86_feature_detected!("sse3") {
            FTZ | DAZ
        } else {
            FTZ
        }
    }

    /// The calling thread's MXCSR.
    #[inline]
    pub(super) fn read() -> u32 {
        let mut csr = 0u32;
        // SAFETY: `stmxcsr` stores the 4-byte register at the address given, which is `csr`'s.
        unsafe {
            std::arch::asm!(
                "stmxcsr [{}]",
                in(reg) &mut csr as *mut u32,
                options(nostack, preserves_flags)
            )
        };
        csr
    }

    /// Loads the calling thread's MXCSR. Only the flushing bits are ever changed, and both
    /// are defined on every CPU `flush_bits` returns them for.
    #[inline]
    pub(super) fn write(csr: u32) {
        // SAFETY: `ldmxcsr` reads 4 bytes from `csr`'s address; the value is the register as
        // read, with at most the FTZ/DAZ bits changed, so no reserved bit is set.
        unsafe {
            std::arch::asm!(
                "ldmxcsr [{}]",
                in(reg) &csr as *const u32,
                options(nostack, preserves_flags, readonly)
            )
        };
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod control {
    pub(super) fn flush_bits() -> u32 {
        0
    }

    pub(super) fn read() -> u32 {
        0
    }

    pub(super) fn write(_csr: u32) {}
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use std::hint::black_box;

    /// 2^-130: a float32 subnormal.
    const TINY: f32 = f32::from_bits(0x0008_0000);

    #[test]
    fn the_guard_flushes_and_restores_the_callers_setting() {
        assert!(TINY != 0.0 && !TINY.is_normal());
        let before = control::read();
        {
            let _guard = FlushGuard::enter();
            if enabled() {
                assert_eq!(
                    black_box(TINY) * black_box(1.0f32),
                    0.0,
                    "DAZ reads it as 0"
                );
                assert_eq!(
                    black_box(1e-30f32) * black_box(1e-10f32),
                    0.0,
                    "FTZ writes 0"
                );
                let inner = FlushGuard::enter();
                assert!(inner.restore.is_none(), "a nested guard changes nothing");
            }
        }
        assert_eq!(control::read(), before);
        assert_eq!(black_box(TINY) * black_box(1.0f32), TINY);
    }
}
