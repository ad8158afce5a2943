//! The one error type of the verifier, and how candidate errors are ranked.

use std::fmt;

use crate::explain::CheckRecord;

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

/// The precise reason a verification failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// The DER could not be parsed, or breaks the X.509 syntax.
    #[error("malformed certificate: {0}")]
    Malformed(String),
    /// A certificate rule of RFC 5280 or the CA/Browser Forum profile is broken.
    #[error("{0}")]
    Profile(String),
    /// An extension appears twice.
    #[error("extension {0} appears more than once")]
    DuplicateExtension(String),
    /// A critical extension the verifier does not know.
    #[error("unknown critical extension {0}")]
    UnknownCriticalExtension(String),
    /// The time is before notBefore.
    #[error("not valid before {not_before} (verification time {time})")]
    NotYetValid { not_before: String, time: String },
    /// The time is after notAfter.
    #[error("expired at {not_after} (verification time {time})")]
    Expired { not_after: String, time: String },
    /// The signature algorithm is not supported.
    #[error("unsupported signature algorithm {0}")]
    UnsupportedSignatureAlgorithm(String),
    /// The signature algorithm is known but too weak (MD5, SHA-1).
    #[error("signature algorithm {0} is too weak")]
    WeakSignatureAlgorithm(String),
    /// The signature algorithm in the TBS differs from the outer one.
    #[error("signatureAlgorithm and tbsCertificate.signature differ")]
    SignatureAlgorithmMismatch,
    /// The public key cannot be used (unsupported type, weak or malformed).
    #[error("unusable public key: {0}")]
    UnsupportedKey(String),
    /// The signature algorithm does not fit the issuer's key type.
    #[error("signature algorithm {alg} does not fit the issuer's {key} key")]
    AlgorithmKeyMismatch { alg: String, key: String },
    /// The signature did not verify with the issuer's key.
    #[error("signature ({0}) does not verify with the issuer's public key")]
    BadSignature(String),
    /// An issuer is not a CA (basicConstraints cA missing or false).
    #[error("not a CA certificate: {0}")]
    NotCa(String),
    /// The leaf is a CA certificate (Web PKI profile).
    #[error("the leaf is a CA certificate (basicConstraints cA=TRUE)")]
    CaUsedAsLeaf,
    /// pathLenConstraint exceeded.
    #[error("pathLenConstraint {path_len} allows {path_len} intermediates below, found {found}")]
    PathLenExceeded { path_len: u32, found: usize },
    /// More intermediates than the allowed maximum depth.
    #[error("chain needs more than {0} intermediates")]
    MaxDepthExceeded(usize),
    /// keyUsage does not allow what the certificate is used for.
    #[error("keyUsage lacks {0}")]
    KeyUsage(&'static str),
    /// extendedKeyUsage does not allow the purpose.
    #[error("extendedKeyUsage does not allow {purpose} (has: {present})")]
    ExtendedKeyUsage { purpose: String, present: String },
    /// A name is outside the name constraints of an issuer.
    /// `detail` names the constraining CA and the subtree.
    #[error("name {name} violates the name constraints of {detail}")]
    NameConstraintViolation { name: String, detail: String },
    /// Name constraints that cannot be processed.
    #[error("invalid name constraints: {0}")]
    InvalidNameConstraints(String),
    /// The expected name is not in the leaf's subjectAltName.
    #[error("certificate is not valid for {expected} (subjectAltName has: {presented})")]
    NameMismatch { expected: String, presented: String },
    /// A subjectAltName entry is malformed.
    #[error("invalid subjectAltName entry: {0}")]
    InvalidSubjectAltName(String),
    /// The expected name itself is malformed.
    #[error("invalid expected name {0}")]
    InvalidExpectedName(String),
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

impl Reason {
    /// How specific the reason is: across candidate paths, the highest rank is reported.
    pub(crate) fn rank(&self) -> u8 {
        match self {
            Reason::UnknownIssuer(_) => 0,
            Reason::MaxDepthExceeded(_) => 1,
            Reason::BadSignature(_) | Reason::AlgorithmKeyMismatch { .. } => 2,
            Reason::UnsupportedSignatureAlgorithm(_)
            | Reason::WeakSignatureAlgorithm(_)
            | Reason::UnsupportedKey(_) => 3,
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
            Reason::Malformed(_) | Reason::DuplicateExtension(_) => {
                "the certificate is not valid DER X.509; reissue it"
            }
            Reason::Profile(_) | Reason::UnknownCriticalExtension(_) | Reason::KeyUsage(_) => {
                "reissue the certificate following RFC 5280 and the CA/Browser Forum profile"
            }
            Reason::NotYetValid { .. } => "check the clock or wait until the certificate is valid",
            Reason::Expired { .. } => "renew the certificate",
            Reason::UnsupportedSignatureAlgorithm(_)
            | Reason::WeakSignatureAlgorithm(_)
            | Reason::UnsupportedKey(_) => {
                "reissue with RSA >= 2048 (PKCS#1 v1.5 or PSS, SHA-256/384/512), ECDSA P-256/P-384 or Ed25519"
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
            Reason::InvalidSubjectAltName(_) => "reissue the certificate with valid names",
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
