//! Files other tools (and attackers) write: names that do not decode, compressed EC points,
//! large RSA keys, legacy encrypted keys, mixed PEM files, odd curves, malformed extensions,
//! odd times and negative serials. Each is built here: with rcgen, by editing DER, or with
//! `openssl` (Debian package `openssl`).

mod common;

use std::path::Path;

use common::*;
use rcgen::{CertificateParams, DnType, DnValue, KeyPair};

/// `der` with the first occurrence of `from` replaced by `to` (same length: the DER lengths
/// stay right; the signature no longer verifies, which `inspect` does not check).
fn replace_bytes(der: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = der
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{from:?} not in the DER"));
    let mut out = der.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

fn pem_of(label: &str, der: &[u8]) -> String {
    let b64 = base64_encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A self-signed certificate with these subject attributes.
fn self_signed(attrs: &[(DnType, &str)]) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    for (t, v) in attrs {
        params
            .distinguished_name
            .push(t.clone(), DnValue::Utf8String(v.to_string()));
    }
    params.self_signed(&key).unwrap().der().to_vec()
}

fn inspect_json(d: &Path, file: &str) -> serde_json::Value {
    let run = ca(d, &["inspect", "--json", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run)
}

#[test]
fn a_name_with_invalid_utf8_shows_the_readable_attributes_and_marks_the_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let der = self_signed(&[
        (DnType::OrganizationName, "Readable Org"),
        (DnType::CommonName, "bad-XY-name"),
    ]);
    // Both subject and issuer (self-signed): 0xff 0xfe is never UTF-8.
    let der = replace_bytes(&der, b"-XY-", b"-\xff\xfe-");
    let der = replace_bytes(&der, b"-XY-", b"-\xff\xfe-");
    std::fs::write(d.join("bad.der"), &der).unwrap();
    let run = ca(d, &["inspect", "bad.der"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains("X509Error"), "{}", run.stdout);
    let (o, cn) = (
        "O=Readable Org",
        "CN=bad-\\xff\\xfe-name (invalid UTF8String)",
    );
    let (first, second) = if der_order_has_cn_first(&der) {
        (cn, o)
    } else {
        (o, cn)
    };
    let expected = format!("{first}, {second}");
    let line = |label: &str| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in {}", run.stdout))
            .split_once(": ")
            .unwrap()
            .1
            .trim()
            .to_string()
    };
    assert_eq!(line("Subject:"), expected);
    assert_eq!(line("Issuer:"), format!("{expected} (self-issued)"));
    let report = inspect_json(d, "bad.der");
    assert_eq!(report["objects"][0]["subject"], expected.as_str());
    assert_eq!(report["objects"][0]["issuer"], expected.as_str());
}

/// rcgen decides the order of attributes; the test follows the DER.
fn der_order_has_cn_first(der: &[u8]) -> bool {
    let find = |oid: &[u8]| der.windows(3).position(|w| w == oid).unwrap();
    find(&[0x55, 0x04, 0x03]) < find(&[0x55, 0x04, 0x0a])
}

fn public_key_sha256(report: &serde_json::Value) -> String {
    report["objects"][0]["public_key"]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_key_stored_compressed_and_its_certificate_have_one_public_key_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for curve in ["prime256v1", "secp384r1"] {
        openssl(
            d,
            &[
                "ecparam", "-name", curve, "-genkey", "-noout", "-out", "key.pem",
            ],
        );
        // The same key with its point compressed, and a certificate carrying that form.
        openssl(
            d,
            &[
                "ec",
                "-in",
                "key.pem",
                "-conv_form",
                "compressed",
                "-out",
                "key-c.pem",
            ],
        );
        openssl(
            d,
            &[
                "ec",
                "-in",
                "key.pem",
                "-conv_form",
                "compressed",
                "-pubout",
                "-out",
                "pub-c.pem",
            ],
        );
        openssl(
            d,
            &[
                "req",
                "-new",
                "-x509",
                "-key",
                "key-c.pem",
                "-subj",
                "/CN=compressed",
                "-days",
                "30",
                "-out",
                "cert.pem",
            ],
        );
        let point = openssl(d, &["x509", "-in", "cert.pem", "-noout", "-text"]).stdout;
        assert!(
            point.contains("pub:\n                    02")
                || point.contains("pub:\n                    03"),
            "{curve}: openssl wrote the certificate's point compressed:\n{point}"
        );
        let cert = inspect_json(d, "cert.pem");
        let key = inspect_json(d, "key.pem");
        let public = inspect_json(d, "pub-c.pem");
        assert_eq!(public_key_sha256(&cert), public_key_sha256(&key), "{curve}");
        assert_eq!(
            public_key_sha256(&public),
            public_key_sha256(&key),
            "{curve}"
        );
        assert_eq!(
            cert["objects"][0]["public_key"]["sha256_note"],
            "EC point stored compressed; hashed uncompressed"
        );
        assert!(key["objects"][0]["public_key"].get("sha256_note").is_none());
        // The uncompressed form is what openssl hashes for the usual (uncompressed) key.
        openssl(
            d,
            &[
                "pkey", "-in", "key.pem", "-pubout", "-outform", "DER", "-out", "pub.der",
            ],
        );
        let digest = openssl(d, &["dgst", "-sha256", "-r", "pub.der"]).stdout;
        assert!(digest.starts_with(&public_key_sha256(&key)), "{digest}");
        let text = ca(d, &["inspect", "cert.pem"]).stdout;
        assert!(
            text.contains("(EC point stored compressed; hashed uncompressed)"),
            "{text}"
        );
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/hostile")
        .join(name)
}

#[test]
fn an_8192_bit_rsa_key_is_read_inspected_and_verified_and_signing_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(fixture("rsa-8192-key.pem"), d.join("root-key.pem")).unwrap();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "root-key.pem",
            "-subj",
            "/CN=Big Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "leaf-key.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf-key.pem",
            "-subj",
            "/CN=leaf.test",
            "-out",
            "leaf.csr",
        ],
    );
    write(
        d,
        "ext.cnf",
        "subjectAltName=DNS:leaf.test\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "root.pem",
            "-CAkey",
            "root-key.pem",
            "-days",
            "20",
            "-extfile",
            "ext.cnf",
            "-out",
            "leaf.pem",
        ],
    );

    let key = inspect_json(d, "root-key.pem");
    assert_eq!(key["objects"][0]["public_key"]["key_type"], "rsa-8192");
    let cert = inspect_json(d, "root.pem");
    assert_eq!(cert["objects"][0]["public_key"]["bits"], 8192);
    assert_eq!(
        public_key_sha256(&key),
        public_key_sha256(&cert),
        "the key and its certificate match"
    );
    let run = ca(
        d,
        &[
            "verify",
            "leaf.pem",
            "--roots",
            "root.pem",
            "--host",
            "leaf.test",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Signing: ring takes RSA keys up to 4096 bits; the refusal says so and what to do.
    let run = ca(
        d,
        &[
            "init",
            "--ca-dir",
            "ca",
            "--import-cert",
            "root.pem",
            "--import-key",
            "root-key.pem",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("8192-bit RSA key cannot sign here")
            && run.stderr.contains("at most 4096 bits"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("ring: TooLarge"), "{}", run.stderr);
}

#[test]
fn keys_encrypted_with_the_pkcs12_pbe_schemes_are_read_and_others_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "plain.pem",
        ],
    );
    write(d, "pass", "correct horse\n");
    write(d, "wrong", "wrong horse\n");
    let plain = public_key_sha256(&inspect_json(d, "plain.pem"));
    // RC2 and RC4 live in OpenSSL 3's legacy provider (in Debian's libssl3).
    let legacy = ["-provider", "legacy", "-provider", "default"];
    for (scheme, needs_legacy) in [
        ("PBE-SHA1-3DES", false),
        ("PBE-SHA1-2DES", false),
        ("PBE-SHA1-RC2-40", true),
        ("PBE-SHA1-RC2-128", true),
    ] {
        let out = format!("{scheme}.pem");
        let mut args = vec!["pkcs8", "-topk8", "-v1", scheme, "-in", "plain.pem"];
        if needs_legacy {
            args.extend(legacy);
        }
        args.extend(["-passout", "file:pass", "-out", &out]);
        openssl(d, &args);
        let run = ca(d, &["inspect", "--json", "--passphrase-file", "pass", &out]);
        assert_eq!(run.code, 0, "{scheme}: {}", run.stderr);
        let key = json(&run);
        assert_eq!(key["objects"][0]["encrypted"], true);
        assert_eq!(public_key_sha256(&key), plain, "{scheme}");
        let run = ca(d, &["inspect", "--passphrase-file", "wrong", &out]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("wrong passphrase"),
            "{scheme}: {}",
            run.stderr
        );
    }
    // Usable to sign: a CA imported with a 3DES-encrypted key issues.
    openssl(
        d,
        &[
            "req",
            "-new",
            "-x509",
            "-key",
            "plain.pem",
            "-subj",
            "/CN=Legacy Key Root",
            "-days",
            "30",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    let run = ca(
        d,
        &[
            "init",
            "--ca-dir",
            "ca",
            "--import-cert",
            "root.pem",
            "--import-key",
            "PBE-SHA1-3DES.pem",
            "--passphrase-file",
            "pass",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = ca(
        d,
        &[
            "issue",
            "--ca-dir",
            "ca",
            "--ca-passphrase-file",
            "pass",
            "web.test",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // RC4 is not read: the error names the scheme.
    let mut args = vec![
        "pkcs8",
        "-topk8",
        "-v1",
        "PBE-SHA1-RC4-128",
        "-in",
        "plain.pem",
    ];
    args.extend(legacy);
    args.extend(["-passout", "file:pass", "-out", "rc4.pem"]);
    openssl(d, &args);
    let run = ca(d, &["inspect", "--passphrase-file", "pass", "rc4.pem"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("pbeWithSHAAnd128BitRC4 (1.2.840.113549.1.12.1.1)")
            && run.stderr.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("malformed ASN.1"), "{}", run.stderr);
}

#[test]
fn a_pem_file_shows_every_block_it_can_read_and_reports_the_others_one_by_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Mixed Root", None);
    let leaf = root.leaf(
        &["mixed.test"],
        time::Duration::days(-1),
        time::Duration::days(10),
    );
    // An Ed448 key (not read by `ca`), a damaged key and an unknown label, between two
    // good certificates.
    openssl(d, &["genpkey", "-algorithm", "ed448", "-out", "ed448.pem"]);
    let ed448 = std::fs::read_to_string(d.join("ed448.pem")).unwrap();
    let damaged = pem_of("PRIVATE KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
    let unknown = pem_of("SSH2 THING", b"whatever");
    write(
        d,
        "mixed.pem",
        format!("{}{ed448}{damaged}{unknown}{}", leaf.pem, root.pem),
    );
    let run = ca(d, &["inspect", "mixed.pem"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let text = &run.stdout;
    for expected in [
        "[1/5] Certificate",
        "CN=mixed.test",
        "[2/5] Unreadable block",
        "Ed448 keys are not supported",
        "[3/5] Unreadable block",
        "'PRIVATE KEY' is not a valid PKCS#8 private key",
        "[4/5] Unreadable block",
        "unsupported PEM label 'SSH2 THING'",
        "[5/5] CA certificate",
        "CN=Mixed Root",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(
        run.stderr
            .contains("mixed.pem: 3 of 5 blocks could not be read"),
        "{}",
        run.stderr
    );
    let run = ca(d, &["inspect", "--json", "mixed.pem"]);
    assert_eq!(run.code, 2);
    let report = json(&run);
    let types: Vec<&str> = report["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "certificate",
            "unreadable",
            "unreadable",
            "unreadable",
            "certificate"
        ]
    );
    assert_eq!(report["objects"][1]["block"], 2);
    assert!(report["objects"][1]["error"]
        .as_str()
        .unwrap()
        .contains("Ed448"));
}

/// DER tag-length-value, with long-form lengths.
fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

/// The DER element starting at `at`: (tag, header length, body length).
fn element(der: &[u8], at: usize) -> (u8, usize, usize) {
    match der[at + 1] {
        n if n < 0x80 => (der[at], 2, n as usize),
        0x81 => (der[at], 3, der[at + 2] as usize),
        _ => (
            der[at],
            4,
            (der[at + 2] as usize) << 8 | der[at + 3] as usize,
        ),
    }
}

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];

#[test]
fn ec_keys_without_a_named_curve_are_of_an_unknown_curve_never_p256() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let refused_as_unknown = |file: &str, why: &str| {
        let run = ca(d, &["inspect", file]);
        assert_eq!(run.code, 2, "{file}: {}", run.stdout);
        assert!(
            run.stderr.contains("unknown curve") && run.stderr.contains(why),
            "{file}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("P-256"), "{file}: {}", run.stdout);
    };

    // A secp256k1 SEC1 key with its parameters cut out: a 32-byte scalar, like P-256's.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "secp256k1",
            "-genkey",
            "-noout",
            "-outform",
            "DER",
            "-out",
            "k1.der",
        ],
    );
    let sec1 = std::fs::read(d.join("k1.der")).unwrap();
    let (_, head, _) = element(&sec1, 0);
    let mut body = Vec::new();
    let mut at = head;
    while at < sec1.len() {
        let (tag, h, n) = element(&sec1, at);
        if tag != 0xa0 {
            body.extend_from_slice(&sec1[at..at + h + n]);
        }
        at += h + n;
    }
    std::fs::write(d.join("no-params.der"), tlv(0x30, &body)).unwrap();
    refused_as_unknown("no-params.der", "names no curve");

    // Explicit curve parameters (the P-256 domain spelled out): private key and public key.
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-param_enc",
            "explicit",
            "-out",
            "explicit.pem",
        ],
    );
    refused_as_unknown("explicit.pem", "explicit parameters");
    openssl(
        d,
        &["pkey", "-in", "explicit.pem", "-out", "explicit-p8.pem"],
    );
    refused_as_unknown("explicit-p8.pem", "names no curve");
    openssl(
        d,
        &[
            "pkey",
            "-in",
            "explicit.pem",
            "-pubout",
            "-out",
            "explicit-pub.pem",
        ],
    );
    let run = ca(d, &["inspect", "explicit-pub.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("EC, unknown curve"), "{}", run.stdout);
    assert!(!run.stdout.contains("P-256"), "{}", run.stdout);
    let report = inspect_json(d, "explicit-pub.pem");
    assert_eq!(
        report["objects"][0]["public_key"]["key_type"],
        "ec-unknown-curve"
    );

    // Contradictory: PKCS#8 says P-384, the SEC1 key inside says P-256.
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
            "p256.der",
        ],
    );
    let inner = std::fs::read(d.join("p256.der")).unwrap();
    let mut algorithm = tlv(0x06, OID_EC_PUBLIC_KEY);
    algorithm.extend(tlv(0x06, OID_P384));
    let mut pkcs8 = vec![0x02, 0x01, 0x00];
    pkcs8.extend(tlv(0x30, &algorithm));
    pkcs8.extend(tlv(0x04, &inner));
    std::fs::write(d.join("contradictory.der"), tlv(0x30, &pkcs8)).unwrap();
    refused_as_unknown("contradictory.der", "contradictory curves");
}

/// As [`replace_bytes`], for the first occurrence after `marker`.
fn replace_after(der: &[u8], marker: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let start = der
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("marker in the DER");
    let mut out = der[..start].to_vec();
    out.extend(replace_bytes(&der[start..], from, to));
    out
}

const PARSER_INTERNALS: [&str; 5] = [
    "Parsing requires",
    "NomError",
    "invalid GeneralName",
    "Parsing Error",
    "BER error",
];

fn assert_no_parser_internals(what: &str, text: &str) {
    for word in PARSER_INTERNALS {
        assert!(!text.contains(word), "{what}: {word:?} in:\n{text}");
    }
}

#[test]
fn inspect_and_verify_give_one_verdict_in_the_files_terms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Verdict Root", None);
    // A dNSName that is not ASCII (x509-parser: "invalid GeneralName [2]").
    let leaf = root.leaf(
        &["zzzz.test"],
        time::Duration::days(-1),
        time::Duration::days(10),
    );
    let san = replace_after(&leaf.der, &[0x55, 0x1d, 0x11], b"zzzz", b"\xff\xfe\xfd\xfc");
    write(d, "bad-san.pem", pem_of("CERTIFICATE", &san));
    // basicConstraints whose SEQUENCE claims one byte more than it has ("Parsing requires").
    let bc = replace_bytes(
        &root.der,
        &[0x04, 0x08, 0x30, 0x06, 0x01, 0x01, 0xff],
        &[0x04, 0x08, 0x30, 0x07, 0x01, 0x01, 0xff],
    );
    write(d, "bad-bc-root.pem", pem_of("CERTIFICATE", &bc));
    write(d, "root.pem", &root.pem);
    write(d, "leaf.pem", &leaf.pem);

    let cases = [
        (
            "bad-san.pem",
            "extension 2.5.29.17 (subjectAltName): a malformed dNSName ([2]): not an IA5String (ASCII text)",
        ),
        (
            "bad-bc-root.pem",
            "extension 2.5.29.19 (basicConstraints): its value ends too early (truncated)",
        ),
    ];
    for (file, words) in cases {
        // inspect shows the certificate and marks what verify will refuse, in its words.
        let run = ca(d, &["inspect", file]);
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(
            run.stdout
                .contains(&format!("REFUSED as malformed: {words}")),
            "{file}:\n{}",
            run.stdout
        );
        assert_no_parser_internals(file, &run.stdout);
        let report = inspect_json(d, file);
        assert_eq!(report["objects"][0]["verify_refuses"], words, "{file}");
    }
    // verify refuses the same leaf with the same words.
    let run = ca(
        d,
        &[
            "verify",
            "bad-san.pem",
            "--roots",
            "root.pem",
            "--host",
            "zzzz.test",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains(cases[0].1), "{}", run.stderr);
    assert_no_parser_internals("verify", &run.stderr);
    // ... and the root, given in PEM, without advice to give it in PEM or DER.
    let run = ca(
        d,
        &[
            "verify",
            "leaf.pem",
            "--roots",
            "bad-bc-root.pem",
            "--host",
            "zzzz.test",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains(cases[1].1), "{}", run.stderr);
    assert!(!run.stderr.contains("PEM or DER"), "{}", run.stderr);
    assert_no_parser_internals("verify --roots", &run.stderr);
    // A well-formed certificate carries no verdict.
    assert!(inspect_json(d, "leaf.pem")["objects"][0]
        .get("verify_refuses")
        .is_none());

    // A certificate neither can read (truncated): the same words from both.
    let truncated = &leaf.der[..leaf.der.len() - 40];
    std::fs::write(d.join("truncated.der"), truncated).unwrap();
    let run = ca(d, &["inspect", "truncated.der"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("truncated"), "{}", run.stderr);
    assert_no_parser_internals("inspect truncated", &run.stderr);
    let run = ca(d, &["verify", "truncated.der", "--roots", "root.pem"]);
    assert_ne!(run.code, 0);
    assert_no_parser_internals("verify truncated", &run.stderr);
}

/// The elements of a DER SEQUENCE's content, whole.
fn children(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < content.len() {
        let (_, h, n) = element(content, at);
        out.push(content[at..at + h + n].to_vec());
        at += h + n;
    }
    out
}

fn content(whole: &[u8]) -> &[u8] {
    let (_, h, n) = element(whole, 0);
    &whole[h..h + n]
}

/// `der` with notBefore replaced by `not_before` (a whole TLV); lengths re-encoded. The
/// signature no longer verifies: these files are refused before it is checked.
fn with_not_before(der: &[u8], not_before: &[u8]) -> Vec<u8> {
    let cert = children(content(der));
    let mut tbs = children(content(&cert[0]));
    let validity_at = if tbs[0][0] == 0xa0 { 4 } else { 3 };
    let mut validity = children(content(&tbs[validity_at]));
    validity[0] = not_before.to_vec();
    tbs[validity_at] = tlv(0x30, &validity.concat());
    let mut body = tlv(0x30, &tbs.concat());
    body.extend(cert[1..].concat());
    tlv(0x30, &body)
}

#[test]
fn both_time_encodings_follow_rfc5280_the_same_way_in_inspect_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Time Root", None);
    write(d, "root.pem", &root.pem);
    let leaf = root.leaf(
        &["time.test"],
        time::Duration::days(-1),
        time::Duration::days(10),
    );
    // A UTCTime with an offset (x509-parser accepts it) and a GeneralizedTime without Z
    // (x509-parser refuses it): RFC 5280 4.1.2.5 forbids both alike.
    let offset = with_not_before(&leaf.der, &tlv(0x17, b"2601010000+0100"));
    let no_z = with_not_before(&leaf.der, &tlv(0x18, b"20260101000000"));
    let fraction = with_not_before(&leaf.der, &tlv(0x18, b"20260101000000.5Z"));
    write(d, "offset.pem", pem_of("CERTIFICATE", &offset));
    let offset_seconds = with_not_before(&leaf.der, &tlv(0x17, b"260101000000+0100"));
    write(
        d,
        "offset-seconds.pem",
        pem_of("CERTIFICATE", &offset_seconds),
    );
    write(d, "no-z.pem", pem_of("CERTIFICATE", &no_z));
    write(d, "fraction.pem", pem_of("CERTIFICATE", &fraction));
    for (file, form, value) in [
        ("offset.pem", "UTCTime", "2601010000+0100"),
        ("offset-seconds.pem", "UTCTime", "260101000000+0100"),
        ("no-z.pem", "GeneralizedTime", "20260101000000"),
        ("fraction.pem", "GeneralizedTime", "20260101000000.5Z"),
    ] {
        let words = format!("the validity dates: notBefore is the {form} \"{value}\"");
        // Refused: exit 1 when x509-parser reads the file (the verifier refuses it), 2 when
        // the file cannot be read as a certificate at all; the same words either way.
        let run = ca(
            d,
            &["verify", file, "--roots", "root.pem", "--host", "time.test"],
        );
        assert!(run.code == 1 || run.code == 2, "{file}: {}", run.stderr);
        assert!(
            run.stderr.contains(&words) && run.stderr.contains("RFC 5280 4.1.2.5"),
            "{file}: {}",
            run.stderr
        );
        // inspect: shown with the verdict when x509-parser reads it, else refused; the same
        // words either way.
        let run = ca(d, &["inspect", file]);
        let said = format!("{}{}", run.stdout, run.stderr);
        assert!(said.contains(&words), "{file}: {said}");
        if run.code == 0 {
            assert!(said.contains("REFUSED as malformed"), "{file}: {said}");
        }
    }
    // The well-formed encodings of both are read: UTCTime and GeneralizedTime with Z.
    let generalized = with_not_before(&leaf.der, &tlv(0x18, b"20260101000000Z"));
    write(d, "generalized.pem", pem_of("CERTIFICATE", &generalized));
    let report = inspect_json(d, "generalized.pem");
    assert_eq!(report["objects"][0]["not_before"], "2026-01-01T00:00:00Z");
    assert!(report["objects"][0].get("verify_refuses").is_none());
}

#[test]
fn a_negative_serial_is_printed_as_the_signed_number_it_is_and_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["neg.test".to_string()]).unwrap();
    params.serial_number = Some(rcgen::SerialNumber::from(vec![0x11, 0x22, 0x33]));
    let der = params.self_signed(&key).unwrap().der().to_vec();
    // INTEGER ff 22 33 is -0x00ddcd (two's complement), as some CAs have written.
    let der = replace_bytes(
        &der,
        &[0x02, 0x03, 0x11, 0x22, 0x33],
        &[0x02, 0x03, 0xff, 0x22, 0x33],
    );
    std::fs::write(d.join("neg.der"), &der).unwrap();
    let run = ca(d, &["inspect", "neg.der"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("-ddcd (NEGATIVE: RFC 5280 4.1.2.2 requires a positive serial number)"),
        "{}",
        run.stdout
    );
    let report = inspect_json(d, "neg.der");
    assert_eq!(report["objects"][0]["serial"], "-ddcd");
    assert_eq!(report["objects"][0]["serial_negative"], true);
    // openssl agrees on the value.
    let openssl_serial = openssl(
        d,
        &[
            "x509", "-inform", "DER", "-in", "neg.der", "-noout", "-serial",
        ],
    );
    assert_eq!(openssl_serial.stdout.trim().to_lowercase(), "serial=-ddcd");
    // verify's walk shows it the same way (colon-separated, as its other serials).
    write(d, "neg.pem", pem_of("CERTIFICATE", &der));
    let run = ca(d, &["verify", "neg.pem", "--roots", "neg.pem", "--explain"]);
    assert!(run.stdout.contains("serial       -DD:CD"), "{}", run.stdout);
    // A positive serial carries no flag.
    let positive = CertificateParams::new(vec!["pos.test".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    write(d, "pos.pem", positive.pem());
    assert!(inspect_json(d, "pos.pem")["objects"][0]
        .get("serial_negative")
        .is_none());
}

/// `der` with tbsCertificate field `index` (counting from the serial number) replaced by
/// `field` (a whole TLV); lengths re-encoded.
fn with_tbs_field(der: &[u8], index: usize, field: &[u8]) -> Vec<u8> {
    let cert = children(content(der));
    let mut tbs = children(content(&cert[0]));
    let at = index + usize::from(tbs[0][0] == 0xa0);
    tbs[at] = field.to_vec();
    let mut body = tlv(0x30, &tbs.concat());
    body.extend(cert[1..].concat());
    tlv(0x30, &body)
}

#[test]
fn a_name_with_an_empty_rdn_gets_one_verdict_in_the_files_terms() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Empty RDN Root", None);
    write(d, "root.pem", &root.pem);
    let leaf = root.leaf(
        &["rdn.test"],
        time::Duration::days(-1),
        time::Duration::days(10),
    );
    // issuer (field 2 after serial and signature) = SEQUENCE { SET {} }: an RDN with no
    // attribute, which X.501 forbids (x509-parser: "NomError(Many1)").
    let der = with_tbs_field(&leaf.der, 2, &[0x30, 0x02, 0x31, 0x00]);
    write(d, "empty-rdn.pem", pem_of("CERTIFICATE", &der));
    let words = "the issuer name: an RDN with no attribute (RFC 5280 4.1.2.4";
    let run = ca(d, &["inspect", "empty-rdn.pem"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let inspect_said = run.stdout;
    assert!(
        inspect_said.contains(&format!("REFUSED as malformed: {words}")),
        "{inspect_said}"
    );
    assert_no_parser_internals("inspect", &inspect_said);
    let run = ca(d, &["verify", "empty-rdn.pem", "--roots", "root.pem"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains(words), "{}", run.stderr);
    assert_no_parser_internals("verify", &run.stderr);
}
