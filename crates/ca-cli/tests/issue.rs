//! `ca issue`, `ca init`, `ca intermediate` and `ca list`: exit codes,
//! files, --force, --json, bad input, and concurrent use of one CA directory.

mod issuing_support;

use std::collections::HashSet;
use std::process::Stdio;

use issuing_support::*;

#[test]
fn first_issue_creates_the_ca_and_writes_three_files() {
    let env = Env::new();
    let out = env.run(&["issue", "localhost", "127.0.0.1"], 0);
    assert!(
        stderr(&out).contains("Created a new local CA"),
        "{}",
        stderr(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for file in ["localhost.pem", "localhost-key.pem", "localhost-chain.pem"] {
        assert!(stdout.contains(file), "{stdout}");
        assert!(env.path(file).is_file(), "{file}");
    }
    assert_eq!(mode(&env.path("localhost-key.pem")), 0o600);
    let root = env.ca_dir.join("root/cert.pem");
    assert!(openssl_verify(
        &root,
        &env.path("localhost-chain.pem"),
        &env.path("localhost.pem"),
        Some("localhost")
    ));
    // The second time, the CA exists: no announcement.
    let out = env.run(&["issue", "other.test"], 0);
    assert!(!stderr(&out).contains("Created"), "{}", stderr(&out));
}

#[test]
fn json_output_has_the_promised_keys() {
    let env = Env::new();
    let json = env.json(&["issue", "localhost", "::1", "--out", "."]);
    for key in ["cert", "key", "chain", "root"] {
        assert!(field(&json, key).is_file(), "{key}: {json}");
    }
    let serial = json["serial"].as_str().unwrap();
    assert!(serial.len() >= 16 && serial.chars().all(|c| c.is_ascii_hexdigit()));
    let not_after = json["not_after"].as_str().unwrap();
    assert!(
        not_after.ends_with('Z') && not_after.contains('T'),
        "{not_after}"
    );
    let cert = field(&json, "cert");
    let fingerprint = openssl(&[
        "x509",
        "-noout",
        "-fingerprint",
        "-sha256",
        "-in",
        cert.to_str().unwrap(),
    ]);
    let expected: String = fingerprint
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(json["sha256"].as_str().unwrap(), expected);
    let openssl_serial = openssl(&["x509", "-noout", "-serial", "-in", cert.to_str().unwrap()]);
    assert_eq!(
        openssl_serial
            .trim()
            .trim_start_matches("serial=")
            .to_lowercase(),
        serial
    );
}

#[test]
fn never_overwrites_without_force() {
    let env = Env::new();
    env.run(&["issue", "a.test"], 0);
    let before = std::fs::read(env.path("a.test.pem")).unwrap();
    let out = env.run(&["issue", "a.test"], 1);
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(std::fs::read(env.path("a.test.pem")).unwrap(), before);
    env.run(&["issue", "a.test", "--force"], 0);
    assert_ne!(std::fs::read(env.path("a.test.pem")).unwrap(), before);
}

#[test]
fn bad_names_and_flags_are_bad_usage() {
    let env = Env::new();
    let out = env.run(&["issue", "not a name"], 2);
    assert!(stderr(&out).contains("white space"), "{}", stderr(&out));
    let out = env.run(&["issue", "localhost:8443"], 2);
    assert!(stderr(&out).contains("port"), "{}", stderr(&out));
    env.run(&["issue", "a.test", "--key-type", "rsa-1024"], 2);
    env.run(
        &[
            "issue",
            "a.test",
            "--days",
            "3",
            "--not-after",
            "2030-01-01T00:00:00Z",
        ],
        2,
    );
    let out = env.run(&["issue", "a.test", "--not-after", "tomorrow"], 2);
    assert!(stderr(&out).contains("RFC 3339"), "{}", stderr(&out));
    env.run(&["issue"], 2);
    assert!(!env.path("a.test.pem").exists());
}

#[test]
fn unwritable_out_dir_leaves_nothing_behind() {
    let env = Env::new();
    env.run(&["init"], 0);
    let out = env.run(&["issue", "a.test", "--out", "missing/dir"], 2);
    assert!(stderr(&out).contains("missing/dir"), "{}", stderr(&out));
    std::fs::write(env.path("plain-file"), "x").unwrap();
    let out = env.run(&["issue", "a.test", "--out", "plain-file"], 2);
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
    // Only the root is in the index.
    assert_eq!(env.listed_serials().len(), 1);
}

#[test]
fn past_windows_warn_and_leaves_are_clamped() {
    let env = Env::new();
    env.run(&["init", "--days", "30"], 0);
    let out = env.run(
        &[
            "issue",
            "old.test",
            "--not-before",
            "2020-01-01T00:00:00Z",
            "--not-after",
            "2020-02-01T00:00:00Z",
        ],
        0,
    );
    assert!(stderr(&out).contains("already expired"), "{}", stderr(&out));
    let out = env.run(&["issue", "long.test", "--days", "90"], 0);
    assert!(stderr(&out).contains("cut back"), "{}", stderr(&out));
}

#[test]
fn client_certificates_and_key_types() {
    let env = Env::new();
    let json = env.json(&[
        "issue",
        "alice@example.test",
        "--client",
        "--key-type",
        "ed25519",
    ]);
    let cert = field(&json, "cert");
    let text = openssl(&["x509", "-noout", "-text", "-in", cert.to_str().unwrap()]);
    assert!(text.contains("TLS Web Client Authentication"), "{text}");
    assert!(text.contains("ED25519"), "{text}");
    assert!(text.contains("email:alice@example.test"), "{text}");
    assert_eq!(json["profile"], "client");
}

#[test]
fn init_twice_is_refused_and_json_names_the_files() {
    let env = Env::new();
    let json = env.json(&["init", "--key-type", "ecdsa-p384", "--cn", "Test Root"]);
    assert!(field(&json, "cert").is_file());
    assert_eq!(mode(&field(&json, "key")), 0o600);
    assert!(json["subject"].as_str().unwrap().contains("CN=Test Root"));
    let out = env.run(&["init"], 1);
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn intermediates_sign_when_named() {
    let env = Env::new();
    env.run(&["init"], 0);
    let inter = env.json(&["intermediate", "web", "--permit-dns", "example.test"]);
    assert!(field(&inter, "cert").is_file());
    assert!(field(&inter, "key").is_file());
    env.run(&["intermediate", "web"], 1);
    let leaf = env.json(&["issue", "www.example.test", "--issuer", "web"]);
    let chain = std::fs::read_to_string(field(&leaf, "chain")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
    assert!(openssl_verify(
        &field(&leaf, "root"),
        &field(&leaf, "chain"),
        &field(&leaf, "cert"),
        Some("www.example.test")
    ));
    // Outside the intermediate's name constraints: refused by the issuing call (the
    // verifier's rule nc.subtrees), nothing written.
    let out = env.run(&["issue", "www.other.test", "--issuer", "web"], 1);
    assert!(
        stderr(&out).contains("nc.subtrees") && stderr(&out).contains("not within the permitted"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("www.other.test.pem").exists());
    let out = env.run(&["issue", "x.test", "--issuer", "nope"], 2);
    assert!(
        stderr(&out).contains("ca intermediate nope"),
        "{}",
        stderr(&out)
    );
    env.run(&["intermediate", "../evil"], 2);
}

#[test]
fn encrypted_ca_keys_need_their_passphrase() {
    let env = Env::new();
    std::fs::write(env.path("pass"), "s3cret\n").unwrap();
    std::fs::write(env.path("wrong"), "nope\n").unwrap();
    std::fs::write(env.path("empty"), "").unwrap();
    let init = env.json(&["init", "--passphrase-file", "pass"]);
    let key = std::fs::read_to_string(field(&init, "key")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(!key.contains("s3cret"));

    let out = env.run(&["issue", "a.test"], 2);
    assert!(
        stderr(&out).contains("--passphrase-file"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["issue", "a.test", "--passphrase-file", "wrong"], 2);
    assert!(
        stderr(&out).contains("wrong passphrase"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["issue", "a.test", "--passphrase-file", "empty"], 2);
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));
    assert!(!env.path("a.test.pem").exists());

    // --ca-passphrase-env unlocks the CA; the leaf key stays plain.
    let out = env
        .ca(&["issue", "a.test", "--ca-passphrase-env", "CA_PASS"])
        .env("CA_PASS", "s3cret")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let leaf_key = std::fs::read_to_string(env.path("a.test-key.pem")).unwrap();
    assert!(leaf_key.starts_with("-----BEGIN PRIVATE KEY-----"));
    let pass_arg = format!("file:{}", env.path("pass").display());
    // --passphrase-file does both: unlocks the CA and encrypts the new key.
    env.run(&["issue", "b.test", "--passphrase-file", "pass"], 0);
    openssl(&[
        "pkey",
        "-noout",
        "-in",
        env.path("b.test-key.pem").to_str().unwrap(),
        "-passin",
        &pass_arg,
    ]);
}

#[test]
fn import_refuses_bad_files_with_clear_errors() {
    let env = Env::new();
    let donor = Env::new();
    let created = donor.json(&["init"]);
    let cert = field(&created, "cert");
    let key = field(&created, "key");
    let leaf = donor.json(&["issue", "a.test"]);

    let key_pem = std::fs::read_to_string(&key).unwrap();
    std::fs::write(env.path("empty.pem"), "").unwrap();
    std::fs::write(env.path("garbage.pem"), "garbage\x00\x01").unwrap();
    std::fs::write(env.path("truncated.pem"), &key_pem[..key_pem.len() / 2]).unwrap();
    let cases: [(&str, &std::path::Path, &str); 5] = [
        ("empty", &env.path("empty.pem"), "empty"),
        (
            "garbage",
            &env.path("garbage.pem"),
            "not a readable private key",
        ),
        ("truncated", &env.path("truncated.pem"), "truncated"),
        (
            "a certificate",
            &cert,
            "this is a certificate, not a private key",
        ),
        ("another key", &field(&leaf, "key"), "does not belong"),
    ];
    for (what, bad_key, message) in cases {
        let out = env.run(
            &[
                "init",
                "--import-cert",
                cert.to_str().unwrap(),
                "--import-key",
                bad_key.to_str().unwrap(),
            ],
            2,
        );
        let err = stderr(&out);
        assert!(err.contains(message), "{what}: {err}");
        assert!(!env.ca_dir.join("root/cert.pem").exists(), "{what}");
    }
    // A leaf is not a CA.
    let out = env.run(
        &[
            "init",
            "--import-cert",
            field(&leaf, "cert").to_str().unwrap(),
            "--import-key",
            field(&leaf, "key").to_str().unwrap(),
        ],
        2,
    );
    assert!(stderr(&out).contains("not a CA"), "{}", stderr(&out));
    // The real pair imports, and then issues.
    env.run(
        &[
            "init",
            "--import-cert",
            cert.to_str().unwrap(),
            "--import-key",
            key.to_str().unwrap(),
        ],
        0,
    );
    let issued = env.json(&["issue", "b.test"]);
    assert!(openssl_verify(
        &cert,
        &field(&issued, "chain"),
        &field(&issued, "cert"),
        Some("b.test")
    ));
}

#[test]
fn eight_concurrent_issues_share_one_ca_and_index() {
    let env = Env::new();
    let children: Vec<_> = (0..8)
        .map(|i| {
            env.ca(&["issue", &format!("host{i}.test"), "--json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut serials = HashSet::new();
    let mut roots = HashSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        serials.insert(json["serial"].as_str().unwrap().to_string());
        roots.insert(std::fs::read(field(&json, "root")).unwrap());
    }
    assert_eq!(serials.len(), 8, "distinct serials");
    assert_eq!(roots.len(), 1, "one root for all");
    let listed: HashSet<String> = env.listed_serials().into_iter().collect();
    assert_eq!(listed.len(), 9, "the root and eight leaves");
    assert!(serials.is_subset(&listed));
}

#[test]
fn list_shows_the_index() {
    let env = Env::new();
    let out = env.run(&["list"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("No certificates"));
    env.run(&["issue", "a.test"], 0);
    let out = env.run(&["list"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("a.test") && text.contains("server") && text.contains("root"),
        "{text}"
    );
    let json = env.json(&["list"]);
    let entries = json["certificates"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["names"][0], "a.test");
    assert!(std::path::Path::new(entries[1]["file"].as_str().unwrap()).is_file());
}

#[test]
fn ca_dir_comes_from_the_flag_then_ca_dir_then_xdg_then_home() {
    let env = Env::new();
    let work = env.work.path();
    let issue = |name: &str| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.args(["issue", name, "--json"])
            .current_dir(work)
            .env_remove("CA_DIR")
            .env_remove("XDG_DATA_HOME")
            .env("HOME", work);
        cmd
    };
    let root_of = |cmd: &mut std::process::Command| {
        let out = expect_code(cmd, 0);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        field(&json, "root")
    };
    assert_eq!(
        root_of(&mut issue("a.test")),
        work.join(".local/share/ca/root/cert.pem")
    );
    assert_eq!(
        root_of(issue("b.test").env("XDG_DATA_HOME", work.join("xdg"))),
        work.join("xdg/ca/root/cert.pem")
    );
    assert_eq!(
        root_of(issue("c.test").env("CA_DIR", work.join("env-ca"))),
        work.join("env-ca/root/cert.pem")
    );
    let flag = work.join("flag-ca");
    assert_eq!(
        root_of(
            issue("d.test")
                .env("CA_DIR", work.join("env-ca"))
                .arg("--ca-dir")
                .arg(&flag)
        ),
        flag.join("root/cert.pem")
    );
}

#[test]
fn names_clients_would_refuse_are_refused_with_the_rule() {
    let env = Env::new();
    // A wildcard over a public suffix: every browser refuses it (CA/B BR 3.2.2.6).
    for name in ["*.co.uk", "*.test"] {
        let out = env.run(&["issue", name], 1);
        let err = stderr(&out);
        assert!(err.contains("san.wildcard-public-suffix"), "{name}: {err}");
        assert!(err.contains("BR 3.2.2.6"), "{name}: {err}");
    }
    // A host name with '_' is not in preferred name syntax (RFC 5280 4.2.1.6).
    let out = env.run(&["issue", "under_score.example"], 2);
    let err = stderr(&out);
    assert!(
        err.contains("san.dns-syntax") && err.contains("RFC 5280 4.2.1.6"),
        "{err}"
    );
    assert!(!env.path("under_score.example.pem").exists());
    // What clients accept is issued, and ca verify agrees.
    env.run(&["issue", "*.example.co.uk"], 0);
}

#[test]
fn web_pki_rules_warn_and_strict_webpki_refuses() {
    let env = Env::new();
    // Ed25519 is fine under RFC 5280 (RFC 8410) and outside the Web PKI (CA/B BR 6.1.5).
    let out = env.run(&["issue", "ed.example.test", "--key-type", "ed25519"], 0);
    let err = stderr(&out);
    assert!(err.contains("key.webpki-algorithms"), "{err}");
    let out = env.run(
        &[
            "issue",
            "strict.example.test",
            "--key-type",
            "ed25519",
            "--strict-webpki",
        ],
        1,
    );
    assert!(
        stderr(&out).contains("key.webpki-algorithms"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path("strict.example.test.pem").exists());
}
