//! `ca probe` and `ca serve` on their own (no other peer): connection failures exit 2
//! quickly and within --timeout, each with its own message; bad usage exits 2; `ca serve
//! NAME` issues from the CA directory and `ca probe` against it walks the whole handshake,
//! --save writes what was sent, and SIGTERM stops the server cleanly.

mod common;
#[path = "../../../tests/support/serve.rs"]
mod serve;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{ca, json, Run};
use serve::CaServe;

/// `ca probe TARGET ARGS` with an empty CA directory and a root that trusts nothing here.
fn probe(dir: &Path, target: &str, args: &[&str]) -> (Run, Duration) {
    let root = make_root(dir);
    let started = Instant::now();
    let run = ca(
        dir,
        &[&["probe", target, "--roots", root.as_str()], args].concat(),
    );
    (run, started.elapsed())
}

/// A root certificate from a CA directory of its own (made once per folder).
fn make_root(dir: &Path) -> String {
    let ca_dir = dir.join("roots-ca");
    if !ca_dir.exists() {
        let run = ca(dir, &["init", "--ca-dir", ca_dir.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    ca_dir.join("root/cert.pem").to_str().unwrap().to_string()
}

fn exit_2_within(run: &Run, took: Duration, limit: Duration, words: &str) {
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(words),
        "no `{words}` in the message: {}",
        run.stderr
    );
    assert!(took < limit, "took {took:?}, more than {limit:?}");
}

#[test]
fn a_closed_port_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (run, took) = probe(dir.path(), &format!("127.0.0.1:{port}"), &[]);
    exit_2_within(&run, took, Duration::from_secs(5), "connection refused");
}

#[test]
fn a_port_that_never_answers_stops_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    // The kernel accepts the connection into the backlog; nobody ever answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let (run, took) = probe(
        dir.path(),
        &format!("localhost:{port}"),
        &["--timeout", "1.5"],
    );
    exit_2_within(
        &run,
        took,
        Duration::from_millis(4000),
        "within the timeout",
    );
    assert!(
        took >= Duration::from_millis(1400),
        "gave up early: {took:?}"
    );
    assert!(
        run.stderr.contains("step 2 (server hello)"),
        "{}",
        run.stderr
    );
    drop(silent);
}

#[test]
fn a_service_that_is_not_tls() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A plain-text greeting, as an SMTP server sends.
    let server = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let _ = sock.write_all(b"220 mail.example.test ESMTP ready\r\n");
        let mut buf = [0u8; 512];
        let _ = sock.read(&mut buf);
    });
    let (run, took) = probe(dir.path(), &format!("localhost:{port}"), &[]);
    exit_2_within(&run, took, Duration::from_secs(5), "not a TLS server");
    assert!(run.stderr.contains("--starttls"), "{}", run.stderr);
    server.join().unwrap();
}

#[test]
fn a_name_that_does_not_resolve() {
    let dir = tempfile::tempdir().unwrap();
    // .invalid never resolves (RFC 6761 section 6.4).
    let (run, took) = probe(dir.path(), "no-such-host.invalid:443", &["--timeout", "3"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("cannot resolve") || run.stderr.contains("resolving"),
        "{}",
        run.stderr
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn bad_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for (target, args, words) in [
        ("localhost:http", &[][..], "not a port number"),
        ("localhost:0", &[][..], "not a port number"),
        ("[::1", &[][..], "unclosed"),
        ("localhost:443", &["--timeout", "0"][..], "--timeout"),
        ("localhost:443", &["--tls", "1.1"][..], "1.1"),
        ("localhost:443", &["--starttls", "ftp"][..], "ftp"),
    ] {
        let (run, _) = probe(dir.path(), target, args);
        assert_eq!(run.code, 2, "{target} {args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(words),
            "{target} {args:?}: {}",
            run.stderr
        );
    }
    // No trust anchors at all.
    let empty = dir.path().join("nothing");
    let run = ca(
        dir.path(),
        &["probe", "localhost:1", "--ca-dir", empty.to_str().unwrap()],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no trust anchors"), "{}", run.stderr);
}

/// `ca serve NAME` from a CA directory made here.
fn serve_from_ca_dir(dir: &Path, ca_dir: &Path, extra: &[&str]) -> CaServe {
    let run = ca(dir, &["init", "--ca-dir", ca_dir.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
    cmd.args(["serve", "localhost", "127.0.0.1", "--ca-dir"])
        .arg(ca_dir)
        .args(extra)
        .current_dir(dir)
        .env_remove("CA_DIR");
    CaServe::start(cmd)
}

#[test]
fn probe_against_serve_with_the_ca_directory() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("ca");
    let serve = serve_from_ca_dir(dir.path(), &ca_dir, &[]);
    let ca_dir = ca_dir.to_str().unwrap();
    let target = format!("localhost:{}", serve.port);

    // The CA directory's root is the default trust.
    let run = ca(dir.path(), &["probe", &target, "--ca-dir", ca_dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("valid: CN=localhost"), "{}", run.stdout);

    // By IP address: no SNI, the IP is checked.
    let by_ip = format!("127.0.0.1:{}", serve.port);
    let run = ca(dir.path(), &["probe", &by_ip, "--ca-dir", ca_dir, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let j = json(&run);
    assert_eq!(j["offered"]["sni"], serde_json::Value::Null);

    // --save writes the chain as sent; never over an existing file without --force.
    let saved = dir.path().join("saved");
    let save = saved.to_str().unwrap();
    let run = ca(
        dir.path(),
        &["probe", &target, "--ca-dir", ca_dir, "--save", save],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let leaf = std::fs::read_to_string(saved.join("leaf.pem")).unwrap();
    assert!(leaf.starts_with("-----BEGIN CERTIFICATE-----"));
    assert!(saved.join("chain.pem").is_file());
    let run = ca(
        dir.path(),
        &["probe", &target, "--ca-dir", ca_dir, "--save", save],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let run = ca(
        dir.path(),
        &[
            "probe", &target, "--ca-dir", ca_dir, "--save", save, "--force",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);

    // --at after the leaf expires: the same connection, a chain no longer valid.
    let run = ca(
        dir.path(),
        &[
            "probe",
            &target,
            "--ca-dir",
            ca_dir,
            "--at",
            "2100-01-01T00:00:00Z",
            "--json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json(&run)["reason"], "expired");

    // Both TLS versions, each drawn with its own flights.
    for (tls, words) in [("1.3", "{Finished}"), ("1.2", "ClientKeyExchange")] {
        let run = ca(
            dir.path(),
            &[
                "probe",
                &target,
                "--ca-dir",
                ca_dir,
                "--tls",
                tls,
                "--explain",
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(run.stdout.contains(words), "TLS {tls}: {}", run.stdout);
        assert!(
            run.stdout.contains("VALID: every certificate"),
            "{}",
            run.stdout
        );
    }

    let logged = serve.wait_for_connections(6);
    assert!(logged.len() >= 6, "{logged:?}");
    let status = serve.terminate();
    assert!(status.success(), "SIGTERM: {status}");
}

#[test]
fn serve_refuses_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("no-ca");
    let run = ca(
        dir.path(),
        &["serve", "localhost", "--ca-dir", empty.to_str().unwrap()],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ca init"), "{}", run.stderr);

    // A key that is not the certificate's.
    let ca_dir = dir.path().join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let run = ca(dir.path(), &["init", "--ca-dir", ca_dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["a.test", "b.test"] {
        let run = ca(dir.path(), &["issue", name, "--ca-dir", ca_dir]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }
    let run = ca(
        dir.path(),
        &[
            "serve",
            "--cert",
            "a.test.pem",
            "--key",
            "b.test-key.pem",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used"), "{}", run.stderr);
}

/// The part of `--explain` from one step's heading to the next.
fn step<'a>(explain: &'a str, from: &str, to: &str) -> &'a str {
    let start = explain
        .find(from)
        .unwrap_or_else(|| panic!("no `{from}` in:\n{explain}"));
    let rest = &explain[start..];
    let end = rest.find(to).unwrap_or(rest.len());
    &rest[..end]
}

/// Issue 13: `ca serve` with a chain `ca` made (an ML-DSA-65 root over an ML-DSA-44 leaf, and
/// a classical P-256 chain), `ca probe` against it: TLS 1.3 over the hybrid X25519MLKEM768
/// group (both ends offer it first), the handshake signed with the leaf's key, and
/// `--explain` saying so at steps 2, 4 and 5.
#[test]
fn post_quantum_and_classical_chains_over_the_hybrid_group() {
    for (root_type, leaf_type, scheme) in [
        ("ecdsa-p256", "ecdsa-p256", "ecdsa_secp256r1_sha256"),
        ("ml-dsa-65", "ml-dsa-44", "mldsa44"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let ca_dir = dir.path().join("ca");
        let ca_dir = ca_dir.to_str().unwrap();
        let run = ca(
            dir.path(),
            &["init", "--ca-dir", ca_dir, "--key-type", root_type],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let run = ca(
            dir.path(),
            &[
                "issue",
                "localhost",
                "--ca-dir",
                ca_dir,
                "--key-type",
                leaf_type,
            ],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args([
            "serve",
            "--cert",
            "localhost.pem",
            "--key",
            "localhost-key.pem",
        ])
        .current_dir(dir.path())
        .env_remove("CA_DIR");
        let serve = CaServe::start(cmd);
        let target = format!("localhost:{}", serve.port);
        let ml_dsa = root_type.starts_with("ml-dsa");
        // The Web PKI profile follows the CA/B Baseline Requirements (6.1.5, 7.1.3.1), which
        // allow only RSA and ECDSA keys: it refuses an ML-DSA chain, said at step 4; RFC 5280
        // alone has no such list.
        let profile: &[&str] = if ml_dsa {
            let run = ca(
                dir.path(),
                &["probe", &target, "--ca-dir", ca_dir, "--json"],
            );
            assert_eq!(
                run.code, 1,
                "{}
{}",
                run.stdout, run.stderr
            );
            assert_eq!(json(&run)["reason"], "key_not_allowed", "{}", run.stdout);
            &["--profile", "rfc5280"]
        } else {
            &[]
        };

        let run = ca(
            dir.path(),
            &[
                &[
                    "probe", &target, "--ca-dir", ca_dir, "--tls", "1.3", "--json",
                ][..],
                profile,
            ]
            .concat(),
        );
        assert_eq!(run.code, 0, "{root_type}: {}\n{}", run.stdout, run.stderr);
        let j = json(&run);
        assert_eq!(j["version"], "TLSv1.3", "{j}");
        assert_eq!(j["group"], "X25519MLKEM768", "{j}");
        assert_eq!(j["post_quantum"], true, "{j}");
        assert_eq!(j["signature_scheme"], scheme, "{j}");
        assert_eq!(j["offered"]["groups"][0], "X25519MLKEM768", "{j}");
        let leaf = &j["chain"][0];
        let (key, signature) = if ml_dsa {
            ("ML-DSA-44", "ML-DSA-65")
        } else {
            ("ECDSA P256", "ECDSA SHA-256")
        };
        assert_eq!(leaf["public_key"], key, "{j}");
        assert_eq!(leaf["signature_algorithm"], signature, "{j}");

        let run = ca(
            dir.path(),
            &[
                &["probe", &target, "--ca-dir", ca_dir, "--explain"][..],
                profile,
            ]
            .concat(),
        );
        assert_eq!(run.code, 0, "{root_type}: {}\n{}", run.stdout, run.stderr);
        let out = &run.stdout;
        let hello = step(out, "2. Server hello", "3. Certificate");
        assert!(
            hello.contains(
                "group           X25519MLKEM768 (hybrid post-quantum: X25519 + ML-KEM-768"
            ),
            "{hello}"
        );
        let check = step(out, "4. The client checks", "5. Key exchange");
        assert!(check.contains("VALID"), "{check}");
        assert!(
            check.contains(&format!("the handshake transcript with {scheme}")),
            "{check}"
        );
        let kx = step(out, "5. Key exchange", "6. Finished");
        assert!(
            kx.contains("hybrid post-quantum key exchange on X25519MLKEM768: X25519 + ML-KEM-768"),
            "{kx}"
        );
        if ml_dsa {
            // The chain checked with ML-DSA signatures, by parameter set: the leaf signed
            // by the ML-DSA-65 root, holding an ML-DSA-44 key.
            assert!(
                check.contains("#0 signed with ML-DSA-65 by its issuer; its own key is ML-DSA-44"),
                "{check}"
            );
            assert!(check.contains("ML-DSA (FIPS 204"), "{check}");
        } else {
            assert!(
                check.contains(
                    "#0 signed with ECDSA SHA-256 by its issuer; its own key is ECDSA P256"
                ),
                "{check}"
            );
            assert!(!check.contains("ML-DSA"), "{check}");
        }
        let status = serve.terminate();
        assert!(status.success(), "SIGTERM: {status}");

        // `ca serve NAME --key-type`: a fresh leaf of that type from the CA directory.
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args([
            "serve",
            "localhost",
            "--key-type",
            leaf_type,
            "--ca-dir",
            ca_dir,
        ])
        .current_dir(dir.path())
        .env_remove("CA_DIR");
        let serve = CaServe::start(cmd);
        let target = format!("localhost:{}", serve.port);
        let run = ca(
            dir.path(),
            &[
                &["probe", &target, "--ca-dir", ca_dir, "--json"][..],
                profile,
            ]
            .concat(),
        );
        assert_eq!(run.code, 0, "{leaf_type}: {}\n{}", run.stdout, run.stderr);
        let j = json(&run);
        assert_eq!(j["chain"][0]["public_key"], key, "{j}");
        assert_eq!(j["signature_scheme"], scheme, "{j}");
        let status = serve.terminate();
        assert!(status.success(), "SIGTERM: {status}");
    }
}
