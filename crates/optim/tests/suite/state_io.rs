//! Optimiser states saved by Python and loaded here, and back: an Adam state and a
//! `chain(clip_by_global_norm, adamw)` state after 3 steps, saved by `parity/optim_combine.py`
//! with `eqx.tree_serialise_leaves(f, opt_state)`, load into the Rust state types with
//! `equinox::tree_deserialise_leaves`, continue the trajectory as Optax did, and save to the
//! same bytes.

use std::fs;
use std::path::PathBuf;

use equinox as eqx;
use equinox_testing::Golden;
use eqx::optim::{self, GradientTransformation};
use eqx::tree::{self, PyTree};
use serde_json::Value;

use crate::common;
use common::{check_leaves, check_tree, decode_tree, Params};

const GOLDENS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../parity/goldens");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("equinox-optim-state-io-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Loads Optax's saved state into `opt`'s state type, checks it leaf by leaf, continues 3
/// steps with Optax's gradients and checks the parameters and states; then saves the loaded
/// state and compares the file with Python's, byte for byte.
fn round_trip<T: GradientTransformation>(name: &str, opt: T, golden: &Value, params0: &Params) {
    let file = golden["file"].as_str().expect("a file name");
    let python_path = format!("{GOLDENS}/{file}");
    let template = opt.init(params0);
    let loaded = eqx::tree_deserialise_leaves(&python_path, &template)
        .unwrap_or_else(|e| panic!("{name}: loading {python_path}: {e}"));
    check_leaves(
        &format!("{name} loaded"),
        &loaded,
        &golden["saved"]["state"],
    );
    // The state really is the one after 3 steps, not the template.
    assert!(!tree::tree_equal(&loaded, &template), "{name}");

    let mut params = decode_tree(&golden["saved"]["params"]);
    let mut state = loaded.map_leaves(&mut |x| x.clone());
    let after = golden["after"].as_array().expect("steps after saving");
    assert_eq!(after.len(), 3);
    for (i, step) in after.iter().enumerate() {
        let grads = decode_tree(&step["grads"]);
        let (updates, s) = opt.update(&grads, &state, Some(&params));
        params = optim::apply_updates(&params, &updates);
        state = s;
        check_tree(&format!("{name} step {i} params"), &params, &step["params"]);
        check_leaves(&format!("{name} step {i} state"), &state, &step["state"]);
    }

    let rust_path = scratch(file);
    eqx::tree_serialise_leaves(&rust_path, &loaded).unwrap();
    assert_eq!(
        fs::read(&rust_path).unwrap(),
        fs::read(&python_path).unwrap(),
        "{name}: the file Rust writes differs from Python's"
    );
    fs::remove_file(&rust_path).unwrap();
}

#[test]
fn optax_states_load_continue_and_save_identically() {
    let g = Golden::load("optim_combine");
    let params0 = decode_tree(&g.section("inputs")["params"]);
    let files = g.section("state_files");
    round_trip("adam", optim::adam(0.01), &files["adam"], &params0);
    round_trip(
        "chain",
        optim::chain((optim::clip_by_global_norm(1.0), optim::adamw(0.01))),
        &files["chain"],
        &params0,
    );
    g.assert_sections_read(&["state_files"]);
}

#[test]
fn a_state_for_other_parameters_does_not_load() {
    let opt = optim::adam(0.01);
    let other: Params = [("b".to_string(), eqx::numpy::zeros([5]))]
        .into_iter()
        .collect();
    let err =
        eqx::tree_deserialise_leaves(format!("{GOLDENS}/optim_state_adam.eqx"), &opt.init(&other))
            .expect_err("the shapes differ");
    assert!(err.to_string().contains("shape differs"), "{err}");
}
