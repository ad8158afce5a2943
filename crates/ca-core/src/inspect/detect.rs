//! Finds the objects in a file: PEM blocks (by label) or one DER object (by
//! trying each structure in turn), each checked to parse as what it claims.

use pkcs8::der::Decode;
use x509_parser::prelude::FromDer;

use super::InspectError;
use crate::pem_text::{self, Pem, PemError};

/// What a PEM block or DER object holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Certificate,
    CertificateRequest,
    Crl,
    /// Unencrypted PKCS#8 `PrivateKeyInfo` (or `OneAsymmetricKey`).
    Pkcs8PrivateKey,
    /// PKCS#8 `EncryptedPrivateKeyInfo`.
    EncryptedPkcs8PrivateKey,
    /// PKCS#1 `RSAPrivateKey`.
    RsaPrivateKey,
    /// SEC1 `ECPrivateKey`.
    EcPrivateKey,
    /// X.509 `SubjectPublicKeyInfo`.
    PublicKey,
    /// PKCS#1 `RSAPublicKey`.
    RsaPublicKey,
}

impl Kind {
    /// The label OpenSSL and RFC 7468 use for this kind.
    pub fn pem_label(self) -> &'static str {
        match self {
            Kind::Certificate => "CERTIFICATE",
            Kind::CertificateRequest => "CERTIFICATE REQUEST",
            Kind::Crl => "X509 CRL",
            Kind::Pkcs8PrivateKey => "PRIVATE KEY",
            Kind::EncryptedPkcs8PrivateKey => "ENCRYPTED PRIVATE KEY",
            Kind::RsaPrivateKey => "RSA PRIVATE KEY",
            Kind::EcPrivateKey => "EC PRIVATE KEY",
            Kind::PublicKey => "PUBLIC KEY",
            Kind::RsaPublicKey => "RSA PUBLIC KEY",
        }
    }

    fn from_pem_label(label: &str) -> Option<Kind> {
        Some(match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => Kind::Certificate,
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Kind::CertificateRequest,
            "X509 CRL" => Kind::Crl,
            "PRIVATE KEY" => Kind::Pkcs8PrivateKey,
            "ENCRYPTED PRIVATE KEY" => Kind::EncryptedPkcs8PrivateKey,
            "RSA PRIVATE KEY" => Kind::RsaPrivateKey,
            "EC PRIVATE KEY" => Kind::EcPrivateKey,
            "PUBLIC KEY" => Kind::PublicKey,
            "RSA PUBLIC KEY" => Kind::RsaPublicKey,
            _ => return None,
        })
    }

    /// Words for messages: "certificate", "PKCS#8 private key", ...
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Certificate => "certificate",
            Kind::CertificateRequest => "certificate request (CSR)",
            Kind::Crl => "certificate revocation list (CRL)",
            Kind::Pkcs8PrivateKey => "PKCS#8 private key",
            Kind::EncryptedPkcs8PrivateKey => "encrypted PKCS#8 private key",
            Kind::RsaPrivateKey => "PKCS#1 RSA private key",
            Kind::EcPrivateKey => "SEC1 EC private key",
            Kind::PublicKey => "public key",
            Kind::RsaPublicKey => "PKCS#1 RSA public key",
        }
    }

    pub fn is_private_key(self) -> bool {
        matches!(
            self,
            Kind::Pkcs8PrivateKey
                | Kind::EncryptedPkcs8PrivateKey
                | Kind::RsaPrivateKey
                | Kind::EcPrivateKey
        )
    }

    pub fn is_key(self) -> bool {
        self.is_private_key() || matches!(self, Kind::PublicKey | Kind::RsaPublicKey)
    }

    /// Checks that `der` is one complete object of this kind.
    fn check(self, input: &[u8]) -> Result<(), String> {
        // x509-parser's errors in words, never its internals.
        type X509Result<'a, T> =
            Result<(&'a [u8], T), x509_parser::nom::Err<x509_parser::error::X509Error>>;
        fn whole<T>(r: X509Result<'_, T>) -> Result<(), String> {
            match r {
                Ok(([], _)) => Ok(()),
                Ok((rest, _)) => Err(format!("{} unexpected bytes after the end", rest.len())),
                Err(e) => Err(ca_verify::x509_error_words(&e)),
            }
        }
        // Said first, in the file's terms, whatever the parser would report instead.
        if let Some(total) = declared_length(input).filter(|t| *t > input.len()) {
            return Err(format!(
                "truncated: it declares {total} bytes but has {}",
                input.len()
            ));
        }
        fn complete<T>(r: pkcs8::der::Result<T>) -> Result<(), String> {
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        match self {
            // In the verifier's words when it does not parse: one verdict per file.
            Kind::Certificate => whole(x509_parser::certificate::X509Certificate::from_der(input))
                .map_err(|e| super::cert::verifier_verdict(input).unwrap_or(e)),
            Kind::CertificateRequest => {
                whole(x509_parser::certification_request::X509CertificationRequest::from_der(input))
            }
            Kind::Crl => {
                whole(x509_parser::revocation_list::CertificateRevocationList::from_der(input))
            }
            Kind::Pkcs8PrivateKey => complete(pkcs8::PrivateKeyInfo::from_der(input)),
            // `pkcs8` parses PBES1/PBES2 only; the PKCS#12 schemes have the same shape.
            Kind::EncryptedPkcs8PrivateKey => {
                complete(pkcs8::EncryptedPrivateKeyInfo::from_der(input)).or_else(|e| {
                    crate::key::legacy_pbe::Encrypted::from_der(input)
                        .map(|_| ())
                        .ok_or(e)
                })
            }
            Kind::RsaPrivateKey => complete(rsa::pkcs1::RsaPrivateKey::from_der(input)),
            Kind::EcPrivateKey => complete(sec1::EcPrivateKey::from_der(input)).map_err(|e| {
                if crate::key::sec1_explicit_parameters(input) {
                    "unknown curve: the key gives its curve as explicit parameters, not by name \
                     (`ca` reads P-256, P-384 and P-521; if this is one, name it with: openssl ec \
                     -param_enc named_curve -in OLD -out NEW)"
                        .to_string()
                } else {
                    e
                }
            }),
            Kind::PublicKey => complete(pkcs8::SubjectPublicKeyInfoRef::from_der(input)),
            Kind::RsaPublicKey => complete(rsa::pkcs1::RsaPublicKey::from_der(input)),
        }
    }
}

/// How the input was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Pem,
    Der,
}

/// One object found in the input, as DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: Kind,
    pub der: Vec<u8>,
}

impl Block {
    /// The block as PEM, with the label its kind has in RFC 7468/OpenSSL.
    pub fn to_pem(&self) -> String {
        super::fields::to_pem(self.kind.pem_label(), &self.der)
    }
}

/// Everything found in one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub encoding: Encoding,
    pub blocks: Vec<Block>,
}

const BEGIN: &[u8] = b"-----BEGIN ";

/// Finds and checks every object in `input` (PEM with any number of blocks, or
/// exactly one DER object); the first block that cannot be read fails the whole.
pub fn decode(input: &[u8]) -> Result<Decoded, InspectError> {
    let (encoding, blocks) = decode_each(input)?;
    Ok(Decoded {
        encoding,
        blocks: blocks.into_iter().collect::<Result<_, _>>()?,
    })
}

/// As [`decode`], block by block: a PEM block that cannot be read is an error in its place
/// and the others are still read (`inspect` shows them all). The error is for the whole
/// input when the PEM framing itself is broken (a missing END line, damaged base64) or the
/// input is neither PEM nor DER.
pub fn decode_each(
    input: &[u8],
) -> Result<(Encoding, Vec<Result<Block, InspectError>>), InspectError> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(InspectError::Empty);
    }
    if pem_text::is_pem(input) {
        Ok((Encoding::Pem, decode_pem(input)?))
    } else {
        Ok((Encoding::Der, vec![Ok(decode_der(input)?)]))
    }
}

fn decode_pem(input: &[u8]) -> Result<Vec<Result<Block, InspectError>>, InspectError> {
    let begins = input.windows(BEGIN.len()).filter(|w| *w == BEGIN).count();
    let pems = pem_text::decode_all(input).map_err(|e| InspectError::BadPem {
        block: None,
        reason: pem_error(&e),
    })?;
    // `parse_many` stops quietly at a block without its END line.
    if pems.len() < begins {
        return Err(InspectError::BadPem {
            block: Some(pems.len() + 1),
            reason: "it has no END line: the file looks truncated".into(),
        });
    }
    let mut blocks = Vec::new();
    for (i, p) in pems.iter().enumerate() {
        let number = i + 1;
        let label = p.tag();
        // `openssl ecparam -genkey` writes the curve before the key.
        if label == "EC PARAMETERS" {
            continue;
        }
        blocks.push(pem_block(number, p));
    }
    if blocks.is_empty() {
        return Err(InspectError::NotRecognised(
            "the PEM file holds only EC PARAMETERS, no key or certificate".into(),
        ));
    }
    Ok(blocks)
}

/// One PEM block, checked to be what its label says.
fn pem_block(number: usize, p: &Pem) -> Result<Block, InspectError> {
    // The label is the file's text: escaped before it is quoted in a message.
    let label = p.tag();
    let shown = crate::text::escape_untrusted(label);
    if p.headers().get("Proc-Type").is_some() {
        return Err(InspectError::BadPem {
            block: Some(number),
            reason: format!(
                "'{shown}' uses the old OpenSSL-specific encryption, which is not supported; \
                     convert it with `openssl pkcs8 -topk8 -in KEY -out KEY.p8` first"
            ),
        });
    }
    let kind = Kind::from_pem_label(label).ok_or_else(|| InspectError::BadPem {
        block: Some(number),
        reason: format!(
            "unsupported PEM label '{shown}' (expected a certificate, CSR, CRL or key)"
        ),
    })?;
    let der = if label == "TRUSTED CERTIFICATE" {
        // OpenSSL appends trust settings after the certificate.
        trusted_certificate_prefix(p.contents())
    } else {
        p.contents()
    };
    kind.check(der).map_err(|reason| InspectError::BadPem {
        block: Some(number),
        reason: format!("'{shown}' is not a valid {}: {reason}", kind.describe()),
    })?;
    Ok(Block {
        kind,
        der: der.to_vec(),
    })
}

fn trusted_certificate_prefix(der: &[u8]) -> &[u8] {
    match x509_parser::certificate::X509Certificate::from_der(der) {
        Ok((rest, _)) => &der[..der.len() - rest.len()],
        Err(_) => der,
    }
}

fn pem_error(e: &PemError) -> String {
    match e {
        PemError::MismatchedTags(b, e) => {
            let (b, e) = (
                crate::text::escape_untrusted(b),
                crate::text::escape_untrusted(e),
            );
            format!("BEGIN '{b}' ends with END '{e}': the file is damaged or two files were mixed")
        }
        PemError::InvalidData(e) => format!("the base64 data is damaged ({e})"),
        other => other.to_string(),
    }
}

/// The order matters only for speed: the structures cannot be confused.
const DER_KINDS: [Kind; 9] = [
    Kind::Certificate,
    Kind::CertificateRequest,
    Kind::Crl,
    Kind::Pkcs8PrivateKey,
    Kind::EncryptedPkcs8PrivateKey,
    Kind::RsaPrivateKey,
    Kind::EcPrivateKey,
    Kind::PublicKey,
    Kind::RsaPublicKey,
];

fn decode_der(input: &[u8]) -> Result<Block, InspectError> {
    for kind in DER_KINDS {
        if kind.check(input).is_ok() {
            return Ok(Block {
                kind,
                der: input.to_vec(),
            });
        }
    }
    Err(InspectError::NotRecognised(explain_der_failure(input)))
}

/// Says why bytes that are not PEM could not be read as DER.
fn explain_der_failure(input: &[u8]) -> String {
    const WHAT: &str = "expected a certificate, CSR, CRL or key in PEM or DER";
    if input.first() != Some(&0x30) {
        return if std::str::from_utf8(input).is_ok() {
            format!("this is text without a '-----BEGIN' line ({WHAT})")
        } else {
            format!("this is neither PEM nor DER ({WHAT})")
        };
    }
    if looks_like_pkcs12(input) {
        return "this is a PKCS#12 (.p12/.pfx) file, not a certificate, CSR, CRL or key in \
                PEM or DER; look inside with: openssl pkcs12 -info -noenc -in FILE"
            .into();
    }
    match declared_length(input) {
        Some(total) if total > input.len() => format!(
            "the DER data is truncated: it declares {total} bytes but the file has {}",
            input.len()
        ),
        Some(total) if total < input.len() => format!(
            "{} unexpected bytes follow the DER object ({WHAT})",
            input.len() - total
        ),
        _ if looks_like_certificate(input) => format!(
            "not a valid certificate: {}",
            super::cert::verifier_verdict(input).unwrap_or_else(|| "it does not parse".into())
        ),
        _ => format!("the DER structure is not one that `ca` knows ({WHAT})"),
    }
}

/// SEQUENCE { SEQUENCE { [0] { INTEGER version } ...: the start of a v2/v3 certificate.
fn looks_like_certificate(input: &[u8]) -> bool {
    let skip_header = |b: &[u8]| -> Option<usize> {
        match *b.get(1)? {
            n if n < 0x80 => Some(2),
            n => Some(2 + (n & 0x7f) as usize),
        }
    };
    let Some(outer) = skip_header(input) else {
        return false;
    };
    let Some(inner) = input.get(outer..).and_then(skip_header) else {
        return false;
    };
    input.get(outer) == Some(&0x30)
        && input.get(outer + inner..outer + inner + 4) == Some(&[0xa0, 0x03, 0x02, 0x01][..])
}

/// A PFX starts with version 3, then the PKCS#7 `data` content type.
fn looks_like_pkcs12(input: &[u8]) -> bool {
    const VERSION_3: &[u8] = &[0x02, 0x01, 0x03];
    const PKCS7_DATA: &[u8] = &[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
    ];
    let head = &input[..input.len().min(32)];
    let find = |needle: &[u8]| head.windows(needle.len()).position(|w| w == needle);
    matches!((find(VERSION_3), find(PKCS7_DATA)), (Some(v), Some(d)) if v < d)
}

/// Total length (header + content) that a definite-length DER header declares.
fn declared_length(input: &[u8]) -> Option<usize> {
    let first = *input.get(1)?;
    if first < 0x80 {
        return Some(2 + first as usize);
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let bytes = input.get(2..2 + n)?;
    let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Some(2 + n + len)
}
