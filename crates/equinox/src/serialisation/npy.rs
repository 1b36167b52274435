//! Single `.npy` records with this module's errors: the codec itself is the core's
//! [`jax.numpy` `.npy` support](crate::numpy::npy); here its errors gain the leaf location that
//! every [`SerialisationError`] carries.

use super::error::{io_error, LeafLocation, SerialisationError};
use crate::numpy::npy::{self, NpyError};
use crate::tree::KeyPath;
use crate::Array;
use std::io::{self, Read, Write};

/// A record's [`NpyError`] as the error of the leaf at `leaf`.
pub(super) fn record_error(e: NpyError, leaf: LeafLocation) -> SerialisationError {
    use SerialisationError as E;
    match e {
        NpyError::Io { source, .. } => io_error(format!("reading the record of {leaf}"), source),
        NpyError::NoRecord => E::MissingRecord { leaf },
        NpyError::Truncated {
            part,
            needed,
            available,
        } => E::Truncated {
            leaf,
            part,
            needed,
            available,
        },
        NpyError::BadHeader { reason } => E::BadHeader { leaf, reason },
        NpyError::UnsupportedDtype { descr } => E::UnsupportedDtype { leaf, descr },
        NpyError::ShapeMismatch { expected, found } => E::ShapeMismatch {
            leaf,
            expected,
            found,
        },
        NpyError::DtypeMismatch { expected, found } => E::DtypeMismatch {
            leaf,
            expected,
            found,
        },
        // `NpyError` may grow variants; one this version does not know is still an error
        // reading the leaf's record.
        other => io_error(
            format!("reading the record of {leaf}"),
            io::Error::other(other),
        ),
    }
}

/// The location of a lone record: the root of a one-array tree, at the start of the stream.
fn lone_record() -> LeafLocation {
    LeafLocation {
        path: KeyPath::new(),
        index: 0,
        offset: Some(0),
    }
}

/// Writes one array as a `.npy` record, byte for byte what `np.save` / `jnp.save` write (the
/// core's [`numpy::write_npy`](crate::numpy::write_npy)), then flushes the writer.
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
    npy::write_npy(&mut writer, array)
        .and_then(|_| writer.flush())
        .map_err(|e| io_error(format!("writing the record of {}", lone_record()), e))
}

/// Reads one `.npy` record (what `np.load` / `jnp.load` read), leaving `reader` just after it.
/// Any dtype of [`DType`](crate::DType) is accepted, in any byte order and either memory
/// order; a 2-byte void (`'<V2'`) is `bfloat16`. See [`write_npy`] for an example.
pub fn read_npy<R: Read>(reader: R) -> Result<Array, SerialisationError> {
    npy::read_npy(reader).map_err(|e| record_error(e, lone_record()))
}
