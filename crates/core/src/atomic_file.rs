//! Crash-safe file replacement, used by every save in the workspace: [`numpy::save`](crate::numpy::save)
//! here, and the `equinox` crate's checkpoints and checksum sidecars.
//!
//! A save writes a hidden temporary file beside the target, syncs it and renames it over the
//! target, so a reader (or a crash at any instant) sees either the whole old file or the whole
//! new one. Around that core:
//! - the temporary file is owned by a guard that removes it on every way out (an error, or a
//!   panic inside the writer, e.g. saving a tracer), so a failed save leaves nothing behind;
//! - temporary files left by processes that died mid-save (`kill -9`, power loss) are swept by
//!   the next successful save of the same file;
//! - replacing an existing file keeps its permissions (a `0600` checkpoint stays `0600`);
//! - a target that is a symbolic link is followed: the file it points to is replaced and the
//!   link stays a link.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent writes within one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Symbolic links followed before giving up (Linux's own limit).
const MAX_SYMLINKS: usize = 40;

/// A temporary file that is removed when dropped unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            // Best effort: the error (or panic) that got us here matters more.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The prefix and suffix of the temporary files for the target `file_name`:
/// `.NAME.PID-N.tmp`.
fn temp_name(file_name: &OsStr, pid: u32, n: u64) -> OsString {
    let mut name = OsString::from(".");
    name.push(file_name);
    name.push(format!(".{pid}-{n}.tmp"));
    name
}

/// The process id in a temporary file name made by [`temp_name`] for `file_name`, if `name` is
/// one.
fn temp_owner(name: &OsStr, file_name: &OsStr) -> Option<u32> {
    let name = name.to_str()?;
    let rest = name
        .strip_prefix('.')?
        .strip_prefix(file_name.to_str()?)?
        .strip_prefix('.')?
        .strip_suffix(".tmp")?;
    let (pid, n) = rest.split_once('-')?;
    n.parse::<u64>().ok()?;
    pid.parse().ok()
}

/// Whether process `pid` is running, where the platform says (`/proc` on Linux).
fn process_is_alive(pid: u32) -> Option<bool> {
    let proc_root = Path::new("/proc");
    proc_root
        .join("self")
        .exists()
        .then(|| proc_root.join(pid.to_string()).exists())
}

/// How old a temporary file of an unknown process must be to count as abandoned where
/// liveness cannot be asked (no `/proc`): no save takes a day.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the temporary files for `file_name` in `dir` whose writer is gone: a process that
/// no longer runs (or, without `/proc`, files untouched for a day). Files of this process and
/// of live processes are being written and are left alone.
fn sweep_abandoned(dir: &Path, file_name: &OsStr) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for entry in entries.flatten() {
        let Some(pid) = temp_owner(&entry.file_name(), file_name) else {
            continue;
        };
        if pid == me {
            continue;
        }
        let abandoned = match process_is_alive(pid) {
            Some(alive) => !alive,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > ABANDONED_AFTER),
        };
        if abandoned {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// `path` with symbolic links followed to the file they name (which need not exist yet).
fn resolve_symlinks(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_SYMLINKS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                // A relative target is relative to the link's directory; `join` keeps an
                // absolute one as it is.
                current = match current.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "more than {MAX_SYMLINKS} levels of symbolic links from {}",
            path.display()
        ),
    ))
}

/// Creates a new temporary file beside the target (same directory, so the final rename stays
/// within one file system and is atomic).
fn create_temp(dir: &Path, file_name: &OsStr) -> io::Result<(TempFile, File)> {
    let mut last_error = None;
    // A name can only be taken by a stale file left by a crashed process with the same id.
    for _ in 0..16 {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(temp_name(file_name, std::process::id(), n));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((TempFile { path, armed: true }, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| io::Error::from(io::ErrorKind::AlreadyExists)))
}

/// Runs `write` into a temporary file beside `path` (after following symbolic links), syncs it
/// and renames it over the target, keeping the target's permissions if it existed. On any
/// error, or a panic in `write`, the temporary file is removed and the target is untouched.
///
/// `io_err` turns an I/O failure, with a description of the step that failed, into `E`.
pub fn write_atomically<E>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>,
    io_err: impl Fn(String, io::Error) -> E,
) -> Result<(), E> {
    let target =
        resolve_symlinks(path).map_err(|e| io_err(format!("resolving {}", path.display()), e))?;
    let file_name = target.file_name().ok_or_else(|| {
        io_err(
            format!("writing {}", path.display()),
            io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"),
        )
    })?;
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (mut temp, file) = create_temp(dir, file_name)
        .map_err(|e| io_err(format!("creating a temporary file in {}", dir.display()), e))?;
    let mut w = BufWriter::new(file);
    write(&mut w)?;
    let at = |what: &str| format!("{what} the temporary file {}", temp.path.display());
    let file = w
        .into_inner()
        .map_err(|e| io_err(at("writing"), e.into_error()))?;
    if let Ok(existing) = fs::metadata(&target) {
        file.set_permissions(existing.permissions())
            .map_err(|e| io_err(at("setting the permissions of"), e))?;
    }
    file.sync_all().map_err(|e| io_err(at("syncing"), e))?;
    drop(file);
    fs::rename(&temp.path, &target).map_err(|e| {
        io_err(
            format!("renaming {} to {}", temp.path.display(), target.display()),
            e,
        )
    })?;
    temp.armed = false;
    sync_dir(dir).map_err(|e| io_err(format!("syncing the directory {}", dir.display()), e))?;
    sweep_abandoned(dir, file_name);
    Ok(())
}

/// Makes the rename durable: on Unix a directory entry is persisted by syncing the directory.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir).and_then(|d| d.sync_all())
}

/// Other platforms cannot open a directory to sync it; the rename is as durable as they allow.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("eqx-atomic-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn save(path: &Path, bytes: &[u8]) -> io::Result<()> {
        write_atomically(path, |w| w.write_all(bytes), |_, e| e)
    }

    #[test]
    fn failed_write_keeps_the_old_file_and_removes_the_temporary() {
        let dir = temp_dir("fail");
        let path = dir.join("ckpt.eqx");
        fs::write(&path, b"old contents").unwrap();
        let err = write_atomically(
            &path,
            |w| {
                w.write_all(&[7u8; 100_000])?;
                Err(io::Error::other("disk on fire"))
            },
            |_, e| e,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "disk on fire");
        assert_eq!(fs::read(&path).unwrap(), b"old contents");
        assert_eq!(entries(&dir), ["ckpt.eqx"]);
        save(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(&dir), ["ckpt.eqx"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_panic_inside_the_writer_removes_the_temporary() {
        let dir = temp_dir("panic");
        let path = dir.join("ckpt.eqx");
        fs::write(&path, b"old").unwrap();
        let caught = std::panic::catch_unwind(|| {
            let _ = save_with_panic(&path);
        });
        assert!(caught.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(entries(&dir), ["ckpt.eqx"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    fn save_with_panic(path: &Path) -> io::Result<()> {
        write_atomically(
            path,
            |w| {
                w.write_all(b"partial")?;
                panic!("the writer failed half way")
            },
            |_, e| e,
        )
    }

    #[test]
    fn temporary_names_round_trip_and_reject_other_files() {
        let name = OsStr::new("model.eqx");
        assert_eq!(temp_owner(&temp_name(name, 4242, 7), name), Some(4242));
        for other in [
            ".model.eqx.tmp",
            ".model.eqx.12.tmp",
            ".model.eqx.x-1.tmp",
            ".other.eqx.12-1.tmp",
            "model.eqx.12-1.tmp",
            ".model.eqx.12-1.tmpx",
        ] {
            assert_eq!(temp_owner(OsStr::new(other), name), None, "{other}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_next_save_sweeps_temporaries_of_dead_processes_only() {
        let dir = temp_dir("sweep");
        let path = dir.join("ckpt.eqx");
        // A pid above Linux's maximum (2^22) cannot be running; our parent is running.
        let dead = temp_name(OsStr::new("ckpt.eqx"), 4_194_999, 0);
        let parent = std::os::unix::process::parent_id();
        let live = temp_name(OsStr::new("ckpt.eqx"), parent, 0);
        let unrelated = temp_name(OsStr::new("other.eqx"), 4_194_999, 0);
        for name in [&dead, &live, &unrelated] {
            fs::write(dir.join(name), b"left over").unwrap();
        }
        save(&path, b"fresh").unwrap();
        let left = entries(&dir);
        assert!(
            !left.contains(&dead.to_string_lossy().into_owned()),
            "{left:?}"
        );
        assert!(
            left.contains(&live.to_string_lossy().into_owned()),
            "{left:?}"
        );
        assert!(
            left.contains(&unrelated.to_string_lossy().into_owned()),
            "{left:?}"
        );
        assert_eq!(fs::read(&path).unwrap(), b"fresh");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn replacing_a_file_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("mode");
        let path = dir.join("secret.eqx");
        fs::write(&path, b"old").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        save(&path, b"new").unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read(&path).unwrap(), b"new");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn saving_through_a_symlink_replaces_its_target_and_keeps_the_link() {
        let dir = temp_dir("symlink");
        fs::create_dir_all(dir.join("real")).unwrap();
        let target = dir.join("real/model.eqx");
        fs::write(&target, b"old").unwrap();
        let link = dir.join("latest.eqx");
        std::os::unix::fs::symlink("real/model.eqx", &link).unwrap();
        save(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(&dir.join("real")), ["model.eqx"]);
        // A dangling link creates the file it names.
        let dangling = dir.join("next.eqx");
        std::os::unix::fs::symlink("real/next.eqx", &dangling).unwrap();
        save(&dangling, b"created").unwrap();
        assert_eq!(fs::read(dir.join("real/next.eqx")).unwrap(), b"created");
        // A cycle is an error, not a hang.
        let (a, b) = (dir.join("a.eqx"), dir.join("b.eqx"));
        std::os::unix::fs::symlink("b.eqx", &a).unwrap();
        std::os::unix::fs::symlink("a.eqx", &b).unwrap();
        let err = save(&a, b"x").unwrap_err();
        assert!(
            err.to_string().contains("levels of symbolic links"),
            "{err}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
