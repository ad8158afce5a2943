//! Writing files so that a crash, a full disk or Ctrl-C never leaves a
//! half-written key or certificate behind, and nothing is overwritten by
//! accident.
//!
//! Each file is written to a temporary file in the same directory, flushed
//! to disk, then moved into place: with `rename` when overwriting is
//! allowed, with `link` (which fails if the target exists, atomically)
//! when it is not.

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
    if overwrite == Overwrite::Refuse && path.symlink_metadata().is_ok() {
        return Err(Error::Exists {
            path: path.to_path_buf(),
        });
    }
    let temp = write_temp(path, contents, mode)?;
    let placed = match overwrite {
        Overwrite::Replace => fs::rename(&temp, path),
        Overwrite::Refuse => link_no_clobber(&temp, path),
    };
    let _ = fs::remove_file(&temp);
    match placed {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(Error::Exists {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(Error::io(path, "move the new file into place", e)),
    }
    sync_dir(path);
    Ok(())
}

/// Writes several files that belong together (a certificate, its key and
/// chain): first checks that none exists (unless overwriting), then writes
/// each atomically; if one fails, removes the ones this call created.
pub fn write_files(files: &[FileToWrite], overwrite: Overwrite) -> Result<()> {
    if overwrite == Overwrite::Refuse {
        if let Some(existing) = files.iter().find(|f| f.path.symlink_metadata().is_ok()) {
            return Err(Error::Exists {
                path: existing.path.clone(),
            });
        }
    }
    let mut created: Vec<&Path> = Vec::new();
    for file in files {
        let existed = file.path.symlink_metadata().is_ok();
        if let Err(e) = write_file(&file.path, &file.contents, file.mode, overwrite) {
            for path in created {
                let _ = fs::remove_file(path);
            }
            return Err(e);
        }
        if !existed {
            created.push(&file.path);
        }
    }
    Ok(())
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

fn write_temp(path: &Path, contents: &[u8], mode: FileMode) -> Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(
        ".{name}.{:016x}.tmp",
        rand::thread_rng().next_u64()
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode.bits())
        .open(&temp)
        .map_err(|e| Error::io(path, "create a file in its directory", e))?;
    let written = file
        .write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, "write the file", e));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written.map(|()| temp)
}

/// `link` refuses to replace an existing file; some file systems do not
/// support hard links, and there we fall back to a check and a rename.
fn link_no_clobber(temp: &Path, path: &Path) -> io::Result<()> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if path.symlink_metadata().is_ok() => {
            Err(io::Error::from(io::ErrorKind::AlreadyExists))
        }
        Err(_) => fs::rename(temp, path),
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes the rename itself durable. Best effort: not every file system
/// lets a directory be opened for syncing.
fn sync_dir(path: &Path) {
    if let Ok(dir) = File::open(parent_dir(path)) {
        let _ = dir.sync_all();
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
    fn unwritable_directory_is_an_io_error_naming_the_file() {
        let path = Path::new("/nonexistent-dir-for-ca-tests/cert.pem");
        let err = write_file(path, b"x", FileMode::Public, Overwrite::Refuse).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err
            .to_string()
            .contains("/nonexistent-dir-for-ca-tests/cert.pem"));
    }
}
