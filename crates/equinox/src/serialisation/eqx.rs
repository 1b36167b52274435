//! `.eqx` files and streams: the leaves' `.npy` records concatenated in leaf order, as
//! Equinox's `tree_serialise_leaves` writes them.

use super::error::{io_error, LeafLocation, SerialisationError};
use super::npy::record_error;
use crate::atomic_file::write_atomically;
use crate::checksum::{verify_file, write_sidecar, HashingWriter, LoadOptions, SaveOptions};
use crate::numpy::npy::{read_npy_like, write_npy};
use crate::tree::{self, KeyPath, PyTree};
use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

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
/// untouched and the temporary file is removed. See the [module documentation](super) for what
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
        match write_npy(&mut writer, leaf) {
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
    let extra = loop {
        match reader.read(&mut probe) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => break result,
        }
    }
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

/// A reader that counts the bytes it has delivered, for the records' offsets in errors.
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
        match read_npy_like(&mut *r, leaf.aval()) {
            Ok(a) => loaded.push(a),
            Err(e) => {
                let at = LeafLocation {
                    path: path.clone(),
                    index: loaded.len(),
                    offset: Some(offset),
                };
                error = Some(record_error(e, at));
            }
        }
    });
    if let Some(e) = error {
        return Err(e);
    }
    let records = loaded.len();
    Ok((tree::rebuild(like, loaded), records))
}
