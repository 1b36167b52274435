//! A jitted function's steady state allocates no per-equation buffers: counted with a global
//! allocator that records every allocation of at least `LARGE` bytes made by the test's own
//! thread (the test harness allocates on other threads at unpredictable times; the workload is
//! below every parallel threshold, so all of its work runs on the calling thread).
mod common;

use common::{random_array, Rng};
use equinox_core::transforms::Jit;
use equinox_core::{Array, DType};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Allocations at least this large are counted: every intermediate of the test function is
/// 8 KiB, while bookkeeping (argument lists, reference counts, shapes) stays far below.
const LARGE: usize = 1024;

thread_local! {
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn count(size: usize) {
    if size >= LARGE {
        // `try_with`: allocations during thread teardown are not counted.
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
    }
}

struct Counting;

// SAFETY: forwards to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            count(layout.size());
            System.alloc(layout)
        }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            count(layout.size());
            System.alloc_zeroed(layout)
        }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            count(new_size);
            System.realloc(ptr, layout, new_size)
        }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Large allocations made by `n` calls of `f`.
fn large_allocations(n: usize, mut f: impl FnMut()) -> usize {
    let before = COUNT.with(Cell::get);
    for _ in 0..n {
        f();
    }
    COUNT.with(Cell::get) - before
}

/// Two layers of an MLP and an elementwise tail: 10 equations, nine with f32[32,64] results.
fn step((x, w, b): &(Array, Array, Array)) -> (Array, Array) {
    let h1 = (x.matmul(w) + b).tanh();
    let h2 = h1.matmul(w) * 0.5 + &h1;
    let y = (&h2 - x).exp();
    (y.sum(1), h2)
}

#[test]
fn steady_state_allocates_only_outputs() {
    let mut rng = Rng::new(7);
    let args = (
        random_array(&mut rng, &[32, 64], DType::F32),
        random_array(&mut rng, &[64, 64], DType::F32),
        random_array(&mut rng, &[64], DType::F32),
    );
    let eager = large_allocations(10, || drop(step(&args)));
    assert!(
        eager >= 10 * 9,
        "eager evaluation allocates each intermediate ({eager} in 10 calls)"
    );

    // `gemm` packs an operand into a buffer of its own, allocated per product on CPUs whose
    // cache sizes make it pack these shapes: measured on an eager product of the step's shapes
    // (whose one other large allocation is its output), and allowed for the step's two.
    let (x, w) = (&args.0, &args.1);
    let packing = large_allocations(10, || drop(x.matmul(w))) / 10 - 1;
    let products = 2 * packing;

    let jf = Jit::new(step);
    jf.call(&args);
    jf.call(&args);
    // Outputs dropped before the next call: their buffers are reused too.
    let dropped = large_allocations(10, || drop(jf.call(&args)));
    assert_eq!(
        dropped,
        10 * products,
        "large allocations in 10 calls whose outputs were dropped ({products} per call for \
         gemm's packing)"
    );
    // Outputs kept: only the large output (f32[32,64]) needs a new buffer, in each call but
    // the first, which still finds the buffer of the dropped outputs free.
    let mut kept = Vec::with_capacity(10);
    let holding = large_allocations(10, || kept.push(jf.call(&args)));
    assert_eq!(
        holding,
        9 + 10 * products,
        "large allocations in 10 calls whose outputs were kept"
    );
    // Outputs kept until the next call returns, as a training loop does: the executable
    // alternates between two sets of output buffers and allocates nothing.
    let mut previous = jf.call(&args);
    for _ in 0..2 {
        previous = jf.call(&args);
    }
    let training = large_allocations(10, || previous = jf.call(&args));
    assert_eq!(
        training,
        10 * products,
        "large allocations in 10 calls each keeping the last call's outputs"
    );
    let want = step(&args);
    assert_eq!(previous.1.to_vec::<f32>(), want.1.to_vec::<f32>());
    for (y, h) in &kept {
        assert_eq!(y.to_vec::<f32>(), want.0.to_vec::<f32>());
        assert_eq!(h.to_vec::<f32>(), want.1.to_vec::<f32>());
    }
}
