//! The programs tests talk to (openssl, curl, GnuTLS, nginx, pkilint) and
//! where to get them: `Tool::path()` finds one on `PATH` or panics naming
//! the package to install, so a missing peer is a failure that says what
//! to do, never a silent pass.
//!
//! One file, shared by every test that runs a peer: `tests/support` uses it
//! as a module, and the crates' own tests include it with
//! `#[path = ".../tests/support/tool.rs"] mod tool;`.

// Each includer uses a different part of this file.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A program a test talks to, and where to get it.
#[derive(Clone, Copy, Debug)]
pub struct Tool {
    pub program: &'static str,
    pub package: &'static str,
}

pub const OPENSSL: Tool = Tool {
    program: "openssl",
    package: "the Debian package `openssl`",
};
pub const CURL: Tool = Tool {
    program: "curl",
    package: "the Debian package `curl`",
};
pub const CERTTOOL: Tool = Tool {
    program: "certtool",
    package: "the Debian package `gnutls-bin`",
};
pub const GNUTLS_CLI: Tool = Tool {
    program: "gnutls-cli",
    package: "the Debian package `gnutls-bin`",
};
pub const NGINX: Tool = Tool {
    program: "nginx",
    package: "the Debian package `nginx`",
};
pub const GIT: Tool = Tool {
    program: "git",
    package: "the Debian package `git`",
};
pub const MAN: Tool = Tool {
    program: "man",
    package: "the Debian package `man-db`",
};
pub const SCRIPT: Tool = Tool {
    program: "script",
    package: "the Debian package `bsdutils`",
};
pub const PKILINT: Tool = Tool {
    program: "lint_pkix_cert",
    package: "pkilint from PyPI (`cargo xtask setup` installs it into target/peers-venv)",
};
pub const PKILINT_CHAIN: Tool = Tool {
    program: "lint_pkix_signer_signee_cert_chain",
    package: "pkilint from PyPI (`cargo xtask setup` installs it into target/peers-venv)",
};

impl Tool {
    /// Where the program is installed; panics with the package to install
    /// when it is not.
    pub fn path(&self) -> PathBuf {
        let path = std::env::var_os("PATH").unwrap_or_default();
        // Debian keeps daemons such as nginx in sbin, which a non-login
        // shell may leave out of PATH.
        let extra = [PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")];
        std::env::split_paths(&path)
            .chain(extra)
            .map(|dir| dir.join(self.program))
            .find(|candidate| is_executable(candidate))
            .unwrap_or_else(|| {
                panic!(
                    "`{}` is not installed: this test needs it. Install {} \
                     (`cargo xtask test` installs every peer the tests need).",
                    self.program, self.package
                )
            })
    }

    pub fn command(&self) -> Command {
        Command::new(self.path())
    }
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}
