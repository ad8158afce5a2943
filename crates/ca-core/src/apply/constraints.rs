//! Whether a leaf's name is inside a CA's name constraints (RFC 5280
//! 4.2.1.10), checked on the file before anything is issued, so that
//! `ca apply` never makes a certificate that verifiers would reject.
//!
//! DNS: `example.test` covers itself and every name below it (a leading
//! period has no meaning in a dNSName constraint, RFC 5280 4.2.1.10, and such
//! a CA is refused when it is issued). IP: CIDR blocks. E-mail: a
//! mailbox, every mailbox at a host, or (`.domain`) at hosts below a
//! domain. A kind of name with no permitted subtree is unrestricted; a name
//! in any excluded subtree is refused.

use std::net::IpAddr;

use crate::name::SubjectName;
use crate::profile::NameConstraintsSpec;

/// Why `name` is outside `spec`, or `None` when it is inside.
pub fn outside(name: &SubjectName, spec: &NameConstraintsSpec) -> Option<String> {
    match name {
        SubjectName::Dns(dns) => judge(name, &spec.permit_dns, &spec.exclude_dns, |c| {
            dns_in(dns, c)
        }),
        SubjectName::Ip(ip) => judge(name, &spec.permit_ip, &spec.exclude_ip, |c| ip_in(*ip, c)),
        SubjectName::Email(mail) => judge(name, &spec.permit_email, &spec.exclude_email, |c| {
            email_in(mail, c)
        }),
        SubjectName::Uri(_) => None,
    }
}

fn judge(
    name: &SubjectName,
    permitted: &[String],
    excluded: &[String],
    matches: impl Fn(&str) -> bool,
) -> Option<String> {
    if let Some(c) = excluded.iter().find(|c| matches(c)) {
        return Some(format!("'{name}' is in the excluded subtree '{c}'"));
    }
    if !permitted.is_empty() && !permitted.iter().any(|c| matches(c)) {
        return Some(format!(
            "'{name}' is outside the permitted subtrees ({})",
            permitted.join(", ")
        ));
    }
    None
}

// The matching itself is the verifier's (ca_verify::names), so that the file is judged as
// `ca verify` will judge the certificates.

fn dns_in(name: &str, constraint: &str) -> bool {
    ca_verify::names::dns_within(name, constraint.trim_end_matches('.'))
}

fn ip_in(ip: IpAddr, constraint: &str) -> bool {
    let (addr, prefix) = match constraint.split_once('/') {
        Some((a, p)) => (a, p.trim().parse::<u8>().ok()),
        None => (constraint, None),
    };
    let Ok(net) = addr.trim().parse::<IpAddr>() else {
        return false;
    };
    let bits = if net.is_ipv4() { 32 } else { 128 };
    ca_verify::names::ip_within(ip, net, prefix.unwrap_or(bits))
}

fn email_in(mail: &str, constraint: &str) -> bool {
    ca_verify::names::email_within(mail, constraint)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(permit_dns: &[&str], exclude_ip: &[&str]) -> NameConstraintsSpec {
        NameConstraintsSpec {
            permit_dns: permit_dns.iter().map(|s| s.to_string()).collect(),
            exclude_ip: exclude_ip.iter().map(|s| s.to_string()).collect(),
            permit_email: vec![".example.test".into()],
            ..Default::default()
        }
    }

    fn name(s: &str) -> SubjectName {
        SubjectName::parse(s).unwrap()
    }

    #[test]
    fn dns_subtrees() {
        let s = spec(&["example.test"], &[]);
        for inside in ["example.test", "www.example.test", "*.example.test"] {
            assert_eq!(outside(&name(inside), &s), None, "{inside}");
        }
        for out in ["badexample.test", "example.org", "test"] {
            assert!(outside(&name(out), &s).is_some(), "{out}");
        }
    }

    #[test]
    fn ip_and_email_subtrees() {
        let s = spec(&[], &["10.0.0.0/8", "fd00::/8"]);
        assert!(outside(&name("10.1.2.3"), &s).is_some());
        assert!(outside(&name("fd12::1"), &s).is_some());
        assert_eq!(outside(&name("192.0.2.1"), &s), None);
        assert_eq!(outside(&name("alice@mail.example.test"), &s), None);
        assert!(outside(&name("alice@example.org"), &s).is_some());
        // No URI constraints exist: URIs are unrestricted.
        assert_eq!(outside(&name("spiffe://x/y"), &s), None);
    }
}
