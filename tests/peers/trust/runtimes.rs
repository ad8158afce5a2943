//! Java (single-file source launch) trusting a copy of cacerts changed with
//! `--java-keystore`, and curl, Python requests and Node trusting our root
//! through the variables `ca trust env` prints.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{ca_trust, token, JAVA, KEYTOOL, NODE, PYTHON};
use crate::support::{self, describe, pki, run, Server, CURL};

const FETCH_JAVA: &str = r#"import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Prints the body of an HTTPS GET, trusting what javax.net.ssl.trustStore holds. */
public class Fetch {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder()
            .connectTimeout(java.time.Duration.ofSeconds(20)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[0])).build();
        System.out.print(client.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
"#;

/// The cacerts of the `java` on PATH.
pub(super) fn runtime_cacerts() -> PathBuf {
    let java = std::fs::canonicalize(JAVA.path()).expect("resolve java");
    let home = java
        .parent()
        .and_then(Path::parent)
        .expect("JAVA_HOME/bin/java");
    let cacerts = home.join("lib/security/cacerts");
    assert!(cacerts.exists(), "no cacerts at {}", cacerts.display());
    cacerts
}

#[test]
fn java_trusts_the_root_in_a_copy_of_cacerts() {
    KEYTOOL.path();
    let pki = pki("ecdsa-p256");
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = work.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let keystore = work.path().join("cacerts");
    std::fs::copy(runtime_cacerts(), &keystore).unwrap();
    let source = work.path().join("Fetch.java");
    support::write_file(&source, FETCH_JAVA);
    let page = token("java");
    let server = Server::nginx_page(
        work.path(),
        &pki.server.fullchain,
        &pki.server.key,
        None,
        None,
        &page,
    );
    let fetch = || {
        let mut cmd = JAVA.command();
        cmd.arg(format!("-Djavax.net.ssl.trustStore={}", keystore.display()))
            .arg("-Djavax.net.ssl.trustStorePassword=changeit")
            .arg(&source)
            .arg(format!("https://localhost:{}/", server.port))
            .env_remove("JAVA_TOOL_OPTIONS");
        let out = run(&mut cmd);
        (
            out.status.success(),
            describe(&cmd, &out),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let ks = keystore.to_str().unwrap();
    let store = ["--store", "java", "--java-keystore", ks];

    let (ok, text, _) = fetch();
    assert!(!ok && text.contains("PKIX path building failed"), "{text}");
    ca_trust(
        &mut Command::new("/usr/bin/env"),
        pki,
        &home,
        "install",
        &store,
    );
    let (ok, text, body) = fetch();
    assert!(ok, "{text}");
    assert_eq!(body.trim(), page);
    ca_trust(
        &mut Command::new("/usr/bin/env"),
        pki,
        &home,
        "uninstall",
        &store,
    );
    let (ok, text, _) = fetch();
    assert!(!ok && text.contains("PKIX path building failed"), "{text}");
}

#[test]
fn runtimes_with_their_own_roots_trust_it_through_ca_trust_env() {
    let pki = pki("ecdsa-p256");
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let page = token("env");
    let server = Server::nginx_page(
        work.path(),
        &pki.server.fullchain,
        &pki.server.key,
        None,
        None,
        &page,
    );
    let out_dir = work.path().join("env");
    let printed = ca_trust(
        &mut Command::new("/usr/bin/env"),
        pki,
        work.path(),
        "env",
        &["--out", out_dir.to_str().unwrap()],
    );
    let vars: Vec<(String, String)> = String::from_utf8_lossy(&printed.stdout)
        .lines()
        .map(|l| {
            let (name, value) = l.strip_prefix("export ").unwrap().split_once('=').unwrap();
            (name.to_owned(), value.trim_matches('\'').to_owned())
        })
        .collect();
    let url = format!("https://localhost:{}/", server.port);
    let with_vars = |cmd: &mut Command| -> Output {
        for name in [
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
            "REQUESTS_CA_BUNDLE",
            "NODE_EXTRA_CA_CERTS",
            "CURL_CA_BUNDLE",
        ] {
            cmd.env_remove(name);
        }
        let plain = run(cmd);
        assert!(
            !plain.status.success(),
            "trusted without the variables: {}",
            describe(cmd, &plain)
        );
        cmd.envs(vars.iter().map(|(n, v)| (n, v)));
        let out = run(cmd);
        assert!(out.status.success(), "{}", describe(cmd, &out));
        out
    };

    // curl reads CURL_CA_BUNDLE.
    let mut curl = CURL.command();
    curl.args([
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--noproxy",
        "*",
    ])
    .arg("--resolve")
    .arg(format!("localhost:{}:127.0.0.1", server.port))
    .arg(&url);
    let out = with_vars(&mut curl);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), page);

    // Python requests reads REQUESTS_CA_BUNDLE (certifi otherwise).
    let mut requests = PYTHON.command();
    requests
        .arg("-c")
        .arg("import requests, sys; print(requests.get(sys.argv[1], timeout=20).text.strip())")
        .arg(&url)
        .env("NO_PROXY", "*");
    let out = with_vars(&mut requests);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        page,
        "python3-requests (Debian) or requests (PyPI)"
    );

    // Node adds NODE_EXTRA_CA_CERTS to its own roots.
    let mut node = NODE.command();
    node.arg("-e")
        .arg(
            "require('https').get(process.argv[1], r => { let b=''; r.on('data', d => b += d); \
             r.on('end', () => console.log(b.trim())); }).on('error', e => { console.error(e.message); process.exit(1); });",
        )
        .arg(&url);
    let out = with_vars(&mut node);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), page);
}
