//! Leaf paths: where a leaf sits in a tree (`layers[2].weight`), JAX's `KeyPath`.

use std::fmt;

/// One step from a node to one of its children (JAX's `GetAttrKey` / `SequenceKey` /
/// `DictKey`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathKey {
    /// A named field of a struct or enum variant: `.weight`.
    Field(&'static str),
    /// A positional field of a tuple, tuple struct or tuple variant: `.0`.
    Position(usize),
    /// An element of a sequence (`Vec`, `[T; N]`): `[2]`.
    Index(usize),
    /// An entry of a map, holding the key's `Debug` form: `["key"]`, `[3]`.
    Key(String),
}

impl fmt::Display for PathKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathKey::Field(name) => write!(f, ".{name}"),
            PathKey::Position(i) => write!(f, ".{i}"),
            PathKey::Index(i) => write!(f, "[{i}]"),
            PathKey::Key(k) => write!(f, "[{k}]"),
        }
    }
}

/// The path from the root of a tree to a node: a sequence of [`PathKey`]s.
///
/// It prints the way the node is reached in Rust, without the root's name and without a
/// leading dot before a field name: `layers[2].weight`, `.0` (a tuple element), `["key"]`.
/// Traversals push and pop keys on one `KeyPath`, so walking a tree with paths allocates only
/// for map keys.
///
/// ```
/// use equinox_core::tree::{KeyPath, PathKey};
/// let mut p = KeyPath::new();
/// p.push(PathKey::Field("layers"));
/// p.push(PathKey::Index(2));
/// p.push(PathKey::Field("weight"));
/// assert_eq!(p.to_string(), "layers[2].weight");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(Vec<PathKey>);

impl KeyPath {
    /// The empty path (the root).
    pub fn new() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// Appends a step.
    pub fn push(&mut self, key: PathKey) {
        self.0.push(key);
    }

    /// Removes the last step.
    pub fn pop(&mut self) -> Option<PathKey> {
        self.0.pop()
    }

    /// The steps, root first.
    pub fn keys(&self) -> &[PathKey] {
        &self.0
    }

    /// True for the root path.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs `f` with `key` pushed, then pops it: the one way traversals descend.
    #[inline]
    pub fn with<R>(&mut self, key: PathKey, f: impl FnOnce(&mut KeyPath) -> R) -> R {
        self.0.push(key);
        let r = f(self);
        self.0.pop();
        r
    }
}

impl From<Vec<PathKey>> for KeyPath {
    fn from(keys: Vec<PathKey>) -> KeyPath {
        KeyPath(keys)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, key) in self.0.iter().enumerate() {
            match (i, key) {
                (0, PathKey::Field(name)) => write!(f, "{name}")?,
                _ => write!(f, "{key}")?,
            }
        }
        Ok(())
    }
}
