//! `docs/jax_api_coverage.md`: which names of `jax.numpy`, `jax.lax`, `jax.random` and
//! `jax.nn` (JAX 0.10.2's public functions, `parity/api_names.py`) exist here, generated from
//! the code so it cannot go stale.
//!
//! A JAX name counts as present when its module's source folder defines a public function of
//! that name (or the name with a trailing `_`, for Rust keywords such as `where_`, or in snake
//! case for CamelCase names such as `PRNGKey` → `prng_key`), either as
//! `pub fn name` or as a row `name => ...` of the macros that define families of functions
//! (`numpy/math.rs`); JAX's types (`DotDimensionNumbers`, ...) count when a `pub struct`,
//! `enum`, `type` or `pub use` of that name is there. The test regenerates the list and compares it with the committed file;
//! `EQX_UPDATE_COVERAGE=1 cargo test -p equinox-core --test suite api_coverage` rewrites it.

use equinox_testing::Golden;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The public function and type names defined (or re-exported by name) in the Rust files
/// under `dir`.
fn defined_names(dir: &Path) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for file in sources(dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            let line = line.trim_start();
            if let Some(rest) = line.strip_prefix("pub fn ") {
                names.insert(ident(rest).to_string());
            } else if let Some(rest) = ["pub struct ", "pub enum ", "pub type "]
                .iter()
                .find_map(|p| line.strip_prefix(p))
            {
                // JAX's public types (`DotDimensionNumbers`, ...) count by their own name.
                names.insert(ident(rest).to_string());
            } else if let Some(path) = line.strip_prefix("pub use ") {
                // A re-exported type or function (`pub use a::b::Name;`, `pub use a::{B, C};`).
                let list = path.rsplit("::").next().unwrap_or(path);
                for item in list.trim_matches(|c| "{};".contains(c)).split(',') {
                    let item = item.trim();
                    if !item.is_empty() && ident(item) == item && item != "*" {
                        names.insert(item.to_string());
                    }
                }
            } else if let Some((name, _)) = line.split_once(" => ") {
                // A macro row `name => Op::Variant;` defines the function `name`.
                if !name.is_empty() && ident(name) == name && line.trim_end().ends_with(';') {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

/// A CamelCase JAX function name in Rust's snake case (`PRNGKey` → `prng_key`): an underscore
/// before each capital that follows a lower-case letter or starts a word after an acronym.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev_lower = chars[i - 1].is_ascii_lowercase();
            let acronym_end = chars[i - 1].is_ascii_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev_lower || acronym_end {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// JAX names that do not apply to this library, by module, with the reason shown in the
/// document. They are left out of the percentage: the coverage is of the names that apply to
/// real and complex arrays.
const NOT_APPLICABLE: &[(&str, &str, &str)] = &[
    // Printing goes through Rust's `Display` / `Debug` for `Array`, not numpy's options.
    (
        "jax.numpy",
        "array_repr",
        "printing: `Array` implements `Debug`",
    ),
    (
        "jax.numpy",
        "array_str",
        "printing: `Array` implements `Display`",
    ),
    (
        "jax.numpy",
        "get_printoptions",
        "numpy's global print options",
    ),
    ("jax.numpy", "printoptions", "numpy's global print options"),
    (
        "jax.numpy",
        "set_printoptions",
        "numpy's global print options",
    ),
    // Python-object and buffer protocols have no Rust counterpart.
    (
        "jax.numpy",
        "from_dlpack",
        "the DLPack protocol of Python objects",
    ),
    (
        "jax.numpy",
        "frombuffer",
        "Python buffer objects (use `Array::from_vec`)",
    ),
    ("jax.numpy", "fromfile", "reading raw files"),
    (
        "jax.numpy",
        "fromiter",
        "Python iterators (use `Array::from_vec`)",
    ),
    ("jax.numpy", "fromstring", "parsing text"),
    (
        "jax.numpy",
        "frompyfunc",
        "wraps Python functions as numpy ufuncs",
    ),
    (
        "jax.numpy",
        "iterable",
        "a test for the Python iteration protocol",
    ),
    // Files: numpy's `.npz` archives (`.npy` files are `numpy::save` / `numpy::load`).
    ("jax.numpy", "savez", "numpy `.npz` files"),
];

/// The markdown list for the modules in the golden.
fn coverage_markdown(golden: &Golden) -> (String, Vec<(String, usize, usize)>) {
    let modules = golden.section("modules");
    let folders = [
        ("jax.numpy", "src/numpy", "equinox_core::numpy"),
        ("jax.lax", "src/lax", "equinox_core::lax"),
        ("jax.random", "src/random", "equinox_core::random"),
        ("jax.nn", "src/nn", "equinox_core::nn"),
    ];
    let mut md = String::from(
        "# JAX API coverage\n\n\
         Generated by `crates/core/tests/suite/api_coverage.rs` from the code and from JAX 0.10.2's\n\
         public function names (`parity/api_names.py`); the test fails when this file is stale.\n\
         Regenerate with `EQX_UPDATE_COVERAGE=1 cargo test -p equinox-core --test suite api_coverage`.\n\
         A name is present when the Rust module defines a public function of that name (`where`\n\
         is `where_`, `PRNGKey` is `prng_key`). Names that do not apply to a Rust array library (printing options, Python\n\
         object protocols, numpy file formats) are listed as not applicable, with the reason, and\n\
         left out of the count. Layers, optimisers and Equinox's own API live in the `equinox` crate and\n\
         are not listed here.\n",
    );
    let mut totals = Vec::new();
    for (module, folder, rust_path) in folders {
        let defined = defined_names(&crate_dir().join(folder));
        let all: Vec<String> = modules
            .get(module)
            .as_array()
            .expect("a list of names")
            .iter()
            .map(|v| v.as_str().expect("a name").to_string())
            .collect();
        let skipped: Vec<&(&str, &str, &str)> = NOT_APPLICABLE
            .iter()
            .filter(|(m, _, _)| *m == module)
            .collect();
        for (_, name, _) in &skipped {
            assert!(
                all.iter().any(|n| n == name),
                "NOT_APPLICABLE lists {module}.{name}, which JAX 0.10.2 does not have"
            );
        }
        let names: Vec<String> = all
            .into_iter()
            .filter(|n| !skipped.iter().any(|(_, s, _)| s == n))
            .collect();
        let present: Vec<&String> = names
            .iter()
            .filter(|n| {
                defined.contains(*n)
                    || defined.contains(&format!("{n}_"))
                    || defined.contains(&snake_case(n))
            })
            .collect();
        let missing: Vec<&String> = names.iter().filter(|n| !present.contains(n)).collect();
        totals.push((module.to_string(), present.len(), names.len()));
        let pct = 100.0 * present.len() as f64 / names.len().max(1) as f64;
        let _ = write!(
            md,
            "\n## `{module}` → `{rust_path}`: {} of {} ({pct:.0}%)\n\n**Present:** {}\n\n**Missing:** {}\n{}",
            present.len(),
            names.len(),
            present.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            if missing.is_empty() {
                "none".to_string()
            } else {
                missing.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            },
            if skipped.is_empty() {
                String::new()
            } else {
                format!(
                    "\n**Not applicable** (left out of the count):\n\n{}",
                    skipped
                        .iter()
                        .map(|(_, n, why)| format!("- `{n}`: {why}\n"))
                        .collect::<String>()
                )
            },
        );
    }
    (md, totals)
}

#[test]
fn the_coverage_list_matches_the_code() {
    let golden = Golden::load("api_names");
    let (md, totals) = coverage_markdown(&golden);
    golden.assert_all_read();
    for (module, present, total) in &totals {
        println!("{module}: {present} of {total}");
    }
    let path = crate_dir().join("../../docs/jax_api_coverage.md");
    if std::env::var_os("EQX_UPDATE_COVERAGE").is_some() {
        std::fs::write(&path, &md).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == md,
        "docs/jax_api_coverage.md is stale: run \
         `EQX_UPDATE_COVERAGE=1 cargo test -p equinox-core --test suite api_coverage` and commit it"
    );
}

#[test]
fn names_are_read_from_functions_and_macro_rows_only() {
    let dir = std::env::temp_dir().join(format!("eqx-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.rs"),
        "pub fn roll(x: &Array) {}\nfn private() {}\n    exp2 => UnaryOp::Exp2;\n\
         let x = match y { a => b, };\npub fn where_(c: &Array) {}\n",
    )
    .unwrap();
    let names = defined_names(&dir);
    let want: BTreeSet<String> = ["exp2", "roll", "where_"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, want);
    std::fs::remove_dir_all(&dir).unwrap();
}
