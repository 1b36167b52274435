//! Results whose bits depend on where XLA's CPU backend rounds, bit for bit against JAX 0.10.2
//! (`parity/xla_rounding.py`):
//! - `cumsum`/`cumprod` on every float width: XLA rounds every step to the element type and
//!   associates long scans in 16-element blocks, which decides the low bits of f32/f64 results
//!   and most bits of float8, bfloat16 and float16 ones. Forward and reverse, along first,
//!   middle and last axes, eagerly, under `jit`, and as `grad`'s transpose (a reverse cumsum of
//!   the cotangent).
//! - `sigmoid` on half and 8-bit floats, which XLA computes as three operations each rounded
//!   to the element type.

use equinox_core::transforms::{grad, jit};
use equinox_core::{lax, nn, numpy as jnp, Array};
use equinox_testing::Golden;

use crate::common;
use common::bits::{array, assert_bits, bits_of, mismatch};

fn golden() -> Golden {
    Golden::load("xla_rounding")
}

#[test]
fn every_golden_section_is_checked() {
    golden().assert_claimed(&[&["scans"], &["jit"], &["grad"], &["sigmoid"]]);
}

#[test]
fn scans_round_and_associate_as_xla() {
    let g = golden();
    let cases = g.section("scans");
    let mut failures = Vec::new();
    for case in cases.iter() {
        let x = array(&case["x"]);
        let want = array(&case["out"]);
        let axis = case["axis"].as_u64().unwrap() as usize;
        let reverse = case["reverse"].as_bool().unwrap();
        let op = case["op"].as_str().unwrap();
        let got = match op {
            "cumsum" => lax::cumsum(&x, axis, reverse),
            "cumprod" => lax::cumprod(&x, axis, reverse),
            o => panic!("no op {o}"),
        };
        let what = format!(
            "{} {op} {:?} axis {axis} reverse {reverse}",
            case["dtype"].as_str().unwrap(),
            x.shape()
        );
        if let Some(m) = mismatch(&bits_of(&got), &bits_of(&want), None) {
            failures.push(format!("{what}: {m}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Six dtypes, ten shapes (eleven for two of them), two ops, two directions.
    assert_eq!(cases.len(), (6 * 10 + 2) * 4);
    g.assert_sections_read(&["scans"]);
}

#[test]
fn jitted_cumsum_matches_jax_bits() {
    let g = golden();
    let f = jit(|x: &Array| jnp::cumsum(x, -1));
    for case in g.section("jit").iter() {
        let x = array(&case["x"]);
        assert_bits(
            &f(&x),
            &array(&case["out"]),
            case["dtype"].as_str().unwrap(),
        );
    }
    g.assert_sections_read(&["jit"]);
}

#[test]
fn cumsum_gradient_is_jaxs_reverse_scan() {
    let g = golden();
    for case in g.section("grad").iter() {
        let (x, w) = (array(&case["x"]), array(&case["w"]));
        let axis = case["axis"].as_u64().unwrap() as usize;
        let got = grad(|x: &Array| (jnp::cumsum(x, axis) * &w).sum(None))(&x);
        assert_bits(&got, &array(&case["out"]), &format!("grad axis {axis}"));
    }
    g.assert_sections_read(&["grad"]);
}

#[test]
fn sigmoid_of_narrow_floats_rounds_each_step_as_xla() {
    let g = golden();
    for case in g.section("sigmoid").iter() {
        let x = array(&case["x"]);
        assert_bits(
            &nn::sigmoid(&x),
            &array(&case["out"]),
            case["dtype"].as_str().unwrap(),
        );
    }
    g.assert_sections_read(&["sigmoid"]);
}
