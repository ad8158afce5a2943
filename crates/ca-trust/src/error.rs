//! The one error type of ca-trust. Every message says what failed, where,
//! and what to do about it: the CLI prints them as they are.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// A program the store needs is not installed.
    #[error("`{program}` is not installed; install {package}")]
    ToolMissing {
        program: &'static str,
        package: &'static str,
    },

    /// The store is there but only root (or an administrator) may change it.
    #[error("{path}: permission denied ({action}); this store needs root privileges")]
    NeedsRoot { path: PathBuf, action: &'static str },

    /// The store does not exist on this machine.
    #[error("not found on this machine: {looked_for}")]
    Absent { looked_for: String },

    /// A store's tool ran and failed.
    #[error("`{command}` failed ({status}): {output}")]
    ToolFailed {
        command: String,
        status: String,
        output: String,
    },

    /// A file could not be read or written.
    #[error("{path}: cannot {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The store's own tool reported success, but reading the store back
    /// does not show the certificate where it should be.
    #[error("{location}: {problem}")]
    NotVerified { location: String, problem: String },

    /// The certificate cannot be a trust anchor.
    #[error("{0}")]
    NotAnAnchor(String),

    /// The store exists on another platform only, or not with this option.
    #[error("{0}")]
    Unsupported(String),
}

impl TrustError {
    /// What was looked for, for an absent store; the message otherwise.
    pub fn absence(&self) -> String {
        match self {
            TrustError::Absent { looked_for } => looked_for.clone(),
            other => other.to_string(),
        }
    }

    /// True when running the same command as root would get further.
    pub fn needs_root(&self) -> bool {
        matches!(self, TrustError::NeedsRoot { .. })
    }

    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, e: std::io::Error) -> Self {
        let path = path.into();
        if e.kind() == std::io::ErrorKind::PermissionDenied
            || e.kind() == std::io::ErrorKind::ReadOnlyFilesystem
        {
            TrustError::NeedsRoot { path, action }
        } else {
            TrustError::Io {
                path,
                action,
                source: e,
            }
        }
    }

    /// An error of ca-core's atomic writer, keeping "permission denied"
    /// recognisable as [`TrustError::NeedsRoot`].
    pub(crate) fn from_core(
        path: impl Into<PathBuf>,
        action: &'static str,
        e: ca_core::Error,
    ) -> Self {
        match e {
            ca_core::Error::Io { path, source, .. } => TrustError::io(path, action, source),
            other => TrustError::Io {
                path: path.into(),
                action,
                source: std::io::Error::other(other.to_string()),
            },
        }
    }
}
