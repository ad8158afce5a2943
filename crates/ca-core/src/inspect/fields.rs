//! Pieces shared by certificates, CSRs and CRLs: names, public keys,
//! extensions, times and fingerprints, turned into plain serialisable values.

use crate::key::ml_dsa::MlDsaLevel;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use x509_parser::extensions::{GeneralName, ParsedExtension, X509Extension};
use x509_parser::oid_registry::{self, Oid};
use x509_parser::x509::{SubjectPublicKeyInfo, X509Name};

/// Lowercase hex without separators (as `sha256sum` prints).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// A serial number as hex, without the sign byte DER may add. A negative one (a DER INTEGER
/// whose first bit is set; RFC 5280 4.1.2.2 says serials MUST be positive, but some are not)
/// is the signed number it is: `-` and the magnitude, not its two's-complement bytes.
pub fn serial_hex(raw: &[u8]) -> String {
    if serial_is_negative(raw) {
        // The magnitude is unsigned (-128 is 80): never read as signed again.
        return format!(
            "-{}",
            unsigned_hex(&ca_verify::text::twos_complement_magnitude(raw))
        );
    }
    unsigned_hex(raw)
}

/// Big-endian unsigned bytes as hex, without leading zero bytes (at least one byte).
fn unsigned_hex(raw: &[u8]) -> String {
    let start = raw
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(raw.len().saturating_sub(1));
    hex(&raw[start..])
}

/// Whether DER INTEGER content bytes are negative.
pub fn serial_is_negative(raw: &[u8]) -> bool {
    raw.first().is_some_and(|b| b & 0x80 != 0)
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

/// Whole days from `now` to `t`, rounded towards minus infinity, so that a
/// certificate that expired an hour ago has -1 days left.
pub fn days_between(now: OffsetDateTime, t: OffsetDateTime) -> i64 {
    let secs = (t - now).whole_seconds();
    secs.div_euclid(86_400)
}

/// A name for JSON: readable attribute by attribute, a bad one escaped and marked.
pub fn name_string(name: &X509Name<'_>) -> String {
    super::dn::name_text(name).value
}

fn oid_registry() -> &'static oid_registry::OidRegistry<'static> {
    x509_parser::objects::oid_registry()
}

/// Short name of an OID when known (`serverAuth`), else its dotted form.
pub fn oid_name(oid: &Oid<'_>) -> String {
    match x509_parser::objects::oid2sn(oid, oid_registry()) {
        Ok(sn) => sn.to_string(),
        Err(_) => oid.to_id_string(),
    }
}

/// A public key: what `ca` calls its type, its size and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    /// `ecdsa-p256`, `ecdsa-p384`, `ecdsa-p521`, `ec-CURVE` (another named curve),
    /// `ec-unknown-curve` (explicit or missing parameters), `ed25519`, `ed448`,
    /// `rsa-BITS`, `dsa`, or the algorithm OID when unknown.
    pub key_type: String,
    pub bits: Option<u32>,
    /// SHA-256 of the DER SubjectPublicKeyInfo in its canonical form: an EC point
    /// uncompressed (as nearly every tool stores it), so that a key stored with a compressed
    /// point and its certificate match. Equal to `openssl pkey -pubin -outform DER |
    /// sha256sum` for every key stored uncompressed.
    pub sha256: String,
    /// Set when the stored form differs from the one hashed (`"EC point stored compressed;
    /// hashed uncompressed"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256_note: Option<&'static str>,
}

impl PublicKeyInfo {
    pub fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> PublicKeyInfo {
        let alg = &spki.algorithm.algorithm;
        let (key_type, bits) = if *alg == oid_registry::OID_PKCS1_RSAENCRYPTION
            || *alg == oid_registry::OID_PKCS1_RSASSAPSS
        {
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => bit_length(rsa.modulus),
                _ => 0,
            };
            (format!("rsa-{bits}"), Some(bits))
        } else if *alg == oid_registry::OID_KEY_TYPE_EC_PUBLIC_KEY {
            // RFC 5480 2.1.1: the curve is named by OID. Explicit parameters (a SEQUENCE) or
            // none at all leave it unknown: never guessed from the point's size.
            let params = spki.algorithm.parameters.as_ref();
            let curve = params
                .filter(|p| p.tag() == x509_parser::der_parser::asn1_rs::Tag::Oid)
                .and_then(|p| p.as_oid().ok());
            match (curve, params) {
                (Some(c), _) if c == oid_registry::OID_EC_P256 => ("ecdsa-p256".into(), Some(256)),
                (Some(c), _) if c == oid_registry::OID_NIST_EC_P384 => {
                    ("ecdsa-p384".into(), Some(384))
                }
                (Some(c), _) if c == oid_registry::OID_NIST_EC_P521 => {
                    ("ecdsa-p521".into(), Some(521))
                }
                (Some(c), _) => (format!("ec-{}", oid_name(&c)), None),
                (None, Some(_)) => ("ec-unknown-curve".into(), None),
                (None, None) => ("ec-unknown-curve".into(), None),
            }
        } else if *alg == oid_registry::OID_SIG_ED25519 {
            ("ed25519".into(), Some(256))
        } else if *alg == oid_registry::OID_SIG_ED448 {
            ("ed448".into(), Some(456))
        } else if *alg == oid_registry::OID_KEY_TYPE_DSA {
            ("dsa".into(), None)
        } else if let Some(level) = MlDsaLevel::from_oid(&alg.to_id_string()) {
            (level.key_type().to_string(), None)
        } else {
            (oid_name(alg), None)
        };
        let uncompressed = uncompressed_ec_spki(&key_type, &spki.subject_public_key.data);
        PublicKeyInfo {
            key_type,
            bits,
            sha256: sha256_hex(uncompressed.as_deref().unwrap_or(spki.raw)),
            sha256_note: uncompressed
                .is_some()
                .then_some("EC point stored compressed; hashed uncompressed"),
        }
    }

    /// "ECDSA P-256", "RSA 2048 bits", ...
    pub fn describe(&self) -> String {
        match self.key_type.as_str() {
            "ecdsa-p256" => "ECDSA P-256".into(),
            "ecdsa-p384" => "ECDSA P-384".into(),
            "ecdsa-p521" => "ECDSA P-521".into(),
            "ed25519" => "Ed25519".into(),
            "ed448" => "Ed448".into(),
            "ml-dsa-44" | "ml-dsa-65" | "ml-dsa-87" => {
                let level = [
                    MlDsaLevel::MlDsa44,
                    MlDsaLevel::MlDsa65,
                    MlDsaLevel::MlDsa87,
                ]
                .into_iter()
                .find(|l| l.key_type().to_string() == self.key_type)
                .expect("an ML-DSA key type");
                format!(
                    "{} (FIPS 204 parameter set, NIST security category {})",
                    level.name(),
                    level.category()
                )
            }
            t if t.starts_with("rsa-") => format!("RSA {} bits", self.bits.unwrap_or(0)),
            "ec-unknown-curve" => {
                "EC, unknown curve (no named curve: explicit or missing parameters)".into()
            }
            t => t.to_string(),
        }
    }
}

/// The SubjectPublicKeyInfo of a P-256 or P-384 key whose point is compressed (SEC1 2.3.3,
/// first byte 02 or 03), with the point uncompressed; `None` for any other key. (P-521 points
/// stay as stored: no P-521 arithmetic is linked in.)
fn uncompressed_ec_spki(key_type: &str, point: &[u8]) -> Option<Vec<u8>> {
    use p256::pkcs8::EncodePublicKey;
    if !matches!(point.first(), Some(2 | 3)) {
        return None;
    }
    let der = match key_type {
        "ecdsa-p256" => p256::PublicKey::from_sec1_bytes(point)
            .ok()?
            .to_public_key_der(),
        "ecdsa-p384" => p384::PublicKey::from_sec1_bytes(point)
            .ok()?
            .to_public_key_der(),
        _ => return None,
    };
    der.ok().map(|d| d.as_bytes().to_vec())
}

fn bit_length(unsigned_be: &[u8]) -> u32 {
    match unsigned_be.iter().position(|b| *b != 0) {
        Some(i) => {
            let bytes = (unsigned_be.len() - i) as u32;
            bytes * 8 - unsigned_be[i].leading_zeros()
        }
        None => 0,
    }
}

/// One entry of a subjectAltName, name constraint or access location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Name {
    /// `dns`, `ip`, `email`, `uri`, `dirname`, `rid`, `othername`, `x400`,
    /// `edipartyname` or `invalid`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub value: String,
}

impl Name {
    pub fn from_general_name(name: &GeneralName<'_>) -> Name {
        let (kind, value) = match name {
            GeneralName::DNSName(s) => ("dns", s.to_string()),
            GeneralName::IPAddress(b) => ("ip", ip_string(b)),
            GeneralName::RFC822Name(s) => ("email", s.to_string()),
            GeneralName::URI(s) => ("uri", s.to_string()),
            GeneralName::DirectoryName(n) => ("dirname", name_string(n)),
            GeneralName::RegisteredID(oid) => ("rid", oid.to_id_string()),
            GeneralName::OtherName(oid, _) => ("othername", oid.to_id_string()),
            GeneralName::X400Address(_) => ("x400", String::new()),
            GeneralName::EDIPartyName(_) => ("edipartyname", String::new()),
            GeneralName::Invalid(_, b) => ("invalid", hex(b)),
        };
        Name { kind, value }
    }

    /// The OpenSSL-style prefix form: `DNS:example.test`.
    pub fn display(&self) -> String {
        let prefix = match self.kind {
            "dns" => "DNS",
            "ip" => "IP",
            "email" => "email",
            "uri" => "URI",
            "dirname" => "DirName",
            "rid" => "RID",
            "othername" => "othername",
            other => other,
        };
        format!("{prefix}:{}", self.value)
    }
}

/// An IPv4/IPv6 address, or an address and mask (name constraints) as CIDR.
fn ip_string(b: &[u8]) -> String {
    use std::net::{Ipv4Addr, Ipv6Addr};
    match b.len() {
        4 => Ipv4Addr::from(<[u8; 4]>::try_from(b).unwrap_or_default()).to_string(),
        16 => Ipv6Addr::from(<[u8; 16]>::try_from(b).unwrap_or_default()).to_string(),
        8 => format!(
            "{}/{}",
            ip_string(&b[..4]),
            prefix_len(&b[4..]).map_or_else(|| ip_string(&b[4..]), |p| p.to_string())
        ),
        32 => format!(
            "{}/{}",
            ip_string(&b[..16]),
            prefix_len(&b[16..]).map_or_else(|| ip_string(&b[16..]), |p| p.to_string())
        ),
        _ => format!("invalid ({})", hex(b)),
    }
}

/// The prefix length of a contiguous mask, `None` for a non-contiguous one.
fn prefix_len(mask: &[u8]) -> Option<u32> {
    let ones: u32 = mask.iter().map(|b| b.count_ones()).sum();
    let expected = (0..mask.len() * 8).map(|i| (i as u32) < ones);
    let actual = mask
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| b >> i & 1 == 1));
    actual.eq(expected).then_some(ones)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasicConstraintsInfo {
    pub critical: bool,
    pub ca: bool,
    pub path_len: Option<u32>,
}

/// An extension whose value is a list of words (key usage, EKU).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListExtension {
    pub critical: bool,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameConstraintsInfo {
    pub critical: bool,
    pub permitted: Vec<Name>,
    pub excluded: Vec<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessDescriptionInfo {
    /// `ocsp`, `ca_issuers` or the method OID.
    pub method: String,
    pub location: Name,
}

/// An extension that has no field of its own here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherExtension {
    pub oid: String,
    pub name: String,
    pub critical: bool,
}

/// The extensions of a certificate or a CSR (the subjectAltName is kept
/// apart, as `names`, because it is what people look for first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Extensions {
    pub basic_constraints: Option<BasicConstraintsInfo>,
    pub key_usage: Option<ListExtension>,
    pub extended_key_usage: Option<ListExtension>,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
    pub name_constraints: Option<NameConstraintsInfo>,
    pub crl_distribution_points: Vec<Name>,
    pub authority_info_access: Vec<AccessDescriptionInfo>,
    pub certificate_policies: Vec<String>,
    pub other: Vec<OtherExtension>,
}

/// The subjectAltName entries and the other extensions.
pub fn read_extensions(exts: &[X509Extension<'_>]) -> (Vec<Name>, Extensions) {
    let mut names = Vec::new();
    let mut out = Extensions::default();
    for ext in exts {
        let critical = ext.critical;
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(san) => {
                names.extend(san.general_names.iter().map(Name::from_general_name));
            }
            ParsedExtension::BasicConstraints(bc) => {
                out.basic_constraints = Some(BasicConstraintsInfo {
                    critical,
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                });
            }
            ParsedExtension::KeyUsage(ku) => {
                out.key_usage = Some(ListExtension {
                    critical,
                    values: key_usage_words(ku.flags),
                });
            }
            ParsedExtension::ExtendedKeyUsage(eku) => {
                out.extended_key_usage = Some(ListExtension {
                    critical,
                    values: eku_words(eku),
                });
            }
            ParsedExtension::SubjectKeyIdentifier(id) => out.subject_key_id = Some(hex(id.0)),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                out.authority_key_id = aki.key_identifier.as_ref().map(|id| hex(id.0));
            }
            ParsedExtension::NameConstraints(nc) => {
                let list = |subtrees: &Option<Vec<x509_parser::extensions::GeneralSubtree>>| {
                    subtrees
                        .iter()
                        .flatten()
                        .map(|s| Name::from_general_name(&s.base))
                        .collect()
                };
                out.name_constraints = Some(NameConstraintsInfo {
                    critical,
                    permitted: list(&nc.permitted_subtrees),
                    excluded: list(&nc.excluded_subtrees),
                });
            }
            ParsedExtension::CRLDistributionPoints(dps) => {
                for dp in dps.iter() {
                    if let Some(x509_parser::extensions::DistributionPointName::FullName(names)) =
                        &dp.distribution_point
                    {
                        out.crl_distribution_points
                            .extend(names.iter().map(Name::from_general_name));
                    }
                }
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                for ad in aia.iter() {
                    let method =
                        if ad.access_method == oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_OCSP {
                            "ocsp".to_string()
                        } else if ad.access_method
                            == oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                        {
                            "ca_issuers".to_string()
                        } else {
                            ad.access_method.to_id_string()
                        };
                    out.authority_info_access.push(AccessDescriptionInfo {
                        method,
                        location: Name::from_general_name(&ad.access_location),
                    });
                }
            }
            ParsedExtension::CertificatePolicies(policies) => {
                out.certificate_policies
                    .extend(policies.iter().map(|p| p.policy_id.to_id_string()));
            }
            _ => out.other.push(OtherExtension {
                oid: ext.oid.to_id_string(),
                name: oid_name(&ext.oid),
                critical,
            }),
        }
    }
    (names, out)
}

fn key_usage_words(flags: u16) -> Vec<String> {
    const WORDS: [&str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    WORDS
        .iter()
        .enumerate()
        .filter(|(i, _)| flags >> i & 1 == 1)
        .map(|(_, w)| w.to_string())
        .collect()
}

fn eku_words(eku: &x509_parser::extensions::ExtendedKeyUsage<'_>) -> Vec<String> {
    let known = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ];
    known
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, w)| w.to_string())
        .chain(eku.other.iter().map(|o| o.to_id_string()))
        .collect()
}

/// A signature algorithm by name (`ecdsa-with-SHA256`) or OID.
pub fn signature_algorithm(alg: &x509_parser::x509::AlgorithmIdentifier<'_>) -> String {
    // The OID registry of x509-parser predates ML-DSA (RFC 9881 2).
    match MlDsaLevel::from_oid(&alg.algorithm.to_id_string()) {
        Some(level) => level.name().to_string(),
        None => oid_name(&alg.algorithm),
    }
}

pub fn to_pem(label: &str, der: &[u8]) -> String {
    crate::pem_text::encode(label, der)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_constraints_print_as_cidr() {
        assert_eq!(ip_string(&[10, 0, 0, 0, 255, 0, 0, 0]), "10.0.0.0/8");
        assert_eq!(ip_string(&[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(
            ip_string(&[10, 0, 0, 0, 255, 0, 255, 0]),
            "10.0.0.0/255.0.255.0"
        );
    }

    #[test]
    fn serial_drops_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0x80, 0x01]), "8001");
        assert_eq!(serial_hex(&[0x00]), "00");
        // Two's complement: ff = -1, 80 = -128, ff 7f = -129.
        assert_eq!(serial_hex(&[0xff]), "-01");
        assert_eq!(serial_hex(&[0x80]), "-80");
        assert_eq!(serial_hex(&[0xff, 0x7f]), "-81");
        assert_eq!(serial_hex(&[0xf0, 0x00]), "-1000");
    }

    #[test]
    fn days_round_down() {
        let now = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(days_between(now, now + time::Duration::hours(47)), 1);
        assert_eq!(days_between(now, now - time::Duration::hours(1)), -1);
    }
}
