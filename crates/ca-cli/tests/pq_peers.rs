//! Post-quantum certificates made by `ca`, proven with peers we did not write (issue 13):
//!
//! - pyca/cryptography 50 (it bundles OpenSSL 4): its X.509 verifier accepts an ML-DSA-65
//!   root -> ML-DSA-44 leaf chain for its DNS name, and mixed chains (ML-DSA over P-256 and
//!   the reverse); it rejects the same chain with one signature byte changed. Keys `ca`
//!   writes load in it, keys it writes (plain and encrypted PKCS#8) load in `ca`.
//! - pkilint: no ERROR or FATAL finding on the ML-DSA certificates (docs/pq.md says what it
//!   does not check for ML-DSA).
//!
//! The Python peer is the venv `cargo xtask test` makes (target/peers-venv), found on PATH
//! first (xtask puts its bin/ there, as for pkilint) and then at that path; a python without
//! cryptography 50 fails the test saying how to install it.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use common::tool::{Tool, PKILINT, PKILINT_CHAIN};
use common::{ca, Run};
use serde_json::Value;

const PYCA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pq_support/pyca.py");
/// What the peer must have: ML-DSA keys and the X.509 path verifier, from cryptography 50 or
/// later (48 has the `mldsa` module, but its verifier refuses ML-DSA keys).
const PYCA_CHECK: &str = "import cryptography, cryptography.hazmat.primitives.asymmetric.mldsa, \
     cryptography.x509.verification; \
     assert int(cryptography.__version__.split('.')[0]) >= 50, cryptography.__version__";
const PYCA_INSTALL: &str = "Install pyca/cryptography 50 from PyPI: `cargo xtask test` puts \
     cryptography==50.0.2 into target/peers-venv (by hand: `python3 -m venv target/peers-venv && \
     target/peers-venv/bin/pip install cryptography==50.0.2`; Debian's python3-venv makes venvs)";

/// The python that has cryptography 50; panics naming how to install it.
fn python() -> &'static Path {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND.get_or_init(|| {
        let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/peers-venv/bin/python");
        let on_path = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("python3"))
            .find(|p| p.is_file());
        let candidates: Vec<PathBuf> = on_path.into_iter().chain([venv]).collect();
        find_python(&candidates).unwrap_or_else(|why| panic!("{why}"))
    })
}

/// The first of `candidates` that imports what the tests use, or the message that says how
/// to install it.
fn find_python(candidates: &[PathBuf]) -> Result<PathBuf, String> {
    for candidate in candidates {
        let ok = Command::new(candidate)
            .args(["-c", PYCA_CHECK])
            .output()
            .is_ok_and(|out| out.status.success());
        if ok {
            return Ok(candidate.clone());
        }
    }
    let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "no python with pyca/cryptography 50 or later (tried {}): this test needs it. \
         {PYCA_INSTALL}.",
        tried.join(", ")
    ))
}

/// Runs `pyca.py ARGS`, with `passphrase` in its environment when given.
fn pyca(args: &[&str], passphrase: Option<&str>) -> Output {
    let mut cmd = Command::new(python());
    cmd.arg(PYCA).args(args).env("PYTHONWARNINGS", "ignore");
    match passphrase {
        Some(p) => cmd.env("PYCA_PASSPHRASE", p),
        None => cmd.env_remove("PYCA_PASSPHRASE"),
    };
    cmd.output().expect("run python")
}

fn text(out: &Output) -> String {
    format!(
        "exit {}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `pyca.py ARGS` must succeed; its standard output.
fn pyca_ok(args: &[&str], passphrase: Option<&str>) -> String {
    let out = pyca(args, passphrase);
    assert!(out.status.success(), "pyca.py {args:?}: {}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

/// cryptography's server verifier on `leaf` (with `intermediates`, a PEM file) for `name`,
/// trusting `root`, at the current time: Ok("VALID n") or Err("REJECTED ...").
fn pyca_verify(
    root: &Path,
    leaf: &Path,
    intermediates: Option<&Path>,
    name: &str,
) -> Result<String, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let inter = intermediates.map_or("-".to_string(), |p| p.display().to_string());
    let args = [
        "verify",
        root.to_str().unwrap(),
        leaf.to_str().unwrap(),
        &inter,
        name,
        &now,
    ];
    let out = pyca(&args, None);
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match out.status.code() {
        Some(0) if stdout.starts_with("VALID") => Ok(stdout),
        Some(1) if stdout.starts_with("REJECTED") => Err(stdout),
        _ => panic!("pyca.py verify did not answer: {}", text(&out)),
    }
}

fn ca_ok(dir: &Path, args: &[&str]) -> Run {
    let run = ca(dir, args);
    assert_eq!(run.code, 0, "ca {args:?}\n{}\n{}", run.stdout, run.stderr);
    run
}

fn ca_json(dir: &Path, args: &[&str]) -> Value {
    let run = ca_ok(dir, &[args, &["--json"]].concat());
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

fn path_of(v: &Value, field: &str) -> PathBuf {
    PathBuf::from(
        v[field]
            .as_str()
            .unwrap_or_else(|| panic!("no {field} in {v}")),
    )
}

/// A CA directory with a root of `root_type`, optionally an intermediate `mid` of
/// `mid_type`, and a server leaf for `name` of `leaf_type` (issued by the intermediate when
/// there is one).
struct Chain {
    root: PathBuf,
    intermediate: Option<PathBuf>,
    leaf: PathBuf,
    leaf_key: PathBuf,
}

fn make_chain(
    dir: &Path,
    root_type: &str,
    mid_type: Option<&str>,
    leaf_type: &str,
    name: &str,
) -> Chain {
    let ca_dir = dir.join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let root = ca_json(dir, &["init", "--ca-dir", ca_dir, "--key-type", root_type]);
    let mut issue = vec!["issue", name, "--ca-dir", ca_dir, "--key-type", leaf_type];
    if let Some(mid_type) = mid_type {
        ca_json(
            dir,
            &[
                "intermediate",
                "mid",
                "--ca-dir",
                ca_dir,
                "--key-type",
                mid_type,
            ],
        );
        issue.extend(["--issuer", "mid"]);
    }
    let leaf = ca_json(dir, &issue);
    Chain {
        root: path_of(&root, "cert"),
        intermediate: mid_type.map(|_| path_of(&leaf, "chain")),
        leaf: path_of(&leaf, "cert"),
        leaf_key: path_of(&leaf, "key"),
    }
}

#[test]
fn cryptography_accepts_an_ml_dsa_65_root_over_an_ml_dsa_44_leaf() {
    let dir = tempfile::tempdir().unwrap();
    let c = make_chain(
        dir.path(),
        "ml-dsa-65",
        None,
        "ml-dsa-44",
        "pq.example.test",
    );
    let ok = pyca_verify(&c.root, &c.leaf, None, "pq.example.test");
    assert_eq!(ok.as_deref(), Ok("VALID 2"));
    // For its own name only.
    let other = pyca_verify(&c.root, &c.leaf, None, "other.example.test");
    assert!(other.is_err(), "{other:?}");
    // The keys cryptography reads are the certificates' keys.
    assert_eq!(
        pyca_ok(&["key-public", c.leaf_key.to_str().unwrap()], None),
        pyca_ok(&["cert-public", c.leaf.to_str().unwrap()], None)
    );
    assert!(pyca_ok(&["cert-public", c.leaf.to_str().unwrap()], None).starts_with("MLDSA44"));
    assert!(pyca_ok(&["cert-public", c.root.to_str().unwrap()], None).starts_with("MLDSA65"));
}

#[test]
fn cryptography_accepts_mixed_chains() {
    for (root, mid, leaf) in [
        ("ml-dsa-65", "ecdsa-p256", "ecdsa-p256"),
        ("ecdsa-p256", "ml-dsa-44", "ml-dsa-44"),
        ("ml-dsa-87", "ml-dsa-65", "ecdsa-p256"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let c = make_chain(dir.path(), root, Some(mid), leaf, "mixed.example.test");
        let verdict = pyca_verify(
            &c.root,
            &c.leaf,
            c.intermediate.as_deref(),
            "mixed.example.test",
        );
        assert_eq!(
            verdict.as_deref(),
            Ok("VALID 3"),
            "{root} root -> {mid} intermediate -> {leaf} leaf"
        );
    }
}

/// The last octet of a certificate's DER is the last octet of its signature (the BIT STRING
/// closes the outer SEQUENCE): changing it must break the chain for cryptography, as for
/// `ca verify`.
#[test]
fn one_changed_signature_byte_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let c = make_chain(
        dir.path(),
        "ml-dsa-65",
        None,
        "ml-dsa-44",
        "pq.example.test",
    );
    let pem_text = std::fs::read(&c.leaf).unwrap();
    let mut block = pem::parse(&pem_text).unwrap();
    let mut der = block.contents().to_vec();
    *der.last_mut().unwrap() ^= 0x01;
    block = pem::Pem::new(block.tag(), der);
    let tampered = dir.path().join("tampered.pem");
    std::fs::write(&tampered, pem::encode(&block)).unwrap();

    assert_eq!(
        pyca_verify(&c.root, &c.leaf, None, "pq.example.test").as_deref(),
        Ok("VALID 2")
    );
    let verdict = pyca_verify(&c.root, &tampered, None, "pq.example.test");
    let why = verdict.expect_err("cryptography accepted a changed signature");
    assert!(why.contains("signature"), "{why}");
    // ca agrees.
    let run = ca(
        dir.path(),
        &[
            "verify",
            tampered.to_str().unwrap(),
            "--roots",
            c.root.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
}

#[test]
fn keys_ca_writes_load_in_cryptography() {
    let dir = tempfile::tempdir().unwrap();
    let ca_dir = dir.path().join("ca");
    let ca_dir = ca_dir.to_str().unwrap();
    let secret = "correct horse battery staple";
    // An encrypted root key (PKCS#8 with PBES2) and a plain leaf key.
    let mut init = Command::new(env!("CARGO_BIN_EXE_ca"));
    init.args([
        "init",
        "--ca-dir",
        ca_dir,
        "--key-type",
        "ml-dsa-87",
        "--passphrase-env",
        "PQ_SECRET",
        "--json",
    ])
    .env("PQ_SECRET", secret)
    .current_dir(dir.path());
    let out = init.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let root: Value = serde_json::from_slice(&out.stdout).unwrap();
    let root_key = path_of(&root, "key");
    assert!(std::fs::read_to_string(&root_key)
        .unwrap()
        .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_eq!(
        pyca_ok(&["key-public", root_key.to_str().unwrap()], Some(secret)),
        pyca_ok(
            &["cert-public", path_of(&root, "cert").to_str().unwrap()],
            None
        )
    );
    let wrong = pyca(&["key-public", root_key.to_str().unwrap()], Some("wrong"));
    assert!(!wrong.status.success(), "{}", text(&wrong));

    for key_type in ["ml-dsa-44", "ml-dsa-65", "ml-dsa-87"] {
        let name = format!("{key_type}.example.test");
        let mut issue = Command::new(env!("CARGO_BIN_EXE_ca"));
        issue
            .args(["issue", &name, "--ca-dir", ca_dir, "--key-type", key_type])
            .args(["--ca-passphrase-env", "PQ_SECRET", "--json"])
            .env("PQ_SECRET", secret)
            .current_dir(dir.path());
        let out = issue.output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let leaf: Value = serde_json::from_slice(&out.stdout).unwrap();
        let from_key = pyca_ok(
            &["key-public", path_of(&leaf, "key").to_str().unwrap()],
            None,
        );
        assert_eq!(
            from_key,
            pyca_ok(
                &["cert-public", path_of(&leaf, "cert").to_str().unwrap()],
                None
            ),
            "{key_type}"
        );
        let class = format!("MLDSA{}PublicKey", &key_type[7..]);
        assert!(from_key.starts_with(&class), "{key_type}: {from_key}");
    }
}

/// Keys cryptography writes: `ca inspect` reads them (the same public key), and a CA made by
/// cryptography is imported by `ca init` and signs with its key: cryptography then verifies
/// what `ca` issued under it.
#[test]
fn keys_cryptography_writes_load_in_ca() {
    let dir = tempfile::tempdir().unwrap();
    let secret = "pq passphrase";
    for (set, passphrase) in [("44", None), ("65", Some(secret)), ("87", None)] {
        let key = dir
            .path()
            .join(format!("py-{set}-{}.pem", passphrase.is_some()));
        let public = pyca_ok(&["write-key", set, key.to_str().unwrap()], passphrase);
        let mut inspect = Command::new(env!("CARGO_BIN_EXE_ca"));
        inspect
            .args(["inspect", key.to_str().unwrap(), "--json"])
            .current_dir(dir.path());
        if passphrase.is_some() {
            inspect
                .args(["--passphrase-env", "PQ_SECRET"])
                .env("PQ_SECRET", secret);
        }
        let out = inspect.output().unwrap();
        assert!(out.status.success(), "ML-DSA-{set}: {}", text(&out));
        let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
        let object = &seen["objects"][0];
        assert_eq!(object["type"], "key", "{seen}");
        assert_eq!(object["public_key"]["key_type"], format!("ml-dsa-{set}"));
        let spki = object["public_key_pem"].as_str().unwrap();
        assert!(public.ends_with(spki), "ML-DSA-{set}: {public} vs {spki}");
    }

    for passphrase in [None, Some(secret)] {
        let sub = dir
            .path()
            .join(if passphrase.is_some() { "enc" } else { "plain" });
        std::fs::create_dir(&sub).unwrap();
        let (cert, key) = (sub.join("py-root.pem"), sub.join("py-root-key.pem"));
        pyca_ok(
            &[
                "make-ca",
                "65",
                "pyca ML-DSA root",
                cert.to_str().unwrap(),
                key.to_str().unwrap(),
            ],
            passphrase,
        );
        let ca_dir = sub.join("ca");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ca"));
        cmd.arg("init")
            .arg("--ca-dir")
            .arg(&ca_dir)
            .arg("--import-cert")
            .arg(&cert)
            .arg("--import-key")
            .arg(&key)
            .current_dir(&sub);
        let mut issue = Command::new(env!("CARGO_BIN_EXE_ca"));
        issue
            .args(["issue", "imported.example.test", "--key-type", "ml-dsa-44"])
            .arg("--ca-dir")
            .arg(&ca_dir)
            .current_dir(&sub);
        if passphrase.is_some() {
            for c in [&mut cmd, &mut issue] {
                c.env("PQ_SECRET", secret);
            }
            cmd.args(["--passphrase-env", "PQ_SECRET"]);
            issue.args(["--ca-passphrase-env", "PQ_SECRET"]);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "import: {}", text(&out));
        let out = issue.output().unwrap();
        assert!(out.status.success(), "issue: {}", text(&out));
        assert_eq!(
            pyca_verify(
                &cert,
                &sub.join("imported.example.test.pem"),
                None,
                "imported.example.test"
            )
            .as_deref(),
            Ok("VALID 2"),
            "signed with a key cryptography wrote (encrypted: {})",
            passphrase.is_some()
        );
    }
}

/// Runs a pkilint linter with `--severity ERROR --format JSON`; every finding it prints.
fn pkilint_findings(linter: Tool, files: &[&Path]) -> Vec<String> {
    pkilint_at(linter, "ERROR", files)
}

/// Every finding at `severity` or above, as "SEVERITY code message (validator at node)".
fn pkilint_at(linter: Tool, severity: &str, files: &[&Path]) -> Vec<String> {
    let mut lint = linter.command();
    lint.args(["lint", "--severity", severity, "--format", "JSON"])
        .args(files)
        .env("PYTHONWARNINGS", "ignore");
    let out = lint.output().expect("run pkilint");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("pkilint printed no JSON report ({e}): {}", text(&out)));
    let mut findings = Vec::new();
    for result in report["results"].as_array().expect("results") {
        for f in result["finding_descriptions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            findings.push(format!(
                "{} {} {} ({} at {})",
                f["severity"].as_str().unwrap_or("?"),
                f["code"].as_str().unwrap_or("?"),
                f["message"].as_str().unwrap_or(""),
                result["validator"].as_str().unwrap_or("?"),
                result["node_path"].as_str().unwrap_or("?"),
            ));
        }
    }
    findings
}

/// pkilint decodes ML-DSA keys (FIPS 204 sizes, absent parameters) and checks the key usage
/// RFC 9881 section 5 allows; it does not verify ML-DSA signatures (docs/pq.md).
#[test]
fn pkilint_finds_no_error_in_ml_dsa_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let c = make_chain(
        dir.path(),
        "ml-dsa-87",
        Some("ml-dsa-65"),
        "ml-dsa-44",
        "lint.example.test",
    );
    let mid = c.intermediate.clone().unwrap();
    let mut client = Command::new(env!("CARGO_BIN_EXE_ca"));
    client
        .args(["issue", "client.example.test", "--client", "--key-type"])
        .args(["ml-dsa-65", "--issuer", "mid", "--ca-dir"])
        .arg(dir.path().join("ca"))
        .current_dir(dir.path());
    let out = client.output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let client = dir.path().join("client.example.test.pem");
    let mut problems = Vec::new();
    for cert in [&c.root, &mid, &c.leaf, &client] {
        problems.extend(pkilint_findings(PKILINT, &[cert]));
    }
    for (issuer, subject) in [(&c.root, &mid), (&mid, &c.leaf), (&mid, &client)] {
        problems.extend(pkilint_findings(PKILINT_CHAIN, &[issuer, subject]));
    }
    assert!(
        problems.is_empty(),
        "pkilint reports problems:\n  {}",
        problems.join("\n  ")
    );

    // What docs/pq.md says pkilint 0.13.3 skips: it cannot verify an ML-DSA signature (a
    // NOTICE, for the pair and for the root's self-signature). When a newer pkilint checks
    // them, this fails: update docs/pq.md.
    let pair = pkilint_at(PKILINT_CHAIN, "NOTICE", &[&mid, &c.leaf]);
    assert!(
        pair.iter()
            .any(|f| f.starts_with("NOTICE pkix.unsupported_algorithm")),
        "{pair:?}"
    );
    let root = pkilint_at(PKILINT, "NOTICE", &[&c.root]);
    assert!(
        root.iter()
            .any(|f| f.starts_with("NOTICE pkix.aki_absent_self_issued_and_unsupported_algorithm")),
        "{root:?}"
    );
}

/// The peer lookup fails loudly: a python that cannot import cryptography's ML-DSA is no
/// peer, and the message says how to install one.
#[test]
fn a_python_without_cryptography_fails_naming_how_to_install() {
    let why = find_python(&[
        PathBuf::from("/bin/false"),
        PathBuf::from("/no/such/python3"),
    ])
    .expect_err("/bin/false is no python");
    assert!(why.contains("tried /bin/false, /no/such/python3"), "{why}");
    assert!(
        why.contains("cryptography==50.0.2") && why.contains("cargo xtask test"),
        "{why}"
    );
}
