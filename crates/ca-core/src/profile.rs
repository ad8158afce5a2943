//! What each kind of certificate contains (docs/profiles.md explains why).
//!
//! | profile      | basicConstraints       | keyUsage (critical)                   | EKU        | default life |
//! |--------------|------------------------|----------------------------------------|------------|--------------|
//! | root         | CA, critical           | keyCertSign, cRLSign                   | -          | 10 years     |
//! | intermediate | CA, pathLen 0, critical| keyCertSign, cRLSign                   | -          | 5 years      |
//! | server leaf  | not CA, critical       | digitalSignature (+keyEncipherment RSA)| serverAuth | 397 days     |
//! | client leaf  | not CA, critical       | digitalSignature                       | clientAuth | 397 days     |
//!
//! Every certificate gets a subject key identifier and (but the root) an
//! authority key identifier; leaves always carry subjectAltName and a CN
//! equal to their first name.

use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyUsagePurpose, NameConstraints,
};

use crate::error::{Error, Result};
use crate::key::KeyType;
use crate::name::{self, SubjectName};
use crate::serial::Serial;
use crate::subject::{Subject, SubjectAttribute};
use crate::validity::{Validity, ValidityRequest};

/// Default lifetime of a root CA: 10 years.
pub const ROOT_DAYS: u32 = 3650;
/// Default lifetime of an intermediate CA: 5 years.
pub const INTERMEDIATE_DAYS: u32 = 1825;
/// Default (and advised maximum) lifetime of a leaf: 397 days, the limit
/// browsers enforce for publicly trusted certificates.
pub const LEAF_DAYS: u32 = 397;
/// RFC 5280's upper bound for a common name.
const CN_MAX_LEN: usize = 64;
/// The organisation written into the CA certificates we create.
pub const CA_ORGANIZATION: &str = "ca development CA";

/// The kinds of certificate ca-core issues; in the index and `--json`
/// output as `root`, `intermediate`, `server`, `client`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertProfile {
    Root,
    Intermediate,
    Server,
    Client,
}

impl CertProfile {
    /// How the index and `--json` output name the profile.
    pub fn as_str(self) -> &'static str {
        match self {
            CertProfile::Root => "root",
            CertProfile::Intermediate => "intermediate",
            CertProfile::Server => "server",
            CertProfile::Client => "client",
        }
    }

    pub fn default_days(self) -> u32 {
        match self {
            CertProfile::Root => ROOT_DAYS,
            CertProfile::Intermediate => INTERMEDIATE_DAYS,
            CertProfile::Server | CertProfile::Client => LEAF_DAYS,
        }
    }

    pub fn is_ca(self) -> bool {
        matches!(self, CertProfile::Root | CertProfile::Intermediate)
    }
}

/// Name constraints for a CA, as the CLI's `--permit-*`/`--exclude-*` flags
/// give them. DNS entries are domains (`example.test` covers it and every
/// name below it), IP entries are CIDR blocks (`10.0.0.0/8`) or single
/// addresses, e-mail entries are a mailbox, a host or `.domain`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NameConstraintsSpec {
    pub permit_dns: Vec<String>,
    pub exclude_dns: Vec<String>,
    pub permit_ip: Vec<String>,
    pub exclude_ip: Vec<String>,
    pub permit_email: Vec<String>,
    pub exclude_email: Vec<String>,
}

impl NameConstraintsSpec {
    pub fn is_empty(&self) -> bool {
        self.permit_dns.is_empty()
            && self.exclude_dns.is_empty()
            && self.permit_ip.is_empty()
            && self.exclude_ip.is_empty()
            && self.permit_email.is_empty()
            && self.exclude_email.is_empty()
    }

    /// The rcgen extension, or `None` when there are no constraints.
    pub fn to_rcgen(&self) -> Result<Option<NameConstraints>> {
        if self.is_empty() {
            return Ok(None);
        }
        let subtrees = |dns: &[String], ip: &[String], email: &[String]| -> Result<Vec<_>> {
            let mut out = Vec::new();
            for d in dns {
                out.push(GeneralSubtree::DnsName(dns_constraint(d)?));
            }
            for i in ip {
                out.push(GeneralSubtree::IpAddress(ip_constraint(i)?));
            }
            for e in email {
                out.push(GeneralSubtree::Rfc822Name(email_constraint(e)?));
            }
            Ok(out)
        };
        Ok(Some(NameConstraints {
            permitted_subtrees: subtrees(&self.permit_dns, &self.permit_ip, &self.permit_email)?,
            excluded_subtrees: subtrees(&self.exclude_dns, &self.exclude_ip, &self.exclude_email)?,
        }))
    }
}

impl NameConstraintsSpec {
    /// The DNS, IP and e-mail constraints of a certificate (other kinds,
    /// such as directory names, are left out), as the flags would give them.
    pub fn from_certificate(cert: &crate::cert::CertDer) -> Self {
        use x509_parser::extensions::{GeneralName, GeneralSubtree};
        let mut spec = NameConstraintsSpec::default();
        let parsed = cert.parsed();
        let Ok(Some(nc)) = parsed.name_constraints() else {
            return spec;
        };
        let mut add = |subtrees: &Option<Vec<GeneralSubtree<'_>>>, permit: bool| {
            for subtree in subtrees.iter().flatten() {
                let (list, text) = match &subtree.base {
                    GeneralName::DNSName(d) => (
                        if permit {
                            &mut spec.permit_dns
                        } else {
                            &mut spec.exclude_dns
                        },
                        d.to_string(),
                    ),
                    GeneralName::RFC822Name(e) => (
                        if permit {
                            &mut spec.permit_email
                        } else {
                            &mut spec.exclude_email
                        },
                        e.to_string(),
                    ),
                    GeneralName::IPAddress(bytes) => match cidr_text(bytes) {
                        Some(cidr) => (
                            if permit {
                                &mut spec.permit_ip
                            } else {
                                &mut spec.exclude_ip
                            },
                            cidr,
                        ),
                        None => continue,
                    },
                    _ => continue,
                };
                list.push(text);
            }
        };
        add(&nc.value.permitted_subtrees, true);
        add(&nc.value.excluded_subtrees, false);
        spec
    }
}

/// `addr/prefix` for an iPAddress subtree (address then mask).
fn cidr_text(bytes: &[u8]) -> Option<String> {
    let (addr, mask) = bytes.split_at(bytes.len() / 2);
    let addr: IpAddr = match addr.len() {
        4 => <[u8; 4]>::try_from(addr).ok()?.into(),
        16 => <[u8; 16]>::try_from(addr).ok()?.into(),
        _ => return None,
    };
    let prefix: u32 = mask.iter().map(|b| b.leading_ones()).sum();
    Some(format!("{addr}/{prefix}"))
}

fn dns_constraint(input: &str) -> Result<String> {
    let (dot, rest) = match input.strip_prefix('.') {
        Some(rest) => (".", rest),
        None => ("", input),
    };
    let domain = name::dns_name(rest, false)
        .map_err(|why| Error::Name(format!("'{input}' is not a DNS name constraint: {why}")))?;
    Ok(format!("{dot}{domain}"))
}

fn ip_constraint(input: &str) -> Result<CidrSubnet> {
    let bad = |why: &str| {
        Error::Name(format!(
            "'{input}' is not an IP constraint: {why}; write a CIDR block like 10.0.0.0/8 or fd00::/8"
        ))
    };
    let (addr, prefix) = match input.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (input, None),
    };
    let addr: IpAddr = addr.trim().parse().map_err(|_| bad("bad address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix {
        Some(p) => p
            .trim()
            .parse::<u8>()
            .map_err(|_| bad("bad prefix length"))?,
        None => max,
    };
    if prefix > max {
        return Err(bad("prefix length too long"));
    }
    Ok(CidrSubnet::from_addr_prefix(addr, prefix))
}

fn email_constraint(input: &str) -> Result<String> {
    let bad = |why: String| Error::Name(format!("'{input}' is not an e-mail constraint: {why}"));
    if let Some((local, domain)) = input.rsplit_once('@') {
        if local.is_empty() || !local.is_ascii() {
            return Err(bad("the part before '@' must be ASCII and not empty".into()));
        }
        let domain = name::dns_name(domain, false).map_err(|e| bad(e.into()))?;
        return Ok(format!("{local}@{domain}"));
    }
    dns_constraint(input).map_err(|_| bad("expected a mailbox, a host or .domain".into()))
}

/// Subject and settings of a CA certificate to create.
#[derive(Debug, Clone, Default)]
pub struct CaOptions {
    /// Subject CN; a default naming the CA is used when `None`.
    pub common_name: Option<String>,
    /// More subject attributes (O, OU, C, ...); an O given here replaces
    /// the default organisation.
    pub subject: Subject,
    pub key_type: KeyType,
    pub validity: ValidityRequest,
    /// pathLenConstraint. Intermediates default to 0 (they may only
    /// issue leaves); roots default to none.
    pub path_len: Option<u8>,
    pub name_constraints: NameConstraintsSpec,
    /// Refuse, rather than warn about, Web PKI rules the certificate breaks.
    pub strict_webpki: bool,
}

/// What a leaf is for: the one server/client type of ca-core (the CLI's
/// `--client`, the apply file's `kind`, the profile in the index).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum LeafKind {
    /// extendedKeyUsage serverAuth.
    #[default]
    Server,
    /// extendedKeyUsage clientAuth.
    Client,
}

impl LeafKind {
    pub fn as_str(self) -> &'static str {
        self.profile().as_str()
    }

    pub fn profile(self) -> CertProfile {
        match self {
            LeafKind::Server => CertProfile::Server,
            LeafKind::Client => CertProfile::Client,
        }
    }
}

/// A leaf certificate to create.
#[derive(Debug, Clone, Default)]
pub struct LeafOptions {
    /// subjectAltName entries; the first one is also the subject CN.
    pub names: Vec<SubjectName>,
    pub kind: LeafKind,
    pub key_type: KeyType,
    pub validity: ValidityRequest,
    /// Subject attributes before the CN (O, OU, C, ...); none by default.
    pub subject: Subject,
    /// Refuse, rather than warn about, Web PKI rules the certificate breaks.
    pub strict_webpki: bool,
    /// URLs where the issuer's CRL is published: one cRLDistributionPoints
    /// entry with these fullName URIs (RFC 5280 §4.2.1.13); none by default.
    pub crl_distribution_points: Vec<String>,
}

impl LeafOptions {
    /// A server leaf for these names with the default key type and life.
    pub fn server<S: AsRef<str>>(names: &[S]) -> Result<Self> {
        Ok(LeafOptions {
            names: name::parse_names(names)?,
            ..Default::default()
        })
    }

    /// A client leaf for these names with the default key type and life.
    pub fn client<S: AsRef<str>>(names: &[S]) -> Result<Self> {
        Ok(LeafOptions {
            kind: LeafKind::Client,
            ..Self::server(names)?
        })
    }

    pub fn profile(&self) -> CertProfile {
        self.kind.profile()
    }
}

/// The rcgen parameters of a CA certificate.
pub(crate) fn ca_params(
    profile: CertProfile,
    options: &CaOptions,
    default_cn: &str,
    validity: Validity,
    serial: &Serial,
    subject_key: &[u8],
) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    let cn = options.common_name.as_deref().unwrap_or(default_cn);
    if cn.is_empty() || cn.len() > CN_MAX_LEN {
        return Err(Error::Profile(format!(
            "the CA's common name must be 1 to {CN_MAX_LEN} characters long"
        )));
    }
    let mut dn = DistinguishedName::new();
    if !options.subject.has(SubjectAttribute::Organization) {
        dn.push(DnType::OrganizationName, CA_ORGANIZATION);
    }
    options.subject.push_to(&mut dn);
    dn.push(DnType::CommonName, cn);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(match (profile, options.path_len) {
        (_, Some(n)) => BasicConstraints::Constrained(n),
        (CertProfile::Intermediate, None) => BasicConstraints::Constrained(0),
        _ => BasicConstraints::Unconstrained,
    });
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = options.name_constraints.to_rcgen()?;
    // A self-signed root needs no AKI (RFC 5280 4.2.1.1).
    params.use_authority_key_identifier_extension = profile != CertProfile::Root;
    set_common(&mut params, validity, serial, subject_key);
    Ok(params)
}

/// The rcgen parameters of a leaf certificate.
pub(crate) fn leaf_params(
    options: &LeafOptions,
    key_type: KeyType,
    validity: Validity,
    serial: &Serial,
    subject_key: &[u8],
) -> Result<CertificateParams> {
    let first = options.names.first().ok_or_else(|| {
        Error::Name(
            "a certificate needs at least one name (a DNS name, IP address, e-mail address or URI)"
                .into(),
        )
    })?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    options.subject.push_to(&mut dn);
    let cn = first.to_string();
    // A longer CN is not allowed; the SAN (then critical) still names it.
    if cn.len() <= CN_MAX_LEN {
        dn.push(DnType::CommonName, cn);
    }
    params.distinguished_name = dn;
    params.subject_alt_names = options
        .names
        .iter()
        .map(SubjectName::to_san)
        .collect::<Result<_>>()?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if key_type.is_rsa() && options.kind == LeafKind::Server {
        // TLS 1.2's RSA key exchange encrypts to the server key.
        params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
    }
    params.extended_key_usages = vec![if options.kind == LeafKind::Client {
        ExtendedKeyUsagePurpose::ClientAuth
    } else {
        ExtendedKeyUsagePurpose::ServerAuth
    }];
    params.use_authority_key_identifier_extension = true;
    if !options.crl_distribution_points.is_empty() {
        params.crl_distribution_points = vec![rcgen::CrlDistributionPoint {
            uris: options.crl_distribution_points.clone(),
        }];
    }
    set_common(&mut params, validity, serial, subject_key);
    Ok(params)
}

fn set_common(
    params: &mut CertificateParams,
    validity: Validity,
    serial: &Serial,
    subject_key: &[u8],
) {
    params.not_before = validity.not_before;
    params.not_after = validity.not_after;
    params.serial_number = Some(serial.to_rcgen());
    params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(key_identifier(subject_key));
}

/// The key identifier of a public key (the subjectPublicKey bits): the
/// leftmost 160 bits of their SHA-256, RFC 7093 section 2 method 1, which
/// linters recognise (rcgen's own method hashes the whole SPKI).
pub fn key_identifier(public_key: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, public_key).as_ref()[..20].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_parse() {
        let spec = NameConstraintsSpec {
            permit_dns: vec!["Example.TEST".into(), ".sub.test".into()],
            exclude_ip: vec!["10.0.0.0/8".into(), "fd00::1".into()],
            permit_email: vec!["example.test".into(), "a@b.test".into()],
            ..Default::default()
        };
        let nc = spec.to_rcgen().unwrap().unwrap();
        assert_eq!(nc.permitted_subtrees.len(), 4);
        assert_eq!(nc.excluded_subtrees.len(), 2);
        assert!(
            matches!(&nc.permitted_subtrees[0], GeneralSubtree::DnsName(d) if d == "example.test")
        );
        assert!(
            matches!(&nc.permitted_subtrees[1], GeneralSubtree::DnsName(d) if d == ".sub.test")
        );
        assert!(NameConstraintsSpec::default().to_rcgen().unwrap().is_none());
    }

    #[test]
    fn bad_constraints_are_refused() {
        for spec in [
            NameConstraintsSpec {
                permit_ip: vec!["10.0.0.0/33".into()],
                ..Default::default()
            },
            NameConstraintsSpec {
                permit_ip: vec!["example.test".into()],
                ..Default::default()
            },
            NameConstraintsSpec {
                exclude_dns: vec!["*.example.test".into()],
                ..Default::default()
            },
        ] {
            assert!(spec.to_rcgen().is_err(), "{spec:?}");
        }
    }
}
