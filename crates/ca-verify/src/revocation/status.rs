//! What revocation checking concludes for one certificate, and why a status can be unknown.

use std::fmt;

/// Why no CRL decided a certificate's revocation status (RFC 5280 6.3.3: UNDETERMINED). With
/// the default options this fails the path.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnknownRevocation {
    /// No CRL given covers the certificate (issuer, distribution point, scope), or those that
    /// do leave some revocation reasons uncovered.
    NoCrlInScope { detail: String },
    /// A CRL in scope does not verify with the key of any certificate of its issuer.
    CrlSignatureInvalid { crl: String },
    /// The certificate whose key verifies the CRL has a keyUsage without cRLSign.
    CrlSignerLacksCrlSign { crl: String, signer: String },
    /// The CRL's signer is not on the path and its own path does not validate (it is revoked,
    /// expired, ...), or signers are nested too deep.
    CrlSignerInvalid { crl: String, why: String },
    /// The CRL is not current at the validation time (thisUpdate after it, nextUpdate before).
    CrlNotCurrent { crl: String, why: String },
    /// The CRL has a critical extension (or entry extension) we do not process (RFC 5280 5.2).
    CrlUnknownCriticalExtension { crl: String, extension: String },
    /// A delta CRL in scope whose complete (base) CRL is missing or does not match.
    DeltaWithoutBase { crl: String },
    /// The CRL breaks a rule that makes it unusable (algorithm mismatch, CRLNumber ...).
    CrlUnusable {
        crl: String,
        why: String,
        /// The rule of the rulebook it breaks.
        rule: crate::rules::RuleId,
    },
    /// CRL checking hit its work budget (signer paths, signatures).
    TooMuchWork,
}

impl fmt::Display for UnknownRevocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnknownRevocation::NoCrlInScope { detail } => write!(f, "no CRL in scope: {detail}"),
            UnknownRevocation::CrlSignatureInvalid { crl } => write!(
                f,
                "the {crl} does not verify with the key of any certificate of its issuer"
            ),
            UnknownRevocation::CrlSignerLacksCrlSign { crl, signer } => write!(
                f,
                "the {crl} is signed by {signer}, whose keyUsage lacks cRLSign (RFC 5280 6.3.3 (f))"
            ),
            UnknownRevocation::CrlSignerInvalid { crl, why } => {
                write!(f, "the signer of the {crl} cannot be trusted: {why}")
            }
            UnknownRevocation::CrlNotCurrent { crl, why } => {
                write!(f, "the {crl} is not current: {why}")
            }
            UnknownRevocation::CrlUnknownCriticalExtension { crl, extension } => write!(
                f,
                "the {crl} has a {extension} that is not understood, so it cannot be used \
                 (RFC 5280 5.2)"
            ),
            UnknownRevocation::DeltaWithoutBase { crl } => write!(
                f,
                "the {crl} is a delta CRL and no matching complete CRL was given"
            ),
            UnknownRevocation::CrlUnusable { crl, why, .. } => {
                write!(f, "the {crl} is unusable: {why}")
            }
            UnknownRevocation::TooMuchWork => {
                f.write_str("CRL checking gave up: too many CRL signers or signatures to check")
            }
        }
    }
}

impl UnknownRevocation {
    /// The rule of the rulebook the status is unknown by.
    pub fn rule(&self) -> Option<crate::rules::RuleId> {
        use crate::rules::RuleId as R;
        Some(match self {
            UnknownRevocation::NoCrlInScope { .. } => R::CrlStatusDetermined,
            UnknownRevocation::CrlSignatureInvalid { .. } => R::CrlSignature,
            UnknownRevocation::CrlSignerLacksCrlSign { .. } => R::CrlIssuerCrlSign,
            UnknownRevocation::CrlSignerInvalid { .. } => R::CrlSignerPath,
            UnknownRevocation::CrlNotCurrent { .. } => R::CrlCurrent,
            UnknownRevocation::CrlUnknownCriticalExtension { .. } => R::CrlUnknownCriticalExtension,
            UnknownRevocation::DeltaWithoutBase { .. } => R::CrlDeltaWithBase,
            UnknownRevocation::CrlUnusable { rule, .. } => *rule,
            UnknownRevocation::TooMuchWork => return None,
        })
    }

    /// How close to a verdict the CRL came (for choosing which reason to report when several
    /// CRLs failed): a CRL in scope that could not be used beats no CRL at all.
    pub(crate) fn weight(&self) -> u8 {
        match self {
            UnknownRevocation::NoCrlInScope { .. } => 0,
            UnknownRevocation::TooMuchWork => 1,
            _ => 2,
        }
    }
}

/// A CRL that decided a status, for the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CrlUse {
    pub(crate) crl: String,
    pub(crate) this_update: i64,
    pub(crate) signer: String,
}

/// The revocation status of one certificate of the path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not checked (no CRLs given, leaf-only checking, or the trust anchor).
    NotChecked,
    /// Not revoked, decided by these CRLs (together they cover every reason).
    Good(Vec<CrlUse>),
    /// Unknown, passed because the caller asked for soft-fail.
    UnknownAllowed(UnknownRevocation),
}
