//! `ca verify`: chains made by openssl itself and by `ca issue`, each kind of
//! refusal with its reason in the message and in --json, bad input, --explain,
//! and agreement with `openssl verify` on the same chains.

mod common;
mod verify_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ca, ca_stdin, json, openssl, openssl_may_fail, write, Run};
use verify_support::{client, ed25519, p256, rsa, to_der, Key, OpensslChain};

const HOST: &str = "www.example.test";
const FUTURE: &str = "2100-01-01T00:00:00Z";

/// `ca verify` run in `dir` with an empty CA directory, so only the flags give trust.
fn verify(dir: &Path, args: &[&str]) -> Run {
    let empty = dir.join("no-ca-here");
    let empty = empty.to_str().unwrap();
    ca(dir, &[&["verify", "--ca-dir", empty], args].concat())
}

fn verify_json(dir: &Path, args: &[&str], code: i32) -> serde_json::Value {
    let run = verify(dir, &[args, &["--json"]].concat());
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    json(&run)
}

/// Runs a verification that must be refused: exit 1, `reason` in --json, `words` in the message.
fn refused(
    dir: &Path,
    args: &[&str],
    reason: &str,
    position: u64,
    words: &str,
) -> serde_json::Value {
    let run = verify(dir, args);
    assert_eq!(
        run.code, 1,
        "{args:?} should be refused: {}{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains(words),
        "{args:?}: no '{words}' in: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("what to do:"),
        "no advice in: {}",
        run.stderr
    );
    let v = verify_json(dir, args, 1);
    assert_eq!(v["verdict"], "not valid");
    assert_eq!(v["valid"], false);
    assert_eq!(v["error"]["reason"], reason, "{v:#}");
    assert_eq!(v["error"]["position"], position, "{v:#}");
    assert!(
        v["error"]["subject"].as_str().unwrap().contains("CN="),
        "{v:#}"
    );
    assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    // The checks of the failing path, ending with the failed one.
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.last().unwrap()["passed"], false, "{v:#}");
    assert!(checks[..checks.len() - 1]
        .iter()
        .all(|c| c["passed"] == true));
    v
}

/// `--explain` of a refused chain: its walk has one `[FAIL]` line, for `check` under
/// certificate `#position`, after the `[pass]` lines of `passed` made before it, then the
/// verdict and what to do.
fn explained_failure(
    dir: &Path,
    args: &[&str],
    position: usize,
    check: &str,
    passed: &[&str],
) -> String {
    let run = verify(dir, &[args, &["--explain"]].concat());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let out = run.stdout;
    assert_eq!(out.matches("[FAIL]").count(), 1, "{out}");
    let fail = out
        .find(&format!("[FAIL] {check} "))
        .unwrap_or_else(|| panic!("no [FAIL] {check} in: {out}"));
    let block = out[..fail].rfind("\n#").expect("a certificate heading");
    assert!(
        out[block..].starts_with(&format!("\n#{position} ")),
        "[FAIL] {check} not under #{position}: {out}"
    );
    for p in passed {
        let at = out
            .find(&format!("[pass] {p}"))
            .unwrap_or_else(|| panic!("no [pass] {p} in: {out}"));
        assert!(at < fail, "[pass] {p} after the failure: {out}");
    }
    let verdict = out.find("NOT VALID: ").expect("a verdict");
    assert!(
        verdict > fail && out[verdict..].contains("\nWhat to do: "),
        "{out}"
    );
    out
}

const CHAIN_ARGS: [&str; 3] = ["chain.pem", "--roots", "root.pem"];

#[test]
fn openssl_chains_verify() {
    for chain in [p256(), rsa()] {
        let d = chain.path();
        let run = verify(d, &[&CHAIN_ARGS[..], &["--host", HOST]].concat());
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.starts_with("valid: CN=www.example.test"),
            "{}",
            run.stdout
        );
        assert!(run
            .stdout
            .contains("OpenSSL Test Root (trust anchor from root.pem)"));
        // The leaf alone, the intermediate given with --untrusted; an IP name.
        let run = verify(
            d,
            &[
                "leaf.pem",
                "--untrusted",
                "int.pem",
                "--roots",
                "root.pem",
                "--ip",
                "127.0.0.1",
            ],
        );
        assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    }
    let v = verify_json(
        p256().path(),
        &[&CHAIN_ARGS[..], &["--host", HOST]].concat(),
        0,
    );
    assert_eq!(v["verdict"], "valid");
    assert!(v["error"].is_null());
    let path = v["path"].as_array().unwrap();
    let roles: Vec<&str> = path.iter().map(|c| c["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["leaf", "intermediate", "trust_anchor"]);
    assert_eq!(path[0]["subject"], "CN=www.example.test");
    assert_eq!(path[0]["issuer"], "CN=OpenSSL Test Intermediate");
    assert_eq!(path[2]["source"], "root.pem");
    // Fingerprint and serial as openssl sees them.
    let d = p256().path();
    let fp = openssl(
        d,
        &[
            "x509",
            "-in",
            "leaf.pem",
            "-noout",
            "-fingerprint",
            "-sha256",
        ],
    )
    .stdout;
    let fp = fp
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(path[0]["sha256"], fp);
    let serial = openssl(d, &["x509", "-in", "leaf.pem", "-noout", "-serial"]).stdout;
    let serial = serial.trim().trim_start_matches("serial=").to_string();
    // Compare the numbers, not their spelling: DER may carry a leading 00 octet
    // (high bit set) and openssl may print a leading zero nibble.
    let ours = path[0]["serial"].as_str().unwrap().replace(':', "");
    assert_eq!(
        ours.trim_start_matches('0').to_uppercase(),
        serial.trim_start_matches('0').to_uppercase()
    );
    assert!(path[0]["not_after"].as_str().unwrap().ends_with('Z'));
    assert!(!v["checks"].as_array().unwrap().is_empty());
}

#[test]
fn depth_profile_and_stdin() {
    let d = p256().path();
    // One intermediate is one too many for --max-depth 0.
    let v = refused(
        d,
        &[&CHAIN_ARGS[..], &["--max-depth", "0"]].concat(),
        "max_depth_exceeded",
        1,
        "more than 0 intermediates",
    );
    assert_eq!(v["error"]["role"], "intermediate");
    let v = verify_json(d, &[&CHAIN_ARGS[..], &["--max-depth", "1"]].concat(), 0);
    assert_eq!(v["profile"], "webpki");
    // Client verification defaults to plain RFC 5280; --profile overrides.
    let v = verify_json(
        client().path(),
        &[&CHAIN_ARGS[..], &["--purpose", "client"]].concat(),
        0,
    );
    assert_eq!(
        (v["profile"].as_str(), v["purpose"].as_str()),
        (Some("rfc5280"), Some("1.3.6.1.5.5.7.3.2"))
    );
    let v = verify_json(d, &[&CHAIN_ARGS[..], &["--profile", "rfc5280"]].concat(), 0);
    assert_eq!(v["profile"], "rfc5280");
    // The chain on standard input.
    let chain = std::fs::read(d.join("chain.pem")).unwrap();
    let root = d.join("root.pem");
    let run = ca_stdin(
        d,
        &[
            "verify",
            "-",
            "--roots",
            root.to_str().unwrap(),
            "--host",
            HOST,
            "--ca-dir",
            "none",
        ],
        &chain,
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("valid: CN=www.example.test"),
        "{}",
        run.stdout
    );
}

#[test]
fn der_leaf_and_der_root_verify() {
    let d = p256().path();
    to_der(d, "x509", "leaf.pem", "leaf-der.cer");
    to_der(d, "x509", "root.pem", "root-der.cer");
    let run = verify(
        d,
        &[
            "leaf-der.cer",
            "--untrusted",
            "int.pem",
            "--roots",
            "root-der.cer",
            "--host",
            HOST,
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn ca_issue_chains_verify() {
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let ca_dir = d.join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let ok = |run: Run| assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    ok(ca(d, &["init", "--ca-dir", ca_dir]));
    ok(ca(d, &["intermediate", "web", "--ca-dir", ca_dir]));
    ok(ca(
        d,
        &["issue", HOST, "--issuer", "web", "--ca-dir", ca_dir],
    ));
    ok(ca(
        d,
        &[
            "issue",
            "alice@example.test",
            "--client",
            "--ca-dir",
            ca_dir,
        ],
    ));
    // Trust from the CA directory by default.
    let chain = format!("{HOST}-fullchain.pem");
    let run = ca(d, &["verify", &chain, "--host", HOST, "--ca-dir", ca_dir]);
    ok(run);
    // The leaf alone: the CA directory's intermediates are offered as untrusted.
    let run = ca(
        d,
        &[
            "verify",
            &format!("{HOST}.pem"),
            "--host",
            HOST,
            "--ca-dir",
            ca_dir,
        ],
    );
    ok(run);
    // The root given explicitly.
    let root = format!("{ca_dir}/root/cert.pem");
    ok(verify(d, &[&chain, "--roots", &root, "--host", HOST]));
    let v = verify_json(d, &[&chain, "--roots", &root], 0);
    assert_eq!(v["path"].as_array().unwrap().len(), 3);
    // A client certificate for its e-mail address.
    let args = [
        "verify",
        "alice@example.test.pem",
        "--purpose",
        "client",
        "--email",
        "alice@example.test",
        "--ca-dir",
        ca_dir,
    ];
    ok(ca(d, &args));
    // openssl agrees.
    let o = openssl_may_fail(
        d,
        &[
            "verify",
            "-CAfile",
            &root,
            "-untrusted",
            &chain,
            "-purpose",
            "sslserver",
            "-verify_hostname",
            HOST,
            &chain,
        ],
    );
    assert_eq!(o.code, 0, "{}{}", o.stdout, o.stderr);
}

#[test]
fn wrong_host_is_refused() {
    let d = p256().path();
    let args = [&CHAIN_ARGS[..], &["--host", "other.example.test"]].concat();
    let v = refused(
        d,
        &args,
        "name_mismatch",
        0,
        "not valid for DNS name other.example.test",
    );
    assert_eq!(v["error"]["subject"], "CN=www.example.test");
    assert_eq!(v["error"]["role"], "leaf");
    // An IP address given to --host: the advice is --ip, not to reissue.
    let v = refused(
        d,
        &[&CHAIN_ARGS[..], &["--host", "10.0.0.5"]].concat(),
        "name_mismatch",
        0,
        "check it with --ip 10.0.0.5",
    );
    assert!(!v["error"]["hint"].as_str().unwrap().contains("reissue"));
    // An IP address never matches a DNS name, and the reverse.
    refused(
        d,
        &[&CHAIN_ARGS[..], &["--ip", "127.0.0.2"]].concat(),
        "name_mismatch",
        0,
        "127.0.0.2",
    );
}

#[test]
fn expired_chain_is_refused() {
    let d = p256().path();
    let args = [&CHAIN_ARGS[..], &["--at", FUTURE]].concat();
    let v = refused(d, &args, "expired", 0, "expired at");
    assert_eq!(v["time"], FUTURE);
    explained_failure(d, &args, 0, "validity", &["encoding"]);
    // Before the chain was made: not yet valid.
    refused(
        d,
        &[&CHAIN_ARGS[..], &["--at", "2001-01-01T00:00:00Z"]].concat(),
        "not_yet_valid",
        0,
        "not valid before",
    );
}

#[test]
fn client_certificate_for_a_server_is_refused() {
    let d = client().path();
    // The purposes in words, and the flag that checks a client
    // certificate (not advice to reissue it).
    let v = refused(
        d,
        &CHAIN_ARGS,
        "extended_key_usage",
        0,
        "extendedKeyUsage does not allow TLS server authentication (1.3.6.1.5.5.7.3.1) \
         (has: TLS client authentication (1.3.6.1.5.5.7.3.2))",
    );
    let hint = v["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("check it with --purpose client") && !hint.contains("reissue"),
        "{hint}"
    );
    let run = verify(
        d,
        &[
            &CHAIN_ARGS[..],
            &["--purpose", "client", "--email", "alice@example.test"],
        ]
        .concat(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // And a server certificate is no client certificate.
    let args = [&CHAIN_ARGS[..], &["--purpose", "client"]].concat();
    refused(
        p256().path(),
        &args,
        "extended_key_usage",
        0,
        "check it with --purpose server",
    );
    explained_failure(
        p256().path(),
        &args,
        0,
        "extended key usage",
        &["encoding", "validity", "key usage"],
    );
}

#[test]
fn untrusted_root_is_refused() {
    // The RSA chain's root does not issue the P-256 chain, though it bears the same name:
    // its RSA key cannot have made the intermediate's ECDSA signature.
    let other_root = rsa().path().join("root.pem");
    let args = [
        "chain.pem",
        "--roots",
        other_root.to_str().unwrap(),
        "--host",
        HOST,
    ];
    let d = p256().path();
    let v = refused(
        d,
        &args,
        "algorithm_key_mismatch",
        1,
        "does not fit the issuer's RSA-2048 key",
    );
    assert_eq!(v["error"]["subject"], "CN=OpenSSL Test Intermediate");
    // Both roots are named CN=OpenSSL Test Root: the message says the key differs, and
    // the advice is about the CA trusted, not about reissuing with another key type.
    let run = verify(d, &args);
    assert!(
        run.stderr.contains("has the issuer's name but not its key"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "what to do: the chain was issued by a different CA than the trusted one of that name"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("reissue with RSA"), "{}", run.stderr);
    let v = verify_json(d, &args, 1);
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("the wrong root is trusted"),
        "{v:#}"
    );
    // --explain walks leaf, intermediate and the wrong root, up to the failed signature.
    let out = explained_failure(
        d,
        &args,
        1,
        "signature",
        &["name", "validity", "basic constraints", "key usage"],
    );
    assert!(
        out.contains("#2 trust anchor: CN=OpenSSL Test Root"),
        "{out}"
    );
    assert!(out.contains("trusted      found in"), "{out}");
    assert!(
        out.contains("Note: the trusted certificate CN=OpenSSL Test Root"),
        "{out}"
    );
    // Only the leaf and a root: the intermediate is missing, and --explain lists the few
    // anchors it had, so a wrong root shows by name.
    let args = ["leaf.pem", "--roots", "root.pem"];
    let v = refused(
        d,
        &args,
        "unknown_issuer",
        0,
        "add the missing intermediate",
    );
    // The advice names the issuer the leaf asks for and the anchors tried,
    // each with its file.
    let hint = v["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("names its issuer CN=OpenSSL Test Intermediate")
            && hint.contains("tried 1 trust anchor:\n  CN=OpenSSL Test Root (from root.pem)"),
        "{hint}"
    );
    let out = explained_failure(d, &args, 0, "path", &["encoding", "validity"]);
    assert!(
        out.contains("Trusted: 1 certificate\n   CN=OpenSSL Test Root"),
        "{out}"
    );
}

#[test]
fn revoked_leaf_is_refused() {
    let chain = OpensslChain::new([Key::P256; 3], "serverAuth");
    let d = chain.path();
    // Before revocation, the CRL-less chain is fine; after it, the CRL refuses the leaf.
    chain.revoke_leaf();
    let args = [&CHAIN_ARGS[..], &["--host", HOST, "--crl", "int.crl"]].concat();
    let v = refused(d, &args, "revoked", 0, "revoked");
    assert_eq!(v["error"]["subject"], "CN=www.example.test");
    let run = verify(d, &[&CHAIN_ARGS[..], &["--host", HOST]].concat());
    assert_eq!(run.code, 0, "without the CRL: {}{}", run.stdout, run.stderr);
    // DER CRLs too.
    to_der(d, "crl", "int.crl", "int-der.crl");
    refused(
        d,
        &[&CHAIN_ARGS[..], &["--crl", "int-der.crl"]].concat(),
        "revoked",
        0,
        "revoked",
    );
    // openssl agrees.
    let o = openssl_may_fail(
        d,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "int.pem",
            "-CRLfile",
            "int.crl",
            "leaf.pem",
        ],
    );
    assert_ne!(o.code, 0, "{}{}", o.stdout, o.stderr);
    // --explain walks the whole path, every check passed but revocation, found last: the
    // failed check is revocation, with the CRL entry; path lengths say what they found.
    let out = explained_failure(d, &args, 0, "revocation", &["name", "signature"]);
    let fail = out.lines().find(|l| l.contains("[FAIL]")).unwrap();
    assert!(
        fail.contains("is listed on the CRL of CN=OpenSSL Test Intermediate, reason keyCompromise, revoked at "),
        "{out}"
    );
    assert!(!out.contains("[FAIL] path"), "{out}");
    let lengths: Vec<_> = out
        .lines()
        .filter(|l| l.contains("[pass] path length"))
        .collect();
    assert_eq!(lengths.len(), 2, "{out}");
    for line in lengths {
        assert!(line.contains(" intermediate"), "bare path length: {out}");
    }
    assert!(
        out.contains("#2 trust anchor: CN=OpenSSL Test Root"),
        "{out}"
    );
    assert!(out.contains("trusted      found in root.pem"), "{out}");
}

#[test]
fn a_trust_anchor_given_as_the_leaf_is_named_as_such() {
    let d = p256().path();
    let args = ["root.pem", "--roots", "root.pem"];
    // Web PKI (the default): a CA is no server certificate, and this one is the anchor.
    let v = refused(
        d,
        &args,
        "ca_used_as_leaf",
        0,
        "the leaf is a CA certificate",
    );
    assert!(
        v["error"]["hint"]
            .as_str()
            .unwrap()
            .starts_with("the certificate given as the leaf is itself a trusted CA"),
        "{v:#}"
    );
    let run = verify(d, &args);
    assert!(
        run.stderr
            .contains("a leaf (end-entity) certificate was expected"),
        "{}",
        run.stderr
    );
    // RFC 5280: refused as before (no issuer but itself), and the message says why.
    let args = ["root.pem", "--roots", "root.pem", "--profile", "rfc5280"];
    refused(
        d,
        &args,
        "unknown_issuer",
        0,
        "the leaf is itself a trust anchor, not a certificate issued by one",
    );
    let run = verify(d, &args);
    assert!(
        run.stderr
            .contains("what to do: the certificate given as the leaf is itself a trusted CA"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_input_exits_2() {
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    write(d, "garbage.pem", "this is not a certificate\n");
    write(d, "empty.pem", "");
    write(d, "binary.der", [0x30u8, 0x82, 0xff, 0xff, 0x01]);
    let root = p256().path().join("root.pem");
    let root = root.to_str().unwrap();
    let leaf = p256().path().join("chain.pem");
    let leaf = leaf.to_str().unwrap();
    for (args, words) in [
        (vec!["garbage.pem", "--roots", root], "garbage.pem"),
        (vec!["empty.pem", "--roots", root], "empty"),
        (vec!["binary.der", "--roots", root], "binary.der"),
        (vec!["missing.pem", "--roots", root], "missing.pem"),
        (vec![leaf, "--roots", "garbage.pem"], "garbage.pem"),
        (
            vec![leaf, "--roots", root, "--untrusted", "empty.pem"],
            "empty",
        ),
        (
            vec![leaf, "--roots", root, "--crl", "garbage.pem"],
            "garbage.pem",
        ),
        (vec![leaf, "--roots", root, "--crl", root], "holds no CRL"),
        (vec![leaf, "--roots", root, "--at", "tomorrow"], "RFC 3339"),
        (vec![leaf, "--roots", root, "--purpose", "web"], "--purpose"),
        (
            vec![leaf, "--roots", root, "--ip", "not-an-ip"],
            "not-an-ip",
        ),
        (
            vec![leaf, "--roots", root, "--host", "a", "--ip", "127.0.0.1"],
            "cannot be used with",
        ),
        (
            vec![leaf, "--roots", root, "--host", "bad name!"],
            "'bad name!' is not a valid name",
        ),
        (vec![leaf, "--roots", root, "--email", "nobody"], "'nobody'"),
        (vec![leaf], "no trust anchors"),
    ] {
        let run = verify(d, &args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains(words),
            "{args:?}: no '{words}' in {}",
            run.stderr
        );
    }
    // No trust anchors: the message says how to give some.
    let run = verify(d, &[leaf]);
    assert!(
        run.stderr.contains("--roots") && run.stderr.contains("--system-roots"),
        "{}",
        run.stderr
    );
}

#[test]
fn system_roots_follow_ssl_cert_file() {
    let d = p256().path();
    let run_with = |store: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_ca"))
            .args([
                "verify",
                "chain.pem",
                "--system-roots",
                "--host",
                HOST,
                "--ca-dir",
                "no-ca-here",
            ])
            .env("SSL_CERT_FILE", store)
            .current_dir(d)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, stdout) = run_with(&d.join("root.pem"));
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("the system trust store"), "{stdout}");
    // The Debian store does not hold our test root.
    let debian = PathBuf::from("/etc/ssl/certs/ca-certificates.crt");
    if debian.is_file() {
        let (code, stdout) = run_with(&debian);
        assert_eq!(code, 1, "{stdout}");
    }
}

#[test]
fn explain_names_algorithms_and_anchor() {
    let d = rsa().path();
    let run = verify(
        d,
        &[&CHAIN_ARGS[..], &["--host", HOST, "--explain"]].concat(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = &run.stdout;
    // The leaf (P-256 key) is signed by the P-384 intermediate, which the RSA root signed.
    assert!(out.contains("#0 leaf: CN=www.example.test"), "{out}");
    assert!(
        out.contains("#1 intermediate: CN=OpenSSL Test Intermediate"),
        "{out}"
    );
    assert!(
        out.contains("#2 trust anchor: CN=OpenSSL Test Root"),
        "{out}"
    );
    assert!(
        out.contains("ECDSA SHA-256") || out.contains("ECDSA SHA-384"),
        "{out}"
    );
    assert!(out.contains("RSA PKCS#1 v1.5 SHA-256"), "{out}");
    assert!(out.contains("trusted      found in root.pem"), "{out}");
    assert!(out.contains("[pass] trust anchor"), "{out}");
    assert!(out.contains("[pass] validity"), "{out}");
    assert!(out.contains("[pass] name"), "{out}");
    assert!(!out.contains("[FAIL]"), "{out}");
    assert!(out.contains("VALID"), "{out}");
    // A refused chain names the failure, where, and what to do.
    let args = [&CHAIN_ARGS[..], &["--host", "nope.example.test"]].concat();
    let out = explained_failure(d, &args, 0, "name", &["subject alternative name"]);
    assert!(
        out.contains("NOT VALID: leaf #0 (CN=www.example.test)"),
        "{out}"
    );
    let args = [&CHAIN_ARGS[..], &["--at", FUTURE]].concat();
    let out = explained_failure(d, &args, 0, "validity", &["encoding"]);
    assert!(out.contains("What to do: renew"), "{out}");
}

/// `openssl verify` and `ca verify` give the same verdict on the same chains.
#[test]
fn agrees_with_openssl_verify() {
    let cases: Vec<(&OpensslChain, Vec<&str>, Vec<&str>)> = vec![
        (p256(), vec!["--host", HOST], vec!["-verify_hostname", HOST]),
        (rsa(), vec!["--host", HOST], vec!["-verify_hostname", HOST]),
        (
            p256(),
            vec!["--ip", "127.0.0.1"],
            vec!["-verify_ip", "127.0.0.1"],
        ),
        (
            p256(),
            vec!["--host", "other.example.test"],
            vec!["-verify_hostname", "other.example.test"],
        ),
        (p256(), vec!["--at", FUTURE], vec!["-attime", "4102444800"]),
        (client(), vec![], vec![]),
        (
            client(),
            vec!["--purpose", "client"],
            vec!["-purpose", "sslclient"],
        ),
        (
            p256(),
            vec!["--purpose", "client"],
            vec!["-purpose", "sslclient"],
        ),
    ];
    for (chain, ours, theirs) in cases {
        let d = chain.path();
        let ca_ok = verify(d, &[&CHAIN_ARGS[..], &ours].concat()).code == 0;
        let mut args = vec!["verify", "-CAfile", "root.pem", "-untrusted", "int.pem"];
        if !theirs.contains(&"-purpose") {
            args.extend(["-purpose", "sslserver"]);
        }
        args.extend(&theirs);
        args.push("leaf.pem");
        let o = openssl_may_fail(d, &args);
        assert_eq!(
            ca_ok,
            o.code == 0,
            "ca verify {ours:?} vs openssl {args:?}: {}{}",
            o.stdout,
            o.stderr
        );
    }
    // A root that did not issue the chain.
    let other = rsa().path().join("root.pem");
    let other = other.to_str().unwrap();
    let d = p256().path();
    assert_eq!(verify(d, &["chain.pem", "--roots", other]).code, 1);
    assert_ne!(
        openssl_may_fail(
            d,
            &[
                "verify",
                "-CAfile",
                other,
                "-untrusted",
                "int.pem",
                "leaf.pem"
            ]
        )
        .code,
        0
    );
}

/// A leaf revoked with `ca revoke` and published with `ca crl` is refused; its sibling is not.
#[test]
fn ca_revoke_and_ca_crl_refuse_the_leaf() {
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let ca_dir = d.join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let ok = |args: &[&str]| {
        let run = ca(d, &[args, &["--ca-dir", ca_dir]].concat());
        assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
        run
    };
    ok(&["init"]);
    ok(&["intermediate", "web"]);
    ok(&["issue", HOST, "--issuer", "web"]);
    ok(&["issue", "ok.example.test", "--issuer", "web"]);
    ok(&["revoke", &format!("{HOST}.pem")]);
    ok(&["crl", "--issuer", "web", "--out", "web.crl"]);
    ok(&["crl", "--out", "root.crl", "--der"]);
    let crls = ["--crl", "web.crl", "--crl", "root.crl", "--ca-dir", ca_dir];
    let chain = format!("{HOST}-fullchain.pem");
    let run = ca(
        d,
        &[&["verify", &chain, "--host", HOST], &crls[..]].concat(),
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("leaf #0 (CN=www.example.test): revoked"),
        "{}",
        run.stderr
    );
    let run = ca(d, &[&["verify", &chain, "--json"], &crls[..]].concat());
    assert_eq!(json(&run)["error"]["reason"], "revoked");
    // The sibling passes, each CRL checked on the way.
    let args = [
        "verify",
        "ok.example.test-fullchain.pem",
        "--host",
        "ok.example.test",
        "--explain",
    ];
    let run = ca(d, &[&args[..], &crls[..]].concat());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.matches("[pass] revocation").count(),
        2,
        "{}",
        run.stdout
    );
    // openssl agrees on both.
    let root = format!("{ca_dir}/root/cert.pem");
    openssl(
        d,
        &[
            "crl",
            "-in",
            "root.crl",
            "-inform",
            "DER",
            "-out",
            "root-pem.crl",
        ],
    );
    for (name, valid) in [(HOST, false), ("ok.example.test", true)] {
        let (leaf, chain) = (format!("{name}.pem"), format!("{name}-chain.pem"));
        let o = openssl_may_fail(
            d,
            &[
                "verify",
                "-crl_check_all",
                "-CAfile",
                &root,
                "-untrusted",
                &chain,
                "-CRLfile",
                "web.crl",
                "-CRLfile",
                "root-pem.crl",
                &leaf,
            ],
        );
        assert_eq!(
            o.code == 0,
            valid,
            "openssl on {name}: {}{}",
            o.stdout,
            o.stderr
        );
    }
}

/// With CRLs, every certificate but the root needs one (fail closed); --explain names the CRL
/// that decided each status; the policy flags reach the verifier.
#[test]
fn crls_fail_closed_explain_names_the_crl_and_policy_flags_apply() {
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let ca_dir = d.join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let ok = |args: &[&str]| {
        let run = ca(d, &[args, &["--ca-dir", ca_dir]].concat());
        assert_eq!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
        run
    };
    ok(&["init"]);
    ok(&["intermediate", "web"]);
    ok(&["issue", HOST, "--issuer", "web"]);
    ok(&["crl", "--issuer", "web", "--out", "web.crl"]);
    ok(&["crl", "--out", "root.crl"]);
    let chain = format!("{HOST}-fullchain.pem");
    let base = ["verify", chain.as_str(), "--host", HOST, "--ca-dir", ca_dir];

    // Only web's CRL: the intermediate's status is unknown, and that is a refusal.
    let run = ca(d, &[&base[..], &["--crl", "web.crl", "--json"]].concat());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let v = json(&run);
    assert_eq!(v["error"]["reason"], "revocation_unknown", "{v}");
    assert_eq!(v["error"]["position"], 1, "{v}");
    // ... unless asked to check the leaf only, or to soft-fail.
    for flag in ["--crl-leaf-only", "--crl-soft-fail"] {
        let run = ca(d, &[&base[..], &["--crl", "web.crl", flag]].concat());
        assert_eq!(run.code, 0, "{flag}: {}{}", run.stdout, run.stderr);
    }

    // Both CRLs: each status says which CRL decided it and who signed it.
    let crls = ["--crl", "web.crl", "--crl", "root.crl"];
    let run = ca(d, &[&base[..], &crls[..], &["--explain"]].concat());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let decided: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("[pass] revocation"))
        .collect();
    assert_eq!(decided.len(), 2, "{}", run.stdout);
    for line in decided {
        assert!(
            line.contains("not revoked: CRL of")
                && line.contains("(number ")
                && line.contains("thisUpdate")
                && line.contains("signed by"),
            "{line}"
        );
    }

    // ca's certificates assert no policy: fine by default, refused when one is required.
    let policy = ["--policy", "2.23.140.1.2.1", "--require-explicit-policy"];
    let run = ca(d, &[&base[..], &policy[..], &["--json"]].concat());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(json(&run)["error"]["reason"], "certificate_policy");
    let run = ca(
        d,
        &[&base[..], &["--policy", "2.23.140.1.2.1", "--explain"]].concat(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("policies   acceptable 2.23.140.1.2.1")
            && run.stdout.contains("Policies the path is valid for: none"),
        "{}",
        run.stdout
    );
    let run = ca(d, &[&base[..], &["--policy", "not-an-oid"]].concat());
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
}

#[test]
fn ed25519_chains_are_outside_the_web_pki_and_fine_under_rfc5280() {
    let d = ed25519().path();
    let run = verify(d, &[&CHAIN_ARGS[..], &["--host", HOST, "--json"]].concat());
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["error"]["reason"], "key_not_allowed", "{v}");
    assert_eq!(v["error"]["rule"], "key.webpki-algorithms", "{v}");
    assert_eq!(v["error"]["clause"], "CA/B BR 6.1.5, 7.1.3.1", "{v}");
    // The error carries the failing path: --json lists it, --explain names the rule.
    let roles: Vec<&str> = v["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["leaf"], "{v}");
    let run = verify(
        d,
        &[&CHAIN_ARGS[..], &["--host", HOST, "--explain"]].concat(),
    );
    assert!(
        run.stdout.contains(
            "Refused by rule key.webpki-algorithms (CA/B BR 6.1.5, 7.1.3.1; kind webpki) of the webpki profile"
        ),
        "{}",
        run.stdout
    );
    let run = verify(
        d,
        &[&CHAIN_ARGS[..], &["--host", HOST, "--profile", "rfc5280"]].concat(),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}
