//! `BTreeMap` and `HashMap` of PyTrees are PyTrees, ordered by key (JAX sorts dict keys). The
//! keys are static; values are children with path keys `[key]` (the key's `Debug` form).

use super::path::{KeyPath, PathKey};
use super::pretty::{bracketed, Doc, PrettyOptions};
use super::pytree::{Difference, PyTree};
use crate::Array;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::hash::{BuildHasher, Hash, Hasher};

fn key_of<K: Debug>(k: &K) -> PathKey {
    PathKey::Key(format!("{k:?}"))
}

fn entries_hash<K: Hash, V: PyTree, H: Hasher>(entries: &[(&K, &V)], state: &mut H) {
    state.write_usize(entries.len());
    for (k, v) in entries {
        k.hash(state);
        v.hash_static(state);
    }
}

fn entries_diff<K: Eq + Debug, V: PyTree>(a: &[(&K, &V)], b: &[(&K, &V)]) -> Option<Difference> {
    if a.len() != b.len() || a.iter().zip(b).any(|(x, y)| x.0 != y.0) {
        let ka: Vec<&K> = a.iter().map(|e| e.0).collect();
        let kb: Vec<&K> = b.iter().map(|e| e.0).collect();
        return Some(Difference::new(format!(
            "map keys differ: {ka:?} != {kb:?}"
        )));
    }
    a.iter()
        .zip(b)
        .find_map(|((k, x), (_, y))| x.static_diff(y).map(|d| d.at(key_of(k))))
}

fn entries_pdoc<K: Debug, V: PyTree>(entries: &[(&K, &V)], opts: &PrettyOptions) -> Doc {
    let docs = entries
        .iter()
        .map(|(k, v)| {
            Doc::concat([
                Doc::text(format!("{k:?}")),
                Doc::text(":"),
                Doc::brk(" "),
                v.pdoc(opts),
            ])
        })
        .collect();
    bracketed(Doc::text("{"), docs, Doc::text("}"), opts.indent)
}

/// Implements `PyTree` for a map type from an expression giving its entries sorted by key.
macro_rules! map_pytree {
    (impl[$($gen:tt)*] $t:ty, |$m:ident| $sorted:expr) => {
        /// Values in key order, with path keys `[key]`; the key set is static. Prints as
        /// `{key: value, ...}`.
        impl<$($gen)*> PyTree for $t {
            fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(&'a Array)) {
                let $m = self;
                for (_, v) in $sorted {
                    v.visit_leaves(f)
                }
            }

            fn visit_leaves_with_path<'a>(
                &'a self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &'a Array),
            ) {
                let $m = self;
                for (k, v) in $sorted {
                    path.with(key_of(k), |p| v.visit_leaves_with_path(p, f))
                }
            }

            fn map_leaves(&self, f: &mut impl FnMut(&Array) -> Array) -> Self {
                let $m = self;
                let entries: Vec<_> = $sorted.into_iter().collect();
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), v.map_leaves(f)))
                    .collect()
            }

            fn map_leaves_with_path(
                &self,
                path: &mut KeyPath,
                f: &mut impl FnMut(&KeyPath, &Array) -> Array,
            ) -> Self {
                let $m = self;
                let entries: Vec<_> = $sorted.into_iter().collect();
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), path.with(key_of(k), |p| v.map_leaves_with_path(p, f))))
                    .collect()
            }

            fn hash_static<H: Hasher>(&self, state: &mut H) {
                let $m = self;
                let entries: Vec<_> = $sorted.into_iter().collect();
                entries_hash(&entries, state)
            }

            fn static_diff(&self, other: &Self) -> Option<Difference> {
                let a: Vec<_> = { let $m = self; $sorted.into_iter().collect() };
                let b: Vec<_> = { let $m = other; $sorted.into_iter().collect() };
                entries_diff(&a, &b)
            }

            fn pdoc(&self, opts: &PrettyOptions) -> Doc {
                let $m = self;
                let entries: Vec<_> = $sorted.into_iter().collect();
                entries_pdoc(&entries, opts)
            }
        }
    };
}

map_pytree!(impl[K: Ord + Hash + Clone + Debug, V: PyTree] BTreeMap<K, V>,
    |m| m.iter());

fn sorted_entries<K: Ord, V, S>(m: &HashMap<K, V, S>) -> Vec<(&K, &V)> {
    let mut entries: Vec<(&K, &V)> = m.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries
}

map_pytree!(impl[K: Ord + Hash + Clone + Debug, V: PyTree, S: BuildHasher + Default] HashMap<K, V, S>,
    |m| sorted_entries(m));
