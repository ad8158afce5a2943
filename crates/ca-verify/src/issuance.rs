//! The rulebook applied to one certificate before it is issued: what `ca` runs on the DER it
//! is about to write, so that it never issues what `ca verify` would refuse.

use crate::cert::{unix_to_datetime, Certificate};
use crate::checks;
use crate::error::{Reason, Role};
use crate::explain::Log;
use crate::options::{Profile, Purpose, VerifyOptions};
use crate::rules::{Kind, Rule, RuleId};

/// One rule a certificate about to be issued breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The reason, as the verifier would give it.
    pub reason: Reason,
}

impl Violation {
    /// The rule broken (a violation without one, e.g. an unusable key, counts as
    /// `key.usable`).
    pub fn rule(&self) -> &'static Rule {
        self.reason.rule().unwrap_or(RuleId::KeyUsable).rule()
    }

    /// Whether the rule is a CA/B Forum rule (else RFC 5280, always a refusal).
    pub fn is_webpki(&self) -> bool {
        self.rule().kind == Kind::WebPki
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reason)
    }
}

/// Runs the rulebook on `der`, a certificate about to be issued for `role` (`Role::TrustAnchor`
/// for a root) and, for a leaf, `purpose`. First the pkix and rfc5280 rules (the first one
/// broken is returned alone: it is always a refusal); when they all hold, every Web PKI rule
/// broken, issuance-only rules included. The certificate is checked at its own notBefore.
/// Signatures and the path are not checked here: the issuer signed it a moment ago.
pub fn check_before_issuance(der: &[u8], role: Role, purpose: &Purpose) -> Vec<Violation> {
    let cert = match Certificate::from_der(der) {
        Ok(c) => c,
        Err(reason) => return vec![Violation { reason }],
    };
    let mut opts = VerifyOptions::server(unix_to_datetime(cert.not_before), None);
    opts.purpose = purpose.clone();
    opts.profile = Profile::Rfc5280;
    let strict = match role {
        Role::Leaf => checks::leaf(&cert, &opts, &mut Log::silent()),
        _ => checks::issuer(&cert, role, &opts, &mut Log::silent()),
    };
    if let Err(reason) = strict {
        return vec![Violation { reason }];
    }
    opts.profile = Profile::WebPki;
    checks::webpki_for_issuance(&cert, role, &opts)
        .into_iter()
        .map(|reason| Violation { reason })
        .collect()
}
