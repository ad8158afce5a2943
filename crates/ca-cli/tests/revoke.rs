//! `ca revoke`, `ca crl` and `ca fixture revoked`, checked with openssl
//! (and `ca verify --crl`).

mod common;

use std::path::Path;

use common::{ca, json, openssl, openssl_may_fail};

fn ok(dir: &Path, args: &[&str]) -> serde_json::Value {
    let run = ca(dir, args);
    assert_eq!(run.code, 0, "ca {args:?}: {}", run.stderr);
    json(&run)
}

/// A CA directory `ca` with an intermediate `web` and two leaves it issued,
/// plus one leaf the root issued.
fn setup(dir: &Path) {
    ok(dir, &["init", "--ca-dir", "ca", "--json"]);
    ok(dir, &["intermediate", "web", "--ca-dir", "ca", "--json"]);
    for name in ["a.test", "b.test"] {
        ok(
            dir,
            &["issue", name, "--issuer", "web", "--ca-dir", "ca", "--json"],
        );
    }
    ok(dir, &["issue", "r.test", "--ca-dir", "ca", "--json"]);
}

fn verify_with_crl(dir: &Path, crl: &str, leaf: &str) -> common::Run {
    openssl_may_fail(
        dir,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "ca/root/cert.pem",
            "-untrusted",
            "ca/intermediates/web/cert.pem",
            "-CRLfile",
            crl,
            leaf,
        ],
    )
}

#[test]
fn a_crl_from_ca_crl_is_signed_and_makes_openssl_refuse_the_revoked_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let revoked = ok(
        d,
        &[
            "revoke",
            "a.test.pem",
            "--reason",
            "key-compromise",
            "--ca-dir",
            "ca",
            "--json",
        ],
    );
    assert_eq!(revoked["issuer"], "web");
    assert_eq!(revoked["reason"], "key-compromise");

    let crl = ok(
        d,
        &[
            "crl", "--issuer", "web", "--out", "web.crl", "--days", "3", "--ca-dir", "ca", "--json",
        ],
    );
    assert_eq!(crl["number"], 1);
    assert_eq!(crl["revoked"][0]["serial"], revoked["serial"]);
    // The signature checks with the issuing CA's certificate.
    let check = openssl(
        d,
        &[
            "crl",
            "-in",
            "web.crl",
            "-noout",
            "-verify",
            "-CAfile",
            "ca/intermediates/web/cert.pem",
        ],
    );
    assert!(check.stderr.contains("verify OK"), "{}", check.stderr);
    let text = openssl(d, &["crl", "-in", "web.crl", "-noout", "-text"]).stdout;
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(
        text.contains("X509v3 CRL Number: \n                1"),
        "{text}"
    );
    assert!(text.contains("Next Update"), "{text}");

    let refused = verify_with_crl(d, "web.crl", "a.test.pem");
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    assert!(
        refused.stdout.contains("certificate revoked")
            || refused.stderr.contains("certificate revoked"),
        "{}{}",
        refused.stdout,
        refused.stderr
    );
    let fine = verify_with_crl(d, "web.crl", "b.test.pem");
    assert_eq!(fine.code, 0, "{}{}", fine.stdout, fine.stderr);

    // ca verify --crl agrees.
    let roots = [
        "--roots",
        "ca/root/cert.pem",
        "--untrusted",
        "ca/intermediates/web/cert.pem",
    ];
    let mut args = vec![
        "verify",
        "a.test.pem",
        "--host",
        "a.test",
        "--crl",
        "web.crl",
    ];
    args.extend(roots);
    let verdict = ca(d, &args);
    assert_eq!(verdict.code, 1, "{}{}", verdict.stdout, verdict.stderr);
    assert!(
        verdict.stderr.to_lowercase().contains("revoked"),
        "{}",
        verdict.stderr
    );
    let mut args = vec![
        "verify",
        "b.test.pem",
        "--host",
        "b.test",
        "--crl",
        "web.crl",
        // Only web's CRL is given: the intermediate's own status is not checked.
        "--crl-leaf-only",
    ];
    args.extend(roots);
    assert_eq!(ca(d, &args).code, 0);

    // The next CRL has the next number.
    let next = ok(d, &["crl", "--issuer", "web", "--ca-dir", "ca", "--json"]);
    assert_eq!(next["number"], 2);
    let kept = next["crl"].as_str().unwrap();
    let text = openssl(d, &["crl", "-in", kept, "-noout", "-text"]).stdout;
    assert!(
        text.contains("X509v3 CRL Number: \n                2"),
        "{text}"
    );
}

#[test]
fn the_root_crl_verifies_with_the_root_and_revokes_by_serial() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    let serial = openssl(d, &["x509", "-in", "r.test.pem", "-noout", "-serial"]).stdout;
    let serial = serial.trim().trim_start_matches("serial=").to_string();
    let revoked = ok(
        d,
        &[
            "revoke",
            &serial,
            "--reason",
            "superseded",
            "--ca-dir",
            "ca",
            "--json",
        ],
    );
    assert_eq!(revoked["issuer"], "root");
    ok(d, &["crl", "--out", "root.crl", "--ca-dir", "ca", "--json"]);
    let check = openssl(
        d,
        &[
            "crl",
            "-in",
            "root.crl",
            "-noout",
            "-verify",
            "-CAfile",
            "ca/root/cert.pem",
        ],
    );
    assert!(check.stderr.contains("verify OK"), "{}", check.stderr);
    let refused = openssl_may_fail(
        d,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            "ca/root/cert.pem",
            "-CRLfile",
            "root.crl",
            "r.test.pem",
        ],
    );
    assert_ne!(refused.code, 0, "{}", refused.stdout);
    // A DER copy when asked.
    ok(
        d,
        &[
            "crl", "--out", "root.der", "--der", "--ca-dir", "ca", "--json",
        ],
    );
    openssl(d, &["crl", "-inform", "DER", "-in", "root.der", "-noout"]);
}

#[test]
fn revoke_and_crl_refuse_bad_input_and_never_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    ok(d, &["revoke", "b.test.pem", "--ca-dir", "ca", "--json"]);
    let again = ca(d, &["revoke", "b.test.pem", "--ca-dir", "ca"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("already revoked"), "{}", again.stderr);

    let unknown = ca(d, &["revoke", "0123abcd", "--ca-dir", "ca"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("not in the index"),
        "{}",
        unknown.stderr
    );
    let garbage = ca(d, &["revoke", "not-a-serial", "--ca-dir", "ca"]);
    assert_eq!(garbage.code, 2);
    let reason = ca(
        d,
        &[
            "revoke",
            "a.test.pem",
            "--reason",
            "stolen",
            "--ca-dir",
            "ca",
        ],
    );
    assert_eq!(reason.code, 2);
    assert!(
        reason.stderr.contains("key-compromise"),
        "{}",
        reason.stderr
    );
    let wrong_issuer = ca(
        d,
        &["revoke", "a.test.pem", "--issuer", "root", "--ca-dir", "ca"],
    );
    assert_eq!(wrong_issuer.code, 2, "{}", wrong_issuer.stderr);
    let root = ca(d, &["revoke", "ca/root/cert.pem", "--ca-dir", "ca"]);
    assert_eq!(root.code, 2, "{}", root.stderr);

    std::fs::write(d.join("taken.crl"), "keep me").unwrap();
    let refused = ca(d, &["crl", "--out", "taken.crl", "--ca-dir", "ca"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert_eq!(
        std::fs::read_to_string(d.join("taken.crl")).unwrap(),
        "keep me"
    );
    // The refusal came before the CRL number moved on.
    let args = [
        "crl",
        "--out",
        "taken.crl",
        "--force",
        "--ca-dir",
        "ca",
        "--json",
    ];
    assert_eq!(ok(d, &args)["number"], 1);
    let no_ca = ca(d, &["crl", "--issuer", "nope", "--ca-dir", "ca"]);
    assert_eq!(no_ca.code, 2, "{}", no_ca.stderr);
}

#[test]
fn the_revoked_leaf_fixture_is_refused_with_its_crl_and_accepted_without() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("fx")).unwrap();
    let made = ok(d, &["fixture", "revoked", "--out", "fx", "--json"]);
    for key in [
        "root",
        "intermediate",
        "leaf",
        "leaf_key",
        "chain",
        "crl",
        "root_crl",
    ] {
        assert!(Path::new(made[key].as_str().unwrap()).is_file(), "{key}");
    }
    let base = [
        "verify",
        "-CAfile",
        "fx/root.pem",
        "-untrusted",
        "fx/intermediate.pem",
    ];
    let plain = openssl(d, &[&base[..], &["fx/leaf.pem"]].concat());
    assert!(plain.stdout.contains("OK"));
    let checked = openssl_may_fail(
        d,
        &[
            &base[..],
            &["-crl_check", "-CRLfile", "fx/crl.pem", "fx/leaf.pem"],
        ]
        .concat(),
    );
    assert_ne!(checked.code, 0);
    assert!(
        format!("{}{}", checked.stdout, checked.stderr).contains("certificate revoked"),
        "{}{}",
        checked.stdout,
        checked.stderr
    );
    // The whole chain, with both CRLs.
    let both = [
        std::fs::read_to_string(d.join("fx/crl.pem")).unwrap(),
        std::fs::read_to_string(d.join("fx/root-crl.pem")).unwrap(),
    ]
    .concat();
    std::fs::write(d.join("both.pem"), both).unwrap();
    let all = openssl_may_fail(
        d,
        &[
            &base[..],
            &["-crl_check_all", "-CRLfile", "both.pem", "fx/leaf.pem"],
        ]
        .concat(),
    );
    assert!(
        format!("{}{}", all.stdout, all.stderr).contains("certificate revoked"),
        "{}{}",
        all.stdout,
        all.stderr
    );
    // The key is private and matches; nothing is overwritten without --force.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.join("fx/leaf-key.pem"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = ca(d, &["fixture", "revoked", "--out", "fx"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    ok(
        d,
        &["fixture", "revoked", "--out", "fx", "--force", "--json"],
    );
}

#[test]
fn concurrent_revocations_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["init", "--ca-dir", "ca", "--json"]);
    let names: Vec<String> = (0..6).map(|i| format!("h{i}.test")).collect();
    for name in &names {
        ok(d, &["issue", name, "--ca-dir", "ca", "--json"]);
    }
    let children: Vec<_> = names
        .iter()
        .map(|name| {
            std::process::Command::new(env!("CARGO_BIN_EXE_ca"))
                .args(["revoke", &format!("{name}.pem"), "--ca-dir", "ca"])
                .current_dir(d)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let crl = ok(d, &["crl", "--ca-dir", "ca", "--json"]);
    assert_eq!(crl["revoked"].as_array().unwrap().len(), 6, "{crl}");
    let list = std::fs::read_to_string(d.join("ca/revoked.jsonl")).unwrap();
    assert_eq!(list.lines().count(), 6, "{list}");
}

/// The PEM file's certificate with one byte of its signature (the last byte of the DER)
/// changed, written next to it as `out`.
fn tamper_signature(dir: &Path, pem_file: &str, out: &str) {
    let der_path = dir.join(format!("{out}.der"));
    openssl(
        dir,
        &[
            "x509",
            "-in",
            pem_file,
            "-outform",
            "DER",
            "-out",
            der_path.to_str().unwrap(),
        ],
    );
    let mut der = std::fs::read(&der_path).unwrap();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    std::fs::write(&der_path, der).unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-inform",
            "DER",
            "-in",
            der_path.to_str().unwrap(),
            "-out",
            out,
        ],
    );
}

/// A certificate whose signature was altered, or that another CA issued, is refused (exit 1)
/// and nothing is recorded: revoking it would list a serial this CA never issued.
#[test]
fn a_certificate_this_ca_did_not_issue_is_refused_and_nothing_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d);
    tamper_signature(d, "r.test.pem", "tampered.pem");
    let run = ca(d, &["revoke", "tampered.pem", "--ca-dir", "ca"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("did not issue this certificate"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("signature does not verify"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was revoked"), "{}", run.stderr);

    // Another CA directory: its certificates name another issuer.
    std::fs::create_dir(d.join("other")).unwrap();
    let o = d.join("other");
    ok(&o, &["init", "--ca-dir", "ca", "--json"]);
    ok(&o, &["issue", "x.test", "--ca-dir", "ca", "--json"]);
    let run = ca(d, &["revoke", "other/x.test.pem", "--ca-dir", "ca"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("no CA in"), "{}", run.stderr);

    // Another CA with the same name (both roots made with the same subject): the name
    // matches, the signature does not.
    for twin in ["ours", "twin"] {
        std::fs::create_dir(d.join(twin)).unwrap();
        ok(
            &d.join(twin),
            &["init", "--ca-dir", "ca", "--cn", "Twin Root", "--json"],
        );
    }
    ok(
        &d.join("twin"),
        &["issue", "y.test", "--ca-dir", "ca", "--json"],
    );
    let run = ca(d, &["revoke", "twin/y.test.pem", "--ca-dir", "ours/ca"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("signature does not verify"),
        "{}",
        run.stderr
    );
    let none = ok(
        d,
        &["crl", "--out", "ours.crl", "--ca-dir", "ours/ca", "--json"],
    );
    assert_eq!(none["revoked"].as_array().map_or(0, Vec::len), 0, "{none}");

    // Nothing was revoked: the CRL lists nobody.
    let crl = ok(d, &["crl", "--out", "root.crl", "--ca-dir", "ca", "--json"]);
    assert_eq!(crl["revoked"].as_array().map_or(0, Vec::len), 0, "{crl}");
    // The untouched certificate is still revoked as before.
    ok(d, &["revoke", "r.test.pem", "--ca-dir", "ca", "--json"]);
}
