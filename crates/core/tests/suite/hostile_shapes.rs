//! Shapes whose element count does not fit in a `usize` are refused with a message at the
//! point they are made (array constructors, `zeros`, `reshape`, `broadcast_to`, abstract
//! values), instead of wrapping around to a small count that lets a kernel index past its
//! buffer (issue: `from_vec(vec![1.0, 2.0], [2^63 + 1, 2]).matmul(..)` used to segfault).

use equinox_core::array::{Shape, ShapeDtype};
use equinox_core::lax::GatherScatterMode;
use equinox_core::{numpy as jnp, s, Array, DType};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The panic message of `f`, which must panic.
fn panic_of(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

fn assert_refused(what: &str, f: impl FnOnce()) {
    let msg = panic_of(f);
    assert!(
        msg.contains("is too big: the product of its non-zero dimensions exceeds isize::MAX"),
        "{what}: unexpected message {msg:?}"
    );
}

#[test]
fn overflowing_shapes_are_refused_where_they_are_made() {
    let huge = (1usize << 63) + 1;
    assert_refused("from_vec", || {
        let a = Array::from_vec(vec![1.0f32, 2.0], [huge, 2]);
        drop(a.matmul(&jnp::ones([2, 2])));
    });
    assert_refused("zeros", || drop(jnp::zeros([1024, 1 << 62]).sum(1)));
    assert_refused("zeros 2^32 x 2^32", || drop(jnp::zeros([1 << 32, 1 << 32])));
    assert_refused("reshape", || {
        drop(jnp::ones([2]).reshape([1usize << 62, 8]));
    });
    assert_refused("broadcast_to", || {
        drop(jnp::broadcast_to(&jnp::ones([1, 1]), [1 << 40, 1 << 40]));
    });
    assert_refused("ShapeDtype", || {
        drop(ShapeDtype::new([1usize << 40, 1 << 40], DType::F32));
    });
}

#[test]
fn counts_that_fit_are_exact_and_empty_shapes_have_no_elements() {
    assert_eq!(
        Shape::new(&[1 << 31, 1 << 31]).checked_size(),
        Some(1 << 62)
    );
    assert_eq!(Shape::new(&[1 << 32, 1 << 32]).checked_size(), None);
    assert_eq!(Shape::new(&[]).size(), 1);
    // A zero dimension empties the shape: 0 elements, and its other dimensions may be large
    // as long as their product is addressable (numpy's rule).
    let empty = Shape::new(&[1 << 30, 0, 1 << 30]);
    assert_eq!(empty.size(), 0);
    assert_eq!(empty.strides().as_slice(), &[0, 1 << 30, 1]);
    assert_eq!(jnp::zeros([0, 1 << 40]).size(), 0);
    // ... but not when they multiply past isize::MAX: kernels multiply dimensions freely.
    assert_eq!(Shape::new(&[1 << 40, 0, 1 << 40]).checked_size(), None);
    assert_eq!(Shape::new(&[1 << 62, 1 << 62, 4, 0]).checked_size(), None);
    assert_eq!(Shape::new(&[1 << 62, 2]).checked_size(), None);
    assert_refused("zeros with a zero dimension", || {
        drop(jnp::zeros([1 << 62, 1 << 62, 4, 0]))
    });
}

#[test]
fn slices_with_huge_steps_and_updates_into_empty_operands_stay_small() {
    // A step far past the axis's end selects one element; the kernel must not multiply it
    // by the stride (found by the shapes_indexing fuzzer: `attempt to multiply with overflow`).
    let x = Array::from_vec((0..12).collect::<Vec<i32>>(), [3, 4]);
    let y = x.index(s![..;1i64 << 62, 1..;i64::MAX]);
    assert_eq!(y.shape(), &[1, 1]);
    assert_eq!(y.to_vec::<i32>(), vec![1]);
    // An update into an operand with no elements writes nothing, even where the indexed shape
    // is huge ([2^40, 3] here): it must not be broadcast to that shape (the fuzzer's
    // multi-terabyte allocation) but is still checked against it.
    let empty = jnp::zeros([1 << 40, 0]);
    let idx = Array::from_vec(vec![0i32, 1, 2], [3]);
    let at = empty.at(s![.., &idx]).mode(GatherScatterMode::FillOrDrop);
    let out = at.set(jnp::ones([3]));
    assert_eq!(out.shape(), &[1 << 40, 0]);
    assert_eq!(out.dtype(), DType::F32);
    let msg = panic_of(|| drop(at.set(jnp::ones([2]))));
    assert!(
        msg.contains("at: Incompatible types for broadcasting"),
        "{msg}"
    );
}

#[test]
fn shapes_whose_bytes_overflow_isize_are_refused_like_numpy() {
    // 2^61 f32 elements fit isize, their 2^63 bytes do not (numpy: "array is too big").
    // Found by the shapes_indexing fuzzer: take_along_axis zero-filled such a result and the
    // kernel's allocation panicked with "capacity overflow".
    assert_eq!(Shape::new(&[1 << 61]).checked_size(), Some(1 << 61));
    assert_eq!(Shape::new(&[1 << 61]).checked_nbytes(4), None);
    assert_eq!(Shape::new(&[1 << 61]).checked_nbytes(2), Some(1 << 62));
    assert_eq!(Shape::new(&[1 << 61, 0]).checked_nbytes(4), None);
    assert_eq!(Shape::new(&[1 << 20, 0]).checked_nbytes(8), Some(0));
    let msg = panic_of(|| drop(jnp::zeros([1 << 61])));
    assert!(
        msg.contains("is too big for float32") && msg.contains("exceeds isize::MAX bytes"),
        "{msg}"
    );
    let msg = panic_of(|| drop(ShapeDtype::new([1usize << 60], DType::F64)));
    assert!(msg.contains("is too big for float64"), "{msg}");
    // A primitive's result is checked the same way before any kernel runs.
    let msg = panic_of(|| {
        drop(jnp::broadcast_to(
            &Array::from_vec(vec![1i64], [1, 1]),
            [1 << 31, 1 << 30],
        ))
    });
    assert!(msg.contains("is too big for int64"), "{msg}");
    // Bool and 8-bit arrays may use the whole range.
    assert_eq!(Shape::new(&[1 << 62]).checked_nbytes(1), Some(1 << 62));
}
