//! `ca acme serve` next to the DNS server of Pebble's test tools
//! (`pebble-challtestsrv`, records set through its management API):
//! dns-01 and CAA with lego; and the same lego command against Pebble
//! itself and against `ca acme serve`.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::acme::{lego, verify, AcmeServer, LEGO};
use crate::support::{free_port, run, succeed, Ca, Tool};

const PEBBLE: Tool = Tool {
    program: "pebble",
    package: "the Debian package `pebble`",
};
const CHALLTESTSRV: Tool = Tool {
    program: "pebble-challtestsrv",
    package: "the Debian package `pebble`",
};

/// A child process killed when dropped (Pebble and its DNS server).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Pebble (`PEBBLE_VA_NOSLEEP=1`) on 127.0.0.1 with an HTTPS certificate
/// from `ca`, resolving every name to 127.0.0.1 through
/// pebble-challtestsrv; returns the directory URL, the http-01 port and
/// the management port (where Pebble's random root is published).
fn start_pebble(ca: &Ca) -> (Vec<Killed>, String, u16, u16) {
    let out = ca.new_out_dir();
    succeed(
        ca.command("issue")
            .args(["localhost", "127.0.0.1", "--out"])
            .arg(&out),
    );
    let (listen, management, http01, tls, dns) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let config = serde_json::json!({"pebble": {
        "listenAddress": format!("127.0.0.1:{listen}"),
        "managementListenAddress": format!("127.0.0.1:{management}"),
        "certificate": out.join("localhost.pem"),
        "privateKey": out.join("localhost-key.pem"),
        "httpPort": http01, "tlsPort": tls,
        "ocspResponderURL": "", "externalAccountBindingRequired": false,
    }});
    let config_path = ca.work().join("pebble.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let dns_server = CHALLTESTSRV
        .command()
        .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
        .args([
            "-dns01",
            &format!("127.0.0.1:{dns}"),
            "-http01",
            "",
            "-https01",
            "",
            "-tlsalpn01",
            "",
        ])
        .args(["-management", &format!("127.0.0.1:{}", free_port())])
        .stdout(Stdio::null())
        .spawn()
        .expect("cannot start pebble-challtestsrv");
    let dns_server = Killed(dns_server);
    let pebble = PEBBLE
        .command()
        .env("PEBBLE_VA_NOSLEEP", "1")
        .arg("-config")
        .arg(&config_path)
        .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
        .stdout(Stdio::null())
        .spawn()
        .expect("cannot start pebble");
    let pebble = Killed(pebble);
    wait_listening(listen, "pebble");
    wait_listening(management, "pebble's management interface");
    (
        vec![pebble, dns_server],
        format!("https://127.0.0.1:{listen}/dir"),
        http01,
        management,
    )
}

/// Issue 10: the same lego command against Pebble and against `ca acme
/// serve` succeeds with both (docs/acme.md lists where they differ).
#[test]
fn the_same_lego_command_works_against_pebble_and_ca() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let name = "both.acme.test";
    let (_pebble, pebble_directory, pebble_http01, management) = start_pebble(&ca);
    let ours = AcmeServer::start(&ca, &[name]);
    for (label, directory, http01) in [
        ("pebble", pebble_directory.as_str(), pebble_http01),
        ("ca", ours.directory.as_str(), ours.http01_port),
    ] {
        let path = ca.work().join(format!("lego-{label}"));
        let mut cmd = LEGO.command();
        cmd.env("LEGO_CA_CERTIFICATES", &root)
            .args([
                "--server",
                directory,
                "--accept-tos",
                "--email",
                "admin@example.test",
                "--domains",
                name,
            ])
            .arg("--path")
            .arg(&path)
            .args([
                "--http",
                "--http.port",
                &format!("127.0.0.1:{http01}"),
                "run",
            ]);
        succeed(&mut cmd);
        let cert = path.join("certificates").join(format!("{name}.crt"));
        let trust = if label == "pebble" {
            // Pebble makes a new root at every start and publishes it.
            let mut curl = crate::support::CURL.command();
            curl.args(["-sSf", "--cacert"])
                .arg(&root)
                .arg(format!("https://127.0.0.1:{management}/roots/0"));
            let pem = succeed(&mut curl).stdout;
            let file = ca.work().join("pebble-root.pem");
            std::fs::write(&file, pem).unwrap();
            file
        } else {
            root.clone()
        };
        verify(&trust, &cert, name);
    }
}

/// dns-01 with a real client: lego's `exec` DNS provider puts the TXT
/// records into pebble-challtestsrv (through its management API, with
/// curl), and `ca acme serve --dns` asks that server. The order is for a
/// wildcard and its base name (RFC 8555 §7.1.3, §8.4), the account is
/// bound to an external account (§7.3.4, lego --eab) and agrees to the
/// terms of service (§7.3).
#[test]
fn lego_dns01_gets_a_wildcard_certificate_with_eab_and_terms() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let (dns, management) = (free_port(), free_port());
    let _dns_server = Killed(
        CHALLTESTSRV
            .command()
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-management", &format!("127.0.0.1:{management}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .stdout(Stdio::null())
            .spawn()
            .expect("cannot start pebble-challtestsrv"),
    );
    wait_listening(management, "pebble-challtestsrv");
    let hook = ca.work().join("dns-hook.sh");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n# lego's exec provider: present|cleanup FQDN VALUE\n\
             case \"$1\" in\n\
             present) exec curl -sSf -d \"{{\\\"host\\\":\\\"$2\\\",\\\"value\\\":\\\"$3\\\"}}\" http://127.0.0.1:{management}/set-txt ;;\n\
             cleanup) exec curl -sSf -d \"{{\\\"host\\\":\\\"$2\\\"}}\" http://127.0.0.1:{management}/clear-txt ;;\n\
             esac\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();

    // The HMAC key the operator hands out, base64url without padding.
    let hmac = "c2VjcmV0LWtleS1mb3ItdGhlLXRlc3QtMDEyMzQ1Njc";
    let server = AcmeServer::start_with(
        &ca,
        &[],
        &[
            "--dns".into(),
            format!("127.0.0.1:{dns}"),
            "--eab".into(),
            format!("team-a={hmac}"),
            "--tos".into(),
            "https://ca.example.test/terms".into(),
        ],
    );
    let path = ca.work().join("lego-dns");
    let lego = |eab: bool| {
        let mut cmd = LEGO.command();
        cmd.env("LEGO_CA_CERTIFICATES", &root)
            .env("EXEC_PATH", &hook)
            .env("EXEC_POLLING_INTERVAL", "1")
            .env("EXEC_PROPAGATION_TIMEOUT", "30")
            // lego's exec provider solves one name at a time, 60 s apart by default.
            .env("EXEC_SEQUENCE_INTERVAL", "1")
            .args(["--server", &server.directory, "--accept-tos"])
            .args(["--email", "admin@example.test"])
            .arg("--path")
            .arg(&path)
            .args([
                "--domains",
                "*.wild.acme.test",
                "--domains",
                "wild.acme.test",
            ])
            .args(["--dns", "exec", "--dns.disable-cp"])
            .args(["--dns.resolvers", &format!("127.0.0.1:{dns}")]);
        if eab {
            cmd.args(["--eab", "--kid", "team-a", "--hmac", hmac]);
        }
        cmd.arg("run");
        cmd
    };
    // Without the binding there is no account: the directory says
    // externalAccountRequired, which lego reads before trying.
    let refused = run(&mut lego(false));
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr).to_string()
        + &String::from_utf8_lossy(&refused.stdout);
    assert!(said.contains("External Account Binding"), "{said}");

    succeed(&mut lego(true));
    let cert = path.join("certificates/_.wild.acme.test.crt");
    verify(&root, &cert, "host.wild.acme.test");
    verify(&root, &cert, "wild.acme.test");
}

/// CAA (RFC 8659) through the CLI: `ca acme serve --dns --caa-identity`
/// asks pebble-challtestsrv (records set through its /add-caa API with
/// curl); lego is refused for a name whose CAA names another CA, with the
/// `caa` error in its output, and gets a certificate for a name whose CAA
/// names this CA.
#[test]
fn lego_is_refused_by_caa_records_naming_another_ca() {
    let ca = Ca::new();
    let root = ca.init("ecdsa-p256").cert;
    let (dns, management) = (free_port(), free_port());
    let _dns_server = Killed(
        CHALLTESTSRV
            .command()
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-management", &format!("127.0.0.1:{management}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .stdout(Stdio::null())
            .spawn()
            .expect("cannot start pebble-challtestsrv"),
    );
    wait_listening(management, "pebble-challtestsrv");
    let add_caa = |host: &str, issuer: &str| {
        let body = serde_json::json!({
            "host": format!("{host}."),
            "policies": [{"tag": "issue", "value": issuer}],
        });
        succeed(
            crate::support::CURL
                .command()
                .args(["-sSf", "-d", &body.to_string()])
                .arg(format!("http://127.0.0.1:{management}/add-caa")),
        );
    };
    let (denied, allowed) = ("denied.caa.acme.test", "allowed.caa.acme.test");
    add_caa(denied, "letsencrypt.org");
    add_caa(allowed, "ca.example.test");
    let server = AcmeServer::start_with(
        &ca,
        &[denied, allowed],
        &[
            "--dns".into(),
            format!("127.0.0.1:{dns}"),
            "--caa-identity".into(),
            "ca.example.test".into(),
        ],
    );
    let lego_http = |name: &str| {
        let (mut cmd, certs) = lego(&ca, &server, &root, name);
        cmd.args([
            "--http",
            "--http.port",
            &format!("127.0.0.1:{}", server.http01_port),
            "run",
        ]);
        (cmd, certs)
    };
    let (mut cmd, _) = lego_http(denied);
    let refused = run(&mut cmd);
    let said = String::from_utf8_lossy(&refused.stderr).to_string()
        + &String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("urn:ietf:params:acme:error:caa") && said.contains("letsencrypt.org"),
        "{said}"
    );

    let (mut cmd, certs) = lego_http(allowed);
    succeed(&mut cmd);
    verify(&root, &certs.join(format!("{allowed}.crt")), allowed);
}
