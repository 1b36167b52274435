//! Run-time CPU-feature dispatch for the elementwise loops.
//!
//! The library is compiled for the baseline x86-64 (SSE2), so a plain loop vectorises four f32
//! lanes at most. A loop handed to [`dispatch`] runs inside a function compiled with the
//! AVX-512 or AVX2 target features when the CPU has them (detected once, at first use), so
//! LLVM vectorises the same Rust code 16 or 8 lanes wide; elsewhere (other CPUs, other
//! architectures) it runs as compiled for the baseline.
//!
//! Every level gives the same bits: Rust never contracts `a * b + c` into a fused multiply-add
//! on its own, and the formulas the loops run use no instruction whose rounding differs between
//! levels. [`set_max_level`] caps the level (tests run each kernel at every level and compare).

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// An instruction-set level the elementwise loops can be compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// The baseline the crate is compiled for (SSE2 on x86-64).
    Baseline = 0,
    /// x86-64-v3: AVX2, FMA, BMI1/2 (8 f32 lanes).
    Avx2 = 1,
    /// x86-64-v4: AVX-512 F/BW/CD/DQ/VL (16 f32 lanes).
    Avx512 = 2,
}

impl SimdLevel {
    fn from_u8(v: u8) -> SimdLevel {
        match v {
            0 => SimdLevel::Baseline,
            1 => SimdLevel::Avx2,
            _ => SimdLevel::Avx512,
        }
    }
}

/// The best level this CPU supports (detected once).
pub fn detected_level() -> SimdLevel {
    static DETECTED: OnceLock<SimdLevel> = OnceLock::new();
    *DETECTED.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> SimdLevel {
    let v3 = is_x86_feature_detected!("avx2")
        && is_x86_feature_detected!("fma")
        && is_x86_feature_detected!("bmi1")
        && is_x86_feature_detected!("bmi2")
        && is_x86_feature_detected!("lzcnt")
        && is_x86_feature_detected!("f16c");
    let v4 = v3
        && is_x86_feature_detected!("avx512f")
        && is_x86_feature_detected!("avx512bw")
        && is_x86_feature_detected!("avx512cd")
        && is_x86_feature_detected!("avx512dq")
        && is_x86_feature_detected!("avx512vl");
    if v4 {
        SimdLevel::Avx512
    } else if v3 {
        SimdLevel::Avx2
    } else {
        SimdLevel::Baseline
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> SimdLevel {
    SimdLevel::Baseline
}

/// The cap set by [`set_max_level`] (`u8::MAX`: none).
static MAX_LEVEL: AtomicU8 = AtomicU8::new(u8::MAX);

/// Caps the level the loops use (never above what the CPU has), e.g. to run the baseline path
/// on an AVX-512 machine. Process-wide; since every level gives the same bits, changing it
/// while other threads compute changes their speed only.
pub fn set_max_level(level: SimdLevel) {
    MAX_LEVEL.store(level as u8, Ordering::Relaxed);
}

/// The level the loops run at now: the detected level, capped by [`set_max_level`].
pub fn active_level() -> SimdLevel {
    detected_level().min(SimdLevel::from_u8(MAX_LEVEL.load(Ordering::Relaxed)))
}

/// A loop to compile for each level: `run` must be `#[inline(always)]` so that its body, and
/// the per-element closures it calls, are compiled inside the target-feature function. (A
/// plain closure is not enough: LLVM keeps its body out of line, at the baseline level.) Loops
/// should take their slices and closures as arguments of an `#[inline(always)]` function
/// rather than read them through the kernel's fields, so that LLVM knows the output does not
/// alias what the closure captured.
pub trait Kernel {
    /// What the loop returns.
    type Output;
    /// Runs the loop.
    fn run(self) -> Self::Output;
}

/// Runs `kernel` compiled for the [`active_level`].
#[inline(always)]
pub fn dispatch<K: Kernel>(kernel: K) -> K::Output {
    #[cfg(target_arch = "x86_64")]
    {
        match active_level() {
            // SAFETY: the level is only reported when the CPU has every feature enabled below.
            SimdLevel::Avx512 => unsafe { run_avx512(kernel) },
            SimdLevel::Avx2 => unsafe { run_avx2(kernel) },
            SimdLevel::Baseline => kernel.run(),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        kernel.run()
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(
    enable = "avx512f,avx512bw,avx512cd,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,f16c"
)]
unsafe fn run_avx512<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,f16c")]
unsafe fn run_avx2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sum<'a>(&'a [f32]);
    impl Kernel for Sum<'_> {
        type Output = f32;
        #[inline(always)]
        fn run(self) -> f32 {
            self.0.iter().sum()
        }
    }

    #[test]
    fn capping_never_raises_the_level() {
        let detected = detected_level();
        set_max_level(SimdLevel::Baseline);
        assert_eq!(active_level(), SimdLevel::Baseline);
        set_max_level(SimdLevel::Avx512);
        assert_eq!(active_level(), detected);
        let x: Vec<f32> = (0..100).map(|i| i as f32).collect();
        assert_eq!(dispatch(Sum(&x)), 4950.0);
    }
}
