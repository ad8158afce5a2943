//! Untrusted text never reaches the terminal raw: certificates whose names hold each class of
//! control character (C0 with NUL, ESC, CR, LF and TAB; DEL; C1; bidi overrides) go through
//! every text output path of `ca` (inspect, verify with and without --explain, list, apply),
//! and no raw control byte comes out other than the line feeds and tabs of the layout itself.
//! The JSON outputs keep the exact value.

mod common;
#[path = "../../../tests/support/serve.rs"]
mod serve;

use std::path::Path;
use std::process::Command;

use common::*;
use rcgen::{
    CertificateParams, DnType, DnValue, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

/// One hostile piece per class of character a terminal may obey.
const CLASSES: [(&str, &str); 9] = [
    ("nul", "\0"),
    ("esc", "\x1b[2J\x1b[31m"),
    ("cr", "\r"),
    ("lf", "\n  Issuer: CN=Forged Root"),
    ("tab", "\t"),
    ("del", "\x7f"),
    ("c1", "\u{9b}2J\u{85}"),
    ("bidi", "\u{202e}gpj.exe"),
    ("isolate", "\u{2066}x\u{2069}"),
];

/// Byte offsets of raw control characters in `out`: every C0 byte except line feed and tab,
/// DEL, and the UTF-8 of C1 controls and bidi overrides/isolates.
fn raw_controls(out: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    for (i, b) in out.iter().enumerate() {
        let next = out.get(i + 1).copied().unwrap_or(0);
        let third = out.get(i + 2).copied().unwrap_or(0);
        let c0 = *b < 0x20 && *b != b'\n' && *b != b'\t';
        let c1 = *b == 0xc2 && (0x80..=0x9f).contains(&next);
        let bidi = *b == 0xe2
            && ((next == 0x80 && (0xaa..=0xae).contains(&third))
                || (next == 0x81 && (0xa6..=0xa9).contains(&third)));
        if c0 || *b == 0x7f || c1 || bidi {
            found.push(i);
        }
    }
    found
}

fn assert_clean(what: &str, out: &[u8]) {
    let found = raw_controls(out);
    assert!(
        found.is_empty(),
        "{what}: raw control bytes at {found:?} in:\n{}",
        String::from_utf8_lossy(out).escape_debug()
    );
    let text = String::from_utf8_lossy(out);
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("Issuer: CN=Forged")),
        "{what}: a forged line:\n{text}"
    );
}

/// A server leaf signed by `root` with `piece` in its CN, O and (when ASCII) a dNSName.
fn hostile_leaf(root: &TestCa, piece: &str) -> (String, String, Option<String>) {
    let (pem, cn, dns, _key) = hostile_leaf_with_key(root, piece);
    (pem, cn, dns)
}

/// [`hostile_leaf`], with the leaf's private key (PKCS#8 PEM), for a server to serve it.
fn hostile_leaf_with_key(root: &TestCa, piece: &str) -> (String, String, Option<String>, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["ok.example.test".to_string()]).unwrap();
    let cn = format!("evil{piece}cn");
    params
        .distinguished_name
        .push(DnType::CommonName, DnValue::Utf8String(cn.clone()));
    params.distinguished_name.push(
        DnType::OrganizationName,
        DnValue::Utf8String(format!("Org{piece}")),
    );
    let dns = piece
        .is_ascii()
        .then(|| format!("host{piece}.example.test"));
    if let Some(d) = &dns {
        params
            .subject_alt_names
            .push(SanType::DnsName(d.as_str().try_into().unwrap()));
    }
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(30);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &root.issuer()).unwrap();
    (cert.pem(), cn, dns, key.serialize_pem())
}

fn run_clean(d: &Path, what: &str, args: &[&str]) -> Run {
    let run = ca(d, args);
    assert_clean(&format!("{what} stdout"), &run.raw_stdout);
    assert_clean(&format!("{what} stderr"), run.stderr.as_bytes());
    run
}

#[test]
fn inspect_and_verify_escape_every_class_of_control_character() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The root's own name is hostile too: it shows in the leaf's issuer and in --explain.
    let root = TestCa::new("Root\x1b]0;owned\x07\u{202e}", None);
    write(d, "root.pem", &root.pem);
    for (class, piece) in CLASSES {
        let (pem, cn, dns) = hostile_leaf(&root, piece);
        let file = format!("{class}.pem");
        write(d, &file, &pem);

        let run = run_clean(d, &format!("inspect {class}"), &["inspect", &file]);
        assert_eq!(run.code, 0, "{class}: {}", run.stderr);
        assert!(run.stdout.contains("evil"), "{class}: {}", run.stdout);
        let run = run_clean(
            d,
            &format!("inspect --json {class}"),
            &["inspect", "--json", &file],
        );
        let cert = &json(&run)["objects"][0];
        let subject = cert["subject"].as_str().unwrap();
        assert!(subject.contains(&cn), "{class}: JSON subject {subject:?}");
        if let Some(dns) = &dns {
            assert!(
                cert["names"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["value"] == dns.as_str()),
                "{class}: JSON names {}",
                cert["names"]
            );
        }

        // Wrong host: the refusal quotes the subject and the names.
        let verify = [
            "verify",
            &file,
            "--roots",
            "root.pem",
            "--host",
            "other.test",
        ];
        let run = run_clean(d, &format!("verify {class}"), &verify);
        assert_ne!(run.code, 0);
        let mut explain = verify.to_vec();
        explain.push("--explain");
        run_clean(d, &format!("verify --explain {class}"), &explain);
        let mut as_json = verify.to_vec();
        as_json.push("--json");
        let run = run_clean(d, &format!("verify --json {class}"), &as_json);
        let report = json(&run);
        assert!(
            report["error"]["subject"].as_str().unwrap().contains(&cn),
            "{class}: {}",
            report["error"]
        );
        // Right host, the path-validation profile alone: the summary of a valid chain names
        // every certificate (the CA/B profile refuses a non-ASCII CN, and the rfc5280 profile a
        // dNSName outside preferred name syntax, RFC 5280 4.2.1.6: other messages).
        let valid = [
            "verify",
            &file,
            "--roots",
            "root.pem",
            "--host",
            "ok.example.test",
            "--profile",
            "pkix",
        ];
        let run = run_clean(d, &format!("verify (valid) {class}"), &valid);
        assert_eq!(run.code, 0, "{class}: {}", run.stderr);
        let mut explain = valid.to_vec();
        explain.push("--explain");
        run_clean(d, &format!("verify --explain (valid) {class}"), &explain);
    }
}

#[test]
fn list_escapes_what_the_index_holds() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca_dir = d.join("ca");
    let ca_dir_arg = ca_dir.to_str().unwrap();
    let run = ca(d, &["init", "--ca-dir", ca_dir_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The index is a file on disk; whatever it holds (the subject of a signed CSR, a hand
    // edit) is printed escaped.
    let index = ca_dir.join("index.jsonl");
    let text = std::fs::read_to_string(&index).unwrap();
    let mut entry: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let hostile: String = CLASSES.iter().map(|(_, p)| *p).collect();
    entry["subject"] = serde_json::json!(format!("CN={hostile}"));
    entry["names"] = serde_json::json!([format!("a{hostile}.test")]);
    entry["issuer"] = serde_json::json!(format!("x{hostile}"));
    std::fs::write(&index, format!("{text}{entry}\n")).unwrap();

    let run = run_clean(d, "list", &["list", "--ca-dir", ca_dir_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = run_clean(
        d,
        "list --json",
        &["list", "--json", "--ca-dir", ca_dir_arg],
    );
    let listed = json(&run);
    let last = listed["certificates"].as_array().unwrap().last().unwrap();
    assert_eq!(last["names"][0], format!("a{hostile}.test"));
}

#[test]
fn apply_messages_escape_what_the_file_says() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // TOML strings may hold any control character as an escape.
    let toml = "version = 1\nca_dir = \"ca\"\n\n[root]\ncommon_name = \"Root\\u001b[2J\"\n\n\
                [leaves.web]\nnames = [\"x\\u0000\\u009b.test\", \"a\\n  Issuer: CN=Forged Root\"]\n\
                out = \"certs\\u202e\"\n";
    write(d, "pki.toml", toml);
    let run = run_clean(d, "apply --dry-run", &["apply", "pki.toml", "--dry-run"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("\\x00"), "{}", run.stderr);
}

/// What a TLS peer sends is untrusted too: `ca probe` shows the names of the chain a server
/// sent escaped, in its summary, --explain and error output.
#[test]
fn probe_escapes_what_the_server_sent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = TestCa::new("Root\x1b]0;owned\x07\u{202e}", None);
    write(d, "root.pem", &root.pem);
    for (class, piece) in [
        ("esc", CLASSES[1].1),
        ("lf", CLASSES[3].1),
        ("c1", CLASSES[6].1),
    ] {
        let (pem, _cn, _dns, key) = hostile_leaf_with_key(&root, piece);
        let (cert_file, key_file) = (format!("{class}.pem"), format!("{class}-key.pem"));
        write(d, &cert_file, &pem);
        write(d, &key_file, &key);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args(["serve", "--cert", &cert_file, "--key", &key_file])
            .current_dir(d)
            .env_remove("CA_DIR");
        let server = serve::CaServe::start(cmd);
        let target = format!("127.0.0.1:{}", server.port);
        for extra in [&[][..], &["--explain"][..], &["--host", "other.test"][..]] {
            let args = [
                &[
                    "probe",
                    target.as_str(),
                    "--roots",
                    "root.pem",
                    "--profile",
                    "pkix",
                ][..],
                extra,
            ]
            .concat();
            let run = run_clean(d, &format!("probe {class} {extra:?}"), &args);
            assert!(run.code == 0 || run.code == 1, "{class}: {}", run.stderr);
        }
    }
}
