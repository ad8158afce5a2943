//! `ca probe` against real servers on 127.0.0.1 (`openssl s_server`, nginx) serving chains
//! made by `ca`: what it reports (version, cipher suite, group) equals what
//! `openssl s_client` reports against the same server configuration; each broken server
//! fails with its own reason. `ca serve` answers curl, `openssl s_client` and `gnutls-cli`,
//! refuses a client without a certificate under `--client-ca` and accepts one from
//! `ca issue --client`; `ca probe` and `ca serve` talk to each other.
//!
//! gnutls-serv is not used as a server: it has no option to listen on 127.0.0.1 only (it
//! binds every interface), which the project's rule forbids; GnuTLS takes part as a client
//! (`gnutls-cli`) instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

mod serve;

use crate::support::{
    describe, other_root, pem_certificates, pki, run, succeed, write_file, Pki, Server, GNUTLS_CLI,
    OPENSSL,
};

/// `ca probe localhost:PORT --roots ROOT --json EXTRA...`.
fn ca_probe(port: u16, root: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
    cmd.arg("probe")
        .arg(format!("localhost:{port}"))
        .arg("--roots")
        .arg(root)
        .args(["--timeout", "20"])
        .args(extra)
        .env_remove("CA_DIR")
        .stdin(Stdio::null());
    cmd
}

/// Runs `ca probe ... --json`, checks the exit code, returns the JSON.
fn probe_json(port: u16, root: &Path, extra: &[&str], code: i32) -> Value {
    let mut cmd = ca_probe(port, root, extra);
    cmd.arg("--json");
    let out = run(&mut cmd);
    assert_eq!(
        out.status.code(),
        Some(code),
        "unexpected exit: {}",
        describe(&cmd, &out)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON object ({e}): {}", describe(&cmd, &out)))
}

/// A PEM file of some certificates of chain files, in the order given.
fn pem_file(dir: &Path, name: &str, certs: &[String]) -> PathBuf {
    let path = dir.join(name);
    write_file(&path, certs.concat());
    path
}

/// The certificates of a PEM file, each as PEM text.
fn certs(path: &Path) -> Vec<String> {
    pem_certificates(path)
}

/// What `openssl s_client -brief` reports: version, IANA cipher suite, group.
#[derive(Debug, PartialEq, Eq)]
struct Negotiated {
    version: String,
    cipher_suite: String,
    group: String,
}

fn s_client(port: u16, extra: &[&str]) -> Negotiated {
    let mut cmd = OPENSSL.command();
    cmd.args(["s_client", "-brief", "-servername", "localhost", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(extra)
        .stdin(Stdio::null());
    let out = run(&mut cmd);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no `{name}` in s_client's output: {}", describe(&cmd, &out)))
    };
    let version = field("Protocol version:");
    let suite = field("Ciphersuite:");
    // "X25519, 253 bits" or "ECDH, prime256v1, 256 bits".
    let temp = field("Server Temp Key:");
    let parts: Vec<&str> = temp.split(", ").collect();
    let curve = if parts[0] == "ECDH" {
        parts[1]
    } else {
        parts[0]
    };
    let group = match curve {
        "X25519" => "x25519",
        "prime256v1" => "secp256r1",
        "secp384r1" => "secp384r1",
        other => panic!("unexpected group {other} from s_client"),
    };
    Negotiated {
        version,
        cipher_suite: iana_suite(&suite),
        group: group.to_string(),
    }
}

/// OpenSSL's name of a cipher suite as IANA spells it (`openssl ciphers -stdname`).
fn iana_suite(openssl_name: &str) -> String {
    if openssl_name.starts_with("TLS_") {
        return openssl_name.to_string();
    }
    let out = succeed(
        OPENSSL
            .command()
            .args(["ciphers", "-stdname", openssl_name]),
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.contains(&format!(" {openssl_name} ")))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("openssl does not know {openssl_name}"))
        .to_string()
}

fn negotiated(json: &Value) -> Negotiated {
    let s = |k: &str| {
        json[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k}: {json}"))
            .to_string()
    };
    Negotiated {
        version: s("version"),
        cipher_suite: s("cipher_suite"),
        group: s("group"),
    }
}

/// The intermediates file of a leaf signed by the intermediate.
fn intermediate_of(pki: &Pki) -> PathBuf {
    let leaf = &pki.server_via_intermediate;
    let dir = leaf.cert.parent().unwrap();
    pem_file(dir, "probe-intermediate.pem", &certs(&leaf.fullchain)[1..])
}

/// One server configuration per line: key type, s_server options, s_client options that
/// offer what the probe offers.
const CONFIGS: [(&str, &[&str]); 6] = [
    ("ed25519", &[]),
    ("ecdsa-p384", &["-tls1_2", "-groups", "P-256"]),
    ("ecdsa-p256", &[]),
    ("ecdsa-p256", &["-tls1_2"]),
    (
        "rsa-2048",
        &[
            "-ciphersuites",
            "TLS_AES_128_GCM_SHA256",
            "-groups",
            "P-256",
        ],
    ),
    (
        "rsa-2048",
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "-groups",
            "P-384",
        ],
    ),
];

#[test]
fn reports_what_openssl_s_client_reports() {
    for (key_type, server_opts) in CONFIGS {
        let pki = pki(key_type);
        let leaf = &pki.server_via_intermediate;
        let server = Server::openssl(
            &leaf.cert,
            &leaf.key,
            Some(&intermediate_of(pki)),
            server_opts,
        );
        // Ed25519 is fine for a private CA but outside the Web PKI (CA/B BR 6.1.5): judge
        // that chain by RFC 5280, as a user of such a hierarchy would.
        let profile: &[&str] = if key_type == "ed25519" {
            &["--profile", "rfc5280"]
        } else {
            &[]
        };
        let json = probe_json(server.port, &pki.root.cert, profile, 0);
        let oracle = s_client(server.port, &[]);
        assert_eq!(
            negotiated(&json),
            oracle,
            "{key_type} {server_opts:?}: {json}"
        );
        assert_eq!(json["verdict"], "valid", "{json}");
        assert_eq!(json["chain"].as_array().unwrap().len(), 2, "{json}");
        assert_eq!(json["close_notify"]["sent"], true);
        let scheme = json["signature_scheme"].as_str().unwrap();
        let family = key_type.split('-').next().unwrap();
        assert!(
            scheme.starts_with(family),
            "{key_type}: signature scheme {scheme}"
        );
        if server_opts.contains(&"-tls1_2") {
            assert_eq!(json["version"], "TLSv1.2");
        }
    }
}

#[test]
fn tls_flag_picks_the_version_as_s_client_does() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server_via_intermediate;
    let server = Server::openssl(&leaf.cert, &leaf.key, Some(&intermediate_of(pki)), &[]);
    for (flag, s_client_flag) in [("1.2", "-tls1_2"), ("1.3", "-tls1_3")] {
        let json = probe_json(server.port, &pki.root.cert, &["--tls", flag], 0);
        assert_eq!(negotiated(&json), s_client(server.port, &[s_client_flag]));
    }
    // Asked with --tls 1.2, the probe also says whether RSA key transport is accepted: an
    // ECDSA certificate cannot do it.
    let json = probe_json(server.port, &pki.root.cert, &["--tls", "1.2"], 0);
    assert_eq!(json["rsa_key_transport"]["accepted"], false, "{json}");
}

#[test]
fn nginx_serving_a_chain_made_by_ca() {
    for key_type in ["ecdsa-p256", "rsa-2048"] {
        let pki = pki(key_type);
        let leaf = &pki.server_via_intermediate;
        let server = Server::nginx(pki.ca.work(), &leaf.fullchain, &leaf.key, None, None);
        let json = probe_json(server.port, &pki.root.cert, &["--http"], 0);
        assert_eq!(
            negotiated(&json),
            s_client(server.port, &[]),
            "nginx log: {}",
            server.log_text()
        );
        assert_eq!(json["transmit"]["status_line"], "HTTP/1.1 200 OK", "{json}");
        let json = probe_json(server.port, &pki.root.cert, &["--tls", "1.2"], 0);
        assert_eq!(negotiated(&json), s_client(server.port, &["-tls1_2"]));
    }
}

#[test]
fn gnutls_cli_agrees_on_the_version_and_group() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server_via_intermediate;
    let server = Server::openssl(
        &leaf.cert,
        &leaf.key,
        Some(&intermediate_of(pki)),
        &["-tls1_2", "-groups", "P-256"],
    );
    let json = probe_json(server.port, &pki.root.cert, &[], 0);
    let mut cli = GNUTLS_CLI.command();
    cli.arg("--x509cafile")
        .arg(&pki.root.cert)
        .args([
            "--port",
            &server.port.to_string(),
            "127.0.0.1",
            "--verify-hostname",
            "localhost",
        ])
        .stdin(Stdio::null());
    let out = succeed(&mut cli);
    let text = String::from_utf8_lossy(&out.stdout);
    // "- Description: (TLS1.2-X.509)-(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-256-GCM)"
    let description = text
        .lines()
        .find(|l| l.contains("Description:"))
        .unwrap_or_else(|| panic!("no description from gnutls-cli: {text}"));
    assert!(description.contains("TLS1.2"), "{description}");
    assert!(description.contains("ECDHE-SECP256R1"), "{description}");
    assert_eq!(json["version"], "TLSv1.2");
    assert_eq!(json["group"], "secp256r1");
}

/// A broken server: exit 1, the reason code, and words of the message.
fn broken(port: u16, root: &Path, extra: &[&str], reason: &str, words: &str) -> Value {
    let json = probe_json(port, root, extra, 1);
    assert_eq!(json["reason"], reason, "{json}");
    let mut cmd = ca_probe(port, root, extra);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&cmd, &out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(words),
        "no `{words}` in: {}",
        describe(&cmd, &out)
    );
    json
}

#[test]
fn a_server_without_its_intermediate() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server_via_intermediate;
    let server = Server::openssl(&leaf.cert, &leaf.key, None, &[]);
    let json = broken(
        server.port,
        &pki.root.cert,
        &[],
        "unknown_issuer",
        "does not send its intermediate",
    );
    assert_eq!(json["chain"].as_array().unwrap().len(), 1);
    // What was sent is shown even though the chain is not valid.
    assert!(json["chain"][0]["sha256"].as_str().unwrap().len() > 60);
}

#[test]
fn a_chain_in_the_wrong_order_is_still_valid_and_said() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server_via_intermediate;
    let dir = leaf.cert.parent().unwrap();
    // The root before the intermediate: the leaf's issuer is not next to it.
    let mut rest = certs(&pki.root.cert);
    rest.extend(certs(&leaf.fullchain)[1..].to_vec());
    let chain = pem_file(dir, "probe-wrong-order.pem", &rest);
    let server = Server::openssl(&leaf.cert, &leaf.key, Some(&chain), &[]);
    let json = probe_json(server.port, &pki.root.cert, &[], 0);
    assert_eq!(json["verdict"], "valid");
    let notes = json["chain_notes"].to_string();
    assert!(notes.contains("not in issuing order"), "{json}");
    let out = succeed(&mut ca_probe(server.port, &pki.root.cert, &[]));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not in issuing order"));
}

#[test]
fn a_server_that_sends_its_leaf_twice() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server_via_intermediate;
    let dir = leaf.cert.parent().unwrap();
    let all = certs(&leaf.fullchain);
    let chain = pem_file(
        dir,
        "probe-leaf-twice.pem",
        &[all[0].clone(), all[1].clone()],
    );
    let server = Server::openssl(&leaf.cert, &leaf.key, Some(&chain), &[]);
    broken(
        server.port,
        &pki.root.cert,
        &[],
        "duplicate_certificate",
        "sends a certificate twice",
    );
}

#[test]
fn an_expired_leaf() {
    let pki = pki("ecdsa-p256");
    let expired = pki.ca.issue(
        &["localhost"],
        &[
            "--not-before",
            "2020-01-01T00:00:00Z",
            "--not-after",
            "2021-01-01T00:00:00Z",
        ],
    );
    let server = Server::openssl(&expired.cert, &expired.key, None, &[]);
    broken(server.port, &pki.root.cert, &[], "expired", "expired");
}

#[test]
fn a_certificate_for_another_name() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server;
    let server = Server::openssl(&leaf.cert, &leaf.key, None, &[]);
    // HOST is sent as SNI and checked; --connect says where to go.
    let connect = format!("127.0.0.1:{}", server.port);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
    cmd.args([
        "probe",
        "www.example.test",
        "--connect",
        &connect,
        "--json",
        "--roots",
    ])
    .arg(&pki.root.cert)
    .stdin(Stdio::null());
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&cmd, &out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reason"], "name_mismatch", "{json}");
    assert_eq!(json["offered"]["sni"], "www.example.test");
    broken(
        server.port,
        &pki.root.cert,
        &["--host", "other.example.test"],
        "name_mismatch",
        "other.example.test",
    );
}

#[test]
fn an_untrusted_root() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server;
    let server = Server::openssl(&leaf.cert, &leaf.key, None, &[]);
    broken(
        server.port,
        &other_root().cert,
        &[],
        "unknown_issuer",
        "no issuer found",
    );
}

#[test]
fn a_server_that_demands_a_client_certificate() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server;
    let root = pki.root.cert.to_str().unwrap();
    for (tls, step) in [("1.3", 6), ("1.2", 5)] {
        let server = Server::openssl(
            &leaf.cert,
            &leaf.key,
            None,
            &["-Verify", "3", "-verify_return_error", "-CAfile", root],
        );
        let json = probe_json(server.port, &pki.root.cert, &["--tls", tls], 1);
        assert_eq!(json["failure"]["by"], "server", "{json}");
        assert_eq!(json["failure"]["step"], step, "TLS {tls}: {json}");
        assert_eq!(json["client_certificate"]["requested"], true);
        let message = json["failure"]["message"].as_str().unwrap();
        assert!(message.contains("--client-cert"), "{message}");
        // The same with --http: the refusal comes while the request is sent, and is still a
        // refused handshake at the same step.
        let json = probe_json(server.port, &pki.root.cert, &["--tls", tls, "--http"], 1);
        assert_eq!(json["failure"]["step"], step, "TLS {tls} --http: {json}");

        // With the client certificate `ca issue --client` made, the server lets it in.
        let client = &pki.client;
        let json = probe_json(
            server.port,
            &pki.root.cert,
            &[
                "--tls",
                tls,
                "--client-cert",
                client.fullchain.to_str().unwrap(),
                "--client-key",
                client.key.to_str().unwrap(),
            ],
            0,
        );
        assert_eq!(json["client_certificate"]["sent"], true, "{json}");
    }
}

#[test]
fn a_server_that_only_offers_rsa_key_transport() {
    let pki = pki("rsa-2048");
    let leaf = &pki.server;
    let server = Server::openssl(
        &leaf.cert,
        &leaf.key,
        None,
        &["-tls1_2", "-cipher", "AES128-GCM-SHA256"],
    );
    let json = probe_json(server.port, &pki.root.cert, &[], 1);
    assert_eq!(json["failure"]["step"], 2, "{json}");
    assert_eq!(json["failure"]["by"], "server");
    assert_eq!(json["rsa_key_transport"]["accepted"], true, "{json}");
    assert_eq!(
        json["rsa_key_transport"]["cipher_suite"],
        "TLS_RSA_WITH_AES_128_GCM_SHA256"
    );
    let mut cmd = ca_probe(server.port, &pki.root.cert, &["--explain"]);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", describe(&cmd, &out));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("does not do RSA key transport"), "{text}");
    assert!(text.contains("forward secrecy"), "{text}");
    assert!(
        text.contains("<== FAILED"),
        "the picture marks the failing step: {text}"
    );
}

#[test]
fn an_ocsp_staple_is_shown_in_both_versions() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server;
    let dir = leaf.cert.parent().unwrap();
    // An OCSP response for the leaf, signed by the root with `openssl ocsp` (index file in
    // OpenSSL's CA database format: status, expiry, revocation, serial, file, subject).
    let serial = succeed(
        OPENSSL
            .command()
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(&leaf.cert),
    );
    let serial = String::from_utf8_lossy(&serial.stdout)
        .trim()
        .trim_start_matches("serial=")
        .to_string();
    let index = dir.join("probe-ocsp-index.txt");
    write_file(
        &index,
        format!("V\t300101000000Z\t\t{serial}\tunknown\t/CN=localhost\n"),
    );
    let response = dir.join("probe-ocsp.der");
    let mut ocsp = OPENSSL.command();
    ocsp.args(["ocsp", "-ndays", "1", "-index"])
        .arg(&index)
        .arg("-rsigner")
        .arg(&pki.root.cert)
        .arg("-rkey")
        .arg(&pki.root.key)
        .arg("-CA")
        .arg(&pki.root.cert)
        .arg("-issuer")
        .arg(&pki.root.cert)
        .arg("-cert")
        .arg(&leaf.cert)
        .arg("-respout")
        .arg(&response);
    succeed(&mut ocsp);
    let size = std::fs::metadata(&response).unwrap().len();
    let status_file = response.to_str().unwrap();
    let server = Server::openssl(&leaf.cert, &leaf.key, None, &["-status_file", status_file]);
    for tls in ["1.3", "1.2"] {
        let json = probe_json(server.port, &pki.root.cert, &["--tls", tls], 0);
        assert_eq!(json["ocsp_staple_bytes"], size, "TLS {tls}: {json}");
    }
    let out = succeed(&mut ca_probe(
        server.port,
        &pki.root.cert,
        &["--tls", "1.2", "--explain"],
    ));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("CertificateStatus (OCSP staple)"), "{text}");
}

#[test]
fn alpn_is_offered_and_reported() {
    let pki = pki("ecdsa-p256");
    let leaf = &pki.server;
    let server = Server::openssl(&leaf.cert, &leaf.key, None, &["-alpn", "h2,http/1.1"]);
    let json = probe_json(server.port, &pki.root.cert, &["--alpn", "h2,http/1.1"], 0);
    assert_eq!(json["alpn"], "h2", "{json}");
    assert_eq!(
        json["offered"]["alpn"],
        serde_json::json!(["h2", "http/1.1"])
    );
    // A protocol the server does not speak: OpenSSL refuses with no_application_protocol.
    let json = probe_json(server.port, &pki.root.cert, &["--alpn", "imap"], 1);
    assert_eq!(json["failure"]["step"], 2, "{json}");
    let message = json["failure"]["message"].as_str().unwrap();
    assert!(message.contains("ALPN"), "{message}");
}
