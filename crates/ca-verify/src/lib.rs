//! X.509 certificate path validation, the way a TLS client checks a server's certificate.
//!
//! Given a leaf certificate, a pool of untrusted intermediates (any order, duplicates, junk and
//! cycles allowed), a set of trust anchors and [`VerifyOptions`] (time, purpose, expected name,
//! maximum depth, CRLs, profile), [`verify`] finds a valid path up to an anchor, checking every
//! signature with the issuer's public key, or returns the most specific reason there is none.
//!
//! ```no_run
//! use ca_verify::{verify, ExpectedName, TrustAnchor, VerifyOptions};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (leaf_der, intermediate_der, root_der) = (vec![], vec![], vec![]);
//! let anchors = [TrustAnchor::from_der(&root_der)?.with_source("root.pem")];
//! let opts = VerifyOptions::server(
//!     time::OffsetDateTime::now_utc(), // the caller reads the clock, never the verifier
//!     Some(ExpectedName::Dns("example.com".into())),
//! );
//! let path = verify(&leaf_der, &[intermediate_der], &anchors, &opts)?;
//! for c in path.certificates() {
//!     println!("{} {} (expires {})", c.role, c.cert.subject(), c.cert.not_after());
//! }
//! # Ok(()) }
//! ```
//!
//! Modules, one concern each: `cert`, `extensions` and `key` (parsing), `signature` (signed
//! data and the [`SignatureVerifier`] trait), `checks` (per-certificate rules), `name`
//! (host/IP/e-mail matching and name constraints), `path` (path building), `policy`
//! (certificate policies, RFC 5280 6.1), `revocation` (CRLs, RFC 5280 6.3), `explain` (the
//! record of checks), `error` (the one error type), [`text`] (escaping untrusted text for
//! terminal output).

mod anchor;
mod cert;
mod cert_der;
mod checks;
mod der;
mod error;
mod explain;
mod extensions;
mod issuance;
mod key;
mod name;
mod options;
mod parse_error;
mod parsed_keys;
mod path;
mod policy;
mod revocation;
pub mod rules;
mod signature;
pub mod text;

pub use anchor::TrustAnchor;
pub use cert::Certificate;
pub use error::{CertRef, Reason, Role, VerifyError};
pub use explain::{CheckRecord, PathCert, VerifiedPath};
pub use issuance::{check_before_issuance, check_parsed_before_issuance, IssuingChain, Violation};
pub use key::MlDsaLevel;
pub use options::{
    ExpectedName, KeyUsageBit, PolicyInputs, Profile, Purpose, RevocationOptions, RevocationScope,
    UnknownRevocationStatus, VerifyOptions, OID_ANY_EKU, OID_CLIENT_AUTH, OID_CODE_SIGNING,
    OID_SERVER_AUTH, OID_TIME_STAMPING,
};
pub use parse_error::x509_error as x509_error_words;
pub use path::DEFAULT_MAX_INTERMEDIATES;
pub use policy::{PolicyFailure, ANY_POLICY};
pub use revocation::UnknownRevocation;
pub use rules::{Kind, Roles, Rule, RuleId, RULES};
pub use signature::{
    verify_signature_by_key, AwsLcVerifier, SignatureAlgorithm, SignatureFailure,
    SignatureVerifier, VerificationKey,
};

use explain::Log;

/// The name rules issuance shares with verification (ca-core uses these, and keeps no copy).
pub mod names {
    use std::net::IpAddr;

    pub use crate::name::dns::{
        is_public_suffix, presented_syntax as dns_name_syntax, wildcard_over_public_suffix,
    };

    /// Whether the dNSName `name` (possibly a wildcard) lies within the dNSName subtree `base`
    /// (RFC 5280 4.2.1.10), as the verifier decides it.
    pub fn dns_within(name: &str, base: &str) -> bool {
        crate::name::dns::presented_within(&crate::name::dns::classify(name), base)
    }

    /// Whether `ip` lies within `network/prefix` (RFC 5280 4.2.1.10 iPAddress subtrees).
    pub fn ip_within(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
        let addr = crate::name::ip::ip_octets(&ip);
        let mut base = crate::name::ip::ip_octets(&network);
        let bits = base.len() * 8;
        let prefix = usize::from(prefix).min(bits);
        let mask: Vec<u8> = (0..base.len())
            .map(|i| {
                let on = prefix.saturating_sub(i * 8).min(8);
                if on == 0 {
                    0
                } else {
                    0xffu8 << (8 - on)
                }
            })
            .collect();
        base.extend(mask);
        crate::name::ip::in_range(&addr, &base)
    }

    /// Whether the e-mail address lies within the rfc822Name subtree `base` (a mailbox, a
    /// host, or `.domain` for hosts below it; RFC 5280 4.2.1.10).
    pub fn email_within(addr: &str, base: &str) -> bool {
        crate::name::email::in_subtree(addr, base)
    }
}

/// Verifies `leaf_der` up to one of `anchors`, using `intermediates` as the pool of untrusted
/// CA certificates, with the aws-lc-rs signature backend.
///
/// Intermediates that do not parse are ignored (they cannot be on any path). A leaf that does
/// not parse, or a CRL that does not parse, is an error.
pub fn verify<I: AsRef<[u8]>>(
    leaf_der: &[u8],
    intermediates: &[I],
    anchors: &[TrustAnchor],
    opts: &VerifyOptions,
) -> Result<VerifiedPath, VerifyError> {
    verify_with(&AwsLcVerifier, leaf_der, intermediates, anchors, opts)
}

/// As [`verify`], with another signature backend.
pub fn verify_with<I: AsRef<[u8]>>(
    backend: &dyn SignatureVerifier,
    leaf_der: &[u8],
    intermediates: &[I],
    anchors: &[TrustAnchor],
    opts: &VerifyOptions,
) -> Result<VerifiedPath, VerifyError> {
    let leaf_ref = |subject: String| CertRef {
        position: 0,
        subject,
        role: Role::Leaf,
    };
    let leaf = Certificate::from_der(leaf_der)
        .map_err(|r| VerifyError::new(r, Some(leaf_ref("(unparsable)".into()))))?;
    if let Err(r) = checks::leaf(&leaf, opts, &mut Log::silent()) {
        let mut records = Vec::new();
        let _ = checks::leaf(&leaf, opts, &mut Log::recording(&mut records));
        let mut e = VerifyError::new(r, Some(leaf_ref(leaf.subject.text().to_string())));
        if e.reason == Reason::CaUsedAsLeaf && anchor::is_anchor(anchors, &leaf) {
            e = e.with_hint(error::HINT_ANCHOR_AS_LEAF);
        }
        let path = vec![PathCert {
            cert: leaf,
            role: Role::Leaf,
            source: None,
        }];
        return Err(e.with_checks(records).with_path(path));
    }
    // Inline for the usual few intermediates: no allocation.
    let mut pool: smallvec::SmallVec<[Certificate; 4]> = smallvec::SmallVec::new();
    let mut unparsable = Vec::new();
    for (i, d) in intermediates.iter().enumerate() {
        match Certificate::from_der(d.as_ref()) {
            Ok(c) => pool.push(c),
            Err(r) => unparsable.push(format!("intermediate [{i}]: {r}")),
        }
    }
    let crls = opts
        .crls
        .iter()
        .map(|d| revocation::Crl::from_der(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|r| VerifyError::new(r, None))?;
    let shared = revocation::Shared::new(crls);
    let found = match path::Search::new(opts, backend, &leaf, &pool, anchors, &shared, 0).run() {
        Ok(found) => found,
        Err(mut e) => {
            // The missing issuer may be among the certificates that could not be read.
            if let (Reason::UnknownIssuer(text), Some(first)) = (&mut e.reason, unparsable.first())
            {
                text.push_str(&format!(
                    "; {} intermediate(s) could not be parsed, the first: {first}",
                    unparsable.len()
                ));
            }
            return Err(e);
        }
    };
    Ok(found.into_path(leaf, &pool, anchors, opts))
}
