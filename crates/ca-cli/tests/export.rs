//! `ca export --p12`: openssl reads what we write, in both encryptions.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;
use time::Duration;

/// A root, a leaf and its key in a directory.
fn setup(d: &Path) -> (TestCa, Leaf) {
    let root = TestCa::new("P12 Root", None);
    let leaf = root.leaf(
        &["p12.example.test"],
        -Duration::days(1),
        Duration::days(30),
    );
    write(d, "root.pem", &root.pem);
    write(d, "leaf.pem", &leaf.pem);
    write(d, "leaf.key", &leaf.key_pem);
    write(d, "pw.txt", "correct horse\n");
    (root, leaf)
}

fn info(d: &Path, file: &str, legacy: bool) -> Run {
    let mut args = vec![
        "pkcs12",
        "-in",
        file,
        "-passin",
        "file:pw.txt",
        "-info",
        "-noenc",
    ];
    if legacy {
        args.push("-legacy");
    }
    openssl(d, &args)
}

#[test]
fn modern_p12_opens_in_openssl_with_key_chain_and_name() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, leaf) = setup(d);
    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "out.p12",
            "--cert",
            "leaf.pem",
            "--key",
            "leaf.key",
            "--chain",
            "root.pem",
            "--password-file",
            "pw.txt",
            "--name",
            "My Server",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("out.p12"));
    let mode = std::fs::metadata(d.join("out.p12"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);

    let certs = openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "out.p12",
            "-passin",
            "file:pw.txt",
            "-nokeys",
            "-noenc",
        ],
    );
    assert!(
        certs.stdout.contains(leaf.pem.lines().nth(1).unwrap()),
        "{}",
        certs.stdout
    );
    assert!(
        certs.stdout.contains(root.pem.lines().nth(1).unwrap()),
        "{}",
        certs.stdout
    );
    let keys = openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "out.p12",
            "-passin",
            "file:pw.txt",
            "-nocerts",
            "-noenc",
        ],
    );
    assert!(
        keys.stdout.contains("friendlyName: My Server"),
        "{}",
        keys.stdout
    );
    assert!(keys.stdout.contains("BEGIN PRIVATE KEY"), "{}", keys.stdout);
    // The same key: openssl's copy has our public key.
    write(d, "back.key", &keys.stdout);
    let ours = openssl(d, &["pkey", "-in", "leaf.key", "-pubout"]).stdout;
    let back = openssl(d, &["pkey", "-in", "back.key", "-pubout"]).stdout;
    assert_eq!(ours, back);

    // `ca inspect` says what the file is, and how to look inside.
    let run = ca(d, &["inspect", "out.p12"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("PKCS#12"), "{}", run.stderr);

    let details = info(d, "out.p12", false);
    let text = format!("{}{}", details.stdout, details.stderr);
    assert!(text.contains("MAC: sha256"), "{text}");
    assert!(text.contains("PBES2, PBKDF2, AES-256-CBC"), "{text}");
    assert!(!text.contains("3DES") && !text.contains("RC2"), "{text}");

    // A wrong password is refused by openssl.
    write(d, "bad.txt", "wrong\n");
    let run = openssl_may_fail(
        d,
        &[
            "pkcs12",
            "-in",
            "out.p12",
            "-passin",
            "file:bad.txt",
            "-noenc",
        ],
    );
    assert_ne!(run.code, 0);
}

#[test]
fn legacy_p12_uses_3des_and_sha1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, _) = setup(d);
    // The certificate file may carry the chain itself.
    let bundle = format!(
        "{}{}",
        std::fs::read_to_string(d.join("leaf.pem")).unwrap(),
        root.pem
    );
    write(d, "fullchain.pem", bundle);
    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "legacy.p12",
            "--cert",
            "fullchain.pem",
            "--key",
            "leaf.key",
            "--password-file",
            "pw.txt",
            "--legacy",
            "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = json(&run);
    assert_eq!(v["encryption"], "legacy");
    assert_eq!(v["certificates"], 2);
    // The default friendly name is the certificate's common name.
    assert_eq!(v["friendly_name"], "p12.example.test");

    // OpenSSL 3 reads 3DES with its default provider: no -legacy needed.
    let details = info(d, "legacy.p12", false);
    let text = format!("{}{}", details.stdout, details.stderr);
    assert!(text.contains("MAC: sha1"), "{text}");
    assert!(text.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{text}");
    assert!(!text.contains("PBES2"), "{text}");
    assert!(text.contains("friendlyName: p12.example.test"), "{text}");
    assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 2, "{text}");
    assert!(text.contains("BEGIN PRIVATE KEY"), "{text}");
}

#[test]
fn encrypted_and_pkcs1_keys_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An RSA leaf made entirely by openssl, with a PKCS#1 key.
    openssl(d, &["genrsa", "-traditional", "-out", "rsa.key", "2048"]);
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "rsa.key",
            "-out",
            "rsa.pem",
            "-subj",
            "/CN=rsa.test",
            "-days",
            "2",
        ],
    );
    write(d, "pw.txt", "pw\n");
    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "rsa.p12",
            "--cert",
            "rsa.pem",
            "--key",
            "rsa.key",
            "--password-file",
            "pw.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "rsa.p12",
            "-passin",
            "file:pw.txt",
            "-noenc",
            "-nocerts",
        ],
    );

    write(d, "keypass.txt", "key secret\n");
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "rsa.key",
            "-out",
            "rsa.enc",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "file:keypass.txt",
        ],
    );
    let args = [
        "export",
        "--p12",
        "enc.p12",
        "--cert",
        "rsa.pem",
        "--key",
        "rsa.enc",
        "--password-file",
        "pw.txt",
    ];
    let run = ca(d, &args);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("rsa.enc") && run.stderr.contains("passphrase"),
        "{}",
        run.stderr
    );
    let mut with_pass = args.to_vec();
    with_pass.extend(["--passphrase-file", "keypass.txt"]);
    let run = ca(d, &with_pass);
    assert_eq!(run.code, 0, "{}", run.stderr);
    openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "enc.p12",
            "-passin",
            "file:pw.txt",
            "-noenc",
        ],
    );
}

#[test]
fn refusals_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, _) = setup(d);
    let other = root.leaf(&["other.test"], -Duration::days(1), Duration::days(3));
    write(d, "other.key", &other.key_pem);
    let base = [
        "export",
        "--p12",
        "x.p12",
        "--cert",
        "leaf.pem",
        "--password-file",
        "pw.txt",
    ];

    let mut wrong_key = base.to_vec();
    wrong_key.extend(["--key", "other.key"]);
    let run = ca(d, &wrong_key);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("does not belong"), "{}", run.stderr);
    assert!(!d.join("x.p12").exists());

    let mut good = base.to_vec();
    good.extend(["--key", "leaf.key"]);
    assert_eq!(ca(d, &good).code, 0);
    let before = std::fs::read(d.join("x.p12")).unwrap();
    let run = ca(d, &good);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(std::fs::read(d.join("x.p12")).unwrap(), before);
    good.push("--force");
    assert_eq!(ca(d, &good).code, 0);

    write(d, "empty.txt", "");
    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "y.p12",
            "--cert",
            "leaf.pem",
            "--key",
            "leaf.key",
            "--password-file",
            "empty.txt",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("empty"), "{}", run.stderr);

    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "y.p12",
            "--cert",
            "leaf.key",
            "--key",
            "leaf.key",
            "--password-file",
            "pw.txt",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("leaf.key") && run.stderr.contains("not a certificate"),
        "{}",
        run.stderr
    );
    assert!(!d.join("y.p12").exists());
}

/// ML-DSA keys: OpenSSL 3.0 here reads the container (MAC, bags, certificates) and stops at the
/// key's algorithm, which it does not know; p12-keystore reads the key bag back byte for byte.
#[test]
fn ml_dsa_p12_holds_the_pkcs8_key_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "pw.txt", "correct horse\n");
    let run = ca(d, &["init", "--ca-dir", "pqca", "--key-type", "ml-dsa-65"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ca(
        d,
        &[
            "issue",
            "--ca-dir",
            "pqca",
            "--key-type",
            "ml-dsa-44",
            "pq.example.test",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ca(
        d,
        &[
            "export",
            "--p12",
            "pq.p12",
            "--cert",
            "pq.example.test.pem",
            "--key",
            "pq.example.test-key.pem",
            "--chain",
            "pqca/root/cert.pem",
            "--password-file",
            "pw.txt",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning") && run.stderr.contains("ML-DSA-44"),
        "{}",
        run.stderr
    );

    let listed = openssl(
        d,
        &[
            "pkcs12",
            "-in",
            "pq.p12",
            "-passin",
            "file:pw.txt",
            "-nokeys",
        ],
    );
    let leaf_pem = std::fs::read_to_string(d.join("pq.example.test.pem")).unwrap();
    let root_pem = std::fs::read_to_string(d.join("pqca/root/cert.pem")).unwrap();
    for pem in [&leaf_pem, &root_pem] {
        let body = pem.lines().nth(1).unwrap();
        assert!(listed.stdout.contains(body), "{}", listed.stdout);
    }
    let keys = openssl_may_fail(
        d,
        &[
            "pkcs12",
            "-in",
            "pq.p12",
            "-passin",
            "file:pw.txt",
            "-nocerts",
            "-noenc",
        ],
    );
    assert!(
        keys.stderr.contains("2.16.840.1.101.3.4.3.17"),
        "OpenSSL should reach the ML-DSA-44 key bag: {}",
        keys.stderr
    );

    let p12 = std::fs::read(d.join("pq.p12")).unwrap();
    let store = p12_keystore::KeyStore::from_pkcs12(
        &p12,
        "correct horse",
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .unwrap();
    let (_, chain) = store
        .private_key_chain()
        .expect("a key and its certificates");
    let key_pem = std::fs::read(d.join("pq.example.test-key.pem")).unwrap();
    assert_eq!(
        chain.key().as_der(),
        pem::parse(key_pem).unwrap().contents()
    );
    assert_eq!(
        chain.certs()[0].as_der(),
        pem::parse(leaf_pem).unwrap().contents()
    );
}
