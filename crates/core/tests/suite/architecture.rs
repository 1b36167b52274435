//! The layer order of `equinox-core`, checked on its sources.
//!
//! A module may import (a `use crate::…` item or a `crate::…` path anywhere in its code) only
//! from its own layer or the layers below. The order is the one `docs/ARCHITECTURE.md` draws;
//! the only import against it is the inherent core: an [`Array`](equinox_core::Array) may be a
//! tracer, so `array::array` names the trace types that `bind` dispatches to. Test modules
//! inside the sources (`#[cfg(test)] mod …`) are consumers, not part of the layering.
//!
//! Beyond the order, no two units (the modules named in [`LAYERS`]) may import each other in a
//! cycle, except within the `bind` ↔ trace core (and through its named exception).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom to top: each layer's units (module paths; a file belongs to the longest unit that
/// prefixes its module path).
const LAYERS: &[(&str, &[&str])] = &[
    (
        "values and kernels",
        &[
            "config",
            "array",
            "tree",
            "backend",
            "atomic_file",
            "distributed",
        ],
    ),
    (
        "the bind <-> trace core: primitives, traces, the jaxpr IR",
        &["prims", "trace", "jaxpr", "float_checks"],
    ),
    (
        "jaxpr interpreters",
        &[
            "jaxpr::batch_jaxpr",
            "jaxpr::jvp_jaxpr",
            "jaxpr::partial_eval",
            "jaxpr::rewrite",
            "jaxpr::transpose",
        ],
    ),
    ("higher-order primitives", &["higher_order"]),
    ("compiler", &["compiler"]),
    ("transformations", &["transforms"]),
    ("jax.lax", &["lax"]),
    ("jax.numpy", &["numpy"]),
    ("jax.nn functions", &["nn"]),
    ("jax.random", &["random"]),
    (
        "built on jax.random",
        &["nn::initializers", "scipy", "debug"],
    ),
];

/// The layer whose units form the inherent cycle.
const CORE_LAYER: usize = 1;

/// Imports allowed against the order: `(importing unit, imported unit)`.
const EXCEPTIONS: &[(&str, &str)] = &[("array", "trace")];

/// The unit of a module path and its layer: the longest unit prefixing it. `None` for paths
/// that are not modules of a layer (crate-root re-exports, exported macros).
fn unit_of(path: &str) -> Option<(&'static str, usize)> {
    let mut best: Option<(&'static str, usize)> = None;
    for (layer, (_, units)) in LAYERS.iter().enumerate() {
        for unit in *units {
            let matches = path == *unit
                || path
                    .strip_prefix(unit)
                    .is_some_and(|rest| rest.starts_with("::"));
            if matches && best.is_none_or(|(b, _)| unit.len() > b.len()) {
                best = Some((unit, layer));
            }
        }
    }
    best
}

/// Removes comments, string and char literals, and `#[cfg(test)]` items.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('x', '\n'); a lifetime ('a) has no closing quote here.
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    remove_test_items(&out)
}

/// Drops each item marked `#[cfg(test)]` (up to its matching closing brace or semicolon).
fn remove_test_items(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        let mut depth = 0usize;
        let mut end = item.len();
        for (i, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let prefix = join(prefix, head);
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &prefix, out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &prefix, out);
    } else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        out.push(join(prefix, path));
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{path}"),
    }
}

/// Every `crate::…` path in stripped source, with use trees expanded (`self` dropped).
fn crate_paths(src: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = src;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `$crate::` in a macro, or part of a longer name
        }
        let mut depth = 0usize;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => {
                    end = i;
                    break;
                }
                '}' => depth -= 1,
                _ if depth > 0 => {}
                c if c.is_alphanumeric() || c == '_' || c == ':' => {}
                _ => {
                    end = i;
                    break;
                }
            }
        }
        let tree = rest[..end].trim_end_matches(':');
        let mut out = Vec::new();
        expand(tree, "", &mut out);
        paths.extend(
            out.into_iter()
                .map(|p| p.trim_end_matches("::self").to_string()),
        );
    }
    paths
}

/// The module path of a source file relative to `src/`.
fn module_path(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// Reads every source file of the crate: `(module path, stripped source)`.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).expect("a source file");
                let rel = path.strip_prefix(root).expect("under src");
                out.push((module_path(rel), strip(&src)));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out
}

/// `(importing unit, imported unit)` for every import between units, with the module and path
/// that make it.
fn unit_imports(files: &[(String, String)]) -> Vec<(&'static str, &'static str, String)> {
    let mut edges = Vec::new();
    for (module, src) in files {
        let Some((from, _)) = unit_of(module) else {
            continue; // the crate root
        };
        for path in crate_paths(src) {
            if let Some((to, _)) = unit_of(&path)
                && to != from
            {
                edges.push((from, to, format!("{module} imports crate::{path}")));
            }
        }
    }
    edges
}

/// Imports that go up the order.
fn upward_imports(files: &[(String, String)]) -> Vec<String> {
    let layer = |unit: &str| unit_of(unit).expect("a unit").1;
    let mut found: BTreeSet<String> = BTreeSet::new();
    for (from, to, what) in unit_imports(files) {
        if layer(to) > layer(from) && !EXCEPTIONS.contains(&(from, to)) {
            found.insert(format!(
                "{what}: layer '{}' is above '{}'",
                LAYERS[layer(to)].0,
                LAYERS[layer(from)].0
            ));
        }
    }
    found.into_iter().collect()
}

/// Cycles among units outside the core layer (each as its units, sorted).
fn cycles(files: &[(String, String)]) -> Vec<Vec<&'static str>> {
    let core = |u: &str| unit_of(u).expect("a unit").1 == CORE_LAYER;
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to, _) in unit_imports(files) {
        let inside_core = core(from) && core(to);
        if !inside_core && !EXCEPTIONS.contains(&(from, to)) {
            graph.entry(from).or_default().insert(to);
        }
    }
    // A unit is on a cycle with every unit that reaches it and that it reaches.
    let reach = |start: &str| -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(u) = stack.pop() {
            for &v in graph.get(u).into_iter().flatten() {
                if seen.insert(v) {
                    stack.push(v);
                }
            }
        }
        seen
    };
    let mut found: BTreeSet<Vec<&'static str>> = BTreeSet::new();
    for (_, units) in LAYERS {
        for &u in *units {
            let from_u = reach(u);
            let mut comp: Vec<&'static str> = LAYERS
                .iter()
                .flat_map(|(_, us)| us.iter().copied())
                .filter(|&v| v != u && from_u.contains(v) && reach(v).contains(u))
                .collect();
            let core_only = core(u) && comp.iter().all(|v| core(v));
            if !comp.is_empty() && !core_only {
                comp.push(u);
                comp.sort();
                found.insert(comp);
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_module_imports_from_a_layer_above_its_own() {
    let files = sources();
    assert!(files.len() > 100, "read only {} source files", files.len());
    let upward = upward_imports(&files);
    assert!(
        upward.is_empty(),
        "imports against the layer order (docs/ARCHITECTURE.md):\n{}",
        upward.join("\n")
    );
}

#[test]
fn no_import_cycles_outside_the_core() {
    let found = cycles(&sources());
    assert!(found.is_empty(), "import cycles among units: {found:?}");
}

#[test]
fn every_module_belongs_to_a_layer() {
    let orphans: Vec<String> = sources()
        .into_iter()
        .map(|(m, _)| m)
        .filter(|m| !m.is_empty() && unit_of(m).is_none())
        .collect();
    assert!(orphans.is_empty(), "modules in no layer: {orphans:?}");
}

#[test]
fn a_planted_upward_import_is_found() {
    let mut files = sources();
    let (_, src) = files
        .iter_mut()
        .find(|(m, _)| m == "prims::binary")
        .expect("prims/binary.rs");
    src.push_str("\nuse crate::numpy::zeros_like;\n");
    let upward = upward_imports(&files);
    assert_eq!(upward.len(), 1, "{upward:?}");
    assert!(
        upward[0].contains("prims::binary imports crate::numpy::zeros_like"),
        "{upward:?}"
    );
}

#[test]
fn the_parser_sees_use_trees_inline_paths_and_skips_tests_and_comments() {
    let src = strip(
        "use crate::{jaxpr::{batch_jaxpr::batch_jaxpr, Atom}, prims::{self, bind}};\n\
         // use crate::numpy::add;\n\
         /// [`crate::lax::scan`]\n\
         fn f() { let s = \"crate::nn::relu\"; crate::lax::scan_impl(1); }\n\
         #[cfg(test)]\nmod tests { use crate::random::key; }\n",
    );
    let mut paths = crate_paths(&src);
    paths.sort();
    assert_eq!(
        paths,
        [
            "jaxpr::Atom",
            "jaxpr::batch_jaxpr::batch_jaxpr",
            "lax::scan_impl",
            "prims",
            "prims::bind"
        ]
    );
    let files = vec![("jaxpr::rewrite".to_string(), src)];
    // jaxpr::rewrite (interpreters) -> lax: upward; -> jaxpr (IR), prims: downward.
    let upward = upward_imports(&files);
    assert_eq!(upward.len(), 1, "{upward:?}");
    assert!(upward[0].contains("crate::lax::scan_impl"));
}

#[test]
fn a_planted_cycle_is_found() {
    let files = vec![
        ("lax::a".to_string(), "use crate::numpy::b;".to_string()),
        ("numpy::b".to_string(), "use crate::lax::a;".to_string()),
    ];
    assert_eq!(cycles(&files), vec![vec!["lax", "numpy"]]);
}
