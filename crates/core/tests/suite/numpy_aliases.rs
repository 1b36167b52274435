//! `jax.numpy`'s alternative names and one-operation helpers (`numpy/aliases.rs`): each alias
//! gives the same bits as the function it names (those are checked against JAX elsewhere), and
//! the helpers follow JAX's definitions.

use equinox_core::{numpy as jnp, Array, DType};

fn bits(x: &Array) -> Vec<u32> {
    x.astype(DType::F32)
        .to_vec::<f32>()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

fn sample() -> Array {
    Array::from_vec(vec![-0.9f32, -0.5, 0.0, 0.25, 0.5, 0.99], [6])
}

#[test]
fn aliases_give_the_same_bits_as_the_functions_they_name() {
    let x = sample();
    let y = Array::from_vec(vec![1.0f32, -2.0, 0.5, 3.0, -0.25, 1.0], [6]);
    let big = &x.abs() + 1.0f32;
    assert_eq!(bits(&jnp::acos(&x)), bits(&jnp::arccos(&x)));
    assert_eq!(bits(&jnp::asin(&x)), bits(&jnp::arcsin(&x)));
    assert_eq!(bits(&jnp::atan(&x)), bits(&jnp::arctan(&x)));
    assert_eq!(bits(&jnp::atanh(&x)), bits(&jnp::arctanh(&x)));
    assert_eq!(bits(&jnp::asinh(&x)), bits(&jnp::arcsinh(&x)));
    assert_eq!(bits(&jnp::acosh(&big)), bits(&jnp::arccosh(&big)));
    assert_eq!(bits(&jnp::atan2(&x, &y)), bits(&jnp::arctan2(&x, &y)));
    assert_eq!(bits(&jnp::amax(&x, None)), bits(&jnp::max(&x, None)));
    assert_eq!(bits(&jnp::amin(&x, None)), bits(&jnp::min(&x, None)));
    assert_eq!(bits(&jnp::around(&y)), bits(&jnp::round(&y)));
    assert_eq!(bits(&jnp::mod_(&x, &y)), bits(&jnp::remainder(&x, &y)));
    let m = jnp::arange(6.0).reshape([2, 3]);
    assert_eq!(
        bits(&jnp::concat(&[&m, &m], 0)),
        bits(&jnp::concatenate(&[&m, &m], 0))
    );
    assert_eq!(
        bits(&jnp::permute_dims(&m, &[1, 0])),
        bits(&jnp::transpose(&m, None))
    );
    let i = Array::from_vec(vec![1i32, -3, 7], [3]);
    let s = Array::from_vec(vec![1i32, 2, 3], [3]);
    assert_eq!(jnp::invert(&i).to_vec::<i32>(), vec![-2, 2, -8]);
    assert_eq!(jnp::bitwise_invert(&i).to_vec::<i32>(), vec![-2, 2, -8]);
    assert_eq!(
        jnp::bitwise_left_shift(&i, &s).to_vec::<i32>(),
        vec![2, -12, 56]
    );
    assert_eq!(
        jnp::bitwise_right_shift(&i, &s).to_vec::<i32>(),
        vec![0, -1, 0]
    );
}

#[test]
fn degrees_and_radians_multiply_by_the_constant_rounded_to_the_dtype() {
    let x = Array::from_vec(vec![0.0f32, 90.0, -180.0, 33.3], [4]);
    let k = (std::f64::consts::PI / 180.0) as f32;
    let want: Vec<f32> = x.to_vec::<f32>().iter().map(|v| v * k).collect();
    assert_eq!(jnp::deg2rad(&x).to_vec::<f32>(), want);
    assert_eq!(jnp::radians(&x).to_vec::<f32>(), want);
    let k = (180.0 / std::f64::consts::PI) as f32;
    let want: Vec<f32> = x.to_vec::<f32>().iter().map(|v| v * k).collect();
    assert_eq!(jnp::rad2deg(&x).to_vec::<f32>(), want);
    assert_eq!(jnp::degrees(&x).to_vec::<f32>(), want);
    // Integers are promoted to float32 first.
    let d = jnp::deg2rad(&Array::from_vec(vec![180i32], [1]));
    assert_eq!(d.dtype(), DType::F32);
    assert_eq!(
        d.to_vec::<f32>(),
        vec![180.0 * (std::f64::consts::PI / 180.0) as f32]
    );
}

#[test]
fn fmax_and_fmin_ignore_one_nan() {
    let nan = f32::NAN;
    let a = Array::from_vec(vec![1.0f32, nan, 3.0, nan, -0.0], [5]);
    let b = Array::from_vec(vec![2.0f32, 0.5, nan, nan, 0.0], [5]);
    let got = jnp::fmax(&a, &b).to_vec::<f32>();
    assert_eq!(&got[..3], &[2.0, 0.5, 3.0]);
    assert!(got[3].is_nan());
    // Equal values: JAX's `where(x1 > x2 | isnan(x2), x1, x2)` takes x2.
    assert_eq!(got[4].to_bits(), 0.0f32.to_bits());
    let got = jnp::fmin(&a, &b).to_vec::<f32>();
    assert_eq!(&got[..3], &[1.0, 0.5, 3.0]);
    assert!(got[3].is_nan());
}

#[test]
fn signed_infinities_rint_fabs_and_the_rest() {
    let x = Array::from_vec(vec![f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1.0], [4]);
    assert_eq!(
        jnp::isposinf(&x).to_vec::<bool>(),
        vec![true, false, false, false]
    );
    assert_eq!(
        jnp::isneginf(&x).to_vec::<bool>(),
        vec![false, true, false, false]
    );
    let i = Array::from_vec(vec![-3i32, 4], [2]);
    assert_eq!(jnp::isposinf(&i).to_vec::<bool>(), vec![false, false]);
    assert_eq!(jnp::fabs(&i).to_vec::<f32>(), vec![3.0, 4.0]);
    assert_eq!(jnp::rint(&i).to_vec::<f32>(), vec![-3.0, 4.0]);
    let h = Array::from_vec(vec![0.5f32, 1.5, 2.5, -2.5, 2.6], [5]);
    assert_eq!(
        jnp::rint(&h).to_vec::<f32>(),
        vec![0.0, 2.0, 2.0, -2.0, 3.0]
    );
    assert_eq!(bits(&jnp::positive(&h)), bits(&h));
    let e = jnp::empty_like(&i);
    assert_eq!((e.dtype(), e.to_vec::<i32>()), (DType::I32, vec![0, 0]));
    let m = jnp::arange(24.0).reshape([2, 3, 4]);
    let t = jnp::matrix_transpose(&m);
    assert_eq!(t.shape(), &[2, 4, 3]);
    assert_eq!(bits(&t), bits(&jnp::swapaxes(&m, 1, 2)));
    assert_eq!(
        (jnp::ndim(&m), jnp::shape(&m), jnp::size(&m)),
        (3, vec![2, 3, 4], 24)
    );
    let parts = jnp::unstack(&m, -1);
    assert_eq!(parts.len(), 4);
    assert_eq!(parts[3].shape(), &[2, 3]);
    assert_eq!(
        parts[3].to_vec::<f32>(),
        vec![3.0, 7.0, 11.0, 15.0, 19.0, 23.0]
    );
}

#[test]
#[should_panic(expected = "matrix_transpose: the input must have at least two axes, got shape [3]")]
fn matrix_transpose_needs_two_axes() {
    jnp::matrix_transpose(&jnp::zeros([3]));
}
