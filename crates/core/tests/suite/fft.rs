//! `jnp.fft` and `lax.fft` against JAX 0.10.2 (`parity/fft.py` → `parity/goldens/fft.json`):
//! values, JVPs and VJPs of every transform with its `n`/`s`, `axis`/`axes` and `norm` variants
//! in single and double precision; then numerical derivative checks (orders 1 and 2, through
//! real and imaginary parts), vmap against a loop, jit against eager calls, and JAX's messages
//! for refused calls.

use equinox_core::numpy::fft::{self, FftNorm, FftOptions, FftnOptions};
use equinox_core::numpy::{self as jnp, Index};
use equinox_core::transforms::{check_grads, grad, jit, jvp, vjp, vmap};
use equinox_core::tree::PyTree;
use equinox_core::{lax, Array, Complex32, Complex64, DType};
use equinox_testing::close::{mismatches, Scale, Tolerance};
use equinox_testing::Golden;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn sizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .expect("a list")
        .iter()
        .map(|d| d.as_u64().expect("a size") as usize)
        .collect()
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("a data list")
        .iter()
        .map(|d| d.as_f64().expect("a number"))
        .collect()
}

/// An encoded array (complex data interleaved as `[re, im, ...]`).
fn decode(v: &Value) -> Array {
    let shape = sizes(&v["shape"]);
    let data = numbers(&v["data"]);
    let pairs = || data.chunks(2).map(|p| (p[0], p[1]));
    match v["dtype"].as_str().expect("a dtype") {
        "float32" => Array::from_vec(data.iter().map(|&x| x as f32).collect(), shape),
        "float64" => Array::from_vec(data, shape),
        "complex64" => Array::from_vec(
            pairs()
                .map(|(re, im)| Complex32::new(re as f32, im as f32))
                .collect(),
            shape,
        ),
        "complex128" => Array::from_vec(
            pairs().map(|(re, im)| Complex64::new(re, im)).collect(),
            shape,
        ),
        other => panic!("unexpected golden dtype {other}"),
    }
}

/// `a`'s values as f64, complex ones interleaved as the goldens store them.
fn host(a: &Array) -> Vec<f64> {
    if a.dtype().is_complex() {
        a.astype(DType::C128)
            .to_vec::<Complex64>()
            .iter()
            .flat_map(|z| [z.re, z.im])
            .collect()
    } else {
        a.astype(DType::F64).to_vec::<f64>()
    }
}

/// The script's patterns: real part `re(k)`, imaginary part `im(k)` for complex `like`.
fn pattern(like: &Array, re: fn(f64) -> f64, im: fn(f64) -> f64) -> Array {
    let n = like.size();
    let k = (0..n).map(|k| k as f64);
    if like.dtype().is_complex() {
        let v: Vec<Complex64> = k.map(|k| Complex64::new(re(k), im(k))).collect();
        Array::from_vec(v, like.shape()).astype(like.dtype())
    } else {
        let v: Vec<f64> = k.map(re).collect();
        Array::from_vec(v, like.shape()).astype(like.dtype())
    }
}

fn direction(like: &Array) -> Array {
    pattern(
        like,
        |k| ((k * 5.0) % 11.0 - 5.0) / 5.0,
        |k| ((k * 3.0) % 7.0 - 3.0) / 3.0,
    )
}

fn cotangent(like: &Array) -> Array {
    pattern(
        like,
        |k| ((k * 7.0) % 13.0 - 6.5) / 4.0,
        |k| ((k * 2.0) % 5.0 - 2.0) / 2.0,
    )
}

fn norm_of(v: &Value) -> FftNorm {
    match v.as_str() {
        None => FftNorm::Backward,
        Some("backward") => FftNorm::Backward,
        Some("ortho") => FftNorm::Ortho,
        Some("forward") => FftNorm::Forward,
        Some(other) => panic!("unknown norm {other}"),
    }
}

fn axes_of(v: &Value) -> Option<Vec<isize>> {
    v.as_array().map(|a| {
        a.iter()
            .map(|d| d.as_i64().expect("an axis") as isize)
            .collect()
    })
}

/// The transform a golden case names, with its options.
fn transform(name: &str, options: &Value) -> impl Fn(&Array) -> Array {
    let name = name.to_string();
    let one = FftOptions {
        n: options["n"].as_u64().map(|n| n as usize),
        axis: options["axis"].as_i64().unwrap_or(-1) as isize,
        norm: norm_of(&options["norm"]),
    };
    let many = FftnOptions {
        s: options.get("s").map(sizes),
        axes: axes_of(&options["axes"]),
        norm: norm_of(&options["norm"]),
    };
    move |x: &Array| match name.as_str() {
        "fft" => fft::fft_with(x, one),
        "ifft" => fft::ifft_with(x, one),
        "rfft" => fft::rfft_with(x, one),
        "irfft" => fft::irfft_with(x, one),
        "hfft" => fft::hfft_with(x, one),
        "ihfft" => fft::ihfft_with(x, one),
        "fft2" => fft::fft2_with(x, many.clone()),
        "ifft2" => fft::ifft2_with(x, many.clone()),
        "rfft2" => fft::rfft2_with(x, many.clone()),
        "irfft2" => fft::irfft2_with(x, many.clone()),
        "fftn" => fft::fftn_with(x, many.clone()),
        "ifftn" => fft::ifftn_with(x, many.clone()),
        "rfftn" => fft::rfftn_with(x, many.clone()),
        "irfftn" => fft::irfftn_with(x, many.clone()),
        other => panic!("no transform {other}"),
    }
}

fn tolerance(dtype: DType) -> Tolerance {
    match dtype {
        DType::F32 | DType::C64 => Tolerance::rel(2e-6),
        _ => Tolerance::rel(1e-13),
    }
}

fn check(what: &str, got: &Array, want: &Value, failures: &mut Vec<String>) {
    let want_arr = decode(want);
    if got.shape() != want_arr.shape() || got.dtype() != want_arr.dtype() {
        failures.push(format!(
            "{what}: {:?} {}, JAX {:?} {}",
            got.shape(),
            got.dtype(),
            want_arr.shape(),
            want_arr.dtype()
        ));
        return;
    }
    let bad = mismatches(
        what,
        &host(got),
        &host(&want_arr),
        tolerance(got.dtype()),
        Scale::Case,
    );
    if let Some(m) = bad.first() {
        failures.push(format!(
            "{what}: element {} got {} JAX {} ({} mismatches)",
            m.index,
            m.got,
            m.want,
            bad.len()
        ));
    }
}

#[test]
fn transforms_match_jax() {
    let golden = Golden::load("fft");
    let mut failures = Vec::new();
    for (i, case) in golden.section("cases").iter().enumerate() {
        let name = case["fn"].as_str().expect("a name");
        let x = decode(&case["x"]);
        let what = format!(
            "case {i} {name} {} {:?} {}",
            x.dtype(),
            x.shape(),
            case["options"]
        );
        let f = transform(name, &case["options"]);
        let out = f(&x);
        check(&format!("{what} out"), &out, &case["out"], &mut failures);
        let (_, t) = jvp(&f, &x, &direction(&x));
        check(&format!("{what} jvp"), &t, &case["jvp"], &mut failures);
        let (_, pullback) = vjp(&f, &x);
        let v = pullback.transpose(&cotangent(&out));
        check(&format!("{what} vjp"), &v, &case["vjp"], &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    golden.assert_sections_read(&["cases"]);
}

/// The message of a call that must panic.
fn panic_message(f: impl FnOnce() -> Array) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the call must panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn refused_calls_panic_with_jax_messages() {
    let golden = Golden::load("fft");
    let z = jnp::ones([4]).astype(DType::C64);
    let x = jnp::ones([2, 4]);
    for case in golden.section("errors").iter() {
        let call = case["call"].as_str().expect("a call name");
        let want = case["message"].as_str().expect("a message");
        let got = match call {
            "rfft_complex" => panic_message(|| fft::rfft(&z)),
            "fftn_repeated_axes" => panic_message(|| {
                fft::fftn_with(
                    &x,
                    FftnOptions {
                        axes: Some(vec![1, 1]),
                        ..Default::default()
                    },
                )
            }),
            "fftn_s_axes_lengths" => panic_message(|| {
                fft::fftn_with(
                    &x,
                    FftnOptions {
                        s: Some(vec![2, 4]),
                        axes: Some(vec![0]),
                        ..Default::default()
                    },
                )
            }),
            "fft2_three_axes" => panic_message(|| {
                fft::fft2_with(
                    &jnp::ones([2, 2, 2]),
                    FftnOptions {
                        axes: Some(vec![0, 1, 2]),
                        ..Default::default()
                    },
                )
            }),
            "lax_fft_rank" => panic_message(|| lax::fft(&z, lax::FftType::Fft, &[4, 4])),
            "lax_fft_lengths" => panic_message(|| lax::fft(&z, lax::FftType::Fft, &[3])),
            "lax_rfft_lengths" => panic_message(|| lax::fft(&x, lax::FftType::Rfft, &[3])),
            other => panic!("no call {other}"),
        };
        assert!(
            got.contains(want),
            "{call}: message {got:?} does not contain JAX's {want:?}"
        );
    }
    golden.assert_sections_read(&["errors"]);
}

/// A complex array from two real ones, and back: so the real-valued `check_grads` exercises
/// every rule of a complex transform (through `complex`, `real` and `imag`).
fn split(z: &Array) -> (Array, Array) {
    (lax::real(z), lax::imag(z))
}

/// `check_grads` of `f` (order 1), of its JVP along a fixed direction (order 2, forward over
/// forward) and of the gradient of a scalar function of its outputs (order 2, reverse over
/// reverse).
fn check_to_second_order<R: PyTree>(
    f: impl Fn(&(Array, Array)) -> R + Copy,
    loss: impl Fn(&R) -> Array + Copy,
    at: &(Array, Array),
) {
    let tol = 1e-6;
    check_grads(f, at, 1e-6, tol, tol);
    let dir = (jnp::cos(&at.0), jnp::sin(&at.1));
    check_grads(|p: &(Array, Array)| jvp(f, p, &dir).1, at, 1e-6, tol, tol);
    let scalar = move |p: &(Array, Array)| loss(&f(p));
    check_grads(scalar, at, 1e-6, tol, tol);
    check_grads(|p: &(Array, Array)| grad(scalar)(p), at, 1e-5, 1e-5, 1e-5);
}

#[test]
fn derivatives_check_numerically_to_second_order() {
    let re = jnp::linspace(-1.0, 1.5, 12)
        .astype(DType::F64)
        .reshape([3, 4]);
    let im = jnp::cos(&(&re * 3.0));
    let at = (re.clone(), im.clone());
    let energy = |o: &(Array, Array)| jnp::sum(&(&o.0 * &o.0 + &o.1 * &o.1 * 0.5), None);
    let complex_input = [
        "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "hfft", "irfft", "irfft2", "irfftn",
    ];
    for name in complex_input {
        // The real inverses read the Hermitian half: their derivative in the imaginary parts
        // of the zero (and Nyquist) frequencies is zero, which central differences see too.
        let f = move |p: &(Array, Array)| {
            let y = transform(name, &Value::Null)(&lax::complex(&p.0, &p.1));
            if y.dtype().is_complex() {
                split(&y)
            } else {
                (jnp::sin(&y), jnp::cos(&y))
            }
        };
        check_to_second_order(f, energy, &at);
    }
    for name in ["rfft", "rfft2", "rfftn", "ihfft"] {
        let f = move |p: &(Array, Array)| split(&transform(name, &Value::Null)(&(&p.0 * &p.1)));
        check_to_second_order(f, energy, &at);
    }
}

#[test]
fn vmap_and_jit_agree_with_eager_calls() {
    let re = jnp::linspace(-2.0, 1.0, 2 * 3 * 6).reshape([2, 3, 6]);
    let z = lax::complex(&re, &jnp::cos(&re));
    let cases: Vec<(&str, Array)> = vec![
        ("fft", z.clone()),
        ("ifft", z.clone()),
        ("fft2", z.clone()),
        ("fftn", z.clone()),
        ("irfft", z.clone()),
        ("irfftn", z.clone()),
        ("hfft", z.clone()),
        ("rfft", re.clone()),
        ("rfft2", re.clone()),
        ("ihfft", re.clone()),
    ];
    let options = serde_json::json!({"norm": "ortho"});
    for (name, x) in cases {
        let f = transform(name, &options);
        let mapped = vmap(&f)(&x);
        let looped: Vec<Array> = (0..2)
            .map(|i| f(&x.index([Index::from(i as i64)])))
            .collect();
        let refs: Vec<&Array> = looped.iter().collect();
        let want = jnp::stack(&refs, 0);
        assert_eq!(mapped.shape(), want.shape(), "{name}: vmap shape");
        let bad = mismatches(
            name,
            &host(&mapped),
            &host(&want),
            Tolerance::rel(1e-6),
            Scale::Case,
        );
        assert!(
            bad.is_empty(),
            "{name}: vmap differs from a loop: {:?}",
            bad.first()
        );
        let jitted = jit(&f)(&x);
        let eager = f(&x);
        let bad = mismatches(
            name,
            &host(&jitted),
            &host(&eager),
            Tolerance::rel(1e-6),
            Scale::Case,
        );
        assert!(
            bad.is_empty(),
            "{name}: jit differs from eager: {:?}",
            bad.first()
        );
    }
}

#[test]
fn round_trips_and_large_transforms() {
    // 2^20 points, the benchmark's size: irfft(rfft(x)) is x, and ifft(fft(z)) is z.
    let n = 1 << 20;
    let x = jnp::sin(&(jnp::arange(n as f64).astype(DType::F64) * 0.001));
    let back = fft::irfft_with(
        &fft::rfft(&x),
        FftOptions {
            n: Some(n),
            ..Default::default()
        },
    );
    let bad = mismatches(
        "rfft round trip",
        &host(&back),
        &host(&x),
        Tolerance::new(0.0, 1e-12),
        Scale::Element,
    );
    assert!(bad.is_empty(), "{:?}", bad.first());
    let z = lax::complex(&x, &jnp::cos(&x));
    let back = fft::ifft(&fft::fft(&z));
    let bad = mismatches(
        "fft round trip",
        &host(&back),
        &host(&z),
        Tolerance::new(0.0, 1e-12),
        Scale::Element,
    );
    assert!(bad.is_empty(), "{:?}", bad.first());
    // Parseval: sum |x|^2 = sum |X|^2 / n.
    let spectrum = fft::fft(&z);
    let energy = jnp::sum(&jnp::square(&jnp::abs(&z)), None).item::<f64>();
    let spectral = jnp::sum(&jnp::square(&jnp::abs(&spectrum)), None).item::<f64>() / n as f64;
    assert!(
        (energy - spectral).abs() <= 1e-9 * energy,
        "{energy} vs {spectral}"
    );
}
