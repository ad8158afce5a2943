//! The certificate extensions the checks look at, copied out of x509-parser's parse.

use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::X509Certificate;

use crate::cert::GeneralName;
use crate::error::Reason;

/// An extension value with its criticality.
#[derive(Clone, Debug)]
pub(crate) struct Crit<T> {
    pub(crate) critical: bool,
    pub(crate) value: T,
}

#[derive(Clone, Debug)]
pub(crate) struct BasicConstraints {
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u32>,
}

#[derive(Clone, Debug)]
pub(crate) struct NameConstraints {
    pub(crate) permitted: Option<Vec<Subtree>>,
    pub(crate) excluded: Option<Vec<Subtree>>,
    /// The raw extension is not exactly subtrees of one base each (minimum/maximum present,
    /// wrong tags, trailing bytes): x509-parser skips over such details.
    pub(crate) irregular: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Subtree {
    pub(crate) base: GeneralName,
}

/// subjectAltName entries, inline for the usual one or two (no allocation for the list).
pub(crate) type SanList = smallvec::SmallVec<[GeneralName; 2]>;

/// A key identifier, inline (they are usually a 20-octet hash).
pub(crate) type KeyId = smallvec::SmallVec<[u8; 20]>;

/// extendedKeyUsage purposes, dotted: the usual ones are static strings, and few.
pub(crate) type Purposes = smallvec::SmallVec<[std::borrow::Cow<'static, str>; 2]>;

#[derive(Clone, Debug)]
pub(crate) struct AuthorityKeyId {
    pub(crate) key_id: Option<KeyId>,
    pub(crate) has_issuer: bool,
    pub(crate) has_serial: bool,
}

/// The extensions the checks look at.
#[derive(Clone, Debug, Default)]
pub(crate) struct Extensions {
    pub(crate) basic_constraints: Option<Crit<BasicConstraints>>,
    pub(crate) key_usage: Option<Crit<u16>>,
    pub(crate) eku: Option<Crit<Purposes>>,
    pub(crate) san: Option<Crit<SanList>>,
    pub(crate) ski: Option<Crit<KeyId>>,
    pub(crate) aki: Option<Crit<AuthorityKeyId>>,
    pub(crate) count: usize,
    /// What few certificates carry, boxed so that the usual certificate's record stays small
    /// (it is filled, moved and dropped on every verification): None when there is none of it.
    rare: Option<Box<RareExtensions>>,
}

/// The extensions and oddities most certificates do not have.
#[derive(Clone, Debug, Default)]
pub(crate) struct RareExtensions {
    pub(crate) name_constraints: Option<Crit<NameConstraints>>,
    pub(crate) policy_constraints_critical: Option<bool>,
    /// pkits: certificatePolicies, policyMappings, policyConstraints, inhibitAnyPolicy.
    pub(crate) policy: crate::policy::PolicyExtensions,
    /// pkits: cRLDistributionPoints, or None when absent.
    pub(crate) crl_distribution_points: Option<Vec<crate::revocation::DistributionPoint>>,
    pub(crate) aia_empty: bool,
    pub(crate) aia_critical: bool,
    /// None: no inhibitAnyPolicy; Some(critical).
    pub(crate) inhibit_any_policy_critical: Option<bool>,
    pub(crate) unknown_critical: Vec<String>,
    pub(crate) duplicate: Option<String>,
}

/// What a certificate without any of the rare extensions reads as.
static NO_RARE_EXTENSIONS: RareExtensions = RareExtensions {
    name_constraints: None,
    policy_constraints_critical: None,
    policy: crate::policy::PolicyExtensions {
        policies: None,
        mappings: Vec::new(),
        require_explicit: None,
        inhibit_mapping: None,
        inhibit_any: None,
    },
    crl_distribution_points: None,
    aia_empty: false,
    aia_critical: false,
    inhibit_any_policy_critical: None,
    unknown_critical: Vec::new(),
    duplicate: None,
};

impl Extensions {
    /// The rare extensions (all absent for most certificates).
    pub(crate) fn rare(&self) -> &RareExtensions {
        self.rare.as_deref().unwrap_or(&NO_RARE_EXTENSIONS)
    }

    /// The rare extensions, to record one: allocated on the first.
    fn rare_mut(&mut self) -> &mut RareExtensions {
        self.rare.get_or_insert_with(Default::default)
    }
}

/// Extensions we recognise without acting on them further (the policy extensions and
/// cRLDistributionPoints are taken by the `policy` and `revocation` modules first).
const RECOGNISED_UNPROCESSED: &[&str] = &[
    "2.5.29.32",         // certificatePolicies
    "2.5.29.33",         // policyMappings
    "2.5.29.36",         // policyConstraints
    "2.5.29.54",         // inhibitAnyPolicy
    "2.5.29.31",         // cRLDistributionPoints
    "2.5.29.18",         // issuerAltName
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

/// 2.5.29.31 cRLDistributionPoints.
const OID_CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1d, 0x1f];

pub(crate) fn parse_extensions(x: &X509Certificate<'_>) -> Result<Extensions, Reason> {
    let mut e = Extensions::default();
    let mut seen: Vec<&[u8]> = Vec::new();
    for ext in x.extensions() {
        let oid_bytes = ext.oid.as_bytes();
        let oid = || ext.oid.to_id_string();
        e.count += 1;
        if seen.contains(&oid_bytes) {
            e.rare_mut().duplicate.get_or_insert_with(oid);
        }
        seen.push(oid_bytes);
        let critical = ext.critical;
        let processed = matches!(
            ext.parsed_extension(),
            ParsedExtension::BasicConstraints(_)
                | ParsedExtension::KeyUsage(_)
                | ParsedExtension::ExtendedKeyUsage(_)
                | ParsedExtension::SubjectAlternativeName(_)
                | ParsedExtension::NameConstraints(_)
                | ParsedExtension::SubjectKeyIdentifier(_)
                | ParsedExtension::AuthorityKeyIdentifier(_)
                | ParsedExtension::PolicyConstraints(_)
                | ParsedExtension::AuthorityInfoAccess(_)
        );
        // x509-parser ignores bytes after an extension's value: we do not.
        if processed && !crate::der::is_single_element(ext.value) {
            return Err(Reason::Malformed(format!(
                "extension {}: bytes follow its value",
                crate::parse_error::extension_name(&oid())
            )));
        }
        match ext.parsed_extension() {
            // pkits: read with our own DER reader, whatever x509-parser made of it (0.18 loses
            // a nameRelativeToCRLIssuer).
            _ if oid_bytes == OID_CRL_DISTRIBUTION_POINTS => {
                e.rare_mut().crl_distribution_points = Some(
                    crate::revocation::DistributionPoint::from_der(ext.value)
                        .map_err(|m| Reason::Malformed(format!("cRLDistributionPoints: {m}")))?,
                );
            }
            ParsedExtension::ParseError { error } => {
                return Err(Reason::Malformed(format!(
                    "extension {}: {}",
                    crate::parse_error::extension_name(&oid()),
                    crate::parse_error::extension_error(error)
                )));
            }
            ParsedExtension::BasicConstraints(b) => {
                let value = BasicConstraints {
                    ca: b.ca,
                    path_len: b.path_len_constraint,
                };
                e.basic_constraints = Some(Crit { critical, value });
            }
            ParsedExtension::KeyUsage(k) => {
                e.key_usage = Some(Crit {
                    critical,
                    value: k.flags,
                });
            }
            ParsedExtension::ExtendedKeyUsage(k) => {
                let mut oids = Purposes::new();
                let known = [
                    (k.any, crate::options::OID_ANY_EKU),
                    (k.server_auth, crate::options::OID_SERVER_AUTH),
                    (k.client_auth, crate::options::OID_CLIENT_AUTH),
                    (k.code_signing, "1.3.6.1.5.5.7.3.3"),
                    (k.email_protection, "1.3.6.1.5.5.7.3.4"),
                    (k.time_stamping, "1.3.6.1.5.5.7.3.8"),
                    (k.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                ];
                oids.extend(
                    known
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, o)| std::borrow::Cow::Borrowed(*o)),
                );
                oids.extend(k.other.iter().map(|o| o.to_id_string().into()));
                e.eku = Some(Crit {
                    critical,
                    value: oids,
                });
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                let names = san
                    .general_names
                    .iter()
                    .map(GeneralName::from_x509)
                    .collect::<Result<SanList, _>>()
                    .map_err(|m| {
                        Reason::Malformed(format!("extension 2.5.29.17 (subjectAltName): {m}"))
                    })?;
                e.san = Some(Crit {
                    critical,
                    value: names,
                });
            }
            ParsedExtension::NameConstraints(nc) => {
                let conv = |v: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    v.as_ref()
                        .map(|v| {
                            v.iter()
                                .map(|s| {
                                    Ok(Subtree {
                                        base: GeneralName::from_x509(&s.base)?,
                                    })
                                })
                                .collect::<Result<Vec<_>, String>>()
                        })
                        .transpose()
                };
                let value = NameConstraints {
                    permitted: conv(&nc.permitted_subtrees).map_err(|m| {
                        Reason::Malformed(format!("extension 2.5.29.30 (nameConstraints): {m}"))
                    })?,
                    excluded: conv(&nc.excluded_subtrees).map_err(|m| {
                        Reason::Malformed(format!("extension 2.5.29.30 (nameConstraints): {m}"))
                    })?,
                    irregular: !crate::der::name_constraints_are_plain(ext.value),
                };
                e.rare_mut().name_constraints = Some(Crit { critical, value });
            }
            ParsedExtension::SubjectKeyIdentifier(k) => {
                e.ski = Some(Crit {
                    critical,
                    value: KeyId::from_slice(k.0),
                });
            }
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                let value = AuthorityKeyId {
                    key_id: a.key_identifier.as_ref().map(|k| KeyId::from_slice(k.0)),
                    has_issuer: a.authority_cert_issuer.is_some(),
                    has_serial: a.authority_cert_serial.is_some(),
                };
                e.aki = Some(Crit { critical, value });
            }
            ParsedExtension::PolicyConstraints(c) => {
                let rare = e.rare_mut();
                rare.policy_constraints_critical = Some(critical);
                rare.policy
                    .take(&ParsedExtension::PolicyConstraints(c.clone()));
            }
            // pkits: the policy module and the revocation module take their extensions.
            parsed if crate::policy::PolicyExtensions::handles(parsed) => {
                let rare = e.rare_mut();
                rare.policy.take(parsed);
                if let ParsedExtension::InhibitAnyPolicy(_) = parsed {
                    rare.inhibit_any_policy_critical = Some(critical);
                }
            }
            ParsedExtension::AuthorityInfoAccess(aia) => {
                // Both false by default: recorded only when one is true.
                if aia.accessdescs.is_empty() || critical {
                    let rare = e.rare_mut();
                    rare.aia_empty = aia.accessdescs.is_empty();
                    rare.aia_critical = critical;
                }
            }
            _ => {
                if critical && !RECOGNISED_UNPROCESSED.contains(&oid().as_str()) {
                    e.rare_mut().unknown_critical.push(oid());
                }
            }
        }
    }
    Ok(e)
}
