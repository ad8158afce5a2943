//! Helpers shared by the end-to-end tests that check what `ca` issues
//! against real peers: the OpenSSL and GnuTLS command-line tools, curl,
//! nginx and pkilint.
//!
//! Every peer is a real program found on `PATH`. A missing one is a test
//! failure that names the package to install (`.ci/run` installs them all),
//! never a silent pass.

// Each test binary uses a different part of these helpers.
#![allow(dead_code, unused_imports)]

mod ca;
pub mod serve;
mod server;
mod tool;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub use ca::{issued, other_root, pki, run_json, Ca, CaCert, Issued, Pki};
pub use serve::CaServe;
pub use server::{free_port, Server};
pub use tool::*;

/// Every key type `ca` can generate, as `--key-type` spells it.
pub const KEY_TYPES: [&str; 7] = [
    "ecdsa-p256",
    "ecdsa-p384",
    "ecdsa-p521",
    "ed25519",
    "rsa-2048",
    "rsa-3072",
    "rsa-4096",
];

/// Defines one `#[test]` per key type, each calling `$check(key_type)`.
/// Use it inside a module named after the check, so a failure reads as
/// `openssl_verify_server::rsa_4096`.
#[allow(unused_macros)]
macro_rules! test_each_key_type {
    ($check:path) => {
        #[test]
        fn ecdsa_p256() {
            $check("ecdsa-p256")
        }
        #[test]
        fn ecdsa_p384() {
            $check("ecdsa-p384")
        }
        #[test]
        fn ecdsa_p521() {
            $check("ecdsa-p521")
        }
        #[test]
        fn ed25519() {
            $check("ed25519")
        }
        #[test]
        fn rsa_2048() {
            $check("rsa-2048")
        }
        #[test]
        fn rsa_3072() {
            $check("rsa-3072")
        }
        #[test]
        fn rsa_4096() {
            $check("rsa-4096")
        }
    };
}
pub(crate) use test_each_key_type;

/// Runs a command to completion; panics only if it cannot be started.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|err| panic!("cannot run {cmd:?}: {err}"))
}

/// Runs a command that must succeed; panics with its output if it does not.
pub fn succeed(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "expected success: {}",
        describe(cmd, &out)
    );
    out
}

/// Runs a command that must fail; panics with its output if it succeeds.
pub fn refuse(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        !out.status.success(),
        "expected a failure: {}",
        describe(cmd, &out)
    );
    out
}

/// The command line, exit status and output, for assertion messages.
pub fn describe(cmd: &Command, out: &Output) -> String {
    let mut text = format!("{:?}", cmd.get_program());
    for arg in cmd.get_args() {
        let _ = write!(text, " {arg:?}");
    }
    let _ = write!(
        text,
        "\n  exit: {}\n  stdout: {}\n  stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout).trim_end(),
        String::from_utf8_lossy(&out.stderr).trim_end()
    );
    text
}

/// `openssl verify -x509_strict` of `leaf` against `root` with the
/// intermediates in `chain`, for a purpose (`sslserver`, `sslclient`) and
/// with more checks such as `["-verify_hostname", "localhost"]`.
pub fn openssl_verify(
    root: &Path,
    chain: &Path,
    leaf: &Path,
    purpose: &str,
    checks: &[&str],
) -> Command {
    let mut cmd = OPENSSL.command();
    cmd.arg("verify")
        .arg("-CAfile")
        .arg(root)
        .arg("-untrusted")
        .arg(chain)
        .args(["-purpose", purpose, "-x509_strict"])
        .args(checks)
        .arg(leaf);
    cmd
}

/// `curl https://HOST:PORT/` trusting only `root`, with HOST resolved to
/// 127.0.0.1 (our servers listen there only).
pub fn curl(port: u16, host: &str, root: &Path) -> Command {
    let mut cmd = CURL.command();
    cmd.args(["--silent", "--show-error", "--fail", "--max-time", "20"])
        .args(["--output", "/dev/null", "--noproxy", "*"])
        .arg("--resolve")
        .arg(format!("{host}:{port}:127.0.0.1"))
        .arg("--cacert")
        .arg(root)
        .arg(format!("https://{host}:{port}/"));
    cmd
}

/// The certificates of a PEM bundle, each as its own PEM block, in order.
pub fn pem_certificates(path: &Path) -> Vec<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = read_text(path);
    let mut certs = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find(BEGIN) {
        let end = rest[start..]
            .find(END)
            .unwrap_or_else(|| panic!("{}: unterminated PEM certificate", path.display()))
            + start
            + END.len();
        certs.push(format!("{}\n", &rest[start..end]));
        rest = &rest[end..];
    }
    certs
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

pub fn write_file(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::write(path, contents)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()))
}

/// The public key of a certificate, as `openssl x509 -pubkey` prints it.
pub fn certificate_public_key(cert: &Path) -> String {
    openssl_public_key("x509", cert)
}

/// The public key of a CSR, as `openssl req -pubkey` prints it.
pub fn csr_public_key(csr: &Path) -> String {
    openssl_public_key("req", csr)
}

fn openssl_public_key(subcommand: &str, file: &Path) -> String {
    let out = succeed(
        OPENSSL
            .command()
            .args([subcommand, "-noout", "-pubkey", "-in"])
            .arg(file),
    );
    String::from_utf8(out.stdout).expect("PEM is ASCII")
}

/// The public key of a private key file, as `openssl pkey -pubout` prints
/// it; `passin` is an OpenSSL pass phrase argument such as `file:PATH`.
pub fn key_public_key(key: &Path, passin: Option<&OsStr>) -> String {
    let mut cmd = OPENSSL.command();
    cmd.args(["pkey", "-pubout", "-in"]).arg(key);
    if let Some(passin) = passin {
        cmd.arg("-passin").arg(passin);
    }
    let out = succeed(&mut cmd);
    String::from_utf8(out.stdout).expect("PEM is ASCII")
}
