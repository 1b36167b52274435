//! The NumPy `.npy` record codec: each leaf of a `.eqx` file is one record, and
//! [`write_npy`] / [`read_npy`] write and read a single one.

use super::error::{io_error, py_tuple, LeafLocation, SerialisationError};
use crate::tree::KeyPath;
use crate::{bf16, f16, Array, DType, ShapeDtype};
use std::borrow::Cow;
use std::io::{self, Read, Write};

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

pub(super) fn le_bytes(a: &Array) -> Vec<u8> {
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
pub(super) fn array_from_bytes(
    dtype: DType,
    shape: &[usize],
    bytes: &[u8],
    big_endian: bool,
) -> Array {
    equinox_core::with_dtype!(dtype, T => Array::from_vec(decode::<T>(bytes, big_endian), shape))
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
pub(super) fn write_record<W: Write>(w: &mut W, a: &Array) -> io::Result<u64> {
    let preamble = npy_preamble(a.dtype(), a.shape());
    w.write_all(&preamble)?;
    equinox_core::with_storage!(a.storage(), v => write_elements(w, v))?;
    Ok((preamble.len() + a.size() * a.dtype().size_in_bytes()) as u64)
}

/// A reader that counts the bytes it has delivered, for error offsets.
pub(super) struct Counting<R> {
    pub(super) inner: R,
    pub(super) offset: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.offset += n as u64;
        Ok(n)
    }
}

/// Reads until `buf` is full or the data ends; returns how many bytes were read.
pub(super) fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
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
pub(super) enum RecordError {
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
    pub(super) fn at(
        self,
        leaf: LeafLocation,
        expected: Option<&ShapeDtype>,
    ) -> SerialisationError {
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
pub(super) fn read_record<R: Read>(
    r: &mut R,
    expected: Option<&ShapeDtype>,
) -> Result<Array, RecordError> {
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
    fn complex_records_round_trip() {
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
    }
}
