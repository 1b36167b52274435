//! Saving and loading the leaves of a model: Equinox's `.eqx` format
//! (`eqx.tree_serialise_leaves` / `eqx.tree_deserialise_leaves`), single `.npy` arrays, and
//! safetensors files keyed by leaf path.
//!
//! # The `.eqx` format
//! A `.eqx` file is what Python Equinox writes: the NumPy `.npy` records of the leaves (format
//! version 1.0, a Python-dict header padded to 64 bytes, then the raw little-endian data),
//! concatenated in leaf order, with no file header, names or structure. Files move both ways
//! between Python and Rust: [`tree_serialise_leaves`] writes byte for byte what Equinox writes
//! for the same leaves, and [`tree_deserialise_leaves`] reads Equinox's files.
//!
//! Because the file holds no structure, loading needs a *template* (Equinox's `like`): a tree
//! of the same type and structure, typically a freshly initialised model. Its leaves give the
//! order, and each record's dtype and shape must equal its template leaf's; the result is the
//! template with its leaves replaced by the file's.
//!
//! What is written, compared with Python Equinox:
//! - Every [`Array`] leaf, in the order of [`tree::leaves`] (depth first, fields in declaration
//!   order): this is Equinox's order for a Module whose fields are declared in the same order.
//! - Static content (sizes, flags, strings, `fn` pointers, `#[module(static)]` fields) is not a
//!   leaf and is not written, as Equinox does for `eqx.field(static=True)`, strings and
//!   functions. **Python scalars in non-static fields are leaves in Equinox** and are written
//!   as 0-d 64-bit records (`float` as `float64`, `int` as `int64`, `bool` as `bool`): to read
//!   such a file, mirror those fields as 0-d [`Array`] leaves of those dtypes
//!   (`Array::scalar(0.5f64)`), not as Rust scalars.
//! - A filtered-out leaf ([`Array::filtered_out`], Equinox's `None` after `eqx.partition`) is
//!   not a leaf in Equinox and is skipped both ways: nothing is written for it, and loading
//!   keeps the template's placeholder and reads nothing for it.
//! - `bfloat16` is written with numpy's descr `'<V2'` (what `np.save` writes for an
//!   `ml_dtypes.bfloat16` array), and any 2-byte void record (`'<V2'`, `'|V2'`) reads as
//!   `bfloat16`, as `jnp.load` does.
//! - The 8-bit floats and `float4_e2m1fn` (one value per byte) are written with numpy's descr
//!   `'|V1'` (what `np.save` writes for every ml_dtypes 8- and 4-bit float); a 1-byte void
//!   record reads as the template's narrow float. safetensors holds `float8_e4m3fn`
//!   (`F8_E4M3`), `float8_e5m2` (`F8_E5M2`) and `float8_e8m0fnu` (`F8_E8M0`); the other 8-bit
//!   floats have no safetensors dtype, and its `F4` packs two values per byte, which is not
//!   written or read here.
//!
//! Reading accepts any `.npy` record numpy writes for the supported dtypes: format versions
//! 1.0 to 3.0, `fortran_order: True`, big-endian data. Errors name the leaf (its path, its
//! index among the leaves, the record's byte offset) and what differs; nothing in a file makes
//! the loader panic.
//!
//! # Paths and streams
//! [`tree_serialise_leaves`] and [`tree_deserialise_leaves`] take a path. As in Equinox, a path
//! without an extension gets `.eqx` appended (`"model"` is `model.eqx`). Writing goes to a
//! temporary file in the same directory, which is synced and then renamed over the target, so
//! a crash or an error never leaves half a checkpoint and the previous file survives a failed
//! write. Loading from a path also checks that nothing follows the last record.
//!
//! [`tree_serialise_leaves_to`] and [`tree_deserialise_leaves_from`] take any [`Write`] /
//! [`Read`] (pass `&mut` to keep using it). The reader is left just after the last record, so
//! other data may precede or follow the leaves in the same stream (Equinox's idiom of a JSON
//! line of hyperparameters before the leaves); nothing past the last record is checked.
//!
//! ```
//! use equinox as eqx;
//! use eqx::{numpy as jnp, Array, Module};
//!
//! #[derive(Module, Clone)]
//! struct Linear { weight: Array, bias: Array, in_features: usize }
//!
//! let model = Linear { weight: jnp::full([2, 3], 0.5f32), bias: jnp::zeros([2]), in_features: 3 };
//! let path = std::env::temp_dir().join(format!("eqx-doc-{}.eqx", std::process::id()));
//! eqx::tree_serialise_leaves(&path, &model)?;
//!
//! let like = Linear { weight: jnp::zeros([2, 3]), bias: jnp::zeros([2]), in_features: 3 };
//! let loaded = eqx::tree_deserialise_leaves(&path, &like)?;
//! assert_eq!(loaded.weight.to_vec::<f32>(), vec![0.5; 6]);
//!
//! // A template whose shapes differ is refused, naming the leaf.
//! let wrong = Linear { weight: jnp::zeros([3, 2]), ..like };
//! let err = eqx::tree_deserialise_leaves(&path, &wrong).err().unwrap();
//! assert!(err.to_string().contains("`weight`"));
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # safetensors
//! [`save_safetensors`] / [`load_safetensors`] (and the in-memory [`to_safetensors_bytes`] /
//! [`from_safetensors_bytes`]) store each leaf under its path as printed by
//! [`tree::KeyPath`] (`layers[0].weight`), so files are self-describing and readable by other
//! tools. Loading checks the names both ways (a leaf of the template missing from the file,
//! tensors in the file that no leaf asks for) as well as each tensor's dtype and shape.
//! Filtered-out leaves are skipped as in `.eqx` files. Writing to a path is atomic as above.

use crate::atomic_file::write_atomically;
use crate::checksum::{
    check_digest, expected_digest, hex_sha256, verify_file, write_sidecar, HashingWriter,
};
pub use crate::checksum::{sidecar_path, LoadOptions, SaveOptions, Verify};
use crate::tree::{self, KeyPath, PyTree};
use crate::{bf16, f16, Array, DType, ShapeDtype};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Which leaf an error is about: its path in the tree, its index among the (non-filtered-out)
/// leaves, and for `.eqx`/`.npy` data the byte offset where its record starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafLocation {
    /// The leaf's path (`layers[0].weight`; empty for a tree that is a single array).
    pub path: KeyPath,
    /// The leaf's index in [`tree::leaves`] order, which is also its record's index.
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
    /// A load with [`Verify::Required`] found no `FILE.sha256` sidecar.
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

/// A Python tuple, as numpy prints shapes in headers and Equinox in its messages: `()`,
/// `(3,)`, `(2, 3)`.
fn py_tuple(shape: &[usize]) -> String {
    match shape {
        [] => "()".to_string(),
        [d] => format!("({d},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", dims.join(", "))
        }
    }
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

// ---------------------------------------------------------------------------------------------
// Element encoding
// ---------------------------------------------------------------------------------------------

/// An element type stored little-endian on disk.
trait LeBytes: Copy {
    /// Bytes per element.
    const SIZE: usize;
    /// Appends the element's little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads an element from exactly `SIZE` little-endian bytes.
    fn get(bytes: &[u8]) -> Self;
    /// Reads an element from exactly `SIZE` big-endian bytes.
    fn get_be(bytes: &[u8]) -> Self {
        let mut swapped = [0u8; 16];
        let s = &mut swapped[..Self::SIZE];
        s.copy_from_slice(bytes);
        s.reverse();
        Self::get(s)
    }
}

macro_rules! impl_le_bytes {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                let mut b = [0u8; std::mem::size_of::<$t>()];
                b.copy_from_slice(bytes);
                <$t>::from_le_bytes(b)
            }
        }
    )*};
}
impl_le_bytes!(u8, u16, u32, u64, i8, i16, i32, i64, f16, bf16, f32, f64);

/// An 8-bit float is its one code byte.
macro_rules! impl_le_bytes_float8 {
    ($($t:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = 1;
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                out.push(self.to_bits());
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_bits(bytes[0])
            }
        }
    )*};
}
impl_le_bytes_float8!(
    equinox_core::Float4E2M1Fn,
    equinox_core::Float8E3M4,
    equinox_core::Float8E4M3,
    equinox_core::Float8E4M3B11Fnuz,
    equinox_core::Float8E4M3Fn,
    equinox_core::Float8E4M3Fnuz,
    equinox_core::Float8E5M2,
    equinox_core::Float8E5M2Fnuz,
    equinox_core::Float8E8M0Fnu
);

/// A complex number is its real part then its imaginary part, each in the part's byte order
/// (numpy's `<c8`/`<c16`).
macro_rules! impl_le_bytes_complex {
    ($($t:ty => $part:ty),*) => {$(
        impl LeBytes for $t {
            const SIZE: usize = 2 * std::mem::size_of::<$part>();
            #[inline]
            fn put(self, out: &mut Vec<u8>) {
                self.re.put(out);
                self.im.put(out);
            }
            #[inline]
            fn get(bytes: &[u8]) -> Self {
                let (re, im) = bytes.split_at(Self::SIZE / 2);
                <$t>::new(<$part>::get(re), <$part>::get(im))
            }
            fn get_be(bytes: &[u8]) -> Self {
                let (re, im) = bytes.split_at(Self::SIZE / 2);
                <$t>::new(<$part>::get_be(re), <$part>::get_be(im))
            }
        }
    )*};
}
impl_le_bytes_complex!(equinox_core::Complex32 => f32, equinox_core::Complex64 => f64);

impl LeBytes for bool {
    const SIZE: usize = 1;
    #[inline]
    fn put(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
    #[inline]
    fn get(bytes: &[u8]) -> Self {
        // numpy stores 0 and 1; like a C bool, any other byte reads as true.
        bytes[0] != 0
    }
}

/// Elements are encoded this many bytes at a time, so writing never holds a second copy of a
/// large leaf.
const WRITE_CHUNK_BYTES: usize = 1 << 16;

fn write_elements<T: LeBytes, W: Write>(w: &mut W, v: &[T]) -> io::Result<()> {
    let per_chunk = (WRITE_CHUNK_BYTES / T::SIZE).max(1);
    let mut buf = Vec::with_capacity(per_chunk.min(v.len()) * T::SIZE);
    for chunk in v.chunks(per_chunk) {
        buf.clear();
        for &x in chunk {
            x.put(&mut buf);
        }
        w.write_all(&buf)?;
    }
    Ok(())
}

fn le_bytes(a: &Array) -> Vec<u8> {
    equinox_core::with_storage!(a.storage(), v => {
        let mut out = Vec::with_capacity(v.len() * a.dtype().size_in_bytes());
        for &x in v.iter() {
            x.put(&mut out);
        }
        out
    })
}

fn decode<T: LeBytes>(bytes: &[u8], big_endian: bool) -> Vec<T> {
    let chunks = bytes.chunks_exact(T::SIZE);
    if big_endian {
        chunks.map(T::get_be).collect()
    } else {
        chunks.map(T::get).collect()
    }
}

/// An array of `dtype` and `shape` from its row-major bytes.
fn array_from_bytes(dtype: DType, shape: &[usize], bytes: &[u8], big_endian: bool) -> Array {
    equinox_core::with_dtype!(dtype, T => Array::from_vec(decode::<T>(bytes, big_endian), shape))
}

// ---------------------------------------------------------------------------------------------
// .npy records
// ---------------------------------------------------------------------------------------------

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// numpy pads the preamble (magic, version, length, header) to a multiple of this.
const ARRAY_ALIGN: usize = 64;
/// numpy leaves room after the header dict for the first axis to grow to this many digits.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// numpy's descr for a dtype, as `np.save` writes it on a little-endian machine.
fn descr(dtype: DType) -> &'static str {
    match dtype {
        DType::Bool => "|b1",
        DType::U8 => "|u1",
        DType::U16 => "<u2",
        DType::U32 => "<u4",
        DType::U64 => "<u8",
        DType::I8 => "|i1",
        DType::I16 => "<i2",
        DType::I32 => "<i4",
        DType::I64 => "<i8",
        DType::F16 => "<f2",
        // ml_dtypes' bfloat16 is a 2-byte void to numpy's header writer.
        DType::BF16 => "<V2",
        DType::F32 => "<f4",
        DType::F64 => "<f8",
        DType::C64 => "<c8",
        DType::C128 => "<c16",
        // ml_dtypes' 8- and 4-bit floats are 1-byte voids to numpy's header writer.
        DType::F4E2M1Fn
        | DType::F8E3M4
        | DType::F8E4M3
        | DType::F8E4M3B11Fnuz
        | DType::F8E4M3Fn
        | DType::F8E4M3Fnuz
        | DType::F8E5M2
        | DType::F8E5M2Fnuz
        | DType::F8E8M0Fnu => "|V1",
    }
}

/// The dtype and byte order (`true` for big-endian) a numpy descr names, if supported.
fn parse_descr(descr: &str) -> Option<(DType, bool)> {
    let mut chars = descr.chars();
    let big_endian = match chars.next()? {
        '<' | '|' => false,
        '>' => true,
        _ => return None,
    };
    let dtype = match chars.as_str() {
        "b1" => DType::Bool,
        "u1" => DType::U8,
        "u2" => DType::U16,
        "u4" => DType::U32,
        "u8" => DType::U64,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "f2" => DType::F16,
        "V2" => DType::BF16,
        // A 1-byte void is one of the 8- or 4-bit floats; which one only a template can say
        // (`read_record` takes the template's), float8_e4m3fn without one.
        "V1" => DType::F8E4M3Fn,
        "f4" => DType::F32,
        "f8" => DType::F64,
        "c8" => DType::C64,
        "c16" => DType::C128,
        _ => return None,
    };
    Some((dtype, big_endian))
}

/// The preamble of a `.npy` record exactly as numpy's `np.save` writes it: magic, version,
/// header length, the header dict (keys sorted), spare room for the first axis to grow, and
/// space padding plus a newline to a multiple of 64 bytes. Version 1.0 unless the header needs
/// a 32-bit length (2.0).
fn npy_preamble(dtype: DType, shape: &[usize]) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
        descr(dtype),
        py_tuple(shape)
    );
    if let Some(first) = shape.first() {
        let digits = first.to_string().len();
        header.extend(std::iter::repeat_n(
            ' ',
            GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
        ));
    }
    let hlen = header.len() + 1; // the final newline
    for (major, len_bytes) in [(1u8, 2usize), (2, 4)] {
        let prefix = MAGIC.len() + 2 + len_bytes;
        let padlen = ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
        let total = hlen + padlen;
        if len_bytes == 2 && total > u16::MAX as usize {
            continue;
        }
        let mut out = Vec::with_capacity(prefix + total);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[major, 0]);
        if len_bytes == 2 {
            out.extend_from_slice(&(total as u16).to_le_bytes());
        } else {
            out.extend_from_slice(&(total as u32).to_le_bytes());
        }
        out.extend_from_slice(header.as_bytes());
        out.extend(std::iter::repeat_n(b' ', padlen));
        out.push(b'\n');
        return out;
    }
    unreachable!("a version 2.0 header holds any header under 4 GiB")
}

/// Writes one `.npy` record; returns its length in bytes.
fn write_record<W: Write>(w: &mut W, a: &Array) -> io::Result<u64> {
    let preamble = npy_preamble(a.dtype(), a.shape());
    w.write_all(&preamble)?;
    equinox_core::with_storage!(a.storage(), v => write_elements(w, v))?;
    Ok((preamble.len() + a.size() * a.dtype().size_in_bytes()) as u64)
}

/// A reader that counts the bytes it has delivered, for error offsets.
struct Counting<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full or the data ends; returns how many bytes were read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A parsed `.npy` header.
struct RecordHeader {
    dtype: DType,
    big_endian: bool,
    fortran_order: bool,
    shape: Vec<usize>,
}

/// A value in a `.npy` header dict: the subset of Python literals numpy writes there.
enum PyValue {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
    /// Any other bracketed literal (a structured dtype's list), kept as text for the message.
    Other(String),
}

/// A parser for the header dict, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }`.
struct HeaderParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl HeaderParser<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(&format!("'{}'", c as char)))
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.peek() {
            Some(c) => format!(
                "expected {wanted} at byte {} of the header, found {:?}",
                self.pos, c as char
            ),
            None => format!("expected {wanted}, but the header ends"),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.unexpected("a quoted string")),
        };
        let start = self.pos + 1;
        let len = self.s[start..].iter().position(|&c| c == quote);
        let end = start + len.ok_or_else(|| "unterminated string in the header".to_string())?;
        let text = &self.s[start..end];
        if text.contains(&b'\\') {
            return Err("escape sequences in header strings are not supported".to_string());
        }
        self.pos = end + 1;
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    fn integer(&mut self) -> Result<usize, String> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return Err(self.unexpected("a dimension size"));
        }
        let digits = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or_default();
        let n = digits
            .parse()
            .map_err(|_| format!("dimension size {digits} is too large"))?;
        // Python 2 numpy wrote longs as `3L`.
        if self.peek() == Some(b'L') {
            self.pos += 1;
        }
        Ok(n)
    }

    fn tuple(&mut self) -> Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b')') {
                self.pos += 1;
                // `(3)` is the integer 3 in Python, not a tuple.
                return Ok(dims);
            }
            dims.push(self.integer()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') if dims.len() > 1 => {}
                _ => return Err(self.unexpected("',' in the shape tuple")),
            }
        }
    }

    fn value(&mut self) -> Result<PyValue, String> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        match self.peek() {
            Some(b'\'' | b'"') => self.string().map(PyValue::Str),
            Some(b'(') => self.tuple().map(PyValue::Tuple),
            Some(b'[') => {
                let mut depth = 0usize;
                for (i, &c) in rest.iter().enumerate() {
                    match c {
                        b'[' => depth += 1,
                        b']' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        self.pos += i + 1;
                        return Ok(PyValue::Other(
                            String::from_utf8_lossy(&rest[..=i]).into_owned(),
                        ));
                    }
                }
                Err("unterminated list in the header".to_string())
            }
            _ if rest.starts_with(b"True") => {
                self.pos += 4;
                Ok(PyValue::Bool(true))
            }
            _ if rest.starts_with(b"False") => {
                self.pos += 5;
                Ok(PyValue::Bool(false))
            }
            _ => Err(self.unexpected("a string, True, False or a tuple")),
        }
    }

    fn dict(&mut self) -> Result<Vec<(String, PyValue)>, String> {
        self.expect(b'{')?;
        let mut entries = Vec::new();
        loop {
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                break;
            }
            let key = self.string()?;
            self.expect(b':')?;
            entries.push((key, self.value()?));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
        self.skip_ws();
        if self.pos != self.s.len() {
            return Err(self.unexpected("the end of the header"));
        }
        Ok(entries)
    }
}

/// What went wrong reading a record, before the leaf's location is attached.
enum RecordError {
    Io(io::Error),
    Missing,
    Truncated {
        part: &'static str,
        needed: u64,
        available: u64,
    },
    BadHeader(String),
    UnsupportedDtype(String),
    Shape(Vec<usize>),
    Dtype(DType),
}

impl From<io::Error> for RecordError {
    fn from(e: io::Error) -> Self {
        RecordError::Io(e)
    }
}

impl RecordError {
    fn at(self, leaf: LeafLocation, expected: Option<&ShapeDtype>) -> SerialisationError {
        use SerialisationError as E;
        match self {
            RecordError::Io(source) => io_error(format!("reading the record of {leaf}"), source),
            RecordError::Missing => E::MissingRecord { leaf },
            RecordError::Truncated {
                part,
                needed,
                available,
            } => E::Truncated {
                leaf,
                part,
                needed,
                available,
            },
            RecordError::BadHeader(reason) => E::BadHeader { leaf, reason },
            RecordError::UnsupportedDtype(descr) => E::UnsupportedDtype { leaf, descr },
            RecordError::Shape(found) => E::ShapeMismatch {
                leaf,
                expected: expected
                    .map(|e| e.shape.dims().to_vec())
                    .unwrap_or_default(),
                found,
            },
            RecordError::Dtype(found) => E::DtypeMismatch {
                leaf,
                expected: expected.map_or(found, |e| e.dtype),
                found,
            },
        }
    }
}

/// Reads exactly `buf.len()` bytes of the record's `part`.
fn read_part<R: Read>(r: &mut R, buf: &mut [u8], part: &'static str) -> Result<(), RecordError> {
    let n = read_full(r, buf)?;
    if n < buf.len() {
        return Err(RecordError::Truncated {
            part,
            needed: buf.len() as u64,
            available: n as u64,
        });
    }
    Ok(())
}

fn read_header<R: Read>(r: &mut R) -> Result<RecordHeader, RecordError> {
    let mut magic = [0u8; 8];
    match read_full(r, &mut magic)? {
        0 => return Err(RecordError::Missing),
        n if n < magic.len() => {
            return Err(RecordError::Truncated {
                part: "magic string",
                needed: magic.len() as u64,
                available: n as u64,
            })
        }
        _ => {}
    }
    if &magic[..6] != MAGIC {
        return Err(RecordError::BadHeader(format!(
            "it starts with {:02x?}, not the magic string \\x93NUMPY",
            &magic[..6]
        )));
    }
    let (major, minor) = (magic[6], magic[7]);
    let header_len = match (major, minor) {
        (1, 0) => {
            let mut b = [0u8; 2];
            read_part(r, &mut b, "header length")?;
            u16::from_le_bytes(b) as usize
        }
        (2, 0) | (3, 0) => {
            let mut b = [0u8; 4];
            read_part(r, &mut b, "header length")?;
            u32::from_le_bytes(b) as usize
        }
        _ => {
            return Err(RecordError::BadHeader(format!(
                "unsupported .npy format version {major}.{minor}"
            )))
        }
    };
    // Read the header in pieces as it arrives, so a corrupt length cannot allocate much.
    let mut header = Vec::new();
    let n = r
        .by_ref()
        .take(header_len as u64)
        .read_to_end(&mut header)?;
    if n < header_len {
        return Err(RecordError::Truncated {
            part: "header",
            needed: header_len as u64,
            available: n as u64,
        });
    }
    // numpy ends every header with a newline; without it a damaged header length would shift
    // the data silently (the dict itself may still parse).
    if header.last() != Some(&b'\n') {
        return Err(RecordError::BadHeader(format!(
            "the header does not end with a newline (header: {:?})",
            lossy(&header)
        )));
    }
    // Versions 1.0 and 2.0 are latin-1, 3.0 is UTF-8; the dict numpy writes is ASCII.
    let mut parser = HeaderParser { s: &header, pos: 0 };
    let entries = parser
        .dict()
        .map_err(|e| RecordError::BadHeader(format!("{e} (header: {:?})", lossy(&header))))?;
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys != ["descr", "fortran_order", "shape"] {
        return Err(RecordError::BadHeader(format!(
            "the header's keys are {keys:?}, not ['descr', 'fortran_order', 'shape']"
        )));
    }
    let (mut dtype, mut fortran_order, mut shape) = (None, false, Vec::new());
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("descr", PyValue::Str(d)) => {
                dtype =
                    Some(parse_descr(&d).ok_or(RecordError::UnsupportedDtype(format!("'{d}'")))?)
            }
            ("descr", PyValue::Other(d)) => return Err(RecordError::UnsupportedDtype(d)),
            ("fortran_order", PyValue::Bool(b)) => fortran_order = b,
            ("shape", PyValue::Tuple(s)) => shape = s,
            (key, _) => {
                return Err(RecordError::BadHeader(format!(
                    "the header's {key:?} has the wrong type"
                )))
            }
        }
    }
    let (dtype, big_endian) =
        dtype.ok_or_else(|| RecordError::BadHeader("the header has no descr".to_string()))?;
    Ok(RecordHeader {
        dtype,
        big_endian,
        fortran_order,
        shape,
    })
}

fn lossy(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Largest buffer reserved up front for a record whose size no template vouches for.
const UNCHECKED_RESERVE_BYTES: usize = 1 << 26;

/// Reads one record; with `expected`, checks its shape and dtype before reading the data.
fn read_record<R: Read>(r: &mut R, expected: Option<&ShapeDtype>) -> Result<Array, RecordError> {
    let mut header = read_header(r)?;
    if let Some(expected) = expected {
        if expected.shape.dims() != header.shape.as_slice() {
            return Err(RecordError::Shape(header.shape));
        }
        // The 8- and 4-bit floats share one descr: the template names the format.
        let same = expected.dtype == header.dtype
            || (expected.dtype.is_narrow_float() && header.dtype.is_narrow_float());
        if !same {
            return Err(RecordError::Dtype(header.dtype));
        }
        header.dtype = expected.dtype;
    }
    let size = header
        .shape
        .iter()
        .try_fold(header.dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            RecordError::BadHeader(format!("shape {} is too large", py_tuple(&header.shape)))
        })?;
    let reserve = if expected.is_some() {
        size
    } else {
        size.min(UNCHECKED_RESERVE_BYTES)
    };
    let mut data = Vec::with_capacity(reserve);
    let n = r.by_ref().take(size as u64).read_to_end(&mut data)?;
    if n < size {
        return Err(RecordError::Truncated {
            part: "data",
            needed: size as u64,
            available: n as u64,
        });
    }
    if header.fortran_order && header.shape.len() > 1 {
        // Column-major data is the row-major data of the reversed shape; transposing it back
        // gives the logical array.
        let reversed: Vec<usize> = header.shape.iter().rev().copied().collect();
        let a = array_from_bytes(header.dtype, &reversed, &data, header.big_endian);
        Ok(crate::numpy::transpose(&a, None))
    } else {
        Ok(array_from_bytes(
            header.dtype,
            &header.shape,
            &data,
            header.big_endian,
        ))
    }
}

/// Writes one array as a `.npy` record, byte for byte what `np.save` / `jnp.save` write.
///
/// ```
/// use equinox::{serialisation, Array};
/// let mut buf = Vec::new();
/// serialisation::write_npy(&mut buf, &Array::from_vec(vec![0.0f32, 1.0, 2.0], [3]))?;
/// assert_eq!(buf.len(), 128 + 12);
/// assert!(buf.starts_with(b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"));
/// assert_eq!(serialisation::read_npy(buf.as_slice())?.to_vec::<f32>(), vec![0.0, 1.0, 2.0]);
/// # Ok::<(), equinox::serialisation::SerialisationError>(())
/// ```
///
/// Panics if `array` is a filtered-out placeholder (it has no data to write).
pub fn write_npy<W: Write>(mut writer: W, array: &Array) -> Result<(), SerialisationError> {
    let leaf = || LeafLocation {
        path: KeyPath::new(),
        index: 0,
        offset: Some(0),
    };
    write_record(&mut writer, array)
        .and_then(|_| writer.flush())
        .map_err(|e| io_error(format!("writing the record of {}", leaf()), e))
}

/// Reads one `.npy` record (what `np.load` / `jnp.load` read), leaving `reader` just after it.
/// Any dtype of [`DType`] is accepted, in any byte order and either memory order; a 2-byte
/// void (`'<V2'`) is `bfloat16`. See [`write_npy`] for an example.
pub fn read_npy<R: Read>(reader: R) -> Result<Array, SerialisationError> {
    let mut r = Counting {
        inner: reader,
        offset: 0,
    };
    read_record(&mut r, None).map_err(|e| {
        let leaf = LeafLocation {
            path: KeyPath::new(),
            index: 0,
            offset: Some(0),
        };
        e.at(leaf, None)
    })
}

// ---------------------------------------------------------------------------------------------
// .eqx files
// ---------------------------------------------------------------------------------------------

/// Equinox's rule: a path without an extension gets `.eqx`.
fn with_eqx_suffix(path: &Path) -> PathBuf {
    if path.extension().is_none() {
        path.with_extension("eqx")
    } else {
        path.to_path_buf()
    }
}

/// Writes the leaves of `tree` to the file at `path` in Equinox's `.eqx` format
/// (`eqx.tree_serialise_leaves`). A path without an extension gets `.eqx` appended.
///
/// The data goes to a temporary file in the same directory, which is synced and renamed over
/// `path` only once complete: on any error (or a crash) the previous file at `path`, if any, is
/// untouched and the temporary file is removed. See the [module documentation](self) for what
/// is written.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, Array};
///
/// let dir = std::env::temp_dir().join(format!("eqx-doc-save-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let params = (jnp::ones([3]), vec![Array::scalar(7i32)]);
/// eqx::tree_serialise_leaves(dir.join("params"), &params)?; // writes params.eqx
/// let loaded = eqx::tree_deserialise_leaves(dir.join("params.eqx"), &params)?;
/// assert_eq!(loaded.1[0].item::<i32>(), 7);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tree_serialise_leaves<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
) -> Result<(), SerialisationError> {
    let path = with_eqx_suffix(path.as_ref());
    write_atomically(&path, |w| tree_serialise_leaves_to(w, tree), io_error)
}

/// [`tree_serialise_leaves`] with [`SaveOptions`]: with `checksum`, the file's SHA-256 digest
/// also goes to a sidecar `FILE.sha256` (`sha256sum`'s format; see [`crate::checksum`]), which
/// [`tree_deserialise_leaves_with_options`] can verify.
///
/// ```
/// use equinox as eqx;
/// use eqx::numpy as jnp;
/// use eqx::serialisation::{self, LoadOptions, SaveOptions, SerialisationError, Verify};
///
/// let path = std::env::temp_dir().join(format!("eqx-doc-sum-{}.eqx", std::process::id()));
/// let params = (jnp::ones([3]), jnp::zeros([2]));
/// serialisation::tree_serialise_leaves_with_options(&path, &params, &SaveOptions { checksum: true })?;
/// let verify = LoadOptions { verify: Verify::Required };
/// assert!(serialisation::tree_deserialise_leaves_with_options(&path, &params, &verify).is_ok());
///
/// // One flipped bit in the data: the plain load accepts it, the verifying one does not.
/// let mut bytes = std::fs::read(&path)?;
/// *bytes.last_mut().unwrap() ^= 1;
/// std::fs::write(&path, &bytes)?;
/// assert!(eqx::tree_deserialise_leaves(&path, &params).is_ok());
/// let err = serialisation::tree_deserialise_leaves_with_options(&path, &params, &verify);
/// assert!(matches!(err, Err(SerialisationError::ChecksumMismatch { .. })));
/// # std::fs::remove_file(&path)?;
/// # std::fs::remove_file(serialisation::sidecar_path(&path))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tree_serialise_leaves_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
    options: &SaveOptions,
) -> Result<(), SerialisationError> {
    let path = with_eqx_suffix(path.as_ref());
    if !options.checksum {
        return tree_serialise_leaves(&path, tree);
    }
    let mut digest = String::new();
    write_atomically(
        &path,
        |w| {
            let mut hashing = HashingWriter::new(w);
            tree_serialise_leaves_to(&mut hashing, tree)?;
            digest = hashing.hex_digest();
            Ok(())
        },
        io_error,
    )?;
    write_sidecar(&path, &digest)
}

/// Writes the leaves of `tree` to `writer` in Equinox's `.eqx` format, then flushes it.
/// Pass `&mut writer` to keep using the writer afterwards.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, serialisation};
///
/// let tree = vec![jnp::zeros([2]), jnp::ones([2, 2])];
/// let mut bytes = Vec::new();
/// serialisation::tree_serialise_leaves_to(&mut bytes, &tree)?;
/// assert_eq!(bytes.len(), (128 + 8) + (128 + 16)); // two 128-byte headers and the data
/// let loaded = serialisation::tree_deserialise_leaves_from(bytes.as_slice(), &tree)?;
/// assert!(eqx::tree_equal(&loaded, &tree));
/// # Ok::<(), serialisation::SerialisationError>(())
/// ```
pub fn tree_serialise_leaves_to<T: PyTree, W: Write>(
    mut writer: W,
    tree: &T,
) -> Result<(), SerialisationError> {
    let mut result = Ok(());
    let (mut index, mut offset) = (0usize, 0u64);
    tree.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if result.is_err() || leaf.is_filtered_out() {
            return;
        }
        match write_record(&mut writer, leaf) {
            Ok(len) => offset += len,
            Err(e) => {
                let leaf = LeafLocation {
                    path: path.clone(),
                    index,
                    offset: Some(offset),
                };
                result = Err(io_error(format!("writing the record of {leaf}"), e));
            }
        }
        index += 1;
    });
    result?;
    writer
        .flush()
        .map_err(|e| io_error("flushing the writer", e))
}

/// Loads the leaves of a `.eqx` file written by Equinox or [`tree_serialise_leaves`] into a
/// copy of `like` (`eqx.tree_deserialise_leaves`). A path without an extension gets `.eqx`.
///
/// `like` gives the structure, the leaf order and each leaf's expected shape and dtype; static
/// content is taken from it. Each record is checked against its leaf before its data is read,
/// and the file must end after the last leaf's record. Errors name the leaf and what differs.
///
/// ```
/// use equinox as eqx;
/// use eqx::numpy as jnp;
///
/// let path = std::env::temp_dir().join(format!("eqx-doc-load-{}.eqx", std::process::id()));
/// eqx::tree_serialise_leaves(&path, &(jnp::ones([2]), jnp::zeros([3])))?;
/// let err = eqx::tree_deserialise_leaves(&path, &(jnp::ones([2]), jnp::zeros([4]))).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "leaf `.1` (leaf 1, record at byte 136): shape differs: (4,) in the template, (3,) on disk"
/// );
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn tree_deserialise_leaves<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
) -> Result<T, SerialisationError> {
    tree_deserialise_leaves_with_options(path, like, &LoadOptions::default())
}

/// [`tree_deserialise_leaves`] with [`LoadOptions`]: with `verify`, the file's SHA-256 digest is
/// checked against its `FILE.sha256` sidecar (written by
/// [`tree_serialise_leaves_with_options`] or `sha256sum`) before any record is parsed.
pub fn tree_deserialise_leaves_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
    options: &LoadOptions,
) -> Result<T, SerialisationError> {
    let path = with_eqx_suffix(path.as_ref());
    let mut file =
        File::open(&path).map_err(|e| io_error(format!("opening {}", path.display()), e))?;
    verify_file(&mut file, &path, options.verify)?;
    let file_len = file
        .metadata()
        .map_err(|e| io_error(format!("reading the metadata of {}", path.display()), e))?
        .len();
    let mut reader = Counting {
        inner: BufReader::new(file),
        offset: 0,
    };
    let (out, records) = read_leaves(&mut reader, like)?;
    let mut probe = [0u8; 1];
    let extra = read_full(&mut reader, &mut probe)
        .map_err(|e| io_error(format!("reading {}", path.display()), e))?;
    if extra > 0 {
        let offset = reader.offset - extra as u64;
        return Err(SerialisationError::TrailingData {
            records,
            offset,
            extra_bytes: file_len.saturating_sub(offset),
        });
    }
    Ok(out)
}

/// Loads the leaves of `like` from `reader` in Equinox's `.eqx` format, reading exactly the
/// records needed and leaving the reader just after them (nothing past them is checked).
/// Records are read with a few small reads each, so wrap an unbuffered source in a
/// [`BufReader`]. See [`tree_serialise_leaves_to`] for an example.
pub fn tree_deserialise_leaves_from<T: PyTree, R: Read>(
    reader: R,
    like: &T,
) -> Result<T, SerialisationError> {
    let mut reader = Counting {
        inner: reader,
        offset: 0,
    };
    read_leaves(&mut reader, like).map(|(out, _)| out)
}

/// Reads one record per leaf of `like` that is not filtered out; returns the rebuilt tree and
/// the number of records read.
fn read_leaves<T: PyTree, R: Read>(
    r: &mut Counting<R>,
    like: &T,
) -> Result<(T, usize), SerialisationError> {
    let mut loaded = Vec::new();
    let mut error = None;
    like.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if error.is_some() || leaf.is_filtered_out() {
            return;
        }
        let offset = r.offset;
        match read_record(r, Some(leaf.aval())) {
            Ok(a) => loaded.push(a),
            Err(e) => {
                let at = LeafLocation {
                    path: path.clone(),
                    index: loaded.len(),
                    offset: Some(offset),
                };
                error = Some(e.at(at, Some(leaf.aval())));
            }
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let records = loaded.len();
    Ok((tree::rebuild(like, loaded), records))
}

// ---------------------------------------------------------------------------------------------
// safetensors
// ---------------------------------------------------------------------------------------------

fn to_safetensors_dtype(dtype: DType) -> Option<safetensors::Dtype> {
    use safetensors::Dtype as S;
    Some(match dtype {
        DType::Bool => S::BOOL,
        DType::U8 => S::U8,
        DType::U16 => S::U16,
        DType::U32 => S::U32,
        DType::U64 => S::U64,
        DType::I8 => S::I8,
        DType::I16 => S::I16,
        DType::I32 => S::I32,
        DType::I64 => S::I64,
        DType::F16 => S::F16,
        DType::BF16 => S::BF16,
        DType::F32 => S::F32,
        DType::F64 => S::F64,
        DType::C64 => S::C64,
        DType::F8E4M3Fn => S::F8_E4M3,
        DType::F8E5M2 => S::F8_E5M2,
        DType::F8E8M0Fnu => S::F8_E8M0,
        DType::C128
        | DType::F4E2M1Fn
        | DType::F8E3M4
        | DType::F8E4M3
        | DType::F8E4M3B11Fnuz
        | DType::F8E4M3Fnuz
        | DType::F8E5M2Fnuz => return None,
    })
}

fn from_safetensors_dtype(dtype: safetensors::Dtype) -> Option<DType> {
    use safetensors::Dtype as S;
    Some(match dtype {
        S::BOOL => DType::Bool,
        S::U8 => DType::U8,
        S::U16 => DType::U16,
        S::U32 => DType::U32,
        S::U64 => DType::U64,
        S::I8 => DType::I8,
        S::I16 => DType::I16,
        S::I32 => DType::I32,
        S::I64 => DType::I64,
        S::F16 => DType::F16,
        S::BF16 => DType::BF16,
        S::F32 => DType::F32,
        S::F64 => DType::F64,
        S::C64 => DType::C64,
        S::F8_E4M3 => DType::F8E4M3Fn,
        S::F8_E5M2 => DType::F8E5M2,
        S::F8_E8M0 => DType::F8E8M0Fnu,
        _ => return None,
    })
}

/// One leaf's data, as the safetensors writer wants it.
struct TensorBytes {
    dtype: safetensors::Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl safetensors::View for TensorBytes {
    fn dtype(&self) -> safetensors::Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The leaves of `tree` as a safetensors file in memory, each named by its path
/// (`layers[0].weight`); filtered-out leaves are skipped.
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, serialisation, Array, Module};
///
/// #[derive(Module, Clone)]
/// struct Linear { weight: Array, bias: Array }
/// #[derive(Module, Clone)]
/// struct Mlp { layers: Vec<Linear> }
///
/// let mlp = Mlp { layers: vec![Linear { weight: jnp::ones([2, 2]), bias: jnp::zeros([2]) }] };
/// let bytes = serialisation::to_safetensors_bytes(&mlp)?;
/// let header = String::from_utf8_lossy(&bytes[8..]);
/// assert!(header.contains("\"layers[0].weight\""));
///
/// let loaded = serialisation::from_safetensors_bytes(&bytes, &mlp)?;
/// assert!(eqx::tree_equal(&loaded, &mlp));
///
/// // A template with a leaf the file lacks is refused, naming it.
/// let bigger = Mlp { layers: vec![mlp.layers[0].clone(), mlp.layers[0].clone()] };
/// let err = serialisation::from_safetensors_bytes(&bytes, &bigger).err().unwrap();
/// assert!(err.to_string().contains("no tensor named \"layers[1].weight\""));
/// # Ok::<(), serialisation::SerialisationError>(())
/// ```
pub fn to_safetensors_bytes<T: PyTree>(tree: &T) -> Result<Vec<u8>, SerialisationError> {
    let mut tensors = Vec::new();
    let mut names = HashSet::new();
    let mut failure = None;
    tree.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if leaf.is_filtered_out() || failure.is_some() {
            return;
        }
        let name = path.to_string();
        if !names.insert(name.clone()) {
            failure = Some(SerialisationError::DuplicateName { name });
            return;
        }
        let Some(dtype) = to_safetensors_dtype(leaf.dtype()) else {
            failure = Some(SerialisationError::NoSafetensorsDtype {
                name,
                dtype: leaf.dtype(),
            });
            return;
        };
        let tensor = TensorBytes {
            dtype,
            shape: leaf.shape().to_vec(),
            data: le_bytes(leaf),
        };
        tensors.push((name, tensor));
    });
    if let Some(e) = failure {
        return Err(e);
    }
    safetensors::serialize(tensors, None).map_err(|source| SerialisationError::Safetensors {
        context: "serialising the leaves".to_string(),
        source,
    })
}

/// Loads the leaves of `like` from a safetensors file in memory: each leaf from the tensor
/// named by its path. Every leaf must be present with its dtype and shape, and every tensor
/// must belong to a leaf. See [`to_safetensors_bytes`] for an example.
pub fn from_safetensors_bytes<T: PyTree>(bytes: &[u8], like: &T) -> Result<T, SerialisationError> {
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|source| {
        SerialisationError::Safetensors {
            context: "reading the safetensors header".to_string(),
            source,
        }
    })?;
    let mut loaded = Vec::new();
    let mut used = HashSet::new();
    let mut error = None;
    like.visit_leaves_with_path(&mut KeyPath::new(), &mut |path, leaf| {
        if error.is_some() || leaf.is_filtered_out() {
            return;
        }
        let name = path.to_string();
        let at = || LeafLocation {
            path: path.clone(),
            index: loaded.len(),
            offset: None,
        };
        let view = match st.tensor(&name) {
            Ok(view) => view,
            Err(_) => {
                error = Some(SerialisationError::MissingTensor { leaf: at() });
                return;
            }
        };
        let Some(dtype) = from_safetensors_dtype(view.dtype()) else {
            let descr = format!("{:?}", view.dtype());
            error = Some(SerialisationError::UnsupportedDtype { leaf: at(), descr });
            return;
        };
        if view.shape() != leaf.shape() {
            error = Some(SerialisationError::ShapeMismatch {
                leaf: at(),
                expected: leaf.shape().to_vec(),
                found: view.shape().to_vec(),
            });
        } else if dtype != leaf.dtype() {
            error = Some(SerialisationError::DtypeMismatch {
                leaf: at(),
                expected: leaf.dtype(),
                found: dtype,
            });
        } else {
            loaded.push(array_from_bytes(dtype, view.shape(), view.data(), false));
            used.insert(name);
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let mut unexpected: Vec<String> = st
        .names()
        .into_iter()
        .filter(|n| !used.contains(*n))
        .map(str::to_string)
        .collect();
    if !unexpected.is_empty() {
        unexpected.sort();
        return Err(SerialisationError::UnexpectedTensors { names: unexpected });
    }
    Ok(tree::rebuild(like, loaded))
}

/// Writes the leaves of `tree` to a safetensors file at `path`, each named by its leaf path
/// (see [`to_safetensors_bytes`]). The write is atomic like [`tree_serialise_leaves`]'s; the
/// path is used as given.
pub fn save_safetensors<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
) -> Result<(), SerialisationError> {
    save_safetensors_with_options(path, tree, &SaveOptions::default())
}

/// [`save_safetensors`] with [`SaveOptions`]: with `checksum`, the file's SHA-256 digest also
/// goes to a sidecar `FILE.sha256` (see [`crate::checksum`]).
pub fn save_safetensors_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    tree: &T,
    options: &SaveOptions,
) -> Result<(), SerialisationError> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(tree)?;
    write_atomically(
        path,
        |w| {
            w.write_all(&bytes)
                .map_err(|e| io_error("writing the safetensors data", e))
        },
        io_error,
    )?;
    if options.checksum {
        write_sidecar(path, &hex_sha256(&bytes))?;
    }
    Ok(())
}

/// Loads the leaves of `like` from the safetensors file at `path` (see
/// [`from_safetensors_bytes`]).
///
/// ```
/// use equinox as eqx;
/// use eqx::{numpy as jnp, serialisation};
///
/// let path = std::env::temp_dir().join(format!("eqx-doc-{}.safetensors", std::process::id()));
/// let params = vec![jnp::ones([2]), jnp::zeros([3])];
/// serialisation::save_safetensors(&path, &params)?;
/// let loaded = serialisation::load_safetensors(&path, &params)?;
/// assert!(eqx::tree_equal(&loaded, &params));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_safetensors<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
) -> Result<T, SerialisationError> {
    load_safetensors_with_options(path, like, &LoadOptions::default())
}

/// [`load_safetensors`] with [`LoadOptions`]: with `verify`, the bytes read are checked against
/// the file's `FILE.sha256` sidecar before they are parsed.
pub fn load_safetensors_with_options<T: PyTree>(
    path: impl AsRef<Path>,
    like: &T,
    options: &LoadOptions,
) -> Result<T, SerialisationError> {
    let path = path.as_ref();
    let expected = expected_digest(path, options.verify)?;
    let context = || format!("reading {}", path.display());
    let file = File::open(path).map_err(|e| io_error(context(), e))?;
    let meta = file.metadata().map_err(|e| io_error(context(), e))?;
    // The whole file is read at once, so only a regular file, whose size bounds the read: a
    // device or a pipe may never end.
    if !meta.is_file() {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "not a regular file");
        return Err(io_error(context(), e));
    }
    let mut bytes = Vec::new();
    file.take(meta.len())
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(context(), e))?;
    if let Some(expected) = expected {
        check_digest(path, expected, hex_sha256(&bytes))?;
    }
    from_safetensors_bytes(&bytes, like)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_lengths_follow_numpy_padding() {
        // Every preamble is a multiple of 64 bytes and ends in a newline.
        for shape in [
            vec![],
            vec![3],
            vec![0, 5],
            vec![123456789012, 2, 3, 4, 5, 6, 7, 8],
        ] {
            let p = npy_preamble(DType::F32, &shape);
            assert_eq!(p.len() % ARRAY_ALIGN, 0, "{shape:?}");
            assert_eq!(p.last(), Some(&b'\n'));
            let hlen = u16::from_le_bytes([p[8], p[9]]) as usize;
            assert_eq!(hlen + 10, p.len());
        }
        // A header too long for a 16-bit length switches to version 2.0.
        let p = npy_preamble(DType::F32, &[1; 30_000]);
        assert_eq!(&p[6..8], &[2, 0]);
        let hlen = u32::from_le_bytes([p[8], p[9], p[10], p[11]]) as usize;
        assert_eq!(hlen + 12, p.len());
        assert_eq!(p.len() % ARRAY_ALIGN, 0);
    }

    #[test]
    fn complex_records_round_trip_and_safetensors_refuses_complex128() {
        use equinox_core::{Complex32, Complex64};
        let z = Array::from_vec(
            vec![Complex64::new(1.5, -2.0), Complex64::new(-0.0, 3.25)],
            [2],
        );
        for (a, descr) in [(z.astype(DType::C64), "'<c8'"), (z.clone(), "'<c16'")] {
            let mut buf = Vec::new();
            write_npy(&mut buf, &a).unwrap();
            assert!(String::from_utf8_lossy(&buf[..64]).contains(descr));
            // Real part then imaginary part, little-endian.
            let data = &buf[buf.len() - 2 * a.dtype().size_in_bytes()..];
            let half = a.dtype().size_in_bytes() / 2;
            assert_eq!(
                &data[..half],
                &le_bytes(&equinox_core::lax::real(&a))[..half]
            );
            let back = read_npy(buf.as_slice()).unwrap();
            assert_eq!(back.dtype(), a.dtype());
            assert_eq!(back.to_vec::<Complex64>(), a.to_vec::<Complex64>());
        }
        // A big-endian record swaps each part's bytes, not the pair.
        let be: Vec<u8> = [1.5f32, -2.0]
            .iter()
            .flat_map(|x| x.to_be_bytes())
            .collect();
        assert_eq!(
            decode::<Complex32>(&be, true),
            vec![Complex32::new(1.5, -2.0)]
        );
        let c64 = vec![z.astype(DType::C64)];
        let st = to_safetensors_bytes(&c64).unwrap();
        let back = from_safetensors_bytes(&st, &c64).unwrap();
        assert_eq!(back[0].to_vec::<Complex32>(), c64[0].to_vec::<Complex32>());
        let err = to_safetensors_bytes(&vec![z]).unwrap_err();
        assert!(matches!(
            err,
            SerialisationError::NoSafetensorsDtype {
                dtype: DType::C128,
                ..
            }
        ));
        assert!(err.to_string().contains("complex128"), "{err}");
    }
}
