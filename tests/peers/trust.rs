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

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{self, describe, pki, run, Pki, Server, Tool, CURL, OPENSSL};

const UNSHARE: Tool = Tool {
    program: "unshare",
    package: "the Debian package `util-linux`",
};
const NSENTER: Tool = Tool {
    program: "nsenter",
    package: "the Debian package `util-linux`",
};
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
const PYTHON: Tool = Tool {
    program: "python3",
    package: "the Debian package `python3`",
};
const JAVA: Tool = Tool {
    program: "java",
    package: "the Debian package `openjdk-17-jdk-headless`",
};
const KEYTOOL: Tool = Tool {
    program: "keytool",
    package: "the Debian package `openjdk-17-jdk-headless`",
};
const NODE: Tool = Tool {
    program: "node",
    package: "the Debian package `nodejs`",
};
const TIMEOUT: Tool = Tool {
    program: "timeout",
    package: "the Debian package `coreutils`",
};

/// The Debian system store: where anchors go, and the directory holding
/// the bundle and hashed links clients read.
const ANCHOR_DIR: &str = "/usr/local/share/ca-certificates";
const CERTS_DIR: &str = "/etc/ssl/certs";
const BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";
/// Hooks run by update-ca-certificates (Debian's Java hook changes dpkg
/// state): hidden behind an empty tmpfs in the namespace.
const HOOKS_DIR: &str = "/etc/ca-certificates/update.d";
const CERTS_CONF: &str = "/etc/ca-certificates.conf";

/// A private mount namespace in which the system store is a copy on
/// tmpfs. A holder process keeps it alive; commands enter it with
/// nsenter. Dropping it kills the holder, and the copies go with it.
struct PrivateStore {
    holder: Child,
}

impl PrivateStore {
    fn new(stage: &Path) -> PrivateStore {
        let script = format!(
            r#"set -eu
stage="$1"
for d in {ANCHOR_DIR} {CERTS_DIR}; do
  mkdir -p "$stage$d"
  cp -a "$d/." "$stage$d/"
  mount -t tmpfs -o mode=0755 tmpfs "$d"
  cp -a "$stage$d/." "$d/"
done
if [ -d {HOOKS_DIR} ]; then mount -t tmpfs -o mode=0755 tmpfs {HOOKS_DIR}; fi
cp {CERTS_CONF} "$stage/ca-certificates.conf"
mount --bind "$stage/ca-certificates.conf" {CERTS_CONF}
echo READY
# Bounded: the namespace ends with this process even if the test is killed.
exec sleep 900
"#
        );
        let mut holder = UNSHARE
            .command()
            .args([
                "--mount",
                "--propagation",
                "private",
                "bash",
                "-c",
                &script,
                "ns",
            ])
            .arg(stage)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start unshare");
        let stdout = holder.stdout.take().expect("piped");
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        if line.trim() != "READY" {
            let _ = holder.kill();
            let out = holder.wait_with_output().expect("wait for unshare");
            panic!(
                "cannot make a private mount namespace (this test runs as root: \
                 `unshare --mount` needs CAP_SYS_ADMIN): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        PrivateStore { holder }
    }

    /// `program` run inside the namespace.
    fn command(&self, program: &Path) -> Command {
        let mut cmd = NSENTER.command();
        cmd.arg("--target")
            .arg(self.holder.id().to_string())
            .arg("--mount")
            .arg("--")
            .arg(program);
        cmd
    }
}

impl Drop for PrivateStore {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// What the real system store holds, to check nothing leaked into it.
fn real_store_snapshot() -> String {
    let mut snapshot = String::new();
    for dir in [ANCHOR_DIR, CERTS_DIR] {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        snapshot += &format!("{dir}: {}\n", names.join(" "));
    }
    for file in [BUNDLE, CERTS_CONF] {
        let out = support::succeed(OPENSSL.command().args(["dgst", "-sha256", file]));
        snapshot += &String::from_utf8_lossy(&out.stdout);
    }
    snapshot
}

/// `ca trust SUB --ca-dir DIR ARGS` for `pki`, run through `wrap` (the
/// namespace, or not) with HOME at `home`.
fn ca_trust(cmd: &mut Command, pki: &Pki, home: &Path, sub: &str, args: &[&str]) -> Output {
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
fn token(what: &str) -> String {
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
        &pki.server.chain,
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
        &pki.server.chain,
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
fn runtime_cacerts() -> PathBuf {
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
        &pki.server.chain,
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
        &pki.server.chain,
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
