//! Real TLS handshakes on 127.0.0.1 with what `ca` issues, for every key
//! type: `openssl s_server` and nginx serve the issued chain; curl (OpenSSL)
//! and gnutls-cli (GnuTLS) connect trusting only our root. Another root, or
//! another name, makes them refuse. Client certificates are accepted by a
//! server that requires them (mutual TLS).

use std::path::Path;
use std::process::Command;

use crate::support;
use crate::support::{curl, other_root, pki, refuse, succeed, Server, GNUTLS_CLI};

/// `gnutls-cli` connecting to 127.0.0.1:PORT, checking the name `host`
/// against the certificate and trusting only `root`; `priority` picks
/// the protocol version and key exchange.
fn gnutls_cli(port: u16, host: &str, root: &Path, priority: &str) -> Command {
    let mut cmd = GNUTLS_CLI.command();
    cmd.arg("--x509cafile")
        .arg(root)
        .arg("--verify-hostname")
        .arg(host)
        .arg("--priority")
        .arg(priority)
        .arg("--port")
        .arg(port.to_string())
        .arg("127.0.0.1")
        .stdin(std::process::Stdio::null());
    cmd
}

fn openssl_server_handshakes(key_type: &str) {
    let pki = pki(key_type);
    let root = &pki.root.cert;
    for (how, leaf) in pki.servers() {
        // Certbot's layout: the certificate, and the intermediates alone
        // in NAME-chain.pem (none under the root).
        let server = Server::openssl(&leaf.cert, &leaf.key, leaf.chain.as_deref(), &[]);
        let port = server.port;
        let out = support::run(&mut curl(port, "localhost", root));
        assert!(
            out.status.success(),
            "{key_type} leaf {how}: curl refused the handshake: {}",
            support::describe(&curl(port, "localhost", root), &out)
        );
        succeed(&mut gnutls_cli(port, "localhost", root, "NORMAL"));
        // TLS 1.2 too, where RSA keys may also be used for key transport,
        // which needs keyEncipherment in the key usage (GnuTLS checks it).
        succeed(&mut gnutls_cli(
            port,
            "localhost",
            root,
            "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        ));
        if key_type.starts_with("rsa") {
            succeed(&mut gnutls_cli(
                port,
                "localhost",
                root,
                "NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+RSA",
            ));
        }

        refuse(&mut curl(port, "localhost", &other_root().cert));
        refuse(&mut curl(port, "not-localhost.test", root));
        refuse(&mut gnutls_cli(
            port,
            "localhost",
            &other_root().cert,
            "NORMAL",
        ));
        refuse(&mut gnutls_cli(port, "not-localhost.test", root, "NORMAL"));
    }
}

mod openssl_server {
    crate::support::test_each_key_type!(super::openssl_server_handshakes);
}

/// nginx takes the chain file as `ca issue` writes it (leaf first, then the
/// intermediates) and the key file as it is.
fn nginx_handshakes(key_type: &str) {
    let pki = pki(key_type);
    for (how, leaf) in pki.servers() {
        let server = Server::nginx(pki.ca.work(), &leaf.fullchain, &leaf.key, None, None);
        let out = support::run(&mut curl(server.port, "localhost", &pki.root.cert));
        assert!(
            out.status.success(),
            "{key_type} leaf {how}: curl refused nginx's handshake: {}\nnginx log:\n{}",
            support::describe(&curl(server.port, "localhost", &pki.root.cert), &out),
            server.log_text()
        );
        refuse(&mut curl(server.port, "localhost", &other_root().cert));
    }
}

mod nginx_server {
    crate::support::test_each_key_type!(super::nginx_handshakes);
}

/// Mutual TLS: a server that requires a client certificate chaining to our
/// root accepts our client leaf (sent with its intermediate) and refuses a
/// client with no certificate.
fn mutual_tls(key_type: &str) {
    let pki = pki(key_type);
    let server_leaf = &pki.server;
    let root = pki.root.cert.to_str().expect("temporary paths are UTF-8");
    let server = Server::openssl(
        &server_leaf.cert,
        &server_leaf.key,
        None,
        &["-Verify", "3", "-verify_return_error", "-CAfile", root],
    );
    let client = &pki.client;
    let mut with_cert = curl(server.port, "localhost", &pki.root.cert);
    with_cert
        .arg("--cert")
        .arg(&client.fullchain)
        .arg("--key")
        .arg(&client.key);
    succeed(&mut with_cert);
    refuse(&mut curl(server.port, "localhost", &pki.root.cert));

    // A server leaf is no client certificate.
    let mut wrong_purpose = curl(server.port, "localhost", &pki.root.cert);
    wrong_purpose
        .arg("--cert")
        .arg(&pki.server_via_intermediate.fullchain)
        .arg("--key")
        .arg(&pki.server_via_intermediate.key);
    refuse(&mut wrong_purpose);
}

mod mutual_tls {
    crate::support::test_each_key_type!(super::mutual_tls);
}
