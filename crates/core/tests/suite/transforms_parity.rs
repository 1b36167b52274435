//! Parity of the transformations with real JAX: `parity/transforms.py` computed values,
//! gradients, vmapped values and gradients, and Hessians of thirteen functions in float32, and
//! `make_jaxpr` of a few, into `parity/goldens/transforms.json`. Each function is mirrored here
//! by name. Tolerance: 2e-5 relative with a 1e-6 absolute floor (the op order inside XLA's
//! fusions differs from ours by an ulp or two per operation).
use crate::parity;

use equinox_core::transforms::{grad, hessian, make_jaxpr, vmap};
use equinox_core::{lax, nn, numpy as jnp, Array, DType};
use equinox_testing::Tolerance;
use parity::{data_of, decode};
use serde_json::Value;

struct Constants {
    w: Array,
    b: Array,
    w2: Array,
    k: Array,
}

fn run(name: &str, c: &Constants, x: &Array) -> Array {
    match name {
        "sin_sq" => (&x.sin() * &x.square()).sum(()),
        "tanh_layer" => (&c.w.matmul(x) + &c.b).tanh().sum(()),
        "logsumexp" => nn::logsumexp(x, (), false),
        "softmax_xent" => {
            let label = jnp::equal(&jnp::arange(5), &Array::scalar(2i32)).astype(DType::F32);
            -(&nn::log_softmax(x, -1) * &label).sum(())
        }
        "mlp" => {
            let h = nn::relu(&(&c.w.matmul(x) + &c.b));
            c.w2.matmul(&h).tanh().sum(())
        }
        "norm" => x.square().sum(()).sqrt(),
        "strided_product" => {
            let evens = lax::slice(x, &[0], &[3], Some(&[2]));
            (&evens * &lax::slice(x, &[1], &[5], Some(&[2]))).sum(())
        }
        "cumsum_sq" => jnp::cumsum(x, 0).square().sum(()),
        "sorted_weighted" => (&jnp::sort(x, 0) * &jnp::arange(5.0)).sum(()),
        "max_minus_min" => &(&x.max(()) - &x.min(())) + &(x * x * x).mean(()),
        "piecewise" => {
            let pos = jnp::greater(x, &jnp::zeros_like(x));
            jnp::where_(&pos, &x.square(), &-x).sum(())
        }
        "conv1d" => lax::conv(&x.reshape([1, 1, 5]), &c.k, &[1], "VALID")
            .square()
            .sum(()),
        "logaddexp_exp" => (&jnp::logaddexp(x, &(x * 2.0)) * &(-x).exp()).sum(()),
        other => panic!("no Rust mirror for golden function {other:?}"),
    }
}

fn assert_close(got: &Array, want: &Value, what: &str) {
    let want_shape = parity::shape_of(want);
    assert_eq!(got.shape(), &want_shape[..], "{what}: shape");
    equinox_testing::assert_close(
        what,
        &got.to_vec::<f64>(),
        &data_of(want),
        Tolerance::new(2e-5, 1e-6),
    );
}

/// The sections of `transforms.json` each test checks.
const VALUE_SECTIONS: &[&str] = &["constants", "x", "xs", "functions"];
const JAXPR_SECTIONS: &[&str] = &["constants", "jaxprs"];

#[test]
fn every_golden_section_is_checked() {
    parity::load("transforms").assert_claimed(&[VALUE_SECTIONS, JAXPR_SECTIONS]);
}

#[test]
fn gradients_hessians_and_vmapped_gradients_match_jax() {
    let golden = parity::load("transforms");
    let consts = golden.section("constants");
    let c = Constants {
        w: decode(&consts["W"]),
        b: decode(&consts["B"]),
        w2: decode(&consts["W2"]),
        k: decode(&consts["K"]),
    };
    let x = decode(golden.section("x").whole());
    let xs = decode(golden.section("xs").whole());
    let functions = golden.section("functions");
    assert_eq!(functions.len(), 13);
    for (name, entry) in functions.entries() {
        let f = |x: &Array| run(name, &c, x);
        assert_close(&f(&x), &entry["value"], &format!("{name}: value"));
        assert_close(&grad(f)(&x), &entry["grad"], &format!("{name}: grad"));
        assert_close(
            &vmap(f)(&xs),
            &entry["vmap_value"],
            &format!("{name}: vmap"),
        );
        assert_close(
            &vmap(grad(f))(&xs),
            &entry["vmap_grad"],
            &format!("{name}: vmap(grad)"),
        );
        if let Some(h) = entry.get("hessian") {
            assert_close(&hessian(f)(&x), h, &format!("{name}: hessian"));
        }
    }
    golden.assert_sections_read(VALUE_SECTIONS);
}

fn primitive_names(text: &str) -> Vec<String> {
    // Each equation reads `outs = name[params] ins`; take the word after " = ".
    text.split(['\n', ';'])
        .filter_map(|line| line.split_once(" = ").map(|(_, rhs)| rhs))
        .map(|rhs| rhs.split([' ', '[']).next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn make_jaxpr_structure_matches_jax() {
    let golden = parity::load("transforms");
    let consts = golden.section("constants");
    let c = Constants {
        w: decode(&consts["W"]),
        b: decode(&consts["B"]),
        w2: decode(&consts["W2"]),
        k: decode(&consts["K"]),
    };
    let jaxprs = golden.section("jaxprs");
    let names = |key: &str| -> Vec<String> {
        jaxprs[key]["primitives"]
            .as_array()
            .expect("a list")
            .iter()
            .map(|v| v.as_str().expect("a name").to_string())
            .collect()
    };
    let y = jnp::ones([3]);
    let xs = jnp::ones([3, 5]);
    let x = jnp::ones([5]);

    let sin_mul = make_jaxpr(|a: &Array, b: &Array| a.sin() * b)(&y, &y);
    assert_eq!(
        sin_mul.to_string(),
        jaxprs["sin_mul"]["text"].as_str().unwrap()
    );

    let vmap_dot = make_jaxpr(vmap(|a: &Array, b: &Array| (a * b).sum(())))(&xs, &xs).to_string();
    assert_eq!(primitive_names(&vmap_dot), names("vmap_dot"), "{vmap_dot}");

    let layer = make_jaxpr(|x: &Array| run("tanh_layer", &c, x))(&x).to_string();
    assert_eq!(primitive_names(&layer), names("tanh_layer"), "{layer}");

    // The derivative program: the same primitives as JAX's (order may differ where JAX's
    // rules emit independent equations in another order).
    let g = make_jaxpr(grad(|a: &Array| (&(&a.sin() * a) * a).sum(())))(&y).to_string();
    let mut ours = primitive_names(&g);
    let mut theirs = names("grad_sin_sq");
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs, "{g}");
    golden.assert_sections_read(JAXPR_SECTIONS);
}
