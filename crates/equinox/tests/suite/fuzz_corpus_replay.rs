//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and crash regressions
//! (`fuzz/regressions/<target>/`) through the fuzz targets' own bodies, so the normal test run
//! covers every input the fuzzers kept without the fuzzer toolchain. Each body asserts its own
//! outcome: readers return `Ok` (checked against the template and by a round trip) or `Err`
//! and never panic; the shape/indexing front end works or panics with a proper message.

#[path = "../../../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

/// Every file of `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`, sorted.
fn inputs(target: &str) -> Vec<PathBuf> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        files.extend(entries.map(|e| e.expect("readable directory entry").path()));
    }
    files.sort();
    files
}

/// Runs `body` on every input of `target`; the corpus must not be empty, so a moved or
/// deleted directory fails here instead of passing vacuously.
fn replay(target: &str, body: fn(&[u8])) {
    let files = inputs(target);
    assert!(
        !files.is_empty(),
        "no committed inputs for fuzz target {target}"
    );
    for file in &files {
        let data = std::fs::read(file).expect("readable corpus file");
        // A failing input names itself: the body's panic alone would not say which file.
        eprintln!("{target}: {}", file.display());
        body(&data);
    }
}

#[test]
fn npy_corpus() {
    replay("npy", targets::npy);
}

#[test]
fn eqx_leaves_corpus() {
    replay("eqx_leaves", targets::eqx_leaves);
}

#[test]
fn safetensors_corpus() {
    replay("safetensors", targets::safetensors);
}

#[test]
fn idx_corpus() {
    replay("idx", targets::idx);
}

#[test]
fn digits_csv_corpus() {
    replay("digits_csv", targets::digits_csv);
}

#[test]
fn shapes_indexing_corpus() {
    replay("shapes_indexing", targets::shapes_indexing);
}
