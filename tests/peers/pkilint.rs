//! pkilint finds no ERROR or FATAL problem in what `ca` issues, for every
//! key type: `lint_pkix_cert` (RFC 5280) on the root, the intermediate and
//! the server and client leaves, and `lint_pkix_signer_signee_cert_chain`
//! on each issuer and certificate it signed (names and key identifiers
//! that match).

use std::path::Path;

use crate::support;
use crate::support::{pki, run, Tool, PKILINT, PKILINT_CHAIN};
use serde_json::Value;

/// Runs a pkilint linter on `files` with `-s ERROR -f JSON`; panics with
/// every finding at ERROR or FATAL severity.
fn assert_no_errors(linter: Tool, files: &[&Path], what: &str) {
    let mut lint = linter.command();
    lint.args(["lint", "--severity", "ERROR", "--format", "JSON"])
        .args(files)
        .env("PYTHONWARNINGS", "ignore");
    let out = run(&mut lint);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "pkilint did not print a JSON report for {what} ({err}): {}",
            support::describe(&lint, &out)
        )
    });
    let results = report["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no `results` in pkilint's report for {what}: {report}"));
    let mut findings = Vec::new();
    for result in results {
        let validator = result["validator"].as_str().unwrap_or("?");
        let node = result["node_path"].as_str().unwrap_or("?");
        for finding in result["finding_descriptions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let severity = finding["severity"].as_str().unwrap_or("?");
            let code = finding["code"].as_str().unwrap_or("?");
            let message = finding["message"].as_str().unwrap_or("");
            if is_single_label_name_finding(code, message) {
                eprintln!("{what}: ignored pkilint's {code} for a one-label name: {message}");
                continue;
            }
            findings.push(format!(
                "{severity} {code} {message} ({validator} at {node})"
            ));
        }
    }
    // With `--severity ERROR` pkilint reports nothing milder.
    assert!(
        findings.is_empty(),
        "pkilint reports problems in {what}:\n  {}",
        findings.join("\n  ")
    );
}

/// pkilint checks dNSName syntax with the Python `validators.domain`
/// function, which wants at least two labels, so it calls `localhost`
/// invalid. A single label is valid "preferred name syntax" (RFC 1034
/// section 3.5, which RFC 5280 section 4.2.1.6 refers to), and browsers,
/// OpenSSL and GnuTLS accept `localhost` certificates. Only that finding,
/// for a name that is one LDH label, is excused.
fn is_single_label_name_finding(code: &str, message: &str) -> bool {
    let Some(name) = message
        .strip_prefix("Invalid domain name syntax: \"")
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return false;
    };
    code == "pkix.invalid_domain_name_syntax"
        && (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn lint_cert(cert: &Path, what: &str) {
    assert_no_errors(PKILINT, &[cert], what);
}

fn lint_pair(issuer: &Path, subject: &Path, what: &str) {
    assert_no_errors(PKILINT_CHAIN, &[issuer, subject], what);
}

fn lint_hierarchy(key_type: &str) {
    let pki = pki(key_type);
    let root = &pki.root.cert;
    let intermediate = &pki.intermediate.cert;
    lint_cert(root, &format!("the {key_type} root"));
    lint_cert(intermediate, &format!("the {key_type} intermediate"));
    lint_cert(
        &pki.server.cert,
        &format!("the {key_type} server leaf signed by the root"),
    );
    lint_cert(
        &pki.server_via_intermediate.cert,
        &format!("the {key_type} server leaf signed by the intermediate"),
    );
    lint_cert(&pki.client.cert, &format!("the {key_type} client leaf"));

    // (Not the root with itself: a self-signed certificate may omit the
    // authority key identifier, RFC 5280 section 4.2.1.1, which the pair
    // linter requires of every subject.)
    lint_pair(
        root,
        intermediate,
        &format!("the {key_type} root and intermediate"),
    );
    lint_pair(
        root,
        &pki.server.cert,
        &format!("the {key_type} root and its leaf"),
    );
    lint_pair(
        intermediate,
        &pki.server_via_intermediate.cert,
        &format!("the {key_type} intermediate and its server leaf"),
    );
    lint_pair(
        intermediate,
        &pki.client.cert,
        &format!("the {key_type} intermediate and its client leaf"),
    );
}

mod no_errors {
    crate::support::test_each_key_type!(super::lint_hierarchy);
}
