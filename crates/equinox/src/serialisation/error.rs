//! The error of every save and load, and the leaf location it names.

use crate::prims::rules::py_tuple;
use crate::tree::KeyPath;
use crate::DType;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Which leaf an error is about: its path in the tree, its index among the (non-filtered-out)
/// leaves, and for `.eqx`/`.npy` data the byte offset where its record starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafLocation {
    /// The leaf's path (`layers[0].weight`; empty for a tree that is a single array).
    pub path: KeyPath,
    /// The leaf's index in [`tree::leaves`](crate::tree::leaves) order, which is also its record's index.
    pub index: usize,
    /// The byte offset of the leaf's record in the file or stream (`None` for safetensors).
    pub offset: Option<u64>,
}

impl fmt::Display for LeafLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "leaf <root>")?;
        } else {
            write!(f, "leaf `{}`", self.path)?;
        }
        match self.offset {
            Some(offset) => write!(f, " (leaf {}, record at byte {offset})", self.index),
            None => write!(f, " (leaf {})", self.index),
        }
    }
}

/// Why saving or loading leaves failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SerialisationError {
    /// An I/O error; `context` says what was being done (creating, writing, syncing or renaming
    /// a file, or reading/writing the record of a named leaf).
    Io {
        /// What was being done, e.g. "writing the record of leaf `bias` (leaf 1, ...)".
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The data ended where the record of `leaf` should start: the file holds fewer records
    /// than the template has leaves.
    MissingRecord {
        /// The first leaf without a record.
        leaf: LeafLocation,
    },
    /// The data ended inside the record of `leaf`.
    Truncated {
        /// The leaf whose record is cut short.
        leaf: LeafLocation,
        /// Which part was cut: "magic string", "header length", "header" or "data".
        part: &'static str,
        /// How many bytes that part needs.
        needed: u64,
        /// How many were there.
        available: u64,
    },
    /// The record of `leaf` is not a `.npy` record numpy could read: wrong magic string,
    /// unknown format version, or a header that is not the expected Python dict.
    BadHeader {
        /// The leaf whose record is malformed.
        leaf: LeafLocation,
        /// What is wrong.
        reason: String,
    },
    /// The record or tensor of `leaf` has a dtype this crate does not store (int8, uint64,
    /// structured, object, ...).
    UnsupportedDtype {
        /// The leaf.
        leaf: LeafLocation,
        /// The dtype as the file names it (numpy descr such as `'<c16'`, or safetensors' name).
        descr: String,
    },
    /// The shape on disk differs from the template leaf's.
    ShapeMismatch {
        /// The leaf.
        leaf: LeafLocation,
        /// The template leaf's shape.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// The dtype on disk differs from the template leaf's.
    DtypeMismatch {
        /// The leaf.
        leaf: LeafLocation,
        /// The template leaf's dtype.
        expected: DType,
        /// The dtype in the file.
        found: DType,
    },
    /// A file holds more data after the record of the template's last leaf.
    TrailingData {
        /// How many records were read (the template's number of leaves).
        records: usize,
        /// Where the extra data starts.
        offset: u64,
        /// How many extra bytes there are.
        extra_bytes: u64,
    },
    /// A safetensors file has no tensor named after this leaf's path.
    MissingTensor {
        /// The leaf.
        leaf: LeafLocation,
    },
    /// A safetensors file holds tensors that no leaf of the template asks for.
    UnexpectedTensors {
        /// Their names, sorted.
        names: Vec<String>,
    },
    /// Two leaves print the same path (possible only with map keys whose `Debug` forms
    /// coincide), so they cannot both be named in a safetensors file.
    DuplicateName {
        /// The name.
        name: String,
    },
    /// A leaf's dtype has no safetensors equivalent (`complex128`: safetensors' only complex
    /// dtype is `C64`, complex64; the 8-bit floats but e4m3fn, e5m2 and e8m0fnu).
    NoSafetensorsDtype {
        /// The leaf's path.
        name: String,
        /// Its dtype.
        dtype: DType,
    },
    /// The safetensors library refused the data.
    Safetensors {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: safetensors::SafeTensorError,
    },
    /// A load with [`Verify::Required`](super::Verify::Required) found no `FILE.sha256` sidecar.
    ChecksumMissing {
        /// The file to load.
        path: PathBuf,
        /// Where its sidecar should be.
        sidecar: PathBuf,
    },
    /// The file's SHA-256 digest differs from the one its sidecar records: its bytes changed
    /// after the save (or a crash fell between replacing the file and its sidecar).
    ChecksumMismatch {
        /// The file.
        path: PathBuf,
        /// The digest in the sidecar.
        expected: String,
        /// The digest of the file's bytes.
        found: String,
    },
    /// The sidecar is not a `sha256sum` line (64 hex digits, then the file name).
    BadChecksumFile {
        /// The sidecar.
        sidecar: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for SerialisationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SerialisationError::*;
        match self {
            Io { context, source } => write!(f, "I/O error while {context}: {source}"),
            ChecksumMissing { path, sidecar } => write!(
                f,
                "{} has no checksum to verify: {} does not exist",
                path.display(),
                sidecar.display()
            ),
            ChecksumMismatch {
                path,
                expected,
                found,
            } => write!(
                f,
                "{} does not match its checksum: SHA-256 {found}, the sidecar records {expected} \
                 (the file changed after it was saved)",
                path.display()
            ),
            BadChecksumFile { sidecar, reason } => {
                write!(f, "bad checksum file {}: {reason}", sidecar.display())
            }
            MissingRecord { leaf } => write!(
                f,
                "{leaf}: the data ends where this leaf's record should start: it holds {} \
                 record{} but the template has more leaves",
                leaf.index,
                if leaf.index == 1 { "" } else { "s" }
            ),
            Truncated {
                leaf,
                part,
                needed,
                available,
            } => write!(
                f,
                "{leaf}: the data is truncated: the record's {part} needs {needed} bytes but only \
                 {available} remain"
            ),
            BadHeader { leaf, reason } => {
                write!(f, "{leaf}: not a valid .npy record: {reason}")
            }
            UnsupportedDtype { leaf, descr } => write!(
                f,
                "{leaf}: unsupported dtype {descr} on disk (supported: bool, uint8, uint32, \
                 int32, int64, float16, bfloat16, float32, float64)"
            ),
            ShapeMismatch {
                leaf,
                expected,
                found,
            } => write!(
                f,
                "{leaf}: shape differs: {} in the template, {} on disk",
                py_tuple(expected),
                py_tuple(found)
            ),
            DtypeMismatch {
                leaf,
                expected,
                found,
            } => write!(
                f,
                "{leaf}: dtype differs: {} in the template, {} on disk",
                expected.name(),
                found.name()
            ),
            TrailingData {
                records,
                offset,
                extra_bytes,
            } => write!(
                f,
                "trailing data: {extra_bytes} bytes follow the last of the template's {records} \
                 records (at byte {offset}); the file holds more than the template's leaves"
            ),
            MissingTensor { leaf } => {
                write!(f, "{leaf}: the file has no tensor named \"{}\"", leaf.path)
            }
            UnexpectedTensors { names } => write!(
                f,
                "the file holds tensors that the template has no leaf for: {}",
                names.join(", ")
            ),
            DuplicateName { name } => write!(
                f,
                "two leaves have the same path \"{name}\", so they cannot be named apart"
            ),
            NoSafetensorsDtype { name, dtype } if *dtype == DType::F4E2M1Fn => write!(
                f,
                "leaf \"{name}\" is {dtype}, which safetensors cannot store here (its F4 packs \
                 two values per byte; this library keeps one per byte); save it as .eqx or cast \
                 it"
            ),
            NoSafetensorsDtype { name, dtype } if dtype.is_float8() => write!(
                f,
                "leaf \"{name}\" is {dtype}, which safetensors cannot store (its 8-bit floats \
                 are F8_E4M3, F8_E5M2 and F8_E8M0: float8_e4m3fn, float8_e5m2 and \
                 float8_e8m0fnu); save it as .eqx or cast it"
            ),
            NoSafetensorsDtype { name, dtype } => write!(
                f,
                "leaf \"{name}\" is {dtype}, which safetensors cannot store (its only complex \
                 dtype is C64, complex64); save it as .eqx or split it into real and imaginary \
                 parts"
            ),
            Safetensors { context, source } => {
                write!(f, "safetensors error while {context}: {source}")
            }
        }
    }
}

impl std::error::Error for SerialisationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SerialisationError::Io { source, .. } => Some(source),
            SerialisationError::Safetensors { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub(crate) fn io_error(context: impl Into<String>, source: io::Error) -> SerialisationError {
    SerialisationError::Io {
        context: context.into(),
        source,
    }
}
