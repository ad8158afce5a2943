//! `ca acme serve` with real ACME clients: certbot (standalone http-01)
//! and lego (http-01, tls-alpn-01), each trusting only the CA's root,
//! getting, renewing and revoking certificates; what they get must pass
//! `openssl verify`, what they revoke is in the server's CRL and refused
//! by `ca verify --crl`. dns-01, CAA and Pebble: `acme_dns.rs`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::{free_port, openssl_verify, run, succeed, Ca, Tool};

const CERTBOT: Tool = Tool {
    program: "certbot",
    package: "the Debian package `certbot`",
};
pub(crate) const LEGO: Tool = Tool {
    program: "lego",
    package: "the Debian package `lego`",
};

/// `ca acme serve` on 127.0.0.1, stopped with SIGTERM when dropped.
pub(crate) struct AcmeServer {
    child: Child,
    pub(crate) directory: String,
    pub(crate) http01_port: u16,
    tls_alpn01_port: u16,
}

impl AcmeServer {
    /// Serves for `names` (resolved to 127.0.0.1 for validation).
    pub(crate) fn start(ca: &Ca, names: &[&str]) -> AcmeServer {
        Self::start_with(ca, names, &[])
    }

    /// `start` with more `ca acme serve` arguments.
    pub(crate) fn start_with(ca: &Ca, names: &[&str], extra: &[String]) -> AcmeServer {
        let (http01_port, tls_alpn01_port) = (free_port(), free_port());
        let mut cmd = ca.command_without_ca_dir("acme");
        cmd.arg("serve")
            .arg("--ca-dir")
            .arg(&ca.dir)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", free_port()))
            .arg("--http-01-port")
            .arg(http01_port.to_string())
            .arg("--tls-alpn-01-port")
            .arg(tls_alpn01_port.to_string());
        for name in names {
            cmd.arg("--resolve").arg(format!("{name}=127.0.0.1"));
        }
        cmd.args(extra);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start `ca acme serve`");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("`ca acme serve` printed no directory URL within 20 s");
        let directory = line
            .strip_prefix("ACME directory: ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        AcmeServer {
            child,
            directory,
            http01_port,
            tls_alpn01_port,
        }
    }

    /// SIGTERM, then the exit status (the server finishes what is in flight).
    fn stop(&mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("`ca acme serve` did not stop within 20 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for AcmeServer {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.stop();
        }
    }
}

/// certbot with its state under the test's directory, trusting `root`
/// only, talking to `server`: `sub` is the subcommand.
fn certbot_in(ca: &Ca, server: &AcmeServer, root: &Path, sub: &str) -> Command {
    let state = ca.work().join("certbot");
    let mut cmd = CERTBOT.command();
    cmd.env("REQUESTS_CA_BUNDLE", root)
        .args([sub, "--non-interactive", "--server", &server.directory])
        .arg("--config-dir")
        .arg(state.join("config"))
        .arg("--work-dir")
        .arg(state.join("work"))
        .arg("--logs-dir")
        .arg(state.join("logs"));
    cmd
}

fn certbot(ca: &Ca, server: &AcmeServer, root: &Path, name: &str) -> Command {
    let mut cmd = certbot_in(ca, server, root, "certonly");
    cmd.args(["--standalone", "--agree-tos"])
        .arg("--register-unsafely-without-email")
        .args(["-d", name])
        .args(["--http-01-address", "127.0.0.1"])
        .args(["--http-01-port", &server.http01_port.to_string()]);
    cmd
}

pub(crate) fn lego(ca: &Ca, server: &AcmeServer, root: &Path, name: &str) -> (Command, PathBuf) {
    let path = ca.work().join("lego");
    let mut cmd = LEGO.command();
    cmd.env("LEGO_CA_CERTIFICATES", root)
        .args([
            "--server",
            &server.directory,
            "--accept-tos",
            "--email",
            "admin@example.test",
        ])
        .arg("--path")
        .arg(&path)
        .args(["--domains", name]);
    (cmd, path.join("certificates"))
}

pub(crate) fn verify(root: &Path, cert: &Path, name: &str) {
    succeed(&mut openssl_verify(
        root,
        cert,
        cert,
        "sslserver",
        &["-verify_hostname", name],
    ));
}

/// The serial number of `cert` as OpenSSL prints it (hex, upper case).
fn serial_of(cert: &Path) -> String {
    let out = succeed(
        crate::support::OPENSSL
            .command()
            .args(["x509", "-noout", "-serial", "-in"])
            .arg(cert),
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .strip_prefix("serial=")
        .expect("openssl x509 -serial prints serial=")
        .to_string()
}

/// The CRL `ca acme serve` serves at GET /crl (over its HTTPS, trusting
/// only `root`), saved to a file, and `openssl crl -text` of it.
fn served_crl(ca: &Ca, server: &AcmeServer, root: &Path) -> (PathBuf, String) {
    let base = server
        .directory
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap();
    let file = ca.work().join("served.crl");
    succeed(
        crate::support::CURL
            .command()
            .args(["-sSf", "--cacert"])
            .arg(root)
            .arg("-o")
            .arg(&file)
            .arg(format!("{base}/crl")),
    );
    let out = succeed(
        crate::support::OPENSSL
            .command()
            .args(["crl", "-inform", "DER", "-noout", "-text", "-CAfile"])
            .arg(root)
            .arg("-in")
            .arg(&file),
    );
    (file, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// After a client revoked `cert`: the server's CRL (signature checked by
/// OpenSSL against `root`) lists its serial, and `ca verify` with that
/// CRL refuses it (exit 1, "revoked"), while OpenSSL without a CRL still
/// accepts the chain (so the refusal is the revocation's doing).
fn assert_revoked(ca: &Ca, server: &AcmeServer, root: &Path, cert: &Path, name: &str) {
    let serial = serial_of(cert);
    let (crl, text) = served_crl(ca, server, root);
    assert!(text.contains(&format!("Serial Number: {serial}")), "{text}");
    verify(root, cert, name);
    let refused = run(ca
        .command_without_ca_dir("verify")
        .arg("--roots")
        .arg(root)
        .arg("--crl")
        .arg(&crl)
        .args(["--host", name])
        .arg(cert));
    let said = String::from_utf8_lossy(&refused.stdout).to_string()
        + &String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{said}");
    assert!(said.contains("revoked"), "{said}");
}

/// Before revocation: `ca verify` with the server's current CRL accepts
/// `cert` (the CRL covers it and does not list it).
fn assert_not_revoked(ca: &Ca, server: &AcmeServer, root: &Path, cert: &Path, name: &str) {
    let (crl, text) = served_crl(ca, server, root);
    assert!(!text.contains(&serial_of(cert)), "{text}");
    succeed(
        ca.command_without_ca_dir("verify")
            .arg("--roots")
            .arg(root)
            .arg("--crl")
            .arg(&crl)
            .args(["--host", name])
            .arg(cert),
    );
}

#[test]
fn certbot_standalone_http01_gets_renews_and_revokes_a_certificate() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let name = "certbot.acme.test";
    let mut server = AcmeServer::start(&ca, &[name]);
    succeed(&mut certbot(&ca, &server, &root, name));
    let live = ca.work().join("certbot/config/live").join(name);
    verify(&root, &live.join("cert.pem"), name);
    let first = std::fs::read(live.join("cert.pem")).unwrap();

    succeed(certbot(&ca, &server, &root, name).arg("--force-renewal"));
    let renewed = std::fs::read(live.join("cert.pem")).unwrap();
    assert_ne!(first, renewed, "certbot renewed: a new certificate");
    verify(&root, &live.join("cert.pem"), name);

    // Both are in the CA directory's index.
    let list: serde_json::Value =
        serde_json::from_slice(&succeed(ca.command("list").arg("--json")).stdout).unwrap();
    let ours = list["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["names"] == serde_json::json!([name]))
        .count();
    assert_eq!(ours, 2, "{list}");

    // `certbot renew` renews the lineage from its stored renewal
    // configuration (standalone, the same port and server).
    // certbot sleeps up to 8 min before renewing without a terminal.
    succeed(
        certbot_in(&ca, &server, &root, "renew")
            .args(["--force-renewal", "--no-random-sleep-on-renew"]),
    );
    let renewed_again = std::fs::read(live.join("cert.pem")).unwrap();
    assert_ne!(renewed, renewed_again, "certbot renew: a new certificate");
    verify(&root, &live.join("cert.pem"), name);
    assert_not_revoked(&ca, &server, &root, &live.join("cert.pem"), name);

    // `certbot revoke --cert-path` (RFC 8555 §7.6, signed by the account
    // that ordered it): the CRL then lists it and `ca verify` refuses it.
    succeed(
        certbot_in(&ca, &server, &root, "revoke")
            .arg("--cert-path")
            .arg(live.join("cert.pem"))
            .args(["--reason", "superseded", "--no-delete-after-revoke"]),
    );
    assert_revoked(&ca, &server, &root, &live.join("cert.pem"), name);
    assert!(
        server.stop().success(),
        "SIGTERM stops the server with exit 0"
    );
}

/// The CRL as OpenSSL reads it from `url` (fetched with curl over plain
/// HTTP): `openssl crl -text`.
fn crl_text(ca: &Ca, url: &str) -> String {
    let file = ca.work().join("fetched.crl");
    succeed(
        crate::support::CURL
            .command()
            .args(["-sSf", "-o"])
            .arg(&file)
            .arg(url),
    );
    let out = succeed(
        crate::support::OPENSSL
            .command()
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&file),
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn lego_http01_gets_renews_and_revokes_a_certificate() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let name = "lego-http.acme.test";
    // The CRL also over plain HTTP, named in every certificate.
    let crl_port = free_port();
    let crl_url = format!("http://127.0.0.1:{crl_port}/crl");
    let server = AcmeServer::start_with(
        &ca,
        &[name],
        &["--crl-listen".into(), format!("127.0.0.1:{crl_port}")],
    );
    let (mut cmd, certs) = lego(&ca, &server, &root, name);
    succeed(cmd.args([
        "--http",
        "--http.port",
        &format!("127.0.0.1:{}", server.http01_port),
        "run",
    ]));
    let first = std::fs::read(certs.join(format!("{name}.crt"))).unwrap();
    // `lego renew --days N` renews once fewer than N days are left: with
    // more days than the certificate's whole validity, now.
    let (mut cmd, _) = lego(&ca, &server, &root, name);
    succeed(cmd.args([
        "--http",
        "--http.port",
        &format!("127.0.0.1:{}", server.http01_port),
        "renew",
        "--days",
        "1000",
        "--no-random-sleep",
    ]));
    let cert = ca.work().join("lego-http.pem");
    // lego archives the file when it revokes: keep a copy.
    std::fs::copy(certs.join(format!("{name}.crt")), &cert).unwrap();
    assert_ne!(first, std::fs::read(&cert).unwrap(), "lego renewed");
    verify(&root, &cert, name);
    assert_not_revoked(&ca, &server, &root, &cert, name);
    let ext = succeed(
        crate::support::OPENSSL
            .command()
            .args([
                "x509",
                "-noout",
                "-ext",
                "crlDistributionPoints",
                "-serial",
                "-in",
            ])
            .arg(&cert),
    );
    let ext = String::from_utf8_lossy(&ext.stdout).into_owned();
    assert!(ext.contains(&format!("URI:{crl_url}")), "{ext}");
    let serial = ext
        .lines()
        .find_map(|l| l.strip_prefix("serial="))
        .unwrap()
        .to_string();
    assert!(!crl_text(&ca, &crl_url).contains(&serial));

    let (mut cmd, _) = lego(&ca, &server, &root, name);
    succeed(cmd.args(["revoke", "--reason", "4"]));
    // The revocation is in the CA directory: `ca revoke` finds it done.
    let again = run(ca.command("revoke").arg(&cert));
    assert_eq!(
        again.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("already revoked"));
    // The CRL at the certificate's distribution point now lists it.
    let listed = crl_text(&ca, &crl_url);
    assert!(
        listed.contains(&format!("Serial Number: {serial}")),
        "{listed}"
    );
    // And so does GET /crl on the ACME server; `ca verify` refuses it.
    assert_revoked(&ca, &server, &root, &cert, name);
}

#[test]
fn lego_tls_alpn01_gets_a_certificate() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let name = "lego-tls.acme.test";
    let server = AcmeServer::start(&ca, &[name]);
    let (mut cmd, certs) = lego(&ca, &server, &root, name);
    succeed(cmd.args([
        "--tls",
        "--tls.port",
        &format!("127.0.0.1:{}", server.tls_alpn01_port),
        "run",
    ]));
    verify(&root, &certs.join(format!("{name}.crt")), name);
}
