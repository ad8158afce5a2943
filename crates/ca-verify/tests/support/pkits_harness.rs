//! The NIST PKITS harness logic, shared by `examples/pkits.rs` and `tests/pkits.rs`: one
//! verifier call per manifest entry, under the plain path-validation profile, with every CRL
//! of the entry and its four initial policy settings. Skips only by capability, with the reason.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use ca_verify::{
    verify, PolicyInputs, Profile, Purpose, Reason, TrustAnchor, VerifyOptions, OID_ANY_EKU,
};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How long one entry may run before it is reported as a failure of the harness's guard.
pub const CASE_TIME_LIMIT: Duration = Duration::from_secs(20);

#[derive(Deserialize)]
pub struct Manifest {
    pub validation_time: String,
    pub trust_anchor: String,
    pub tests: Vec<Entry>,
}

#[derive(Deserialize, Clone)]
pub struct Settings {
    pub initial_policy_set: Vec<String>,
    pub initial_explicit_policy: bool,
    pub initial_policy_mapping_inhibit: bool,
    pub initial_any_policy_inhibit: bool,
}

#[derive(Deserialize, Clone)]
pub struct Entry {
    pub id: String,
    #[allow(dead_code)]
    pub section: String,
    pub end_entity: String,
    pub intermediates: Vec<String>,
    pub crls: Vec<String>,
    pub settings: Settings,
    /// Read by the conformance test (the bar), not by the harness.
    #[allow(dead_code)]
    pub expected: String,
    /// The expected user-constrained-policy-set of a valid entry.
    #[allow(dead_code)]
    pub policy_set: Option<Vec<String>>,
}

/// One result line.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub id: String,
    /// "valid", "invalid" or "skipped".
    pub actual: &'static str,
    pub reason: String,
    /// For a valid path: the user-constrained-policy-set the verifier reported (sorted).
    pub policy_set: Option<Vec<String>>,
    /// For an invalid one: the id of the rulebook row that refused it, if any.
    pub rule: Option<&'static str>,
}

/// A manifest and the folder its paths are relative to.
pub struct Loaded {
    pub manifest: Manifest,
    pub base: PathBuf,
}

/// Reads a manifest; its paths are relative to its folder.
pub fn load(path: &Path) -> Result<Loaded, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a PKITS manifest: {e}", path.display()))?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(Loaded { manifest, base })
}

/// The run of one entry, with everything read from disk.
struct Prepared {
    leaf: Vec<u8>,
    intermediates: Vec<Vec<u8>>,
    anchor: TrustAnchor,
    opts: VerifyOptions,
}

fn read(base: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let p = base.join(rel);
    std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

/// Err(Ok(why)): a skip by capability; Err(Err(why)): the harness's input is unreadable.
fn prepare(loaded: &Loaded, e: &Entry) -> Result<Prepared, Result<String, String>> {
    let m = &loaded.manifest;
    let time = OffsetDateTime::parse(&m.validation_time, &Rfc3339)
        .map_err(|err| Err(format!("bad validation_time {}: {err}", m.validation_time)))?;
    let anchor_der = read(&loaded.base, &m.trust_anchor).map_err(Err)?;
    let anchor = TrustAnchor::from_der(&anchor_der)
        .map_err(|err| Err(format!("trust anchor unusable: {err}")))?
        .with_source(m.trust_anchor.clone());
    let leaf = read(&loaded.base, &e.end_entity).map_err(Err)?;
    let intermediates = e
        .intermediates
        .iter()
        .map(|p| read(&loaded.base, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Err)?;
    let crls = e
        .crls
        .iter()
        .map(|p| read(&loaded.base, p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Err)?;
    let mut opts = VerifyOptions::server(time, None);
    // PKITS certificates carry no extendedKeyUsage: the purpose is "any".
    opts.purpose = Purpose::Other(OID_ANY_EKU.into());
    // Path validation (RFC 5280 section 6) only, not the section-4 profile rules.
    opts.profile = Profile::Pkix;
    opts.crls = crls;
    opts.policy = PolicyInputs {
        initial_policy_set: e.settings.initial_policy_set.clone(),
        require_explicit_policy: e.settings.initial_explicit_policy,
        inhibit_policy_mapping: e.settings.initial_policy_mapping_inhibit,
        inhibit_any_policy: e.settings.initial_any_policy_inhibit,
    };
    Ok(Prepared {
        leaf,
        intermediates,
        anchor,
        opts,
    })
}

/// A refusal that is a missing capability of the verifier rather than a verdict: reported as
/// `skipped` with the reason, never as agreed.
fn capability_gap(reason: &Reason) -> Option<String> {
    let text = reason.to_string();
    let dsa = text.contains("1.2.840.10040.4.1") // id-dsa key
        || text.contains("1.2.840.10040.4.3") // dsa-with-sha1
        || text.contains("DSA key");
    match reason {
        Reason::UnsupportedKey(_) | Reason::UnsupportedSignatureAlgorithm(_) if dsa => Some(
            format!("no DSA support (refused on purpose: 1024-bit DSA with SHA-1): {text}"),
        ),
        _ if text.contains("delta CRLs are not supported") => Some(format!(
            "no delta-CRL processing (refused on purpose): {text}"
        )),
        _ => None,
    }
}

/// Runs one entry (no time limit).
pub fn run_entry(loaded: &Loaded, e: &Entry) -> Outcome {
    let outcome = |actual, reason: String, policy_set| Outcome {
        id: e.id.clone(),
        actual,
        reason,
        policy_set,
        rule: None,
    };
    let p = match prepare(loaded, e) {
        Ok(p) => p,
        Err(Ok(skip)) => return outcome("skipped", skip, None),
        // A file that cannot be read breaks the harness's input: never a verdict.
        Err(Err(why)) => return outcome("skipped", format!("harness input: {why}"), None),
    };
    match verify(&p.leaf, &p.intermediates, &[p.anchor], &p.opts) {
        Ok(path) => {
            let set = path.user_constrained_policy_set().to_vec();
            outcome("valid", String::new(), Some(set))
        }
        Err(err) => match capability_gap(&err.reason) {
            Some(why) => outcome("skipped", why, None),
            None => Outcome {
                rule: err.reason.rule().map(|r| r.id()),
                ..outcome("invalid", err.to_string(), None)
            },
        },
    }
}

/// Runs one entry on its own thread under [`CASE_TIME_LIMIT`]; past it, `invalid` with the
/// reason (a hang is never a pass).
pub fn run_entry_guarded(loaded: &'static Loaded, e: &Entry) -> Outcome {
    let (tx, rx) = mpsc::channel();
    let owned = e.clone();
    std::thread::spawn(move || {
        let _ = tx.send(run_entry(loaded, &owned));
    });
    match rx.recv_timeout(CASE_TIME_LIMIT) {
        Ok(o) => o,
        Err(_) => Outcome {
            id: e.id.clone(),
            actual: "invalid",
            reason: format!("harness guard: no verdict within {CASE_TIME_LIMIT:?}"),
            policy_set: None,
            rule: None,
        },
    }
}

/// Runs every entry on `threads` worker threads, keeping the manifest order.
pub fn run_all(loaded: &'static Loaded, threads: usize) -> Vec<Outcome> {
    let tests = &loaded.manifest.tests;
    let chunk = tests.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = tests
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|e| run_entry_guarded(loaded, e))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("harness worker panicked"))
            .collect()
    })
}

/// The results document `pkits-score` reads.
pub fn results_json(outcomes: &[Outcome]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = outcomes
        .iter()
        .map(|o| {
            let mut v = serde_json::json!({"id": o.id, "actual": o.actual, "reason": o.reason});
            if let Some(set) = &o.policy_set {
                v["policy_set"] = serde_json::json!(set);
            }
            if let Some(rule) = o.rule {
                v["rule"] = serde_json::json!(rule);
            }
            v
        })
        .collect();
    serde_json::json!({
        "harness": concat!("ca-verify ", env!("CARGO_PKG_VERSION"), " (profile pkix)"),
        "results": results,
    })
}
