//! The one error type of ca-core.
//!
//! Every message names what was wrong, where (the file, when there is one)
//! and how to fix it, because the CLI prints these messages as they are.

use std::path::{Path, PathBuf};

use crate::key::KeyError;

/// Everything that can go wrong in ca-core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read, written or created.
    #[error("{path}: cannot {action}: {source}{}", io_hint(source))]
    Io {
        path: PathBuf,
        /// What we were doing, e.g. "read the file", "create a temporary file".
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// A file exists and would be overwritten. This is a refusal, not bad input.
    #[error("{path}: already exists; not overwriting it")]
    Exists { path: PathBuf },

    /// There is no CA in the directory yet.
    #[error("{}: no CA here yet", path.display())]
    NoCa { path: PathBuf },

    /// A CA already exists in the directory. A refusal.
    #[error("{}: a CA already exists here", path.display())]
    CaExists { path: PathBuf },

    /// A private key could not be read, generated or written.
    #[error("{}{source}", path_prefix(path))]
    Key {
        path: Option<PathBuf>,
        #[source]
        source: KeyError,
    },

    /// A certificate file is not a usable certificate.
    #[error("{}{problem}", path_prefix(path))]
    Certificate {
        path: Option<PathBuf>,
        problem: String,
    },

    /// A certificate signing request is malformed, badly signed or unusable.
    #[error("{}{problem}", path_prefix(path))]
    Csr {
        path: Option<PathBuf>,
        problem: String,
    },

    /// A passphrase file or variable is missing or unusable.
    #[error("{0}")]
    Passphrase(String),

    /// A name given for a certificate is not a DNS name, IP address, e-mail
    /// address or URI.
    #[error("{0}")]
    Name(String),

    /// A validity window or another profile setting makes no sense.
    #[error("{0}")]
    Profile(String),

    /// The CA directory is missing something, or is inconsistent.
    #[error("{}{problem}", path_prefix(path))]
    CaDir {
        path: Option<PathBuf>,
        problem: String,
    },

    /// The operation is refused although the input is well formed
    /// (e.g. the CA already exists, an intermediate name is taken).
    #[error("{0}")]
    Refused(String),

    /// rcgen could not build or sign a certificate.
    #[error("cannot build the certificate: {0}")]
    Build(#[from] rcgen::Error),
}

/// How to fix the common I/O failures.
fn io_hint(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        PermissionDenied | ReadOnlyFilesystem => {
            "; check the permissions, or choose another directory"
        }
        NotFound => "; check the path",
        // Making a directory where a file is, or going through a file.
        AlreadyExists | NotADirectory => {
            "; a file is where a directory should be: give another path"
        }
        StorageFull | QuotaExceeded => "; free some disk space",
        _ => "",
    }
}

fn path_prefix(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => format!("{}: ", p.display()),
        None => String::new(),
    }
}

impl Error {
    /// True when the input was fine but the operation was refused
    /// (exit code 1 in the CLI); false for bad input or I/O trouble (exit code 2).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Exists { .. } | Error::CaExists { .. } | Error::Refused(_)
        )
    }

    pub(crate) fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    pub(crate) fn key_at(path: &Path, source: KeyError) -> Self {
        Error::Key {
            path: Some(path.to_path_buf()),
            source,
        }
    }

    pub(crate) fn cert_at(path: Option<&Path>, problem: impl Into<String>) -> Self {
        Error::Certificate {
            path: path.map(Path::to_path_buf),
            problem: problem.into(),
        }
    }

    pub(crate) fn csr_at(path: Option<&Path>, problem: impl Into<String>) -> Self {
        Error::Csr {
            path: path.map(Path::to_path_buf),
            problem: problem.into(),
        }
    }

    pub(crate) fn ca_dir(path: Option<&Path>, problem: impl Into<String>) -> Self {
        Error::CaDir {
            path: path.map(Path::to_path_buf),
            problem: problem.into(),
        }
    }

    /// Attaches a file name to an error that does not have one yet.
    pub fn in_file(self, file: &Path) -> Self {
        let file = Some(file.to_path_buf());
        match self {
            Error::Key { path: None, source } => Error::Key { path: file, source },
            Error::Certificate {
                path: None,
                problem,
            } => Error::Certificate {
                path: file,
                problem,
            },
            Error::Csr {
                path: None,
                problem,
            } => Error::Csr {
                path: file,
                problem,
            },
            other => other,
        }
    }
}

impl From<KeyError> for Error {
    fn from(source: KeyError) -> Self {
        Error::Key { path: None, source }
    }
}

/// Shorthand used throughout ca-core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
