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
    // `ca trust`: a real browser reading the NSS database, NSS's certutil, Java's keytool and
    // HttpClient, and Node reading NODE_EXTRA_CA_CERTS.
    DebianPeer {
        program: "chromium",
        package: "chromium",
    },
    DebianPeer {
        program: "certutil",
        package: "libnss3-tools",
    },
    DebianPeer {
        program: "keytool",
        package: "default-jdk-headless",
    },
    DebianPeer {
        program: "java",
        package: "default-jdk-headless",
    },
    DebianPeer {
        program: "node",
        package: "nodejs",
    },
    // `ca serve` is stopped by signal in its tests.
    DebianPeer {
        program: "kill",
        package: "procps",
    },
    // `ca acme serve`: real ACME clients, and Pebble to compare with.
    DebianPeer {
        program: "certbot",
        package: "certbot",
    },
    DebianPeer {
        program: "lego",
        package: "lego",
    },
    DebianPeer {
        program: "pebble",
        package: "pebble",
    },
    DebianPeer {
        program: "unshare",
        package: "util-linux",
    },
    // `ca acme serve --db postgres://`: the replica test starts a throw-away
    // cluster (initdb, postgres from /usr/lib/postgresql/<version>/bin, which
    // `setup` puts on PATH) as `nobody` through setpriv.
    DebianPeer {
        program: "initdb",
        package: "postgresql",
    },
    DebianPeer {
        program: "postgres",
        package: "postgresql",
    },
    DebianPeer {
        program: "setpriv",
        package: "util-linux",
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

/// A Python peer, installed with pip into a virtual environment under `target/` (Debian's own
/// python3 refuses `pip install` outside one, PEP 668).
pub struct PythonPeer {
    /// A pinned pip requirement, `name==version`.
    pub requirement: &'static str,
    /// How to tell it is usable once pip has run.
    pub provides: Provides,
}

/// What an installed Python peer provides, to check that it is there.
pub enum Provides {
    /// A script in the venv's `bin/`.
    Script(&'static str),
    /// A module the venv's python imports (a library with no command).
    Module(&'static str),
}

/// Every Python peer the tests need.
pub const PYTHON_PEERS: &[PythonPeer] = &[
    PythonPeer {
        requirement: "pkilint==0.13.3",
        provides: Provides::Script("lint_pkix_cert"),
    },
    // `ca trust env`: Python requests trusting REQUESTS_CA_BUNDLE.
    PythonPeer {
        requirement: "requests==2.32.3",
        provides: Provides::Script("normalizer"),
    },
    // ML-DSA (issue 13): pyca/cryptography 50 bundles OpenSSL 4, which reads ML-DSA keys
    // (RFC 9881) and whose X.509 verifier checks ML-DSA chains; Debian 12's OpenSSL 3.0 does
    // neither. Pinned here, not left to pkilint's own requirement on it.
    PythonPeer {
        requirement: "cryptography==50.0.2",
        provides: Provides::Module("cryptography.hazmat.primitives.asymmetric.mldsa"),
    },
];

/// What `python3 -m venv` needs on Debian and Ubuntu, where the standard library ships
/// without `ensurepip`.
pub const VENV_PACKAGE: &str = "python3-venv";
