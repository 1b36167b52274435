//! Parity golden files (`parity/goldens/<topic>.json`, written by `parity/<topic>.py`), read
//! through a handle that records which cases were read.
//!
//! A golden file is a JSON object. Its top-level keys are *sections*, except metadata
//! ([`METADATA_KEYS`]: the versions that wrote it). A section is a list or an object; its
//! elements or entries are the *cases*. Every way of reaching a case through a [`Section`]
//! marks it read, and [`Golden::assert_all_read`] fails naming each case that no check
//! reached, so a case the script writes but no test compares cannot go unnoticed.
//!
//! ```
//! use equinox_testing::Golden;
//! let g = Golden::from_value("demo", serde_json::json!({
//!     "jax_version": "0.10.2",
//!     "cases": [{"x": 1.0}, {"x": "inf"}],
//! }));
//! let total: f64 = g.section("cases").iter().map(|c| equinox_testing::golden::number(&c["x"])).sum();
//! assert_eq!(total, f64::INFINITY);
//! g.assert_all_read();
//! ```

use std::collections::BTreeSet;
use std::ops::Index;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

/// Top-level keys that describe how a file was written rather than hold cases.
pub const METADATA_KEYS: [&str; 6] = [
    "jax_version",
    "numpy_version",
    "jax",
    "jaxlib",
    "equinox",
    "_meta",
];

/// The directory holding the golden files.
pub fn goldens_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../parity/goldens"))
}

/// A golden file and the set of its cases read so far.
pub struct Golden {
    topic: String,
    root: Value,
    read: Mutex<BTreeSet<(String, String)>>,
}

impl Golden {
    /// Loads `parity/goldens/<topic>.json`.
    ///
    /// # Panics
    /// If the file is missing or not a JSON object.
    pub fn load(topic: &str) -> Golden {
        let path = goldens_dir().join(format!("{topic}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (it is committed; regenerate it with parity/{topic}.py)",
                path.display()
            )
        });
        let root = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not valid JSON: {e}", path.display()));
        Golden::from_value(topic, root)
    }

    /// A golden from a JSON value already in memory.
    ///
    /// # Panics
    /// If `root` is not an object.
    pub fn from_value(topic: &str, root: Value) -> Golden {
        assert!(
            root.is_object(),
            "golden {topic}: the top level must be an object"
        );
        Golden {
            topic: topic.to_string(),
            root,
            read: Mutex::new(BTreeSet::new()),
        }
    }

    /// The topic (file name without `.json`).
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// A metadata value (e.g. `jax_version`), not tracked.
    pub fn metadata(&self, key: &str) -> &Value {
        assert!(
            METADATA_KEYS.contains(&key),
            "golden {}: {key:?} is not a metadata key",
            self.topic
        );
        &self.root[key]
    }

    /// The names of the sections (the non-metadata top-level keys).
    pub fn section_names(&self) -> Vec<&str> {
        self.object()
            .keys()
            .map(String::as_str)
            .filter(|k| !METADATA_KEYS.contains(k))
            .collect()
    }

    /// A section, through which its cases are read.
    ///
    /// # Panics
    /// If there is no such section.
    pub fn section(&self, name: &str) -> Section<'_> {
        let value = self.object().get(name).unwrap_or_else(|| {
            panic!(
                "golden {} has no section {name:?} (it has {:?})",
                self.topic,
                self.section_names()
            )
        });
        Section {
            golden: self,
            name: name.to_string(),
            value,
        }
    }

    /// The cases of the given sections (all sections when `None`) that nothing has read,
    /// as `section/case` strings.
    pub fn unread_in(&self, sections: Option<&[&str]>) -> Vec<String> {
        let read = self.read.lock().expect("the read set is never poisoned");
        let mut unread = Vec::new();
        for name in self.section_names() {
            if sections.is_some_and(|s| !s.contains(&name)) {
                continue;
            }
            for case in case_keys(&self.root[name]) {
                if !read.contains(&(name.to_string(), case.clone())) {
                    unread.push(format!("{name}/{case}"));
                }
            }
        }
        unread
    }

    /// Panics naming every case of the file that nothing has read.
    pub fn assert_all_read(&self) {
        self.assert_no_unread(self.unread_in(None));
    }

    /// Panics naming every case of the named sections that nothing has read (for a file whose
    /// sections different tests check).
    pub fn assert_sections_read(&self, sections: &[&str]) {
        for s in sections {
            self.section(s);
        }
        self.assert_no_unread(self.unread_in(Some(sections)));
    }

    /// Panics unless the sections that the file's tests claim (one list per test that calls
    /// [`Golden::assert_sections_read`]) cover every section of the file, so a section a
    /// regenerated file adds cannot go unclaimed.
    pub fn assert_claimed(&self, claims: &[&[&str]]) {
        let claimed: BTreeSet<&str> = claims.iter().flat_map(|c| c.iter().copied()).collect();
        let unclaimed: Vec<&str> = self
            .section_names()
            .into_iter()
            .filter(|s| !claimed.contains(s))
            .collect();
        assert!(
            unclaimed.is_empty(),
            "golden {}: no test checks the section(s) {unclaimed:?}",
            self.topic
        );
        for s in claimed {
            self.section(s);
        }
    }

    fn assert_no_unread(&self, unread: Vec<String>) {
        assert!(
            unread.is_empty(),
            "golden {}: {} case(s) written by parity/{}.py are never checked: {}",
            self.topic,
            unread.len(),
            self.topic,
            unread.join(", ")
        );
    }

    fn object(&self) -> &serde_json::Map<String, Value> {
        self.root.as_object().expect("checked at construction")
    }

    fn mark(&self, section: &str, case: String) {
        self.read
            .lock()
            .expect("the read set is never poisoned")
            .insert((section.to_string(), case));
    }
}

/// The case keys of a section: list indices, object keys, or the section itself (`""`) when it
/// is a single value.
fn case_keys(section: &Value) -> Vec<String> {
    match section {
        Value::Array(items) => (0..items.len()).map(|i| i.to_string()).collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        _ => vec![String::new()],
    }
}

/// One section of a [`Golden`]; reaching a case through it marks the case read.
pub struct Section<'a> {
    golden: &'a Golden,
    name: String,
    value: &'a Value,
}

impl<'a> Section<'a> {
    /// The number of cases.
    pub fn len(&self) -> usize {
        case_keys(self.value).len()
    }

    /// Whether the section has no cases.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cases of a list section, each marked read as it is yielded.
    ///
    /// # Panics
    /// If the section is not a list.
    pub fn iter(&self) -> impl Iterator<Item = &'a Value> + '_ {
        let items = self.value.as_array().unwrap_or_else(|| {
            panic!(
                "golden {}: section {} is not a list",
                self.golden.topic, self.name
            )
        });
        items.iter().enumerate().map(move |(i, v)| {
            self.golden.mark(&self.name, i.to_string());
            v
        })
    }

    /// The entries of an object section, each marked read as it is yielded.
    ///
    /// # Panics
    /// If the section is not an object.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, &'a Value)> + '_ {
        let map = self.value.as_object().unwrap_or_else(|| {
            panic!(
                "golden {}: section {} is not an object",
                self.golden.topic, self.name
            )
        });
        map.iter().map(move |(k, v)| {
            self.golden.mark(&self.name, k.clone());
            (k.as_str(), v)
        })
    }

    /// The entry `key` of an object section, marked read.
    ///
    /// # Panics
    /// If there is no such entry.
    pub fn get(&self, key: &str) -> &'a Value {
        let v = self.value.get(key).unwrap_or_else(|| {
            panic!(
                "golden {}: section {} has no entry {key:?}",
                self.golden.topic, self.name
            )
        });
        self.golden.mark(&self.name, key.to_string());
        v
    }

    /// The case at `index` of a list section, marked read.
    ///
    /// # Panics
    /// If the index is out of range.
    pub fn at(&self, index: usize) -> &'a Value {
        let v = self.value.get(index).unwrap_or_else(|| {
            panic!(
                "golden {}: section {} has no case {index}",
                self.golden.topic, self.name
            )
        });
        self.golden.mark(&self.name, index.to_string());
        v
    }

    /// The first case of a list section for which `pred` holds, marked read (the others are
    /// not).
    pub fn find(&self, mut pred: impl FnMut(&Value) -> bool) -> Option<&'a Value> {
        let items = self.value.as_array()?;
        let i = items.iter().position(&mut pred)?;
        Some(self.at(i))
    }

    /// The whole section as one value, every case marked read (for a section that is checked
    /// as a unit).
    pub fn whole(&self) -> &'a Value {
        for case in case_keys(self.value) {
            self.golden.mark(&self.name, case);
        }
        self.value
    }
}

impl<'a> Index<&str> for Section<'a> {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key)
    }
}

impl<'a> Index<usize> for Section<'a> {
    type Output = Value;
    fn index(&self, index: usize) -> &Value {
        self.at(index)
    }
}

/// A golden number: a JSON number or bool, or the strings `"nan"`, `"inf"`, `"-inf"` (JSON
/// has no literal for them).
///
/// # Panics
/// On anything else.
pub fn number(v: &Value) -> f64 {
    match v {
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().expect("serde_json numbers convert to f64"),
        Value::String(s) => match s.as_str() {
            "nan" | "NaN" => f64::NAN,
            "inf" | "Infinity" => f64::INFINITY,
            "-inf" | "-Infinity" => f64::NEG_INFINITY,
            other => panic!("unknown special value {other:?}"),
        },
        other => panic!("not a number: {other}"),
    }
}

/// An encoded array (`{"shape": [..], "dtype": "float32", "data": [..]}`), as written by
/// `parity/golden_encoding.py`. float32 values are stored widened to f64, so the round trip is
/// exact.
#[derive(Clone, Debug, PartialEq)]
pub struct Encoded {
    /// The shape.
    pub shape: Vec<usize>,
    /// numpy's dtype name.
    pub dtype: String,
    /// The elements in row-major order, as f64 (NaN and infinities decoded).
    pub data: Vec<f64>,
}

/// Decodes an [`Encoded`] array.
///
/// # Panics
/// If a field is missing or malformed.
pub fn encoded(v: &Value) -> Encoded {
    let shape = sizes(&v["shape"]);
    let dtype = v["dtype"]
        .as_str()
        .unwrap_or_else(|| panic!("an encoded array has a dtype: {v}"))
        .to_string();
    let data = v["data"]
        .as_array()
        .unwrap_or_else(|| panic!("an encoded array has a data list: {v}"))
        .iter()
        .map(number)
        .collect();
    Encoded { shape, dtype, data }
}

/// A list of sizes (a shape, or a layer's size arguments).
///
/// # Panics
/// If `v` is not a list of non-negative integers.
pub fn sizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list of sizes: {v}"))
        .iter()
        .map(|d| d.as_u64().unwrap_or_else(|| panic!("not a size: {d}")) as usize)
        .collect()
}

/// The `bits` list of an encoded float array: each element's bit pattern in the array's own
/// dtype, written in hex. JSON float parsers need not round exactly, so tests that rebuild an
/// input or compare bit for bit read these rather than `data`.
///
/// # Panics
/// If the list is missing or an entry is not a hex string.
pub fn bits(v: &Value) -> Vec<u64> {
    v["bits"]
        .as_array()
        .unwrap_or_else(|| panic!("an encoded float array has a bits list: {v}"))
        .iter()
        .map(|b| {
            let hex = b
                .as_str()
                .unwrap_or_else(|| panic!("bits are hex strings: {b}"));
            u64::from_str_radix(hex, 16).unwrap_or_else(|e| panic!("bits {hex:?}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn demo() -> Golden {
        Golden::from_value(
            "demo",
            json!({
                "jax_version": "0.10.2",
                "cases": [{"a": 1}, {"a": 2}, {"a": 3}],
                "jaxprs": {"jvp_sin": "...", "jvp_clamp": "..."},
            }),
        )
    }

    #[test]
    fn reading_everything_passes() {
        let g = demo();
        assert_eq!(g.section("cases").iter().count(), 3);
        assert_eq!(g.section("jaxprs").entries().count(), 2);
        g.assert_all_read();
    }

    #[test]
    fn an_unread_case_is_named() {
        let g = demo();
        g.section("cases").iter().for_each(drop);
        let _ = &g.section("jaxprs")["jvp_sin"];
        assert_eq!(g.unread_in(None), vec!["jaxprs/jvp_clamp".to_string()]);
        let msg = std::panic::catch_unwind(|| g.assert_all_read())
            .expect_err("an unread case fails")
            .downcast::<String>()
            .expect("a formatted message");
        assert!(msg.contains("jaxprs/jvp_clamp"), "{msg}");
        assert!(msg.contains("parity/demo.py"), "{msg}");
    }

    #[test]
    fn find_marks_only_the_found_case() {
        let g = demo();
        let c = g.section("cases").find(|c| c["a"] == 2).expect("found");
        assert_eq!(c["a"], 2);
        assert_eq!(g.unread_in(Some(&["cases"])), vec!["cases/0", "cases/2"]);
        g.section("cases").whole();
        g.assert_sections_read(&["cases"]);
    }

    #[test]
    fn claims_must_cover_every_section() {
        let g = demo();
        g.assert_claimed(&[&["cases"], &["jaxprs"]]);
        let msg = std::panic::catch_unwind(|| g.assert_claimed(&[&["cases"]]))
            .expect_err("an unclaimed section fails")
            .downcast::<String>()
            .expect("a formatted message");
        assert!(msg.contains("[\"jaxprs\"]"), "{msg}");
    }

    #[test]
    #[should_panic(expected = "has no section \"missing\"")]
    fn a_missing_section_panics() {
        demo().section("missing");
    }

    #[test]
    fn special_numbers_decode() {
        let e = encoded(&json!({"shape": [3], "dtype": "float32", "data": ["nan", "-inf", 1.5]}));
        assert!(e.data[0].is_nan());
        assert_eq!(e.data[1], f64::NEG_INFINITY);
        assert_eq!(e.data[2], 1.5);
        assert_eq!(e.shape, vec![3]);
    }

    #[test]
    fn bits_decode_from_hex() {
        assert_eq!(
            bits(&json!({"bits": ["3f800000", "ff800000"]})),
            [0x3f80_0000, 0xff80_0000]
        );
    }
}
