//! ML-DSA (FIPS 204) hierarchies made by the `ca` binary and checked by `ca verify` (issue 13):
//! each parameter set, mixed hierarchies both ways, a flipped signature byte, key files plain
//! and encrypted in RFC 9881's seed form, CSRs, and what `ca inspect` shows. The chains are
//! outside the Web PKI (CA/B BR 6.1.5 lists RSA and ECDSA only), so they are verified with
//! `--profile rfc5280`, the strictest profile that admits them.

mod common;

use std::path::Path;

use common::*;

const SETS: [(&str, &str, u8); 3] = [
    ("ml-dsa-44", "ML-DSA-44", 2),
    ("ml-dsa-65", "ML-DSA-65", 3),
    ("ml-dsa-87", "ML-DSA-87", 5),
];

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    run
}

/// Root of `root_type`, an intermediate "web" of `ica_type`, and a leaf for localhost of
/// `leaf_type` signed by it, in `dir` (CA directory `dir/ca`).
fn hierarchy(dir: &Path, root_type: &str, ica_type: &str, leaf_type: &str) {
    ok(ca(
        dir,
        &["init", "--ca-dir", "ca", "--key-type", root_type],
    ));
    ok(ca(
        dir,
        &[
            "intermediate",
            "web",
            "--ca-dir",
            "ca",
            "--key-type",
            ica_type,
        ],
    ));
    ok(ca(
        dir,
        &[
            "issue",
            "localhost",
            "--ca-dir",
            "ca",
            "--issuer",
            "web",
            "--key-type",
            leaf_type,
        ],
    ));
}

fn verify_localhost(dir: &Path) -> Run {
    ca(
        dir,
        &[
            "verify",
            "localhost-fullchain.pem",
            "--ca-dir",
            "ca",
            "--host",
            "localhost",
            "--profile",
            "rfc5280",
        ],
    )
}

fn der_of(path: &Path) -> Vec<u8> {
    let text = std::fs::read(path).unwrap();
    pem::parse(&text).unwrap().contents().to_vec()
}

#[test]
fn each_parameter_set_makes_a_chain_ca_verify_accepts() {
    for (key_type, name, category) in SETS {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        hierarchy(dir, key_type, key_type, key_type);
        let run = ok(verify_localhost(dir));
        assert!(run.stdout.contains("valid: CN=localhost"), "{}", run.stdout);

        let leaf = ok(ca(dir, &["inspect", "localhost.pem"])).stdout;
        let key_line =
            format!("{name} (FIPS 204 parameter set, NIST security category {category})");
        assert!(leaf.contains(&key_line), "{leaf}");
        assert!(
            leaf.contains(&format!("Signature:          {name}")),
            "{leaf}"
        );
        // RFC 9881 5: the leaf's key usage is digitalSignature alone.
        assert!(
            leaf.contains("Key usage:          digitalSignature (critical)"),
            "{leaf}"
        );
        let key = ok(ca(dir, &["inspect", "localhost-key.pem"])).stdout;
        assert!(key.contains(&key_line), "{key}");
        // The key file and the certificate hold the same public key.
        let fingerprint = |text: &str| {
            text.lines()
                .find(|l| l.contains("Public key SHA-256:"))
                .unwrap()
                .to_string()
        };
        assert_eq!(fingerprint(&leaf), fingerprint(&key));

        // The Web PKI profile (the default) refuses the key type, naming the rule.
        let webpki = ca(
            dir,
            &[
                "verify",
                "localhost-fullchain.pem",
                "--ca-dir",
                "ca",
                "--host",
                "localhost",
            ],
        );
        assert_eq!(webpki.code, 1, "{}", webpki.stderr);
        assert!(
            webpki.stderr.contains("key.webpki-algorithms"),
            "{}",
            webpki.stderr
        );
    }
}

#[test]
fn mixed_hierarchies_both_ways() {
    for (root, ica, leaf) in [
        ("ml-dsa-65", "ecdsa-p256", "ecdsa-p256"),
        ("ecdsa-p256", "ml-dsa-44", "ml-dsa-44"),
        ("ml-dsa-87", "ecdsa-p384", "ml-dsa-65"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        hierarchy(dir, root, ica, leaf);
        let run = verify_localhost(dir);
        assert_eq!(run.code, 0, "{root} > {ica} > {leaf}: {}", run.stderr);
    }
}

#[test]
fn one_flipped_signature_byte_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "ml-dsa-65", "ml-dsa-44", "ml-dsa-44");
    let mut der = der_of(&dir.join("localhost.pem"));
    // The signature is the last BIT STRING of the certificate.
    *der.last_mut().unwrap() ^= 0x80;
    write(dir, "flipped.der", &der);
    let chain = dir.join("localhost-fullchain.pem");
    let chain = std::fs::read_to_string(chain).unwrap();
    // The fullchain is leaf then intermediate: keep the intermediate.
    let ica = &chain[chain.find("-----END CERTIFICATE-----").unwrap() + 26..];
    write(dir, "ica.pem", ica);
    let run = ca(
        dir,
        &[
            "verify",
            "flipped.der",
            "--untrusted",
            "ica.pem",
            "--ca-dir",
            "ca",
            "--host",
            "localhost",
            "--profile",
            "rfc5280",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("signature (ML-DSA-44") && run.stderr.contains("does not verify"),
        "{}",
        run.stderr
    );
    // The same bytes unflipped verify.
    *der.last_mut().unwrap() ^= 0x80;
    write(dir, "good.der", &der);
    let run = ca(
        dir,
        &[
            "verify",
            "good.der",
            "--untrusted",
            "ica.pem",
            "--ca-dir",
            "ca",
            "--host",
            "localhost",
            "--profile",
            "rfc5280",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn key_files_are_rfc_9881_seed_pkcs8_plain_and_encrypted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "pass", "correct horse battery staple\n");
    // An encrypted root key: issuing needs its passphrase.
    ok(ca(
        dir,
        &[
            "init",
            "--ca-dir",
            "ca",
            "--key-type",
            "ml-dsa-87",
            "--passphrase-file",
            "pass",
        ],
    ));
    let root_key = std::fs::read_to_string(dir.join("ca/root/key.pem")).unwrap();
    assert!(
        root_key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
        "{root_key}"
    );
    ok(ca(
        dir,
        &[
            "issue",
            "localhost",
            "--ca-dir",
            "ca",
            "--key-type",
            "ml-dsa-65",
            "--ca-passphrase-file",
            "pass",
        ],
    ));
    ok(verify_localhost(dir));

    // The plain key: PKCS#8 v1 whose privateKey is the 32-byte seed, [0] IMPLICIT
    // (RFC 9881 6): 30 34 02 01 00 30 0b 06 09 <OID> 04 22 80 20 <seed>.
    let der = der_of(&dir.join("localhost-key.pem"));
    assert_eq!(der.len(), 54, "{der:02x?}");
    assert_eq!(&der[..7], &[0x30, 0x34, 0x02, 0x01, 0x00, 0x30, 0x0b]);
    assert_eq!(
        &der[7..18],
        &[0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, 0x12]
    );
    assert_eq!(&der[18..22], &[0x04, 0x22, 0x80, 0x20]);

    // The encrypted root key reads back with its passphrase, and only with it.
    let inspect = ok(ca(
        dir,
        &["inspect", "ca/root/key.pem", "--passphrase-file", "pass"],
    ))
    .stdout;
    assert!(inspect.contains("ML-DSA-87"), "{inspect}");
    assert!(inspect.contains("encrypted PKCS#8"), "{inspect}");
    write(dir, "wrong", "not the passphrase\n");
    let wrong = ca(
        dir,
        &["inspect", "ca/root/key.pem", "--passphrase-file", "wrong"],
    );
    assert_ne!(wrong.code, 0);
    assert!(
        wrong.stderr.contains("wrong passphrase"),
        "{}",
        wrong.stderr
    );

    // A plain key converts to DER and back to the same PEM.
    ok(ca(
        dir,
        &[
            "convert",
            "localhost-key.pem",
            "--to",
            "der",
            "--out",
            "key.der",
        ],
    ));
    assert_eq!(std::fs::read(dir.join("key.der")).unwrap(), der);
}

#[test]
fn csr_with_an_ml_dsa_key_is_signed_by_an_ml_dsa_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(ca(
        dir,
        &["init", "--ca-dir", "ca", "--key-type", "ml-dsa-65"],
    ));
    ok(ca(dir, &["csr", "localhost", "--key-type", "ml-dsa-44"]));
    let csr = ok(ca(dir, &["inspect", "localhost.csr"])).stdout;
    assert!(csr.contains("ML-DSA-44"), "{csr}");
    ok(ca(dir, &["sign", "localhost.csr", "--ca-dir", "ca"]));
    ok(verify_localhost(dir));
    // A CSR whose signature was altered is refused before anything is signed.
    let mut der = der_of(&dir.join("localhost.csr"));
    *der.last_mut().unwrap() ^= 0x01;
    write(dir, "altered.csr", &der);
    let run = ca(dir, &["sign", "altered.csr", "--ca-dir", "ca", "--force"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("does not verify"), "{}", run.stderr);
}

#[test]
fn apply_builds_a_mixed_post_quantum_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        dir,
        "pki.toml",
        r#"ca_dir = "ca"
[root]
key_type = "ml-dsa-87"

[intermediates.web]
key_type = "ecdsa-p256"

[leaves.localhost]
issuer = "web"
names = ["localhost"]
key_type = "ml-dsa-44"
"#,
    );
    ok(ca(dir, &["apply", "pki.toml"]));
    let root = ok(ca(dir, &["inspect", "ca/root/cert.pem"])).stdout;
    assert!(root.contains("ML-DSA-87"), "{root}");
    let files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let leaf = files
        .iter()
        .find(|f| f.ends_with("fullchain.pem"))
        .unwrap_or_else(|| panic!("no fullchain in {files:?}"));
    let run = ca(
        dir,
        &[
            "verify",
            leaf,
            "--ca-dir",
            "ca",
            "--host",
            "localhost",
            "--profile",
            "rfc5280",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inspect = ok(ca(dir, &["inspect", leaf])).stdout;
    assert!(inspect.contains("ML-DSA-44"), "{inspect}");
}

#[test]
fn renew_keeps_the_parameter_set_and_reuse_key_keeps_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    hierarchy(dir, "ml-dsa-65", "ml-dsa-65", "ml-dsa-87");
    let public_key = |dir: &Path| {
        let text = ok(ca(dir, &["inspect", "localhost.pem"])).stdout;
        assert!(text.contains("ML-DSA-87 (FIPS 204"), "{text}");
        text.lines()
            .find(|l| l.contains("Public key SHA-256:"))
            .unwrap()
            .to_string()
    };
    let first = public_key(dir);
    ok(ca(dir, &["renew", "localhost.pem", "--ca-dir", "ca"]));
    let renewed = public_key(dir);
    assert_ne!(first, renewed, "a renewal makes a new key by default");
    ok(ca(
        dir,
        &["renew", "localhost.pem", "--ca-dir", "ca", "--reuse-key"],
    ));
    assert_eq!(public_key(dir), renewed);
    ok(verify_localhost(dir));
}
