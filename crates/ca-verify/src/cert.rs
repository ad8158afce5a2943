//! Parsing: DER certificates into an owned, checked-once representation.
//!
//! x509-parser does the DER work; this module copies out what the checks need so that a
//! `Certificate` owns its data and holds no lifetimes. Syntax errors (bad DER, malformed known
//! extensions, trailing bytes) fail here; rule violations are recorded and judged by `checks`
//! only when the certificate is actually used on a path.

use std::borrow::Cow;
use std::fmt;

use x509_parser::extensions::GeneralName as XGeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::x509::AlgorithmIdentifier;

use crate::error::Reason;
pub(crate) use crate::extensions::*;
pub(crate) use crate::key::*;

/// A parsed X.509 certificate. Cheap to clone: the parsed data is shared (a trust anchor is
/// put on every verified path without copying it).
#[derive(Clone)]
pub struct Certificate(std::sync::Arc<CertData>);

/// What a certificate holds, parsed once.
#[doc(hidden)]
#[derive(Debug)]
pub struct CertData {
    pub(crate) der: Vec<u8>,
    pub(crate) tbs: std::ops::Range<usize>,
    pub(crate) signature_algorithm: AlgId,
    pub(crate) tbs_signature_algorithm: AlgId,
    /// The signature BIT STRING's bytes, as a range of `der` (no copy).
    pub(crate) signature_range: std::ops::Range<usize>,
    /// The outer signatureAlgorithm equals tbsCertificate.signature byte for byte.
    pub(crate) algorithms_match: bool,
    pub(crate) version: u32,
    pub(crate) serial: Serial,
    pub(crate) issuer: Name,
    pub(crate) subject: Name,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    /// The whole SubjectPublicKeyInfo, as a range of `der`.
    pub(crate) spki_range: std::ops::Range<usize>,
    pub(crate) public_key: PublicKey,
    pub(crate) has_unique_ids: bool,
    pub(crate) ext: Extensions,
}

impl CertData {
    /// The subject key as the signature backend takes it.
    pub(crate) fn verification_key(&self) -> Result<crate::signature::VerificationKey<'_>, Reason> {
        crate::signature::verification_key(&self.public_key, &self.der)
    }

    /// A record with nothing in it, for the in-place reader to fill.
    pub(crate) fn empty() -> Self {
        let alg = || AlgId {
            oid: Cow::Borrowed(""),
            params: None,
        };
        CertData {
            der: Vec::new(),
            tbs: 0..0,
            signature_algorithm: alg(),
            tbs_signature_algorithm: alg(),
            signature_range: 0..0,
            algorithms_match: false,
            version: 0,
            serial: Serial::new(),
            issuer: Name::empty(),
            subject: Name::empty(),
            not_before: 0,
            not_after: 0,
            spki_range: 0..0,
            public_key: PublicKey::Unusable(String::new()),
            has_unique_ids: false,
            ext: Extensions::default(),
        }
    }
}

/// An AlgorithmIdentifier: dotted OID plus the full DER of the parameters, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AlgId {
    pub(crate) oid: Cow<'static, str>,
    pub(crate) params: Option<(u32, Vec<u8>)>,
}

impl AlgId {
    pub(crate) fn from_x509(a: &AlgorithmIdentifier<'_>) -> Self {
        AlgId {
            oid: dotted(a.algorithm.as_bytes()),
            params: a.parameters.as_ref().map(|p| (p.tag().0, p.data.to_vec())),
        }
    }

    pub(crate) fn params_are_null(&self) -> bool {
        matches!(&self.params, Some((5, d)) if d.is_empty())
    }
}

/// A serial number's content octets, inline (RFC 5280 4.1.2.2 allows 20 of them; a
/// longer one, refused by the checks, spills to the heap).
pub(crate) type Serial = smallvec::SmallVec<[u8; 21]>;

pub(crate) use crate::name::dn::{AttrBuf, Name, OID_CN, OID_EMAIL_ATTR};

/// A subjectAltName or name-constraint entry.
#[derive(Clone, Debug)]
pub(crate) enum GeneralName {
    Dns(String),
    Ip(Vec<u8>),
    Email(String),
    Uri(String),
    /// Boxed: a name is large inline and rare in these lists.
    Directory(Box<Name>),
    /// otherName, x400Address, ediPartyName, registeredID: forms we do not process.
    Unsupported(&'static str),
}

impl GeneralName {
    pub(crate) fn from_x509(g: &XGeneralName<'_>) -> Result<Self, String> {
        Ok(match g {
            XGeneralName::DNSName(s) => GeneralName::Dns(s.to_string()),
            XGeneralName::IPAddress(b) => GeneralName::Ip(b.to_vec()),
            XGeneralName::RFC822Name(s) => GeneralName::Email(s.to_string()),
            XGeneralName::URI(s) => GeneralName::Uri(s.to_string()),
            XGeneralName::DirectoryName(n) => {
                GeneralName::Directory(Box::new(Name::from_x509(n).ok_or_else(name_outside)?))
            }
            XGeneralName::OtherName(..) => GeneralName::Unsupported("otherName"),
            XGeneralName::X400Address(_) => GeneralName::Unsupported("x400Address"),
            XGeneralName::EDIPartyName(_) => GeneralName::Unsupported("ediPartyName"),
            XGeneralName::RegisteredID(_) => GeneralName::Unsupported("registeredID"),
            XGeneralName::Invalid(tag, _) => {
                return Err(crate::parse_error::general_name_error(tag.0))
            }
        })
    }

    pub(crate) fn form(&self) -> &'static str {
        match self {
            GeneralName::Dns(_) => "dNSName",
            GeneralName::Ip(_) => "iPAddress",
            GeneralName::Email(_) => "rfc822Name",
            GeneralName::Uri(_) => "uniformResourceIdentifier",
            GeneralName::Directory(_) => "directoryName",
            GeneralName::Unsupported(f) => f,
        }
    }
}

impl fmt::Display for GeneralName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneralName::Dns(s) => write!(f, "DNS:{s}"),
            GeneralName::Ip(b) if b.len() == 8 || b.len() == 32 => {
                write!(f, "IP:{}", crate::name::ip::range_text(b))
            }
            GeneralName::Ip(b) => match crate::name::ip::ip_from_bytes(b) {
                Some(ip) => write!(f, "IP:{ip}"),
                None => write!(f, "IP:<{} bytes>", b.len()),
            },
            GeneralName::Email(s) => write!(f, "email:{s}"),
            GeneralName::Uri(s) => write!(f, "URI:{s}"),
            GeneralName::Directory(n) => write!(f, "DirName:{}", n.text()),
            GeneralName::Unsupported(form) => f.write_str(form),
        }
    }
}

impl Certificate {
    /// Parses a DER certificate. Fails on anything that is not well-formed X.509 DER, on
    /// malformed known extensions and on trailing bytes.
    pub fn from_der(der: &[u8]) -> Result<Self, Reason> {
        // The usual shapes are read in place; the rest, and every error, take x509-parser's road.
        Ok(Certificate(match crate::cert_der::parse(der) {
            Some(data) => data,
            None => std::sync::Arc::new(Self::parse_with_x509_parser(der)?),
        }))
    }

    /// The full parse: any certificate, with errors worded in the file's terms.
    pub(crate) fn parse_with_x509_parser(der: &[u8]) -> Result<CertData, Reason> {
        // Messages in the file's terms (which part, how), never the parser's internals.
        let algorithms_match = crate::der::check_certificate_shape(der).map_err(|m| {
            Reason::Malformed(crate::parse_error::outer_error(der).unwrap_or_else(|| m.into()))
        })?;
        crate::parse_error::validity_encoding(der).map_err(Reason::Malformed)?;
        crate::parse_error::names_encoding(der).map_err(Reason::Malformed)?;
        let (rest, x) = X509Certificate::from_der(der)
            .map_err(|e| Reason::Malformed(crate::parse_error::certificate_error(der, &e)))?;
        if !rest.is_empty() {
            return Err(Reason::Malformed(format!(
                "{} bytes after the certificate",
                rest.len()
            )));
        }
        let tbs_raw = x.tbs_certificate.as_ref();
        let tbs_start = tbs_raw.as_ptr() as usize - der.as_ptr() as usize;
        // The signature BIT STRING ends the certificate (trailing bytes are refused above).
        let signature_start = der.len() - x.signature_value.as_ref().len();
        let spki_raw = x.tbs_certificate.subject_pki.raw;
        let spki_start = spki_raw.as_ptr() as usize - der.as_ptr() as usize;
        if x.signature_value.unused_bits != 0 {
            return Err(Reason::Malformed(
                "signature BIT STRING has unused bits".into(),
            ));
        }
        let tbs = &x.tbs_certificate;
        let ext = parse_extensions(&x)?;
        Ok(CertData {
            der: der.to_vec(),
            tbs: tbs_start..tbs_start + tbs_raw.len(),
            signature_algorithm: AlgId::from_x509(&x.signature_algorithm),
            tbs_signature_algorithm: AlgId::from_x509(&tbs.signature),
            signature_range: signature_start..der.len(),
            algorithms_match,
            version: tbs.version.0 + 1,
            serial: Serial::from_slice(tbs.raw_serial()),
            issuer: Name::from_x509(&tbs.issuer)
                .ok_or_else(|| Reason::Malformed(name_outside()))?,
            subject: Name::from_x509(&tbs.subject)
                .ok_or_else(|| Reason::Malformed(name_outside()))?,
            not_before: tbs.validity.not_before.timestamp(),
            not_after: tbs.validity.not_after.timestamp(),
            spki_range: spki_start..spki_start + spki_raw.len(),
            public_key: public_key(&tbs.subject_pki, der),
            has_unique_ids: tbs.issuer_uid.is_some() || tbs.subject_uid.is_some(),
            ext,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    pub(crate) fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// The signature's bytes.
    pub(crate) fn signature(&self) -> &[u8] {
        &self.der[self.signature_range.clone()]
    }

    /// The SubjectPublicKeyInfo DER.
    pub(crate) fn spki(&self) -> &[u8] {
        &self.der[self.spki_range.clone()]
    }

    /// The subject, as text ("CN=example.com, O=Example").
    pub fn subject(&self) -> &str {
        self.subject.text()
    }

    /// The issuer, as text.
    pub fn issuer(&self) -> &str {
        self.issuer.text()
    }

    /// The serial number in hex, colon-separated bytes as `openssl x509 -serial` would show them.
    /// A negative one (RFC 5280 4.1.2.2 forbids them, some exist) is `-` and its magnitude.
    pub fn serial_hex(&self) -> String {
        if self.serial.first().is_some_and(|b| b & 0x80 != 0) {
            let magnitude = crate::text::twos_complement_magnitude(&self.serial);
            let start = magnitude.iter().position(|b| *b != 0).unwrap_or(0);
            return format!("-{}", hex_colon(&magnitude[start..]));
        }
        hex_colon(&self.serial)
    }

    /// notBefore, in Unix seconds.
    pub fn not_before_unix(&self) -> i64 {
        self.not_before
    }

    /// notAfter, in Unix seconds.
    pub fn not_after_unix(&self) -> i64 {
        self.not_after
    }

    /// notAfter as a date-time.
    pub fn not_after(&self) -> time::OffsetDateTime {
        unix_to_datetime(self.not_after)
    }

    /// notBefore as a date-time.
    pub fn not_before(&self) -> time::OffsetDateTime {
        unix_to_datetime(self.not_before)
    }

    /// SHA-256 of the DER.
    pub fn sha256(&self) -> [u8; 32] {
        sha256(&self.der)
    }

    /// SHA-256 of the DER, as colon-separated uppercase hex.
    pub fn sha256_hex(&self) -> String {
        hex_colon(&self.sha256())
    }

    /// Whether basicConstraints says cA=TRUE.
    pub fn is_ca(&self) -> bool {
        self.ext
            .basic_constraints
            .as_ref()
            .is_some_and(|b| b.value.ca)
    }

    /// The subjectAltName entries, as text ("DNS:example.com", "IP:192.0.2.1", ...).
    pub fn subject_alt_names(&self) -> Vec<String> {
        self.ext
            .san
            .iter()
            .flat_map(|s| s.value.iter().map(|n| n.to_string()))
            .collect()
    }

    /// Description of the public key ("RSA-2048", "ECDSA P256", "Ed25519").
    pub fn public_key_description(&self) -> String {
        self.public_key.to_string()
    }

    /// The algorithm the issuer signed this certificate with, as the verifier names it
    /// ("ECDSA SHA-256"), or the dotted OID of one it does not accept.
    pub fn signature_algorithm_description(&self) -> String {
        match crate::signature::identify(&self.signature_algorithm) {
            Ok(alg) => alg.to_string(),
            Err(_) => self.signature_algorithm.oid.to_string(),
        }
    }

    /// Whether issuer and subject are the same name (RFC 5280 "self-issued").
    pub(crate) fn is_self_issued(&self) -> bool {
        self.issuer.raw == self.subject.raw
    }
}

impl std::ops::Deref for Certificate {
    type Target = CertData;

    fn deref(&self) -> &CertData {
        &self.0
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject.text())
            .field("issuer", &self.issuer.text())
            .field("serial", &self.serial_hex())
            .finish()
    }
}

/// x509-parser borrows every part of a name from the name's DER; should one not be, the name
/// cannot be recorded by position.
fn name_outside() -> String {
    "a name attribute lies outside the name's encoding".into()
}

pub(crate) fn unix_to_datetime(t: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub(crate) fn format_unix(t: i64) -> String {
    let d = unix_to_datetime(t);
    d.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

pub(crate) fn hex_colon(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{b:02X}"));
    }
    s
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The OIDs looked at on every certificate, by their DER content octets: no formatting needed.
const KNOWN_OIDS: &[(&[u8], &str)] = &[
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b],
        "1.2.840.113549.1.1.11",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c],
        "1.2.840.113549.1.1.12",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d],
        "1.2.840.113549.1.1.13",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a],
        "1.2.840.113549.1.1.10",
    ),
    (
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
        "1.2.840.113549.1.1.1",
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02],
        "1.2.840.10045.4.3.2",
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03],
        "1.2.840.10045.4.3.3",
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04],
        "1.2.840.10045.4.3.4",
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01],
        "1.2.840.10045.2.1",
    ),
    (
        &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
        "1.2.840.10045.3.1.7",
    ),
    (&[0x2b, 0x81, 0x04, 0x00, 0x22], "1.3.132.0.34"),
    (&[0x2b, 0x81, 0x04, 0x00, 0x23], "1.3.132.0.35"),
    (&[0x2b, 0x65, 0x70], "1.3.101.112"),
];

/// The dotted form of an OID in `KNOWN_OIDS`, by its content octets.
pub(crate) fn known_dotted(bytes: &[u8]) -> Option<&'static str> {
    KNOWN_OIDS
        .iter()
        .find(|(b, _)| *b == bytes)
        .map(|(_, s)| *s)
}

/// The dotted form of an OID given by its content octets.
pub(crate) fn dotted(bytes: &[u8]) -> Cow<'static, str> {
    match KNOWN_OIDS.iter().find(|(b, _)| *b == bytes) {
        Some((_, s)) => Cow::Borrowed(s),
        None => Cow::Owned(oid_bytes_to_string(bytes)),
    }
}

pub(crate) fn oid_bytes_to_string(bytes: &[u8]) -> String {
    x509_parser::der_parser::oid::Oid::new(std::borrow::Cow::Borrowed(bytes)).to_id_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_oid_table_matches_the_der() {
        for (bytes, text) in KNOWN_OIDS {
            assert_eq!(oid_bytes_to_string(bytes), *text);
        }
        assert_eq!(dotted(&[0x55, 0x1d, 0x13]), "2.5.29.19");
    }
}
