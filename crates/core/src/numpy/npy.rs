//! NumPy's `.npy` format (`jnp.save` / `jnp.load`): one array per record, a Python-dict header
//! padded to 64 bytes, then the raw data.
//!
//! [`write_npy`] writes byte for byte what `np.save` writes (format version 1.0, 2.0 for a header
//! over 64 KiB; the header dict with sorted keys and numpy's spare room for the first axis);
//! [`read_npy`] reads any record numpy writes for the supported dtypes: format versions 1.0 to
//! 3.0, `fortran_order: True`, big-endian data. [`save`] and [`load`] do the same with files.
//! Equinox's `.eqx` checkpoints are these records concatenated, which is why the `equinox`
//! crate's serialisation builds on [`write_npy`] and [`read_npy_like`].
//!
//! The dtypes numpy has no name for are written as numpy writes ml_dtypes' arrays: `bfloat16`
//! as a 2-byte void (`'<V2'`), the 8- and 4-bit floats (one value per byte) as a 1-byte void
//! (`'|V1'`). Reading a 2-byte void gives `bfloat16`, as `jnp.load` does; a 1-byte void gives
//! `float8_e4m3fn`, or with [`read_npy_like`] the narrow float its template names.
//!
//! Bad input is an [`NpyError`], never a panic: a reader reserves memory only as the data
//! arrives (up to 64 MiB up front without a template), so a corrupt header cannot allocate
//! what the file does not hold.

use crate::array::le_bytes::LeBytes;
use crate::atomic_file::write_atomically;
use crate::prims::rules::py_tuple;
use crate::{Array, DType, ShapeDtype};
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// Why reading or saving a `.npy` record failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum NpyError {
    /// An I/O error; `context` says what was being done.
    Io {
        /// What was being done, e.g. "reading the record" or "renaming ... to ...".
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// The data ended before a record started (an empty file or stream).
    NoRecord,
    /// The data ended inside the record.
    Truncated {
        /// Which part was cut: "magic string", "header length", "header" or "data".
        part: &'static str,
        /// How many bytes that part needs.
        needed: u64,
        /// How many were there.
        available: u64,
    },
    /// Not a `.npy` record numpy could read: wrong magic string, unknown format version, or a
    /// header that is not the expected Python dict.
    BadHeader {
        /// What is wrong.
        reason: String,
    },
    /// The record's dtype is none of [`DType`]'s (a structured, object or string dtype, ...).
    UnsupportedDtype {
        /// The dtype as the header names it (numpy's descr, such as `'<U3'`).
        descr: String,
    },
    /// [`read_npy_like`]: the record's shape differs from the template's.
    ShapeMismatch {
        /// The template's shape.
        expected: Vec<usize>,
        /// The record's shape.
        found: Vec<usize>,
    },
    /// [`read_npy_like`]: the record's dtype differs from the template's.
    DtypeMismatch {
        /// The template's dtype.
        expected: DType,
        /// The record's dtype.
        found: DType,
    },
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpyError::Io { context, source } => write!(f, "I/O error while {context}: {source}"),
            NpyError::NoRecord => write!(f, "the data ends where a .npy record should start"),
            NpyError::Truncated {
                part,
                needed,
                available,
            } => write!(
                f,
                "the data is truncated: the record's {part} needs {needed} bytes but only \
                 {available} remain"
            ),
            NpyError::BadHeader { reason } => write!(f, "not a valid .npy record: {reason}"),
            NpyError::UnsupportedDtype { descr } => {
                write!(f, "unsupported dtype {descr} in a .npy record")
            }
            NpyError::ShapeMismatch { expected, found } => write!(
                f,
                "shape differs: {} expected, {} in the record",
                py_tuple(expected),
                py_tuple(found)
            ),
            NpyError::DtypeMismatch { expected, found } => write!(
                f,
                "dtype differs: {} expected, {} in the record",
                expected.name(),
                found.name()
            ),
        }
    }
}

impl std::error::Error for NpyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            NpyError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An I/O error met while reading a record.
fn reading(source: io::Error) -> NpyError {
    NpyError::Io {
        context: "reading the record".to_string(),
        source,
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

pub use crate::array::le_bytes::to_le_bytes;

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
    crate::with_dtype!(dtype, T => Array::from_vec(decode::<T>(bytes, big_endian), shape))
}

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
    crate::with_storage!(a.storage(), v => write_elements(w, v))?;
    Ok((preamble.len() + a.size() * a.dtype().size_in_bytes()) as u64)
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

/// Reads exactly `buf.len()` bytes of the record's `part`.
fn read_part<R: Read>(r: &mut R, buf: &mut [u8], part: &'static str) -> Result<(), NpyError> {
    let n = read_full(r, buf).map_err(reading)?;
    if n < buf.len() {
        return Err(NpyError::Truncated {
            part,
            needed: buf.len() as u64,
            available: n as u64,
        });
    }
    Ok(())
}

fn read_header<R: Read>(r: &mut R) -> Result<RecordHeader, NpyError> {
    let mut magic = [0u8; 8];
    match read_full(r, &mut magic).map_err(reading)? {
        0 => return Err(NpyError::NoRecord),
        n if n < magic.len() => {
            return Err(NpyError::Truncated {
                part: "magic string",
                needed: magic.len() as u64,
                available: n as u64,
            })
        }
        _ => {}
    }
    if &magic[..6] != MAGIC {
        return Err(NpyError::BadHeader {
            reason: format!(
                "it starts with {:02x?}, not the magic string \\x93NUMPY",
                &magic[..6]
            ),
        });
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
            return Err(NpyError::BadHeader {
                reason: format!("unsupported .npy format version {major}.{minor}"),
            })
        }
    };
    // Read the header in pieces as it arrives, so a corrupt length cannot allocate much.
    let mut header = Vec::new();
    let n = r
        .by_ref()
        .take(header_len as u64)
        .read_to_end(&mut header)
        .map_err(reading)?;
    if n < header_len {
        return Err(NpyError::Truncated {
            part: "header",
            needed: header_len as u64,
            available: n as u64,
        });
    }
    // numpy ends every header with a newline; without it a damaged header length would shift
    // the data silently (the dict itself may still parse).
    if header.last() != Some(&b'\n') {
        return Err(NpyError::BadHeader {
            reason: format!(
                "the header does not end with a newline (header: {:?})",
                lossy(&header)
            ),
        });
    }
    // Versions 1.0 and 2.0 are latin-1, 3.0 is UTF-8; the dict numpy writes is ASCII.
    let mut parser = HeaderParser { s: &header, pos: 0 };
    let entries = parser.dict().map_err(|e| NpyError::BadHeader {
        reason: format!("{e} (header: {:?})", lossy(&header)),
    })?;
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    if keys != ["descr", "fortran_order", "shape"] {
        return Err(NpyError::BadHeader {
            reason: format!(
                "the header's keys are {keys:?}, not ['descr', 'fortran_order', 'shape']"
            ),
        });
    }
    let (mut dtype, mut fortran_order, mut shape) = (None, false, Vec::new());
    for (key, value) in entries {
        match (key.as_str(), value) {
            ("descr", PyValue::Str(d)) => {
                dtype = Some(parse_descr(&d).ok_or(NpyError::UnsupportedDtype {
                    descr: format!("'{d}'"),
                })?)
            }
            ("descr", PyValue::Other(d)) => return Err(NpyError::UnsupportedDtype { descr: d }),
            ("fortran_order", PyValue::Bool(b)) => fortran_order = b,
            ("shape", PyValue::Tuple(s)) => shape = s,
            (key, _) => {
                return Err(NpyError::BadHeader {
                    reason: format!("the header's {key:?} has the wrong type"),
                })
            }
        }
    }
    let (dtype, big_endian) = dtype.ok_or_else(|| NpyError::BadHeader {
        reason: "the header has no descr".to_string(),
    })?;
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
fn read_record<R: Read>(r: &mut R, expected: Option<&ShapeDtype>) -> Result<Array, NpyError> {
    let mut header = read_header(r)?;
    if let Some(expected) = expected {
        if expected.shape.dims() != header.shape.as_slice() {
            return Err(NpyError::ShapeMismatch {
                expected: expected.shape.dims().to_vec(),
                found: header.shape,
            });
        }
        // The 8- and 4-bit floats share one descr: the template names the format.
        let same = expected.dtype == header.dtype
            || (expected.dtype.is_narrow_float() && header.dtype.is_narrow_float());
        if !same {
            return Err(NpyError::DtypeMismatch {
                expected: expected.dtype,
                found: header.dtype,
            });
        }
        header.dtype = expected.dtype;
    }
    let size = header
        .shape
        .iter()
        .try_fold(header.dtype.size_in_bytes(), |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| NpyError::BadHeader {
            reason: format!("shape {} is too large", py_tuple(&header.shape)),
        })?;
    let reserve = if expected.is_some() {
        size
    } else {
        size.min(UNCHECKED_RESERVE_BYTES)
    };
    let mut data = Vec::with_capacity(reserve);
    let n = r
        .by_ref()
        .take(size as u64)
        .read_to_end(&mut data)
        .map_err(reading)?;
    if n < size {
        return Err(NpyError::Truncated {
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

/// Writes `array` as one `.npy` record, byte for byte what `np.save` / `jnp.save` write, and
/// returns the record's length in bytes. The writer is not flushed, so records can be written
/// back to back into one buffered stream (as Equinox's `.eqx` files are).
///
/// The only failure is the writer's, so the error is an [`io::Error`].
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let mut buf = Vec::new();
/// let len = jnp::write_npy(&mut buf, &Array::from_vec(vec![0.0f32, 1.0, 2.0], [3]))?;
/// assert_eq!(len, 128 + 12);
/// assert!(buf.starts_with(b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"));
/// assert_eq!(jnp::read_npy(buf.as_slice())?.to_vec::<f32>(), vec![0.0, 1.0, 2.0]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Panics if `array` is a filtered-out placeholder or a tracer (it has no data to write).
pub fn write_npy<W: Write>(mut writer: W, array: &Array) -> io::Result<u64> {
    write_record(&mut writer, array)
}

/// Reads one `.npy` record (what `np.load` / `jnp.load` read), leaving `reader` just after it.
/// Every dtype of [`DType`] is accepted, in either byte order and either memory order. Pass
/// `&mut reader` to keep using the reader; wrap an unbuffered source in a [`BufReader`], as
/// the header is read in a few small reads. See [`write_npy`] for an example.
pub fn read_npy<R: Read>(mut reader: R) -> Result<Array, NpyError> {
    read_record(&mut reader, None)
}

/// Reads one `.npy` record that must have the shape and dtype of `like`, checking the header
/// before any data is read, so a corrupt header cannot make the reader allocate more than
/// `like` needs. A 1-byte void record (`'|V1'`) reads as `like`'s 8- or 4-bit float.
///
/// ```
/// use equinox_core::{numpy as jnp, Array, DType, ShapeDtype};
/// let mut buf = Vec::new();
/// jnp::write_npy(&mut buf, &jnp::zeros([2, 3]))?;
/// let like = ShapeDtype::new([3, 2], DType::F32);
/// let err = jnp::read_npy_like(buf.as_slice(), &like).unwrap_err();
/// assert!(matches!(err, jnp::NpyError::ShapeMismatch { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_npy_like<R: Read>(mut reader: R, like: &ShapeDtype) -> Result<Array, NpyError> {
    read_record(&mut reader, Some(like))
}

/// `np.save`'s rule: a path that does not end in `.npy` gets `.npy` appended.
fn with_npy_suffix(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "npy") {
        path.to_path_buf()
    } else {
        let mut name = path.as_os_str().to_owned();
        name.push(".npy");
        PathBuf::from(name)
    }
}

/// Saves `array` to a `.npy` file (`jnp.save`); as in numpy, a path that does not end in
/// `.npy` gets `.npy` appended. The record goes to a temporary file beside the target, which
/// is synced and renamed over it, so a crash or an error never leaves half a file and the
/// previous file survives a failed save (see [`crate::atomic_file`]).
///
/// ```
/// use equinox_core::{numpy as jnp, Array};
/// let path = std::env::temp_dir().join(format!("eqx-npy-doc-{}.npy", std::process::id()));
/// let a = Array::from_vec(vec![1i32, -2, 3, 4, 5, 6], [2, 3]);
/// jnp::save(&path, &a)?;
/// let b = jnp::load(&path)?;
/// assert_eq!(b.shape(), &[2, 3]);
/// assert_eq!(b.to_vec::<i32>(), a.to_vec::<i32>());
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Panics if `array` is a filtered-out placeholder or a tracer (it has no data to write).
pub fn save(path: impl AsRef<Path>, array: &Array) -> Result<(), NpyError> {
    let path = with_npy_suffix(path.as_ref());
    write_atomically(
        &path,
        |w| {
            write_record(w, array).map_err(|source| NpyError::Io {
                context: format!("writing {}", path.display()),
                source,
            })?;
            Ok(())
        },
        |context, source| NpyError::Io { context, source },
    )
}

/// Loads the array of a `.npy` file (`jnp.load`), as [`read_npy`] reads it. As `np.load`,
/// it reads the first record and ignores anything after it; the path is used as given. See
/// [`save`] for an example.
pub fn load(path: impl AsRef<Path>) -> Result<Array, NpyError> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|source| NpyError::Io {
        context: format!("opening {}", path.display()),
        source,
    })?;
    read_npy(BufReader::new(file))
}

/// An array of `dtype` and `shape` from its elements' little-endian bytes in row-major order
/// (the inverse of [`to_le_bytes`]).
///
/// Panics if `bytes` does not hold exactly the elements of `shape`.
pub fn from_le_bytes(dtype: DType, shape: &[usize], bytes: &[u8]) -> Array {
    array_from_bytes(dtype, shape, bytes, false)
}
