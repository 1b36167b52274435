//! 8 × 8 transposes of 4-byte elements with AVX shuffles, for the tiled transposing copies of
//! [`super::strided`].
//!
//! Written element by element, a tile's transpose compiles to one scalar load and store per
//! element (LLVM does not turn the index swap into shuffles): the tiled copy of the MLP step's
//! weights (`x · Wᵀ` reads `W` transposed, see `matmul`) took an eighth of the step. Eight row
//! loads, 24 shuffles and eight row stores move the same 64 elements. The elements are moved as
//! raw 32-bit patterns, so any 4-byte type goes through unchanged.

use super::simd::{self, SimdLevel};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m256, _mm256_loadu_ps, _mm256_permute2f128_ps, _mm256_shuffle_ps, _mm256_storeu_ps,
    _mm256_unpackhi_ps, _mm256_unpacklo_ps,
};
use std::mem::MaybeUninit;

/// Whether [`transpose_8x8`] may run: the element is 4 bytes and the loops run at the AVX2
/// level or above ([`simd::active_level`], which implies AVX and honours
/// [`simd::set_max_level`], so capped runs test the element-wise tile).
#[inline]
pub(super) fn available<T>() -> bool {
    cfg!(target_arch = "x86_64")
        && std::mem::size_of::<T>() == 4
        && simd::active_level() >= SimdLevel::Avx2
}

/// Writes `out[dst + k·dst_step + b] = src[starts + b·src_step + k]` for `k, b < 8`: eight
/// contiguous source runs of eight elements, `src_step` apart, become the eight columns of an
/// 8 × 8 block of `out`. Panics if an index is out of bounds; callers check [`available`]
/// first (panics too otherwise).
pub(super) fn transpose_8x8<T: Copy>(
    src: &[T],
    start: isize,
    src_step: isize,
    out: &mut [MaybeUninit<T>],
    dst: usize,
    dst_step: usize,
) {
    assert!(
        available::<T>(),
        "transpose_8x8: needs AVX and 4-byte elements"
    );
    let last_run = start + 7 * src_step;
    let (lo, hi) = (start.min(last_run), start.max(last_run));
    assert!(
        lo >= 0 && hi as usize + 8 <= src.len(),
        "transpose_8x8: source runs at {start} + k·{src_step} outside {} elements",
        src.len()
    );
    assert!(
        dst + 7 * dst_step + 8 <= out.len(),
        "transpose_8x8: rows at {dst} + k·{dst_step} outside {} elements",
        out.len()
    );
    // SAFETY: `available` checked that the CPU has AVX and that `T` is 4 bytes, so `T` and
    // `f32` have the same size and the 32-bit patterns are moved unchanged (any bit pattern is
    // a valid `f32`, and the output is `MaybeUninit`); the asserts above keep every run and
    // row within the slices.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        transpose_avx(
            src.as_ptr().cast::<f32>().offset(start),
            src_step,
            out.as_mut_ptr().cast::<f32>().add(dst),
            dst_step,
        );
    }
}

/// The shuffle network: unpack pairs, then quads, then swap 128-bit halves.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn transpose_avx(src: *const f32, src_step: isize, dst: *mut f32, dst_step: usize) {
    // SAFETY: the caller keeps the eight runs of eight and the eight rows of eight in bounds.
    unsafe {
        let row = |b: isize| _mm256_loadu_ps(src.offset(b * src_step));
        let r: [__m256; 8] = [
            row(0),
            row(1),
            row(2),
            row(3),
            row(4),
            row(5),
            row(6),
            row(7),
        ];
        // Per 128-bit half: pairs (a0 b0 a1 b1), then quads (a0 b0 c0 d0).
        let t = [
            _mm256_unpacklo_ps(r[0], r[1]),
            _mm256_unpackhi_ps(r[0], r[1]),
            _mm256_unpacklo_ps(r[2], r[3]),
            _mm256_unpackhi_ps(r[2], r[3]),
            _mm256_unpacklo_ps(r[4], r[5]),
            _mm256_unpackhi_ps(r[4], r[5]),
            _mm256_unpacklo_ps(r[6], r[7]),
            _mm256_unpackhi_ps(r[6], r[7]),
        ];
        let s = [
            _mm256_shuffle_ps::<0x44>(t[0], t[2]),
            _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
            _mm256_shuffle_ps::<0x44>(t[1], t[3]),
            _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
            _mm256_shuffle_ps::<0x44>(t[4], t[6]),
            _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
            _mm256_shuffle_ps::<0x44>(t[5], t[7]),
            _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
        ];
        // Position k of every run: the low halves hold positions 0-3, the high ones 4-7.
        let out = [
            _mm256_permute2f128_ps::<0x20>(s[0], s[4]),
            _mm256_permute2f128_ps::<0x20>(s[1], s[5]),
            _mm256_permute2f128_ps::<0x20>(s[2], s[6]),
            _mm256_permute2f128_ps::<0x20>(s[3], s[7]),
            _mm256_permute2f128_ps::<0x31>(s[0], s[4]),
            _mm256_permute2f128_ps::<0x31>(s[1], s[5]),
            _mm256_permute2f128_ps::<0x31>(s[2], s[6]),
            _mm256_permute2f128_ps::<0x31>(s[3], s[7]),
        ];
        for (k, v) in out.into_iter().enumerate() {
            _mm256_storeu_ps(dst.add(k * dst_step), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eight_runs_become_eight_columns_bit_for_bit() {
        if !available::<u32>() {
            return;
        }
        // Runs 11 apart (and backwards), NaN payloads included: bits move unchanged.
        let src: Vec<u32> = (0..200u32).map(|i| 0x7fc0_0000 | (i * 7919)).collect();
        for (start, step) in [(3isize, 11isize), (80, -11)] {
            let mut out = vec![MaybeUninit::<u32>::uninit(); 8 * 13 + 2];
            transpose_8x8(&src, start, step, &mut out, 2, 13);
            for k in 0..8 {
                for b in 0..8 {
                    // SAFETY: every element of the block was written.
                    let got = unsafe { out[2 + k * 13 + b].assume_init() };
                    assert_eq!(
                        got,
                        src[(start + b as isize * step) as usize + k],
                        "({k}, {b})"
                    );
                }
            }
        }
    }
}
