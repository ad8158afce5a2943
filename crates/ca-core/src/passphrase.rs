//! Passphrases for encrypted keys. They come from a file or an environment
//! variable, never from a command-line argument (other users can read those
//! in `ps`), and they are never printed.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};

/// A passphrase. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase(Vec<u8>);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(<hidden>)")
    }
}

impl Passphrase {
    /// A passphrase from bytes; an empty one is refused.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self> {
        let bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::Passphrase(
                "the passphrase is empty; an empty passphrase protects nothing".into(),
            ));
        }
        Ok(Passphrase(bytes))
    }

    /// Reads a passphrase file: its contents without one trailing newline
    /// (`\n` or `\r\n`), so `echo secret > file` works.
    pub fn from_file(path: &Path) -> Result<Self> {
        let mut bytes = crate::input::read_file(path)
            .map_err(|e| Error::io(path, "read the passphrase file", e))?;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        Self::new(bytes).map_err(|_| {
            Error::Passphrase(format!(
                "{}: the passphrase file is empty; put the passphrase in it",
                path.display()
            ))
        })
    }

    /// Reads a passphrase from an environment variable.
    pub fn from_env(var: &str) -> Result<Self> {
        // Someone who typed the passphrase itself where the variable's name belongs
        // must not see it echoed into a terminal or a CI log.
        let looks_like_a_name = !var.is_empty()
            && var.len() <= 64
            && var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !looks_like_a_name {
            return Err(Error::Passphrase(
                "--passphrase-env takes the NAME of an environment variable (letters, digits \
                 and _), not the passphrase itself; export it first, e.g. \
                 `export CA_PASSPHRASE=...` and pass `--passphrase-env CA_PASSPHRASE`"
                    .into(),
            ));
        }
        match std::env::var_os(var) {
            None => Err(Error::Passphrase(format!(
                "the environment variable {var} is not set; set it to the passphrase"
            ))),
            Some(value) => {
                use std::os::unix::ffi::OsStringExt;
                Self::new(value.into_vec()).map_err(|_| {
                    Error::Passphrase(format!(
                        "the environment variable {var} is empty; set it to the passphrase"
                    ))
                })
            }
        }
    }

    /// The passphrase bytes, to hand to a KDF.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passphrase_typed_as_the_variable_name_is_not_echoed() {
        let err = Passphrase::from_env("s3cret pass!")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("s3cret"), "{err}");
        assert!(err.contains("NAME of an environment variable"), "{err}");
    }

    #[test]
    fn file_loses_one_trailing_newline_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, "s3cret \r\n").unwrap();
        assert_eq!(Passphrase::from_file(&path).unwrap().as_bytes(), b"s3cret ");
        std::fs::write(&path, "\n").unwrap();
        assert!(Passphrase::from_file(&path).is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let p = Passphrase::new("hunter2").unwrap();
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
