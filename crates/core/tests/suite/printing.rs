//! `Display` and `Debug` against numpy's `str()` and JAX's `repr()` of the same arrays
//! (`parity/goldens/printing.json`, written by `parity/printing.py` with real numpy/JAX).

use equinox_core::prims::bind1;
use equinox_core::prims::convert::ConvertOp;
use equinox_core::{numpy as jnp, Array, DType};
use serde_json::Value;

/// Every case of `printing.json` (each test below checks them all).
fn cases() -> Vec<Value> {
    let golden = equinox_testing::Golden::load("printing");
    let cases = golden.section("cases").iter().cloned().collect();
    golden.assert_all_read();
    cases
}

fn build(case: &Value) -> Array {
    let dtype = DType::from_name(case["dtype"].as_str().unwrap()).unwrap();
    let shape: Vec<usize> = case["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data = case["data"].as_array().unwrap();
    let x = if dtype.is_float() {
        let v: Vec<f64> = data
            .iter()
            .map(|h| {
                let h = h.as_str().unwrap().trim_start_matches("0x");
                f64::from_bits(u64::from_str_radix(h, 16).unwrap())
            })
            .collect();
        Array::from_vec(v, shape).astype(dtype)
    } else if dtype.is_bool() {
        Array::from_vec(
            data.iter()
                .map(|b| b.as_bool().unwrap())
                .collect::<Vec<_>>(),
            shape,
        )
    } else {
        Array::from_vec(
            data.iter().map(|i| i.as_i64().unwrap()).collect::<Vec<_>>(),
            shape,
        )
        .astype(dtype)
    };
    if case["weak_type"].as_bool().unwrap() {
        bind1(
            ConvertOp::ConvertElementType {
                new_dtype: dtype,
                weak_type: true,
            },
            &[&x],
        )
    } else {
        x
    }
}

#[test]
fn display_matches_numpy_str() {
    let mut failures = vec![];
    for case in cases() {
        let x = build(&case);
        let got = format!("{x}");
        let want = case["str"].as_str().unwrap();
        if got != want {
            failures.push(format!("{}:\n got: {got}\nwant: {want}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn debug_matches_jax_repr() {
    let mut failures = vec![];
    for case in cases() {
        let x = build(&case);
        let got = format!("{x:?}");
        let want = case["repr"].as_str().unwrap();
        if got != want {
            failures.push(format!("{}:\n got: {got}\nwant: {want}", case["name"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn printing_works_on_computed_arrays() {
    // A transposed, computed array prints its logical order.
    let x = jnp::arange(6.0).reshape([2, 3]).t();
    assert_eq!(format!("{x}"), "[[0. 3.]\n [1. 4.]\n [2. 5.]]");
    let w = jnp::arange(3) * 2.5;
    assert_eq!(
        format!("{w:?}"),
        "Array([0. , 2.5, 5. ], dtype=float32, weak_type=True)"
    );
}
