//! Every text file `ca` writes uses LF line endings: PEM (RFC 7468) files,
//! the index and the revocation list. Private keys were once written with
//! CRLF while everything else had LF.

use std::path::{Path, PathBuf};

mod common;
use common::ca;

fn ok(dir: &Path, args: &[&str]) {
    let run = ca(dir, args);
    assert_eq!(run.code, 0, "ca {args:?}: {}", run.stderr);
}

/// `ARGS --ca-dir cadir`.
fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [args, &["--ca-dir", "cadir"][..]].concat()
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn no_file_ca_writes_has_a_carriage_return() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(d.join("pass"), "correct horse\n").unwrap();
    ok(d, &with(&["init"]));
    ok(d, &with(&["intermediate", "web"]));
    ok(d, &with(&["issue", "localhost", "127.0.0.1"]));
    ok(
        d,
        &with(&[
            "issue",
            "a.test",
            "--key-type",
            "rsa-2048",
            "--issuer",
            "web",
        ]),
    );
    ok(
        d,
        &with(&[
            "issue",
            "alice@example.test",
            "--client",
            "--key-type",
            "ed25519",
        ]),
    );
    ok(
        d,
        &with(&["issue", "enc.test", "--passphrase-file", "pass"]),
    );
    std::fs::create_dir(d.join("req")).unwrap();
    ok(d, &["csr", "svc.test", "--out", "req"]);
    ok(d, &with(&["sign", "req/svc.test.csr"]));
    ok(d, &with(&["revoke", "a.test.pem"]));
    ok(d, &with(&["crl", "--issuer", "web"]));
    // `convert` flips PEM to DER and back: the DER in between is binary (any byte, 0x0d
    // included) and is left out of the check below; the PEM it turns back into is checked.
    ok(
        d,
        &["convert", "localhost-key.pem", "--out", "converted-key.der"],
    );
    ok(
        d,
        &["convert", "converted-key.der", "--out", "converted.pem"],
    );

    let mut files = Vec::new();
    files_under(d, &mut files);
    let keys = files
        .iter()
        .filter(|p| p.to_string_lossy().ends_with("-key.pem"));
    assert!(keys.count() >= 4, "{files:?}");
    for path in &files {
        if path
            .file_name()
            .is_some_and(|n| n == "pass" || n == "lock" || n == "apply.lock")
            || path.extension().is_some_and(|e| e == "der")
        {
            continue;
        }
        let data = std::fs::read(path).unwrap();
        assert!(
            !data.contains(&b'\r'),
            "{} has a carriage return",
            path.display()
        );
    }
}
