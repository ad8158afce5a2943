//! The one error type of the verifier, and how candidate errors are ranked.

use std::fmt;

use crate::explain::{CheckRecord, PathCert};
use crate::rules::RuleId;

/// Which certificate an error concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertRef {
    /// Position in the candidate chain: 0 is the leaf, then its issuer, and so on up to the anchor.
    pub position: usize,
    /// The certificate's subject, as text.
    pub subject: String,
    /// What the certificate was used as.
    pub role: Role,
}

/// What a certificate is used as in a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The end-entity certificate being verified.
    Leaf,
    /// An untrusted CA certificate between the leaf and the anchor.
    Intermediate,
    /// A trusted CA certificate (the end of the chain).
    TrustAnchor,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Leaf => "leaf",
            Role::Intermediate => "intermediate",
            Role::TrustAnchor => "trust anchor",
        })
    }
}

/// Why a chain is not valid: the most specific reason found over every candidate path, and the
/// certificate it concerns (when it concerns one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// What failed.
    pub reason: Reason,
    /// The certificate it failed on, if the failure concerns one.
    pub cert: Option<CertRef>,
    /// Boxed, and only for the error finally returned: candidate errors stay small and
    /// allocate nothing.
    explained: Option<Box<Explained>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Explained {
    checks: Vec<CheckRecord>,
    /// The certificates of the candidate path that gave the error, leaf first.
    path: Vec<PathCert>,
    /// A hint more precise than the reason's own, from what the search saw.
    hint: Option<&'static str>,
}

impl VerifyError {
    pub(crate) fn new(reason: Reason, cert: Option<CertRef>) -> Self {
        VerifyError {
            reason,
            cert,
            explained: None,
        }
    }

    pub(crate) fn with_hint(mut self, hint: &'static str) -> Self {
        self.explained.get_or_insert_with(Box::default).hint = Some(hint);
        self
    }

    pub(crate) fn with_path(mut self, path: Vec<PathCert>) -> Self {
        self.explained.get_or_insert_with(Box::default).path = path;
        self
    }

    /// The certificates of the candidate path that gave this error, leaf first, as
    /// [`crate::VerifiedPath::certificates`] gives them on success: positions in
    /// [`CertRef`] and [`CheckRecord`] index it. The last one may be the candidate issuer
    /// that failed. Empty when the leaf could not be parsed.
    pub fn path(&self) -> &[PathCert] {
        self.explained.as_ref().map_or(&[], |x| &x.path)
    }

    /// The profile rule that refused, by id and clause ("san.dns-syntax (RFC 5280 4.2.1.6)"),
    /// when the reason stands for a rule of the rulebook.
    pub fn rule_text(&self) -> Option<String> {
        self.reason.rule().map(|r| {
            format!(
                "{} ({}; kind {})",
                r.id(),
                r.rule().clause,
                r.rule().kind.name()
            )
        })
    }

    pub(crate) fn with_checks(mut self, checks: Vec<CheckRecord>) -> Self {
        self.explained.get_or_insert_with(Box::default).checks = checks;
        self
    }

    /// The checks made along the candidate path that gave this error, ending with the failed
    /// one (for `--explain`). Empty when the failure concerns no path (e.g. a malformed leaf
    /// reported before path building).
    pub fn checks(&self) -> &[CheckRecord] {
        self.explained.as_ref().map_or(&[], |x| &x.checks)
    }

    /// A short hint on what to do about the failure.
    pub fn hint(&self) -> &'static str {
        self.explained
            .as_ref()
            .and_then(|x| x.hint)
            .unwrap_or_else(|| self.reason.hint())
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = &self.cert {
            write!(f, "{} #{} ({}): ", c.role, c.position, c.subject)?;
        }
        write!(f, "{}", self.reason)?;
        let hint = self.hint();
        if !hint.is_empty() {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifyError {}

/// The precise reason a verification failed. Variants are grouped by family; a variant that
/// stands for several rules of the rulebook carries the [`RuleId`] that was broken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    // --- Encoding and syntax ---------------------------------------------------------------
    /// The DER could not be parsed, or breaks the X.509 syntax (`cert.der-syntax`).
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A SEQUENCE that must not be empty is, or an entry has an impossible size.
    #[error("{detail} ({})", rule_text(*rule))]
    Syntax { rule: RuleId, detail: String },
    /// An extension appears twice.
    #[error("extension {0} appears more than once (RFC 5280 4.2)")]
    DuplicateExtension(String),
    /// A critical extension the verifier does not know.
    #[error("unknown critical extension {0} (RFC 5280 4.2)")]
    UnknownCriticalExtension(String),
    /// The version does not fit the certificate (v1 with extensions, v1 in the Web PKI).
    #[error("X.509 v{version}: {}", rule_text(*rule))]
    Version { rule: RuleId, version: u32 },
    /// The serial number breaks RFC 5280 4.1.2.2.
    #[error("serial number {detail}: {}", rule_text(*rule))]
    SerialNumber { rule: RuleId, detail: &'static str },
    /// An extension is critical when it must not be, or the other way round.
    #[error("{extension} is {}: {}", if *critical { "critical" } else { "not critical" }, rule_text(*rule))]
    Criticality {
        rule: RuleId,
        extension: &'static str,
        /// How the extension was marked.
        critical: bool,
    },

    // --- Validity --------------------------------------------------------------------------
    /// The time is before notBefore.
    #[error("not valid before {not_before} (verification time {time})")]
    NotYetValid { not_before: String, time: String },
    /// The time is after notAfter.
    #[error("expired at {not_after} (verification time {time})")]
    Expired { not_after: String, time: String },

    // --- Signatures and keys ---------------------------------------------------------------
    /// The signature algorithm is not supported.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedSignatureAlgorithm(String),
    /// The signature algorithm is known but too weak (MD5, SHA-1).
    #[error("signature algorithm {0} is too weak")]
    WeakSignatureAlgorithm(String),
    /// The signature algorithm in the TBS differs from the outer one.
    #[error("signatureAlgorithm and tbsCertificate.signature differ (RFC 5280 4.1.1.2)")]
    SignatureAlgorithmMismatch,
    /// The public key cannot be used (unsupported type, weak or malformed).
    #[error("unusable public key: {0}")]
    UnsupportedKey(String),
    /// The public key is usable but not allowed by the profile (`key.webpki-algorithms`).
    #[error("{key} key: {}", rule_text(*rule))]
    KeyNotAllowed { rule: RuleId, key: String },
    /// The signature algorithm does not fit the issuer's key type.
    #[error("signature algorithm {alg} does not fit the issuer's {key} key")]
    AlgorithmKeyMismatch { alg: String, key: String },
    /// The signature did not verify with the issuer's key.
    #[error("signature ({0}) does not verify with the issuer's public key")]
    BadSignature(String),

    // --- Basic constraints and key usage ---------------------------------------------------
    /// An issuer is not a CA (basicConstraints cA missing or false).
    #[error("not a CA certificate: {0} (RFC 5280 6.1.4 (k))")]
    NotCa(String),
    /// The leaf is a CA certificate (Web PKI profile).
    #[error("the leaf is a CA certificate (basicConstraints cA=TRUE; CA/B BR 7.1.2.7.8)")]
    CaUsedAsLeaf,
    /// pathLenConstraint exceeded.
    #[error("pathLenConstraint {path_len} allows {path_len} intermediates below, found {found}")]
    PathLenExceeded { path_len: u32, found: usize },
    /// More intermediates than the allowed maximum depth.
    #[error("chain needs more than {0} intermediates")]
    MaxDepthExceeded(usize),
    /// basicConstraints, keyUsage and nameConstraints disagree on whether this is a CA, or
    /// keyUsage asserts nothing.
    #[error("{}", rule_text(*rule))]
    CaExtensions { rule: RuleId },
    /// keyUsage does not allow what the certificate is used for (`ku.issuer-keycertsign`,
    /// `ku.leaf-required-bits`).
    #[error("keyUsage lacks {missing} ({})", rule.rule().clause)]
    KeyUsage { rule: RuleId, missing: &'static str },

    // --- Extended key usage ----------------------------------------------------------------
    /// extendedKeyUsage does not allow the purpose.
    #[error("extendedKeyUsage does not allow {purpose} (has: {present})")]
    ExtendedKeyUsage { purpose: String, present: String },
    /// extendedKeyUsage breaks a profile rule (missing in a leaf, anyExtendedKeyUsage, ...).
    #[error("{}", rule_text(*rule))]
    EkuProfile { rule: RuleId },

    // --- Key identifiers -------------------------------------------------------------------
    /// A key identifier is missing or inconsistent.
    #[error("{}", rule_text(*rule))]
    KeyIdentifier { rule: RuleId },

    // --- Names -----------------------------------------------------------------------------
    /// The subject breaks a rule (empty CA subject, CN not copying a SAN entry).
    #[error("{detail}: {}", rule_text(*rule))]
    Subject { rule: RuleId, detail: String },
    /// A subjectAltName entry breaks a rule (DNS syntax, public-suffix wildcard, missing).
    #[error("{detail}: {}", rule_text(*rule))]
    SubjectAltName { rule: RuleId, detail: String },
    /// A name is outside the name constraints of an issuer.
    /// `detail` names the constraining CA and the subtree.
    #[error("name {name} violates the name constraints of {detail}")]
    NameConstraintViolation { name: String, detail: String },
    /// Name constraints that cannot be processed.
    #[error("invalid name constraints: {0} (RFC 5280 4.2.1.10)")]
    InvalidNameConstraints(String),
    /// The expected name is not in the leaf's subjectAltName.
    #[error("certificate is not valid for {expected} (subjectAltName has: {presented})")]
    NameMismatch { expected: String, presented: String },
    /// The expected name itself is malformed.
    #[error("invalid expected name {0}")]
    InvalidExpectedName(String),

    // --- Revocation ------------------------------------------------------------------------
    /// The certificate is revoked by a CRL.
    #[error(
        "revoked (serial {serial} is listed on the CRL of {crl_issuer}{}, revoked at {revoked_at})",
        reason.map(|r| format!(", reason {r}")).unwrap_or_default(),
        revoked_at = crate::cert::format_unix(*revoked_at)
    )]
    Revoked {
        serial: String,
        crl_issuer: String,
        /// The CRL entry's reasonCode, by its RFC 5280 name, when it has one.
        reason: Option<&'static str>,
        /// The CRL entry's revocationDate, in Unix seconds.
        revoked_at: i64,
    },
    /// A CRL for the certificate cannot be used.
    #[error("unusable CRL: {0}")]
    InvalidCrl(String),

    // --- Path building ---------------------------------------------------------------------
    /// No certificate in the pool or anchors issued this certificate.
    #[error("no issuer found among the intermediates and trust anchors (issuer: {0})")]
    UnknownIssuer(String),
    /// Path building hit its work budget.
    #[error("path building gave up: {0}")]
    TooMuchWork(&'static str),

    // ---- pkits: RFC 5280 6.1 policy processing and 6.3 revocation status ----
    // (the `policy` and `revocation` modules; rules of kind `pkix`)
    /// Certificate policy processing failed the path (RFC 5280 6.1.3 to 6.1.5).
    #[error("certificate policies: {0}")]
    Policy(crate::policy::PolicyFailure),
    /// No valid, current CRL in scope decided the certificate's revocation status (RFC 5280
    /// 6.3.3: UNDETERMINED), and the caller did not ask for soft-fail.
    #[error("revocation status unknown: {0}")]
    RevocationUnknown(crate::revocation::UnknownRevocation),
    // ---- end pkits ----
}

/// "requirement (id, clause)" for messages.
fn rule_text(rule: RuleId) -> String {
    let r = rule.rule();
    format!("{} [{}, {}]", r.requires, r.id, r.clause)
}

impl Reason {
    /// The stable, script-friendly code of the reason (`--json`), one per family.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Malformed(_) => "malformed",
            Reason::Syntax { .. } => "syntax",
            Reason::DuplicateExtension(_) => "duplicate_extension",
            Reason::UnknownCriticalExtension(_) => "unknown_critical_extension",
            Reason::Version { .. } => "version",
            Reason::SerialNumber { .. } => "serial_number",
            Reason::Criticality { .. } => "criticality",
            Reason::NotYetValid { .. } => "not_yet_valid",
            Reason::Expired { .. } => "expired",
            Reason::UnsupportedSignatureAlgorithm(_) => "unsupported_signature_algorithm",
            Reason::WeakSignatureAlgorithm(_) => "weak_signature_algorithm",
            Reason::SignatureAlgorithmMismatch => "signature_algorithm_mismatch",
            Reason::UnsupportedKey(_) => "unsupported_key",
            Reason::KeyNotAllowed { .. } => "key_not_allowed",
            Reason::AlgorithmKeyMismatch { .. } => "algorithm_key_mismatch",
            Reason::BadSignature(_) => "bad_signature",
            Reason::NotCa(_) => "not_ca",
            Reason::CaUsedAsLeaf => "ca_used_as_leaf",
            Reason::PathLenExceeded { .. } => "path_len_exceeded",
            Reason::MaxDepthExceeded(_) => "max_depth_exceeded",
            Reason::CaExtensions { .. } => "ca_extensions",
            Reason::KeyUsage { .. } => "key_usage",
            Reason::ExtendedKeyUsage { .. } => "extended_key_usage",
            Reason::EkuProfile { .. } => "eku_profile",
            Reason::KeyIdentifier { .. } => "key_identifier",
            Reason::Subject { .. } => "subject",
            Reason::SubjectAltName { .. } => "subject_alt_name",
            Reason::NameConstraintViolation { .. } => "name_constraint_violation",
            Reason::InvalidNameConstraints(_) => "invalid_name_constraints",
            Reason::NameMismatch { .. } => "name_mismatch",
            Reason::InvalidExpectedName(_) => "invalid_expected_name",
            Reason::Revoked { .. } => "revoked",
            Reason::InvalidCrl(_) => "invalid_crl",
            Reason::UnknownIssuer(_) => "unknown_issuer",
            Reason::TooMuchWork(_) => "too_much_work",
            // pkits
            Reason::RevocationUnknown(_) => "revocation_unknown",
            Reason::Policy(_) => "certificate_policy",
        }
    }

    /// The rule of the rulebook that was broken, when the reason stands for one.
    pub fn rule(&self) -> Option<RuleId> {
        use RuleId as R;
        Some(match self {
            Reason::Syntax { rule, .. }
            | Reason::Version { rule, .. }
            | Reason::SerialNumber { rule, .. }
            | Reason::Criticality { rule, .. }
            | Reason::KeyNotAllowed { rule, .. }
            | Reason::CaExtensions { rule }
            | Reason::EkuProfile { rule }
            | Reason::KeyIdentifier { rule }
            | Reason::Subject { rule, .. }
            | Reason::SubjectAltName { rule, .. }
            | Reason::KeyUsage { rule, .. } => *rule,
            Reason::Malformed(_) => R::DerSyntax,
            Reason::DuplicateExtension(_) => R::NoDuplicateExtensions,
            Reason::UnknownCriticalExtension(_) => R::UnknownCriticalExtension,
            Reason::NotYetValid { .. } | Reason::Expired { .. } => R::ValidityWindow,
            Reason::UnsupportedSignatureAlgorithm(_) | Reason::WeakSignatureAlgorithm(_) => {
                R::SignatureAlgorithm
            }
            Reason::SignatureAlgorithmMismatch => R::SignatureAlgorithmsMatch,
            Reason::UnsupportedKey(_) => R::KeyUsable,
            Reason::AlgorithmKeyMismatch { .. } | Reason::BadSignature(_) => R::SignatureVerifies,
            Reason::NotCa(_) => R::IssuerIsCa,
            Reason::CaUsedAsLeaf => R::LeafNotCa,
            Reason::PathLenExceeded { .. } => R::PathLength,
            Reason::ExtendedKeyUsage { .. } => R::EkuPurpose,
            Reason::NameConstraintViolation { .. } => R::NameConstraintsSubtrees,
            Reason::InvalidNameConstraints(_) => R::NameConstraintsSyntax,
            Reason::NameMismatch { .. } | Reason::InvalidExpectedName(_) => R::ExpectedName,
            Reason::Revoked { .. } => R::CrlRevoked,
            Reason::UnknownIssuer(_) => R::IssuerNameChaining,
            // pkits
            Reason::RevocationUnknown(u) => return u.rule(),
            Reason::Policy(f) => f.rule(),
            Reason::MaxDepthExceeded(_) | Reason::InvalidCrl(_) | Reason::TooMuchWork(_) => {
                return None
            }
        })
    }

    /// How specific the reason is: across candidate paths, the highest rank is reported.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Reason::UnknownIssuer(_) => 0,
            Reason::MaxDepthExceeded(_) => 1,
            Reason::BadSignature(_) | Reason::AlgorithmKeyMismatch { .. } => 2,
            Reason::UnsupportedSignatureAlgorithm(_)
            | Reason::WeakSignatureAlgorithm(_)
            | Reason::UnsupportedKey(_)
            | Reason::KeyNotAllowed { .. } => 3,
            Reason::TooMuchWork(_) => 9,
            Reason::Revoked { .. } | Reason::InvalidCrl(_) => 8,
            // pkits
            Reason::RevocationUnknown(_) => 8,
            Reason::Policy(_) => 7,
            Reason::NameConstraintViolation { .. }
            | Reason::InvalidNameConstraints(_)
            | Reason::PathLenExceeded { .. } => 6,
            Reason::ExtendedKeyUsage { .. } => 5,
            _ => 4,
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            Reason::Malformed(_) | Reason::DuplicateExtension(_) | Reason::Syntax { .. } => {
                "the certificate is not valid DER X.509; reissue it"
            }
            Reason::Version { .. }
            | Reason::SerialNumber { .. }
            | Reason::Criticality { .. }
            | Reason::CaExtensions { .. }
            | Reason::EkuProfile { .. }
            | Reason::KeyIdentifier { .. }
            | Reason::Subject { .. }
            | Reason::UnknownCriticalExtension(_)
            | Reason::KeyUsage { .. } => {
                "reissue the certificate following the rule named (docs/rules.md), or verify with a profile that does not include it"
            }
            Reason::NotYetValid { .. } => "check the clock or wait until the certificate is valid",
            Reason::Expired { .. } => "renew the certificate",
            Reason::UnsupportedSignatureAlgorithm(_)
            | Reason::WeakSignatureAlgorithm(_)
            | Reason::UnsupportedKey(_) => {
                "reissue with RSA >= 2048 (PKCS#1 v1.5 or PSS, SHA-256/384/512), ECDSA P-256/P-384 or Ed25519"
            }
            Reason::KeyNotAllowed { .. } => {
                "browsers accept RSA (>= 2048 bits, a multiple of 8) and ECDSA P-256/P-384/P-521 keys only; reissue with one, or verify with --profile rfc5280 for a private hierarchy"
            }
            // The key type tried is not the signer's: another CA signed, not a weak key.
            Reason::AlgorithmKeyMismatch { .. } => {
                "the certificate was signed by a different key than its issuer's (another CA of the same name?); give the CA that issued it"
            }
            Reason::SignatureAlgorithmMismatch | Reason::BadSignature(_) => {
                "the certificate was altered or was signed by a different key than its issuer's"
            }
            Reason::NotCa(_) => "only CA certificates (basicConstraints cA=TRUE, critical) may issue",
            Reason::CaUsedAsLeaf => "use an end-entity certificate (cA=FALSE) for the server",
            Reason::PathLenExceeded { .. } | Reason::MaxDepthExceeded(_) => {
                "use a shorter chain or a CA with a larger path length"
            }
            Reason::ExtendedKeyUsage { .. } => {
                "issue the certificate (and its CAs) with the extended key usage of this purpose"
            }
            Reason::NameConstraintViolation { .. } | Reason::InvalidNameConstraints(_) => {
                "the issuing CA is not allowed to certify this name"
            }
            Reason::NameMismatch { .. } => {
                "connect with a name in the certificate's subjectAltName, or reissue it with that name"
            }
            Reason::SubjectAltName { .. } => "reissue the certificate with valid names",
            Reason::InvalidExpectedName(_) => "give a valid DNS name, IP address or e-mail address",
            Reason::Revoked { .. } => "the issuer revoked this certificate: get a new one",
            Reason::InvalidCrl(_) => "get a valid CRL from the issuer",
            // pkits
            Reason::RevocationUnknown(_) => {
                "give a current CRL from the certificate's issuer (or its CRL signer) that covers it"
            }
            Reason::Policy(_) => {
                "the chain is not valid for an acceptable certificate policy: check the policy \
                 options, or use a chain whose CAs assert the policy"
            }
            Reason::UnknownIssuer(_) => {
                "add the missing intermediate certificate(s), or trust the root that issued the chain"
            }
            Reason::TooMuchWork(_) => "the chain or its pool is too large or hostile",
        }
    }
}

/// The hint when the only issuers that failed on signature are trust anchors with another key.
pub(crate) const HINT_OTHER_CA_SAME_NAME: &str =
    "the chain was issued by a different CA than the trusted one of that name: the wrong root \
     is trusted, or the chain comes from another CA with the same name; trust the root that \
     issued this chain";

/// The hint when the certificate given as the leaf is itself a trust anchor.
pub(crate) const HINT_ANCHOR_AS_LEAF: &str =
    "the certificate given as the leaf is itself a trusted CA (a trust anchor), and a leaf \
     (end-entity) certificate was expected: give the server or client certificate it issued";

/// Keeps the most specific error seen over several candidate paths, with the path it came from.
pub(crate) struct BestError<P>(Option<(VerifyError, P)>);

impl<P> Default for BestError<P> {
    fn default() -> Self {
        BestError(None)
    }
}

impl<P> BestError<P> {
    /// Offers an error; `path` is only built when the error is kept.
    pub(crate) fn offer(&mut self, e: VerifyError, path: impl FnOnce() -> P) {
        match &self.0 {
            Some((cur, _)) if cur.reason.rank() >= e.reason.rank() => {}
            _ => self.0 = Some((e, path())),
        }
    }

    pub(crate) fn take(self) -> Option<(VerifyError, P)> {
        self.0
    }
}
