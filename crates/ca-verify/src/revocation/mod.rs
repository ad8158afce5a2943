//! Revocation (RFC 5280 6.3): every certificate of the path (the trust anchor excepted) ends
//! with a status of good, revoked or unknown, and unknown fails the path unless the caller
//! asked for soft-fail ([`crate::UnknownRevocationStatus`]).
//!
//! Modules, one concern each: `crl` (parsing), `scope` (distribution points,
//! issuingDistributionPoint, reasons), `signer` (who signed a CRL, and its own path),
//! `status` (the outcomes), and here the algorithm of 6.3.3 that ties them together.
//!
//! Rules: the `crl.*` rows of the rulebook (`crate::rules`, docs/rules.md), kind `pkix` but
//! `crl.number` (`rfc5280`); [`UnknownRevocation::rule`] names the row of an unknown status.

mod crl;
mod scope;
mod signer;
mod status;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

pub(crate) use crl::Crl;
pub(crate) use scope::DistributionPoint;
pub use status::UnknownRevocation;
pub(crate) use status::{CrlUse, Status};

use crate::anchor::TrustAnchor;
use crate::cert::{format_unix, Certificate};
use crate::error::Reason;
use crate::name::dn;
use crate::options::{RevocationScope, UnknownRevocationStatus, VerifyOptions};
use crate::rules::RuleId;
use crate::signature::SignatureVerifier;
use crl::{reason_name, Entry, REMOVE_FROM_CRL};
use scope::ALL_REASONS;
use signer::{Signer, SignerState};

/// CRL signature checks and CRL-signer path validations one verification may make.
const MAX_CRL_WORK: usize = 400;

/// What revocation checking shares across one verification, nested CRL-signer paths included.
pub(crate) struct Shared {
    pub(crate) crls: Vec<Crl>,
    /// (CRL index, anchor) -> the signer search.
    signers: RefCell<HashMap<(usize, usize), SignerState>>,
    /// (CRL index, key bytes) -> whether the key verifies the CRL.
    signatures: RefCell<HashMap<(usize, Vec<u8>), bool>>,
    work: Cell<usize>,
}

impl Shared {
    pub(crate) fn new(crls: Vec<Crl>) -> Self {
        Shared {
            crls,
            signers: RefCell::default(),
            signatures: RefCell::default(),
            work: Cell::new(MAX_CRL_WORK),
        }
    }

    fn charge(&self, units: usize) -> Result<(), UnknownRevocation> {
        let left = self
            .work
            .get()
            .checked_sub(units)
            .ok_or(UnknownRevocation::TooMuchWork)?;
        self.work.set(left);
        Ok(())
    }
}

/// Everything a revocation check of one path needs.
pub(crate) struct Env<'a> {
    pub(crate) opts: &'a VerifyOptions,
    pub(crate) backend: &'a dyn SignatureVerifier,
    pub(crate) pool: &'a [Certificate],
    /// The trust anchor the path ends at (one): CRL signers must chain to it.
    pub(crate) anchor: &'a [TrustAnchor],
    pub(crate) shared: &'a Shared,
    /// How many CRL-signer validations this one is nested in.
    pub(crate) nesting: usize,
}

/// The statuses of a complete path (leaf first, ending with the anchor), or the failure and the
/// position of the certificate it concerns. Empty when no CRL is given: every status is then
/// `NotChecked`, and the list is not built.
pub(crate) fn check_path(
    env: &Env<'_>,
    chain: &[&Certificate],
) -> Result<Vec<Status>, (Reason, usize)> {
    if env.shared.crls.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = vec![Status::NotChecked; chain.len()];
    let checked = match env.opts.revocation.scope {
        RevocationScope::EveryCertificate => chain.len() - 1,
        RevocationScope::LeafOnly => 1.min(chain.len() - 1),
    };
    for i in 0..checked {
        match cert_status(env, chain[i], chain[i + 1]) {
            Decided::Good(uses) => out[i] = Status::Good(uses),
            Decided::Revoked(r) => return Err((r, i)),
            Decided::Unknown(u) => match env.opts.revocation.unknown_status {
                UnknownRevocationStatus::Fail => return Err((Reason::RevocationUnknown(u), i)),
                UnknownRevocationStatus::AllowSoftFail => out[i] = Status::UnknownAllowed(u),
            },
        }
    }
    Ok(out)
}

enum Decided {
    Good(Vec<CrlUse>),
    Revoked(Reason),
    Unknown(UnknownRevocation),
}

/// Keeps the most telling of several reasons a status stayed unknown.
fn keep(problem: &mut Option<UnknownRevocation>, u: UnknownRevocation) {
    if problem.as_ref().is_none_or(|p| u.weight() > p.weight()) {
        *problem = Some(u);
    }
}

/// RFC 5280 6.3.3 for one certificate, `path_issuer` being its issuer on the path.
fn cert_status(env: &Env<'_>, cert: &Certificate, path_issuer: &Certificate) -> Decided {
    let mut points = cert
        .ext
        .rare()
        .crl_distribution_points
        .clone()
        .unwrap_or_default();
    points.push(DistributionPoint::implicit(cert));
    let mut mask = 0u16;
    let mut uses = Vec::new();
    let mut problem: Option<UnknownRevocation> = None;
    let mut not_covered: Vec<String> = Vec::new();
    let mut delta_only: Option<String> = None;
    for dp in &points {
        for (index, crl) in env.shared.crls.iter().enumerate() {
            if mask == ALL_REASONS {
                break;
            }
            // (b) (1): the CRL's issuer is the cRLIssuer of an indirect CRL, or the
            // certificate's issuer.
            let issuer_ok = if dp.crl_issuer.is_some() {
                crl.is_indirect() && dp.crl_issuer_names().any(|n| dn::equal(n, &crl.issuer))
            } else {
                dn::equal(&crl.issuer, &cert.issuer)
            };
            if !issuer_ok {
                continue;
            }
            // (b) (2)
            if let Some(idp) = &crl.idp {
                if let Err(why) = scope::idp_covers(idp, &crl.issuer, dp, cert) {
                    not_covered.push(format!("the {} does not cover it: {why}", crl.describe()));
                    continue;
                }
            }
            if crl.is_delta() {
                // Used only with its complete CRL (h), (i).
                delta_only.get_or_insert_with(|| crl.describe());
                continue;
            }
            // (c), (d)
            let interim = crl
                .idp
                .as_ref()
                .and_then(|i| i.only_some_reasons)
                .unwrap_or(ALL_REASONS)
                & dp.reasons.unwrap_or(ALL_REASONS)
                & ALL_REASONS;
            if interim & !mask == 0 {
                continue;
            }
            if let Err(u) = usable(env, crl) {
                keep(&mut problem, u);
                continue;
            }
            // (f), (g)
            let signer = match signer::find(env, index, crl, path_issuer) {
                Ok(s) => s,
                Err(u) => {
                    keep(&mut problem, u);
                    continue;
                }
            };
            // (h), (i): a delta CRL of this complete CRL.
            let delta = match delta_for(env, crl, &signer) {
                Ok(d) => d,
                Err(u) => {
                    keep(&mut problem, u);
                    continue;
                }
            };
            let on_delta = delta.and_then(|d| d.find(&cert.issuer, &cert.serial).map(|e| (d, e)));
            let listed = match on_delta {
                Some((d, e)) => Some((d, e)),
                None => crl.find(&cert.issuer, &cert.serial).map(|e| (crl, e)),
            };
            // (j), (k): removeFromCRL means not revoked.
            if let Some((on, entry)) = listed.filter(|(_, e)| e.reason != Some(REMOVE_FROM_CRL)) {
                return Decided::Revoked(revoked(cert, on, entry));
            }
            // (l)
            mask |= interim;
            uses.push(CrlUse {
                crl: match delta {
                    Some(d) => format!("{} with {}", crl.describe(), d.describe()),
                    None => crl.describe(),
                },
                this_update: crl.this_update,
                signer: signer.subject,
            });
        }
    }
    if mask == ALL_REASONS {
        return Decided::Good(uses);
    }
    if let Some(p) = problem {
        return Decided::Unknown(p);
    }
    if let (Some(crl), true) = (delta_only, uses.is_empty()) {
        return Decided::Unknown(UnknownRevocation::DeltaWithoutBase { crl });
    }
    let detail = if mask != 0 {
        format!(
            "the CRLs in scope cover only some revocation reasons (onlySomeReasons): {}",
            reasons_text(ALL_REASONS & !mask)
        ) + " stay unchecked"
    } else if not_covered.is_empty() {
        format!("no CRL given is from its issuer {}", cert.issuer.text())
    } else {
        not_covered.join("; ")
    };
    Decided::Unknown(UnknownRevocation::NoCrlInScope { detail })
}

fn reasons_text(mask: u16) -> String {
    const NAMES: [&str; 9] = [
        "unused",
        "keyCompromise",
        "cACompromise",
        "affiliationChanged",
        "superseded",
        "cessationOfOperation",
        "certificateHold",
        "privilegeWithdrawn",
        "aACompromise",
    ];
    (1..9)
        .filter(|b| mask & (1 << b) != 0)
        .map(|b| NAMES[b])
        .collect::<Vec<_>>()
        .join(", ")
}

fn revoked(cert: &Certificate, crl: &Crl, entry: &Entry) -> Reason {
    Reason::Revoked {
        serial: cert.serial_hex(),
        crl_issuer: crl.issuer.text().to_string(),
        reason: entry.reason.map(reason_name),
        revoked_at: entry.revoked_at,
    }
}

/// RFC 5280 6.3.3 (a) and section 5: whether a CRL can be used at all at the time.
fn usable(env: &Env<'_>, crl: &Crl) -> Result<(), UnknownRevocation> {
    let now = env.opts.unix_time();
    let unusable = |why: &str, rule| UnknownRevocation::CrlUnusable {
        crl: crl.describe(),
        why: why.to_string(),
        rule,
    };
    if crl.alg != crl.inner_alg {
        return Err(unusable(
            "signatureAlgorithm and tbsCertList.signature differ (RFC 5280 5.1.1.2)",
            RuleId::CrlAlgorithmsMatch,
        ));
    }
    if let Some(ext) = &crl.unknown_critical {
        return Err(UnknownRevocation::CrlUnknownCriticalExtension {
            crl: crl.describe(),
            extension: ext.clone(),
        });
    }
    if RuleId::CrlNumber.applies(env.opts.profile) {
        // A section-5 profile rule for CRL issuers, not part of plain path validation.
        if crl.number.is_none() {
            return Err(unusable(
                "CRLNumber extension is missing (RFC 5280 5.2.3)",
                RuleId::CrlNumber,
            ));
        }
        if crl.number_critical {
            return Err(unusable(
                "CRLNumber extension is critical (RFC 5280 5.2.3)",
                RuleId::CrlNumber,
            ));
        }
    }
    current(crl, now)
}

fn current(crl: &Crl, now: i64) -> Result<(), UnknownRevocation> {
    let not_current = |why: String| UnknownRevocation::CrlNotCurrent {
        crl: crl.describe(),
        why,
    };
    if crl.this_update > now {
        return Err(not_current(format!(
            "thisUpdate {} is after the validation time {}",
            format_unix(crl.this_update),
            format_unix(now)
        )));
    }
    if let Some(next) = crl.next_update.filter(|&n| n < now) {
        return Err(not_current(format!(
            "nextUpdate {} is before the validation time {}: the CRL is stale",
            format_unix(next),
            format_unix(now)
        )));
    }
    Ok(())
}

/// RFC 5280 6.3.3 (b) (3), (h) and 5.2.4: the delta CRL given for `complete`, if any: same
/// issuer, same scope, signed by the same key, based on a CRL no newer than `complete`, and
/// current. A delta that matches but cannot be used leaves the status unknown.
fn delta_for<'c>(
    env: &'c Env<'_>,
    complete: &Crl,
    signer: &Signer,
) -> Result<Option<&'c Crl>, UnknownRevocation> {
    let mut found: Option<&Crl> = None;
    for (index, d) in env.shared.crls.iter().enumerate() {
        let Some(base) = &d.delta_base else { continue };
        let same_scope = match (&complete.idp, &d.idp) {
            (None, None) => true,
            (Some(a), Some(b)) => a.same_scope(b, &complete.issuer),
            _ => false,
        };
        if !dn::equal(&d.issuer, &complete.issuer) || !same_scope {
            continue;
        }
        // The complete CRL must be at least as new as the delta's base.
        let Some(number) = &complete.number_value else {
            continue;
        };
        if crl::cmp_unsigned(base, number) == std::cmp::Ordering::Greater {
            continue;
        }
        if !signer::verifies(env, index, d, &signer.cert)? {
            continue;
        }
        if let Some(ext) = &d.unknown_critical {
            return Err(UnknownRevocation::CrlUnknownCriticalExtension {
                crl: d.describe(),
                extension: ext.clone(),
            });
        }
        current(d, env.opts.unix_time())?;
        // The newest delta wins.
        let newer = |a: &Crl, b: &Crl| match (&a.number_value, &b.number_value) {
            (Some(x), Some(y)) => crl::cmp_unsigned(x, y) == std::cmp::Ordering::Greater,
            _ => false,
        };
        if found.is_none_or(|f| newer(d, f)) {
            found = Some(d);
        }
    }
    Ok(found)
}
