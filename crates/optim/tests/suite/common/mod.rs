//! The optimiser parity goldens (`parity/goldens/optim*.json`): decoding their arrays into
//! `Array`s and parameter dicts, comparing results with them array by array, leaf by leaf or
//! entry by entry, and running every case of a section. Each test binary uses a subset.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use equinox_core::tree::{self, PyTree};
use equinox_core::{Array, DType};
use equinox_testing::close::{assert_no_mismatches, mismatches, Scale};
use equinox_testing::golden::{encoded, Encoded};
use equinox_testing::panics::payload_text;
use equinox_testing::Tolerance;
use serde_json::Value;

/// The parameters of the parity trajectories: a dict of arrays, as Optax's are.
pub type Params = BTreeMap<String, Array>;

/// An encoded array (`float32`, `int32` or `bool`) as an `Array` of its dtype. float32 values
/// are stored widened to f64, so the conversion back is exact.
pub fn decode(v: &Value) -> Array {
    let Encoded { shape, dtype, data } = encoded(v);
    match dtype.as_str() {
        "float32" => Array::from_vec(data.iter().map(|&x| x as f32).collect(), shape),
        "int32" => Array::from_vec(data.iter().map(|&x| x as i32).collect(), shape),
        "bool" => Array::from_vec(data.iter().map(|&x| x != 0.0).collect(), shape),
        other => panic!("unexpected dtype {other}"),
    }
}

/// A golden dict of arrays as [`Params`].
pub fn decode_tree(v: &Value) -> Params {
    v.as_object()
        .expect("a dict of arrays")
        .iter()
        .map(|(k, a)| (k.clone(), decode(a)))
        .collect()
}

/// Panics unless `got` has the golden array's shape and dtype and its values match under the
/// tolerance `tol` gives for the golden's dtype name, relative to `scale`.
pub fn check_array_with(
    what: &str,
    got: &Array,
    want: &Value,
    scale: Scale,
    tol: impl FnOnce(&str) -> Tolerance,
) {
    let want = encoded(want);
    assert_eq!(got.shape(), want.shape.as_slice(), "{what}: shape");
    assert_eq!(got.dtype().name(), want.dtype, "{what}: dtype");
    let tol = tol(&want.dtype);
    let got = got.astype(DType::F64).to_vec::<f64>();
    assert_no_mismatches(&mismatches(what, &got, &want.data, tol, scale), tol);
}

/// [`check_array_with`] under the float32 rule: each dtype's default tolerance
/// ([`Tolerance::for_dtype`]: 1e-6 relative for float32, integers exactly), relative to each
/// element.
pub fn check_array(what: &str, got: &Array, want: &Value) {
    check_array_with(what, got, want, Scale::Element, Tolerance::for_dtype);
}

/// Every leaf of `tree`, in order, against the golden list of leaves: `check(what, index, got,
/// want)` for each, after asserting that the counts agree.
pub fn check_leaves_with<T: PyTree>(
    what: &str,
    tree: &T,
    want: &Value,
    mut check: impl FnMut(&str, usize, &Array, &Value),
) {
    let want = want.as_array().expect("a list of leaves");
    let got = tree::leaves(tree);
    assert_eq!(got.len(), want.len(), "{what}: number of leaves");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        check(&format!("{what} leaf {i}"), i, g, w);
    }
}

/// Every leaf of `tree` against the golden list of leaves under the float32 rule.
pub fn check_leaves<T: PyTree>(what: &str, tree: &T, want: &Value) {
    check_leaves_with(what, tree, want, |what, _, g, w| check_array(what, g, w));
}

/// Every entry of the golden dict of arrays against the same key of `got`: `check(what, got,
/// want)` for each, after asserting that the numbers of keys agree.
pub fn check_tree_with(
    what: &str,
    got: &Params,
    want: &Value,
    mut check: impl FnMut(&str, &Array, &Value),
) {
    let want = want.as_object().expect("a dict of arrays");
    assert_eq!(got.len(), want.len(), "{what}: keys");
    for (k, w) in want {
        check(&format!("{what}[{k}]"), &got[k], w);
    }
}

/// Every entry of the golden dict of arrays against `got` under the float32 rule.
pub fn check_tree(what: &str, got: &Params, want: &Value) {
    check_tree_with(what, got, want, check_array);
}

/// Runs `check` on every golden case (a trajectory, a loss), catching each one's panic, then
/// panics listing every case that failed with its message, so that one failure does not hide
/// the others.
pub fn check_each_case<'a>(
    cases: impl IntoIterator<Item = (&'a str, &'a Value)>,
    check: impl Fn(&str, &Value),
) {
    let mut failures = Vec::new();
    for (name, case) in cases {
        if let Err(e) = catch_unwind(AssertUnwindSafe(|| check(name, case))) {
            failures.push(format!("{name}: {}", payload_text(&*e).unwrap_or_default()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ from Optax:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
