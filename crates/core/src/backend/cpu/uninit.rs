//! The one place the CPU kernels write into memory that is not yet (or no longer treated as)
//! initialised. Each kernel body fills `&mut [MaybeUninit<T>]` slots, so the same loop serves
//! a fresh vector (eager primitives: no zeroing pass first) and an existing buffer (the jit
//! executor's planned buffers). The two conversions below are the only `unsafe` of that
//! pattern; their contracts are stated once here and each caller says why it meets them.

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
