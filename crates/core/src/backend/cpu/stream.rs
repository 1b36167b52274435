//! Non-temporal ("streaming") copies: stores that write whole cache lines without reading them
//! first and leave them out of the caches. For outputs much larger than the caches, this nearly
//! halves the memory traffic of writing them.

/// Element types whose every byte is initialised (no padding), so a streaming copy may move
/// them as raw bytes.
pub trait NoPadding: Copy {}
impl NoPadding for f32 {}
impl NoPadding for f64 {}
impl NoPadding for i32 {}
impl NoPadding for bool {}

/// Copies `src` into `dst`, the 16-byte-aligned middle of `dst` with non-temporal stores.
/// Call [`stream_fence`] before another thread may read `dst`.
///
/// Panics if the lengths differ.
pub fn stream_copy<T: NoPadding>(src: &[T], dst: &mut [T]) {
    assert_eq!(
        src.len(),
        dst.len(),
        "stream_copy: source and destination lengths differ"
    );
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};
        let bytes = std::mem::size_of_val(dst);
        let s = src.as_ptr().cast::<u8>();
        let d = dst.as_mut_ptr().cast::<u8>();
        let head = d.align_offset(16).min(bytes);
        let body = (bytes - head) / 16 * 16;
        // SAFETY: both buffers span `bytes` bytes (equal lengths of the same `T`) and cannot
        // overlap (a shared and a mutable borrow). Every access below lies in
        // `0..bytes`: the head, then 16-byte chunks up to `head + body <= bytes`, then the tail.
        // `d + k` is 16-byte aligned for each chunk (`head` aligns it; chunks step by 16), as
        // `_mm_stream_si128` requires; SSE2 is part of x86_64. `T` has no padding, so every
        // byte read is initialised, and the destination ends up holding `src`'s values.
        unsafe {
            std::ptr::copy_nonoverlapping(s, d, head);
            for k in (head..head + body).step_by(16) {
                let x = _mm_loadu_si128(s.add(k).cast::<__m128i>());
                _mm_stream_si128(d.add(k).cast::<__m128i>(), x);
            }
            std::ptr::copy_nonoverlapping(
                s.add(head + body),
                d.add(head + body),
                bytes - head - body,
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Orders this thread's non-temporal stores before its later stores (the signal that its
/// part of a loop is done).
pub fn stream_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sfence` only orders stores; SSE is part of x86_64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_copies_equal_plain_ones_at_every_alignment() {
        let src: Vec<f32> = (0..103).map(|i| i as f32 * 0.5).collect();
        for start in 0..4 {
            for len in [0, 1, 3, 4, 5, 17, 64, 99] {
                let mut dst = vec![-1.0f32; 103];
                stream_copy(&src[..len], &mut dst[start..start + len]);
                stream_fence();
                assert_eq!(&dst[start..start + len], &src[..len]);
                assert!(dst[..start].iter().all(|&v| v == -1.0));
                assert!(dst[start + len..].iter().all(|&v| v == -1.0));
            }
        }
    }
}
