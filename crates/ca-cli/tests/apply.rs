//! `ca apply` and `ca schema`: builds the example tree, is idempotent to the
//! byte, reissues only what is due or changed, reports file mistakes with
//! positions before writing anything, and survives concurrent runs.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{ca, json, openssl, write};
use serde_json::Value;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/apply/example.toml")
}

/// Every file under `dir` (relative path) with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The files that differ (or exist on one side only) between snapshots.
fn changed(a: &BTreeMap<PathBuf, Vec<u8>>, b: &BTreeMap<PathBuf, Vec<u8>>) -> Vec<String> {
    let keys: std::collections::BTreeSet<_> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.display().to_string())
        .collect()
}

fn actions(report: &Value) -> BTreeMap<String, String> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                format!(
                    "{} {}",
                    s["kind"].as_str().unwrap(),
                    s["name"].as_str().unwrap()
                ),
                s["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn verify_leaf(dir: &Path, leaf: &str, purpose: &str) {
    let run = openssl(
        dir,
        &[
            "verify",
            "-CAfile",
            "ca/root/cert.pem",
            "-untrusted",
            "ca/intermediates/web/cert.pem",
            "-purpose",
            purpose,
            leaf,
        ],
    );
    assert!(run.stdout.contains(": OK"), "{}", run.stdout);
}

#[test]
fn example_builds_the_tree_in_an_empty_directory_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let example = example.to_str().unwrap();
    let first = ca(dir.path(), &["apply", example, "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let report = json(&first);
    assert_eq!(report["changed"], true);
    assert!(actions(&report).values().all(|a| a == "create"));
    for leaf in ["www", "api"] {
        verify_leaf(dir.path(), &format!("certs/{leaf}.pem"), "sslserver");
    }
    verify_leaf(dir.path(), "certs/alice.pem", "sslclient");
    // Certbot's files: NAME-fullchain.pem is what a server sends (leaf
    // then intermediate), NAME-chain.pem the intermediate alone.
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(
        read("certs/www-chain.pem"),
        read("ca/intermediates/web/cert.pem")
    );
    assert_eq!(
        read("certs/www-fullchain.pem"),
        read("certs/www.pem") + &read("certs/www-chain.pem")
    );
    let index = std::fs::read_to_string(dir.path().join("ca/index.jsonl")).unwrap();
    assert_eq!(index.lines().count(), 5, "root, web and three leaves");

    let before = snapshot(dir.path());
    let second = ca(dir.path(), &["apply", example]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("Nothing to do"), "{}", second.stdout);
    assert!(second.stdout.contains("no file was changed"));
    assert_eq!(
        changed(&before, &snapshot(dir.path())),
        Vec::<String>::new()
    );

    let third = json(&ca(dir.path(), &["apply", example, "--json"]));
    assert_eq!(third["changed"], false);
    assert!(actions(&third).values().all(|a| a == "keep"));
    assert_eq!(
        changed(&before, &snapshot(dir.path())),
        Vec::<String>::new()
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let run = ca(
        dir.path(),
        &["apply", example.to_str().unwrap(), "--dry-run", "--json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = json(&run);
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["changed"], false);
    assert_eq!(plan["would_change"], true);
    assert_eq!(actions(&plan).len(), 5);
    assert!(actions(&plan).values().all(|a| a == "create"));
    assert!(snapshot(dir.path()).is_empty(), "a dry run wrote files");

    let text = ca(
        dir.path(),
        &["apply", example.to_str().unwrap(), "--dry-run"],
    );
    assert!(
        text.stdout.contains("create  leaf         www"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("nothing was generated or written"));
    assert!(snapshot(dir.path()).is_empty());
}

const TWO_LEAVES: &str = r#"
ca_dir = "ca"

[intermediates.web]
permit_dns = ["example.test"]

[leaves.www]
issuer = "web"
names = ["www.example.test"]
days = 10
renew_before = "5d"
out = "certs"

[leaves.api]
issuer = "web"
names = ["api.example.test"]
days = 10
renew_before = "5d"
out = "certs"
"#;

fn apply_json(dir: &Path, file: &str) -> Value {
    let run = ca(dir, &["apply", file, "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run)
}

fn leaf_step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "leaf" && s["name"] == name)
        .unwrap()
}

#[test]
fn a_leaf_inside_its_renewal_window_is_reissued_and_the_others_are_not() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pki.toml", TWO_LEAVES);
    apply_json(dir.path(), "pki.toml");
    let before = snapshot(dir.path());

    // www's 10-day certificate is now inside its 15-day window; api's is
    // not inside its 5-day one.
    let renewed = TWO_LEAVES.replacen(
        "days = 10\nrenew_before = \"5d\"",
        "days = 30\nrenew_before = \"15d\"",
        1,
    );
    write(dir.path(), "pki.toml", &renewed);
    let report = apply_json(dir.path(), "pki.toml");
    let www = leaf_step(&report, "www");
    assert_eq!(www["action"], "reissue");
    assert!(
        www["reasons"][0]
            .as_str()
            .unwrap()
            .contains("renewal threshold 15d"),
        "{www}"
    );
    assert_eq!(leaf_step(&report, "api")["action"], "keep");
    let mut diff = changed(&before, &snapshot(dir.path()));
    diff.retain(|f| !f.starts_with("ca/issued/") && f != "pki.toml");
    assert_eq!(
        diff,
        [
            "ca/index.jsonl",
            "certs/www-fullchain.pem",
            "certs/www-key.pem",
            "certs/www.pem"
        ]
    );
    // The new one lasts 30 days, so it is not due again.
    let again = apply_json(dir.path(), "pki.toml");
    assert_eq!(again["changed"], false);
    verify_leaf(dir.path(), "certs/www.pem", "sslserver");
}

#[test]
fn changing_a_leafs_names_or_key_type_reissues_only_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pki.toml", TWO_LEAVES);
    apply_json(dir.path(), "pki.toml");
    let before = snapshot(dir.path());

    let renamed = TWO_LEAVES.replace(
        r#"names = ["api.example.test"]"#,
        r#"names = ["api.example.test", "api2.example.test"]"#,
    );
    write(dir.path(), "pki.toml", &renamed);
    let report = apply_json(dir.path(), "pki.toml");
    let api = leaf_step(&report, "api");
    assert_eq!(api["action"], "reissue");
    assert!(
        api["reasons"][0].as_str().unwrap().contains("names"),
        "{api}"
    );
    assert_eq!(leaf_step(&report, "www")["action"], "keep");
    let mut diff = changed(&before, &snapshot(dir.path()));
    diff.retain(|f| !f.starts_with("ca/issued/") && f != "pki.toml");
    assert_eq!(
        diff,
        [
            "ca/index.jsonl",
            "certs/api-fullchain.pem",
            "certs/api-key.pem",
            "certs/api.pem"
        ]
    );
    let text = openssl(
        dir.path(),
        &[
            "x509",
            "-in",
            "certs/api.pem",
            "-noout",
            "-ext",
            "subjectAltName",
        ],
    );
    assert!(
        text.stdout.contains("DNS:api2.example.test"),
        "{}",
        text.stdout
    );

    let retyped = renamed.replacen(
        "out = \"certs\"",
        "out = \"certs\"\nkey_type = \"ed25519\"",
        1,
    );
    write(dir.path(), "pki.toml", &retyped);
    let report = apply_json(dir.path(), "pki.toml");
    let www = leaf_step(&report, "www");
    assert_eq!(www["action"], "reissue");
    assert!(
        www["reasons"][0].as_str().unwrap().contains("ed25519"),
        "{www}"
    );
    assert_eq!(leaf_step(&report, "api")["action"], "keep");
    let key = openssl(
        dir.path(),
        &["pkey", "-in", "certs/www-key.pem", "-noout", "-text"],
    );
    assert!(key.stdout.contains("ED25519"), "{}", key.stdout);
}

#[test]
fn a_missing_or_tampered_file_is_repaired_and_a_foreign_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pki.toml", TWO_LEAVES);
    apply_json(dir.path(), "pki.toml");
    std::fs::remove_file(dir.path().join("certs/api-fullchain.pem")).unwrap();
    let report = apply_json(dir.path(), "pki.toml");
    assert_eq!(leaf_step(&report, "api")["action"], "reissue");
    assert_eq!(leaf_step(&report, "www")["action"], "keep");

    // A certificate this CA did not issue is not replaced without --force.
    let foreign = tempfile::tempdir().unwrap();
    let init = ca(foreign.path(), &["init", "--ca-dir", "other-ca"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let other = ca(
        foreign.path(),
        &[
            "issue",
            "www.example.test",
            "--ca-dir",
            "other-ca",
            "--json",
        ],
    );
    assert_eq!(other.code, 0, "{}", other.stderr);
    std::fs::copy(
        foreign.path().join("www.example.test.pem"),
        dir.path().join("certs/www.pem"),
    )
    .unwrap();
    let before = snapshot(dir.path());
    let refused = ca(dir.path(), &["apply", "pki.toml"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("certs/www.pem"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert_eq!(
        changed(&before, &snapshot(dir.path())),
        Vec::<String>::new()
    );
    let forced = ca(dir.path(), &["apply", "pki.toml", "--force", "--json"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(leaf_step(&json(&forced), "www")["action"], "reissue");
    verify_leaf(dir.path(), "certs/www.pem", "sslserver");
}

/// Runs `ca apply FILE` on a file with mistakes: exit 2, nothing written.
fn refused_file(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.toml", text);
    let run = ca(dir.path(), &["apply", "bad.toml"]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let files: Vec<_> = snapshot(dir.path()).into_keys().collect();
    assert_eq!(files, [PathBuf::from("bad.toml")], "{}", run.stderr);
    assert!(run.stderr.contains("nothing was generated or written"));
    run.stderr
}

#[test]
fn file_mistakes_are_reported_with_line_column_and_suggestion_before_anything_is_written() {
    let typo = refused_file(
        "ca_dir = \"ca\"\n[leaves.www]\nnames = [\"www.example.test\"]\nnot_afer = \"2030-01-01T00:00:00Z\"\n",
    );
    assert!(
        typo.contains("bad.toml:4:1: unknown key `not_afer` in [leaves.www]"),
        "{typo}"
    );
    assert!(typo.contains("did you mean `not_after`?"), "{typo}");

    let top = refused_file("ca_dir = \"ca\"\n[leaf.www]\nnames = [\"a.test\"]\n");
    assert!(top.contains("bad.toml:2:2: unknown key `leaf`"), "{top}");
    assert!(top.contains("did you mean `leaves`?"), "{top}");

    let wrong_type = refused_file("[leaves.www]\nnames = \"www.example.test\"\n");
    assert!(
        wrong_type.contains("bad.toml:2:9: invalid type"),
        "{wrong_type}"
    );
    assert!(wrong_type.contains("expected an array"), "{wrong_type}");

    let several = refused_file(
        r#"ca_dir = "ca"
[intermediates.web]
permit_dns = ["example.test"]

[leaves.www]
issuer = "webb"
names = ["www.example.test"]

[leaves.evil]
issuer = "web"
names = ["ok.example.test", "www.example.org"]
key_type = "ecdsa-p255"
renew_before = "400d"
"#,
    );
    let lines: Vec<&str> = several.lines().collect();
    assert!(
        lines[0].contains("bad.toml:6:10: leaf 'www' names the issuer 'webb'"),
        "{several}"
    );
    assert!(lines[0].ends_with("did you mean `web`?"), "{several}");
    assert!(lines[1].contains("bad.toml:11:29: 'www.example.org' is outside the permitted subtrees (example.test) of the CA 'web'"), "{several}");
    assert!(
        lines[2].contains("bad.toml:12:12: unknown key type 'ecdsa-p255'"),
        "{several}"
    );
    assert!(
        lines[2].ends_with("did you mean `ecdsa-p256`?"),
        "{several}"
    );
    assert!(
        lines[3].contains("bad.toml:13:16: renew_before"),
        "{several}"
    );
    assert!(several.contains("4 mistake(s) in bad.toml"), "{several}");

    let kind = refused_file("[leaves.c]\nkind = \"clinet\"\nnames = [\"c@example.test\"]\n");
    assert!(
        kind.contains("bad.toml:2:8: unknown value `clinet`"),
        "{kind}"
    );
    assert!(kind.contains("did you mean `client`?"), "{kind}");
}

#[test]
fn subject_keys_set_the_subjects_and_bad_ones_are_located() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pki.toml",
        r#"ca_dir = "ca"
[root]
common_name = "Acme Root"
subject = "O=Acme, C=DE"

[leaves.www]
names = ["www.example.test"]
subject = "O=Acme, OU=Web"
"#,
    );
    apply_json(dir.path(), "pki.toml");
    let subject = |file: &str| {
        openssl(
            dir.path(),
            &[
                "x509",
                "-noout",
                "-subject",
                "-nameopt",
                "sep_comma_plus_space",
                "-in",
                file,
            ],
        )
        .stdout
    };
    assert_eq!(
        subject("ca/root/cert.pem").trim(),
        "subject=O=Acme, C=DE, CN=Acme Root"
    );
    assert_eq!(
        subject("www.pem").trim(),
        "subject=O=Acme, OU=Web, CN=www.example.test"
    );
    openssl(
        dir.path(),
        &[
            "verify",
            "-CAfile",
            "ca/root/cert.pem",
            "-purpose",
            "sslserver",
            "www.pem",
        ],
    );

    let bad = refused_file("[leaves.www]\nnames = [\"a.test\"]\nsubject = \"Q=1\"\n");
    assert!(
        bad.contains("bad.toml:3:11: `subject`: unknown attribute type 'Q'"),
        "{bad}"
    );
}

#[test]
fn keys_apply_writes_into_a_git_work_tree_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let git = common::tool::GIT
        .command()
        .args(["init", "-q"])
        .current_dir(dir.path())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .expect("run git");
    assert!(git.success());
    write(
        dir.path(),
        "pki.toml",
        "ca_dir = \"ca\"\n[leaves.www]\nnames = [\"www.example.test\"]\n",
    );
    let run = ca(dir.path(), &["apply", "pki.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The root's key (in the CA directory the file puts in the repository)
    // and the leaf's.
    for key in ["ca/root/key.pem", "www-key.pem"] {
        assert!(
            run.stderr
                .contains(&format!("{key} is a private key inside a git work tree")),
            "{key}: {}",
            run.stderr
        );
    }
}

#[test]
fn eight_concurrent_apply_and_issue_processes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let example = example();
    let mut children = Vec::new();
    for i in 0..8 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if i % 2 == 0 {
            cmd.args(["apply", example.to_str().unwrap(), "--json"]);
        } else {
            let out = format!("out{i}");
            std::fs::create_dir(dir.path().join(&out)).unwrap();
            let name = format!("host{i}.test");
            // The default CA directory (DIR/ca, the file's `ca_dir`), which
            // `issue` creates if it comes first.
            cmd.env_remove("CA_DIR")
                .env("XDG_DATA_HOME", dir.path())
                .args(["issue", &name, "--out", &out, "--json"]);
        }
        children.push(cmd.spawn().unwrap());
    }
    let mut made = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        made.push(serde_json::from_slice::<Value>(&out.stdout).unwrap());
    }
    // Four `issue` certificates, and the example's three leaves made once.
    let index = std::fs::read_to_string(dir.path().join("ca/index.jsonl")).unwrap();
    let entries: Vec<Value> = index
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let serials: HashSet<&str> = entries
        .iter()
        .map(|e| e["serial"].as_str().unwrap())
        .collect();
    assert_eq!(serials.len(), entries.len(), "serials repeat: {index}");
    assert_eq!(entries.len(), 2 + 3 + 4, "{index}");
    let in_index: HashSet<&str> = entries
        .iter()
        .map(|e| e["sha256"].as_str().unwrap())
        .collect();
    let mut files: Vec<String> = ["www", "api", "alice"]
        .iter()
        .map(|l| format!("certs/{l}.pem"))
        .collect();
    files.extend(
        made.iter()
            .filter_map(|m| m["cert"].as_str().map(str::to_string)),
    );
    assert_eq!(files.len(), 3 + 4);
    for file in files {
        let fp = openssl(
            dir.path(),
            &["x509", "-in", &file, "-noout", "-fingerprint", "-sha256"],
        );
        let hex: String = fp
            .stdout
            .trim()
            .rsplit('=')
            .next()
            .unwrap()
            .replace(':', "")
            .to_lowercase();
        assert!(
            in_index.contains(hex.as_str()),
            "{file} is not in the index"
        );
    }
    // Exactly one apply did the work.
    let creators = made
        .iter()
        .filter(|m| m["steps"].is_array() && m["changed"] == true)
        .count();
    assert_eq!(creators, 1);
}

#[test]
fn schema_is_json_schema_of_every_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = ca(dir.path(), &["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let schema = json(&run);
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let leaf = &schema["properties"]["leaves"]["additionalProperties"];
    assert_eq!(leaf["additionalProperties"], false);
    for key in [
        "names",
        "renew_before",
        "not_after",
        "kind",
        "issuer",
        "out",
    ] {
        assert!(leaf["properties"][key].is_object(), "{key}");
    }
    // docs/apply.md documents every key the schema lists.
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/apply.md"))
            .unwrap();
    let tables = [
        &schema,
        &schema["properties"]["root"],
        &schema["properties"]["intermediates"]["additionalProperties"],
        leaf,
    ];
    for table in tables {
        for key in table["properties"].as_object().unwrap().keys() {
            assert!(
                docs.contains(&format!("`{key}`")),
                "docs/apply.md lacks `{key}`"
            );
        }
    }
}

#[test]
fn encrypted_keys_need_their_passphrase_and_are_never_replaced_without_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pki.toml", TWO_LEAVES);
    write(dir.path(), "pass.txt", "correct horse\n");
    let first = ca(
        dir.path(),
        &[
            "apply",
            "pki.toml",
            "--passphrase-file",
            "pass.txt",
            "--json",
        ],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    let key = std::fs::read_to_string(dir.path().join("certs/www-key.pem")).unwrap();
    assert!(key.contains("ENCRYPTED PRIVATE KEY"), "{key}");
    let before = snapshot(dir.path());
    let again = ca(
        dir.path(),
        &[
            "apply",
            "pki.toml",
            "--passphrase-file",
            "pass.txt",
            "--json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(json(&again)["changed"], false);
    let without = ca(dir.path(), &["apply", "pki.toml"]);
    assert_eq!(without.code, 2, "{}", without.stderr);
    assert!(without.stderr.contains("passphrase"), "{}", without.stderr);
    assert_eq!(
        changed(&before, &snapshot(dir.path())),
        Vec::<String>::new()
    );
}
