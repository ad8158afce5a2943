//! The real programs the tests talk to, and where each comes from.

/// A program the tests run, found on `PATH` (or in sbin), and the Debian package that ships it.
pub struct DebianPeer {
    pub program: &'static str,
    pub package: &'static str,
}

/// Every Debian program the tests need. A test whose peer is missing fails and names the
/// package; this list is what `cargo xtask test` installs so that none is missing.
pub const DEBIAN_PEERS: &[DebianPeer] = &[
    DebianPeer {
        program: "openssl",
        package: "openssl",
    },
    DebianPeer {
        program: "curl",
        package: "curl",
    },
    DebianPeer {
        program: "certtool",
        package: "gnutls-bin",
    },
    DebianPeer {
        program: "gnutls-cli",
        package: "gnutls-bin",
    },
    DebianPeer {
        program: "gnutls-serv",
        package: "gnutls-bin",
    },
    DebianPeer {
        program: "nginx",
        package: "nginx",
    },
    DebianPeer {
        program: "update-ca-certificates",
        package: "ca-certificates",
    },
    // `ca issue` warns about keys a git work tree would commit.
    DebianPeer {
        program: "git",
        package: "git",
    },
    // Progress is drawn only on a terminal: tests run `ca` in one.
    DebianPeer {
        program: "script",
        package: "bsdutils",
    },
    // `ca man | man -l -` shows the whole manual.
    DebianPeer {
        program: "man",
        package: "man-db",
    },
];

/// Python tools, installed with pip into a virtual environment under `target/` (Debian's own
/// python3 refuses `pip install` outside one, PEP 668): (requirement, a script it installs).
pub const PYTHON_PEERS: &[(&str, &str)] = &[("pkilint==0.13.3", "lint_pkix_cert")];

/// What `python3 -m venv` needs on Debian and Ubuntu, where the standard library ships
/// without `ensurepip`.
pub const VENV_PACKAGE: &str = "python3-venv";
