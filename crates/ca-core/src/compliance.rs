//! Issuance runs the verifier's rulebook (ca-verify, `docs/rules.md`) on the DER of every
//! certificate before it is written, so that `ca` never issues what `ca verify` refuses.
//!
//! - Rules of the RFC 5280 kinds always refuse.
//! - Web PKI (CA/B Forum) rules that every browser enforces on TLS certificates (a wildcard
//!   over a public suffix, no subjectAltName, a CA as the leaf) refuse for leaves.
//! - Other Web PKI rules (e.g. no Ed25519 keys, BR 6.1.5) matter on the public web only: they
//!   warn, naming the rule; `strict_webpki` (`--strict-webpki`) turns them into refusals.
//! - A leaf or intermediate is also verified up to its root with the RFC 5280 path-validation
//!   rules (profile pkix), so that the names it carries are inside every name constraint above.

pub use ca_verify::IssuingChain;
use ca_verify::{Profile, Purpose, Role, RuleId, VerifyOptions, Violation};

use crate::error::{Error, Result};

/// Web PKI rules every browser enforces on TLS certificates: a refusal for leaves even without
/// `strict_webpki` (a wildcard over a public suffix matches no name in any verifier).
const BROWSER_ENFORCED: &[RuleId] = &[
    RuleId::SanWildcardPublicSuffix,
    RuleId::SanRequired,
    RuleId::LeafNotCa,
];

/// What is being issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Issuing {
    Root,
    Intermediate,
    ServerLeaf,
    ClientLeaf,
}

impl Issuing {
    fn role(self) -> Role {
        match self {
            Issuing::Root => Role::TrustAnchor,
            Issuing::Intermediate => Role::Intermediate,
            Issuing::ServerLeaf | Issuing::ClientLeaf => Role::Leaf,
        }
    }

    fn purpose(self) -> Purpose {
        match self {
            Issuing::ClientLeaf => Purpose::ClientAuth,
            _ => Purpose::ServerAuth,
        }
    }
}

/// Checks `der`, about to be issued as `what`, against the rulebook; `chain` is its issuer's
/// chain, parsed once (`None` for a root). Returns the Web PKI warnings, or
/// [`Error::Refused`] naming the rule's id and clause. Only for a certificate this process
/// has just signed with the chain's key: its signature is taken as made (see
/// [`IssuingChain`]), so this is not public.
pub(crate) fn check(
    der: &[u8],
    what: Issuing,
    chain: Option<&IssuingChain>,
    strict_webpki: bool,
) -> Result<Vec<String>> {
    // Parsed once, for the rulebook rows and for the path.
    let cert = match ca_verify::Certificate::from_der(der) {
        Ok(c) => c,
        Err(reason) => return Err(refusal(&Violation { reason })),
    };
    let mut warnings = rule_rows(&cert, what, strict_webpki)?;
    if let Some(chain) = chain {
        // The Web PKI profile holds every pkix rule and more, so a path it accepts the pkix
        // profile accepts too: when no Web PKI warning was given yet, one check under
        // webpki answers both questions in the common case.
        let webpki = if warnings.is_empty() {
            check_path(&cert, what, chain, Profile::WebPki)
        } else {
            Ok(())
        };
        if webpki.is_err() || !warnings.is_empty() {
            check_path(&cert, what, chain, Profile::Pkix).map_err(|e| path_refusal(&e))?;
        }
        // The CAs above may be outside the Web PKI (e.g. an Ed25519 intermediate): say so
        // for the new certificate too, once.
        if warnings.is_empty() {
            if let Err(e) = webpki {
                warnings.push(chain_warning(&e, strict_webpki)?);
            }
        }
    }
    Ok(warnings)
}

/// The rulebook rows on one certificate: the Web PKI warnings, or the first refusal.
fn rule_rows(
    cert: &ca_verify::Certificate,
    what: Issuing,
    strict_webpki: bool,
) -> Result<Vec<String>> {
    let mut warnings = Vec::new();
    for v in ca_verify::check_parsed_before_issuance(cert, what.role(), &what.purpose()) {
        let rule = v.rule();
        let leaf = matches!(what, Issuing::ServerLeaf | Issuing::ClientLeaf);
        let browsers_refuse = leaf && BROWSER_ENFORCED.contains(&rule.rule);
        if !v.is_webpki() || browsers_refuse || strict_webpki {
            return Err(refusal(&v));
        }
        warnings.push(format!(
            "{} (Web PKI rule {}): fine for private use, browsers would refuse it; \
             --strict-webpki refuses to issue it",
            v.reason, rule.id
        ));
    }
    Ok(warnings)
}

/// Checks a certificate made elsewhere (a chain imported by `ca init --import-cert`, or made
/// by another tool) as `what`, with `above` its issuers (issuer first, root last; empty for the root). Unlike [`check`], the
/// certificate was not made here: every signature on the path is verified. Validity windows
/// are left out (an imported CA may be judged at any time later).
pub fn check_with_signatures(
    der: &[u8],
    what: Issuing,
    above: &[&[u8]],
    strict_webpki: bool,
) -> Result<Vec<String>> {
    let cert = match ca_verify::Certificate::from_der(der) {
        Ok(c) => c,
        Err(reason) => return Err(refusal(&Violation { reason })),
    };
    let mut warnings = rule_rows(&cert, what, strict_webpki)?;
    let Some((root, intermediates)) = above.split_last() else {
        return Ok(warnings);
    };
    let verify = |profile: Profile| -> std::result::Result<(), ca_verify::VerifyError> {
        if what == Issuing::Intermediate && profile == Profile::WebPki {
            return Ok(());
        }
        let anchor = ca_verify::TrustAnchor::from_der(root)?;
        let mut opts = VerifyOptions::server(time::OffsetDateTime::UNIX_EPOCH, None);
        opts.purpose = what.purpose();
        opts.profile = profile;
        match ca_verify::verify(der, intermediates, std::slice::from_ref(&anchor), &opts) {
            Ok(_) => Ok(()),
            Err(e) if matches!(e.reason.rule(), Some(RuleId::ValidityWindow)) => Ok(()),
            Err(e) => Err(e),
        }
    };
    verify(Profile::Pkix).map_err(|e| path_refusal(&e))?;
    if let Err(e) = verify(Profile::WebPki) {
        warnings.push(chain_warning(&e, strict_webpki)?);
    }
    Ok(warnings)
}

/// The issuer's chain parsed once for [`check`]: `chain` is the issuer's certificate first,
/// the root last, and `signing_spki` the DER SubjectPublicKeyInfo of the key that signs. A
/// key that is not the issuer certificate's is refused here (see [`IssuingChain`] for why
/// the signatures just made are not verified again).
pub(crate) fn issuing_chain(chain: &[&[u8]], signing_spki: &[u8]) -> Result<IssuingChain> {
    IssuingChain::new(chain, signing_spki).map_err(|e| path_refusal(&e))
}

/// A Web PKI refusal of the chain above a certificate: a warning, or the refusal itself
/// under `strict_webpki`.
fn chain_warning(e: &ca_verify::VerifyError, strict_webpki: bool) -> Result<String> {
    if strict_webpki {
        return Err(path_refusal(e));
    }
    let id = e.reason.rule().map_or("path", |r| r.id());
    Ok(format!(
        "{e} (Web PKI rule {id}, on its chain): fine for private use, browsers would \
         refuse it; --strict-webpki refuses to issue it"
    ))
}

fn path_refusal(e: &ca_verify::VerifyError) -> Error {
    let (id, clause) = e
        .reason
        .rule()
        .map_or(("path", "RFC 5280 6.1"), |r| (r.id(), r.rule().clause));
    Error::Refused(format!(
        "not issued, rule {id} ({clause}): {e}; clients would reject the certificate"
    ))
}

fn refusal(v: &Violation) -> Error {
    let rule = v.rule();
    Error::Refused(format!(
        "not issued, rule {} ({}): {}; clients would reject the certificate (docs/rules.md)",
        rule.id, rule.clause, v.reason
    ))
}

/// Checks the new certificate up to its root under `profile` (pkix: name constraints, path
/// length and EKU of every CA above; webpki: also the CA/B rules on the CAs above), without
/// verifying again the signature just made. Validity windows are left out: the window is the
/// caller's choice (it may lie in the past on purpose) and is warned about elsewhere.
fn check_path(
    cert: &ca_verify::Certificate,
    what: Issuing,
    chain: &IssuingChain,
    profile: Profile,
) -> std::result::Result<(), ca_verify::VerifyError> {
    // A new intermediate is checked as the leaf of its own path: the rules that concern
    // subscriber certificates are left out for it.
    if what == Issuing::Intermediate && profile == Profile::WebPki {
        return Ok(());
    }
    let mut opts = VerifyOptions::server(time::OffsetDateTime::UNIX_EPOCH, None);
    opts.purpose = what.purpose();
    opts.profile = profile;
    chain.check_issued(cert, &opts)
}
