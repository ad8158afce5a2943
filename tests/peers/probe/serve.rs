//! `ca serve` with real clients on 127.0.0.1: curl, `openssl s_client`, `gnutls-cli`;
//! mutual TLS with `--client-ca`; and `ca probe` against it, both sides reporting the same
//! handshake.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{ca_probe, probe_json};
use crate::support::{curl, pki, run, succeed, CaServe, Pki, CURL, GNUTLS_CLI, OPENSSL};

/// `curl https://localhost:PORT/` printing the page (support's `curl` throws it away).
fn curl_page(port: u16, root: &Path) -> Command {
    let mut cmd = CURL.command();
    cmd.args([
        "--silent",
        "--show-error",
        "--fail",
        "--max-time",
        "20",
        "--noproxy",
        "*",
    ])
    .arg("--resolve")
    .arg(format!("localhost:{port}:127.0.0.1"))
    .arg("--cacert")
    .arg(root)
    .arg(format!("https://localhost:{port}/"));
    cmd
}

/// `ca serve --cert CHAIN --key KEY EXTRA...` on 127.0.0.1:0.
fn ca_serve(pki: &Pki, extra: &[&str]) -> CaServe {
    let leaf = &pki.server_via_intermediate;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
    cmd.arg("serve")
        .arg("--cert")
        .arg(&leaf.fullchain)
        .arg("--key")
        .arg(&leaf.key)
        .args(extra)
        .env_remove("CA_DIR");
    CaServe::start(cmd)
}

#[test]
fn ca_serve_answers_curl_openssl_and_gnutls() {
    for key_type in ["ecdsa-p256", "rsa-2048"] {
        let pki = pki(key_type);
        let serve = ca_serve(pki, &[]);
        let out = succeed(&mut curl_page(serve.port, &pki.root.cert));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("your TLS handshake"), "{text}");
        assert!(text.contains("SNI             localhost"), "{text}");

        let mut s_client = OPENSSL.command();
        s_client
            .args([
                "s_client",
                "-brief",
                "-verify_return_error",
                "-servername",
                "localhost",
            ])
            .arg("-CAfile")
            .arg(&pki.root.cert)
            .args(["-verify_hostname", "localhost", "-connect", &serve.addr])
            .stdin(Stdio::null());
        succeed(&mut s_client);

        for priority in ["NORMAL", "NORMAL:-VERS-ALL:+VERS-TLS1.2"] {
            let mut cli = GNUTLS_CLI.command();
            cli.arg("--x509cafile")
                .arg(&pki.root.cert)
                .args(["--verify-hostname", "localhost", "--priority", priority])
                .args(["--port", &serve.port.to_string(), "127.0.0.1"])
                .stdin(Stdio::null());
            succeed(&mut cli);
        }
        let logged = serve.wait_for_connections(4);
        assert!(logged.len() >= 4, "one log line per connection: {logged:?}");
        assert_eq!(logged[0]["sni"], "localhost");
        assert_eq!(logged[0]["request"], "GET / HTTP/1.1");
        let status = serve.terminate();
        assert!(status.success(), "SIGTERM stops ca serve cleanly: {status}");
    }
}

#[test]
fn ca_serve_with_client_ca_refuses_a_client_without_certificate() {
    let pki = pki("ecdsa-p256");
    let root = pki.root.cert.to_str().unwrap();
    let serve = ca_serve(pki, &["--client-ca", root]);
    let out = run(&mut curl(serve.port, "localhost", &pki.root.cert));
    assert!(
        !out.status.success(),
        "curl without a client certificate got in"
    );

    let client = &pki.client;
    let mut with_cert = curl_page(serve.port, &pki.root.cert);
    with_cert
        .arg("--cert")
        .arg(&client.fullchain)
        .arg("--key")
        .arg(&client.key);
    let out = succeed(&mut with_cert);
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.contains("valid (ca-verify, purpose clientAuth)"),
        "{page}"
    );
    assert!(page.contains(Pki::CLIENT_NAME), "{page}");

    // A server certificate is no client certificate (no clientAuth): refused.
    let wrong = &pki.server_via_intermediate;
    let mut wrong_purpose = curl(serve.port, "localhost", &pki.root.cert);
    wrong_purpose
        .arg("--cert")
        .arg(&wrong.fullchain)
        .arg("--key")
        .arg(&wrong.key);
    assert!(!run(&mut wrong_purpose).status.success());

    let logged = serve.wait_for_connections(3);
    let without = &logged[0];
    assert!(without["error"].is_string(), "{without}");
    assert_eq!(logged[1]["client_cert"]["valid"], true, "{}", logged[1]);
    assert_eq!(logged[2]["client_cert"]["valid"], false, "{}", logged[2]);

    // ca probe with the client certificate, in both versions.
    for tls in ["1.3", "1.2"] {
        let json = probe_json(
            serve.port,
            &pki.root.cert,
            &[
                "--tls",
                tls,
                "--client-cert",
                client.fullchain.to_str().unwrap(),
                "--client-key",
                client.key.to_str().unwrap(),
                "--http",
            ],
            0,
        );
        assert_eq!(json["transmit"]["status_line"], "HTTP/1.1 200 OK", "{json}");
    }
    let json = probe_json(serve.port, &pki.root.cert, &[], 1);
    assert_eq!(json["failure"]["by"], "server", "{json}");
}

#[test]
fn ca_probe_and_ca_serve_explain_the_same_handshake() {
    let pki = pki("ecdsa-p256");
    let serve = ca_serve(pki, &[]);
    let mut cmd = ca_probe(serve.port, &pki.root.cert, &["--explain", "--http"]);
    let started = Instant::now();
    let out = succeed(&mut cmd);
    assert!(started.elapsed() < Duration::from_secs(20));
    let text = String::from_utf8_lossy(&out.stdout);
    for words in [
        "client (ca probe)",
        "[1]  |  ClientHello",
        "ServerHello + key share",
        "{Certificate} (2 sent)",
        "chain checked with ca-verify: VALID",
        "{HEAD / HTTP/1.1}",
        "HTTP/1.1 200 OK",
        "close_notify",
        "6. Finished",
    ] {
        assert!(text.contains(words), "no `{words}` in:\n{text}");
    }
    let logged = serve.wait_for_connections(1);
    let json = probe_json(serve.port, &pki.root.cert, &[], 0);
    // The server saw what the client offered, and chose what the client reports.
    assert_eq!(logged[0]["request"], "HEAD / HTTP/1.1");
    assert_eq!(logged[0]["version"], json["version"]);
    assert_eq!(logged[0]["cipher_suite"], json["cipher_suite"]);
    assert_eq!(logged[0]["group"], json["group"]);
    assert_eq!(logged[0]["offered_groups"], json["offered"]["groups"]);
}
