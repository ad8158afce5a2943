//! What a certificate signing request asks for.

use serde::Serialize;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

use super::fields::{self, Extensions, Name, PublicKeyInfo};
use super::InspectError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsrInfo {
    pub subject: String,
    /// The subject escaped for a terminal (text output).
    #[serde(skip)]
    pub subject_text: String,
    /// The request's self-signature checks out against its own public key.
    pub signature_valid: bool,
    pub signature_algorithm: String,
    pub public_key: PublicKeyInfo,
    /// Requested subjectAltName entries.
    pub names: Vec<Name>,
    /// Requested extensions (`ca sign` applies its own profile, not these).
    pub extensions: Extensions,
    pub sha256: String,
    pub pem: String,
}

impl CsrInfo {
    pub fn from_der(der: &[u8]) -> Result<CsrInfo, InspectError> {
        let (_, csr) = X509CertificationRequest::from_der(der).map_err(|e| {
            InspectError::NotRecognised(format!(
                "not a valid CSR: {}",
                ca_verify::x509_error_words(&e)
            ))
        })?;
        let info = &csr.certification_request_info;
        let requested: Vec<_> = info
            .iter_attributes()
            .filter_map(|attr| match attr.parsed_attribute() {
                x509_parser::cri_attributes::ParsedCriAttribute::ExtensionRequest(req) => {
                    Some(req.extensions.clone())
                }
                _ => None,
            })
            .flatten()
            .collect();
        let (names, extensions) = fields::read_extensions(&requested);
        Ok(CsrInfo {
            subject: fields::name_string(&info.subject),
            subject_text: super::dn::name_text(&info.subject).text,
            signature_valid: crate::csr::verify_csr_signature(&csr).is_ok(),
            signature_algorithm: fields::signature_algorithm(&csr.signature_algorithm),
            public_key: PublicKeyInfo::from_spki(&info.subject_pki),
            names,
            extensions,
            sha256: fields::sha256_hex(der),
            pem: fields::to_pem("CERTIFICATE REQUEST", der),
        })
    }
}
