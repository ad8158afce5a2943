//! What a certificate says.

use serde::Serialize;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::fields::{self, Extensions, Name, PublicKeyInfo};
use super::InspectError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    pub version: u32,
    /// Hex, without the sign byte; `-` and the magnitude for a negative serial.
    pub serial: String,
    /// Present (true) when the serial is negative, which RFC 5280 4.1.2.2 forbids.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub serial_negative: bool,
    /// Readable attribute by attribute; an attribute that does not decode is escaped and
    /// marked `(invalid UTF8String)`.
    pub subject: String,
    pub issuer: String,
    /// The same, escaped for a terminal (text output).
    #[serde(skip)]
    pub subject_text: String,
    #[serde(skip)]
    pub issuer_text: String,
    /// Subject and issuer are the same name (a root, or a self-issued certificate).
    pub self_issued: bool,
    pub not_before: String,
    pub not_after: String,
    /// Whole days until notAfter (negative once expired).
    pub days_left: i64,
    /// `valid`, `expired` or `not_yet_valid`, at the time of inspection.
    pub status: &'static str,
    pub signature_algorithm: String,
    pub public_key: PublicKeyInfo,
    /// subjectAltName entries.
    pub names: Vec<Name>,
    pub extensions: Extensions,
    /// Why `ca verify` refuses this certificate as malformed, in its words (the one parser
    /// verdict, `ca_verify::Certificate::from_der`); absent when it parses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_refuses: Option<String>,
    /// SHA-256 of the DER certificate (`openssl x509 -fingerprint -sha256`).
    pub sha256: String,
    pub pem: String,
}

/// Validity status words, shared with renewal checks.
pub fn status(
    now: OffsetDateTime,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> &'static str {
    if now > not_after {
        "expired"
    } else if now < not_before {
        "not_yet_valid"
    } else {
        "valid"
    }
}

impl CertificateInfo {
    pub fn from_der(der: &[u8], now: OffsetDateTime) -> Result<CertificateInfo, InspectError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|_| {
            InspectError::NotRecognised(format!(
                "not a valid certificate: {}",
                verifier_verdict(der).unwrap_or_else(|| "it does not parse".into())
            ))
        })?;
        let validity = cert.validity();
        let not_before = validity.not_before.to_datetime();
        let not_after = validity.not_after.to_datetime();
        let (names, extensions) = fields::read_extensions(cert.extensions());
        let subject = super::dn::name_text(cert.subject());
        let issuer = super::dn::name_text(cert.issuer());
        Ok(CertificateInfo {
            version: cert.version().0 + 1,
            serial: fields::serial_hex(cert.raw_serial()),
            serial_negative: fields::serial_is_negative(cert.raw_serial()),
            subject: subject.value,
            issuer: issuer.value,
            subject_text: subject.text,
            issuer_text: issuer.text,
            self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
            not_before: fields::rfc3339(not_before),
            not_after: fields::rfc3339(not_after),
            days_left: fields::days_between(now, not_after),
            status: status(now, not_before, not_after),
            signature_algorithm: fields::signature_algorithm(&cert.signature_algorithm),
            public_key: PublicKeyInfo::from_spki(cert.public_key()),
            names,
            extensions,
            verify_refuses: verifier_verdict(der),
            sha256: fields::sha256_hex(der),
            pem: fields::to_pem("CERTIFICATE", der),
        })
    }
}

/// What `ca verify`'s parser says of `der`: `None` when it parses, else why not, in the
/// file's terms. Inspect and verify share it, so a file gets one verdict.
pub fn verifier_verdict(der: &[u8]) -> Option<String> {
    match ca_verify::Certificate::from_der(der) {
        Ok(_) => None,
        Err(ca_verify::Reason::Malformed(why)) => Some(why),
        Err(other) => Some(other.to_string()),
    }
}
