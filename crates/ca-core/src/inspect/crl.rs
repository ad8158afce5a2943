//! What a certificate revocation list says.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::fields;
use super::InspectError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrlInfo {
    pub version: u32,
    pub issuer: String,
    /// The issuer escaped for a terminal (text output).
    #[serde(skip)]
    pub issuer_text: String,
    pub this_update: String,
    pub next_update: Option<String>,
    /// Whole days until nextUpdate (negative once the CRL is stale).
    pub days_until_next_update: Option<i64>,
    /// The cRLNumber, in decimal.
    pub crl_number: Option<String>,
    pub authority_key_id: Option<String>,
    pub signature_algorithm: String,
    pub entries: Vec<RevokedEntry>,
    pub sha256: String,
    pub pem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedEntry {
    pub serial: String,
    pub revoked_at: String,
    /// RFC 5280 reason name (`keyCompromise`, ...), when given.
    pub reason: Option<String>,
    pub invalidity_date: Option<String>,
}

impl CrlInfo {
    pub fn from_der(der: &[u8], now: OffsetDateTime) -> Result<CrlInfo, InspectError> {
        let (_, crl) = CertificateRevocationList::from_der(der).map_err(|e| {
            InspectError::NotRecognised(format!(
                "not a valid CRL: {}",
                ca_verify::x509_error_words(&e)
            ))
        })?;
        let next_update = crl.next_update().map(|t| t.to_datetime());
        let authority_key_id = crl
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    aki.key_identifier.as_ref().map(|id| fields::hex(id.0))
                }
                _ => None,
            });
        let entries = crl
            .iter_revoked_certificates()
            .map(|r| RevokedEntry {
                serial: fields::serial_hex(r.raw_serial()),
                revoked_at: fields::rfc3339(r.revocation_date.to_datetime()),
                reason: r.reason_code().map(|(_, code)| reason_name(code.0)),
                invalidity_date: r
                    .invalidity_date()
                    .map(|(_, t)| fields::rfc3339(t.to_datetime())),
            })
            .collect();
        Ok(CrlInfo {
            version: crl.version().map_or(1, |v| v.0 + 1),
            issuer: fields::name_string(crl.issuer()),
            issuer_text: super::dn::name_text(crl.issuer()).text,
            this_update: fields::rfc3339(crl.last_update().to_datetime()),
            next_update: next_update.map(fields::rfc3339),
            days_until_next_update: next_update.map(|t| fields::days_between(now, t)),
            crl_number: crl.crl_number().map(|n| n.to_string()),
            authority_key_id,
            signature_algorithm: fields::signature_algorithm(&crl.signature_algorithm),
            entries,
            sha256: fields::sha256_hex(der),
            pem: fields::to_pem("X509 CRL", der),
        })
    }
}

/// RFC 5280 section 5.3.1 names.
fn reason_name(code: u8) -> String {
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
        other => return format!("unknown ({other})"),
    }
    .to_string()
}
