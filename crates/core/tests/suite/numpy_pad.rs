//! `numpy::pad` / `numpy::pad_with` against `jnp.pad` (JAX 0.10.2; `parity/numpy_pad.py` →
//! `parity/goldens/numpy_pad.json`): every mode on float32 and int32 arrays of rank 0-3, narrow
//! and wide pads, `stat_length`, odd reflection, end values and per-axis constants. Integer
//! results match exactly and float32 ones bit for bit, except `mean` (whose sum XLA may add in
//! another order: within 2 ulp or 1e-7) and `linear_ramp` (XLA reassociates its constant
//! arithmetic: within 2 ulp, or 1e-6 where it cancels to near 0). Gradients of
//! `sum(pad(x) * w)` match within 1e-6 relative (sums of the same terms, maybe added in another
//! order). The calls JAX refuses panic; the empty-axis calls it accepts give its result. Then
//! the API's own properties and misuse messages.

use equinox_core::numpy::{self as jnp, PadMode, PadOptions, ReflectType};
use equinox_core::transforms::grad;
use equinox_core::{Array, DType};
use equinox_testing::golden::{bits, sizes};
use equinox_testing::panics::panic_message;
use equinox_testing::ulps::ulps_apart;
use equinox_testing::Golden;
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

const SECTIONS: &[&str] = &["inputs", "values", "grads", "errors"];

fn golden() -> Golden {
    Golden::load("numpy_pad")
}

/// An encoded golden array: float32 by bit pattern, int32 by value.
fn decode(v: &Value) -> Array {
    let shape = sizes(&v["shape"]);
    match v["dtype"].as_str().unwrap() {
        "float32" => {
            let data: Vec<f32> = bits(v).iter().map(|&b| f32::from_bits(b as u32)).collect();
            Array::from_vec(data, shape)
        }
        "int32" => {
            let data: Vec<i32> = v["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_i64().unwrap() as i32)
                .collect();
            Array::from_vec(data, shape)
        }
        other => panic!("unexpected golden dtype {other}"),
    }
}

fn pairs_f64(v: &Value) -> Vec<(f64, f64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect()
}

fn pairs_usize(v: &Value) -> Vec<(usize, usize)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = sizes(p);
            (s[0], s[1])
        })
        .collect()
}

/// The Rust options for a golden case's `mode` and `kwargs`.
fn options(case: &Value) -> PadOptions {
    let kwargs = &case["kwargs"];
    let reflect_type = match kwargs.get("reflect_type").and_then(Value::as_str) {
        None | Some("even") => ReflectType::Even,
        Some("odd") => ReflectType::Odd,
        Some(other) => panic!("reflect_type {other}"),
    };
    let stat_length = kwargs.get("stat_length").map(pairs_usize);
    let mode = match case["mode"].as_str().unwrap() {
        "constant" => match kwargs.get("constant_values") {
            None => PadMode::Constant(0.0),
            Some(v) => {
                let p = pairs_f64(v);
                if p.len() == 1 && p[0].0 == p[0].1 {
                    PadMode::Constant(p[0].0)
                } else {
                    PadMode::ConstantPairs(p)
                }
            }
        },
        "edge" => PadMode::Edge,
        "wrap" => PadMode::Wrap,
        "reflect" => PadMode::Reflect { reflect_type },
        "symmetric" => PadMode::Symmetric { reflect_type },
        "linear_ramp" => PadMode::LinearRamp {
            end_values: kwargs.get("end_values").map_or(vec![(0.0, 0.0)], pairs_f64),
        },
        "maximum" => PadMode::Maximum { stat_length },
        "minimum" => PadMode::Minimum { stat_length },
        "mean" => PadMode::Mean { stat_length },
        "median" => PadMode::Median { stat_length },
        "empty" => PadMode::Empty,
        other => panic!("unknown mode {other}"),
    };
    PadOptions { mode }
}

/// Compares `got` with the golden `want`: integers exactly, floats within `max_ulps` or
/// `abs_tol`; a description of the first difference, if any.
fn compare(got: &Array, want: &Value, max_ulps: u128, abs_tol: f32) -> Option<String> {
    let want = decode(want);
    if got.shape() != want.shape() || got.dtype() != want.dtype() {
        return Some(format!(
            "got {:?} {:?}, JAX {:?} {:?}",
            got.dtype(),
            got.shape(),
            want.dtype(),
            want.shape()
        ));
    }
    match got.dtype() {
        DType::I32 => {
            let (g, w) = (got.to_vec::<i32>(), want.to_vec::<i32>());
            (g != w).then(|| format!("got {g:?}, JAX {w:?}"))
        }
        _ => {
            let (g, w) = (got.to_vec::<f32>(), want.to_vec::<f32>());
            let bad = g.iter().zip(&w).position(|(a, b)| {
                !(a.is_nan() && b.is_nan())
                    && ulps_apart(u64::from(a.to_bits()), u64::from(b.to_bits()), 32) > max_ulps
                    && (a - b).abs() > abs_tol
            });
            bad.map(|i| format!("element {i}: got {}, JAX {} (got {g:?})", g[i], w[i]))
        }
    }
}

fn describe(case: &Value) -> String {
    format!(
        "{} pad_width={} mode={} kwargs={}",
        case.get("x")
            .map_or_else(|| format!("zeros{}", case["shape"]), |x| x.to_string()),
        case["pad_width"],
        case["mode"],
        case["kwargs"]
    )
}

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[SECTIONS]);
}

#[test]
fn pad_matches_jax() {
    let g = golden();
    let inputs = g.section("inputs");
    let mut failures = Vec::new();
    let mut n = 0;

    for case in g.section("values").iter() {
        let x = decode(&inputs[case["x"].as_str().unwrap()]);
        let pw = pairs_usize(&case["pad_width"]);
        // XLA may add a mean's terms in another order, and reassociates linear_ramp's
        // constant arithmetic (its division by `num` becomes a product with the reciprocal,
        // which this follows; the order of the products it picks depends on the program).
        let (ulps, abs_tol) = match case["mode"].as_str().unwrap() {
            "mean" => (2, 1e-7),
            "linear_ramp" => (2, 1e-6),
            _ => (0, 0.0),
        };
        let got = catch_unwind(AssertUnwindSafe(|| jnp::pad_with(&x, &pw, options(case))));
        match got {
            Err(_) => failures.push(format!("{}: panicked", describe(case))),
            Ok(got) => {
                if let Some(e) = compare(&got, &case["out"], ulps, abs_tol) {
                    failures.push(format!("{}: {e}", describe(case)));
                }
            }
        }
        n += 1;
    }

    for case in g.section("grads").iter() {
        let x = decode(&inputs[case["x"].as_str().unwrap()]);
        let pw = pairs_usize(&case["pad_width"]);
        let opts = options(case);
        let padded = jnp::pad_with(&x, &pw, opts.clone());
        // The parity script's weights: ((k * 7) % 13 - 6.5) / 4 for element k.
        let w: Vec<f32> = (0..padded.size())
            .map(|k| (((k * 7) % 13) as f32 - 6.5) / 4.0)
            .collect();
        let w = Array::from_vec(w, padded.shape().to_vec());
        let got = grad(|x: &Array| (jnp::pad_with(x, &pw, opts.clone()) * &w).sum(()))(&x);
        let want = decode(&case["grad"]).to_vec::<f32>();
        let got_v = got.to_vec::<f32>();
        if got.shape() != x.shape()
            || got_v
                .iter()
                .zip(&want)
                .any(|(a, b)| (a - b).abs() > 1e-6 * (1.0 + b.abs()))
        {
            failures.push(format!(
                "grad of {}: got {got_v:?}, JAX {want:?}",
                describe(case)
            ));
        }
        n += 1;
    }

    for case in g.section("errors").iter() {
        let x = match case.get("x") {
            Some(name) => decode(&inputs[name.as_str().unwrap()]),
            None => jnp::zeros(sizes(&case["shape"])),
        };
        let pw = pairs_usize(&case["pad_width"]);
        let got = catch_unwind(AssertUnwindSafe(|| jnp::pad_with(&x, &pw, options(case))));
        let raises = case.get("raises").is_some();
        match (got, raises) {
            (Err(_), true) => {}
            (Ok(_), true) => failures.push(format!("{}: JAX raises, this returns", describe(case))),
            (Err(_), false) => failures.push(format!("{}: panicked", describe(case))),
            (Ok(got), false) => {
                if let Some(e) = compare(&got, &case["out"], 0, 0.0) {
                    failures.push(format!("{}: {e}", describe(case)));
                }
            }
        }
        n += 1;
    }

    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from JAX:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(n > 400, "only {n} cases");
    inputs.whole();
    g.assert_all_read();
}

#[test]
fn pad_keeps_its_constant_mode() {
    let x = Array::from_vec(vec![1i32, 2, 3], [3]);
    assert_eq!(
        jnp::pad(&x, &[(1, 2)], 2.7).to_vec::<i32>(),
        vec![2, 1, 2, 3, 2, 2]
    );
    assert_eq!(
        jnp::pad_with(&x, &[(1, 2)], PadOptions::default()).to_vec::<i32>(),
        vec![0, 1, 2, 3, 0, 0]
    );
    let s = Array::scalar(5.0f32);
    assert_eq!(
        jnp::pad_with(&s, &[(3, 3)], PadMode::Edge.into()).shape(),
        &[] as &[usize]
    );
}

#[test]
fn wide_reflections_repeat_with_the_period_numpy_gives() {
    let x = Array::from_vec(vec![1i32, 2, 3], [3]);
    let reflect = PadMode::Reflect {
        reflect_type: ReflectType::Even,
    };
    let symmetric = PadMode::Symmetric {
        reflect_type: ReflectType::Even,
    };
    assert_eq!(
        jnp::pad_with(&x, &[(5, 5)], reflect.into()).to_vec::<i32>(),
        vec![2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2]
    );
    assert_eq!(
        jnp::pad_with(&x, &[(4, 4)], symmetric.into()).to_vec::<i32>(),
        vec![3, 3, 2, 1, 1, 2, 3, 3, 2, 1, 1]
    );
}

#[test]
fn misuse_panics_name_pad_and_the_shape() {
    let x = jnp::zeros([2, 3]);
    let msg = panic_message(|| {
        jnp::pad_with(&x, &[(1, 1), (1, 1), (1, 1)], PadMode::Edge.into());
    });
    assert_eq!(
        msg,
        "pad: pad_width with nd=2 has unsupported shape (3, 2); expected 1 or 2 (before, after) pairs for an array of shape (2, 3)"
    );
    let msg = panic_message(|| {
        jnp::pad(&x, &[], 0.0);
    });
    assert_eq!(
        msg,
        "pad: pad_width with nd=2 has unsupported shape (0, 2); expected 1 or 2 (before, after) pairs for an array of shape (2, 3)"
    );
    let msg = panic_message(|| {
        jnp::pad_with(
            &x,
            &[(1, 1)],
            PadMode::Mean {
                stat_length: Some(vec![(1, 1), (1, 1), (1, 1)]),
            }
            .into(),
        );
    });
    assert_eq!(
        msg,
        "pad: stat_length with nd=2 has unsupported shape (3, 2); expected 1 or 2 (before, after) pairs for an array of shape (2, 3)"
    );
    let msg = panic_message(|| {
        jnp::pad_with(&jnp::zeros([0, 3]), &[(1, 0), (0, 0)], PadMode::Wrap.into());
    });
    assert_eq!(
        msg,
        "pad: cannot apply 'wrap' padding to empty axis 0 of an array of shape (0, 3)"
    );
    let msg = panic_message(|| {
        jnp::pad_with(
            &x,
            &[(1, 1)],
            PadMode::Median {
                stat_length: Some(vec![(0, 1)]),
            }
            .into(),
        );
    });
    assert_eq!(msg, "pad: stat_length of 0 yields no value for padding");
}

#[test]
fn pads_trace_under_jit() {
    use equinox_core::transforms::jit;
    let x = Array::from_vec(vec![1.0f32, 2.0, 4.0], [3]);
    let mode = PadMode::Median { stat_length: None };
    let f = |x: &Array| jnp::pad_with(x, &[(1, 2)], mode.clone().into());
    assert_eq!(jit(f)(&x).to_vec::<f32>(), f(&x).to_vec::<f32>());
}
