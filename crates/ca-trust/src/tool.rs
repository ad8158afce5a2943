//! The programs the stores are changed with, found on the search path the
//! caller gives (never read from the environment here), and run with their
//! output captured for precise error messages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::TrustError;

/// A program and the package that provides it.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    pub program: &'static str,
    pub package: &'static str,
}

pub const CERTUTIL: Tool = Tool {
    program: "certutil",
    package: "the Debian package `libnss3-tools` (Fedora: `nss-tools`, Arch: `nss`)",
};
pub const KEYTOOL: Tool = Tool {
    program: "keytool",
    package: "a Java runtime (Debian: `openjdk-17-jre-headless`), or set JAVA_HOME",
};
pub const UPDATE_CA_CERTIFICATES: Tool = Tool {
    program: "update-ca-certificates",
    package: "the Debian package `ca-certificates`",
};
pub const UPDATE_CA_TRUST: Tool = Tool {
    program: "update-ca-trust",
    package: "the Fedora package `ca-certificates`",
};
pub const P11_KIT_TRUST: Tool = Tool {
    program: "trust",
    package: "the package `p11-kit` (Debian: `p11-kit`)",
};

impl Tool {
    /// The first executable named `program` in `search` (the PATH).
    pub fn find(&self, search: &[PathBuf]) -> Result<PathBuf, TrustError> {
        find_in(self.program, search).ok_or(TrustError::ToolMissing {
            program: self.program,
            package: self.package,
        })
    }
}

pub fn find_in(program: &str, search: &[PathBuf]) -> Option<PathBuf> {
    search
        .iter()
        .map(|dir| dir.join(program))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// Runs `cmd`, feeding `stdin`, and returns its output whatever the exit
/// status; only a program that cannot be started is an error.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Result<Output, TrustError> {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| TrustError::io(cmd.get_program(), "start the program", e))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // A program that exits without reading all of it reports why itself.
        let _ = pipe.write_all(input);
    }
    child
        .wait_with_output()
        .map_err(|e| TrustError::io(cmd.get_program(), "wait for the program", e))
}

/// Runs `cmd`, which must exit 0.
pub fn run_ok(cmd: &mut Command, stdin: Option<&[u8]>) -> Result<Output, TrustError> {
    let out = run(cmd, stdin)?;
    if out.status.success() {
        Ok(out)
    } else {
        Err(failed(cmd, &out))
    }
}

/// The error for a command that exited non-zero.
pub fn failed(cmd: &Command, out: &Output) -> TrustError {
    let mut output = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if output.is_empty() {
        output = stdout.trim().to_owned();
    }
    TrustError::ToolFailed {
        command: describe(cmd),
        status: out.status.to_string(),
        output,
    }
}

/// The command line, as a user would type it.
pub fn describe(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
