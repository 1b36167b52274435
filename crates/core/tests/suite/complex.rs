//! complex64/complex128 against JAX 0.10.2 (`parity/complex.py` →
//! `parity/goldens/complex.json`): the promotion lattice with complex and weak types,
//! elementwise math, matmul and reductions on complex inputs (eagerly and under `jit`),
//! printing, JAX's convention for gradients of real-valued functions of complex inputs, VJPs
//! and JVPs of complex functions, `holomorphic=true` grad/jacfwd/jacrev, and the messages of
//! operations that refuse complex operands.

use crate::common;

use common::decode_golden;
use equinox_core::numpy as jnp;
use equinox_core::transforms::{
    grad, grad_with_options, jacfwd, jacfwd_with_options, jacrev, jacrev_with_options, jit, jvp,
    value_and_grad, vjp, vmap, GradOptions, JacobianOptions,
};
use equinox_core::{lax, promote_types, promote_types_weak, Array, Complex32, Complex64, DType};
use equinox_testing::panics::panic_message;
use equinox_testing::Golden;
use serde_json::Value;

fn golden() -> Golden {
    Golden::load("complex")
}

const PROMOTION: &[&str] = &["promote_types", "weak_lattice", "scalars"];
const ELEMENTWISE: &[&str] = &["unary", "binary", "matmul", "reductions"];
const AUTODIFF: &[&str] = &["grads", "vjp_jvp", "holomorphic"];
const MESSAGES: &[&str] = &["errors", "printing"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[PROMOTION, ELEMENTWISE, AUTODIFF, MESSAGES]);
}

fn dtype(v: &Value) -> DType {
    let name = v.as_str().expect("dtype name");
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// Elements as (re, im) pairs in f64 (real arrays: im = 0).
fn parts(a: &Array) -> Vec<(f64, f64)> {
    if a.dtype().is_complex() {
        a.to_vec::<Complex64>()
            .iter()
            .map(|z| (z.re, z.im))
            .collect()
    } else {
        a.to_vec::<f64>().iter().map(|&x| (x, 0.0)).collect()
    }
}

/// Asserts `got` equals the golden `want` in dtype and shape, and in value within `rtol` of
/// the case's largest magnitude (NaN matches NaN, infinities must be equal).
fn assert_matches(what: &str, got: &Array, want: &Value, rtol: f64) {
    let want = decode_golden(want);
    assert_eq!(
        (got.dtype(), got.shape()),
        (want.dtype(), want.shape()),
        "{what}: dtype/shape"
    );
    let (g, w) = (parts(got), parts(&want));
    let scale = w
        .iter()
        .flat_map(|&(r, i)| [r.abs(), i.abs()])
        .filter(|v| v.is_finite())
        .fold(1.0f64, f64::max);
    for (k, (&(gr, gi), &(wr, wi))) in g.iter().zip(&w).enumerate() {
        let ok = |a: f64, b: f64| {
            (a.is_nan() && b.is_nan())
                || a == b
                || (a.is_finite() && b.is_finite() && (a - b).abs() <= rtol * scale)
        };
        assert!(
            ok(gr, wr) && ok(gi, wi),
            "{what}: element {k} is {gr}{gi:+}i, JAX has {wr}{wi:+}i (rtol {rtol}, scale {scale})"
        );
    }
}

/// The tolerance for a case computed in `d` (complex kernels and JAX's XLA differ in the
/// last bits of transcendental functions).
fn rtol(d: DType) -> f64 {
    match d.real_dtype() {
        DType::F32 => 4e-6,
        _ => 1e-13,
    }
}

/// The library's weak results are JAX's default-mode types (see `tests/promotion.rs`): a weak
/// result from x64 mode is mapped to int32/float32/complex64 by kind.
fn weak_default(d: DType, weak: bool) -> DType {
    match (d, weak) {
        (d, true) if d.is_complex() => DType::C64,
        (d, true) if d.is_float() => DType::F32,
        (d, true) if d.is_integer() => DType::I32,
        (d, _) => d,
    }
}

#[test]
fn promote_types_matches_jax() {
    let g = golden();
    for row in g.section("promote_types").iter() {
        let (a, b, want) = (dtype(&row[0]), dtype(&row[1]), dtype(&row[2]));
        assert_eq!(promote_types(a, b), want, "promote_types({a}, {b})");
    }
    g.assert_sections_read(&["promote_types"]);
}

#[test]
fn weak_lattice_matches_jax() {
    let g = golden();
    for row in g.section("weak_lattice").iter() {
        let (a, b) = (dtype(&row["a"]), dtype(&row["b"]));
        let (aw, bw) = (
            row["a_weak"].as_bool().unwrap(),
            row["b_weak"].as_bool().unwrap(),
        );
        let weak = row["weak"].as_bool().unwrap();
        // JAX-x64 carries a weak unsigned result as uint64, a dtype this library lacks; the
        // library's weak integers are int32 whatever their signedness.
        let result = match row["result"].as_str().unwrap() {
            "uint64" if weak => DType::I64,
            _ => dtype(&row["result"]),
        };
        let want = (weak_default(result, weak), weak);
        assert_eq!(
            promote_types_weak(a, aw, b, bw),
            want,
            "promote_types_weak({a}, weak={aw}, {b}, weak={bw})"
        );
    }
    g.assert_sections_read(&["weak_lattice"]);
}

#[test]
fn rust_scalars_promote_like_python_scalars() {
    let g = golden();
    for row in g.section("scalars").iter() {
        let d = dtype(&row["dtype"]);
        let arr = jnp::zeros_dtype([2], d);
        let s = match row["scalar"].as_str().unwrap() {
            "bool" => Array::scalar(true),
            "int" => Array::weak_scalar(3i32),
            "float" => Array::weak_scalar(2.5f64),
            "complex" => Array::weak_scalar(Complex64::new(1.0, 2.0)),
            k => panic!("unknown scalar kind {k}"),
        };
        let r = match row["order"].as_str().unwrap() {
            "array_first" => &arr + &s,
            _ => &s + &arr,
        };
        let weak = row["weak"].as_bool().unwrap();
        let want = weak_default(dtype(&row["result"]), weak);
        assert_eq!((r.dtype(), r.weak_type()), (want, weak), "{row}");
    }
    g.assert_sections_read(&["scalars"]);
}

fn unary_fn(name: &str) -> fn(&Array) -> Array {
    match name {
        "neg" => jnp::negative,
        "exp" => jnp::exp,
        "log" => jnp::log,
        "log1p" => jnp::log1p,
        "expm1" => jnp::expm1,
        "sqrt" => jnp::sqrt,
        "sin" => jnp::sin,
        "cos" => jnp::cos,
        "tanh" => jnp::tanh,
        "square" => jnp::square,
        "abs" => jnp::abs,
        "sign" => jnp::sign,
        "real" => jnp::real,
        "imag" => jnp::imag,
        "conj" => jnp::conj,
        "angle" => jnp::angle,
        "reciprocal" => jnp::reciprocal,
        "cube" => |z| jnp::integer_pow(z, 3),
        "inv_square" => |z| jnp::integer_pow(z, -2),
        "iscomplex" => jnp::iscomplex,
        "isreal" => jnp::isreal,
        "isfinite" => jnp::isfinite,
        "mul_i" => |z| z * Complex64::new(0.0, 1.0),
        "add_real_scalar" => |z| z + 2.5,
        other => panic!("unknown unary case {other}"),
    }
}

fn binary_fn(name: &str) -> fn(&Array, &Array) -> Array {
    match name {
        "add" => jnp::add,
        "sub" => jnp::subtract,
        "mul" => jnp::multiply,
        "div" => jnp::divide,
        "pow" => jnp::power,
        "eq" => jnp::equal,
        "ne" => jnp::not_equal,
        other => panic!("unknown binary case {other}"),
    }
}

#[test]
fn elementwise_functions_match_jax_eagerly_and_jitted() {
    let g = golden();
    for case in g.section("unary").iter() {
        let name = case["fn"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        let f = unary_fn(name);
        let what = format!("{name}({})", x.dtype());
        assert_matches(&what, &f(&x), &case["out"], rtol(x.dtype()));
        assert_matches(
            &format!("jit {what}"),
            &jit(f)(&x),
            &case["out"],
            rtol(x.dtype()),
        );
    }
    for case in g.section("binary").iter() {
        let name = case["fn"].as_str().unwrap();
        let (x, y) = (decode_golden(&case["x"]), decode_golden(&case["y"]));
        let f = binary_fn(name);
        let what = format!("{name}({})", x.dtype());
        assert_matches(&what, &f(&x, &y), &case["out"], rtol(x.dtype()));
        assert_matches(
            &format!("jit {what}"),
            &jit(f)(&x, &y),
            &case["out"],
            rtol(x.dtype()),
        );
    }
    g.assert_sections_read(&["unary", "binary"]);
}

#[test]
fn matmul_and_reductions_match_jax() {
    let g = golden();
    for case in g.section("matmul").iter() {
        let (x, y) = (decode_golden(&case["x"]), decode_golden(&case["y"]));
        let what = format!("matmul({}, {})", x.aval(), y.aval());
        assert_matches(&what, &jnp::matmul(&x, &y), &case["out"], rtol(x.dtype()));
        let jitted = jit(|x: &Array, y: &Array| jnp::matmul(x, y))(&x, &y);
        assert_matches(
            &format!("jit {what}"),
            &jitted,
            &case["out"],
            rtol(x.dtype()),
        );
    }
    for case in g.section("reductions").iter() {
        let name = case["fn"].as_str().unwrap();
        let x = decode_golden(&case["x"]);
        let axis: Option<isize> = case["axis"].as_i64().map(|a| a as isize);
        let out = match (name, axis) {
            ("sum", None) => x.sum(None),
            ("sum", Some(a)) => x.sum(a),
            ("prod", None) => x.prod(None),
            ("prod", Some(a)) => x.prod(a),
            ("mean", None) => x.mean(None),
            ("mean", Some(a)) => x.mean(a),
            other => panic!("unknown reduction {other:?}"),
        };
        assert_matches(
            &format!("{name}(axis={axis:?})"),
            &out,
            &case["out"],
            rtol(x.dtype()),
        );
    }
    g.assert_sections_read(&["matmul", "reductions"]);
}

/// The script's `W`, in `like`'s dtype.
fn w_matrix(like: DType) -> Array {
    let w = [
        (0.5, -1.0),
        (2.0, 0.25),
        (-1.0, 0.5),
        (0.0, 0.75),
        (1.5, 0.0),
        (-0.5, -0.5),
    ];
    let w: Vec<Complex64> = w.iter().map(|&(r, i)| Complex64::new(r, i)).collect();
    Array::from_vec(w, [3, 2]).astype(like)
}

fn sq(x: &Array) -> Array {
    jnp::integer_pow(x, 2)
}

/// The script's `GRAD_FNS`: real-valued functions of a complex vector.
fn grad_fn(name: &str, z: &Array) -> Array {
    let (re, im, abs) = (jnp::real, jnp::imag, jnp::abs);
    match name {
        "abs2" => sq(&abs(z)).sum(None),
        "abs" => abs(z).sum(None),
        "real_sq" => re(&(z * z)).sum(None),
        "imag_sin_exp" => (im(&jnp::sin(z)) * re(&jnp::exp(z))).sum(None),
        "conj_mul" => re(&(&(jnp::conj(z) * z) * Complex64::new(1.0, 2.0))).sum(None),
        "matmul_abs2" => sq(&abs(&jnp::matmul(z, &w_matrix(z.dtype())))).sum(None),
        "log_abs_sqrt" => (jnp::angle(&jnp::sqrt(z)) + jnp::log(&abs(z))).sum(None),
        "div_tanh" => re(&(jnp::tanh(z) / (z + 2.0))).sum(None),
        "complex_ctor" => {
            let c = lax::complex(&(re(z) * 2.0), &sq(&im(z)));
            sq(&abs(&c)).sum(None)
        }
        "mean_prod" => re(&z.prod(None)) + im(&(z * z).mean(None)),
        other => panic!("unknown grad case {other}"),
    }
}

/// The script's `VJP_FNS`: complex-to-complex functions.
fn vjp_fn(name: &str, z: &Array) -> Array {
    match name {
        "sin_conj" => jnp::sin(z) * jnp::conj(z),
        "exp_matmul" => jnp::matmul(&jnp::exp(z), &w_matrix(z.dtype())),
        "real_imag" => lax::complex(&jnp::imag(z), &(jnp::real(z) * 3.0)),
        "sqrt_div" => jnp::sqrt(z) / (z * z + 1.0),
        other => panic!("unknown vjp case {other}"),
    }
}

/// The script's `HOLO_FNS`: holomorphic functions.
fn holo_fn(name: &str, z: &Array) -> Array {
    match name {
        "cube_sin" => jnp::integer_pow(z, 3) + jnp::sin(z),
        "exp_over" => jnp::exp(z) / (z + 2.0),
        "log_sq" => jnp::log(z) * z,
        other => panic!("unknown holomorphic case {other}"),
    }
}

#[test]
fn grads_of_real_functions_of_complex_inputs_match_jax() {
    let g = golden();
    for case in g.section("grads").iter() {
        let name = case["fn"].as_str().unwrap();
        let z = decode_golden(&case["z"]);
        let tol = rtol(z.dtype()) * 4.0;
        let (v, dz) = value_and_grad(|z: &Array| grad_fn(name, z))(&z);
        assert_matches(&format!("{name} value"), &v, &case["value"], tol);
        assert_matches(
            &format!("grad {name}({})", z.dtype()),
            &dz,
            &case["grad"],
            tol,
        );
        let jitted = jit(grad(|z: &Array| grad_fn(name, z)))(&z);
        assert_matches(&format!("jit grad {name}"), &jitted, &case["grad"], tol);
    }
    g.assert_sections_read(&["grads"]);
}

#[test]
fn vjps_and_jvps_of_complex_functions_match_jax() {
    let g = golden();
    for case in g.section("vjp_jvp").iter() {
        let name = case["fn"].as_str().unwrap();
        let (z, ct, t) = (
            decode_golden(&case["z"]),
            decode_golden(&case["ct"]),
            decode_golden(&case["t"]),
        );
        let tol = rtol(z.dtype()) * 4.0;
        let (out, pullback) = vjp(|z: &Array| vjp_fn(name, z), &z);
        assert_matches(&format!("{name} value"), &out, &case["out"], tol);
        assert_matches(
            &format!("vjp {name}"),
            &pullback.transpose(&ct),
            &case["vjp"],
            tol,
        );
        let (_, tangent) = jvp(|z: &Array| vjp_fn(name, z), &z, &t);
        assert_matches(&format!("jvp {name}"), &tangent, &case["jvp"], tol);
    }
    g.assert_sections_read(&["vjp_jvp"]);
}

#[test]
fn holomorphic_derivatives_match_jax() {
    let g = golden();
    let holo = GradOptions { holomorphic: true };
    let jac = JacobianOptions { holomorphic: true };
    for case in g.section("holomorphic").iter() {
        let name = case["fn"].as_str().unwrap();
        let how = case["how"].as_str().unwrap();
        let z = decode_golden(&case["z"]);
        let f = |z: &Array| holo_fn(name, z);
        let out = match how {
            "grad" => grad_with_options(f, holo)(&z),
            "jacfwd" => jacfwd_with_options(f, jac)(&z),
            "jacrev" => jacrev_with_options(f, jac)(&z),
            other => panic!("unknown holomorphic transformation {other}"),
        };
        assert_matches(
            &format!("{how} {name}"),
            &out,
            &case["out"],
            rtol(z.dtype()) * 4.0,
        );
    }
    g.assert_sections_read(&["holomorphic"]);
}

/// JAX's message without the operand position (`lt does not accept dtype complex64 at
/// position 0.` → `lt does not accept dtype complex64`), which this library does not name.
fn message_core(jax: &str) -> String {
    let first = jax.split(". ").next().unwrap_or(jax);
    first
        .split(" at position")
        .next()
        .unwrap_or(first)
        .to_string()
}

#[test]
fn complex_operands_where_jax_refuses_them_panic_with_jax_message() {
    let g = golden();
    let z = Array::from_vec(
        vec![
            Complex32::new(1.0, 2.0),
            Complex32::new(3.0, -1.0),
            Complex32::new(0.0, 0.5),
            Complex32::new(2.0, 0.0),
        ],
        [4],
    );
    for case in g.section("errors").iter() {
        let op = case["op"].as_str().unwrap();
        let jax = case["message"].as_str().unwrap();
        let z = z.clone();
        let got = panic_message(move || match op {
            "floor" => drop(jnp::floor(&z)),
            "ceil" => drop(jnp::ceil(&z)),
            "rem" => drop(jnp::remainder(&z, &z)),
            "lt" => drop(jnp::less(&z, &z)),
            "argmax" => drop(z.argmax(0)),
            "clip" => drop(jnp::clip(&z, Some(&Array::scalar(0.0f32)), None)),
            "floor_divide" => drop(jnp::floor_divide(&z, &z)),
            "grad_complex_output" => drop(grad(|v: &Array| (v * v).sum(None))(&z)),
            "jacfwd_complex_input" => drop(jacfwd(jnp::sin)(&z)),
            "jacrev_complex_output" => drop(jacrev(jnp::sin)(&z)),
            "grad_holomorphic_real" => drop(grad_with_options(
                |v: &Array| v.sum(None),
                GradOptions { holomorphic: true },
            )(&jnp::real(&z))),
            "real_of_real" => drop(lax::real(&jnp::real(&z))),
            other => panic!("unknown error case {other}"),
        });
        // JAX's `argmax` fails inside its `gt`; this library names the operation called.
        let want = match op {
            "argmax" => "argmax does not accept dtype complex64".to_string(),
            _ => message_core(jax),
        };
        assert!(
            got.contains(&want),
            "{op}: the message\n  {got}\ndoes not contain JAX's\n  {want}"
        );
    }
    g.assert_sections_read(&["errors"]);
}

/// A named operation on one array.
type NamedOp = (&'static str, Box<dyn Fn(&Array) -> Array>);

#[test]
fn operations_without_complex_support_name_the_operation_and_dtype() {
    // JAX accepts these (ordering complex numbers lexicographically, or with complex kernels
    // this library does not have yet); here they refuse complex operands by name.
    let z = Array::from_vec(vec![Complex64::new(1.0, 2.0); 4], [2, 2]);
    let cases: Vec<NamedOp> = vec![
        ("max", Box::new(|z| z.max(None))),
        ("max", Box::new(|z| jnp::maximum(z, z))),
        ("round", Box::new(jnp::round)),
        ("atan2", Box::new(|z| jnp::arctan2(z, z))),
    ];
    for (op, f) in cases {
        let z = z.clone();
        let msg = panic_message(move || drop(f(&z)));
        assert!(
            msg.contains(op) && msg.contains("does not accept dtype complex128"),
            "{op}: {msg}"
        );
    }
}

#[test]
fn printing_matches_numpy_and_jax() {
    let g = golden();
    for case in g.section("printing").iter() {
        let x = decode_golden(&case["x"]);
        assert_eq!(
            x.to_string(),
            case["str"].as_str().unwrap(),
            "str of {}",
            x.aval()
        );
        assert_eq!(
            format!("{x:?}"),
            case["repr"].as_str().unwrap(),
            "repr of {}",
            x.aval()
        );
    }
    g.assert_sections_read(&["printing"]);
}

#[test]
fn construction_conversion_and_parts() {
    let re = Array::from_vec(vec![1.0f32, -2.0], [2]);
    let im = Array::from_vec(vec![0.5f32, 3.0], [2]);
    let z = lax::complex(&re, &im);
    assert_eq!(z.dtype(), DType::C64);
    assert_eq!(
        z.to_vec::<Complex32>(),
        vec![Complex32::new(1.0, 0.5), Complex32::new(-2.0, 3.0)]
    );
    assert_eq!(jnp::real(&z).to_vec::<f32>(), vec![1.0, -2.0]);
    assert_eq!(jnp::imag(&z).to_vec::<f32>(), vec![0.5, 3.0]);
    assert!(jnp::iscomplexobj(&z) && !jnp::iscomplexobj(&re));
    // astype: real → complex has imaginary part 0; complex → real keeps the real part.
    assert_eq!(
        re.astype(DType::C128).to_vec::<Complex64>(),
        vec![Complex64::new(1.0, 0.0), Complex64::new(-2.0, 0.0)]
    );
    assert_eq!(z.astype(DType::F64).to_vec::<f64>(), vec![1.0, -2.0]);
    assert_eq!(
        z.astype(DType::C128).to_vec::<Complex64>(),
        vec![Complex64::new(1.0, 0.5), Complex64::new(-2.0, 3.0)]
    );
    // A float64 part gives complex128; a complex Rust scalar keeps a float32 array's precision.
    let z64 = lax::complex(&Array::scalar(1.0f64), &Array::scalar(2.0f64));
    assert_eq!(z64.dtype(), DType::C128);
    let zi = &re * Complex64::new(0.0, 1.0);
    assert_eq!(zi.dtype(), DType::C64);
    assert_eq!(
        zi.to_vec::<Complex32>(),
        vec![Complex32::new(0.0, 1.0), Complex32::new(0.0, -2.0)]
    );
    // |z| is real.
    let a = jnp::abs(&Array::scalar(Complex64::new(3.0, 4.0)));
    assert_eq!((a.dtype(), a.item::<f64>()), (DType::F64, 5.0));
}

#[test]
fn grad_of_abs_squared_is_twice_the_conjugate() {
    // jax.grad(lambda z: jnp.abs(z) ** 2)(1 + 2j) == 2 - 4j.
    let g = grad(|z: &Array| sq(&jnp::abs(z)))(&Array::scalar(Complex64::new(1.0, 2.0)));
    assert!((g.item::<Complex64>() - Complex64::new(2.0, -4.0)).norm() < 1e-15);
}

#[test]
fn vmap_of_complex_function_equals_a_loop() {
    let zs = Array::from_vec(
        (0..6)
            .map(|k| Complex64::new(k as f64 * 0.3 - 0.7, 1.0 - k as f64 * 0.2))
            .collect::<Vec<_>>(),
        [3, 2],
    );
    let f = |z: &Array| grad(|z: &Array| grad_fn("imag_sin_exp", z))(z);
    let batched = vmap(f)(&zs);
    for i in 0..3 {
        let row = lax::slice_in_dim(&zs, i, i + 1, 1, 0).reshape([2]);
        let want = f(&row).to_vec::<Complex64>();
        let got = lax::slice_in_dim(&batched, i, i + 1, 1, 0).to_vec::<Complex64>();
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).norm() < 1e-12, "row {i}: {g} vs {w}");
        }
    }
}
