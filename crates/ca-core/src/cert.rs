//! A certificate as DER, with the few facts ca-core needs about it (serial,
//! names, validity, fingerprint). Full inspection is `inspect`'s job.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;

use crate::error::{Error, Result};
use crate::pem_text;
use crate::serial::Serial;

/// One X.509 certificate as DER, checked to parse when it was made, with PEM in
/// and out. Named apart from `ca_verify::Certificate` (a certificate parsed for
/// path validation), so that a reader of code using both never has to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDer {
    der: Vec<u8>,
}

/// Facts about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub serial: Serial,
    /// The subject in RFC 4514 form, e.g. `CN=localhost`.
    pub subject: String,
    pub issuer: String,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// subjectAltName entries as text (DNS names, IPs, e-mails, URIs).
    pub names: Vec<String>,
    pub is_ca: bool,
    /// SHA-256 of the DER, lower-case hex without separators.
    pub sha256: String,
}

impl CertDer {
    /// Wraps DER that issuance has just signed and [`crate::compliance::check`] has just
    /// parsed with the verifier's parser (stricter than this module's), so it is not parsed a
    /// third time.
    pub(crate) fn from_issued_der(der: Vec<u8>) -> Self {
        CertDer { der }
    }

    /// Wraps DER after checking that it parses as a certificate.
    pub fn from_der(der: Vec<u8>) -> Result<Self> {
        match X509Certificate::from_der(&der) {
            Ok((&[], _)) => Ok(CertDer { der }),
            Ok(_) => Err(Error::cert_at(None, "trailing bytes after the certificate")),
            // In the verifier's words, the same as `ca inspect` and `ca verify` give.
            Err(_) => Err(Error::cert_at(
                None,
                format!(
                    "not a valid X.509 certificate ({})",
                    crate::inspect::verifier_verdict(&der)
                        .unwrap_or_else(|| "it does not parse".into())
                ),
            )),
        }
    }

    /// Every certificate in PEM text or a single DER certificate, in order.
    pub fn parse_all(data: &[u8]) -> Result<Vec<Self>> {
        if data.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::cert_at(
                None,
                "the file is empty; give a PEM or DER certificate",
            ));
        }
        if !pem_text::is_pem(data) {
            return Ok(vec![Self::from_der(data.to_vec())?]);
        }
        let blocks = pem_text::decode_all(data).map_err(|e| {
            Error::cert_at(None, format!("the PEM text is truncated or corrupt ({e})"))
        })?;
        let certs: Vec<Self> = blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(|b| Self::from_der(b.into_contents()))
            .collect::<Result<_>>()?;
        if certs.is_empty() {
            let what = if data.windows(11).any(|w| w == b"PRIVATE KEY") {
                "this is a private key, not a certificate"
            } else {
                "no CERTIFICATE block found (a truncated file, or another kind of PEM)"
            };
            return Err(Error::cert_at(None, what));
        }
        Ok(certs)
    }

    /// The first certificate in PEM or DER input.
    pub fn parse(data: &[u8]) -> Result<Self> {
        Ok(Self::parse_all(data)?.remove(0))
    }

    /// Reads the first certificate of a file; errors name the file.
    pub fn read_file(path: &Path) -> Result<Self> {
        Ok(Self::read_file_all(path)?.remove(0))
    }

    /// Reads every certificate of a file (a PEM bundle or one DER
    /// certificate), in order; errors name the file.
    pub fn read_file_all(path: &Path) -> Result<Vec<Self>> {
        let data = crate::input::read_file(path)
            .map_err(|e| Error::io(path, "read the certificate", e))?;
        Self::parse_all(&data).map_err(|e| e.in_file(path))
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM (`-----BEGIN CERTIFICATE-----`), LF line endings.
    pub fn pem(&self) -> String {
        pem_text::encode("CERTIFICATE", &self.der)
    }

    /// Parses the certificate again (cheap) for callers that need more.
    pub fn parsed(&self) -> X509Certificate<'_> {
        // `from_der` checked this parses.
        X509Certificate::from_der(&self.der)
            .map(|(_, c)| c)
            .expect("checked at construction")
    }

    /// SHA-256 fingerprint, lower-case hex.
    pub fn sha256(&self) -> String {
        hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &self.der).as_ref())
    }

    pub fn info(&self) -> CertInfo {
        let x = self.parsed();
        let names = match x.subject_alternative_name() {
            Ok(Some(san)) => san
                .value
                .general_names
                .iter()
                .filter_map(general_name_text)
                .collect(),
            _ => Vec::new(),
        };
        CertInfo {
            serial: Serial::from_be_bytes(x.raw_serial()),
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            not_before: x.validity().not_before.to_datetime(),
            not_after: x.validity().not_after.to_datetime(),
            names,
            is_ca: x.is_ca(),
            sha256: self.sha256(),
        }
    }
}

/// Concatenated PEM of several certificates.
pub fn pem_bundle<'a>(certs: impl IntoIterator<Item = &'a CertDer>) -> String {
    certs.into_iter().map(CertDer::pem).collect()
}

/// A DNS name, e-mail, URI or IP address entry as text; `None` for the
/// other kinds.
pub(crate) fn general_name_text(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(s) | GeneralName::RFC822Name(s) | GeneralName::URI(s) => {
            Some(s.to_string())
        }
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => Some(IpAddr::from(<[u8; 4]>::try_from(*bytes).ok()?).to_string()),
            16 => Some(IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?).to_string()),
            _ => None,
        },
        _ => None,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
