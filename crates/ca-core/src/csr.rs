//! Certificate signing requests: making them (`ca csr`) and reading them
//! for signing (`ca sign`).
//!
//! Our policy when signing a CSR: its self-signature must verify; we take
//! its public key and its names (subjectAltName entries, or the CN when it
//! has none) and apply our own leaf profile. Nothing else is copied: not
//! basicConstraints, key usages, EKUs, nor any other extension, so a CSR
//! cannot ask for a CA certificate or for powers the profile does not give.

use std::path::Path;

use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::der_parser::oid;
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::error::{Error, Result};
use crate::key::ml_dsa::MlDsaLevel;
use crate::key::{KeyType, PrivateKey};
use crate::name::SubjectName;
use crate::pem_text;

/// A parsed CSR whose signature has been verified.
#[derive(Debug, Clone)]
pub struct Csr {
    der: Vec<u8>,
    public_key: CsrPublicKey,
    key_type: KeyType,
    names: Vec<SubjectName>,
    ignored: Vec<String>,
}

/// The subject public key of a CSR, in the form rcgen signs.
#[derive(Debug, Clone)]
pub struct CsrPublicKey {
    raw: Vec<u8>,
    alg: &'static rcgen::SignatureAlgorithm,
}

impl rcgen::PublicKeyData for CsrPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.raw
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        self.alg
    }
}

impl Csr {
    /// Makes a CSR for `names` signed by `key`. The subject CN is the first
    /// name; all names go into a subjectAltName extension request.
    pub fn create(key: &PrivateKey, names: &[SubjectName]) -> Result<Csr> {
        let first = names
            .first()
            .ok_or_else(|| Error::Name("a CSR needs at least one name".into()))?;
        let mut params = rcgen::CertificateParams::default();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(rcgen::DnType::CommonName, first.to_string());
        params.distinguished_name = dn;
        params.subject_alt_names = names
            .iter()
            .map(SubjectName::to_san)
            .collect::<Result<_>>()?;
        let der = params.serialize_request(key)?.der().to_vec();
        Self::from_der(&der)
    }

    /// Parses and verifies a CSR in PEM (`CERTIFICATE REQUEST`) or DER.
    pub fn parse(data: &[u8]) -> Result<Csr> {
        if data.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::csr_at(
                None,
                "the file is empty; give a PEM or DER CSR",
            ));
        }
        if !pem_text::is_pem(data) {
            return Self::from_der(data);
        }
        let blocks = pem_text::decode_all(data).map_err(|e| {
            Error::csr_at(None, format!("the PEM text is truncated or corrupt ({e})"))
        })?;
        match blocks
            .iter()
            .find(|b| matches!(b.tag(), "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST"))
        {
            Some(block) => Self::from_der(block.contents()),
            None => Err(Error::csr_at(
                None,
                match blocks.first().map(pem_text::Pem::tag) {
                    Some("CERTIFICATE") => "this is a certificate, not a CSR",
                    Some(t) if t.contains("PRIVATE KEY") => "this is a private key, not a CSR",
                    _ => "no CERTIFICATE REQUEST block found (a truncated file?)",
                },
            )),
        }
    }

    /// Reads and verifies a CSR file; errors name the file.
    pub fn read_file(path: &Path) -> Result<Csr> {
        let data = crate::input::read_file(path).map_err(|e| Error::io(path, "read the CSR", e))?;
        Self::parse(&data).map_err(|e| e.in_file(path))
    }

    fn from_der(der: &[u8]) -> Result<Csr> {
        let csr = match X509CertificationRequest::from_der(der) {
            Ok((&[], csr)) => csr,
            _ => {
                return Err(Error::csr_at(
                    None,
                    "not a valid certificate signing request (PKCS#10), PEM or DER",
                ))
            }
        };
        // The key first: a key we cannot check (RSA-1024, P-521, Ed448...)
        // must be named as such, not blamed on an "altered" signature.
        let spki = &csr.certification_request_info.subject_pki;
        let (key_type, alg) = key_type_of(spki)?;
        verify_csr_signature(&csr).map_err(|e| {
            Error::csr_at(
                None,
                match e {
                    X509Error::SignatureUnsupportedAlgorithm => format!(
                        "the CSR is signed with an algorithm we do not check ({}); \
                         make it with a plain signature (ECDSA, Ed25519, RSA PKCS#1 v1.5 or ML-DSA)",
                        csr.signature_algorithm.algorithm
                    ),
                    _ => "the CSR's signature does not verify: it was altered or signed with \
                          another key"
                        .into(),
                },
            )
        })?;
        let mut names = Vec::new();
        let mut ignored = Vec::new();
        if let Some(extensions) = csr.requested_extensions() {
            for ext in extensions {
                if let ParsedExtension::SubjectAlternativeName(san) = ext {
                    for general in &san.general_names {
                        match general_name(general)? {
                            Some(name) if !names.contains(&name) => names.push(name),
                            Some(_) => {}
                            None => ignored.push(format!("subjectAltName entry {general}")),
                        }
                    }
                } else {
                    ignored.push(extension_name(ext).to_string());
                }
            }
        }
        if names.is_empty() {
            let cn = csr
                .certification_request_info
                .subject
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok());
            if let Some(cn) = cn {
                names.push(SubjectName::parse(cn).map_err(|e| {
                    Error::csr_at(
                        None,
                        format!("the CSR has no subjectAltName, and its CN: {e}"),
                    )
                })?);
            }
        }
        Ok(Csr {
            der: der.to_vec(),
            public_key: CsrPublicKey {
                raw: spki.subject_public_key.data.to_vec(),
                alg,
            },
            key_type,
            names,
            ignored,
        })
    }

    /// The names the CSR asks for: its subjectAltName entries, or its CN
    /// when it has none. May be empty.
    pub fn names(&self) -> &[SubjectName] {
        &self.names
    }

    /// The type of the CSR's public key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The requested extensions and names we do not copy, for a warning.
    pub fn ignored(&self) -> &[String] {
        &self.ignored
    }

    pub fn public_key(&self) -> &CsrPublicKey {
        &self.public_key
    }

    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM (`-----BEGIN CERTIFICATE REQUEST-----`).
    pub fn pem(&self) -> String {
        pem_text::encode("CERTIFICATE REQUEST", &self.der)
    }
}

/// The CSR's self-signature (RFC 2986 4.2), ML-DSA included.
pub(crate) fn verify_csr_signature(
    csr: &X509CertificationRequest<'_>,
) -> std::result::Result<(), X509Error> {
    crate::x509_signature::verify_x509_signature(
        &csr.certification_request_info.subject_pki,
        &csr.signature_algorithm,
        &csr.signature_value.data,
        csr.certification_request_info.raw,
    )
}

fn key_type_of(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
) -> Result<(KeyType, &'static rcgen::SignatureAlgorithm)> {
    let unsupported = |what: String| {
        Error::csr_at(
            None,
            format!("{what} in the CSR is not supported; use ECDSA P-256/P-384/P-521, Ed25519, RSA (2048 bits or more) or ML-DSA"),
        )
    };
    let key_type = match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa.key_size();
            if bits < 2048 {
                return Err(unsupported(format!("a {bits}-bit RSA key")));
            }
            KeyType::Rsa(bits)
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok());
            match curve {
                Some(c) if c == oid!(1.2.840 .10045 .3 .1 .7) => KeyType::EcdsaP256,
                Some(c) if c == oid!(1.3.132 .0 .34) => KeyType::EcdsaP384,
                Some(c) if c == oid!(1.3.132 .0 .35) => KeyType::EcdsaP521,
                Some(c) => return Err(unsupported(format!("an EC key on the curve {c}"))),
                None => return Err(unsupported("an EC key on an unnamed curve".into())),
            }
        }
        _ if spki.algorithm.algorithm == oid!(1.3.101 .112) => KeyType::Ed25519,
        _ if MlDsaLevel::from_oid(&spki.algorithm.algorithm.to_id_string()).is_some() => {
            let level = MlDsaLevel::from_oid(&spki.algorithm.algorithm.to_id_string())
                .expect("an ML-DSA OID");
            // RFC 9881 2 and 4: no parameters, and the raw key of the set's size.
            if spki.algorithm.parameters.is_some()
                || spki.subject_public_key.data.len() != level.public_key_len()
            {
                return Err(unsupported(format!(
                    "a malformed {} key (parameters present or wrong size)",
                    level.name()
                )));
            }
            level.key_type()
        }
        _ => {
            return Err(unsupported(format!(
                "a key of algorithm {}",
                spki.algorithm.algorithm
            )))
        }
    };
    Ok((key_type, key_type.signature_algorithm()))
}

fn general_name(general: &GeneralName<'_>) -> Result<Option<SubjectName>> {
    let Some(text) = crate::cert::general_name_text(general) else {
        return Ok(None);
    };
    SubjectName::parse(&text)
        .map(Some)
        .map_err(|e| Error::csr_at(None, format!("the CSR asks for a bad name: {e}")))
}

fn extension_name(ext: &ParsedExtension<'_>) -> &'static str {
    match ext {
        ParsedExtension::BasicConstraints(_) => "basicConstraints",
        ParsedExtension::KeyUsage(_) => "keyUsage",
        ParsedExtension::ExtendedKeyUsage(_) => "extendedKeyUsage",
        ParsedExtension::SubjectKeyIdentifier(_) => "subjectKeyIdentifier",
        ParsedExtension::NameConstraints(_) => "nameConstraints",
        _ => "an extension",
    }
}
