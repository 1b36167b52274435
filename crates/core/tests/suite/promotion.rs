//! Dtype promotion against JAX's own answers (`parity/goldens/promotion.json`, written by
//! `parity/promotion.py` with real JAX).
//!
//! What "right" means for this library, which has no x64 switch:
//! - Explicit dtypes behave as in JAX with `jax_enable_x64`: `promote_types(u32, i32)` is
//!   `int64`, `float64` stays `float64`. (JAX's default mode would canonicalise those to 32 bits;
//!   here a user who asks for a 64-bit dtype gets it.)
//! - Rust scalars are weak types as Python scalars are in JAX's *default* mode: an integer
//!   literal is a weak `int32` and a float literal a weak `float32`. So `int64_array * 2.0` is a
//!   weak `float32` here where JAX-x64 says weak `float64` (its Python floats are 64-bit); those
//!   golden rows (computed with x64 on, marked `"x64": true`) are mapped: a weak 64-bit result
//!   is expected as the weak 32-bit type of the same kind.
//! - `uint64` with a signed integer is a *strong* `float64` here where JAX-x64 makes it weak:
//!   a weak result would re-promote as `float32` in this library and lose precision. The
//!   `array_array` rows that JAX marks weak are expected strong (see [`strong_expected`]).

use equinox_core::{numpy as jnp, promote_types, promote_types_weak, Array, DType};
use equinox_testing::Golden;
use serde_json::Value;

fn golden() -> Golden {
    Golden::load("promotion")
}

/// The sections of `promotion.json` each test checks.
const PAIR_SECTIONS: &[&str] = &["dtypes", "promote_types", "array_array"];
const WEAK_SECTIONS: &[&str] = &["weak"];
const SCALAR_SECTIONS: &[&str] = &["scalar_scalar"];

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[PAIR_SECTIONS, WEAK_SECTIONS, SCALAR_SECTIONS]);
}

fn dtype(v: &Value) -> DType {
    let name = v.as_str().expect("dtype name");
    DType::from_name(name).unwrap_or_else(|| panic!("unknown dtype {name}"))
}

/// What a Python scalar of `kind` becomes in Rust: a bool is strongly typed (as in JAX), ints
/// and floats are weak.
fn scalar_of(kind: &str) -> Array {
    match kind {
        "bool" => Array::scalar(true),
        "int" => Array::weak_scalar(3i32),
        "float" => Array::weak_scalar(2.5f64),
        k => panic!("unknown scalar kind {k}"),
    }
}

/// The weak flag this library gives two strong operands: never weak (module docs).
fn strong_expected(row: &Value) -> (DType, bool) {
    let (d, jax_weak) = (dtype(&row[2]), row[3].as_bool().unwrap());
    // JAX's only weak strong-strong results are uint64 with a signed integer → float64.
    assert!(!jax_weak || d == DType::F64, "unexpected weak row {row}");
    (d, false)
}

/// The expectation for this library (see the module docs): weak 64-bit results of x64-mode rows
/// become the 32-bit weak type.
fn expected(row: &Value) -> (DType, bool) {
    let d = dtype(&row["result"]);
    let weak = row["weak_type"].as_bool().unwrap();
    let d = match (d, weak) {
        (DType::F64, true) => DType::F32,
        (DType::I64, true) => DType::I32,
        (d, _) => d,
    };
    (d, weak)
}

#[test]
fn promote_types_matches_jax_for_every_pair() {
    let g = golden();
    let table = g.section("promote_types");
    assert_eq!(table.len(), 169, "13 x 13 pairs");
    let mut pairs = Vec::new();
    for row in table.iter() {
        let (a, b, want) = (dtype(&row[0]), dtype(&row[1]), dtype(&row[2]));
        assert_eq!(promote_types(a, b), want, "promote_types({a}, {b})");
        pairs.push((a, b));
    }
    // Two strong operands: the same dtype, weak only where uint64 meets a signed integer.
    let arrays = g.section("array_array");
    assert_eq!(arrays.len(), table.len());
    for (row, pair) in arrays.iter().zip(&pairs) {
        let (a, b, want) = (dtype(&row[0]), dtype(&row[1]), dtype(&row[2]));
        assert_eq!((a, b), *pair, "array_array rows follow promote_types rows");
        assert_eq!(promote_types(a, b), want, "{a} + {b}");
        assert_eq!(
            promote_types_weak(a, false, b, false),
            strong_expected(row),
            "promote_types_weak({a}, strong, {b}, strong)"
        );
    }
    // The table is the full cross product of the dtypes JAX was asked about.
    let dtypes: Vec<DType> = g.section("dtypes").iter().map(dtype).collect();
    let cross: Vec<(DType, DType)> = dtypes
        .iter()
        .flat_map(|&a| dtypes.iter().map(move |&b| (a, b)))
        .collect();
    assert_eq!(
        pairs, cross,
        "promote_types rows cover dtypes x dtypes in order"
    );
    g.assert_sections_read(PAIR_SECTIONS);
}

#[test]
fn numpy_binary_ops_promote_like_jax_for_every_pair() {
    let g = golden();
    for row in g.section("array_array").iter() {
        let (a, b) = (dtype(&row[0]), dtype(&row[1]));
        let (want, want_weak) = strong_expected(row);
        let x = jnp::ones_dtype([2], a);
        let y = jnp::ones_dtype([3, 1], b);
        let mut results = vec![
            ("add", jnp::add(&x, &y)),
            ("multiply", jnp::multiply(&x, &y)),
            ("maximum", jnp::maximum(&x, &y)),
            ("minimum", jnp::minimum(&x, &y)),
            ("equal", jnp::equal(&x, &y)),
            ("+", &x + &y),
            ("*", &x * &y),
        ];
        if want != DType::Bool {
            results.push(("subtract", jnp::subtract(&x, &y)));
            results.push(("-", &x - &y));
        }
        for (op, r) in results {
            let (want_d, want_w) = if op == "equal" {
                (DType::Bool, false)
            } else {
                (want, want_weak)
            };
            assert_eq!(r.dtype(), want_d, "{op}({a}, {b})");
            assert_eq!(r.weak_type(), want_w, "{op}({a}, {b}) weak_type");
            assert_eq!(r.shape(), &[3, 2], "{op}({a}, {b}) broadcasts");
        }
    }
}

#[test]
fn weak_scalars_promote_like_jax() {
    let g = golden();
    let rows = g.section("weak");
    assert_eq!(rows.len(), 13 * 3 * 2);
    for row in rows.iter() {
        let d = dtype(&row["dtype"]);
        let kind = row["scalar"].as_str().unwrap();
        let array_first = row["order"] == "array_first";
        let (want_d, want_weak) = expected(row);
        let s = scalar_of(kind);
        let got = if array_first {
            promote_types_weak(d, false, s.dtype(), s.weak_type())
        } else {
            promote_types_weak(s.dtype(), s.weak_type(), d, false)
        };
        assert_eq!(
            got,
            (want_d, want_weak),
            "promote_types_weak: {d} array with {kind}"
        );
        let x = jnp::ones_dtype([2], d);
        let r = if array_first {
            jnp::add(&x, &s)
        } else {
            jnp::add(&s, &x)
        };
        assert_eq!(
            (r.dtype(), r.weak_type()),
            (want_d, want_weak),
            "jnp::add({d}, {kind})"
        );
    }
    g.assert_sections_read(WEAK_SECTIONS);
}

#[test]
fn rust_operators_with_literals_promote_like_jax() {
    let g = golden();
    for row in g.section("weak").iter() {
        let kind = row["scalar"].as_str().unwrap();
        if kind == "bool" {
            continue; // Rust bools are not operator scalars.
        }
        let d = dtype(&row["dtype"]);
        let (want_d, want_weak) = expected(row);
        let x = jnp::ones_dtype([2], d);
        let array_first = row["order"] == "array_first";
        let r = match (kind, array_first) {
            ("int", true) => &x * 3,
            ("int", false) => 3 * &x,
            ("float", true) => &x * 2.5,
            (_, _) => 2.5 * &x,
        };
        assert_eq!(
            (r.dtype(), r.weak_type()),
            (want_d, want_weak),
            "{d} array * {kind} literal ({})",
            row["order"]
        );
        // The value survives the promotion (3 * 1 = 3; 2.5 * 1 = 2.5, or 2 after truncation
        // never happens because floats promote the result to float).
        let want_v = if kind == "int" { 3.0 } else { 2.5 };
        let v = r.to_vec::<f64>();
        if d == DType::Bool && kind == "int" {
            assert_eq!(v, vec![3.0, 3.0]);
        } else {
            assert_eq!(v, vec![want_v, want_v], "{d} * {kind}");
        }
    }
    // Other literal types are weak too.
    let x = jnp::ones_dtype([2], DType::BF16);
    assert_eq!((&x * 2.0f32).dtype(), DType::BF16);
    assert_eq!((&x + 1i64).dtype(), DType::BF16);
    assert_eq!((&x + 1u8).dtype(), DType::BF16);
    let u = jnp::ones_dtype([2], DType::U8);
    assert_eq!((&u + 1u32).dtype(), DType::U8);
    assert_eq!((&u + 1u32).to_vec::<u8>(), vec![2, 2]);
}

#[test]
fn scalar_with_scalar_promotes_like_jax() {
    let g = golden();
    for row in g.section("scalar_scalar").iter() {
        let (l, r) = (
            row["left"].as_str().unwrap(),
            row["right"].as_str().unwrap(),
        );
        let (want_d, want_weak) = expected(row);
        let (a, b) = (scalar_of(l), scalar_of(r));
        assert_eq!(
            promote_types_weak(a.dtype(), a.weak_type(), b.dtype(), b.weak_type()),
            (want_d, want_weak),
            "{l} + {r}"
        );
        let sum = jnp::add(&a, &b);
        assert_eq!(
            (sum.dtype(), sum.weak_type()),
            (want_d, want_weak),
            "jnp::add({l}, {r})"
        );
        assert_eq!(sum.ndim(), 0);
    }
    g.assert_sections_read(SCALAR_SECTIONS);
}

#[test]
fn weak_arrays_promote_among_themselves() {
    // Two weak values: the wider kind wins and the result stays weak (JAX's lattice).
    assert_eq!(
        promote_types_weak(DType::I32, true, DType::F32, true),
        (DType::F32, true)
    );
    // A weak float meeting a strong int gives the default float, weakly typed.
    assert_eq!(
        promote_types_weak(DType::I64, false, DType::F32, true),
        (DType::F32, true)
    );
    // A weak int meeting a strong float adopts the float.
    assert_eq!(
        promote_types_weak(DType::I32, true, DType::F16, false),
        (DType::F16, false)
    );
}
