//! The certificates of a path, for the walk `--explain` prints. A valid path
//! names its certificates; a failure reports its checks by position only, so
//! the certificates of the failing path are looked up here among those given.

use std::collections::HashSet;

use ca_verify::{Certificate, PathCert, Role, VerifiedPath, VerifyError};

use super::Request;

/// One certificate of the walk.
pub struct Step {
    pub role: Role,
    pub subject: String,
    /// None when no certificate given bears the name (the verifier compares names more
    /// loosely than the text comparison here).
    pub cert: Option<Certificate>,
    /// For a trust anchor: where it was found.
    pub source: Option<String>,
    /// How many distinct certificates given bear this subject and role; above 1, the
    /// verifier does not say which it was, and `cert` is the one it tries first.
    pub namesakes: usize,
}

impl Step {
    fn of(pc: &PathCert) -> Step {
        Step {
            role: pc.role,
            subject: pc.cert.subject().to_string(),
            cert: Some(pc.cert.clone()),
            source: pc.source.clone(),
            namesakes: 1,
        }
    }
}

pub fn valid_path(path: &VerifiedPath) -> Vec<Step> {
    path.certificates().iter().map(Step::of).collect()
}

/// The path the failure was found on: the leaf, then at each position a certificate whose
/// subject is the issuer name of the one below, anchors first as the verifier tries them.
/// Only the last position can be an anchor; the failed certificate's role is known.
pub fn failing_path(req: &Request, e: &VerifyError) -> Vec<Step> {
    let i = &req.inputs;
    let failed_at = e.cert.as_ref().map(|c| c.position);
    let last = e
        .checks()
        .iter()
        .map(|r| r.position)
        .chain(failed_at)
        .max()
        .unwrap_or(0);
    // Checks are recorded only once the leaf parsed.
    let Ok(leaf) = Certificate::from_der(&i.leaf) else {
        return Vec::new();
    };
    let mut steps = vec![Step {
        role: Role::Leaf,
        subject: leaf.subject().to_string(),
        cert: Some(leaf),
        source: None,
        namesakes: 1,
    }];
    let pool: Vec<Certificate> = i
        .pool
        .iter()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    for position in 1..=last {
        let role = match &e.cert {
            Some(c) if c.position == position => Some(c.role),
            _ if position < last => Some(Role::Intermediate),
            _ => None,
        };
        let Some(issuer) = steps[position - 1]
            .cert
            .as_ref()
            .map(|c| c.issuer().to_string())
        else {
            break;
        };
        let anchors = i
            .anchors
            .iter()
            .zip(&i.anchor_origins)
            .filter(|_| role != Some(Role::Intermediate))
            .map(|(a, s)| (a.certificate(), Role::TrustAnchor, Some(s)));
        let pooled = pool
            .iter()
            .filter(|_| role != Some(Role::TrustAnchor))
            .map(|c| (c, Role::Intermediate, None));
        let mut seen = HashSet::new();
        let found: Vec<_> = anchors
            .chain(pooled)
            .filter(|(c, _, _)| same_name(c.subject(), &issuer) && seen.insert(c.sha256()))
            .collect();
        let step = match found.first() {
            Some((c, role, source)) => Step {
                role: *role,
                subject: c.subject().to_string(),
                cert: Some((*c).clone()),
                source: source.cloned(),
                namesakes: found.len(),
            },
            None => Step {
                role: role.unwrap_or(Role::Intermediate),
                subject: issuer,
                cert: None,
                source: None,
                namesakes: 0,
            },
        };
        steps.push(step);
    }
    steps
}

/// Names as text, ignoring case and runs of spaces (the verifier's comparison is the
/// RFC 5280 one on the DER; this only has to find the certificate it used).
fn same_name(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
    };
    words(a) == words(b)
}
