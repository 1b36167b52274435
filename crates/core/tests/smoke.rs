//! End-to-end checks of the foundation: arrays round-trip, basic ops and printing.
mod common;

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
