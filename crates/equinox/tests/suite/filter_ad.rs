//! Port of Equinox's `tests/test_ad.py` (`filter_grad`, `filter_value_and_grad`, `filter_jvp`,
//! `filter_vjp`, the Jacobians, custom derivatives); tests are named after the Python ones.
//! Model gradients are checked against real Equinox (`parity/filtered_transforms.py`), the
//! rest against values derived by hand.
//!
//! Differences and cases not ported, and why:
//! - Non-array leaves (Python `True`, `"hi"`, `object()`, `5`, `1.0`) are static fields in
//!   Rust: the gradient keeps them as they are instead of putting `None` there. Integer arrays
//!   are leaves, and their gradient slot is filtered out (Equinox's `None`), as checked below.
//! - `test_closure_convert_basic`, `_trivial`, `_custom_jvp`: Rust closures cannot be
//!   inspected, so there is no `filter_closure_convert`; arrays a closure captures are
//!   constants of the trace.
//! - `test_positional_first_argument`: Rust has no keyword arguments.
//! - `test_grad_jit_old`, `test_filter_custom_vjp_defvjp`: `defvjp` is Equinox's deprecated
//!   spelling of `def_fwd`/`def_bwd`; the behaviour is ported once, with the core's
//!   `custom_vjp` (there is no `filter_custom_vjp`/`filter_custom_jvp` in this crate: the
//!   core's `custom_jvp`/`custom_vjp` already take PyTrees with static fields).
//! - `test_filter_custom_vjp_nondiff_args`: Equinox differentiates only the first argument of
//!   a `filter_custom_vjp` and raises when another one is perturbed; the core's `custom_vjp`
//!   differentiates its whole (tuple) argument, so there is no such error to test.
//! - Symbolic zeros inside custom rules (`test_filter_custom_jvp_symbolic_zero`,
//!   `test_filter_custom_vjp_symbolic_zero`, `tang_x is None` in `..._exact`): the core's
//!   custom rules receive materialised zeros; ported as checks that those are zeros.
//!   `filter_jvp` itself does report symbolic zeros (`test_double_filter_jvp`).
//! - `test_filter_custom_jvp_exact` uses `lax.cond`, which the core lacks; ported without it.

use crate::common;

use common::{array, assert_close, golden, v};
use equinox as eqx;
use eqx::nn;
use eqx::transforms::{custom_jvp, custom_vjp, grad, jvp, vmap};
use eqx::{numpy as jnp, random, tree, Array, DType, Module};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn normal(seed: u64, shape: &[usize]) -> Array {
    random::normal(random::key(seed), shape.to_vec(), DType::F32)
}

/// Python's `f`: the sum of every array leaf (integer ones cast to float, so they count in
/// the value but get no gradient).
fn sum_leaves<T: Module>(x: &T) -> Array {
    tree::leaves(x)
        .into_iter()
        .fold(Array::scalar(0.0f32), |acc, l| {
            acc + l.sum(None).astype(DType::F32)
        })
}

/// `[True, "hi", object(), a]`.
#[derive(Module, Clone)]
struct Mixed {
    flag: bool,
    hi: String,
    object: (),
    a: Array,
}

/// `[True, {"hi": Linear(1, 1)}, (5, 1.0), np.array([2.0, 3.0])]`, plus an integer array.
#[derive(Module, Clone)]
struct WithLinear {
    flag: bool,
    dict: BTreeMap<String, nn::Linear>,
    tuple: (i64, f64),
    np: Array,
    count: Array,
}

#[test]
fn test_filter_grad() {
    let a = normal(1, &[2, 3]);
    let b = normal(2, &[2, 3]);
    let g = eqx::filter_grad(sum_leaves::<Vec<Array>>)(&vec![a.clone(), b.clone()]);
    assert!(eqx::tree_equal(
        &g,
        &vec![jnp::ones([2, 3]), jnp::ones([2, 3])]
    ));

    let mixed = Mixed {
        flag: true,
        hi: "hi".into(),
        object: (),
        a: a.clone(),
    };
    let g = eqx::filter_grad(sum_leaves::<Mixed>)(&mixed);
    assert!(eqx::tree_equal(&g.a, &jnp::ones([2, 3])));
    assert_eq!((g.flag, g.hi.as_str()), (true, "hi"));

    let x = WithLinear {
        flag: true,
        dict: [("hi".to_string(), nn::Linear::new(1, 1, random::key(3)))].into(),
        tuple: (5, 1.0),
        np: v(&[2.0, 3.0]),
        count: Array::from_vec(vec![4i32, 5], [2]),
    };
    let (value, g) = eqx::filter_value_and_grad(sum_leaves::<WithLinear>)(&x);
    let lin = &x.dict["hi"];
    let expected = lin.weight.item::<f32>() + lin.bias.as_ref().unwrap().item::<f32>() + 5.0 + 9.0;
    assert_eq!(value.item::<f32>(), expected);
    assert_eq!(g.dict.keys().collect::<Vec<_>>(), ["hi"]);
    assert!(eqx::tree_equal(&g.dict["hi"].weight, &jnp::ones([1, 1])));
    assert!(eqx::tree_equal(
        g.dict["hi"].bias.as_ref().unwrap(),
        &jnp::ones([1])
    ));
    assert_eq!(g.tuple, (5, 1.0));
    assert!(eqx::tree_equal(&g.np, &jnp::ones([2])));
    assert!(g.count.is_filtered_out());
    // `apply_updates` skips the filtered-out slot.
    let updated = eqx::apply_updates(&x, &g);
    assert_eq!(updated.np.to_vec::<f32>(), vec![3.0, 4.0]);
    assert_eq!(updated.count.to_vec::<i32>(), vec![4, 5]);
}

#[test]
fn test_filter_value_and_grad() {
    let a = normal(4, &[2, 3]);
    let (val, g) = eqx::filter_value_and_grad(|x: &Array| x.sum(None))(&a);
    let expected: f32 = a.to_vec::<f32>().iter().sum();
    equinox_testing::assert_close(
        "value",
        &[val.item::<f64>()],
        &[f64::from(expected)],
        equinox_testing::Tolerance::new(1e-6, 1e-6),
    );
    assert!(eqx::tree_equal(&g, &jnp::ones([2, 3])));
}

#[test]
fn test_aux() {
    let a = normal(5, &[2, 3]);
    let (g, aux) = eqx::filter_grad_with_aux(|x: &Array| (x.sum(None), "hi"))(&a);
    assert_eq!(aux, "hi");
    assert!(eqx::tree_equal(&g, &jnp::ones([2, 3])));

    let ((value, aux), g) =
        eqx::filter_value_and_grad_with_aux(|x: &Array| (x.sum(None), "hi"))(&a);
    assert!(eqx::tree_equal(&value, &a.sum(None)));
    assert_eq!(aux, "hi");
    assert!(eqx::tree_equal(&g, &jnp::ones([2, 3])));
}

#[test]
fn aux_that_depends_on_the_parameters_comes_out_as_values() {
    // As a BatchNorm's new state does: arrays computed from the differentiated input. They
    // leave as plain values (not tracers of the finished differentiation), and get no
    // cotangent: the gradient is the value's alone.
    let a = normal(6, &[2, 3]);
    let f = |x: &Array| {
        let mean = x.mean(None);
        ((x * x).sum(None), (mean.clone(), (x * 3.0, 7i32)))
    };
    let ((value, (mean, (tripled, n))), g) = eqx::filter_value_and_grad_with_aux(f)(&a);
    assert!(!mean.is_tracer() && !tripled.is_tracer());
    assert!(eqx::tree_equal(&mean, &a.mean(None)));
    assert!(eqx::tree_equal(&tripled, &(&a * 3.0)));
    assert_eq!(n, 7);
    assert!(eqx::tree_equal(&value, &(&a * &a).sum(None)));
    assert!(eqx::tree_equal(&g, &(&a * 2.0)));
    // The same under filter_jit, and with filter_grad_with_aux.
    let jitted = eqx::filter_jit(|x: &Array| eqx::filter_value_and_grad_with_aux(f)(x));
    let ((_, (mean_j, (tripled_j, _))), g_j) = jitted(&a);
    assert!(eqx::tree_equal(&mean_j, &mean) && eqx::tree_equal(&tripled_j, &tripled));
    assert!(eqx::tree_equal(&g_j, &g));
    let (g2, (mean2, _)) = eqx::filter_grad_with_aux(f)(&a);
    assert!(eqx::tree_equal(&g2, &g) && eqx::tree_equal(&mean2, &mean));
}

#[derive(Module, Clone, Debug)]
struct M {
    increment: Array,
}

impl M {
    fn method(&self, x: &Array) -> Array {
        x + &self.increment
    }
}

#[test]
fn test_methods() {
    let m = M {
        increment: Array::scalar(5.0f32),
    };
    let y = Array::scalar(1.0f32);
    // outer: the method bound to `m` is a function of `y` alone.
    assert_eq!(
        eqx::filter_grad(|y: &Array| m.method(y))(&y).item::<f32>(),
        1.0
    );
    // inner: the method as a function of `self` (its first argument) differentiates `self`.
    let grad_m = eqx::filter_grad(M::method)(&m, &y);
    assert!(eqx::tree_equal(
        &grad_m,
        &M {
            increment: Array::scalar(1.0f32)
        }
    ));
}

#[test]
fn test_grad_jit_new() {
    let num_traces = Arc::new(AtomicUsize::new(0));
    let counter = num_traces.clone();
    let f = custom_vjp(
        |x: &Array| x.clone(),
        |x: &Array| (x.clone(), ()),
        move |_: &(), g: &Array| {
            counter.fetch_add(1, Ordering::Relaxed);
            g + 2.0
        },
    );
    let x = Array::scalar(1.0f32);
    let jitf = eqx::filter_jit(f);
    let grad_jitf = eqx::filter_grad(&jitf);
    assert_eq!(grad_jitf(&x).item::<f32>(), 3.0);
    let after_first = num_traces.load(Ordering::Relaxed);
    assert!(after_first >= 1);
    assert_eq!(grad_jitf(&x).item::<f32>(), 3.0);
    // JAX caches the derivative of a jitted function, so the backward rule is traced once;
    // here `grad` transposes the replayed program on each call, running the rule again.
    assert_eq!(num_traces.load(Ordering::Relaxed), 2 * after_first);
    // grad of jit and jit of grad agree.
    let jit_grad = eqx::filter_jit(eqx::filter_grad(&jitf));
    assert_eq!(jit_grad(&Array::scalar(7.0f32)).item::<f32>(), 3.0);
}

/// `g`'s arguments: `(jnp.array(1.0), jnp.array(1), 1.0, 1, jnp.array(1.0), object())`. The
/// Python float `1.0`, which takes a tangent, is a float array here; the Python int is static.
type GIn = (Array, Array, Array, i64, Array, &'static str);
type GOut = (Array, Array, Array, i64, Array, &'static str);
/// One way of computing `filter_jvp(g, primals, tangents)`.
type JvpRun<'a> = dyn Fn(&GIn, &GIn) -> (GOut, GOut) + 'a;

fn g(x: &GIn) -> GOut {
    (
        x.0.square() + 1.0,
        &x.1 * 3 + 2,
        &x.2 * 4.0 + 3.0,
        4 + x.3 * 5,
        &x.4 * 6.0 + 5.0,
        "another_object",
    )
}

/// A filtered-out (`None`) tangent for `like`.
fn none(like: &Array) -> Array {
    Array::filtered_out(like.aval().clone())
}

#[test]
fn test_filter_jvp() {
    let primals: GIn = (
        Array::scalar(1.0f32),
        Array::scalar(1i32),
        Array::scalar(1.0f32),
        1,
        Array::scalar(1.0f32),
        "object",
    );
    let tangents = |t0: Option<f32>, t2: Option<f32>| -> GIn {
        (
            t0.map(Array::scalar).unwrap_or_else(|| none(&primals.0)),
            none(&primals.1),
            t2.map(Array::scalar).unwrap_or_else(|| none(&primals.2)),
            1,
            none(&primals.4),
            "object",
        )
    };
    let cases = [
        (tangents(Some(5.0), None), (Some(10.0), None)),
        (tangents(Some(5.0), Some(3.0)), (Some(10.0), Some(12.0))),
        (tangents(None, None), (None, None)),
    ];

    // Python's `before_jit`/`after_jit`: `g` itself jitted, and `filter_jvp` jitted.
    let g_jit = eqx::filter_jit(g);
    let jvp_jit = eqx::filter_jit(|p: &GIn, t: &GIn| eqx::filter_jvp(g, p, t));
    let jvp_of_jit = eqx::filter_jit(|p: &GIn, t: &GIn| eqx::filter_jvp(&g_jit, p, t));
    let runs: [(&str, &JvpRun<'_>); 4] = [
        ("plain", &|p, t| eqx::filter_jvp(g, p, t)),
        ("before_jit", &|p, t| eqx::filter_jvp(&g_jit, p, t)),
        ("after_jit", &|p, t| jvp_jit(p, t)),
        ("both", &|p, t| jvp_of_jit(p, t)),
    ];
    for (name, run) in runs {
        // f(x) = x + 1 with primal 1.0 and tangent 1.0.
        let (p, t) = eqx::filter_jvp(
            |x: &Array| x + 1.0,
            &Array::scalar(1.0f32),
            &Array::scalar(1.0f32),
        );
        assert_eq!((p.item::<f32>(), t.item::<f32>()), (2.0, 1.0));

        for (t_in, (t0, t2)) in &cases {
            let (out, t_out) = run(&primals, t_in);
            assert_eq!(out.0.item::<f32>(), 2.0, "{name}");
            assert_eq!(
                (out.1.dtype(), out.1.item::<i32>()),
                (DType::I32, 5),
                "{name}"
            );
            assert_eq!(out.2.item::<f32>(), 7.0, "{name}");
            assert_eq!(out.3, 9, "{name}");
            assert_eq!(out.4.item::<f32>(), 11.0, "{name}");
            assert_eq!(out.5, "another_object", "{name}");
            match t0 {
                Some(want) => assert_eq!(t_out.0.item::<f32>(), *want, "{name}"),
                None => assert!(t_out.0.is_filtered_out(), "{name}"),
            }
            assert!(t_out.1.is_filtered_out(), "{name}: integer output");
            match t2 {
                Some(want) => assert_eq!(t_out.2.item::<f32>(), *want, "{name}"),
                None => assert!(t_out.2.is_filtered_out(), "{name}"),
            }
            assert!(
                t_out.4.is_filtered_out(),
                "{name}: its input had no tangent"
            );
        }
    }
}

fn bad_jvp(tangents: GIn) {
    let primals: GIn = (
        Array::scalar(1.0f32),
        Array::scalar(1i32),
        Array::scalar(1.0f32),
        1,
        Array::scalar(1.0f32),
        "object",
    );
    eqx::filter_jvp(g, &primals, &tangents);
}

#[test]
#[should_panic(expected = "filter_jvp: the tangent of leaf `.0` is i32[] but its primal is f32[]")]
fn test_filter_jvp_bad_tangents_integer_tangent() {
    let n = Array::filtered_out(Array::scalar(1.0f32).aval().clone());
    bad_jvp((
        Array::scalar(5i32),
        none(&Array::scalar(1i32)),
        n.clone(),
        1,
        n,
        "object",
    ));
}

#[test]
#[should_panic(expected = "filter_jvp: leaf `.1` has a tangent (f32[]) but its primal is i32[]")]
fn test_filter_jvp_bad_tangents_tangent_for_integer() {
    let n = Array::filtered_out(Array::scalar(1.0f32).aval().clone());
    bad_jvp((n.clone(), Array::scalar(1.0f32), n.clone(), 1, n, "object"));
}

#[derive(Module, Clone)]
struct VjpArgs {
    mlp: nn::MLP,
    x: Array,
    y: f64,
    sentinel: &'static str,
}

#[test]
fn test_filter_vjp() {
    let golden = golden("filtered_transforms");
    let gold = golden.section("filter_vjp");
    let args = VjpArgs {
        mlp: nn::MLP::new(2, 3, 2, 2, random::key(3)),
        x: Array::scalar(1i32),
        y: 1.0,
        sentinel: "sentinel",
    };
    let f = |a: &VjpArgs| {
        (
            a.mlp.forward(&v(&[1.0, 2.0])) + &a.x + a.y,
            2.0f64,
            "sentinel2",
        )
    };
    let g = |a: &VjpArgs| (f(a), a.sentinel);
    let (out1, vjp1) = eqx::filter_vjp(f, &args);
    let (out2, vjp2, aux) = eqx::filter_vjp_with_aux(g, &args);
    assert_eq!(aux, "sentinel");
    for (out, vjp_fn) in [(out1, vjp1), (out2, vjp2)] {
        let (out_array, out_float, out_sentinel) = &out;
        assert_eq!(out_array.shape(), &[3]);
        assert_eq!(out_array.dtype(), DType::F32);
        assert_close("out", out_array, &array(&gold["out"]), 1e-6, 1e-6);
        assert_eq!((*out_float, *out_sentinel), (2.0, "sentinel2"));
        let ct = vjp_fn.call(&(v(&[1.0, 2.0, 3.0]), 2.0, "sentinel2"));
        // The MLP's cotangent has its structure, shapes and dtypes, and Equinox's values.
        assert!(
            tree::structure(&ct.mlp) == tree::structure(&eqx::filter(&args.mlp, eqx::is_array))
        );
        let want = gold["ct_mlp"].as_array().unwrap();
        let got = tree::leaves(&ct.mlp);
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.into_iter().zip(want).enumerate() {
            assert_close(&format!("ct_mlp leaf {i}"), g, &array(w), 1e-5, 1e-6);
        }
        // d out / d (last bias) is the identity.
        assert_eq!(
            ct.mlp.layers[2].bias.as_ref().unwrap().to_vec::<f32>(),
            vec![1.0, 2.0, 3.0]
        );
        assert!(ct.x.is_filtered_out());
        assert_eq!((ct.y, ct.sentinel), (1.0, "sentinel"));
    }
    golden.assert_sections_read(common::FILTERED_TRANSFORMS_VJP);
}

#[test]
fn test_filter_custom_jvp_no_kwargs() {
    let was_called = Arc::new(AtomicUsize::new(0));
    let called = was_called.clone();
    // `call(fn, x) = fn(x)` with tangent `tx ** 2`; the function is static.
    type Args = (fn(&Array) -> Array, Array);
    let call = Arc::new(custom_jvp(
        |(f, x): &Args| f(x),
        move |(f, x): &Args, (_, tx): &Args| {
            called.fetch_add(1, Ordering::Relaxed);
            (f(x), tx.square())
        },
    ));
    let f: fn(&Array) -> Array = |a| a.square() + 1;
    assert_eq!(call(&(f, Array::scalar(1i32))).item::<i32>(), 2);
    assert_eq!(call(&(f, Array::scalar(1.0f32))).item::<f32>(), 2.0);
    assert_eq!(was_called.load(Ordering::Relaxed), 0);
    let c = call.clone();
    let (p, t) = jvp(
        move |x: &Array| c(&(f, x.clone())),
        &Array::scalar(2.0f32),
        &Array::scalar(3.0f32),
    );
    assert_eq!(was_called.load(Ordering::Relaxed), 1);
    assert_eq!((p.item::<f32>(), t.item::<f32>()), (5.0, 9.0));
}

#[test]
fn test_filter_custom_jvp_kwargs() {
    // `call(x, y, *, fn) = fn(x, y)` with tangent `tx ** 2 + ty`; `fn` is static.
    type Args = (Array, Array, fn(&Array, &Array) -> Array);
    let call = Arc::new(custom_jvp(
        |(x, y, f): &Args| f(x, y),
        |(x, y, f): &Args, (tx, ty, _): &Args| (f(x, y), tx.square() + ty),
    ));
    let f: fn(&Array, &Array) -> Array = |a, b| a.square() + b;
    assert_eq!(
        call(&(Array::scalar(1i32), Array::scalar(2i32), f)).item::<i32>(),
        3
    );
    assert_eq!(
        call(&(Array::scalar(1.0f32), Array::scalar(2.0f32), f)).item::<f32>(),
        3.0
    );
    let c = call.clone();
    let (p, t) = jvp(
        move |xy: &(Array, Array)| c(&(xy.0.clone(), xy.1.clone(), f)),
        &(Array::scalar(2.0f32), Array::scalar(1.5f32)),
        &(Array::scalar(3.0f32), Array::scalar(4.0f32)),
    );
    assert_eq!((p.item::<f32>(), t.item::<f32>()), (5.5, 13.0));
}

#[test]
fn test_filter_custom_jvp_exact() {
    // An integer argument's tangent arrives as zeros (Equinox: `None`).
    let f = custom_jvp(
        |(_, y): &(Array, Array)| y.clone(),
        |(x, y): &(Array, Array), (tx, ty): &(Array, Array)| {
            assert_eq!(tx.dtype(), DType::I32);
            assert_eq!(tx.item::<i32>(), 0);
            (x.astype(DType::F32) + y, ty.clone())
        },
    );
    let g = grad(|y: &Array, x: &Array| f(&(x.clone(), y.clone())));
    assert_eq!(
        g(&Array::scalar(1.0f32), &Array::scalar(1i32)).item::<f32>(),
        1.0
    );
}

#[test]
fn test_filter_hessian_and_jacfwd_and_jacrev() {
    let f = |x: &Array, y: &Array| x.sin() * y;
    let (x, y) = (Array::scalar(1.0f32), Array::scalar(2.0f32));
    // d/dx sin(x) y = cos(x) y; d2/dx2 = -sin(x) y.
    let hess = eqx::filter_hessian(f)(&x, &y);
    equinox_testing::assert_close(
        "hessian",
        &[hess.item::<f64>()],
        &[-2.0 * 1f64.sin()],
        equinox_testing::Tolerance::new(0.0, 1e-6),
    );
    let jf = eqx::filter_jacfwd(f)(&x, &y);
    let jr = eqx::filter_jacrev(f)(&x, &y);
    for j in [jf, jr] {
        assert_eq!(j.shape(), &[] as &[usize]);
        equinox_testing::assert_close(
            "jacobian",
            &[j.item::<f64>()],
            &[2.0 * 1f64.cos()],
            equinox_testing::Tolerance::new(0.0, 1e-6),
        );
    }
    // A vector function: the Jacobian has shape out + in.
    let xs = v(&[0.5, 1.0, 1.5]);
    let jac = eqx::filter_jacrev(|x: &Array, y: &Array| x.sin() * y)(&xs, &y);
    let want: Vec<f64> = (0..9)
        .map(|k| {
            if k / 3 == k % 3 {
                2.0 * (0.5 * (k / 3 + 1) as f64).cos()
            } else {
                0.0
            }
        })
        .collect();
    common::assert_f32("jacrev", &jac, &want, &[3, 3]);
    let hess = eqx::filter_hessian(|x: &Array| (x.sin() * 2.0).sum(None))(&xs);
    let want: Vec<f64> = (0..9)
        .map(|k| {
            if k / 3 == k % 3 {
                -2.0 * (0.5 * (k / 3 + 1) as f64).sin()
            } else {
                0.0
            }
        })
        .collect();
    common::assert_f32("hessian", &hess, &want, &[3, 3]);
}

#[derive(Module, Clone)]
struct NeuralNetwork {
    layers: Vec<nn::Linear>,
    extra_bias: Array,
}

impl NeuralNetwork {
    fn new(key: random::Key) -> NeuralNetwork {
        let [key1, key2, key3] = random::split_into(key);
        NeuralNetwork {
            layers: vec![
                nn::Linear::new(2, 8, key1),
                nn::Linear::new(8, 8, key2),
                nn::Linear::new(8, 2, key3),
            ],
            extra_bias: jnp::ones([2]),
        }
    }

    fn forward(&self, x: &Array) -> Array {
        let (last, hidden) = self.layers.split_last().unwrap();
        let x = hidden.iter().fold(x.clone(), |x, l| l.forward(&x).relu());
        last.forward(&x) + &self.extra_bias
    }
}

#[test]
fn test_pytree_jacfwd() {
    let golden = golden("filtered_transforms");
    let gold = golden.section("pytree_jacfwd");
    let loss = |model: &NeuralNetwork, x: &Array, y: &Array| {
        let pred_y = vmap(|x: &Array| model.forward(x))(x);
        (y - pred_y).square().mean(None)
    };
    let [_, _, model_key] = random::split_into(random::key(0));
    let model = NeuralNetwork::new(model_key);
    let (x, y) = (array(&gold["x"]), array(&gold["y"]));
    assert_eq!(
        tree::leaves(&model).len(),
        gold["params"].as_array().unwrap().len()
    );
    // The same parameters as Equinox, bit for bit.
    for (i, (p, w)) in tree::leaves(&model)
        .into_iter()
        .zip(gold["params"].as_array().unwrap())
        .enumerate()
    {
        assert_close(&format!("param {i}"), p, &array(w), 0.0, 0.0);
    }
    let (value, grads) = eqx::filter_value_and_grad(loss)(&model, &x, &y);
    assert_close("loss", &value, &array(&gold["loss"]), 1e-6, 0.0);
    let want: Vec<Array> = gold["grads"]
        .as_array()
        .unwrap()
        .iter()
        .map(array)
        .collect();
    assert_eq!(tree::leaves(&grads).len(), want.len());
    for (i, (g, w)) in tree::leaves(&grads).into_iter().zip(&want).enumerate() {
        assert_close(&format!("grad leaf {i}"), g, w, 1e-5, 1e-7);
    }
    let jf = eqx::filter_jacfwd(loss)(&model, &x, &y);
    let jr = eqx::filter_jacrev(loss)(&model, &x, &y);
    assert!(eqx::tree_allclose(&grads, &jf, 1e-5, 1e-8));
    assert!(eqx::tree_allclose(&grads, &jr, 1e-5, 1e-8));
    golden.assert_sections_read(common::FILTERED_TRANSFORMS_JACFWD);
}

#[test]
fn every_filtered_transforms_golden_section_is_checked() {
    golden("filtered_transforms").assert_claimed(&[
        common::FILTERED_TRANSFORMS_VMAP,
        common::FILTERED_TRANSFORMS_VJP,
        common::FILTERED_TRANSFORMS_JACFWD,
    ]);
}

#[test]
fn test_filter_custom_jvp_symbolic_zero() {
    // `f(x, y) = x + y` with tangent `tx`; `y` is a constant, its tangent arrives as zeros.
    let f = Arc::new(custom_jvp(
        |(x, y): &(Array, Array)| x + y,
        |(x, y): &(Array, Array), (tx, ty): &(Array, Array)| {
            assert_eq!(ty.item::<f32>(), 0.0);
            (x + y, tx.clone())
        },
    ));
    let one = Array::scalar(1.0f32);
    let (o, f2) = (one.clone(), f.clone());
    let (p, t) = jvp(
        move |x: &Array| f2(&(x.clone(), o.clone())),
        &one,
        &Array::scalar(3.0f32),
    );
    assert_eq!((p.item::<f32>(), t.item::<f32>()), (2.0, 3.0));
}

#[test]
fn test_filter_custom_vjp_symbolic_zero() {
    let called = Arc::new(AtomicUsize::new(0));
    let c = called.clone();
    // `f((x, y), foo) = (x + y + foo, x, y, foo)`; only outputs 1 and 3 are used, so the
    // cotangents of outputs 2 and 4 are zeros (Equinox: `None`).
    type In = ((Array, Array), Array);
    type Out = (Array, Array, Array, Array);
    let f = custom_vjp(
        |((x, y), foo): &In| (x + y + foo, x.clone(), y.clone(), foo.clone()),
        |((x, y), foo): &In| ((x + y + foo, x.clone(), y.clone(), foo.clone()), ()),
        move |_: &(), (ct1, ct2, ct3, ct4): &Out| {
            c.fetch_add(1, Ordering::Relaxed);
            assert_eq!((ct2.item::<f32>(), ct4.item::<f32>()), (0.0, 0.0));
            ((ct1 + ct2, ct1 + ct3), ct1 + ct4)
        },
    );
    let run = grad(|x: &Array, y: &Array| {
        let (out1, _, out3, _) = f(&((x.clone(), Array::scalar(1.0f32)), y.clone()));
        out1 + out3
    });
    assert_eq!(
        run(&Array::scalar(1.0f32), &Array::scalar(2.0f32)).item::<f32>(),
        1.0
    );
    assert_eq!(called.load(Ordering::Relaxed), 1);
}

#[test]
fn test_double_filter_jvp() {
    let f = |x: &Array| {
        let g = |y: &Array| (y.clone(), x.clone());
        let ((a, b), (ta, tb)) = eqx::filter_jvp(g, &Array::scalar(1.0f32), &Array::scalar(1.0f32));
        assert!(!a.is_filtered_out() && !b.is_filtered_out());
        assert!(!ta.is_filtered_out());
        // `x` carries the outer JVP's tracer, but does not depend on the inner input.
        assert!(tb.is_filtered_out());
        ta * x
    };
    let (p, t) = eqx::filter_jvp(f, &Array::scalar(2.0f32), &Array::scalar(1.0f32));
    assert_eq!((p.item::<f32>(), t.item::<f32>()), (2.0, 1.0));
}

#[test]
fn test_filter_custom_vjp_nonarray_residual() {
    // A residual that is not an array.
    let f = custom_vjp(
        |x: &Array| x * 2.0,
        |x: &Array| (x * 2.0, String::from("token")),
        |token: &String, ct: &Array| {
            assert_eq!(token, "token");
            ct * 2.0
        },
    );
    assert_eq!(grad(f)(&Array::scalar(1.0f32)).item::<f32>(), 2.0);
}

#[test]
fn filter_vjp_with_aux_returns_an_aux_that_depends_on_the_primals_as_values() {
    let mlp = nn::MLP::new(2, 3, 4, 1, random::key(7));
    let x = v(&[0.5, -1.5]);
    let (out, pullback, aux) = eqx::filter_vjp_with_aux(
        |m: &nn::MLP| {
            let y = m.forward(&x);
            ((&y * &y).sum(None), y)
        },
        &mlp,
    );
    // The aux is the forward pass itself, readable as a plain array.
    let y = mlp.forward(&x);
    assert_eq!(aux.to_vec::<f32>(), y.to_vec::<f32>());
    assert_eq!(out.item::<f32>(), (&y * &y).sum(None).item::<f32>());
    // The pullback is that of the output alone: d(sum y^2) = 2 y dy.
    let ct = pullback.call(&Array::scalar(1.0f32));
    let want = eqx::filter_grad(|m: &nn::MLP| {
        let y = m.forward(&x);
        (&y * &y).sum(None)
    })(&mlp);
    for (a, b) in tree::leaves(&ct).iter().zip(tree::leaves(&want)) {
        assert_eq!(a.to_vec::<f32>(), b.to_vec::<f32>());
    }
}
