//! Writing files so that a crash, a full disk or Ctrl-C never leaves a
//! half-written key or certificate behind, and nothing is overwritten by
//! accident.
//!
//! Each file is written to a temporary file in the same directory, then
//! moved into place: with `rename` when overwriting is allowed, and when it
//! is not with `renameat2(RENAME_NOREPLACE)` on Linux, else `link` (both
//! fail, atomically, if the target exists). A killed
//! process therefore never leaves half a file. How much more a write waits
//! for the disk is its [`Durability`]: [`Durability::Flushed`] files are
//! flushed (`fdatasync`) before they are moved into place, so that after a
//! power cut they are either whole or absent; [`Durability::Atomic`] ones
//! are not (after a power cut they may be missing or empty). Directories
//! are flushed with [`flush_all`] by the callers that need a new name to
//! survive a power cut, together with the files they must make durable
//! (one `syncfs` where it is cheaper; docs/benchmarks.md says what is
//! durable when).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::error::{Error, Result};

/// Permissions of a new file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileMode {
    /// 0600: private keys, anything secret.
    Private,
    /// 0644: certificates, CSRs, chains, indexes.
    Public,
}

impl FileMode {
    fn bits(self) -> u32 {
        match self {
            FileMode::Private => 0o600,
            FileMode::Public => 0o644,
        }
    }
}

/// Whether an existing file may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse with [`Error::Exists`] (the default).
    #[default]
    Refuse,
    /// Replace the file (the CLI's `--force`).
    Replace,
}

impl From<bool> for Overwrite {
    /// `true` (e.g. a `--force` flag) means [`Overwrite::Replace`].
    fn from(force: bool) -> Self {
        if force {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        }
    }
}

/// How long a write waits for the disk (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Flushed to disk before it is moved into place: never half there,
    /// even after a power cut. Keys, CA certificates, the CA's own records.
    #[default]
    Flushed,
    /// Moved into place from the page cache: never half there after a
    /// crash of the process; after a power cut it may be missing or empty.
    /// Files that can be made again (a leaf's output files).
    Atomic,
}

/// One file of a group written by [`write_files`].
#[derive(Debug, Clone)]
pub struct FileToWrite {
    pub path: PathBuf,
    pub contents: Vec<u8>,
    pub mode: FileMode,
}

/// Writes one file atomically.
pub fn write_file(
    path: &Path,
    contents: &[u8],
    mode: FileMode,
    overwrite: Overwrite,
) -> Result<()> {
    write_files(
        &[FileToWrite {
            path: path.to_path_buf(),
            contents: contents.to_vec(),
            mode,
        }],
        overwrite,
    )
}

/// Writes several files that belong together (a certificate, its key and
/// chain), each atomically: first checks that none exists (unless
/// overwriting), writes and flushes every temporary file (the flushes run
/// concurrently: they are most of the cost), then moves each into place in
/// order; if one cannot be placed, removes the ones this call created.
pub fn write_files(files: &[FileToWrite], overwrite: Overwrite) -> Result<()> {
    write_files_with(files, overwrite, Durability::Flushed)
}

/// [`write_files`], flushing the files first only when `durability` is
/// [`Durability::Flushed`].
pub fn write_files_with(
    files: &[FileToWrite],
    overwrite: Overwrite,
    durability: Durability,
) -> Result<()> {
    if overwrite == Overwrite::Refuse {
        if let Some(existing) = files.iter().find(|f| f.path.symlink_metadata().is_ok()) {
            return Err(Error::Exists {
                path: existing.path.clone(),
            });
        }
    }
    let temps = write_temps(files, durability)?;
    let mut created: Vec<&Path> = Vec::new();
    let mut failure = None;
    // The temporary files still to remove: not those renamed into place.
    let mut left: Vec<&Path> = Vec::with_capacity(temps.len());
    let mut placed_files = 0;
    for (file, temp) in files.iter().zip(&temps) {
        if failure.is_some() {
            break;
        }
        placed_files += 1;
        let existed = overwrite == Overwrite::Replace && file.path.symlink_metadata().is_ok();
        let placed = match overwrite {
            Overwrite::Replace => fs::rename(temp, &file.path).map(|()| Moved::Renamed),
            Overwrite::Refuse => move_no_clobber(temp, &file.path),
        };
        match placed {
            Ok(moved) => {
                if moved == Moved::Linked {
                    left.push(temp);
                }
                if !existed {
                    created.push(&file.path);
                }
            }
            Err(e) => {
                left.push(temp);
                failure = Some(if e.kind() == io::ErrorKind::AlreadyExists {
                    Error::Exists {
                        path: file.path.clone(),
                    }
                } else {
                    Error::io(&file.path, "move the new file into place", e)
                });
            }
        }
    }
    left.extend(temps[placed_files..].iter().map(PathBuf::as_path));
    for temp in left {
        let _ = fs::remove_file(temp);
    }
    match failure {
        None => Ok(()),
        Some(e) => {
            for path in created {
                let _ = fs::remove_file(path);
            }
            Err(e)
        }
    }
}

/// Writes every file's temporary twin and, when asked, flushes them all
/// to disk.
fn write_temps(files: &[FileToWrite], durability: Durability) -> Result<Vec<PathBuf>> {
    let mut temps = Vec::with_capacity(files.len());
    let mut opened = Vec::with_capacity(files.len());
    for file in files {
        match write_temp(&file.path, &file.contents, file.mode) {
            Ok((temp, handle)) => {
                temps.push(temp);
                opened.push((handle, &file.path));
            }
            Err(e) => {
                temps.iter().for_each(|t| drop(fs::remove_file(t)));
                return Err(e);
            }
        }
    }
    if durability == Durability::Atomic {
        return Ok(temps);
    }
    let handles: Vec<(&File, &Path)> = opened.iter().map(|(h, p)| (h, p.as_path())).collect();
    if let Err(e) = sync_together(&handles, false) {
        temps.iter().for_each(|t| drop(fs::remove_file(t)));
        return Err(e);
    }
    Ok(temps)
}

/// Flushes open files to disk (`fsync` when `full`, else `fdatasync`),
/// concurrently: each flush mostly waits for the disk, and waits that
/// overlap end in the same journal commit.
fn sync_together(files: &[(&File, &Path)], full: bool) -> Result<()> {
    let sync = |(handle, path): &(&File, &Path)| {
        let synced = if full {
            handle.sync_all()
        } else {
            handle.sync_data()
        };
        synced.map_err(|e| Error::io(path, "write the file to disk", e))
    };
    let Some((first, rest)) = files.split_first() else {
        return Ok(());
    };
    std::thread::scope(|scope| {
        let others: Vec<_> = rest.iter().map(|f| scope.spawn(move || sync(f))).collect();
        let mut result = sync(first);
        for other in others {
            let done = other.join().expect("fsync does not panic");
            result = result.and(done);
        }
        result
    })
}

/// Makes files and directories (by path) durable together: the data of
/// files, and for directories the names created in them. For the records
/// that must survive a power cut once a command returns.
///
/// Each `fsync` flushes the device once on a file system without a journal
/// (ext4 without one, as measured in docs/benchmarks.md), so on Linux, when
/// several paths on one file system are to be flushed (a new CA: its key,
/// its certificate, the index and two directories) and the system holds
/// little unwritten data, this is one `syncfs(2)` on that file system: one
/// device flush instead of one per path. `syncfs` also writes whatever
/// other programs left unwritten on that file system, so with more than
/// [`SYNCFS_DIRTY_LIMIT`] of it waiting, or for one path, or elsewhere,
/// each path is `fsync`ed (concurrently).
pub fn flush_all(paths: &[PathBuf]) -> Result<()> {
    let mut opened = Vec::with_capacity(paths.len());
    for path in paths {
        let file = File::open(path).map_err(|e| Error::io(path, "open for flushing", e))?;
        opened.push((file, path.as_path()));
    }
    #[cfg(target_os = "linux")]
    if opened.len() > 1 && unwritten_bytes().is_some_and(|n| n <= SYNCFS_DIRTY_LIMIT) {
        if let Some(result) = sync_one_file_system(&opened) {
            return result;
        }
    }
    let handles: Vec<(&File, &Path)> = opened.iter().map(|(f, p)| (f, *p)).collect();
    // fsync, not fdatasync: for a directory, its entries are what counts.
    sync_together(&handles, true)
}

/// Above this much unwritten data in the system, [`flush_all`] flushes
/// path by path rather than with `syncfs`: measured on a journal-less ext4
/// (docs/benchmarks.md), `syncfs` with 2 MB of another program's data
/// waiting took 8.4 to 9.3 ms where the five `fsync` took 5.9 to 6.6 ms,
/// and with 0.2 MB 5.5 to 6.1 ms against 5.9 to 7.8 ms.
#[cfg(target_os = "linux")]
pub const SYNCFS_DIRTY_LIMIT: u64 = 1 << 20;

/// Data waiting to be written to disk, system-wide (`Dirty` plus
/// `Writeback` of /proc/meminfo), or `None` if it cannot be read.
#[cfg(target_os = "linux")]
fn unwritten_bytes() -> Option<u64> {
    // /proc files report no size: without room made up front, reading starts
    // with 32-byte reads and doubles (eight system calls for 2.5 KiB).
    let mut meminfo = String::with_capacity(8192);
    io::Read::read_to_string(&mut File::open("/proc/meminfo").ok()?, &mut meminfo).ok()?;
    let kib = |field: &str| -> Option<u64> {
        let line = meminfo.lines().find(|l| l.starts_with(field))?;
        line[field.len()..]
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    };
    Some((kib("Dirty:")? + kib("Writeback:")?) * 1024)
}

/// `syncfs(2)` on the file system of `opened`, if they all are on one;
/// `None` if they are not (or there is nothing to flush).
///
/// `syncfs` writes every dirty page and inode of the file system and then
/// flushes the device, and since Linux 5.8 it reports a write-back error
/// that happened on the file system after the file was opened; the files
/// are opened before it, and their pages are written during it.
#[cfg(target_os = "linux")]
fn sync_one_file_system(opened: &[(File, &Path)]) -> Option<Result<()>> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    let ((first, first_path), rest) = opened.split_first()?;
    let device = first.metadata().ok()?.dev();
    if rest
        .iter()
        .any(|(f, _)| f.metadata().map(|m| m.dev() != device).unwrap_or(true))
    {
        return None;
    }
    // SAFETY: syncfs only reads the descriptor, which `first` keeps open
    // for the duration of the call.
    let done = unsafe { libc::syncfs(first.as_raw_fd()) };
    if done == 0 {
        return Some(Ok(()));
    }
    Some(Err(Error::io(
        first_path,
        "write the files to disk",
        io::Error::last_os_error(),
    )))
}

/// Creates a directory (and its parents) with mode 0700 for new ones.
pub fn create_private_dir(path: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .map_err(|e| Error::io(path, "create the directory", e))
}

fn write_temp(path: &Path, contents: &[u8], mode: FileMode) -> Result<(PathBuf, File)> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{:016x}.tmp",
        // OsRng, not thread_rng: see Serial::random.
        rand::rngs::OsRng.next_u64()
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode.bits())
        .open(&temp)
        .map_err(|e| Error::io(path, "create a file in its directory", e))?;
    match file.write_all(contents) {
        Ok(()) => Ok((temp, file)),
        Err(e) => {
            let _ = fs::remove_file(&temp);
            Err(Error::io(path, "write the file", e))
        }
    }
}

/// How [`move_no_clobber`] put a file in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moved {
    /// The temporary file is gone.
    Renamed,
    /// The temporary file is still there, to be removed.
    Linked,
}

/// Moves `temp` to `path` unless `path` exists. On Linux one
/// `renameat2(RENAME_NOREPLACE)`; where the file system or the kernel does
/// not have it, `link` (which also refuses to replace a file) and then the
/// caller removes `temp`; where neither is supported, a check and a rename.
fn move_no_clobber(temp: &Path, path: &Path) -> io::Result<Moved> {
    #[cfg(target_os = "linux")]
    match rename_no_replace(temp, path) {
        Ok(()) => return Ok(Moved::Renamed),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Err(e),
        // EINVAL, ENOSYS, EOPNOTSUPP...: try the portable way.
        Err(_) => {}
    }
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(Moved::Linked),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if path.symlink_metadata().is_ok() => {
            Err(io::Error::from(io::ErrorKind::AlreadyExists))
        }
        Err(_) => fs::rename(temp, path).map(|()| Moved::Renamed),
    }
}

#[cfg(target_os = "linux")]
fn rename_no_replace(from: &Path, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both are NUL-terminated strings that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if done == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_with_mode_and_refuses_to_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_file(&path, b"one", FileMode::Private, Overwrite::Refuse).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let err = write_file(&path, b"two", FileMode::Private, Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, Error::Exists { .. }), "{err}");
        assert!(err.is_refusal());
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_file(&path, b"three", FileMode::Public, Overwrite::Replace).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"three");
        // No temporary files are left behind.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn moving_into_place_never_replaces_a_file_that_appeared_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let temp = dir.path().join(".new.tmp");
        let path = dir.path().join("cert.pem");
        fs::write(&temp, "new").unwrap();
        fs::write(&path, "someone else's").unwrap();
        let err = move_no_clobber(&temp, &path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"someone else's");
        assert_eq!(
            fs::read(&temp).unwrap(),
            b"new",
            "the temporary file is still to remove"
        );
        fs::remove_file(&path).unwrap();
        let moved = move_no_clobber(&temp, &path).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        // One rename where the system has renameat2 (Linux, on ext4 and tmpfs).
        #[cfg(target_os = "linux")]
        assert_eq!(moved, Moved::Renamed);
        assert_eq!(temp.exists(), moved == Moved::Linked);
    }

    #[test]
    fn group_write_checks_every_file_first() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.pem");
        let b = dir.path().join("b.pem");
        fs::write(&b, "old").unwrap();
        let files = [
            FileToWrite {
                path: a.clone(),
                contents: b"a".to_vec(),
                mode: FileMode::Public,
            },
            FileToWrite {
                path: b.clone(),
                contents: b"b".to_vec(),
                mode: FileMode::Public,
            },
        ];
        let err = write_files(&files, Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, Error::Exists { ref path } if *path == b));
        assert!(!a.exists(), "nothing is written when one file exists");
        write_files(&files, Overwrite::Replace).unwrap();
        assert_eq!(fs::read(&b).unwrap(), b"b");
    }

    #[test]
    fn flush_all_flushes_files_and_directories_or_names_what_it_could_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("root");
        create_private_dir(&sub).unwrap();
        let key = sub.join("key.pem");
        let index = dir.path().join("index.jsonl");
        write_files_with(
            &[FileToWrite {
                path: key.clone(),
                contents: b"key".to_vec(),
                mode: FileMode::Private,
            }],
            Overwrite::Refuse,
            Durability::Atomic,
        )
        .unwrap();
        fs::write(&index, "line\n").unwrap();
        let paths = [
            key.clone(),
            index.clone(),
            sub.clone(),
            dir.path().to_path_buf(),
        ];
        flush_all(&paths).unwrap();
        flush_all(&paths[..1]).unwrap();
        assert_eq!(fs::read(&key).unwrap(), b"key");
        let missing = dir.path().join("gone");
        let err = flush_all(&[index, missing.clone()]).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(
            err.to_string().contains(&missing.display().to_string()),
            "{err}"
        );
    }

    /// The one-`syncfs` path, whatever the system's unwritten data: it
    /// flushes paths of one file system, and declines paths of two.
    #[cfg(target_os = "linux")]
    #[test]
    fn syncfs_covers_one_file_system_only() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("index.jsonl");
        fs::write(&file, "line\n").unwrap();
        let open = |p: &Path| File::open(p).unwrap();
        let same = [
            (open(&file), file.as_path()),
            (open(dir.path()), dir.path()),
        ];
        assert!(matches!(sync_one_file_system(&same), Some(Ok(()))));
        let proc = Path::new("/proc");
        assert_ne!(
            fs::metadata(proc).unwrap().dev(),
            fs::metadata(&file).unwrap().dev()
        );
        let two = [(open(&file), file.as_path()), (open(proc), proc)];
        assert!(sync_one_file_system(&two).is_none());
    }

    #[test]
    fn unwritable_directory_is_an_io_error_naming_the_file() {
        let path = Path::new("/nonexistent-dir-for-ca-tests/cert.pem");
        let err = write_file(path, b"x", FileMode::Public, Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err
            .to_string()
            .contains("/nonexistent-dir-for-ca-tests/cert.pem"));
    }
}
