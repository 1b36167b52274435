//! End-to-end checks of the foundation: arrays round-trip, basic ops and printing.
use crate::common;

use equinox_core::{numpy as jnp, Array, DType};

#[test]
fn from_vec_round_trips_every_dtype() {
    let mut rng = common::Rng::new(1);
    for d in equinox_core::ALL_DTYPES {
        let a = common::random_array(&mut rng, &[2, 3], d);
        assert_eq!(a.dtype(), d);
        assert_eq!(a.shape(), &[2, 3]);
        let back = Array::from_vec(a.to_vec::<f64>(), [2, 3]).astype(d);
        assert_eq!(back.to_vec::<f64>(), a.to_vec::<f64>());
    }
}

#[test]
fn weak_scalars_keep_the_array_dtype() {
    let x = jnp::ones_dtype([3], DType::BF16);
    assert_eq!((&x * 2.0).dtype(), DType::BF16);
    let i = jnp::arange(3);
    assert_eq!((&i + 1).dtype(), DType::I32);
    let f = &i * 2.0;
    assert_eq!(f.dtype(), DType::F32);
    assert!(f.weak_type());
    assert_eq!(f.to_vec::<f32>(), vec![0.0, 2.0, 4.0]);
}

#[test]
fn display_matches_numpy() {
    let x = jnp::arange(6.0).reshape([2, 3]);
    assert_eq!(format!("{x}"), "[[0. 1. 2.]\n [3. 4. 5.]]");
    assert_eq!(
        format!("{x:?}"),
        "Array([[0., 1., 2.],\n       [3., 4., 5.]], dtype=float32)"
    );
    let b = Array::from_vec(vec![true, false], [2]);
    assert_eq!(format!("{b}"), "[ True False]");
}

#[test]
fn scalars_on_either_side() {
    let x = jnp::arange(3.0);
    assert_eq!((2.0 * &x).to_vec::<f32>(), vec![0.0, 2.0, 4.0]);
    assert_eq!((1 - &x).to_vec::<f32>(), vec![1.0, 0.0, -1.0]);
    let lr = 0.5f32;
    assert_eq!((&x * lr).sum(None).item::<f32>(), 1.5);
}

#[test]
#[should_panic(expected = "add: operand 0 (f32[3]) is a filtered-out leaf")]
fn filtered_out_leaves_refuse_arithmetic() {
    let x = Array::filtered_out(jnp::ones([3]).aval().clone());
    assert!(x.is_filtered_out());
    assert_eq!(x.shape(), &[3]);
    let _ = &x + 1.0;
}

#[test]
fn weak_scalars_convert_once_to_the_array_dtype() {
    // 0.1 must reach an f64 computation as 0.1f64, not as 0.1f32 widened.
    let x = jnp::ones_dtype([2], DType::F64);
    let y = &x * 0.1;
    assert_eq!(y.dtype(), DType::F64);
    assert_eq!(y.to_vec::<f64>(), vec![0.1, 0.1]);
    let z = jnp::ones([2]) * 0.1;
    assert_eq!(z.to_vec::<f32>(), vec![0.1f32, 0.1f32]);
    // Large integers keep their value against int64 arrays.
    let big = jnp::ones_dtype([1], DType::I64) * 5_000_000_000i64;
    assert_eq!(big.to_vec::<i64>(), vec![5_000_000_000]);
    // Scalar with scalar stays weak float32, as in JAX's default mode.
    let w = Array::weak_scalar(2.0) * 3.0;
    assert_eq!(w.dtype(), DType::F32);
    assert!(w.weak_type());
}
