//! `config::set_flush_subnormals`: operations flush subnormal floats to zero, as XLA's CPU
//! backend does (`jnp.float32(1e-39) * 1` is 0 in JAX), eagerly, jitted and in loops split
//! across rayon's threads, without changing the caller's own floating-point mode; off, they
//! keep IEEE subnormals. One test: the switch is process-wide. x86-64 only (elsewhere there is
//! no switch).
#![cfg(target_arch = "x86_64")]

use equinox_core::transforms::jit;
use equinox_core::{config, lax, numpy as jnp, Array, Complex32, DType};
use std::hint::black_box;

/// 2^-130, a float32 subnormal; 2^-1000 / 2^-1070 for float64.
const TINY: f32 = f32::from_bits(0x0008_0000);

/// Turns flushing back on even if an assertion fails.
struct Reset;
impl Drop for Reset {
    fn drop(&mut self) {
        config::set_flush_subnormals(true);
    }
}

/// `x * y`, eagerly; the same jitted; and on 2^20 elements (split across rayon's threads).
fn products(x: f32, y: f32) -> (f32, f32, Vec<f32>) {
    let a = Array::from_vec(vec![x], [1]);
    let b = Array::from_vec(vec![y], [1]);
    let eager = jnp::multiply(&a, &b).to_vec::<f32>()[0];
    let jitted = jit(|(a, b): &(Array, Array)| jnp::multiply(a, b))(&(a.clone(), b.clone()));
    let n = 1 << 20;
    let big = jnp::multiply(
        &Array::from_vec(vec![x; n], [n]),
        &Array::from_vec(vec![y; n], [n]),
    );
    (eager, jitted.to_vec::<f32>()[0], big.to_vec::<f32>())
}

#[test]
fn operations_flush_subnormals_as_xla_does_and_the_switch_turns_it_off() {
    let _reset = Reset;
    assert!(config::flush_subnormals(), "on by default");
    assert!(TINY != 0.0 && !TINY.is_normal());

    // A subnormal operand reads as 0 (DAZ); a subnormal result is written as 0 (FTZ).
    for (x, y) in [(TINY, 1.0f32), (1e-30, 1e-10)] {
        let (eager, jitted, big) = products(x, y);
        assert_eq!(eager.to_bits(), 0, "{x} * {y} eagerly");
        assert_eq!(jitted.to_bits(), 0, "{x} * {y} jitted");
        assert!(big.iter().all(|v| v.to_bits() == 0), "{x} * {y} on 2^20");
    }
    // Normal values are untouched, and so is float64's range.
    assert_eq!(products(1e-20, 1e-10).0, 1e-20f32 * 1e-10);
    let d = jnp::multiply(
        &Array::from_vec(vec![1e-300f64], [1]),
        &Array::from_vec(vec![1e-10f64], [1]),
    );
    assert_eq!(
        d.to_vec::<f64>(),
        vec![0.0],
        "1e-310 is a float64 subnormal"
    );
    // Converting to float64 is arithmetic (the operand reads as 0), as in JAX.
    let wide = Array::from_vec(vec![TINY], [1]).astype(DType::F64);
    assert_eq!(
        wide.to_vec::<f64>(),
        vec![0.0],
        "astype(float64) of a subnormal"
    );
    // The caller's own arithmetic keeps IEEE subnormals after the operations.
    assert_eq!(black_box(TINY) * black_box(1.0f32), TINY);

    config::set_flush_subnormals(false);
    assert!(!config::flush_subnormals());
    for (x, y) in [(TINY, 1.0f32), (1e-30, 1e-10)] {
        let want = black_box(x) * black_box(y);
        assert!(want != 0.0);
        let (eager, jitted, big) = products(x, y);
        assert_eq!(eager, want, "{x} * {y} eagerly, flushing off");
        assert_eq!(jitted, want, "{x} * {y} jitted, flushing off");
        assert!(
            big.iter().all(|&v| v == want),
            "{x} * {y} on 2^20, flushing off"
        );
    }

    config::set_flush_subnormals(true);
    let (eager, _, big) = products(TINY, 1.0);
    assert_eq!(eager, 0.0, "on again");
    assert!(
        big.iter().all(|&v| v == 0.0),
        "the pool's threads are switched back"
    );
}

/// What keeps subnormals whichever way the switch is set: operations on the bits, as XLA's,
/// and linear algebra, whose algorithms need them.
#[test]
fn bit_operations_and_linear_algebra_keep_subnormals() {
    let tiny = Array::from_vec(vec![TINY], [1]);
    assert_eq!(jnp::abs(&jnp::negative(&tiny)).to_vec::<f32>(), vec![TINY]);
    assert_eq!(
        jnp::spacing(&Array::from_vec(vec![0.0f32], [1])).to_vec::<f32>(),
        vec![f32::from_bits(1)]
    );
    assert_eq!(
        lax::bitcast_convert_type(&Array::from_vec(vec![1i32], [1]), DType::F32).to_vec::<f32>(),
        vec![f32::from_bits(1)]
    );
    assert_eq!(
        lax::reduce_precision(&tiny, 8, 23).to_vec::<f32>(),
        vec![TINY]
    );
    // A float16 subnormal from a normal float32, and back.
    let half = Array::from_vec(vec![3e-6f32], [1]).astype(DType::F16);
    let back = half.astype(DType::F32).to_vec::<f32>()[0];
    assert!(
        back > 2.9e-6 && back < 3.1e-6,
        "float16 round trip of 3e-6 gave {back}"
    );
    assert_eq!(
        tiny.astype(DType::BF16).astype(DType::F32).to_vec::<f32>(),
        vec![TINY]
    );

    // `faer`'s complex reciprocal goes through the subnormal range for `|z|` in (1/sqrt2, 1):
    // flushed, this solve would return 0.
    let z = Complex32::new(0.8, 0.3);
    let a = Array::from_vec(vec![z], [1, 1]);
    let b = Array::from_vec(vec![Complex32::new(1.0, 0.0)], [1]);
    let x = jnp::linalg::solve(&a, &b).to_vec::<Complex32>()[0];
    let want = Complex32::new(1.0, 0.0) / z;
    assert!(
        (x - want).norm() < 1e-6 * want.norm(),
        "solve of {z}: {x}, want {want}"
    );
}
