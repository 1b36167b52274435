//! Every golden file under `parity/goldens/` is listed in `parity/README.md` with the script
//! that writes it and the test files that check it, and each JSON golden's checker reads it
//! through `Golden` and asserts that no case went unread. A golden that a script starts writing
//! without a test reading it fails here.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// A row of the README's table: script (none for a golden copied from the spec), golden files,
/// checking test files.
struct Row {
    script: Option<String>,
    goldens: Vec<String>,
    checkers: Vec<String>,
}

/// The back-quoted names in a table cell.
fn quoted(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// `a/{x,y}.rs` → `a/x.rs`, `a/y.rs` (the README abbreviates sibling files that way).
fn expand_braces(path: &str) -> Vec<String> {
    match (path.find('{'), path.find('}')) {
        (Some(open), Some(close)) if open < close => path[open + 1..close]
            .split(',')
            .map(|alt| format!("{}{alt}{}", &path[..open], &path[close + 1..]))
            .collect(),
        _ => vec![path.to_string()],
    }
}

fn table() -> Vec<Row> {
    let readme = fs::read_to_string(repo().join("parity/README.md")).expect("parity/README.md");
    readme
        .lines()
        .filter(|l| l.starts_with("| ") && (l.contains(".json`") || l.contains(".eqx`")))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            assert!(cells.len() >= 5, "a table row has three cells: {line}");
            Row {
                script: quoted(cells[1]).into_iter().next(),
                goldens: quoted(cells[2])
                    .iter()
                    .flat_map(|g| expand_braces(g))
                    .collect(),
                checkers: quoted(cells[3])
                    .iter()
                    .flat_map(|c| expand_braces(c))
                    .collect(),
            }
        })
        .collect()
}

fn golden_files() -> BTreeSet<String> {
    fs::read_dir(repo().join("parity/goldens"))
        .expect("parity/goldens")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn every_golden_file_is_listed_with_its_script_and_checkers() {
    let rows = table();
    let listed: BTreeSet<String> = rows.iter().flat_map(|r| r.goldens.clone()).collect();
    let unlisted: Vec<_> = golden_files().difference(&listed).cloned().collect();
    assert!(
        unlisted.is_empty(),
        "golden files missing from parity/README.md's table: {unlisted:?}"
    );
    for row in &rows {
        match &row.script {
            Some(script) => assert!(
                script.ends_with(".py") && repo().join("parity").join(script).is_file(),
                "script {script:?} of {:?} is not in parity/",
                row.goldens
            ),
            None => assert!(
                row.goldens == ["prng_golden.json"],
                "only the spec's PRNG vectors come without a script: {:?}",
                row.goldens
            ),
        }
        for g in &row.goldens {
            assert!(
                repo().join("parity/goldens").join(g).is_file(),
                "{g} is listed but not committed"
            );
        }
        assert!(
            !row.checkers.is_empty(),
            "{:?}: no checking test",
            row.goldens
        );
        for c in &row.checkers {
            assert!(repo().join(c).is_file(), "checking test {c} does not exist");
        }
    }
}

#[test]
fn every_json_golden_is_read_in_full_by_its_checkers() {
    for row in table() {
        let sources: Vec<String> = row
            .checkers
            .iter()
            .map(|c| fs::read_to_string(repo().join(c)).unwrap_or_default())
            .collect();
        for golden in row.goldens.iter().filter(|g| g.ends_with(".json")) {
            let topic = golden.trim_end_matches(".json");
            let loads = [
                format!("Golden::load(\"{topic}\")"),
                format!("golden(\"{topic}\")"),
                format!("load(\"{topic}\")"),
            ];
            let checker = sources
                .iter()
                .find(|s| loads.iter().any(|l| s.contains(l.as_str())))
                .unwrap_or_else(|| {
                    panic!(
                        "none of {:?} loads {golden} through equinox_testing::Golden",
                        row.checkers
                    )
                });
            assert!(
                ["assert_all_read()", "assert_sections_read("]
                    .iter()
                    .any(|a| checker.contains(a)),
                "the checker of {golden} never asserts that all its cases were read"
            );
        }
    }
}

#[test]
fn brace_expansion() {
    assert_eq!(
        expand_braces("crates/x/filter_{ad,vmap}.rs"),
        ["crates/x/filter_ad.rs", "crates/x/filter_vmap.rs"]
    );
    assert_eq!(expand_braces("plain.rs"), ["plain.rs"]);
    assert!(Path::new(&repo()).join("parity").is_dir());
}
