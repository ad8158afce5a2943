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
    for file in [
        "localhost.pem",
        "localhost-key.pem",
        "localhost-fullchain.pem",
    ] {
        assert!(stdout.contains(file), "{stdout}");
        assert!(env.path(file).is_file(), "{file}");
    }
    // The root signed it: no intermediates, so no NAME-chain.pem, and the
    // output says why.
    assert!(!env.path("localhost-chain.pem").exists());
    assert!(stdout.contains("chain:       none"), "{stdout}");
    // The closing hint says how to make clients trust the root.
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("`ca trust install"),
        "{stdout}"
    );
    assert_eq!(mode(&env.path("localhost-key.pem")), 0o600);
    let root = env.ca_dir.join("root/cert.pem");
    assert!(openssl_verify(
        &root,
        &env.path("localhost-fullchain.pem"),
        &env.path("localhost.pem"),
        Some("localhost")
    ));
    // The second time, the CA exists: no announcement.
    let out = env.run(&["issue", "other.test"], 0);
    assert!(!stderr(&out).contains("Created"), "{}", stderr(&out));
}

#[test]
fn how_to_trust_the_new_root_is_said_once_and_also_with_json() {
    let hint = "`ca trust install";
    let env = Env::new();
    let out = env.run(&["issue", "localhost"], 0);
    let (stdout, said) = (String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(stdout.matches(hint).count(), 1, "{stdout}");
    assert!(!said.contains(hint), "said twice: {said}");
    assert!(said.contains("Its root certificate is"), "{said}");

    // With --json the text ending is gone: stderr is the only place for a human to read it.
    let env = Env::new();
    let out = env.run(&["issue", "localhost", "--json"], 0);
    assert!(stderr(&out).contains(hint), "{}", stderr(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(hint));
}

#[test]
fn json_output_has_the_promised_keys() {
    let env = Env::new();
    let json = env.json(&["issue", "localhost", "::1", "--out", "."]);
    for key in ["cert", "key", "fullchain", "root"] {
        assert!(field(&json, key).is_file(), "{key}: {json}");
    }
    assert!(
        json["chain"].is_null(),
        "no intermediates, no chain: {json}"
    );
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
    // Certbot's files: NAME-chain.pem the intermediate alone,
    // NAME-fullchain.pem the leaf then the intermediate.
    let read = |key| std::fs::read_to_string(field(&leaf, key)).unwrap();
    assert_eq!(
        read("chain"),
        std::fs::read_to_string(field(&inter, "cert")).unwrap()
    );
    assert_eq!(read("fullchain"), read("cert") + &read("chain"));
    assert!(field(&leaf, "fullchain").ends_with("www.example.test-fullchain.pem"));
    assert!(field(&leaf, "chain").ends_with("www.example.test-chain.pem"));
    assert!(openssl_verify(
        &field(&leaf, "root"),
        &field(&leaf, "chain"),
        &field(&leaf, "cert"),
        Some("www.example.test")
    ));
    // Outside the intermediate's name constraints: refused, nothing written.
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

    // The advice is the flag that unlocks the CA key, not --passphrase-*
    // (which would encrypt the new leaf key as well).
    let out = env.run(&["issue", "a.test"], 2);
    assert!(
        stderr(&out).contains(
            "root/key.pem: the CA key is encrypted; unlock it with --ca-passphrase-file FILE"
        ),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains(" --passphrase-file"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["issue", "a.test", "--ca-passphrase-file", "wrong"], 2);
    assert!(
        stderr(&out)
            .contains("wrong passphrase for the CA key; unlock it with --ca-passphrase-file"),
        "{}",
        stderr(&out)
    );
    // `ca sign` makes no key: its help offers only the CA key's passphrase.
    let help = env.run(&["sign", "--help"], 0);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--ca-passphrase-file") && !help.contains("encrypt the new private key"),
        "{help}"
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
        &field(&issued, "fullchain"),
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
    // A directory the user names must already hold a CA (`ca init`).
    let env_ca = work.join("env-ca");
    expect_code(issue("c.test").env("CA_DIR", &env_ca), 2);
    let init = |dir: &std::path::Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.arg("init").arg("--ca-dir").arg(dir).env("HOME", work);
        expect_code(&mut cmd, 0);
    };
    init(&env_ca);
    assert_eq!(
        root_of(issue("c.test").env("CA_DIR", &env_ca)),
        env_ca.join("root/cert.pem")
    );
    let flag = work.join("flag-ca");
    expect_code(issue("d.test").arg("--ca-dir").arg(&flag), 2);
    init(&flag);
    assert_eq!(
        root_of(
            issue("d.test")
                .env("CA_DIR", &env_ca)
                .arg("--ca-dir")
                .arg(&flag)
        ),
        flag.join("root/cert.pem")
    );
}

#[test]
fn a_named_ca_dir_without_a_ca_is_refused_not_created() {
    let env = Env::new();
    let typo = env.path("my-cq");
    for via_env in [false, true] {
        let mut cmd = env.ca(&["issue", "a.test"]);
        if via_env {
            cmd.env("CA_DIR", &typo);
        } else {
            cmd.arg("--ca-dir").arg(&typo);
        }
        let out = expect_code(&mut cmd, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        let given = if via_env { "CA_DIR" } else { "--ca-dir" };
        assert!(
            err.contains(&format!(
                "{} (given with {given}) does not exist",
                typo.display()
            )) && err.contains(&format!("ca init --ca-dir {}", typo.display())),
            "{err}"
        );
        assert!(!typo.exists(), "the mistyped directory was created");
        assert!(
            !env.path("a.test.pem").exists(),
            "a certificate was written"
        );
    }
    // An existing directory without a CA is refused the same way.
    std::fs::create_dir(&typo).unwrap();
    let out = expect_code(env.ca(&["issue", "a.test"]).arg("--ca-dir").arg(&typo), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds no CA"));
    assert_eq!(std::fs::read_dir(&typo).unwrap().count(), 0);
    // Once `ca init` made it, issuing there works.
    env.run(&["init", "--ca-dir", typo.to_str().unwrap()], 0);
    expect_code(env.ca(&["issue", "a.test"]).arg("--ca-dir").arg(&typo), 0);
}

#[test]
fn info_shows_where_the_ca_lives_and_the_roots_fingerprint() {
    let env = Env::new();
    // No CA yet: where one would be made, and nothing created.
    let out = env.run(&["info"], 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&env.ca_dir.display().to_string()) && text.contains("no CA yet"),
        "{text}"
    );
    assert!(!env.ca_dir.exists());
    let none = env.json(&["info"]);
    assert_eq!(none["initialized"], false);
    assert!(none["root"].is_null());

    env.run(&["init"], 0);
    env.run(&["intermediate", "web"], 0);
    let info = env.json(&["root"]);
    let root = env.ca_dir.join("root/cert.pem");
    assert_eq!(field(&info, "ca_dir"), env.ca_dir);
    assert_eq!(field(&info["root"], "cert"), root);
    assert_eq!(field(&info["root"], "key"), env.ca_dir.join("root/key.pem"));
    assert_eq!(info["intermediates"][0]["name"], "web");
    // The fingerprint is the one openssl computes.
    let openssl_fp = openssl(&[
        "x509",
        "-noout",
        "-fingerprint",
        "-sha256",
        "-in",
        root.to_str().unwrap(),
    ]);
    let openssl_hex: String = openssl_fp
        .trim()
        .rsplit('=')
        .next()
        .unwrap()
        .replace(':', "")
        .to_lowercase();
    assert_eq!(info["root"]["sha256"], openssl_hex.as_str());
    // The text says the same, with the fingerprint as openssl shows it.
    let text = env.run(&["info"], 0);
    let text = String::from_utf8_lossy(&text.stdout);
    let colon = openssl_fp.trim().rsplit('=').next().unwrap().to_string();
    assert!(
        text.contains(&root.display().to_string()) && text.contains(&colon),
        "{text}"
    );
    // --dir prints the directory alone, like `mkcert -CAROOT`.
    let dir = env.run(&["info", "--dir"], 0);
    assert_eq!(
        String::from_utf8_lossy(&dir.stdout).trim_end(),
        env.ca_dir.display().to_string()
    );
}

/// `git` in `dir`, with no user or system configuration.
fn git(dir: &std::path::Path, args: &[&str]) {
    let out = tool::GIT
        .command()
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_key_git_would_commit_is_warned_about() {
    let env = Env::new();
    env.run(&["init"], 0);
    let warning = "is a private key inside a git work tree that does not ignore it";
    // Outside a git work tree: no warning.
    let out = env.run(&["issue", "outside.test"], 0);
    assert!(!stderr(&out).contains(warning), "{}", stderr(&out));

    let repo = env.path("repo");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    let issue = |name: &str| {
        let out = env.run(&["issue", name, "--out", "repo"], 0);
        stderr(&out)
    };
    // Inside one that does not ignore it: warned, naming the key and the fix.
    let err = issue("a.test");
    assert!(
        err.contains(warning) && err.contains("repo/a.test-key.pem") && err.contains(".gitignore"),
        "{err}"
    );
    // `ca csr` writes a key too.
    let out = env.run(&["csr", "c.test", "--out", "repo"], 0);
    assert!(stderr(&out).contains(warning), "{}", stderr(&out));
    // And `ca fixture revoked` (its leaf-key.pem).
    let out = env.run(&["fixture", "revoked", "--out", "repo"], 0);
    assert!(
        stderr(&out).contains(warning) && stderr(&out).contains("leaf-key.pem"),
        "{}",
        stderr(&out)
    );
    // Ignored (as this repository's own .gitignore does): quiet.
    std::fs::write(repo.join(".gitignore"), "*-key.pem\n").unwrap();
    let err = issue("b.test");
    assert!(!err.contains(warning), "{err}");
    // No git on PATH: no warning, and the command still works.
    std::fs::remove_file(repo.join(".gitignore")).unwrap();
    let out = expect_code(
        env.ca(&["issue", "d.test", "--out", "repo"])
            .env("PATH", ""),
        0,
    );
    assert!(!stderr(&out).contains(warning), "{}", stderr(&out));
}

/// The repository ignores what the README's first command writes into it.
#[test]
fn the_readme_commands_files_are_ignored_here() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ignore = std::fs::read_to_string(root.join(".gitignore")).unwrap();
    for pattern in [
        "*-key.pem",
        "/*-fullchain.pem",
        "/*-chain.pem",
        "/localhost.pem",
    ] {
        assert!(
            ignore.lines().any(|l| l == pattern),
            ".gitignore lacks {pattern}"
        );
    }
}

/// The subject as openssl prints it (`-nameopt RFC2253`-like, one line).
fn openssl_subject(cert: &std::path::Path) -> String {
    openssl(&[
        "x509",
        "-noout",
        "-subject",
        "-nameopt",
        "sep_comma_plus_space",
        "-in",
        cert.to_str().unwrap(),
    ])
    .trim()
    .to_string()
}

#[test]
fn subject_attributes_for_roots_intermediates_and_leaves() {
    let env = Env::new();
    // Without --subject: the default organisation, as before.
    let plain = Env::new();
    let root = plain.json(&["init", "--cn", "Plain Root"]);
    assert_eq!(
        openssl_subject(&field(&root, "cert")),
        "subject=O=ca development CA, CN=Plain Root"
    );

    let root = env.json(&[
        "init",
        "--cn",
        "Acme Root",
        "--subject",
        "O=Acme\\, Inc., OU=Platform, C=DE",
    ]);
    assert_eq!(
        openssl_subject(&field(&root, "cert")),
        "subject=O=Acme, Inc., OU=Platform, C=DE, CN=Acme Root"
    );
    let inter = env.json(&["intermediate", "web", "--subject", "OU=Web, C=DE"]);
    assert_eq!(
        openssl_subject(&field(&inter, "cert")),
        "subject=O=ca development CA, OU=Web, C=DE, CN=ca intermediate web"
    );
    let leaf = env.json(&[
        "issue",
        "a.test",
        "--issuer",
        "web",
        "--subject",
        "O=Acme, L=Berlin",
    ]);
    assert_eq!(
        openssl_subject(&field(&leaf, "cert")),
        "subject=O=Acme, L=Berlin, CN=a.test"
    );
    assert!(openssl_verify(
        &field(&leaf, "root"),
        &field(&leaf, "chain"),
        &field(&leaf, "cert"),
        Some("a.test")
    ));
    // Bad attributes: exit 2, saying what is wrong and what is allowed.
    for (subject, words) in [
        (
            "X=1",
            "unknown attribute type 'X': use one of C, ST, L, O, OU",
        ),
        ("CN=b.test", "leave it out of --subject"),
        ("C=Germany", "two capital letters"),
        ("O", "is not TYPE=value"),
    ] {
        let out = env.run(&["issue", "b.test", "--subject", subject], 2);
        assert!(stderr(&out).contains(words), "{subject}: {}", stderr(&out));
    }
    assert!(!env.path("b.test.pem").exists());
}

#[test]
fn list_shows_status_filters_by_it_and_draws_the_tree() {
    let env = Env::new();
    env.run(&["init"], 0);
    env.run(&["intermediate", "web"], 0);
    env.run(&["issue", "a.test"], 0);
    env.run(&["issue", "b.test", "--issuer", "web"], 0);
    env.run(&["issue", "soon.test", "--issuer", "web", "--days", "3"], 0);
    let old = ["--not-before", "2020-01-01T00:00:00Z", "--days", "30"];
    env.run(&[&["issue", "old.test"][..], &old].concat(), 0);
    env.run(&["revoke", "b.test.pem"], 0);

    let within = ["--within", "7d"];
    let list = env.json(&[&["list"][..], &within].concat());
    let status: std::collections::BTreeMap<String, String> = list["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["profile"] == "server")
        .map(|c| {
            (
                c["names"][0].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = [
        ("a.test", "valid"),
        ("b.test", "revoked"),
        ("old.test", "expired"),
        ("soon.test", "expiring"),
    ];
    assert_eq!(
        status,
        expect.map(|(a, b)| (a.to_string(), b.to_string())).into()
    );
    // Filters, in JSON and text.
    let due = env.json(
        &[
            &["list", "--status", "expiring", "--status", "expired"][..],
            &within,
        ]
        .concat(),
    );
    let names: Vec<&str> = due["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["names"][0].as_str().unwrap())
        .collect();
    assert_eq!(names, ["soon.test", "old.test"]);
    let text = env.run(&["list", "--status", "revoked"], 0);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("revoked") && text.contains("b.test"),
        "{text}"
    );
    assert!(!text.contains("a.test"), "{text}");
    env.run(&["list", "--status", "lost"], 2);
    env.run(&["list", "--within", "soon"], 2);

    // The tree: leaves under the CA that signed them.
    let out = env.run(&[&["list", "--tree"][..], &within].concat(), 0);
    let tree = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = tree.lines().collect();
    assert!(lines[0].contains("(root,"), "{tree}");
    let shape: Vec<String> = lines[1..]
        .iter()
        .map(|l| l.split(" (").next().unwrap().to_string())
        .collect();
    assert_eq!(
        shape,
        [
            "├── [web] O=ca development CA, CN=ca intermediate web",
            "│   ├── b.test",
            "│   └── soon.test",
            "├── a.test",
            "└── old.test",
        ],
        "{tree}"
    );
    assert!(lines[3].ends_with("expiring)"), "{tree}");
    // Filtered, the CAs above a match stay.
    let out = env.run(
        &[&["list", "--tree", "--status", "expiring"][..], &within].concat(),
        0,
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    assert_eq!(tree.lines().count(), 3, "{tree}");
    assert!(tree.contains("└── soon.test"), "{tree}");
    let json = env.json(&["list", "--tree"]);
    assert_eq!(json["tree"]["profile"], "root");
    assert_eq!(json["tree"]["children"][0]["name"], "web");
    assert_eq!(
        json["tree"]["children"][0]["children"][0]["names"][0],
        "b.test"
    );
}

#[test]
fn renew_reissues_in_place_with_the_same_names_profile_and_issuer() {
    let env = Env::new();
    env.run(&["init"], 0);
    env.run(&["intermediate", "web"], 0);
    let first = env.json(&[
        "issue",
        "www.example.test",
        "10.0.0.5",
        "--issuer",
        "web",
        "--key-type",
        "ed25519",
    ]);
    let client = env.json(&[
        "issue",
        "alice@example.test",
        "--client",
        "--subject",
        "O=Acme\\, Inc., OU=People",
    ]);
    let read = |p: &std::path::Path| std::fs::read(p).unwrap();
    let old_key = read(&field(&first, "key"));
    let old_cert = read(&field(&first, "cert"));

    let out = env.json(&["renew", "www.example.test.pem", "alice@example.test.pem"]);
    let renewed = out["renewed"].as_array().unwrap();
    assert_eq!(renewed.len(), 2);
    let www = &renewed[0];
    // Same names, issuer, profile and key type; new serial and key; the
    // files replaced in place.
    assert_eq!(www["names"], first["names"]);
    assert_eq!(www["issuer"], "web");
    assert_eq!(www["profile"], "server");
    assert_eq!(www["key_type"], "ed25519");
    assert_eq!(www["replaced"], first["serial"]);
    assert_ne!(www["serial"], first["serial"]);
    assert_eq!(field(www, "cert"), field(&first, "cert"));
    assert_ne!(read(&field(&first, "cert")), old_cert);
    assert_ne!(read(&field(&first, "key")), old_key);
    assert_eq!(mode(&field(&first, "key")), 0o600);
    assert_eq!(
        std::fs::read_to_string(field(&first, "fullchain")).unwrap(),
        std::fs::read_to_string(field(&first, "cert")).unwrap()
            + &std::fs::read_to_string(field(&first, "chain")).unwrap()
    );
    assert!(openssl_verify(
        &field(&first, "root"),
        &field(&first, "chain"),
        &field(&first, "cert"),
        Some("www.example.test")
    ));
    assert_eq!(renewed[1]["profile"], "client");
    assert_eq!(renewed[1]["subject"], client["subject"]);
    assert_eq!(renewed[1]["names"], client["names"]);
    // Both certificates are in the index: the old one stays on record.
    let serials = env.listed_serials();
    assert!(serials.contains(&first["serial"].as_str().unwrap().to_string()));
    assert!(serials.contains(&www["serial"].as_str().unwrap().to_string()));

    // --reuse-key keeps the key and certifies it again.
    let key_before = read(&field(&first, "key"));
    let again = env.json(&["renew", "www.example.test.pem", "--reuse-key"]);
    assert_eq!(again["renewed"][0]["new_key"], false);
    assert_eq!(read(&field(&first, "key")), key_before);
    let pubkey = |args: &[&str]| openssl(args);
    assert_eq!(
        pubkey(&[
            "x509",
            "-noout",
            "-pubkey",
            "-in",
            field(&first, "cert").to_str().unwrap()
        ]),
        pubkey(&[
            "pkey",
            "-pubout",
            "-in",
            field(&first, "key").to_str().unwrap()
        ])
    );

    // A certificate another CA issued is refused, and nothing is replaced.
    let other = Env::new();
    let foreign = other.json(&["issue", "foreign.test"]);
    let before = read(&field(&foreign, "cert"));
    let out = env.run(&["renew", field(&foreign, "cert").to_str().unwrap()], 1);
    assert!(
        stderr(&out).contains("did not issue it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(read(&field(&foreign, "cert")), before);
    env.run(&["renew", "nothing.pem"], 2);
}

/// Runs `ca ARGS` in a terminal (`script` gives it one), in the Env's work
/// folder with its default CA directory; returns what the terminal showed.
fn on_a_terminal(env: &Env, args: &[&str]) -> String {
    let line = std::iter::once(env!("CARGO_BIN_EXE_ca"))
        .chain(args.iter().copied())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = tool::SCRIPT
        .command()
        .args(["-qec", &line, "/dev/null"])
        .current_dir(env.work.path())
        .env_remove("CA_DIR")
        .env("XDG_DATA_HOME", env.work.path())
        .env("HOME", env.work.path())
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?}: {shown}");
    shown
}

#[test]
fn slow_work_shows_progress_on_a_terminal_only() {
    let env = Env::new();
    // RSA key generation on a terminal: a spinner, cleared afterwards.
    let shown = on_a_terminal(&env, &["init", "--key-type", "rsa-3072"]);
    assert!(shown.contains("Generating an rsa-3072 key"), "{shown}");
    assert!(shown.contains("Created the root CA"), "{shown}");
    // With --json, or when the output is not a terminal: nothing.
    let shown = on_a_terminal(
        &env,
        &["issue", "a.test", "--key-type", "rsa-3072", "--json"],
    );
    assert!(!shown.contains("Generating"), "{shown}");
    let out = env.run(&["issue", "b.test", "--key-type", "rsa-3072"], 0);
    assert!(!stderr(&out).contains("Generating"), "{}", stderr(&out));
    // ca apply with several leaves: a bar over the steps.
    let leaves: String = (0..4)
        .map(|i| format!("[leaves.l{i}]\nnames = [\"l{i}.test\"]\nkey_type = \"rsa-2048\"\n"))
        .collect();
    std::fs::write(env.path("pki.toml"), format!("ca_dir = \"ca\"\n{leaves}")).unwrap();
    let shown = on_a_terminal(&env, &["apply", "pki.toml"]);
    assert!(shown.contains("/4 create leaf l"), "{shown}");
    assert!(shown.contains("4 created"), "{shown}");
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
    let out = env.run(&["issue", "under_score.example"], 1);
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
