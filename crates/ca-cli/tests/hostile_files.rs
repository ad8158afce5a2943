//! Certificate files other tools (and attackers) write: names that do not decode, PEM files
//! with blocks `ca` cannot read, malformed extensions, odd times, negative serials, empty
//! RDNs. Each is built here: with rcgen, by editing DER, or with `openssl` (Debian package
//! `openssl`).

mod common;
mod hostile_support;

use common::*;
use hostile_support::*;
use rcgen::{CertificateParams, DnType, DnValue, KeyPair};

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

#[test]
fn truncated_csrs_and_crls_are_described_without_parser_internals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Truncation Root", None);
    let crl = root
        .crl(1, time::Duration::days(7), Vec::new())
        .der()
        .to_vec();
    openssl(
        d,
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "k.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-new",
            "-key",
            "k.pem",
            "-subj",
            "/CN=csr.test",
            "-outform",
            "DER",
            "-out",
            "csr.der",
        ],
    );
    let csr = std::fs::read(d.join("csr.der")).unwrap();
    for (label, der) in [("CERTIFICATE REQUEST", csr), ("X509 CRL", crl)] {
        // The outer length still claims the whole: the content ends too early.
        let cut = &der[..der.len() - 20];
        write(d, "cut.pem", pem_of(label, cut));
        let run = ca(d, &["inspect", "cut.pem"]);
        assert_eq!(run.code, 2, "{label}: {}", run.stdout);
        assert!(run.stderr.contains("truncated"), "{label}: {}", run.stderr);
        assert_no_parser_internals(label, &run.stderr);
    }
}
