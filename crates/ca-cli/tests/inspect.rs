//! `ca inspect`: certificates, bundles, CSRs, CRLs and keys, PEM or DER,
//! text and JSON, and clear exit-2 errors for bad input.

mod common;

use common::*;
use time::Duration;

#[test]
fn certificate_text_shows_the_fields_people_look_for() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca_cert = TestCa::new("Test Root", None);
    let leaf = ca_cert.leaf(
        &["www.example.test", "127.0.0.1"],
        -Duration::days(1),
        Duration::days(90),
    );
    write(d, "leaf.pem", &leaf.pem);
    let run = ca(d, &["inspect", "leaf.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = &run.stdout;
    for expected in [
        "Subject:",
        "CN=www.example.test",
        "Issuer:",
        "CN=Test Root",
        "(89 days left)",
        "DNS:www.example.test, IP:127.0.0.1",
        "ECDSA P-256",
        "Extended key usage: serverAuth",
        "Key usage:",
        "digitalSignature",
        "Authority key id:",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let fingerprint = openssl_fingerprint(d, "leaf.pem");
    assert!(
        text.contains(&fingerprint),
        "fingerprint {fingerprint} not in:\n{text}"
    );
    assert!(!text.contains("BEGIN"), "text output has no PEM");
}

#[test]
fn der_and_pem_give_the_same_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Constrained Root", Some("example.test"));
    write(d, "root.pem", &root.pem);
    write(d, "root.der", &root.der);
    let pem = json(&ca(d, &["inspect", "--json", "root.pem"]));
    let der = json(&ca(d, &["inspect", "--json", "root.der"]));
    assert_eq!(pem["encoding"], "pem");
    assert_eq!(der["encoding"], "der");
    assert_eq!(pem["objects"], der["objects"]);

    let cert = &pem["objects"][0];
    assert_eq!(cert["type"], "certificate");
    assert_eq!(cert["self_issued"], true);
    assert_eq!(cert["status"], "valid");
    assert_eq!(cert["public_key"]["key_type"], "ecdsa-p256");
    assert_eq!(cert["pem"].as_str().unwrap().trim(), root.pem.trim());
    let ext = &cert["extensions"];
    assert_eq!(ext["basic_constraints"]["ca"], true);
    assert_eq!(ext["basic_constraints"]["path_len"], 1);
    assert_eq!(
        ext["key_usage"]["values"],
        serde_json::json!(["keyCertSign", "cRLSign"])
    );
    assert_eq!(
        ext["name_constraints"]["permitted"],
        serde_json::json!([{"type": "dns", "value": "example.test"}])
    );
    assert_eq!(
        ext["name_constraints"]["excluded"],
        serde_json::json!([{"type": "ip", "value": "10.0.0.0/8"}])
    );
    assert_eq!(cert["sha256"], openssl_fingerprint(d, "root.pem"));
    let serial = openssl(d, &["x509", "-in", "root.pem", "-noout", "-serial"]);
    let mut serial = serial
        .stdout
        .trim()
        .trim_start_matches("serial=")
        .to_lowercase();
    while serial.starts_with("00") {
        serial.drain(..2);
    }
    assert_eq!(cert["serial"].as_str().unwrap(), serial);
}

#[test]
fn bundle_from_stdin_lists_every_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Bundle Root", None);
    let leaf = root.leaf(&["a.test"], -Duration::days(1), Duration::days(10));
    let bundle = format!("{}{}", leaf.pem, root.pem);
    let run = ca_stdin(d, &["inspect", "-"], bundle.as_bytes());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("[1/2] Certificate"), "{}", run.stdout);
    assert!(
        run.stdout.contains("[2/2] CA certificate"),
        "{}",
        run.stdout
    );
    let run = ca_stdin(d, &["inspect", "--json", "-"], bundle.as_bytes());
    let v = json(&run);
    assert_eq!(v["file"], "<stdin>");
    assert_eq!(v["objects"].as_array().unwrap().len(), 2);
}

#[test]
fn expired_and_future_certificates_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    let old = root.leaf(
        &["old.test"],
        -Duration::days(30),
        -Duration::days(3) - Duration::hours(1),
    );
    let future = root.leaf(&["new.test"], Duration::days(2), Duration::days(40));
    write(d, "old.pem", &old.pem);
    write(d, "future.pem", &future.pem);
    let run = ca(d, &["inspect", "old.pem"]);
    assert!(run.stdout.contains("expired 3 days ago"), "{}", run.stdout);
    let v = json(&ca(d, &["inspect", "--json", "old.pem"]));
    assert_eq!(v["objects"][0]["status"], "expired");
    assert_eq!(v["objects"][0]["days_left"], -4);
    let v = json(&ca(d, &["inspect", "--json", "future.pem"]));
    assert_eq!(v["objects"][0]["status"], "not_yet_valid");
    assert!(ca(d, &["inspect", "future.pem"])
        .stdout
        .contains("not yet valid;"));
}

#[test]
fn csr_from_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "k.pem",
            "-out",
            "r.csr",
            "-subj",
            "/CN=csr.example.test/O=Example",
            "-addext",
            "subjectAltName=DNS:csr.example.test,email:admin@example.test",
        ],
    );
    let run = ca(d, &["inspect", "r.csr"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Certificate request (CSR)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(valid)"), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("DNS:csr.example.test, email:admin@example.test"));
    assert!(run.stdout.contains("RSA 2048 bits"), "{}", run.stdout);
    let v = json(&ca(d, &["inspect", "--json", "r.csr"]));
    let csr = &v["objects"][0];
    assert_eq!(csr["type"], "certificate_request");
    assert_eq!(csr["signature_valid"], true);
    assert_eq!(csr["public_key"]["key_type"], "rsa-2048");
    assert!(csr["subject"].as_str().unwrap().contains("O=Example"));
    assert!(csr["pem"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
}

#[test]
fn crl_entries_numbers_and_times() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("CRL Root", None);
    let now = time::OffsetDateTime::now_utc();
    let revoked = rcgen::RevokedCertParams {
        serial_number: rcgen::SerialNumber::from_slice(&[0x0a, 0xbc]),
        revocation_time: now - Duration::days(1),
        reason_code: Some(rcgen::RevocationReason::KeyCompromise),
        invalidity_date: None,
    };
    let crl = root.crl(42, Duration::days(7), vec![revoked]);
    write(d, "root.crl", crl.pem().unwrap());
    write(d, "root.crl.der", crl.der());
    let run = ca(d, &["inspect", "root.crl"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("CRL number:"), "{}", run.stdout);
    assert!(run.stdout.contains("42"), "{}", run.stdout);
    assert!(run.stdout.contains("(6 days left)"), "{}", run.stdout);
    assert!(run.stdout.contains("0abc at"), "{}", run.stdout);
    assert!(run.stdout.contains("keyCompromise"), "{}", run.stdout);
    let v = json(&ca(d, &["inspect", "--json", "root.crl.der"]));
    let c = &v["objects"][0];
    assert_eq!(c["type"], "crl");
    assert_eq!(c["crl_number"], "42");
    assert_eq!(c["entries"][0]["serial"], "0abc");
    assert_eq!(c["entries"][0]["reason"], "keyCompromise");
    assert!(c["issuer"].as_str().unwrap().contains("CRL Root"));
    // openssl agrees on what we parsed.
    let text = openssl(d, &["crl", "-in", "root.crl", "-noout", "-text"]).stdout;
    assert!(text.contains("0ABC"), "{text}");
}

/// Our public-key fingerprint is the SHA-256 of the DER SubjectPublicKeyInfo.
fn openssl_public_key_sha256(d: &std::path::Path, key: &str, passin: Option<&str>) -> String {
    let mut args = vec![
        "pkey", "-in", key, "-pubout", "-outform", "DER", "-out", "pub.der",
    ];
    if let Some(p) = passin {
        args.extend(["-passin", p]);
    }
    openssl(d, &args);
    openssl(d, &["dgst", "-sha256", "-r", "pub.der"])
        .stdout
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn keys_in_every_format_show_public_information_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-out",
            "p8.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-out",
            "sec1.pem",
        ],
    );
    openssl(d, &["genrsa", "-traditional", "-out", "rsa1.pem", "2048"]);
    openssl(d, &["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"]);
    openssl(
        d,
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "p8.pem", "-outform", "DER", "-out", "p8.der",
        ],
    );
    // OpenSSL 3.0 writes EC keys as SEC1 when asked for DER.
    openssl(
        d,
        &[
            "pkey", "-in", "p8.pem", "-outform", "DER", "-out", "sec1.der",
        ],
    );
    openssl(d, &["pkey", "-in", "p8.pem", "-pubout", "-out", "p8.pub"]);
    let cases = [
        ("p8.pem", "PKCS#8", "ecdsa-p384"),
        ("p8.der", "PKCS#8", "ecdsa-p384"),
        ("sec1.pem", "SEC1", "ecdsa-p256"),
        ("sec1.der", "SEC1", "ecdsa-p384"),
        ("rsa1.pem", "PKCS#1", "rsa-2048"),
        ("ed.pem", "PKCS#8", "ed25519"),
        ("p8.pub", "SubjectPublicKeyInfo", "ecdsa-p384"),
    ];
    for (file, format, key_type) in cases {
        let run = ca(d, &["inspect", file]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(
            !run.stdout.contains("PRIVATE KEY"),
            "{file}: {}",
            run.stdout
        );
        let v = json(&ca(d, &["inspect", "--json", file]));
        let k = &v["objects"][0];
        assert_eq!(k["type"], "key", "{file}");
        assert_eq!(k["format"], format, "{file}");
        assert_eq!(k["public_key"]["key_type"], key_type, "{file}");
        let source = match file {
            "p8.pub" | "p8.der" | "sec1.der" => "p8.pem",
            other => other,
        };
        let expected = openssl_public_key_sha256(d, source, None);
        assert_eq!(k["public_key"]["sha256"], expected, "{file}");
        let text = serde_json::to_string(&v).unwrap();
        assert!(
            !text.contains("PRIVATE KEY"),
            "{file}: JSON shows a private key"
        );
        if file.ends_with(".pem") && !file.ends_with(".pub") {
            // The key's first base64 line (where the secret starts) shows up nowhere.
            let body = std::fs::read_to_string(d.join(file)).unwrap();
            let key_block = &body[body.find("PRIVATE KEY-----").unwrap()..];
            let first = key_block.lines().nth(1).unwrap();
            assert!(
                !run.stdout.contains(first) && !text.contains(first),
                "{file} leaked"
            );
        }
    }
}

#[test]
fn encrypted_key_needs_its_passphrase_for_the_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "pass.txt", "s3cret\n");
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "plain.pem",
        ],
    );
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "plain.pem",
            "-out",
            "enc.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "file:pass.txt",
        ],
    );
    let run = ca(d, &["inspect", "enc.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("encrypted PKCS#8"), "{}", run.stdout);
    assert!(run.stdout.contains("--passphrase-file"), "{}", run.stdout);
    let v = json(&ca(
        d,
        &[
            "inspect",
            "--json",
            "--passphrase-file",
            "pass.txt",
            "enc.pem",
        ],
    ));
    assert_eq!(v["objects"][0]["encrypted"], true);
    assert_eq!(
        v["objects"][0]["public_key"]["sha256"],
        openssl_public_key_sha256(d, "plain.pem", None)
    );
    write(d, "wrong.txt", "nope\n");
    let run = ca(d, &["inspect", "--passphrase-file", "wrong.txt", "enc.pem"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("enc.pem") && run.stderr.contains("passphrase"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root", None);
    write(d, "empty.pem", "");
    write(d, "blank.pem", "\n\n  \n");
    write(
        d,
        "garbage.bin",
        [0x30u8, 0x03, 0x02, 0x01, 0x05, 0xff, 0xfe],
    );
    write(d, "text.txt", "hello, world\n");
    write(d, "truncated.pem", &root.pem[..root.pem.len() / 2]);
    write(d, "truncated.der", &root.der[..root.der.len() - 10]);
    let mut damaged = root.pem.clone();
    damaged.replace_range(80..84, "!!!!");
    write(d, "damaged.pem", damaged);
    write(
        d,
        "unknown.pem",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    let cases = [
        ("empty.pem", "empty"),
        ("blank.pem", "empty"),
        ("garbage.bin", "DER"),
        ("text.txt", "BEGIN"),
        ("truncated.pem", "truncated"),
        ("truncated.der", "truncated"),
        ("damaged.pem", "base64"),
        ("unknown.pem", "OPENSSH PRIVATE KEY"),
        ("missing.pem", "cannot read"),
    ];
    for (file, words) in cases {
        let run = ca(d, &["inspect", file]);
        assert_eq!(run.code, 2, "{file}: {}", run.stdout);
        assert!(run.stderr.contains(file), "{file}: {}", run.stderr);
        assert!(run.stderr.contains(words), "{file}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{file}");
    }
    let run = ca_stdin(d, &["inspect", "-"], b"");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("<stdin>") && run.stderr.contains("empty"),
        "{}",
        run.stderr
    );
}
