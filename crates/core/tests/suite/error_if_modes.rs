//! `debug::error_if_with` / `branched_error_if` (Equinox's `on_error` modes and
//! `branched_error_if`), checked against what Equinox 0.13.8 does:
//! `vmap(lambda x: eqx.error_if(x, x < 0, "neg", on_error="nan"))([1., -2., 3.])` is all NaN,
//! an int32 value becomes `2147483647`, the gradient passes through unchanged, and a vmapped
//! `branched_error_if` with indices `[0, 1, 2]` fails with the third message.

use equinox_core::debug::{self, ErrorIfOptions, OnError};
use equinox_core::transforms::*;
use equinox_core::{numpy as jnp, Array};

const NAN: ErrorIfOptions = ErrorIfOptions {
    on_error: OnError::Nan,
};
const OFF: ErrorIfOptions = ErrorIfOptions {
    on_error: OnError::Off,
};

fn negative(x: &Array) -> Array {
    jnp::less(x, &jnp::zeros_like(x))
}

#[test]
fn nan_mode_fills_the_value_and_carries_on() {
    let f = |x: &Array| debug::error_if_with(x, &negative(x), "neg", NAN);
    let ok = Array::from_vec(vec![1.0f32, 2.0], [2]);
    assert_eq!(f(&ok).to_vec::<f32>(), vec![1.0, 2.0]);
    assert_eq!(jit(f)(&ok).to_vec::<f32>(), vec![1.0, 2.0]);
    let bad = Array::from_vec(vec![1.0f32, -2.0, 3.0], [3]);
    for y in [f(&bad), jit(f)(&bad), vmap(f)(&bad), jit(vmap(f))(&bad)] {
        assert!(y.to_vec::<f32>().iter().all(|v| v.is_nan()), "{y}");
    }
    // Integers get their maximum, booleans true (Equinox's `_nan_like`).
    let ints = Array::from_vec(vec![1i32, -2], [2]);
    let y = jit(|x: &Array| debug::error_if_with(x, &negative(x), "neg", NAN))(&ints);
    assert_eq!(y.to_vec::<i32>(), vec![i32::MAX, i32::MAX]);
    let flags = Array::from_vec(vec![false, false], [2]);
    let y = debug::error_if_with(&flags, &Array::scalar(true), "always", NAN);
    assert_eq!(y.to_vec::<bool>(), vec![true, true]);
    // The tangent passes through unchanged.
    let g = grad(|x: &Array| debug::error_if_with(x, &negative(x), "neg", NAN).sum(None));
    assert_eq!(g(&ok).to_vec::<f32>(), vec![1.0, 1.0]);
}

#[test]
fn off_mode_checks_nothing_and_leaves_no_equation() {
    let f = |x: &Array| debug::error_if_with(x, &negative(x), "neg", OFF) * 2.0;
    let bad = Array::from_vec(vec![-1.0f32], [1]);
    assert_eq!(jit(f)(&bad).to_vec::<f32>(), vec![-2.0]);
    let program = make_jaxpr(f)(&bad).to_string();
    assert!(!program.contains("error_check"), "{program}");
    let raise = make_jaxpr(|x: &Array| debug::error_if(x, &negative(x), "neg") * 2.0)(&bad);
    assert!(raise.to_string().contains("error_check"), "{raise}");
}

#[test]
fn branched_error_if_fails_with_the_indexed_message() {
    let check =
        |x: &Array, i: &Array| debug::branched_error_if(x, &negative(x), i, &["a", "b", "c"]);
    let bad = Array::from_vec(vec![1.0f32, -2.0, 3.0], [3]);
    let err = debug::checked(|| jit(check)(&bad, &Array::scalar(1i32))).unwrap_err();
    assert_eq!(err.message, "b");
    // Under vmap the largest index of the batch chooses, as in Equinox.
    let idx = Array::from_vec(vec![0i32, 1, 2], [3]);
    let err = debug::checked(|| vmap(check)(&bad, &idx)).unwrap_err();
    assert_eq!(err.message, "c");
    let err = debug::checked(|| jit(vmap(check))(&bad, &idx)).unwrap_err();
    assert_eq!(err.message, "c");
    // Passing checks return the value.
    let ok = jnp::ones([3]);
    assert_eq!(
        jit(check)(&ok, &Array::scalar(7i32)).to_vec::<f32>(),
        vec![1.0; 3]
    );
    // A failing check with an index past the messages is a programmer error, not a check
    // failure (Equinox: IndexError).
    let p = std::panic::catch_unwind(|| check(&bad, &Array::scalar(7i32))).unwrap_err();
    let msg = p.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(
        msg,
        "branched_error_if: the index 7 is out of range for 3 messages"
    );
}
