//! `jax.lax`'s special functions against JAX 0.10.2 (`parity/lax_special.py`): values in
//! float32 and float64, the derivatives JAX defines (grad of the sum, so elementwise), the
//! panics where JAX defines none, lax's dtype rule, and the batching rule.

use crate::common;

use common::{golden_array as array, golden_dtype as dtype_of};
use equinox_core::transforms::{grad, jit, make_jaxpr, vmap};
use equinox_core::{lax, numpy as jnp, Array, DType};
use equinox_testing::close::{mismatches, Scale};
use equinox_testing::golden::encoded;
use equinox_testing::panics::panic_message;
use equinox_testing::{Golden, Tolerance};
use serde_json::Value;

fn call(name: &str, a: &[Array]) -> Array {
    match (name, a) {
        ("lgamma", [x]) => lax::lgamma(x),
        ("digamma", [x]) => lax::digamma(x),
        ("erf", [x]) => lax::erf(x),
        ("erfc", [x]) => lax::erfc(x),
        ("erf_inv", [x]) => lax::erf_inv(x),
        ("bessel_i0e", [x]) => lax::bessel_i0e(x),
        ("bessel_i1e", [x]) => lax::bessel_i1e(x),
        ("igamma", [a, x]) => lax::igamma(a, x),
        ("igammac", [a, x]) => lax::igammac(a, x),
        ("igamma_grad_a", [a, x]) => lax::igamma_grad_a(a, x),
        ("random_gamma_grad", [a, x]) => lax::random_gamma_grad(a, x),
        ("zeta", [x, q]) => lax::zeta(x, q),
        ("polygamma", [m, x]) => lax::polygamma(m, x),
        ("betainc", [a, b, x]) => lax::betainc(a, b, x),
        _ => panic!("no function {name} of {} operands", a.len()),
    }
}

/// The elementwise derivative of `name` in operand `i` at `args` (grad of the sum).
fn grad_in(name: &str, args: &[Array], i: usize) -> Array {
    let args = args.to_vec();
    let at = args[i].clone();
    grad(move |v: &Array| {
        let mut a = args.clone();
        a[i] = v.clone();
        jnp::sum(&call(name, &a), ())
    })(&at)
}

fn tol(dtype: DType, name: &str) -> Tolerance {
    match (dtype, name) {
        // The continued fractions and series sum many terms; their float32 results differ
        // from XLA's by a few ulp (XLA fuses multiply-adds).
        (DType::F32, "betainc" | "igamma_grad_a" | "random_gamma_grad" | "zeta" | "polygamma") => {
            Tolerance::new(2e-5, 1e-6)
        }
        (DType::F32, _) => Tolerance::new(4e-6, 1e-7),
        _ => Tolerance::new(1e-12, 1e-15),
    }
}

fn case_name(c: &Value) -> String {
    format!(
        "{} {}",
        c["name"].as_str().unwrap(),
        c["dtype"].as_str().unwrap()
    )
}

/// Collects the mismatches of every case, so one run reports them all.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn check(&mut self, what: &str, got: &Array, want: &[f64], tol: Tolerance) {
        for m in mismatches(what, &got.to_vec::<f64>(), want, tol, Scale::Element) {
            self.0
                .push(format!("{m} (rtol {:e}, atol {:e})", tol.rtol, tol.atol));
        }
    }
}

#[test]
fn values_and_grads_match_jax() {
    let g = Golden::load("lax_special");
    let mut report = Report::default();
    for c in g.section("cases").iter() {
        let name = c["name"].as_str().unwrap();
        let what = case_name(c);
        let args: Vec<Array> = c["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| array(&encoded(v)))
            .collect();
        let want = encoded(&c["value"]);
        let dtype = dtype_of(&want.dtype);
        let got = call(name, &args);
        assert_eq!(got.dtype(), dtype, "{what}");
        assert_eq!(got.shape(), want.shape.as_slice(), "{what}");
        report.check(&format!("{what} value"), &got, &want.data, tol(dtype, name));
        for (i, gv) in c["grads"].as_array().unwrap().iter().enumerate() {
            if gv.is_null() {
                continue;
            }
            let want = encoded(gv);
            let got = grad_in(name, &args, i);
            let t = Tolerance::new(tol(dtype, name).rtol * 4.0, tol(dtype, name).atol * 4.0);
            report.check(&format!("{what} grad {i}"), &got, &want.data, t);
        }
        if name == "betainc" {
            let gx = &c["grad_x"];
            let gargs: Vec<Array> = gx["args"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| array(&encoded(v)))
                .collect();
            let got = grad_in(name, &gargs, 2);
            let t = Tolerance::new(tol(dtype, name).rtol * 4.0, tol(dtype, name).atol * 4.0);
            report.check(
                &format!("{what} grad x"),
                &got,
                &encoded(&gx["grad"]).data,
                t,
            );
        }
    }
    g.assert_all_read();
    assert!(
        report.0.is_empty(),
        "{} mismatches:\n{}",
        report.0.len(),
        report.0.join("\n")
    );
}

#[test]
fn missing_derivatives_panic_with_jaxs_messages() {
    let a = Array::from_vec(vec![2.0f32, 3.0], [2]);
    let x = Array::from_vec(vec![0.5f32, 0.25], [2]);
    let msg = panic_message(|| {
        grad_in("betainc", &[a.clone(), a.clone(), x.clone()], 0);
    });
    assert_eq!(
        msg,
        "Betainc gradient with respect to a and b not supported."
    );
    let msg = panic_message(|| {
        grad_in("polygamma", &[a.clone(), x.clone()], 0);
    });
    assert_eq!(msg, "polygamma gradient with respect to m is not supported");
    let msg = panic_message(|| {
        grad_in("zeta", &[a.clone(), x.clone()], 1);
    });
    assert_eq!(msg, "Differentiation rule for 'zeta' not implemented");
    let msg = panic_message(|| {
        grad_in("igamma_grad_a", &[a.clone(), x.clone()], 0);
    });
    assert_eq!(
        msg,
        "Differentiation rule for 'igamma_grad_a' not implemented"
    );
}

#[test]
fn lax_does_not_promote() {
    let a = Array::from_vec(vec![2.0f32, 3.0], [2]);
    let x = Array::from_vec(vec![0.5f64, 0.25], [2]);
    let msg = panic_message(|| {
        lax::igamma(&a, &x);
    });
    assert_eq!(
        msg,
        "lax.igamma requires arguments to have the same dtypes, got float32, float64."
    );
    // A weakly typed scalar takes the other operand's dtype, as a Python scalar does in JAX.
    let y = lax::igamma(&a, &Array::weak_scalar(1.0f64));
    assert_eq!(y.dtype(), DType::F32);
    let want = lax::igamma(&a, &Array::scalar(1.0f32));
    assert_eq!(y.to_vec::<f32>(), want.to_vec::<f32>());
    let msg = panic_message(|| {
        lax::bessel_i0e(&Array::from_vec(vec![1i32], [1]));
    });
    assert!(
        msg.contains("bessel_i0e") && msg.contains("floating-point"),
        "{msg}"
    );
}

#[test]
fn vmap_matches_the_unbatched_values() {
    let a = Array::from_vec(vec![0.5f64, 1.0, 2.5, 10.0, 3.0, 0.2], [2, 3]);
    let x = Array::from_vec(vec![0.2f64, 1.0, 3.0, 8.0, 2.0, 0.1], [2, 3]);
    let direct = lax::igammac(&a, &x).to_vec::<f64>();
    let mapped = vmap(|(a, x): &(Array, Array)| lax::igammac(a, x))(&(a.clone(), x.clone()));
    assert_eq!(mapped.to_vec::<f64>(), direct);
    let b = Array::from_vec(vec![2.0f64, 3.0, 0.5], [3]);
    let direct = lax::betainc(&a, &b.broadcast_to([2, 3]), &(&x / 10.0)).to_vec::<f64>();
    let mapped = vmap(|(a, x): &(Array, Array)| lax::betainc(a, &b, x))(&(a.clone(), &x / 10.0));
    assert_eq!(mapped.to_vec::<f64>(), direct);
}

#[test]
fn jit_and_grad_of_jit_match_eager() {
    let a = Array::from_vec(vec![0.5f32, 2.5, 10.0, 3.0], [4]);
    let x = Array::from_vec(vec![0.2f32, 3.0, 12.0, 1.5], [4]);
    let f = |a: &Array, x: &Array| {
        &(&lax::igamma(a, x) + &lax::bessel_i1e(x)) + &lax::zeta(&(a + 2.0), x)
    };
    let eager = f(&a, &x).to_vec::<f32>();
    let jitted = jit(f)(&a, &x).to_vec::<f32>();
    assert_eq!(jitted, eager);
    let g = |x: &Array| jnp::sum(&(&lax::igammac(&a, x) * &lax::bessel_i0e(x)), ());
    let eager_grad = grad(g)(&x).to_vec::<f32>();
    assert_eq!(jit(grad(g))(&x).to_vec::<f32>(), eager_grad);
    let text = make_jaxpr(|x: &Array| lax::igamma(&Array::scalar(2.0f32), x))(&x).to_string();
    assert!(text.contains("igamma"), "{text}");
}
