//! `ca trust` proven by real clients against nginx on 127.0.0.1 serving a
//! leaf `ca` issued, with no option telling them about our root:
//!
//! - the system store, for real, inside a private mount namespace
//!   (`unshare --mount`, tmpfs over the Debian anchor and bundle
//!   directories, the originals copied in first so the system's roots still
//!   work): curl, `openssl s_client` with its default paths and Python's
//!   `ssl.create_default_context()` accept the server after `install` and
//!   refuse it before and after `uninstall`. The machine's real store is
//!   checked unchanged afterwards.
//! - Chromium (headless, HOME in a temporary folder) loads the page after
//!   `install --store nss`; it refuses before, after a system-store-only
//!   install (it does not read the OpenSSL bundle) and after uninstall.
//! - Java (single-file source launch) trusting a copy of cacerts changed
//!   with `--java-keystore`.
//! - `ca trust env`: curl, Python requests, Node with only the variables.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, describe, pki, run, Pki, Server, Tool, CURL, OPENSSL};

mod namespace;
mod runtimes;

use namespace::{real_store_snapshot, PrivateStore, BUNDLE, JAVA_CACERTS, NSENTER, UNSHARE};

const CHROMIUM: Tool = Tool {
    program: "chromium",
    package: "the Debian package `chromium`",
};
const CERTUTIL: Tool = Tool {
    program: "certutil",
    package: "the Debian package `libnss3-tools`",
};
const UPDATE_CA_CERTIFICATES: Tool = Tool {
    program: "update-ca-certificates",
    package: "the Debian package `ca-certificates`",
};
pub(super) const PYTHON: Tool = Tool {
    program: "python3",
    package: "the Debian package `python3`",
};
pub(super) const JAVA: Tool = Tool {
    program: "java",
    package: "the Debian package `openjdk-17-jdk-headless`",
};
pub(super) const KEYTOOL: Tool = Tool {
    program: "keytool",
    package: "the Debian package `openjdk-17-jdk-headless`",
};
pub(super) const NODE: Tool = Tool {
    program: "node",
    package: "the Debian package `nodejs`",
};
const TIMEOUT: Tool = Tool {
    program: "timeout",
    package: "the Debian package `coreutils`",
};

/// `ca trust SUB --ca-dir DIR ARGS` for `pki`, with HOME at `home`; `cmd`
/// is the program that runs `ca` (nsenter into the namespace, or env).
pub(super) fn ca_trust(
    cmd: &mut Command,
    pki: &Pki,
    home: &Path,
    sub: &str,
    args: &[&str],
) -> Output {
    cmd.arg(env!("CARGO_BIN_EXE_ca"))
        .args(["trust", sub, "--ca-dir"])
        .arg(&pki.ca.dir)
        .args(args)
        .env("HOME", home)
        .env_remove("CA_DIR")
        .env_remove("JAVA_HOME");
    let out = run(cmd);
    assert!(
        out.status.success(),
        "expected success: {}",
        describe(cmd, &out)
    );
    out
}

/// A token no error page contains.
pub(super) fn token(what: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("ca-trust-{what}-{}-{nanos}", std::process::id())
}

/// The three OpenSSL-based clients, each with the system's default trust
/// and nothing else: true when each accepted the server (all must agree).
fn system_clients_accept(ns: &PrivateStore, port: u16, page: &str) -> bool {
    let mut curl = ns.command(&CURL.path());
    curl.args([
        "--silent",
        "--show-error",
        "--max-time",
        "20",
        "--noproxy",
        "*",
    ])
    .arg("--resolve")
    .arg(format!("localhost:{port}:127.0.0.1"))
    .arg(format!("https://localhost:{port}/"))
    .env_remove("CURL_CA_BUNDLE")
    .env_remove("SSL_CERT_FILE")
    .env_remove("SSL_CERT_DIR");
    let curl_out = run(&mut curl);
    let curl_ok = curl_out.status.success();
    if curl_ok {
        assert_eq!(String::from_utf8_lossy(&curl_out.stdout).trim(), page);
    }

    let mut s_client = ns.command(&OPENSSL.path());
    s_client
        .args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-servername", "localhost", "-verify_hostname", "localhost"])
        .args(["-verify_return_error", "-brief"])
        .stdin(Stdio::null())
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    let s_client_out = run(&mut s_client);
    let s_client_ok = s_client_out.status.success();

    let mut python = ns.command(&PYTHON.path());
    python
        .arg("-c")
        .arg(
            "import socket, ssl, sys\n\
             ctx = ssl.create_default_context()\n\
             raw = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20)\n\
             s = ctx.wrap_socket(raw, server_hostname='localhost')\n\
             s.sendall(b'GET / HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n')\n\
             print(s.recv(65536).decode().split('\\r\\n\\r\\n', 1)[1].strip())\n",
        )
        .arg(port.to_string())
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    let python_out = run(&mut python);
    let python_ok = python_out.status.success();
    if python_ok {
        assert_eq!(String::from_utf8_lossy(&python_out.stdout).trim(), page);
    }

    assert!(
        curl_ok == s_client_ok && s_client_ok == python_ok,
        "the clients disagree:\n{}\n{}\n{}",
        describe(&curl, &curl_out),
        describe(&s_client, &s_client_out),
        describe(&python, &python_out)
    );
    if !curl_ok {
        // Refused for the right reason: an unknown issuer.
        let why = String::from_utf8_lossy(&python_out.stderr);
        assert!(why.contains("CERTIFICATE_VERIFY_FAILED"), "{why}");
    }
    curl_ok
}

fn checked_tools() {
    for tool in [
        UNSHARE,
        NSENTER,
        UPDATE_CA_CERTIFICATES,
        PYTHON,
        CURL,
        OPENSSL,
    ] {
        tool.path();
    }
}

#[test]
fn system_store_in_a_private_namespace_curl_openssl_python() {
    checked_tools();
    let pki = pki("ecdsa-p256");
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = work.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let page = token("system");
    let server = Server::nginx_page(
        work.path(),
        &pki.server.fullchain,
        &pki.server.key,
        None,
        None,
        &page,
    );
    let real_before = real_store_snapshot();
    {
        let ns = PrivateStore::new(&work.path().join("stage"));
        let in_ns = |sub: &str| {
            ca_trust(
                &mut ns.command(Path::new("/usr/bin/env")),
                pki,
                &home,
                sub,
                &["--store", "system"],
            )
        };
        assert!(
            !system_clients_accept(&ns, server.port, &page),
            "trusted before install"
        );

        let first = in_ns("install");
        let second = in_ns("install");
        assert!(
            String::from_utf8_lossy(&second.stdout).contains("nothing changed"),
            "{}\n{}",
            String::from_utf8_lossy(&first.stdout),
            String::from_utf8_lossy(&second.stdout)
        );
        assert!(
            system_clients_accept(&ns, server.port, &page),
            "not trusted after install; nginx log:\n{}",
            server.log_text()
        );
        in_ns("status");

        in_ns("uninstall");
        assert!(
            !system_clients_accept(&ns, server.port, &page),
            "trusted after uninstall"
        );
        // Public roots still work in the namespace: the copy is whole.
        let mut count = ns.command(&OPENSSL.path());
        count.args(["storeutl", "-noout", "-certs", BUNDLE]);
        let listed = support::succeed(&mut count);
        let total = String::from_utf8_lossy(&listed.stdout);
        assert!(total.contains("Total found:"), "{total}");
    }
    assert_eq!(
        real_store_snapshot(),
        real_before,
        "the real system store changed"
    );
}

/// Headless Chromium with a new profile: the page it loaded, or `None`
/// with the reason it gave.
fn chromium_loads(
    ns: &PrivateStore,
    home: &Path,
    profile: &Path,
    port: u16,
) -> Result<String, String> {
    let _ = std::fs::remove_dir_all(profile);
    std::fs::create_dir_all(profile).unwrap();
    // timeout(1) signals Chromium's whole process group; the deadline
    // below is a second bound.
    let mut cmd = ns.command(&TIMEOUT.path());
    cmd.args(["-k", "5", "90"])
        .arg(CHROMIUM.path())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("https://localhost:{port}/"))
        .env("HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("cannot start chromium");
    let out = wait_bounded(child, Duration::from_secs(120));
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    if dom.contains("<body>") {
        Ok(dom)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn wait_bounded(mut child: Child, limit: Duration) -> Output {
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("poll").is_some() {
            return child.wait_with_output().expect("collect output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect output");
            panic!(
                "chromium did not finish within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn chromium_trusts_the_root_after_nss_install_only() {
    checked_tools();
    CHROMIUM.path();
    CERTUTIL.path();
    let pki = pki("ecdsa-p256");
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = work.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let profile = work.path().join("chromium-profile");
    let page = token("chromium");
    let server = Server::nginx_page(
        work.path(),
        &pki.server.fullchain,
        &pki.server.key,
        None,
        None,
        &page,
    );
    let real_before = real_store_snapshot();
    {
        let ns = PrivateStore::new(&work.path().join("stage"));
        let trust = |sub: &str, store: &str| {
            ca_trust(
                &mut ns.command(Path::new("/usr/bin/env")),
                pki,
                &home,
                sub,
                &["--store", store],
            )
        };
        let refused = |when: &str| {
            let why = chromium_loads(&ns, &home, &profile, server.port)
                .map(|dom| panic!("Chromium loaded the page {when}: {dom}"))
                .unwrap_err();
            assert!(why.contains("ERR_CERT_AUTHORITY_INVALID"), "{when}: {why}");
        };

        refused("before install");

        // The system store alone: OpenSSL clients accept, Chromium does not.
        trust("install", "system");
        assert!(system_clients_accept(&ns, server.port, &page));
        refused("after a system-store-only install");

        trust("install", "nss");
        let dom = chromium_loads(&ns, &home, &profile, server.port)
            .unwrap_or_else(|why| panic!("Chromium refused after install --store nss: {why}"));
        assert!(dom.contains(&page), "{dom}");

        trust("uninstall", "nss");
        trust("uninstall", "system");
        refused("after uninstall");
    }
    assert_eq!(
        real_store_snapshot(),
        real_before,
        "the real system store changed"
    );
}

/// With no --store, `ca trust install` uses every store found: inside the
/// namespace that is the system store, NSS (HOME in a temporary folder)
/// and Java, whose Debian cacerts is in the copied /etc/ssl/certs.
#[test]
fn install_with_no_store_named_uses_every_store_found() {
    checked_tools();
    CERTUTIL.path();
    let cacerts = std::fs::canonicalize(runtimes::runtime_cacerts()).unwrap();
    assert_eq!(
        cacerts,
        Path::new(JAVA_CACERTS),
        "this test changes Java's cacerts inside the namespace only, which needs Debian's \
         layout (the JDK's cacerts a link to {JAVA_CACERTS})"
    );
    let pki = pki("ecdsa-p256");
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let home = work.path().join("home");
    std::fs::create_dir(&home).unwrap();
    let real_before = real_store_snapshot();
    {
        let ns = PrivateStore::new(&work.path().join("stage"));
        let trust = |sub: &str, args: &[&str]| {
            let mut cmd = ns.command(Path::new("/usr/bin/env"));
            cmd.arg(env!("CARGO_BIN_EXE_ca"))
                .args(["trust", sub, "--ca-dir"])
                .arg(&pki.ca.dir)
                .args(args)
                .env("HOME", &home)
                .env_remove("CA_DIR")
                .env_remove("JAVA_HOME");
            let out = run(&mut cmd);
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                describe(&cmd, &out),
            )
        };
        let (code, _, text) = trust("status", &[]);
        assert_eq!(code, Some(1), "{text}");

        let (code, stdout, text) = trust("install", &[]);
        assert_eq!(code, Some(0), "{text}");
        for store in ["system", "nss", "java"] {
            assert!(
                stdout.contains(&format!("{store}: ")) && stdout.contains("added"),
                "{text}"
            );
        }
        let (code, stdout, text) = trust("install", &[]);
        assert_eq!(code, Some(0), "{text}");
        assert!(stdout.contains("nothing changed"), "{text}");

        let (code, stdout, text) = trust("status", &["--json"]);
        assert_eq!(code, Some(0), "{text}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let stores: Vec<(&str, bool)> = json["stores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["store"].as_str().unwrap(),
                    s["installed"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            stores,
            [("system", true), ("nss", true), ("java", true)],
            "{stdout}"
        );

        let (code, _, text) = trust("uninstall", &[]);
        assert_eq!(code, Some(0), "{text}");
        let (code, _, text) = trust("status", &[]);
        assert_eq!(code, Some(1), "{text}");
    }
    assert_eq!(
        real_store_snapshot(),
        real_before,
        "the real system store changed"
    );
}
