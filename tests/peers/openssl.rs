//! `openssl verify` accepts what `ca` issues, for every key type, as a
//! server and as a client certificate, signed by the root or by an
//! intermediate; and refuses it for another name, another root or another
//! purpose. The `--json` report of `ca issue` agrees with what openssl reads
//! in the certificate.

use std::path::Path;

use crate::support;
use crate::support::{openssl_verify, other_root, pki, refuse, succeed, Ca, Issued, Pki, OPENSSL};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn verify_server(key_type: &str) {
    let pki = pki(key_type);
    let root = &pki.root.cert;
    for (how, leaf) in pki.servers() {
        let accepted = succeed(&mut openssl_verify(
            root,
            &leaf.fullchain,
            &leaf.cert,
            "sslserver",
            &["-verify_hostname", "localhost"],
        ));
        assert!(
            String::from_utf8_lossy(&accepted.stdout).contains(": OK"),
            "{key_type} leaf {how}: openssl verify did not say OK"
        );
        succeed(&mut openssl_verify(
            root,
            &leaf.fullchain,
            &leaf.cert,
            "sslserver",
            &["-verify_ip", "127.0.0.1"],
        ));

        // Another name, another address, another root, another purpose.
        refuse(&mut openssl_verify(
            root,
            &leaf.fullchain,
            &leaf.cert,
            "sslserver",
            &["-verify_hostname", "example.com"],
        ));
        refuse(&mut openssl_verify(
            root,
            &leaf.fullchain,
            &leaf.cert,
            "sslserver",
            &["-verify_ip", "127.0.0.2"],
        ));
        refuse(&mut openssl_verify(
            &other_root().cert,
            &leaf.fullchain,
            &leaf.cert,
            "sslserver",
            &["-verify_hostname", "localhost"],
        ));
    }
    // Without the intermediate, the leaf it signed has no path to the root.
    let via = &pki.server_via_intermediate;
    refuse(&mut openssl_verify(
        root,
        &via.cert,
        &via.cert,
        "sslserver",
        &["-verify_hostname", "localhost"],
    ));
}

mod openssl_verify_server {
    crate::support::test_each_key_type!(super::verify_server);
}

fn verify_client(key_type: &str) {
    let pki = pki(key_type);
    let client = &pki.client;
    succeed(&mut openssl_verify(
        &pki.root.cert,
        &client.fullchain,
        &client.cert,
        "sslclient",
        &["-verify_hostname", Pki::CLIENT_NAME],
    ));
    refuse(&mut openssl_verify(
        &other_root().cert,
        &client.fullchain,
        &client.cert,
        "sslclient",
        &[],
    ));
    // A client certificate is not a server certificate.
    refuse(&mut openssl_verify(
        &pki.root.cert,
        &client.fullchain,
        &client.cert,
        "sslserver",
        &["-verify_hostname", Pki::CLIENT_NAME],
    ));
}

mod openssl_verify_client {
    crate::support::test_each_key_type!(super::verify_client);
}

/// What openssl reads in a certificate, to compare with `ca issue --json`.
struct OpensslView {
    serial: String,
    sha256: String,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

fn openssl_view(cert: &Path) -> OpensslView {
    let out = succeed(
        OPENSSL
            .command()
            .args(["x509", "-noout", "-serial", "-fingerprint", "-sha256"])
            .args(["-startdate", "-enddate", "-dateopt", "iso_8601", "-in"])
            .arg(cert),
    );
    let text = String::from_utf8(out.stdout).expect("openssl prints ASCII");
    let field = |prefix: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in openssl's output:\n{text}"))
            .trim()
            .to_owned()
    };
    let date = |prefix: &str| {
        let iso = field(prefix).replace(' ', "T");
        OffsetDateTime::parse(&iso, &Rfc3339)
            .unwrap_or_else(|err| panic!("openssl printed {iso} for {prefix}: {err}"))
    };
    OpensslView {
        serial: field("serial="),
        sha256: field("sha256 Fingerprint="),
        not_before: date("notBefore="),
        not_after: date("notAfter="),
    }
}

/// Hex digits only, lower case, without separators or leading zeros.
fn normalized_hex(hex: &str) -> String {
    let digits: String = hex
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    digits.trim_start_matches('0').to_owned()
}

fn json_report_matches_certificate(key_type: &str) {
    let pki = pki(key_type);
    let leaves: [&Issued; 3] = [&pki.server, &pki.server_via_intermediate, &pki.client];
    for leaf in leaves {
        let seen = openssl_view(&leaf.cert);
        assert_eq!(
            normalized_hex(&leaf.serial),
            normalized_hex(&seen.serial),
            "`serial` in the JSON report"
        );
        assert_eq!(
            normalized_hex(&leaf.sha256),
            normalized_hex(&seen.sha256),
            "`sha256` in the JSON report"
        );
        let not_after = OffsetDateTime::parse(&leaf.not_after, &Rfc3339).unwrap_or_else(|err| {
            panic!("`not_after` {:?} is not RFC 3339: {err}", leaf.not_after)
        });
        assert_eq!(not_after, seen.not_after, "`not_after` in the JSON report");

        // Serial numbers: positive, at most 20 octets, at least 64 bits.
        let serial = normalized_hex(&seen.serial);
        assert!(serial.len() <= 40, "serial {serial} is over 20 octets");
        // (64 random bits start with 24 zero bits once in 16 million.)
        assert!(
            serial.len() >= 10,
            "serial {serial} is too short to hold 64 random bits"
        );

        // Server leaves live at most 397 days.
        let lifetime = seen.not_after - seen.not_before;
        assert!(
            lifetime <= time::Duration::days(397),
            "a leaf valid for {lifetime} is over the 397-day maximum"
        );
        // NAME-fullchain.pem is the leaf, then NAME-chain.pem's
        // intermediates (none, and no file, under the root).
        let fullchain = support::pem_certificates(&leaf.fullchain);
        let cert = support::pem_certificates(&leaf.cert);
        let intermediates = leaf
            .chain
            .as_deref()
            .map(support::pem_certificates)
            .unwrap_or_default();
        assert_eq!(
            fullchain,
            [cert, intermediates].concat(),
            "the full chain must be the leaf, then the intermediates"
        );
    }
    let serials: std::collections::HashSet<String> = leaves
        .iter()
        .map(|leaf| normalized_hex(&leaf.serial))
        .collect();
    assert_eq!(serials.len(), leaves.len(), "serial numbers repeat");
    // Every leaf names the same root, the one `ca init` made.
    for leaf in leaves {
        assert_eq!(
            std::fs::read(&leaf.root).unwrap(),
            std::fs::read(&pki.root.cert).unwrap(),
            "`root` in the JSON report is not the CA's root"
        );
    }
}

mod json_report_matches_openssl {
    crate::support::test_each_key_type!(super::json_report_matches_certificate);
}

/// What a newcomer types: `ca issue localhost 127.0.0.1`, with no CA yet
/// in the default CA directory (`$HOME/.local/share/ca`). It makes the CA,
/// writes the files into the current directory, and the result verifies;
/// a second run reuses the same root.
#[test]
fn first_issue_creates_the_default_ca() {
    let work = Ca::new();
    let ca_dir = work.work().join(".local/share/ca");
    let issue = |names: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.arg("issue")
            .args(names)
            .arg("--json")
            .current_dir(work.work())
            .env_remove("CA_DIR")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", work.work());
        let json = support::run_json(&mut cmd);
        support::issued(&json, work.work())
    };
    let first = issue(&["localhost", "127.0.0.1"]);
    assert!(
        ca_dir.is_dir(),
        "the default CA directory {} was not created",
        ca_dir.display()
    );
    assert_eq!(
        first
            .cert
            .parent()
            .map(Path::canonicalize)
            .transpose()
            .unwrap(),
        Some(work.work().canonicalize().unwrap()),
        "without --out, the certificate goes into the current directory"
    );
    succeed(&mut openssl_verify(
        &first.root,
        &first.fullchain,
        &first.cert,
        "sslserver",
        &["-verify_hostname", "localhost"],
    ));
    let second = issue(&["second.localhost"]);
    assert_eq!(
        std::fs::read(&first.root).unwrap(),
        std::fs::read(&second.root).unwrap(),
        "the second issue must reuse the root the first one made"
    );
    succeed(&mut openssl_verify(
        &first.root,
        &second.fullchain,
        &second.cert,
        "sslserver",
        &["-verify_hostname", "second.localhost"],
    ));
}

/// A chain that mixes key types (an Ed25519 root, an RSA intermediate, a
/// P-384 leaf): each certificate is signed with its issuer's algorithm,
/// and OpenSSL and GnuTLS accept the chain.
#[test]
fn mixed_key_types_in_one_chain() {
    let ca = Ca::new();
    let root = ca.init("ed25519");
    ca.intermediate("rsa", "rsa-2048");
    let leaf = ca.issue(
        &["localhost"],
        &["--issuer", "rsa", "--key-type", "ecdsa-p384"],
    );
    succeed(&mut openssl_verify(
        &root.cert,
        &leaf.fullchain,
        &leaf.cert,
        "sslserver",
        &["-verify_hostname", "localhost"],
    ));
    let out = succeed(
        support::CERTTOOL
            .command()
            .arg("--verify")
            .arg("--load-ca-certificate")
            .arg(&root.cert)
            .arg("--infile")
            .arg(&leaf.fullchain)
            .arg("--verify-hostname=localhost"),
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("Signature algorithm: RSA-SHA256")
            && report.contains("Signature algorithm: EdDSA-Ed25519"),
        "the leaf is not signed with RSA, or the intermediate with Ed25519:\n{report}"
    );
}
