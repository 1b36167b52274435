//! Fast Fourier transforms over one axis of a row-major buffer, on
//! [rustfft](https://docs.rs/rustfft) (complex) and [realfft](https://docs.rs/realfft) (real
//! input/output, about twice as fast as a complex transform of the same length).
//!
//! Forward transforms are unnormalised and inverse transforms divide by the length, as XLA's
//! `fft` primitive does; the `norm` argument of `jnp.fft` is applied above this layer.

use num_complex::Complex;
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::{Fft, FftDirection, FftNum, FftPlanner};
use std::sync::{Arc, Mutex, OnceLock};

/// The float types the transforms run in, each with process-wide plan caches (planning a
/// length once makes later transforms of that length cheap).
pub(crate) trait FftFloat: FftNum + num_traits::Float {
    /// A complex transform of `len` points.
    fn plan(len: usize, direction: FftDirection) -> Arc<dyn Fft<Self>>;
    /// A real-to-complex transform of `len` real points.
    fn plan_forward_real(len: usize) -> Arc<dyn realfft::RealToComplex<Self>>;
    /// A complex-to-real transform giving `len` real points.
    fn plan_inverse_real(len: usize) -> Arc<dyn realfft::ComplexToReal<Self>>;
}

macro_rules! impl_fft_float {
    ($t:ty) => {
        impl FftFloat for $t {
            fn plan(len: usize, direction: FftDirection) -> Arc<dyn Fft<$t>> {
                static PLANNER: OnceLock<Mutex<FftPlanner<$t>>> = OnceLock::new();
                let planner = PLANNER.get_or_init(|| Mutex::new(FftPlanner::new()));
                // A poisoned lock only means another thread panicked while planning; the
                // planner's cache is still a valid set of plans.
                let mut planner = planner.lock().unwrap_or_else(|e| e.into_inner());
                planner.plan_fft(len, direction)
            }
            fn plan_forward_real(len: usize) -> Arc<dyn realfft::RealToComplex<$t>> {
                real_planner_of_type_lock!($t).plan_fft_forward(len)
            }
            fn plan_inverse_real(len: usize) -> Arc<dyn realfft::ComplexToReal<$t>> {
                real_planner_of_type_lock!($t).plan_fft_inverse(len)
            }
        }
    };
}

/// Locks the process-wide real-transform planner of one float type (one static per
/// expansion site, so each method of each type has its own cache).
macro_rules! real_planner_of_type_lock {
    ($t:ty) => {{
        static PLANNER: OnceLock<Mutex<RealFftPlanner<$t>>> = OnceLock::new();
        PLANNER
            .get_or_init(|| Mutex::new(RealFftPlanner::new()))
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }};
}

impl_fft_float!(f32);
impl_fft_float!(f64);

/// Work (elements) below which the lines of a transform run on one thread.
const PARALLEL_ELEMENTS: usize = 1 << 15;

/// Transforms `data` (row-major, `shape`) in place along `axis`; `inverse` divides by the
/// length.
pub(crate) fn complex_fft_axis<T: FftFloat>(
    data: &mut [Complex<T>],
    shape: &[usize],
    axis: usize,
    inverse: bool,
) {
    let len = shape[axis];
    if len == 0 || data.is_empty() {
        return;
    }
    let inner: usize = shape[axis + 1..].iter().product();
    let direction = if inverse {
        FftDirection::Inverse
    } else {
        FftDirection::Forward
    };
    let plan = T::plan(len, direction);
    let scale = T::one() / T::from(len).expect("a length fits the float type");
    let finish = |line: &mut [Complex<T>]| {
        if inverse {
            for v in line.iter_mut() {
                *v = *v * scale;
            }
        }
    };
    let block = len * inner;
    let parallel = data.len() >= PARALLEL_ELEMENTS && data.len() / block > 1;
    if inner == 1 {
        // Contiguous lines: the plan transforms every line of a chunk in one call.
        let run = |chunk: &mut [Complex<T>]| {
            plan.process(chunk);
            finish(chunk);
        };
        if parallel {
            data.par_chunks_mut(block).for_each(run);
        } else {
            run(data);
        }
        return;
    }
    // Strided lines: gather each into a buffer, transform, scatter back.
    let run = |chunk: &mut [Complex<T>]| {
        let mut line = vec![Complex::new(T::zero(), T::zero()); len];
        let mut scratch = vec![Complex::new(T::zero(), T::zero()); plan.get_inplace_scratch_len()];
        for j in 0..inner {
            for (k, v) in line.iter_mut().enumerate() {
                *v = chunk[k * inner + j];
            }
            plan.process_with_scratch(&mut line, &mut scratch);
            finish(&mut line);
            for (k, v) in line.iter().enumerate() {
                chunk[k * inner + j] = *v;
            }
        }
    };
    if parallel {
        data.par_chunks_mut(block).for_each(run);
    } else {
        data.chunks_mut(block).for_each(run);
    }
}

/// The real-input transform of each row of `input` (`rows` rows of `n` points): `rows` rows of
/// `n / 2 + 1` complex points.
pub(crate) fn rfft_rows<T: FftFloat>(input: &[T], rows: usize, n: usize) -> Vec<Complex<T>> {
    let m = n / 2 + 1;
    let mut out = vec![Complex::new(T::zero(), T::zero()); rows * m];
    if n == 0 {
        return out;
    }
    let plan = T::plan_forward_real(n);
    let run = |(src, dst): (&[T], &mut [Complex<T>])| {
        let mut buf = src.to_vec();
        plan.process(&mut buf, dst)
            .expect("buffers sized from the plan");
    };
    if rows * n >= PARALLEL_ELEMENTS && rows > 1 {
        input.par_chunks(n).zip(out.par_chunks_mut(m)).for_each(run);
    } else {
        input.chunks(n).zip(out.chunks_mut(m)).for_each(run);
    }
    out
}

/// The inverse of [`rfft_rows`]: `rows` rows of `n / 2 + 1` complex points to `rows` rows of
/// `n` real points, divided by `n`. The imaginary parts of the zero-frequency term (and of the
/// Nyquist term for even `n`) are ignored, as XLA's `IRFFT` ignores them.
pub(crate) fn irfft_rows<T: FftFloat>(input: &[Complex<T>], rows: usize, n: usize) -> Vec<T> {
    let m = n / 2 + 1;
    let mut out = vec![T::zero(); rows * n];
    if n == 0 {
        return out;
    }
    let plan = T::plan_inverse_real(n);
    let scale = T::one() / T::from(n).expect("a length fits the float type");
    let run = |(src, dst): (&[Complex<T>], &mut [T])| {
        let mut buf = src.to_vec();
        buf[0].im = T::zero();
        if n.is_multiple_of(2) {
            buf[m - 1].im = T::zero();
        }
        plan.process(&mut buf, dst)
            .expect("buffers sized from the plan, imaginary parts cleared");
        for v in dst.iter_mut() {
            *v = *v * scale;
        }
    };
    if rows * n >= PARALLEL_ELEMENTS && rows > 1 {
        input.par_chunks(m).zip(out.par_chunks_mut(n)).for_each(run);
    } else {
        input.chunks(m).zip(out.chunks_mut(n)).for_each(run);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition: X[k] = sum_j x[j] exp(-2 pi i j k / n).
    fn naive_dft(x: &[Complex<f64>], inverse: bool) -> Vec<Complex<f64>> {
        let n = x.len();
        let sign = if inverse { 1.0 } else { -1.0 };
        (0..n)
            .map(|k| {
                let s: Complex<f64> = x
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| {
                        let t = sign * 2.0 * std::f64::consts::PI * (j * k) as f64 / n as f64;
                        v * Complex::new(t.cos(), t.sin())
                    })
                    .sum();
                if inverse {
                    s / n as f64
                } else {
                    s
                }
            })
            .collect()
    }

    fn signal(n: usize) -> Vec<Complex<f64>> {
        (0..n)
            .map(|j| {
                Complex::new(
                    (j as f64 * 0.7).sin() + 0.1 * j as f64,
                    (j as f64 * 1.3).cos(),
                )
            })
            .collect()
    }

    fn close(a: &[Complex<f64>], b: &[Complex<f64>]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).norm() < 1e-9 * (1.0 + y.norm()), "{x} vs {y}");
        }
    }

    #[test]
    fn contiguous_and_strided_axes_match_the_definition() {
        // shape (2, 5, 3): transform axis 1 (strided) and axis 2 (contiguous).
        let shape = [2, 5, 3];
        let x = signal(30);
        for axis in [1, 2] {
            let mut got = x.clone();
            complex_fft_axis(&mut got, &shape, axis, false);
            let inner: usize = shape[axis + 1..].iter().product();
            let len = shape[axis];
            for outer in 0..30 / (len * inner) {
                for j in 0..inner {
                    let idx = |k: usize| outer * len * inner + k * inner + j;
                    let line: Vec<_> = (0..len).map(|k| x[idx(k)]).collect();
                    let want = naive_dft(&line, false);
                    let have: Vec<_> = (0..len).map(|k| got[idx(k)]).collect();
                    close(&have, &want);
                }
            }
            complex_fft_axis(&mut got, &shape, axis, true);
            close(&got, &x);
        }
    }

    #[test]
    fn real_transforms_match_the_complex_one() {
        for n in [1, 2, 7, 8] {
            let real: Vec<f64> = signal(n).iter().map(|c| c.re).collect();
            let spectrum = rfft_rows(&real, 1, n);
            let full = naive_dft(
                &real
                    .iter()
                    .map(|&r| Complex::new(r, 0.0))
                    .collect::<Vec<_>>(),
                false,
            );
            close(&spectrum, &full[..n / 2 + 1]);
            let back = irfft_rows(&spectrum, 1, n);
            for (a, b) in back.iter().zip(&real) {
                assert!((a - b).abs() < 1e-9, "n={n}: {back:?} vs {real:?}");
            }
        }
    }
}
