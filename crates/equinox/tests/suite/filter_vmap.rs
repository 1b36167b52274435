//! Port of Equinox's `tests/test_vmap.py` (`eqx.filter_vmap`); tests are named after the Python
//! ones. The ensemble is checked against real Equinox (`parity/filtered_transforms.py`).
//!
//! Differences and cases not ported, and why:
//! - Python ints and floats in the arguments are static fields in Rust (never mapped), and
//!   `eqx.if_array(0)` is the default: every leaf is an array. A function of such statics is
//!   mapped with an explicit `axis_size`.
//! - `test_out`'s `o3` maps a Python int output with `out_axes=0`, which Equinox turns into a
//!   broadcast array; a Rust output keeps its type, so the port returns the int as an array.
//! - `test_keyword_in_axes`/`test_keyword_default`: Rust has no keyword arguments or defaults;
//!   `in_axes` is given per argument by position (`AxisSpec::PerArgument`), and the default
//!   `y=1` becomes a static argument. The `ValueError` for an `in_axes` naming a parameter that
//!   was not passed has no equivalent (arguments cannot be left out).
//! - `test_methods`' `__call__` vs method distinction: Rust has only methods.

use crate::common;

use common::{array, assert_close, golden, v};
use equinox as eqx;
use eqx::nn;
use eqx::transforms::{AxisSpec, VmapSpec};
use eqx::{lax, numpy as jnp, random, tree, Array, DType, Module};
use std::rc::Rc;

fn normal(seed: u64, shape: &[usize]) -> Array {
    random::normal(random::key(seed), shape.to_vec(), DType::F32)
}

/// Python's `_zero_if_inexact_array_else_none`, per leaf.
fn zero_if_inexact() -> AxisSpec {
    AxisSpec::ByLeaf(Rc::new(|_, l: &Array| l.dtype().is_float().then_some(0)))
}

#[test]
fn test_args() {
    let spec = VmapSpec::default().in_axes(AxisSpec::PerArgument(vec![
        zero_if_inexact(),
        None.into(),
        0.into(),
        0.into(),
    ]));
    let f = eqx::filter_vmap_with(
        |a: &Array, b: &Vec<std::collections::BTreeMap<String, Array>>, c: &Array, d: &i32| {
            a + &b[0]["a"] + c + *d
        },
        spec,
    );
    let b = vec![[("a".to_string(), Array::from_vec(vec![2i32], [1]))].into()];
    let out = f(
        &Array::from_vec(vec![1i32], [1]),
        &b,
        &Array::from_vec(vec![3i32], [1]),
        &4,
    );
    assert_eq!(out.shape(), &[1, 1]);
    assert_eq!(out.to_vec::<i32>(), vec![10]);
}

#[test]
fn test_default() {
    let f = eqx::filter_vmap_with(
        |a: &Array, b: &Array| a + b,
        VmapSpec::default().in_axes(zero_if_inexact()),
    );
    let out = f(&Array::scalar(3i32), &v(&[3.0]));
    assert_eq!(out.dtype(), DType::F32);
    assert_eq!(out.to_vec::<f32>(), vec![6.0]);
}

#[test]
#[should_panic(expected = "vmap: in_axes axis 0 is out of bounds for f32[] (rank 0)")]
fn test_default_scalar_float_cannot_be_mapped() {
    let f = eqx::filter_vmap_with(
        |a: &Array, b: &Array| a + b,
        VmapSpec::default().in_axes(zero_if_inexact()),
    );
    f(&Array::scalar(3.0f32), &v(&[3.0]));
}

#[test]
fn test_out() {
    let spec = || VmapSpec::default().axis_size(5);
    let o1 = eqx::filter_vmap_with(|x: &i64| *x, spec().out_axes(None))(&1);
    let o2 = eqx::filter_vmap_with(|x: &Array| x.clone(), spec().in_axes(None).out_axes(None))(
        &Array::from_vec(vec![3i32, 4], [2]),
    );
    let o3 = eqx::filter_vmap_with(|x: &i64| Array::scalar(*x as i32), spec().out_axes(0))(&1);
    let o4 = eqx::filter_vmap_with(|x: &Array| x.clone(), spec().in_axes(None).out_axes(0))(
        &Array::from_vec(vec![3i32, 4], [2]),
    );
    assert_eq!(o1, 1);
    assert_eq!(
        (o2.shape(), o2.to_vec::<i32>()),
        (&[2usize][..], vec![3, 4])
    );
    assert_eq!(
        (o3.shape(), o3.to_vec::<i32>()),
        (&[5usize][..], vec![1; 5])
    );
    assert_eq!(o4.shape(), &[5, 2]);
    assert_eq!(o4.to_vec::<i32>(), [3, 4].repeat(5));
}

#[test]
#[should_panic(expected = "vmap: an output with out_axes None depends on the mapped inputs")]
fn test_out_none_of_a_mapped_output() {
    eqx::filter_vmap_with(|x: &Array| x * 2, VmapSpec::default().out_axes(None))(&v(&[1.0, 2.0]));
}

#[test]
fn test_no_arrays() {
    let f = eqx::filter_vmap_with(
        |x: &i64| *x,
        VmapSpec::default().out_axes(zero_if_inexact()).axis_size(5),
    );
    assert_eq!(f(&1), 1);
}

#[test]
fn test_ensemble() {
    let g = golden("filtered_transforms");
    let gold = g.section("ensemble");
    let keys = random::split(random::key(1), [7]);
    let models = eqx::filter_vmap(|k: &random::Key| nn::MLP::new(5, 4, 3, 2, k.clone()))(&keys);
    assert_eq!(models.layers[0].weight.shape(), &[7, 3, 5]);
    // The stacked parameters are Equinox's, bit for bit, and lane i is the MLP of key i.
    let want = gold["params"].as_array().unwrap();
    assert_eq!(tree::leaves(&models).len(), want.len());
    for (i, (p, w)) in tree::leaves(&models).into_iter().zip(want).enumerate() {
        assert_close(&format!("param {i}"), p, &array(w), 0.0, 0.0);
    }
    let third = nn::MLP::new(5, 4, 3, 2, random::split_vec(random::key(1), 7)[3].clone());
    assert!(eqx::tree_equal(
        &third.layers[1].weight,
        &models.layers[1].weight.index(eqx::s![3])
    ));

    let call = |model: &nn::MLP, x: &Array| model.forward(x);
    let xs1 = array(&gold["xs"]);
    let out = eqx::filter_vmap(call)(&models, &xs1);
    assert_eq!(out.shape(), &[7, 4]);
    assert_close("out", &out, &array(&gold["out"]), 1e-6, 1e-6);

    let xs2 = jnp::arange(5.0) / 5.0;
    let shared = VmapSpec::default().in_axes(AxisSpec::PerArgument(vec![0.into(), None.into()]));
    let out = eqx::filter_vmap_with(call, shared)(&models, &xs2);
    assert_eq!(out.shape(), &[7, 4]);
    assert_close("out_shared", &out, &array(&gold["out_shared"]), 1e-6, 1e-6);
    // Lane 3 is the MLP of key 3 applied eagerly.
    assert_close(
        "lane 3",
        &out.index(eqx::s![3]),
        &third.forward(&xs2),
        1e-6,
        1e-7,
    );
    g.assert_sections_read(common::FILTERED_TRANSFORMS_VMAP);
}

#[derive(Module, Clone)]
struct M {
    increment: i64,
}

impl M {
    fn method(&self, x: &Array) -> Array {
        x + self.increment
    }
}

#[test]
fn test_methods() {
    let m = M { increment: 5 };
    let y = v(&[1.0]);
    // outer: the method bound to `m`.
    assert_eq!(
        eqx::filter_vmap(|x: &Array| m.method(x))(&y).to_vec::<f32>(),
        vec![6.0]
    );
    // inner: `self` is an argument too (with no array leaves, nothing of it is mapped).
    assert_eq!(
        eqx::filter_vmap(M::method)(&m, &y).to_vec::<f32>(),
        vec![6.0]
    );
}

#[test]
fn test_named_reduction() {
    let f = |x: &Array| lax::psum(&(x + 1.0), "device");
    let output =
        eqx::filter_vmap_with(f, VmapSpec::default().axis_name("device"))(&jnp::zeros([2]));
    assert_eq!(output.to_vec::<f32>(), vec![2.0, 2.0]);
    // pmean and axis_index over the same named axis.
    let g = |x: &Array| lax::pmean(x, "i") + lax::axis_index("i").astype(DType::F32);
    let out = eqx::filter_vmap_with(g, VmapSpec::default().axis_name("i"))(&v(&[1.0, 2.0, 6.0]));
    assert_eq!(out.to_vec::<f32>(), vec![3.0, 4.0, 5.0]);
}

#[test]
fn test_map_non_jax() {
    // The MLP's activation functions are static fields: they pass through untouched.
    let pytree = nn::MLP::new(2, 2, 2, 2, random::key(42));
    let out = eqx::filter_vmap(|x: &nn::MLP| x.clone())(&pytree);
    assert!(eqx::tree_equal(&out, &pytree));
    assert_eq!(out.activation as usize, pytree.activation as usize);
}

#[test]
fn test_keyword_in_axes() {
    let x = normal(1, &[3, 4]);
    let y = normal(2, &[1, 3]);
    let spec = VmapSpec::default().in_axes(AxisSpec::PerArgument(vec![0.into(), 1.into()]));
    let out = eqx::filter_vmap_with(|x: &Array, y: &Array| x + y, spec)(&x, &y);
    let true_out = &x + &y.transpose(&[1, 0]);
    assert!(eqx::tree_equal(&out, &true_out));
}

#[test]
fn test_keyword_default() {
    let x = normal(3, &[3, 4]);
    let out = eqx::filter_vmap(|x: &Array, y: &i32| x + *y)(&x, &1);
    assert!(eqx::tree_equal(&out, &(&x + 1)));
}

#[test]
fn test_out_axes_with_at_least_three_dimensions() {
    let x = jnp::arange(24.0).reshape([2, 3, 4]).astype(DType::I32);
    for out_axes in [0isize, 1, 2, -1, -2, -3] {
        let z =
            eqx::filter_vmap_with(|x: &Array| x * 2, VmapSpec::default().out_axes(out_axes))(&x);
        // `jax.vmap(foo, out_axes=k)(x)` is `moveaxis(x * 2, 0, k)`: element [i, j, k] of x goes
        // to the position with the mapped index i at axis k.
        let k = out_axes.rem_euclid(3) as usize;
        let mut shape = vec![3usize, 4];
        shape.insert(k, 2);
        assert_eq!(z.shape(), &shape[..], "out_axes {out_axes}");
        let got = z.to_vec::<i32>();
        for i in 0..2 {
            for j in 0..3 {
                for l in 0..4 {
                    let mut idx = vec![j, l];
                    idx.insert(k, i);
                    let flat = (idx[0] * shape[1] + idx[1]) * shape[2] + idx[2];
                    assert_eq!(
                        got[flat],
                        2 * (i * 12 + j * 4 + l) as i32,
                        "out_axes {out_axes}"
                    );
                }
            }
        }
    }
}
