//! `ca convert`: PEM <-> DER for certificates, CSRs, CRLs and keys; private
//! keys stay private; nothing is overwritten without --force.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::*;
use time::Duration;

#[test]
fn certificate_round_trips_and_matches_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Convert Root", None);
    write(d, "root.pem", &root.pem);
    let run = ca(d, &["convert", "root.pem", "--out", "root.der"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    openssl(
        d,
        &[
            "x509",
            "-in",
            "root.pem",
            "-outform",
            "DER",
            "-out",
            "openssl.der",
        ],
    );
    assert_eq!(
        std::fs::read(d.join("root.der")).unwrap(),
        std::fs::read(d.join("openssl.der")).unwrap()
    );
    let mode = std::fs::metadata(d.join("root.der"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o644);

    // Auto direction: DER in, PEM out (on standard output by default).
    let run = ca(d, &["convert", "root.der"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.trim(), root.pem.trim());
    // Explicit --to, from standard input.
    let run = ca_stdin(d, &["convert", "-", "--to", "der"], root.pem.as_bytes());
    assert_eq!(run.raw_stdout, root.der);
}

#[test]
fn csr_and_crl_convert_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "r.csr",
            "-subj",
            "/CN=x",
        ],
    );
    assert_eq!(ca(d, &["convert", "r.csr", "--out", "r.der"]).code, 0);
    openssl(
        d,
        &["req", "-in", "r.der", "-inform", "DER", "-noout", "-verify"],
    );
    let root = TestCa::new("Root", None);
    let crl = root.crl(1, Duration::days(1), vec![]);
    write(d, "c.crl", crl.der());
    let run = ca(d, &["convert", "c.crl", "--to", "pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("-----BEGIN X509 CRL-----"),
        "{}",
        run.stdout
    );
}

#[test]
fn keys_stay_private() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genrsa", "-traditional", "-out", "rsa.pem", "2048"]);
    // Not printed without an explicit --out -.
    let run = ca(d, &["convert", "rsa.pem"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("private key") && run.stderr.contains("--out"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());

    let run = ca(d, &["convert", "rsa.pem", "--out", "rsa.der"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mode = std::fs::metadata(d.join("rsa.der"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    // Still PKCS#1, and openssl reads it.
    openssl(
        d,
        &[
            "rsa", "-in", "rsa.der", "-inform", "DER", "-check", "-noout",
        ],
    );
    let run = ca(d, &["convert", "rsa.der", "--out", "-"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        std::fs::read_to_string(d.join("rsa.pem")).unwrap()
    );

    // Every key format gets its own label back.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-outform",
            "DER",
            "-out",
            "sec1.der",
        ],
    );
    let run = ca(d, &["convert", "sec1.der", "--out", "-"]);
    assert!(
        run.stdout.starts_with("-----BEGIN EC PRIVATE KEY-----"),
        "{}",
        run.stdout
    );
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "ED25519",
            "-outform",
            "DER",
            "-out",
            "ed.der",
        ],
    );
    let run = ca(d, &["convert", "ed.der", "--out", "-"]);
    assert!(
        run.stdout.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{}",
        run.stdout
    );
}

#[test]
fn never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    write(d, "root.pem", &root.pem);
    write(d, "taken.der", "keep me");
    let run = ca(d, &["convert", "root.pem", "--out", "taken.der"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("taken.der") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(d.join("taken.der")).unwrap(),
        "keep me"
    );
    let run = ca(d, &["convert", "root.pem", "--out", "taken.der", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read(d.join("taken.der")).unwrap(), root.der);
    // No temporary files left behind.
    let names: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn bundles_do_not_fit_in_der_and_bad_input_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    let leaf = root.leaf(&["a.test"], -Duration::days(1), Duration::days(1));
    write(d, "bundle.pem", format!("{}{}", leaf.pem, root.pem));
    let run = ca(d, &["convert", "bundle.pem", "--out", "b.der"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("2 objects"), "{}", run.stderr);
    assert!(!d.join("b.der").exists());
    // PEM to PEM keeps the whole bundle.
    let run = ca(d, &["convert", "bundle.pem", "--to", "pem"]);
    assert_eq!(run.stdout.matches("BEGIN CERTIFICATE").count(), 2);

    write(d, "junk", "not a certificate");
    let run = ca(d, &["convert", "junk", "--out", "x.der"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("junk"), "{}", run.stderr);
    assert!(!d.join("x.der").exists());
}
