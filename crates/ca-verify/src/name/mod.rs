//! Names: matching the expected identity against the leaf, and name constraints.

pub(crate) mod constraints;
pub(crate) mod dn;
pub(crate) mod dns;
pub(crate) mod email;
pub(crate) mod ip;
pub(crate) mod uri;

use crate::cert::{Certificate, GeneralName, OID_CN};
use crate::error::Reason;
use crate::options::ExpectedName;

/// Checks that the leaf's subjectAltName holds the expected name. The subject CN never counts.
pub(crate) fn verify_expected_name(
    leaf: &Certificate,
    expected: &ExpectedName,
) -> Result<(), Reason> {
    let sans: &[GeneralName] = leaf.ext.san.as_ref().map_or(&[], |s| &s.value);
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

/// CA/Browser Forum 7.1.4.3: a subject CN that stands for a subjectAltName entry must be a
/// character-for-character copy of it: a CN equal to a dNSName but for letter case, or naming
/// the same address as an iPAddress in other than the canonical text (RFC 3986 for IPv4, RFC 5952
/// for IPv6), is refused. A CN unrelated to every SAN entry is left alone (no name is ever
/// matched against it).
pub(crate) fn check_cn_copies_san(leaf: &Certificate) -> Result<(), Reason> {
    let sans: &[GeneralName] = leaf.ext.san.as_ref().map_or(&[], |s| &s.value);
    for cn in leaf.subject.values_of(OID_CN) {
        let text = match std::str::from_utf8(&cn.value) {
            Ok(t) if t.is_ascii() => t,
            _ => {
                return Err(Reason::Profile(
                    "subject CN is not ASCII, so it cannot copy a subjectAltName entry (CA/B BR 7.1.4.3)"
                        .into(),
                ))
            }
        };
        let readings = ip::parse_lenient(text);
        let mismatch = sans.iter().find(|n| match n {
            GeneralName::Dns(d) => d.eq_ignore_ascii_case(text) && d != text,
            GeneralName::Ip(b) => {
                ip::ip_from_bytes(b).is_some_and(|a| readings.contains(&a) && a.to_string() != text)
            }
            _ => false,
        });
        if let Some(san) = mismatch {
            return Err(Reason::Profile(format!(
                "subject CN {text:?} is not a character-for-character copy of {san} (CA/B BR 7.1.4.3)"
            )));
        }
    }
    Ok(())
}

/// Rejects subjectAltName entries of DNS or IP form that are not names at all (CIDR ranges in
/// an iPAddress, IP addresses written as dNSName).
pub(crate) fn check_san_syntax(cert: &Certificate) -> Result<(), Reason> {
    let Some(san) = &cert.ext.san else {
        return Ok(());
    };
    if san.value.is_empty() {
        return Err(Reason::InvalidSubjectAltName(
            "subjectAltName is empty".into(),
        ));
    }
    for n in &san.value {
        match n {
            GeneralName::Ip(b) if b.len() != 4 && b.len() != 16 => {
                return Err(Reason::InvalidSubjectAltName(format!(
                    "iPAddress of {} octets (an address has 4 or 16)",
                    b.len()
                )));
            }
            GeneralName::Dns(d) if d.parse::<std::net::IpAddr>().is_ok() => {
                return Err(Reason::InvalidSubjectAltName(format!(
                    "dNSName {d:?} is an IP address (use iPAddress)"
                )));
            }
            _ => {}
        }
    }
    Ok(())
}
