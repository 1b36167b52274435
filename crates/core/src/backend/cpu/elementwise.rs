//! Elementwise loops: one monomorphised, auto-vectorisable loop per (op, dtype), split across
//! threads for large arrays.
//!
//! Each loop exists once, writing into a caller-provided buffer (`*_into`, what the compiled
//! executor uses with its planned buffers); the allocating versions (what eager primitives use)
//! hand that same loop the spare capacity of a fresh vector, so both give identical results.

use super::simd::{dispatch, Kernel};
use super::uninit::{as_uninit, vec_filled_by};
use super::PARALLEL_THRESHOLD;
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// Chunk size for parallel loops: large enough to amortise scheduling, small enough to balance.
const CHUNK: usize = 1 << 14;

/// A vector of `n` results written by `fill`, one of the `*_uninit` loops below.
#[inline]
fn collect_into<D: Copy>(n: usize, fill: impl FnOnce(&mut [MaybeUninit<D>])) -> Vec<D> {
    // SAFETY: every `*_uninit` loop below writes each slot of the output it is given (or
    // panics first, on mismatched lengths).
    unsafe { vec_filled_by(n, fill) }
}

/// Views an existing output buffer as slots for the `*_uninit` loops.
#[inline]
fn as_slots<D: Copy>(out: &mut [D]) -> &mut [MaybeUninit<D>] {
    // SAFETY: the `*_uninit` loops only store computed values (`MaybeUninit::write`).
    unsafe { as_uninit(out) }
}

/// The serial loop of [`map_uninit`], compiled per SIMD level.
struct MapLoop<'a, A, D, F> {
    a: &'a [A],
    out: &'a mut [MaybeUninit<D>],
    f: &'a F,
}

impl<A: Copy, D, F: Fn(A) -> D> Kernel for MapLoop<'_, A, D, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        map_loop(self.a, self.out, self.f)
    }
}

/// The loops proper take their slices and closure as arguments, not as fields of the kernel:
/// as arguments they carry `noalias`, which (kept through inlining) tells LLVM that the
/// output's stores cannot change what the closure captured (e.g. a broadcast scalar), so it
/// loads captures once and vectorises.
#[inline(always)]
fn map_loop<A: Copy, D>(a: &[A], out: &mut [MaybeUninit<D>], f: &impl Fn(A) -> D) {
    for (o, &x) in out.iter_mut().zip(a) {
        o.write(f(x));
    }
}

/// The serial loop of [`map_patched_uninit`], compiled per SIMD level.
struct PatchedMapLoop<'a, A, D, F, R, S> {
    a: &'a [A],
    out: &'a mut [MaybeUninit<D>],
    fast: &'a F,
    rare: &'a R,
    slow: &'a S,
}

impl<A, D, F, R, S> Kernel for PatchedMapLoop<'_, A, D, F, R, S>
where
    A: Copy,
    F: Fn(A) -> D,
    R: Fn(A) -> bool,
    S: Fn(A) -> D,
{
    type Output = ();
    #[inline(always)]
    fn run(self) {
        patched_map_loop(self.a, self.out, self.fast, self.rare, self.slow)
    }
}

/// Elements per block of [`patched_map_loop`]: the patch pass re-reads a block that is still in
/// the L1 cache.
const PATCH_BLOCK: usize = 1024;

/// [`map_loop`] block by block, each block followed by a check for `rare` inputs (an
/// or-reduction, which vectorises) and, only where one was found, a scalar pass that rewrites
/// those elements with `slow`.
#[inline(always)]
fn patched_map_loop<A: Copy, D>(
    a: &[A],
    out: &mut [MaybeUninit<D>],
    fast: &impl Fn(A) -> D,
    rare: &impl Fn(A) -> bool,
    slow: &impl Fn(A) -> D,
) {
    for (out, a) in out.chunks_mut(PATCH_BLOCK).zip(a.chunks(PATCH_BLOCK)) {
        map_loop(a, out, fast);
        if a.iter().fold(false, |any, &x| any | rare(x)) {
            for (o, &x) in out.iter_mut().zip(a) {
                if rare(x) {
                    o.write(slow(x));
                }
            }
        }
    }
}

/// The serial loop of [`zip_map_uninit`], compiled per SIMD level.
struct ZipLoop<'a, A, B, D, F> {
    a: &'a [A],
    b: &'a [B],
    out: &'a mut [MaybeUninit<D>],
    f: &'a F,
}

impl<A: Copy, B: Copy, D, F: Fn(A, B) -> D> Kernel for ZipLoop<'_, A, B, D, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        zip_loop(self.a, self.b, self.out, self.f)
    }
}

/// See [`map_loop`].
#[inline(always)]
fn zip_loop<A: Copy, B: Copy, D>(
    a: &[A],
    b: &[B],
    out: &mut [MaybeUninit<D>],
    f: &impl Fn(A, B) -> D,
) {
    for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
        o.write(f(x, y));
    }
}

/// The serial loop of [`zip3_map_uninit`] over `out`, whose first element is element `start`
/// of the whole output; compiled per SIMD level.
struct Zip3Loop<'a, D, F> {
    start: usize,
    out: &'a mut [MaybeUninit<D>],
    body: &'a F,
}

impl<D, F: Fn(usize) -> D> Kernel for Zip3Loop<'_, D, F> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        zip3_loop(self.start, self.out, self.body)
    }
}

/// See [`map_loop`].
#[inline(always)]
fn zip3_loop<D>(start: usize, out: &mut [MaybeUninit<D>], body: &impl Fn(usize) -> D) {
    for (i, o) in out.iter_mut().enumerate() {
        o.write(body(start + i));
    }
}

fn map_uninit<A, D>(a: &[A], out: &mut [MaybeUninit<D>], f: impl Fn(A) -> D + Sync)
where
    A: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    assert_eq!(a.len(), out.len(), "map: input and output lengths differ");
    if a.len() < PARALLEL_THRESHOLD {
        dispatch(MapLoop { a, out, f: &f });
        return;
    }
    out.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK))
        .for_each(|(out, a)| dispatch(MapLoop { a, out, f: &f }));
}

fn map_patched_uninit<A, D>(
    a: &[A],
    out: &mut [MaybeUninit<D>],
    fast: impl Fn(A) -> D + Sync,
    rare: impl Fn(A) -> bool + Sync,
    slow: impl Fn(A) -> D + Sync,
) where
    A: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    assert_eq!(a.len(), out.len(), "map: input and output lengths differ");
    let run = |a, out| {
        dispatch(PatchedMapLoop {
            a,
            out,
            fast: &fast,
            rare: &rare,
            slow: &slow,
        })
    };
    if a.len() < PARALLEL_THRESHOLD {
        run(a, out);
        return;
    }
    out.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK))
        .for_each(|(out, a)| run(a, out));
}

fn zip_map_uninit<A, B, D>(
    a: &[A],
    b: &[B],
    out: &mut [MaybeUninit<D>],
    f: impl Fn(A, B) -> D + Sync,
) where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    match (a.len(), b.len()) {
        // `move`: the broadcast element is copied into the closure (which the loop knows is
        // not written), rather than read through a reference on every iteration.
        // `inline(always)` keeps `f`'s body (inlined into these wrappers) in the loop.
        (1, n) if n != 1 => {
            let x = a[0];
            map_uninit(
                b,
                out,
                #[inline(always)]
                move |y| f(x, y),
            )
        }
        (n, 1) if n != 1 => {
            let y = b[0];
            map_uninit(
                a,
                out,
                #[inline(always)]
                move |x| f(x, y),
            )
        }
        (n, m) => {
            assert!(n == m && n == out.len(), "zip_map: operand lengths differ");
            if n < PARALLEL_THRESHOLD {
                dispatch(ZipLoop { a, b, out, f: &f });
                return;
            }
            out.par_chunks_mut(CHUNK)
                .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
                .for_each(|(out, (a, b))| dispatch(ZipLoop { a, b, out, f: &f }));
        }
    }
}

fn zip3_map_uninit<A, B, C, D>(
    a: &[A],
    b: &[B],
    c: &[C],
    out: &mut [MaybeUninit<D>],
    f: impl Fn(A, B, C) -> D + Sync,
) where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    C: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    let at = |s: usize| if s == 1 { 0 } else { 1 };
    let (sa, sb, sc) = (at(a.len()), at(b.len()), at(c.len()));
    let body = |i: usize| f(a[i * sa], b[i * sb], c[i * sc]);
    if out.len() < PARALLEL_THRESHOLD {
        dispatch(Zip3Loop {
            start: 0,
            out,
            body: &body,
        });
        return;
    }
    out.par_chunks_mut(CHUNK).enumerate().for_each(|(k, out)| {
        dispatch(Zip3Loop {
            start: k * CHUNK,
            out,
            body: &body,
        })
    });
}

/// `out[i] = f(a[i])`.
#[inline]
pub fn map<A: Copy + Send + Sync, D: Copy + Send + Sync>(
    a: &[A],
    f: impl Fn(A) -> D + Sync,
) -> Vec<D> {
    collect_into(a.len(), |out| map_uninit(a, out, f))
}

/// [`map`] into an existing buffer of the same length.
#[inline]
pub fn map_into<A: Copy + Send + Sync, D: Copy + Send + Sync>(
    a: &[A],
    out: &mut [D],
    f: impl Fn(A) -> D + Sync,
) {
    map_uninit(a, as_slots(out), f)
}

/// `out[i] = f(a[i])` where `fast` is a vectorisable formula that is wrong for a few `rare`
/// inputs, which `slow` recomputes (e.g. `sin` of huge arguments, whose reduction needs more
/// digits of π than the vectorised one carries).
#[inline]
pub fn map_patched<A: Copy + Send + Sync, D: Copy + Send + Sync>(
    a: &[A],
    fast: impl Fn(A) -> D + Sync,
    rare: impl Fn(A) -> bool + Sync,
    slow: impl Fn(A) -> D + Sync,
) -> Vec<D> {
    collect_into(a.len(), |out| map_patched_uninit(a, out, fast, rare, slow))
}

/// [`map_patched`] into an existing buffer of the same length.
#[inline]
pub fn map_patched_into<A: Copy + Send + Sync, D: Copy + Send + Sync>(
    a: &[A],
    out: &mut [D],
    fast: impl Fn(A) -> D + Sync,
    rare: impl Fn(A) -> bool + Sync,
    slow: impl Fn(A) -> D + Sync,
) {
    map_patched_uninit(a, as_slots(out), fast, rare, slow)
}

/// The output length of a [`zip_map`]: the longer side (a single element broadcasts).
fn zip_len(a: usize, b: usize) -> usize {
    if a == 1 {
        b
    } else {
        a
    }
}

/// `out[i] = f(a[i], b[i])`, where either side may be a single element broadcast to all.
#[inline]
pub fn zip_map<A, B, D>(a: &[A], b: &[B], f: impl Fn(A, B) -> D + Sync) -> Vec<D>
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    collect_into(zip_len(a.len(), b.len()), |out| {
        zip_map_uninit(a, b, out, f)
    })
}

/// [`zip_map`] into an existing buffer of the output's length.
#[inline]
pub fn zip_map_into<A, B, D>(a: &[A], b: &[B], out: &mut [D], f: impl Fn(A, B) -> D + Sync)
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    zip_map_uninit(a, b, as_slots(out), f)
}

/// `out[i] = f(a[i], b[i], c[i])`, where any side may be a single broadcast element.
#[inline]
pub fn zip3_map<A, B, C, D>(
    a: &[A],
    b: &[B],
    c: &[C],
    n: usize,
    f: impl Fn(A, B, C) -> D + Sync,
) -> Vec<D>
where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    C: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    collect_into(n, |out| zip3_map_uninit(a, b, c, out, f))
}

/// [`zip3_map`] into an existing buffer (its length is the output's).
#[inline]
pub fn zip3_map_into<A, B, C, D>(
    a: &[A],
    b: &[B],
    c: &[C],
    out: &mut [D],
    f: impl Fn(A, B, C) -> D + Sync,
) where
    A: Copy + Send + Sync,
    B: Copy + Send + Sync,
    C: Copy + Send + Sync,
    D: Copy + Send + Sync,
{
    zip3_map_uninit(a, b, c, as_slots(out), f)
}

/// Where an elementwise loop puts its results: a new vector ([`NewVec`], what eager primitives
/// use) or an existing buffer ([`IntoSlice`], what the jit executor's kernels use). A
/// primitive's per-element formulas are written once, generic over the sink, so both paths run
/// the same formula through the same loop.
pub trait Sink<D> {
    /// What the loop returns: the vector, or nothing.
    type Out;
    /// [`map`] / [`map_into`].
    fn map<A: Copy + Send + Sync>(self, a: &[A], f: impl Fn(A) -> D + Sync) -> Self::Out;
    /// [`map_patched`] / [`map_patched_into`].
    fn map_patched<A: Copy + Send + Sync>(
        self,
        a: &[A],
        fast: impl Fn(A) -> D + Sync,
        rare: impl Fn(A) -> bool + Sync,
        slow: impl Fn(A) -> D + Sync,
    ) -> Self::Out;
    /// [`zip_map`] / [`zip_map_into`].
    fn zip_map<A: Copy + Send + Sync, B: Copy + Send + Sync>(
        self,
        a: &[A],
        b: &[B],
        f: impl Fn(A, B) -> D + Sync,
    ) -> Self::Out;
}

/// A [`Sink`] that allocates the output.
pub struct NewVec;

impl<D: Copy + Send + Sync> Sink<D> for NewVec {
    type Out = Vec<D>;
    #[inline]
    fn map<A: Copy + Send + Sync>(self, a: &[A], f: impl Fn(A) -> D + Sync) -> Vec<D> {
        map(a, f)
    }
    #[inline]
    fn map_patched<A: Copy + Send + Sync>(
        self,
        a: &[A],
        fast: impl Fn(A) -> D + Sync,
        rare: impl Fn(A) -> bool + Sync,
        slow: impl Fn(A) -> D + Sync,
    ) -> Vec<D> {
        map_patched(a, fast, rare, slow)
    }
    #[inline]
    fn zip_map<A: Copy + Send + Sync, B: Copy + Send + Sync>(
        self,
        a: &[A],
        b: &[B],
        f: impl Fn(A, B) -> D + Sync,
    ) -> Vec<D> {
        zip_map(a, b, f)
    }
}

/// A [`Sink`] that overwrites a buffer of the output's length.
pub struct IntoSlice<'a, D>(pub &'a mut [D]);

impl<D: Copy + Send + Sync> Sink<D> for IntoSlice<'_, D> {
    type Out = ();
    #[inline]
    fn map<A: Copy + Send + Sync>(self, a: &[A], f: impl Fn(A) -> D + Sync) {
        map_into(a, self.0, f)
    }
    #[inline]
    fn map_patched<A: Copy + Send + Sync>(
        self,
        a: &[A],
        fast: impl Fn(A) -> D + Sync,
        rare: impl Fn(A) -> bool + Sync,
        slow: impl Fn(A) -> D + Sync,
    ) {
        map_patched_into(a, self.0, fast, rare, slow)
    }
    #[inline]
    fn zip_map<A: Copy + Send + Sync, B: Copy + Send + Sync>(
        self,
        a: &[A],
        b: &[B],
        f: impl Fn(A, B) -> D + Sync,
    ) {
        zip_map_into(a, b, self.0, f)
    }
}
