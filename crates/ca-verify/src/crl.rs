//! Revocation: checking a certificate against the CRLs its issuer signed.

use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::{CertificateRevocationList, FromDer};

use crate::cert::{format_unix, AlgId, Certificate};
use crate::error::Reason;
use crate::signature::{verify_signed, SignatureVerifier};

const KU_CRL_SIGN: u16 = 1 << 6;

/// One revoked certificate listed on a CRL.
#[derive(Clone, Debug)]
struct Entry {
    serial: Vec<u8>,
    /// The reasonCode entry extension, by its RFC 5280 name.
    reason: Option<&'static str>,
    revoked_at: i64,
}

/// RFC 5280 5.3.1 CRLReason names.
fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown reason code",
    }
}

/// A parsed CRL, owning its data.
#[derive(Clone, Debug)]
pub(crate) struct Crl {
    issuer_raw: Vec<u8>,
    issuer_text: String,
    tbs: Vec<u8>,
    alg: AlgId,
    inner_alg: AlgId,
    signature: Vec<u8>,
    this_update: i64,
    next_update: Option<i64>,
    revoked: Vec<Entry>,
    /// None: no CRLNumber; Some(critical).
    crl_number_critical: Option<bool>,
    unsupported: Option<String>,
}

impl Crl {
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, Reason> {
        let bad = |m: String| Reason::InvalidCrl(m);
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| bad(format!("malformed DER: {e}")))?;
        if !rest.is_empty() {
            return Err(bad("bytes after the CRL".into()));
        }
        let tbs = crate::der::first_in_sequence(der).ok_or_else(|| bad("malformed DER".into()))?;
        let mut crl_number_critical = None;
        let mut unsupported = None;
        for ext in crl.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CRLNumber(_) => crl_number_critical = Some(ext.critical),
                ParsedExtension::ParseError { error } => {
                    return Err(bad(format!(
                        "extension {}: {error}",
                        ext.oid.to_id_string()
                    )))
                }
                ParsedExtension::IssuingDistributionPoint(idp) if idp.indirect_crl => {
                    unsupported = Some("indirect CRLs are not supported".to_string())
                }
                ParsedExtension::AuthorityKeyIdentifier(_)
                | ParsedExtension::IssuingDistributionPoint(_) => {}
                _ if ext.oid.to_id_string() == "2.5.29.27" => {
                    unsupported = Some("delta CRLs are not supported".to_string())
                }
                _ if ext.critical => {
                    unsupported = Some(format!(
                        "unknown critical extension {}",
                        ext.oid.to_id_string()
                    ))
                }
                _ => {}
            }
        }
        for r in crl.iter_revoked_certificates() {
            if let Some(e) = r.extensions().iter().find(|e| e.critical) {
                if !matches!(e.parsed_extension(), ParsedExtension::ReasonCode(_)) {
                    unsupported =
                        Some(format!("critical entry extension {}", e.oid.to_id_string()));
                }
            }
        }
        Ok(Crl {
            issuer_raw: crl.issuer().as_raw().to_vec(),
            issuer_text: crl.issuer().to_string(),
            tbs: tbs.to_vec(),
            alg: AlgId::from_x509(&crl.signature_algorithm),
            inner_alg: AlgId::from_x509(&crl.tbs_cert_list.signature),
            signature: crl.signature_value.as_ref().to_vec(),
            this_update: crl.last_update().timestamp(),
            next_update: crl.next_update().map(|t| t.timestamp()),
            revoked: crl
                .iter_revoked_certificates()
                .map(|r| Entry {
                    serial: r.raw_serial().to_vec(),
                    reason: r.reason_code().map(|(_, c)| reason_name(c.0)),
                    revoked_at: r.revocation_date.timestamp(),
                })
                .collect(),
            crl_number_critical,
            unsupported,
        })
    }
}

/// Checks `cert` against every CRL signed by `issuer`. CRLs from other issuers (by name, or by
/// key when the name matches but the signature does not) do not concern it.
pub(crate) fn check(
    cert: &Certificate,
    issuer: &Certificate,
    crls: &[Crl],
    backend: &dyn SignatureVerifier,
    now: i64,
) -> Result<usize, Reason> {
    let mut used = 0;
    for crl in crls.iter().filter(|c| c.issuer_raw == cert.issuer.raw) {
        if crl.alg != crl.inner_alg {
            return Err(Reason::InvalidCrl(
                "signatureAlgorithm and tbsCertList.signature differ".into(),
            ));
        }
        if verify_signed(
            backend,
            &crl.alg,
            &crl.tbs,
            &crl.signature,
            &issuer.public_key,
        )
        .is_err()
        {
            continue;
        }
        used += 1;
        let bad = |m: String| {
            Err(Reason::InvalidCrl(format!(
                "CRL from {}: {m}",
                crl.issuer_text
            )))
        };
        if let Some(why) = &crl.unsupported {
            return bad(why.clone());
        }
        if issuer
            .ext
            .key_usage
            .as_ref()
            .is_some_and(|k| k.value & KU_CRL_SIGN == 0)
        {
            return bad("the issuer's keyUsage lacks cRLSign".into());
        }
        match crl.crl_number_critical {
            None => return bad("CRLNumber extension is missing (RFC 5280 5.2.3)".into()),
            Some(true) => return bad("CRLNumber extension is critical (RFC 5280 5.2.3)".into()),
            Some(false) => {}
        }
        if crl.this_update > now {
            return bad(format!(
                "thisUpdate {} is after the time",
                format_unix(crl.this_update)
            ));
        }
        if let Some(next) = crl.next_update {
            if next < now {
                return bad(format!(
                    "nextUpdate {} has passed: the CRL is stale",
                    format_unix(next)
                ));
            }
        }
        if let Some(entry) = crl.revoked.iter().find(|e| e.serial == cert.serial) {
            return Err(Reason::Revoked {
                serial: cert.serial_hex(),
                crl_issuer: crl.issuer_text.clone(),
                reason: entry.reason,
                revoked_at: entry.revoked_at,
            });
        }
    }
    Ok(used)
}
