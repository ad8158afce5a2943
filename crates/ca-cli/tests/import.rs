//! `ca init --import-cert`: bringing an existing CA that is an intermediate
//! of a corporate root (made here with openssl), given as a bundle.

mod common;

use std::path::Path;

use common::{ca, json, openssl, openssl_may_fail, write, Run};
use serde_json::Value;

const CA_EXT: &str = "\
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// `openssl req` with a new P-256 key in `key`, for the subject `/O=Corp/CN=CN`.
fn openssl_req(dir: &Path, key: &str, cn: &str, rest: &[&str]) {
    let subject = format!("/O=Corp/CN={cn}");
    let mut args = vec![
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
    ];
    args.extend(["-nodes", "-keyout", key, "-subj", &subject]);
    args.extend(rest);
    openssl(dir, &args);
}

/// A self-signed root `NAME.pem` / `NAME-key.pem`.
fn openssl_root(dir: &Path, name: &str) {
    let (key, cert) = (format!("{name}-key.pem"), format!("{name}.pem"));
    let mut rest = vec!["-x509", "-out", &cert, "-days", "3650"];
    rest.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
    rest.extend(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    openssl_req(dir, &key, name, &rest);
}

/// A CA `NAME.pem` / `NAME-key.pem` signed by `issuer`.
fn openssl_ca(dir: &Path, name: &str, issuer: &str) {
    openssl_ca_with(dir, name, issuer, CA_EXT);
}

/// As `openssl_ca`, with the extensions of `ext` (an openssl config with a `[ca]` section).
fn openssl_ca_with(dir: &Path, name: &str, issuer: &str, ext: &str) {
    write(dir, "ca.ext", ext);
    let (key, csr, cert) = (
        format!("{name}-key.pem"),
        format!("{name}.csr"),
        format!("{name}.pem"),
    );
    openssl_req(dir, &key, name, &["-new", "-out", &csr]);
    let (issuer_cert, issuer_key) = (format!("{issuer}.pem"), format!("{issuer}-key.pem"));
    let mut args = vec!["x509", "-req", "-in", &csr, "-out", &cert, "-days", "1825"];
    args.extend([
        "-CA",
        &issuer_cert,
        "-CAkey",
        &issuer_key,
        "-set_serial",
        "0x1234",
    ]);
    args.extend(["-extfile", "ca.ext", "-extensions", "ca"]);
    openssl(dir, &args);
}

/// corp-root -> corp-policy -> corp-issuing, all in `dir`.
fn corporate_pki(dir: &Path) {
    openssl_root(dir, "corp-root");
    openssl_ca(dir, "corp-policy", "corp-root");
    openssl_ca(dir, "corp-issuing", "corp-policy");
}

/// Writes `NAME` with the certificates `PART.pem` in order.
fn bundle(dir: &Path, name: &str, parts: &[&str]) -> String {
    let text: String = parts
        .iter()
        .map(|p| std::fs::read_to_string(dir.join(format!("{p}.pem"))).unwrap())
        .collect();
    write(dir, name, text);
    name.to_string()
}

/// `ca init --import-cert CERT --import-key KEY` into `dir/cadir`.
fn import(dir: &Path, cert: &str, key: &str, rest: &[&str]) -> Run {
    let mut args = vec!["init", "--ca-dir", "cadir", "--import-cert", cert];
    args.extend(["--import-key", key]);
    args.extend(rest);
    ca(dir, &args)
}

/// `ca issue NAME --json` with the imported CA; the JSON output.
fn issue(dir: &Path, name: &str, rest: &[&str]) -> Value {
    let mut args = vec!["issue", name, "--ca-dir", "cadir", "--json"];
    args.extend(rest);
    let run = ca(dir, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run)
}

fn pem_count(path: &str) -> usize {
    std::fs::read_to_string(path)
        .unwrap()
        .matches("-----BEGIN CERTIFICATE-----")
        .count()
}

fn assert_same_cert(path: &Value, expected: &Path) {
    let path = path.as_str().expect("a path");
    let text = std::fs::read_to_string(path).unwrap();
    let wanted = std::fs::read_to_string(expected).unwrap();
    assert_eq!(text.trim(), wanted.trim(), "{path} is not {expected:?}");
}

fn openssl_accepts(dir: &Path, root: &str, chain: &Value) {
    let chain = chain.as_str().expect("a path");
    let mut args = vec!["verify", "-CAfile", root, "-untrusted", chain];
    args.extend(["-purpose", "sslserver", chain]);
    let run = openssl_may_fail(dir, &args);
    assert_eq!(
        run.code, 0,
        "openssl refused {chain}: {}{}",
        run.stdout, run.stderr
    );
}

#[test]
fn an_intermediate_imported_with_its_chain_issues_chains_to_the_real_root() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let root = d.join("corp-root.pem");
    corporate_pki(d);
    let b = bundle(
        d,
        "bundle.pem",
        &["corp-issuing", "corp-policy", "corp-root"],
    );
    let init = import(d, &b, "corp-issuing-key.pem", &["--json"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(!init.stderr.contains("warning"), "{}", init.stderr);
    assert_same_cert(&json(&init)["root"], &root);

    let out = issue(d, "localhost", &[]);
    assert_same_cert(&out["root"], &root);
    let chain = out["fullchain"].as_str().unwrap();
    // leaf, corp-issuing, corp-policy; never the root.
    assert_eq!(pem_count(chain), 3);
    let mut args = vec!["verify", "-CAfile", "corp-root.pem", "-untrusted", chain];
    args.extend(["-purpose", "sslserver", "-verify_hostname", "localhost"]);
    args.push(out["cert"].as_str().unwrap());
    openssl(d, &args);
    let verify = ca(
        d,
        &[
            "verify",
            chain,
            "--roots",
            "corp-root.pem",
            "--host",
            "localhost",
        ],
    );
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    // With the CA directory as the trust source, the anchor is the corporate
    // root the CA was imported with, not the imported CA itself; the path
    // to it is built from the directory's CA certificates.
    let cert = out["cert"].as_str().unwrap();
    let by_dir = ca(
        d,
        &["verify", cert, "--ca-dir", "cadir", "--host", "localhost"],
    );
    assert_eq!(by_dir.code, 0, "{}{}", by_dir.stdout, by_dir.stderr);
    assert!(by_dir.stdout.contains("anchor.pem"), "{}", by_dir.stdout);

    // An intermediate made under the imported CA chains up through it.
    let made = ca(d, &["intermediate", "team", "--ca-dir", "cadir", "--json"]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    assert_same_cert(&json(&made)["root"], &root);
    std::fs::create_dir(d.join("team")).unwrap();
    let out = issue(d, "team.test", &["--issuer", "team", "--out", "team"]);
    assert_eq!(pem_count(out["fullchain"].as_str().unwrap()), 4);
    openssl_accepts(d, "corp-root.pem", &out["fullchain"]);

    // A CSR signed by the imported CA gets the same chain.
    let csr = [
        "-new",
        "-out",
        "svc.csr",
        "-addext",
        "subjectAltName=DNS:svc.test",
    ];
    openssl_req(d, "svc-key.pem", "svc.test", &csr);
    std::fs::create_dir(d.join("svc")).unwrap();
    let run = ca(
        d,
        &[
            "sign", "svc.csr", "--ca-dir", "cadir", "--out", "svc", "--json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json(&run);
    assert_same_cert(&out["root"], &root);
    openssl_accepts(d, "corp-root.pem", &out["fullchain"]);
}

/// Imports `parts` with the key of the first, which is not self-signed
/// and comes without its root; issues a leaf; checks its chain.
fn import_without_root(parts: &[&str], chain_len: usize) {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    corporate_pki(d);
    let b = bundle(d, "bundle.pem", parts);
    let init = import(d, &b, &format!("{}-key.pem", parts[0]), &[]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let warning = "no self-signed root was given";
    assert!(init.stderr.contains(warning), "{}", init.stderr);

    let out = issue(d, "localhost", &[]);
    let top = parts.last().unwrap();
    assert_same_cert(&out["root"], &d.join(format!("{top}.pem")));
    assert_eq!(pem_count(out["fullchain"].as_str().unwrap()), chain_len);
    // The intermediates alone: everything but the leaf.
    assert_eq!(pem_count(out["chain"].as_str().unwrap()), chain_len - 1);
    openssl_accepts(d, "corp-root.pem", &out["fullchain"]);
}

#[test]
fn without_the_root_the_chain_ends_at_the_top_certificate_given_with_a_warning() {
    import_without_root(&["corp-issuing", "corp-policy"], 3);
}

#[test]
fn the_imported_ca_alone_is_carried_in_chains() {
    import_without_root(&["corp-policy"], 2);
}

#[test]
fn bundles_out_of_order_or_with_strangers_are_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    corporate_pki(d);
    openssl_root(d, "other-root");
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "swapped.pem",
            &["corp-issuing", "corp-root", "corp-policy"],
            "did not sign",
        ),
        (
            "skipped.pem",
            &["corp-issuing", "corp-root"],
            "did not sign",
        ),
        (
            "stranger.pem",
            &["corp-issuing", "corp-policy", "other-root"],
            "did not sign",
        ),
        (
            "root-inside.pem",
            &["corp-issuing", "corp-policy", "corp-root", "other-root"],
            "must come last",
        ),
        // The CA certificate itself must come first.
        (
            "ca-last.pem",
            &["corp-policy", "corp-issuing"],
            "did not sign",
        ),
    ];
    for (name, parts, why) in cases {
        let b = bundle(d, name, parts);
        let run = import(d, &b, "corp-issuing-key.pem", &[]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        assert!(run.stderr.contains(name), "{name}: {}", run.stderr);
        assert!(run.stderr.contains(why), "{name}: {}", run.stderr);
        assert!(!d.join("cadir").exists(), "{name} left a CA directory");
    }
}

/// RFC 5280 4.2.1.9: a CA certificate's basicConstraints MUST be critical (rule
/// bc.ca-critical). Clients following the RFC 5280 profile refuse such a CA, so importing it
/// is refused with the rule, unless --accept-violations says to use it as it is.
#[test]
fn an_imported_ca_that_breaks_a_rule_is_refused_unless_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    openssl_root(d, "corp-root");
    let lax = CA_EXT.replace("critical, CA:TRUE", "CA:TRUE");
    openssl_ca_with(d, "lax-ca", "corp-root", &lax);
    let b = bundle(d, "lax-bundle.pem", &["lax-ca", "corp-root"]);

    let run = import(d, &b, "lax-ca-key.pem", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("bc.ca-critical"), "{}", run.stderr);
    assert!(run.stderr.contains("RFC 5280 4.2.1.9"), "{}", run.stderr);
    assert!(run.stderr.contains("lax-ca"), "{}", run.stderr);
    assert!(run.stderr.contains("--accept-violations"), "{}", run.stderr);
    assert!(
        !d.join("cadir").exists(),
        "a refused import left a CA directory"
    );

    let run = import(d, &b, "lax-ca-key.pem", &["--accept-violations"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("bc.ca-critical"), "{}", run.stderr);
    assert!(run.stderr.contains("imported anyway"), "{}", run.stderr);
}
