//! `eqx::debug::assert_max_traces`: the max-traces cases of Equinox's `tests/test_debug.py`
//! (`backward_nan` and `store_dce`/`inspect_dce` do not exist in this crate).

use equinox as eqx;
use equinox_testing::panics::panic_message;
use eqx::nn;
use eqx::{numpy as jnp, random, Array};

#[test]
fn test_max_traces() {
    let f = eqx::filter_jit(eqx::debug::assert_max_traces(|x: &Array| x + 1, 1));
    assert_eq!(f(&Array::scalar(1i32)).item::<i32>(), 2);
    assert_eq!(f(&Array::scalar(2i32)).item::<i32>(), 3);
    let msg = panic_message(|| {
        f(&Array::scalar(3.0f32));
    });
    assert!(
        msg.contains("can only be traced 1 times. However, it has now been traced 2 times"),
        "{msg}"
    );
    // It names the argument and how it changed.
    assert!(
        msg.contains("trace 1: at `.0`: was i32[], now f32[]"),
        "{msg}"
    );
}

#[test]
fn test_max_traces_clone() {
    let lin = nn::Linear::new(3, 4, random::key(0));
    let (counted, traces) =
        eqx::debug::assert_max_traces_counted(|l: &nn::Linear, x: &Array| l.forward(x), 2);
    let f = eqx::filter_jit(counted);
    let out = f(&lin, &jnp::ones([3]));
    assert!(eqx::tree_equal(&out, &lin.forward(&jnp::ones([3]))));
    assert_eq!(traces.get(), 1);
    // A copy of the layer (Python's flatten/unflatten clone) shares the compiled program.
    let lin2 = eqx::tree::map(&lin, Array::clone);
    f(&lin2, &jnp::ones([3]));
    assert_eq!(traces.get(), 1);
    f(&lin2, &Array::from_vec(vec![1i32, 2, 3], [3]));
    assert_eq!(traces.get(), 2);
    let msg = panic_message(|| {
        f(&lin, &Array::from_vec(vec![false; 3], [3]));
    });
    assert!(msg.contains("can only be traced 2 times"), "{msg}");
    assert!(
        msg.contains("trace 1: at `.1`: was f32[3], now bool[3]"),
        "{msg}"
    );
    assert!(
        msg.contains("trace 2: at `.1`: was i32[3], now bool[3]"),
        "{msg}"
    );
    assert_eq!(traces.get(), 3);
}

#[test]
fn test_max_traces_static_argument() {
    let f = eqx::filter_jit(eqx::debug::assert_max_traces(
        |x: &Array, n: &i32| x * *n,
        1,
    ));
    assert_eq!(f(&Array::scalar(2.0f32), &3).item::<f32>(), 6.0);
    assert_eq!(f(&Array::scalar(4.0f32), &3).item::<f32>(), 12.0);
    let msg = panic_message(|| {
        f(&Array::scalar(2.0f32), &4);
    });
    assert!(msg.contains("trace 1: at `.1`"), "{msg}");
}

#[test]
fn test_max_traces_without_jit_counts_every_call() {
    let (f, traces) = eqx::debug::assert_max_traces_counted(|x: &Array| x * 2.0, 2);
    f(&jnp::ones([2]));
    f(&jnp::ones([2]));
    assert_eq!(traces.get(), 2);
    let msg = panic_message(|| {
        f(&jnp::ones([2]));
    });
    assert!(msg.contains("equal those of trace 1"), "{msg}");
}
