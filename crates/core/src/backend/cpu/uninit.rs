//! The one place the CPU kernels write into memory that is not yet (or no longer treated as)
//! initialised. Each kernel body fills `&mut [MaybeUninit<T>]` slots, so the same loop serves
//! a fresh vector (eager primitives: no zeroing pass first) and an existing buffer (the jit
//! executor's planned buffers). The two conversions below are the only `unsafe` of that
//! pattern; their contracts are stated once here and each caller says why it meets them.
//! [`ChunkedFill`] is the safe form for a vector written a piece at a time (a scan's stacked
//! outputs): it tracks which pieces were written and checks them all before the length is set.

use std::mem::MaybeUninit;

/// A vector of `n` elements, all written by `fill`.
///
/// `fill` gets exactly `n` slots of a fresh allocation. If it panics, the vector is dropped
/// with length 0, so nothing uninitialised is ever read or dropped.
///
/// # Safety
///
/// `fill` must initialise every one of the `n` slots it is given before returning normally.
#[inline]
pub(crate) unsafe fn vec_filled_by<T: Copy>(
    n: usize,
    fill: impl FnOnce(&mut [MaybeUninit<T>]),
) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(n);
    super::huge_pages::advise(&mut out);
    let slots = &mut out.spare_capacity_mut()[..n];
    assert_eq!(slots.len(), n, "vec_filled_by: {n} slots expected");
    fill(slots);
    // SAFETY: the capacity is at least n (`with_capacity`, and the slice above would have
    // panicked otherwise), and the caller guarantees `fill` initialised all n slots.
    unsafe { out.set_len(n) };
    out
}

/// Views an initialised buffer as slots to overwrite.
///
/// # Safety
///
/// The caller must only store initialised values through the view (`MaybeUninit::write`, or
/// assigning a `MaybeUninit::new`), never `MaybeUninit::uninit()`: `out` is still a `[T]`
/// once the view ends, and every element must remain a valid `T`.
#[inline]
pub(crate) unsafe fn as_uninit<T: Copy>(out: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: `MaybeUninit<T>` has `T`'s size and alignment, so the slice keeps its length and
    // addresses; `T: Copy`, so overwriting a slot drops nothing; the caller keeps every slot
    // initialised.
    unsafe { &mut *(out as *mut [T] as *mut [MaybeUninit<T>]) }
}

/// A vector of `chunks` chunks of `chunk_len` elements, filled a chunk at a time and in any
/// order by [`ChunkedFill::write`], with no zeroing pass first: a scan's stacked outputs, whose
/// every step writes its own slice once (zeroing them first took 6% of a GRU's batch-32
/// training step). Every chunk must be written before [`ChunkedFill::finish`] gives the vector.
pub(crate) struct ChunkedFill<T> {
    out: Vec<T>,
    chunk_len: usize,
    written: Vec<bool>,
}

impl<T: Copy> ChunkedFill<T> {
    /// Room for `chunks` chunks of `chunk_len` elements, none written yet.
    pub(crate) fn new(chunks: usize, chunk_len: usize) -> ChunkedFill<T> {
        let n = chunks
            .checked_mul(chunk_len)
            .expect("ChunkedFill: the element count overflows");
        let mut out = Vec::with_capacity(n);
        super::huge_pages::advise(&mut out);
        ChunkedFill {
            out,
            chunk_len,
            // Empty chunks have nothing to initialise.
            written: vec![chunk_len == 0; chunks],
        }
    }

    /// The elements of one chunk.
    pub(crate) fn chunk_len(&self) -> usize {
        self.chunk_len
    }

    /// Writes chunk `chunk` (again, if it was written before) from `src`, which holds
    /// [`ChunkedFill::chunk_len`] elements.
    pub(crate) fn write(&mut self, chunk: usize, src: &[T]) {
        let len = self.chunk_len;
        assert!(
            chunk < self.written.len() && src.len() == len,
            "ChunkedFill: chunk {chunk} of {} elements from {} elements, among {} chunks",
            len,
            src.len(),
            self.written.len()
        );
        let slots = &mut self.out.spare_capacity_mut()[chunk * len..(chunk + 1) * len];
        // One bulk copy of the chunk (`T: Copy`), rather than a loop writing each slot.
        // SAFETY: `slots` and `src` hold `len` elements each (asserted above); `slots` is spare
        // capacity of `self.out`, borrowed uniquely through `&mut self`, so `src` cannot
        // overlap it; `T: Copy`, so the bitwise copy is a valid initialisation.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), slots.as_mut_ptr().cast::<T>(), len) };
        self.written[chunk] = true;
    }

    /// The filled vector; panics if a chunk was never written.
    pub(crate) fn finish(mut self) -> Vec<T> {
        if let Some(chunk) = self.written.iter().position(|&w| !w) {
            panic!(
                "ChunkedFill: chunk {chunk} of {} was never written",
                self.written.len()
            );
        }
        let n = self.written.len() * self.chunk_len;
        // SAFETY: the capacity is n (`new`), and every chunk of the n slots was initialised by
        // `write` (checked just above), so all n elements are initialised.
        unsafe { self.out.set_len(n) };
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_written_in_any_order_make_the_whole_vector() {
        let mut fill = ChunkedFill::<u32>::new(4, 3);
        for chunk in [2, 0, 3, 1, 2] {
            let v = chunk as u32 * 10;
            fill.write(chunk, &[v, v + 1, v + 2]);
        }
        assert_eq!(fill.finish(), [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]);
        assert!(ChunkedFill::<f32>::new(0, 5).finish().is_empty());
        assert!(ChunkedFill::<f32>::new(7, 0).finish().is_empty());
    }

    #[test]
    #[should_panic(expected = "chunk 1 of 3 was never written")]
    fn a_missing_chunk_is_refused() {
        let mut fill = ChunkedFill::<f64>::new(3, 2);
        fill.write(0, &[1.0, 2.0]);
        fill.write(2, &[5.0, 6.0]);
        fill.finish();
    }
}
