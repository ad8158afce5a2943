//! NIST PKITS conformance (RFC 5280 path validation and CRL processing): runs the harness of
//! `examples/pkits.rs` on both manifests of `../shared/conformance/pkits/` (next to the
//! workspace; `PKITS_DIR` names another folder) and fails on any wrong-accept, any valid path
//! refused, and any user-constrained policy set other than the expected one. Skips are allowed
//! only by capability (DSA). The files missing is a failure: CI always has them.

use std::path::{Path, PathBuf};

use ca_verify::RuleId;

#[path = "support/pkits_harness.rs"]
mod harness;

/// `PKITS_DIR`, else `shared/conformance/pkits` beside the workspace (the CI layout) or beside
/// one of its ancestors (a git worktree kept under the checkout's parent).
fn pkits_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PKITS_DIR") {
        return PathBuf::from(dir);
    }
    let raw = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = std::fs::canonicalize(&raw).unwrap_or(raw);
    let beside = |p: &Path| p.join("shared/conformance/pkits");
    workspace
        .ancestors()
        .skip(1)
        .map(beside)
        .find(|d| d.join("manifest.json").is_file())
        .unwrap_or_else(|| beside(&workspace.join("..")))
}

fn run_manifest(file: &str) -> (usize, Vec<String>) {
    let (agreed, problems, _) = run_manifest_outcomes(file);
    (agreed, problems)
}

fn run_manifest_outcomes(file: &str) -> (usize, Vec<String>, Vec<harness::Outcome>) {
    let path = pkits_dir().join(file);
    let loaded = harness::load(&path).unwrap_or_else(|e| {
        panic!(
            "PKITS manifest missing or unreadable ({e}); it lives in shared/conformance/pkits \
             next to the workspace, or set PKITS_DIR to its folder"
        )
    });
    let loaded: &'static harness::Loaded = Box::leak(Box::new(loaded));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let outcomes = harness::run_all(loaded, threads);
    assert_eq!(outcomes.len(), loaded.manifest.tests.len());
    // The document the example prints for pkits-score: one result per entry.
    let doc = harness::results_json(&outcomes);
    let results = doc["results"].as_array().expect("results array");
    assert_eq!(results.len(), outcomes.len());
    assert!(results
        .iter()
        .all(|r| matches!(r["actual"].as_str(), Some("valid" | "invalid" | "skipped"))));
    let mut agreed = 0;
    let mut problems = Vec::new();
    for (entry, out) in loaded.manifest.tests.iter().zip(&outcomes) {
        assert_eq!(entry.id, out.id);
        match (entry.expected.as_str(), out.actual) {
            (want, got) if want == got => {
                agreed += 1;
                if let (Some(want), Some(got)) = (&entry.policy_set, &out.policy_set) {
                    if want != got {
                        problems.push(format!(
                            "{}: user-constrained policy set {got:?}, expected {want:?}",
                            entry.id
                        ));
                    }
                }
            }
            (_, "skipped") if out.reason.starts_with("no DSA support") => {}
            (want, got) => problems.push(format!(
                "{}: expected {want}, got {got}: {}",
                entry.id, out.reason
            )),
        }
    }
    (agreed, problems, outcomes)
}

#[test]
fn pkits_sections_4_1_to_4_14() {
    let (agreed, problems) = run_manifest("manifest.json");
    assert!(
        problems.is_empty(),
        "PKITS 4.1-4.14: {agreed} agreed; disagreements:\n{}",
        problems.join("\n")
    );
    // 238 entries, of which the two DSA ones (4.1.4, 4.1.5) are skipped by capability.
    assert!(agreed >= 236, "only {agreed} of 238 PKITS entries agreed");
}

#[test]
fn pkits_sections_4_15_and_4_16() {
    let (agreed, problems) = run_manifest("manifest-4.15-4.16.json");
    assert!(
        problems.is_empty(),
        "PKITS 4.15-4.16: {agreed} agreed; disagreements:\n{}",
        problems.join("\n")
    );
    assert_eq!(agreed, 12);
}

#[test]
fn pkits_refusals_name_the_rule_of_the_rulebook() {
    // The revocation and policy rows, each on a PKITS test that breaks it (RFC 5280 6.1, 6.3).
    let expect = [
        ("pkits::4.4.1", RuleId::CrlStatusDetermined), // no CRL for the intermediate
        ("pkits::4.4.3", RuleId::CrlRevoked),
        ("pkits::4.4.4", RuleId::CrlSignature),
        ("pkits::4.4.8", RuleId::CrlUnknownCriticalExtension),
        ("pkits::4.4.11", RuleId::CrlCurrent),
        ("pkits::4.4.21", RuleId::CrlSignerPath), // the CRL signing certificate is revoked
        ("pkits::4.7.4", RuleId::CrlIssuerCrlSign),
        ("pkits::4.8.4", RuleId::PolicyExplicit),
        ("pkits::4.10.7", RuleId::PolicyNoAnyMapping),
        ("pkits::4.15.1", RuleId::CrlDeltaWithBase),
    ];
    let (_, _, mut outcomes) = run_manifest_outcomes("manifest.json");
    outcomes.extend(run_manifest_outcomes("manifest-4.15-4.16.json").2);
    for (id, rule) in expect {
        let o = outcomes.iter().find(|o| o.id == id).expect(id);
        assert_eq!(o.actual, "invalid", "{id}");
        assert_eq!(o.rule, Some(rule.id()), "{id}: {}", o.reason);
    }
}
