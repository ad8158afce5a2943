//! Names: matching the expected identity against the leaf, and name constraints.

pub(crate) mod constraints;
pub(crate) mod dn;
pub(crate) mod dns;
pub(crate) mod email;
pub(crate) mod ip;
pub(crate) mod uri;

use crate::cert::{Certificate, GeneralName, OID_CN};
use crate::error::Reason;
use crate::options::{ExpectedName, Profile};
use crate::rules::RuleId;

/// Checks that the leaf's subjectAltName holds the expected name. The subject CN never counts.
pub(crate) fn verify_expected_name(
    leaf: &Certificate,
    expected: &ExpectedName,
) -> Result<(), Reason> {
    let sans: &[GeneralName] = leaf.ext.san.as_ref().map_or(&[], |s| &s.value[..]);
    let found = match expected {
        ExpectedName::Dns(host) => {
            let host = host.strip_suffix('.').unwrap_or(host);
            if !dns::is_valid_host(host) {
                return Err(Reason::InvalidExpectedName(host.to_string()));
            }
            sans.iter()
                .any(|n| matches!(n, GeneralName::Dns(p) if dns::matches(p, host)))
        }
        ExpectedName::Ip(ip) => {
            let want = ip::ip_octets(ip);
            sans.iter()
                .any(|n| matches!(n, GeneralName::Ip(b) if *b == want))
        }
        ExpectedName::Email(addr) => {
            if email::split_mailbox(addr).is_none() {
                return Err(Reason::InvalidExpectedName(addr.clone()));
            }
            sans.iter()
                .any(|n| matches!(n, GeneralName::Email(p) if email::matches(p, addr)))
        }
    };
    if found {
        return Ok(());
    }
    let presented = if leaf.ext.san.is_none() {
        "no subjectAltName extension".to_string()
    } else {
        sans.iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Reason::NameMismatch {
        expected: expected.to_string(),
        presented,
    })
}

/// CA/Browser Forum 7.1.4.3 as a relying party can hold it (`subject.cn-exact-copy`): a subject
/// CN that names a subjectAltName entry (the same DNS name up to letter case, the same address
/// in another notation) must be a character-for-character copy of it: the dNSName itself, or
/// the canonical text of the address (RFC 3986 dotted decimal for IPv4, RFC 5952 for IPv6).
/// A CN unrelated to every SAN entry is left to issuance (`subject.cn-copies-san`): Web PKI
/// clients never match names against the CN, and accept such certificates.
pub(crate) fn check_cn_exact_copy(leaf: &Certificate) -> Result<(), Reason> {
    cn_against_san(leaf, RuleId::CnExactCopy, false)
}

/// CA/Browser Forum 7.1.4.3 and 7.1.2.7.2 in full, for issuance (`subject.cn-copies-san`): at
/// most one commonName, and it copies a subjectAltName entry.
pub fn check_cn_copies_san(leaf: &Certificate) -> Result<(), Reason> {
    cn_against_san(leaf, RuleId::CnCopiesSan, true)
}

fn cn_against_san(leaf: &Certificate, rule: RuleId, full_stop: bool) -> Result<(), Reason> {
    let sans: &[GeneralName] = leaf.ext.san.as_ref().map_or(&[], |s| &s.value[..]);
    if full_stop {
        let cn_count = leaf.subject.values_of(OID_CN).count();
        if cn_count > 1 {
            return Err(Reason::Subject {
                rule,
                detail: format!("the subject has {cn_count} commonName attributes"),
            });
        }
    }
    for cn in leaf.subject.values_of(OID_CN) {
        // UTF8String, PrintableString, IA5String and TeletexString hold the text as bytes; a
        // BMPString (30) or UniversalString (28) never equals an ASCII SAN entry byte for byte.
        let text = match std::str::from_utf8(cn.value) {
            Ok(t) if cn.tag != 30 && cn.tag != 28 && t.is_ascii() => t,
            _ => {
                return Err(Reason::Subject {
                    rule,
                    detail:
                        "the subject CN is not ASCII text, so it copies no subjectAltName entry"
                            .into(),
                })
            }
        };
        let copies = sans.iter().any(|n| match n {
            GeneralName::Dns(d) => d == text,
            GeneralName::Ip(b) => ip::ip_from_bytes(b).is_some_and(|a| a.to_string() == text),
            _ => false,
        });
        if copies {
            continue;
        }
        let readings = ip::parse_lenient(text);
        let near = sans.iter().find(|n| match n {
            GeneralName::Dns(d) => d.eq_ignore_ascii_case(text),
            GeneralName::Ip(b) => ip::ip_from_bytes(b).is_some_and(|a| readings.contains(&a)),
            _ => false,
        });
        let detail = match near {
            Some(san) => {
                format!("subject CN {text:?} is not a character-for-character copy of {san}")
            }
            None if full_stop => format!("subject CN {text:?} is in no subjectAltName entry"),
            None => continue,
        };
        return Err(Reason::Subject { rule, detail });
    }
    Ok(())
}

/// subjectAltName entries of any certificate: iPAddress entries of 4 or 16 octets
/// (`san.ip-address-length`), dNSName entries in preferred name syntax (`san.dns-syntax`).
pub(crate) fn check_san_syntax(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    let Some(san) = &cert.ext.san else {
        return Ok(());
    };
    for n in &san.value {
        match n {
            GeneralName::Ip(b) if b.len() != 4 && b.len() != 16 => {
                return Err(Reason::Syntax {
                    rule: RuleId::SanIpLength,
                    detail: format!("iPAddress of {} octets", b.len()),
                });
            }
            GeneralName::Dns(d) if RuleId::SanDnsSyntax.applies(p) => {
                if let Err(why) = dns::presented_syntax(d) {
                    return Err(Reason::SubjectAltName {
                        rule: RuleId::SanDnsSyntax,
                        detail: format!("dNSName {d:?} {why}"),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The subscriber-certificate rules of the CA/B Forum on subjectAltName: present
/// (`san.required`), critical exactly when the subject is empty
/// (`san.critical-iff-empty-subject`), no wildcard over a public suffix
/// (`san.wildcard-public-suffix`).
pub(crate) fn check_leaf_san(cert: &Certificate, p: Profile) -> Result<(), Reason> {
    let Some(san) = &cert.ext.san else {
        if RuleId::SanRequired.applies(p) {
            return Err(Reason::SubjectAltName {
                rule: RuleId::SanRequired,
                detail: "no subjectAltName extension".into(),
            });
        }
        return Ok(());
    };
    if RuleId::SanCriticalIffEmptySubject.applies(p) && san.critical != cert.subject.is_empty() {
        return Err(Reason::Criticality {
            rule: RuleId::SanCriticalIffEmptySubject,
            extension: "subjectAltName",
            critical: san.critical,
        });
    }
    if RuleId::SanWildcardPublicSuffix.applies(p) {
        for n in &san.value {
            if let GeneralName::Dns(d) = n {
                if dns::wildcard_over_public_suffix(d) {
                    return Err(Reason::SubjectAltName {
                        rule: RuleId::SanWildcardPublicSuffix,
                        detail: format!("dNSName {d:?} is a wildcard over a public suffix"),
                    });
                }
            }
        }
    }
    Ok(())
}
