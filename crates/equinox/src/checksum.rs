//! Opt-in SHA-256 digests for saved files.
//!
//! Neither `.eqx` (Equinox's format: bare `.npy` records) nor safetensors carries a checksum, so
//! a flipped data byte loads silently, in Python Equinox as here. With
//! [`SaveOptions::checksum`], a save also writes a sidecar `FILE.sha256` in `sha256sum`'s
//! format (`<64 hex digits>  <file name>`), which `sha256sum -c FILE.sha256` checks too; a load
//! with [`LoadOptions::verify`] hashes the file it reads and refuses one whose digest differs.
//!
//! The data file and its sidecar are each replaced atomically, one after the other (the data
//! first). A crash between the two leaves the previous digest beside the new data: a verifying
//! load then reports a mismatch, never a silent wrong load. Save again to repair it.

use crate::atomic_file::write_atomically;
use crate::serialisation::{io_error, SerialisationError};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Options of the `*_with_options` save functions
/// ([`tree_serialise_leaves_with_options`](crate::serialisation::tree_serialise_leaves_with_options),
/// [`save_safetensors_with_options`](crate::serialisation::save_safetensors_with_options)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SaveOptions {
    /// Also write the file's SHA-256 digest to `FILE.sha256` (default: no sidecar, as Equinox).
    pub checksum: bool,
}

/// When a load checks the file against its `FILE.sha256` sidecar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verify {
    /// Never read the sidecar (the default, as Equinox).
    #[default]
    Never,
    /// Check the digest when a sidecar exists; load unchecked when there is none.
    IfPresent,
    /// Require a sidecar and a matching digest.
    Required,
}

/// Options of the `*_with_options` load functions
/// ([`tree_deserialise_leaves_with_options`](crate::serialisation::tree_deserialise_leaves_with_options),
/// [`load_safetensors_with_options`](crate::serialisation::load_safetensors_with_options)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Whether to check the file against its SHA-256 sidecar.
    pub verify: Verify,
}

/// The sidecar of `path`: the same path with `.sha256` appended (`model.eqx.sha256`).
pub fn sidecar_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// A writer that hashes what passes through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// The digest of everything written, as 64 lowercase hex digits.
    pub(crate) fn hex_digest(self) -> String {
        hex(&self.hasher.finalize())
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Only the bytes the inner writer accepted are hashed, so short writes stay exact.
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes `digest` for the file at `path` to its sidecar, atomically.
pub(crate) fn write_sidecar(path: &Path, digest: &str) -> Result<(), SerialisationError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sidecar = sidecar_path(path);
    write_atomically(
        &sidecar,
        |w| {
            writeln!(w, "{digest}  {name}")
                .map_err(|e| io_error(format!("writing the checksum {}", sidecar.display()), e))
        },
        io_error,
    )
}

/// The longest sidecar read: a digest, two spaces and a file name.
const MAX_SIDECAR_BYTES: u64 = 4096;

/// The digest `path`'s sidecar records, if `verify` asks for a check: `None` for
/// [`Verify::Never`] and for [`Verify::IfPresent`] without a sidecar; an error for
/// [`Verify::Required`] without one.
pub(crate) fn expected_digest(
    path: &Path,
    verify: Verify,
) -> Result<Option<String>, SerialisationError> {
    if verify == Verify::Never {
        return Ok(None);
    }
    let sidecar = sidecar_path(path);
    match read_sidecar(&sidecar)? {
        Some(digest) => Ok(Some(digest)),
        None if verify == Verify::IfPresent => Ok(None),
        None => Err(SerialisationError::ChecksumMissing {
            path: path.to_path_buf(),
            sidecar,
        }),
    }
}

/// Refuses `found` (the digest of the bytes read from `path`) unless it is `expected`.
pub(crate) fn check_digest(
    path: &Path,
    expected: String,
    found: String,
) -> Result<(), SerialisationError> {
    if found == expected {
        Ok(())
    } else {
        Err(SerialisationError::ChecksumMismatch {
            path: path.to_path_buf(),
            expected,
            found,
        })
    }
}

/// The SHA-256 digest of `bytes`, as 64 lowercase hex digits.
pub(crate) fn hex_sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Checks the open `file` (read from `path`) against its sidecar as `verify` asks, then rewinds
/// it, so a corrupted file is reported as such before its content is parsed. The digest is
/// computed from the same open file that is then parsed: a concurrent save (which replaces
/// the file by renaming) cannot slip another file in between.
pub(crate) fn verify_file(
    file: &mut File,
    path: &Path,
    verify: Verify,
) -> Result<(), SerialisationError> {
    let Some(expected) = expected_digest(path, verify)? else {
        return Ok(());
    };
    let context = || format!("hashing {}", path.display());
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(context(), e)),
        };
        hasher.update(&buf[..n]);
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|e| io_error(context(), e))?;
    check_digest(path, expected, hex(&hasher.finalize()))
}

/// The digest a sidecar records, `None` if there is no sidecar. Only a regular file of at most
/// [`MAX_SIDECAR_BYTES`] is read; its first field must be 64 hex digits.
fn read_sidecar(sidecar: &Path) -> Result<Option<String>, SerialisationError> {
    let context = || format!("reading the checksum {}", sidecar.display());
    let file = match File::open(sidecar) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(context(), e)),
    };
    let bad = |reason: &str| SerialisationError::BadChecksumFile {
        sidecar: sidecar.to_path_buf(),
        reason: reason.to_string(),
    };
    let meta = file.metadata().map_err(|e| io_error(context(), e))?;
    if !meta.is_file() {
        return Err(bad("not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_SIDECAR_BYTES)
        .read_to_string(&mut text)
        .map_err(|_| bad("not UTF-8 text"))?;
    let digest = text.split_whitespace().next().unwrap_or("");
    if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(
            "its first field is not a SHA-256 digest (64 hex digits)",
        ));
    }
    Ok(Some(digest.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_known_sha256_vectors() {
        // FIPS 180-2's "abc" and the empty message.
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        assert_eq!(
            w.hex_digest(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            HashingWriter::new(io::sink()).hex_digest(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn sidecars_sit_beside_their_file() {
        assert_eq!(
            sidecar_path(Path::new("dir/model.eqx")),
            PathBuf::from("dir/model.eqx.sha256")
        );
    }
}
