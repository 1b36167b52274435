//! `jnp.linalg`'s norms and products against JAX 0.10.2 (`parity/linalg_products.py` →
//! `parity/goldens/linalg_products.json`): `norm` with every `ord`, `vector_norm`,
//! `matrix_norm`, `multi_dot`, `vecdot`, `matvec`, `vecmat`, `jnp.linalg.{diagonal, trace,
//! outer, cross}` and `einsum` with repeated indices.
//!
//! Each case's value must have JAX's shape and dtype and match within the dtype's tolerance
//! (relative to the case's largest magnitude); the gradient of `sum(f(x) * w)` with respect to
//! the first argument must match JAX's likewise. The calls JAX refuses panic with JAX's
//! message. Then derivatives checked numerically (orders 1 and 2), vmap against a loop, jit.

use crate::common;

use common::decode_golden;
use equinox_core::numpy::linalg::{self, NormOptions, NormOrd, VectorNormOptions};
use equinox_core::numpy::{self as jnp, Index};
use equinox_core::transforms::{check_grads, grad, jit, vmap};
use equinox_core::{Array, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::golden::encoded;
use equinox_testing::Golden;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn values(a: &Array) -> Vec<f64> {
    a.astype(DType::F64).to_vec::<f64>()
}

fn compare(what: &str, got: &Array, want: &Value) -> Option<String> {
    if want.get("re").is_some() {
        return compare_complex(what, got, &decode_golden(want));
    }
    let e = encoded(want);
    if got.shape() != e.shape.as_slice() || got.dtype().name() != e.dtype {
        return Some(format!(
            "{what}: got {} {:?}, JAX {} {:?}",
            got.dtype().name(),
            got.shape(),
            e.dtype,
            e.shape
        ));
    }
    // Reductions and SVDs sum in another order than XLA: a few ulp of the case's scale.
    let tol = match e.dtype.as_str() {
        "float32" => Tolerance::rel(4e-6),
        "float64" => Tolerance::rel(1e-12),
        _ => Tolerance::EXACT,
    };
    let g = values(got);
    mismatches("", &g, &e.data, tol, Scale::Case)
        .first()
        .map(|m| format!("{what}: element {}: got {}, JAX {}", m.index, m.got, m.want))
}

/// [`compare`] for a complex golden: dtype and shape, then the real and imaginary parts
/// (SVD-based norms of complex matrices agree to a few ulp of the case's scale).
fn compare_complex(what: &str, got: &Array, want: &Array) -> Option<String> {
    if got.shape() != want.shape() || got.dtype() != want.dtype() {
        return Some(format!("{what}: got {}, JAX {}", got.aval(), want.aval()));
    }
    let tol = if got.dtype() == DType::C64 {
        Tolerance::rel(2e-5)
    } else {
        Tolerance::rel(1e-11)
    };
    [("re", jnp::real as fn(&Array) -> Array), ("im", jnp::imag)]
        .into_iter()
        .find_map(|(part, f)| {
            mismatches("", &values(&f(got)), &values(&f(want)), tol, Scale::Case)
                .first()
                .map(|m| {
                    format!(
                        "{what} {part}: element {}: got {}, JAX {}",
                        m.index, m.got, m.want
                    )
                })
        })
}

fn ord(kw: &Value) -> Option<NormOrd> {
    kw.get("ord").and_then(|v| match v {
        Value::Null => None,
        Value::String(s) => Some(match s.as_str() {
            "fro" => NormOrd::Fro,
            "nuc" => NormOrd::Nuc,
            "inf" => NormOrd::P(f64::INFINITY),
            "-inf" => NormOrd::P(f64::NEG_INFINITY),
            other => panic!("unknown ord {other}"),
        }),
        n => Some(NormOrd::P(n.as_f64().unwrap())),
    })
}

fn axis(kw: &Value) -> Option<Vec<isize>> {
    match kw.get("axis") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => {
            Some(list.iter().map(|v| v.as_i64().unwrap() as isize).collect())
        }
        Some(v) => Some(vec![v.as_i64().unwrap() as isize]),
    }
}

fn flag(kw: &Value, k: &str) -> bool {
    kw.get(k).is_some_and(|v| v.as_bool().unwrap())
}

fn int(kw: &Value, k: &str, default: i64) -> i64 {
    kw.get(k).map_or(default, |v| v.as_i64().unwrap())
}

/// The Rust call a golden case names.
fn call(fun: &str, xs: &[&Array], kw: &Value) -> Array {
    match fun {
        "norm" => linalg::norm_with(
            xs[0],
            NormOptions {
                ord: ord(kw),
                axis: axis(kw),
                keepdims: flag(kw, "keepdims"),
            },
        ),
        "vector_norm" => linalg::vector_norm_with(
            xs[0],
            VectorNormOptions {
                ord: ord(kw).unwrap_or(NormOrd::P(2.0)),
                axis: axis(kw),
                keepdims: flag(kw, "keepdims"),
            },
        ),
        "matrix_norm" => {
            linalg::matrix_norm_with(xs[0], ord(kw).unwrap_or(NormOrd::Fro), flag(kw, "keepdims"))
        }
        "multi_dot" => linalg::multi_dot(xs),
        "vecdot" => jnp::vecdot(xs[0], xs[1], int(kw, "axis", -1) as isize),
        "matvec" => jnp::matvec(xs[0], xs[1]),
        "vecmat" => jnp::vecmat(xs[0], xs[1]),
        "diagonal" => linalg::diagonal(xs[0], int(kw, "offset", 0)),
        "trace" => linalg::trace(xs[0], int(kw, "offset", 0)),
        "outer" => linalg::outer(xs[0], xs[1]),
        "cross" => linalg::cross(xs[0], xs[1], int(kw, "axis", -1) as isize),
        "einsum" => jnp::einsum(kw["subscripts"].as_str().unwrap(), xs),
        other => panic!("no Rust call for {other}"),
    }
}

fn weights(shape: &[usize], dtype: DType) -> Array {
    let n: usize = shape.iter().product();
    let w: Vec<f64> = (0..n)
        .map(|k| ((k * 7) % 13) as f64 / 4.0 - 6.5 / 4.0)
        .collect();
    Array::from_vec(w, shape).astype(dtype)
}

#[test]
fn values_and_gradients_match_jax() {
    let g = Golden::load("linalg_products");
    let inputs = g.section("inputs");
    let input = |name: &Value| decode_golden(inputs.get(name.as_str().unwrap()));
    let mut failures = Vec::new();
    for case in g.section("cases").iter() {
        let fun = case["fn"].as_str().unwrap();
        let kw = &case["kw"];
        let xs: Vec<Array> = case["args"].as_array().unwrap().iter().map(input).collect();
        let refs: Vec<&Array> = xs.iter().collect();
        let what = format!("{fun}{:?} {kw}", case["args"]);
        let out = call(fun, &refs, kw);
        if let Some(m) = compare(&what, &out, &case["out"]) {
            failures.push(m);
            continue;
        }
        if case["grad"].is_null() {
            continue;
        }
        let w = weights(out.shape(), out.dtype());
        let rest: Vec<Array> = xs[1..].to_vec();
        let dx = grad(|x0: &Array| {
            let mut all = vec![x0];
            all.extend(rest.iter());
            (call(fun, &all, kw) * &w).sum(None)
        })(&xs[0]);
        if let Some(m) = compare(&format!("grad of {what}"), &dx, &case["grad"]) {
            failures.push(m);
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases differ from JAX:\n{}",
        failures.len(),
        failures.join("\n")
    );
    g.assert_sections_read(&["cases"]);
}

#[test]
fn refused_calls_panic_with_jax_messages() {
    let g = Golden::load("linalg_products");
    let inputs = g.section("inputs");
    for case in g.section("errors").iter() {
        let fun = case["fn"].as_str().unwrap();
        let xs: Vec<Array> = case["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| decode_golden(inputs.get(n.as_str().unwrap())))
            .collect();
        let refs: Vec<&Array> = xs.iter().collect();
        let err = catch_unwind(AssertUnwindSafe(|| call(fun, &refs, &case["kw"])))
            .expect_err(&format!("{fun} {:?} should panic", case["args"]));
        let msg = err
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap();
        // JAX's message up to its first parenthesis or list (shapes print as Python tuples
        // there and as `[3,4]` here).
        let jax = case["message"].as_str().unwrap();
        let stem = jax.split(['(', '[']).next().unwrap().trim_end();
        assert!(
            msg.starts_with(stem),
            "{fun}: got {msg:?}, JAX says {jax:?}"
        );
    }
    g.assert_sections_read(&["errors"]);
}

#[test]
fn norm_derivatives_check_numerically_to_second_order() {
    let x = Array::from_vec(vec![0.3f64, -1.2, 2.0, 0.7, -0.4, 1.1], [2, 3]);
    let ords = [
        None,
        Some(NormOrd::Nuc),
        Some(NormOrd::P(2.0)),
        Some(NormOrd::P(-2.0)),
        Some(NormOrd::P(1.0)),
        Some(NormOrd::P(f64::INFINITY)),
    ];
    for o in ords {
        let f = move |x: &Array| {
            linalg::norm_with(
                x,
                NormOptions {
                    ord: o,
                    ..Default::default()
                },
            )
        };
        check_grads(f, &x, 1e-6, 1e-6, 1e-9);
        check_grads(grad(f), &x, 1e-6, 1e-5, 1e-8);
    }
    let v = Array::from_vec(vec![0.3f64, -1.2, 2.0, 0.7], [4]);
    for p in [1.0, 2.0, 3.0, 0.5] {
        let f = move |x: &Array| {
            linalg::vector_norm_with(
                x,
                VectorNormOptions {
                    ord: NormOrd::P(p),
                    ..Default::default()
                },
            )
        };
        check_grads(f, &v, 1e-6, 1e-6, 1e-9);
        check_grads(grad(f), &v, 1e-6, 1e-5, 1e-8);
    }
}

#[test]
fn vmap_and_jit_agree_with_eager_calls() {
    let xs = jnp::arange(24.0).reshape([2, 3, 4]).astype(DType::F64) * 0.25 - 1.0;
    for o in [
        None,
        Some(NormOrd::Nuc),
        Some(NormOrd::P(2.0)),
        Some(NormOrd::P(-1.0)),
    ] {
        let f = move |x: &Array| {
            linalg::norm_with(
                x,
                NormOptions {
                    ord: o,
                    axis: Some(vec![0, 1]),
                    ..Default::default()
                },
            )
        };
        let mapped = vmap(f)(&xs);
        let looped: Vec<f64> = (0..2)
            .map(|i| f(&xs.index([Index::from(i as i64)])).item::<f64>())
            .collect();
        let got = mapped.to_vec::<f64>();
        for (a, b) in got.iter().zip(&looped) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs(),
                "vmap {o:?}: {got:?} vs {looped:?}"
            );
        }
        let jitted = jit(f)(&xs.index([Index::from(1i64)])).item::<f64>();
        assert!((jitted - looped[1]).abs() <= 1e-12 * looped[1].abs());
    }
    let m = jnp::arange(9.0).reshape([3, 3]);
    let diag = |x: &Array| jnp::einsum("ii->i", &[x]);
    let batch = jnp::stack(&[&m, &(&m * 2.0)], 0);
    assert_eq!(
        vmap(diag)(&batch).to_vec::<f32>(),
        vec![0.0, 4.0, 8.0, 0.0, 8.0, 16.0]
    );
    assert_eq!(jit(diag)(&m).to_vec::<f32>(), vec![0.0, 4.0, 8.0]);
}

#[test]
fn multi_dot_chooses_the_cheap_order_and_keeps_the_value() {
    // (10x100)(100x5)(5x50): left to right is 7500 flops, right first 75000.
    let a = jnp::arange(1000.0).reshape([10, 100]) * 1e-3;
    let b = jnp::arange(500.0).reshape([100, 5]) * 1e-3;
    let c = jnp::arange(250.0).reshape([5, 50]) * 1e-3;
    let chained = a.matmul(&b).matmul(&c);
    let got = linalg::multi_dot(&[&a, &b, &c]);
    assert_eq!(got.shape(), &[10, 50]);
    for (x, y) in got.to_vec::<f32>().iter().zip(chained.to_vec::<f32>()) {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0));
    }
    let jaxpr = equinox_core::transforms::make_jaxpr(|a: &Array, b: &Array, c: &Array| {
        linalg::multi_dot(&[a, b, c])
    })(&a, &b, &c)
    .to_string();
    // The first product is a (10,100)x(100,5) -> (10,5) contraction.
    let first = jaxpr.lines().find(|l| l.contains("dot_general")).unwrap();
    assert!(first.contains("f32[10,5]"), "{jaxpr}");
}
