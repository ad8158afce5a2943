//! The verified path and the record of every check made on it (for `--explain`).

use std::sync::OnceLock;

use crate::cert::Certificate;
use crate::checks;
use crate::error::{Reason, Role};
use crate::options::VerifyOptions;
use crate::path::{Link, Links};
use crate::policy::PolicyOutcome;
use crate::revocation::Status;

/// One check made on one certificate of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckRecord {
    /// Position in the path (0 = leaf).
    pub position: usize,
    /// What was checked ("signature", "validity", "name constraints", ...).
    pub check: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was found: the key and algorithm that verified a signature, the validity window
    /// against the time, the constraint that applied, or the failure.
    pub detail: String,
}

/// Collects check records when explaining; does nothing (and formats nothing) otherwise.
pub(crate) struct Log<'a> {
    records: Option<&'a mut Vec<CheckRecord>>,
    pub(crate) position: usize,
}

impl<'a> Log<'a> {
    pub(crate) fn silent() -> Log<'static> {
        Log {
            records: None,
            position: 0,
        }
    }

    pub(crate) fn recording(records: &'a mut Vec<CheckRecord>) -> Self {
        Log {
            records: Some(records),
            position: 0,
        }
    }

    /// Passes `result` on; when recording, writes a record of it first. Inline: checks call
    /// it on every verification, and silently (recording is only for explanations).
    #[inline(always)]
    pub(crate) fn step(
        &mut self,
        check: &'static str,
        result: Result<(), Reason>,
        detail: impl FnOnce() -> String,
    ) -> Result<(), Reason> {
        if let Some(r) = self.records.as_deref_mut() {
            record(r, self.position, check, &result, detail);
        }
        result
    }
}

/// Writes the record of one check (out of line: only explanations record).
#[cold]
#[inline(never)]
fn record(
    records: &mut Vec<CheckRecord>,
    position: usize,
    check: &'static str,
    result: &Result<(), Reason>,
    detail: impl FnOnce() -> String,
) {
    let (passed, detail) = match result {
        Ok(()) => (true, detail()),
        Err(e) => (false, e.to_string()),
    };
    records.push(CheckRecord {
        position,
        check,
        passed,
        detail,
    });
}

/// A certificate on the verified path (or on the failing candidate path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathCert {
    /// The certificate.
    pub cert: Certificate,
    /// Its role on the path.
    pub role: Role,
    /// For the trust anchor: where it came from, as given to `TrustAnchor::with_source`.
    pub source: Option<String>,
}

/// The certificates of a verified path, inline for the usual leaf, intermediate and anchor.
pub(crate) type PathCerts = smallvec::SmallVec<[PathCert; 3]>;

/// A valid path from the leaf to a trust anchor, with the record of the checks that passed.
#[derive(Clone, Debug)]
pub struct VerifiedPath {
    certs: PathCerts,
    links: Links,
    policy: PolicyOutcome,
    opts: VerifyOptions,
    /// Computed on first use: most callers never ask.
    checks: OnceLock<Vec<CheckRecord>>,
}

impl VerifiedPath {
    pub(crate) fn new(
        certs: PathCerts,
        links: Links,
        policy: PolicyOutcome,
        opts: &VerifyOptions,
    ) -> Self {
        let opts = VerifyOptions {
            time: opts.time,
            purpose: opts.purpose.clone(),
            name: opts.name.clone(),
            max_depth: opts.max_depth,
            crls: Vec::new(),
            required_key_usage: opts.required_key_usage.clone(),
            profile: opts.profile,
            revocation: opts.revocation,
            // The checks `describe` re-runs do not read the policy inputs (what policy
            // processing found is kept in `policy`): not copied, no allocation.
            policy: crate::options::PolicyInputs {
                initial_policy_set: Vec::new(),
                ..opts.policy
            },
        };
        VerifiedPath {
            certs,
            links,
            policy,
            opts,
            checks: OnceLock::new(),
        }
    }

    /// The path: leaf first, then the intermediates used, then the trust anchor.
    pub fn certificates(&self) -> &[PathCert] {
        &self.certs
    }

    /// The leaf.
    pub fn leaf(&self) -> &Certificate {
        &self.certs[0].cert
    }

    /// The trust anchor the path ends at.
    pub fn anchor(&self) -> &PathCert {
        &self.certs[self.certs.len() - 1]
    }

    /// The intermediates used, leaf side first.
    pub fn intermediates(&self) -> impl Iterator<Item = &Certificate> {
        self.certs[1..self.certs.len() - 1].iter().map(|c| &c.cert)
    }

    /// The user-constrained-policy-set of RFC 5280 6.1.5 (g): the policies (dotted OIDs, in
    /// the trust anchor's domain, sorted) the path is valid for among those the caller
    /// accepts; `["2.5.29.32.0"]` (anyPolicy) when every policy is. Empty when the path is
    /// valid for no policy (allowed unless an explicit policy is required).
    pub fn user_constrained_policy_set(&self) -> &[String] {
        &self.policy.user_constrained
    }

    /// Every check made, in order, certificate by certificate: which key verified which
    /// signature with which algorithm, validity against the time, constraints, key usage,
    /// names, revocation and where the anchor was found.
    pub fn checks(&self) -> &[CheckRecord] {
        self.checks
            .get_or_init(|| describe(&self.certs, &self.links, &self.policy, &self.opts))
    }
}

/// Re-runs the per-certificate checks of a verified path, recording each.
fn describe(
    certs: &[PathCert],
    links: &[Link],
    policy: &PolicyOutcome,
    opts: &VerifyOptions,
) -> Vec<CheckRecord> {
    let mut records = Vec::new();
    let _ = checks::leaf(&certs[0].cert, opts, &mut Log::recording(&mut records));
    for (i, link) in links.iter().enumerate() {
        let issuer = &certs[i + 1];
        let mut log = Log::recording(&mut records);
        log.position = i;
        let _ = log.step("signature", Ok(()), || {
            format!(
                "signed with {} by #{} ({}), verified with its {} public key",
                link.alg,
                i + 1,
                issuer.cert.subject(),
                issuer.cert.public_key
            )
        });
        revocation_record(&mut log, &link.revocation);
        if policy.in_play {
            policy_record(&mut log, policy.after_each.get(i));
        }
        log.position = i + 1;
        let _ = checks::issuer(&issuer.cert, issuer.role, opts, &mut log);
        let below = || certs[1..=i].iter().map(|p| &p.cert);
        let _ = log.step(
            "path length",
            checks::path_len(&issuer.cert, below()),
            || checks::path_len_text(&issuer.cert, below()),
        );
        if let Some(nc) = &issuer.cert.ext.rare().name_constraints {
            let list = |l: &Option<Vec<crate::cert::Subtree>>| match l {
                Some(v) => v
                    .iter()
                    .map(|s| s.base.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "none".into(),
            };
            let _ = log.step("name constraints", Ok(()), || {
                format!(
                    "the names below lie within permitted [{}] and outside excluded [{}]",
                    list(&nc.value.permitted),
                    list(&nc.value.excluded)
                )
            });
        }
        if issuer.role == Role::TrustAnchor {
            let _ = log.step("trust anchor", Ok(()), || match &issuer.source {
                Some(s) => format!("trusted: found in {s}"),
                None => "trusted: one of the given trust anchors".into(),
            });
        }
    }
    records
}

/// pkits: which CRL decided the certificate's status, or why it is unknown.
fn revocation_record(log: &mut Log<'_>, status: &Status) {
    let detail = match status {
        Status::NotChecked => return,
        Status::Good(uses) => uses
            .iter()
            .map(|u| {
                format!(
                    "not revoked: {} (thisUpdate {}), signed by {}",
                    u.crl,
                    crate::cert::format_unix(u.this_update),
                    u.signer
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Status::UnknownAllowed(u) => format!("unknown, allowed by soft-fail: {u}"),
    };
    let _ = log.step("revocation", Ok(()), || detail);
}

/// pkits: the valid policies after the certificate (RFC 5280 6.1.3).
fn policy_record(log: &mut Log<'_>, after: Option<&Option<Vec<String>>>) {
    let Some(after) = after else { return };
    let detail = match after {
        Some(p) if !p.is_empty() => format!("valid policies after it: {}", p.join(", ")),
        _ => "no valid policy after it (the policy tree is empty; allowed while no explicit \
              policy is required)"
            .into(),
    };
    let _ = log.step("certificate policies", Ok(()), || detail);
}
