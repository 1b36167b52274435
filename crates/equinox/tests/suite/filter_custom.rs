//! filter_checkpoint, filter_custom_jvp, filter_custom_vjp, filter_pure_callback.

use equinox as eqx;
use eqx::{numpy as jnp, Array, DType, Module};

#[derive(Module, Clone)]
struct Scaled {
    w: Array,
    count: Array,
}

#[test]
fn filter_custom_vjp_with_a_non_float_leaf() {
    // f(m) = w * count; the custom backward pass scales the cotangent by 10 and leaves the
    // integer leaf without a cotangent.
    let f = eqx::filter_custom_vjp(
        |m: &Scaled| &m.w * &m.count.astype(DType::F32),
        |m: &Scaled| (&m.w * &m.count.astype(DType::F32), m.count.clone()),
        |count: &Array, ct: &Array| Scaled {
            w: ct * &count.astype(DType::F32) * 10.0,
            count: Array::filtered_out(count.aval().clone()),
        },
    );
    let m = Scaled {
        w: Array::from_vec(vec![1.0f32, 2.0], [2]),
        count: Array::scalar(3i32),
    };
    assert_eq!(f(&m).to_vec::<f32>(), vec![3.0, 6.0]);
    let g = eqx::filter_grad(|m: &Scaled| f(m).sum(None))(&m);
    assert_eq!(g.w.to_vec::<f32>(), vec![30.0, 30.0]);
    assert!(g.count.is_filtered_out());
}

#[test]
fn filter_checkpoint_gives_the_same_gradients() {
    let block = |m: &Scaled, x: &Array| (&m.w * x).tanh().sin();
    let remat = eqx::filter_checkpoint(block);
    let m = Scaled {
        w: Array::from_vec(vec![0.5f32, -1.5], [2]),
        count: Array::scalar(1i32),
    };
    let x = Array::from_vec(vec![0.3f32, 0.7], [2]);
    let g1 = eqx::filter_grad(|m: &Scaled, x: &Array| remat(m, x).sum(None))(&m, &x);
    let g2 = eqx::filter_grad(|m: &Scaled, x: &Array| block(m, x).sum(None))(&m, &x);
    equinox_testing::assert_close(
        "grad through the custom rule",
        &g1.w.to_vec::<f64>(),
        &g2.w.to_vec::<f64>(),
        equinox_testing::Tolerance::new(0.0, 1e-6),
    );
}

#[test]
fn filter_pure_callback_inside_filter_jit() {
    let host =
        |x: &Array| Array::from_vec(x.to_vec::<f32>().iter().rev().copied().collect(), x.shape());
    let f = eqx::filter_jit(move |x: &Array| eqx::filter_pure_callback(host, x, x) * 2.0);
    assert_eq!(f(&jnp::arange(3.0)).to_vec::<f32>(), vec![4.0, 2.0, 0.0]);
}
