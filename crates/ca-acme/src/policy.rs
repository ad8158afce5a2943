//! What the operator allows, as data: which identifiers may be ordered
//! (`--allow-dns`, `--allow-ip`), the terms of service (`--tos`), the
//! External Account Binding keys (`--eab`), per-account rate limits
//! (`--rate-limit`) and the Retry-After hint. The checks are small
//! functions over it; the protocol code asks them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use ca_core::SubjectName;

use crate::problem::{AcmeResult, Problem, ProblemType};
use crate::resources::Identifier;

/// An address range, `ADDR/PREFIX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `192.0.2.0/24`, `2001:db8::/32`, or a bare address (all its bits).
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{addr:?} is not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("the prefix {p:?} is not a number from 0 to {max}"))?,
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        fn bits(ip: IpAddr) -> (u128, u8) {
            match ip {
                IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
                IpAddr::V6(v6) => (u128::from(v6), 128),
            }
        }
        let ((net, width), (host, host_width)) = (bits(self.addr), bits(ip));
        if width != host_width {
            return false;
        }
        let shift = u32::from(width - self.prefix);
        // A /0 covers everything of its family (a shift by 128 would overflow).
        shift >= u32::from(width) || (net >> shift) == (host >> shift)
    }
}

/// A number of requests per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub count: u32,
    pub per: Duration,
}

impl RateLimit {
    /// `N/min`, `N/s`, `N/h`.
    pub fn parse(text: &str) -> Result<RateLimit, String> {
        let (n, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("{text:?}: expected N/min (or N/s, N/h)"))?;
        let count = n
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{text:?}: {n:?} is not a positive number"))?;
        let per = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "m" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("{text:?}: unknown unit {other:?} (s, min, h)")),
        };
        Ok(RateLimit { count, per })
    }
}

/// The operator's policy. The default allows what the issuing CA allows,
/// needs no terms and no EAB, and has no rate limit.
#[derive(Debug, Clone)]
pub struct Policy {
    /// DNS suffixes that may be ordered (`example.test` covers itself and
    /// every name under it); empty: any.
    pub allow_dns: Vec<String>,
    /// Address ranges IP identifiers may come from; empty: any.
    pub allow_ip: Vec<Cidr>,
    /// The terms-of-service URL: new accounts must agree (RFC 8555 §7.3.3).
    pub terms_of_service: Option<String>,
    /// External Account Binding: key id -> HMAC key (RFC 8555 §7.3.4). Not
    /// empty: newAccount needs a binding.
    pub eab_keys: HashMap<String, Vec<u8>>,
    /// New orders per account (counted in the database: replicas share it).
    pub rate_limit: Option<RateLimit>,
    /// What Retry-After says on pending orders and authorizations and on
    /// processing challenges (RFC 8555 §7.4, §8.2).
    pub retry_after: Duration,
    /// The longest validity an order may ask for with notBefore/notAfter.
    pub max_validity: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            allow_dns: Vec::new(),
            allow_ip: Vec::new(),
            terms_of_service: None,
            eab_keys: HashMap::new(),
            rate_limit: None,
            retry_after: Duration::from_secs(1),
            max_validity: Duration::from_secs(397 * 24 * 3600),
        }
    }
}

/// Which challenges prove control of an identifier: a wildcard only by
/// dns-01 (RFC 8555 §7.1.3, §8.4); an IP address by http-01 or
/// tls-alpn-01, never dns-01 (RFC 8738 §7).
pub fn challenge_types(identifier: &Identifier, wildcard: bool) -> &'static [&'static str] {
    match (identifier.kind.as_str(), wildcard) {
        ("ip", _) => &["http-01", "tls-alpn-01"],
        (_, true) => &["dns-01"],
        _ => &["http-01", "dns-01", "tls-alpn-01"],
    }
}

/// An order's identifier made canonical, with the name it puts in the
/// certificate. DNS names: A-labels, lower case, `*.` only as the whole
/// first label. IPs: RFC 8738 §3 text, rewritten canonically (RFC 5952).
pub fn canonical_identifier(id: &Identifier) -> AcmeResult<(Identifier, SubjectName)> {
    let rejected = |detail: String| Problem::new(ProblemType::RejectedIdentifier, detail);
    match id.kind.as_str() {
        "dns" => {
            let value = id.value.to_ascii_lowercase();
            let base = value.strip_prefix("*.").unwrap_or(&value);
            if base.contains('*') {
                return Err(rejected(format!(
                    "{:?}: a wildcard is only `*.` followed by a name (RFC 8555 §7.1.3)",
                    id.value
                )));
            }
            match SubjectName::parse(&value) {
                Ok(SubjectName::Dns(name)) if name == value => Ok((
                    Identifier {
                        kind: "dns".into(),
                        value,
                    },
                    SubjectName::Dns(name),
                )),
                Ok(_) => Err(rejected(format!(
                    "{:?} is not a DNS name in A-label form (use type \"ip\" for addresses)",
                    id.value
                ))),
                Err(e) => Err(rejected(format!("{:?}: {e}", id.value))),
            }
        }
        "ip" => {
            let ip: IpAddr = id.value.parse().map_err(|_| {
                rejected(format!(
                    "{:?} is not an IP address in RFC 8738 §3 text form",
                    id.value
                ))
            })?;
            Ok((
                Identifier {
                    kind: "ip".into(),
                    value: ip.to_string(),
                },
                SubjectName::Ip(ip),
            ))
        }
        other => Err(Problem::new(
            ProblemType::UnsupportedIdentifier,
            format!("identifier type {other:?} is not supported (dns, ip)"),
        )),
    }
}

impl Policy {
    /// `--allow-dns` / `--allow-ip`: anything outside is rejectedIdentifier
    /// (RFC 8555 §7.4: "the server MUST return an error of type
    /// rejectedIdentifier" for identifiers it will not issue for).
    pub fn check_allowed(&self, id: &Identifier) -> AcmeResult<()> {
        match id.kind.as_str() {
            "dns" if !self.allow_dns.is_empty() => {
                let base = id.value.strip_prefix("*.").unwrap_or(&id.value);
                let ok = self.allow_dns.iter().any(|suffix| {
                    base == suffix
                        || base
                            .strip_suffix(suffix.as_str())
                            .is_some_and(|head| head.ends_with('.'))
                });
                if !ok {
                    return Err(Problem::new(
                        ProblemType::RejectedIdentifier,
                        format!(
                            "{} is outside the names this server issues for ({})",
                            id.value,
                            self.allow_dns.join(", ")
                        ),
                    ));
                }
            }
            "ip" if !self.allow_ip.is_empty() => {
                let ip: IpAddr = id
                    .value
                    .parse()
                    .map_err(|_| Problem::malformed("not an IP address"))?;
                if !self.allow_ip.iter().any(|c| c.contains(ip)) {
                    let ranges: Vec<String> = self
                        .allow_ip
                        .iter()
                        .map(|c| format!("{}/{}", c.addr, c.prefix))
                        .collect();
                    return Err(Problem::new(
                        ProblemType::RejectedIdentifier,
                        format!(
                            "{ip} is outside the address ranges this server issues for ({})",
                            ranges.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dns(v: &str) -> Identifier {
        Identifier {
            kind: "dns".into(),
            value: v.into(),
        }
    }

    #[test]
    fn cidr_ranges_contain_their_addresses_only() {
        let net = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::ffff:10.1.0.1".parse().unwrap()));
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("2001:db8::1".parse().unwrap()));
        assert!(Cidr::parse("127.0.0.1")
            .unwrap()
            .contains("127.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("ten/8").is_err());
    }

    #[test]
    fn dns_suffixes_match_on_label_boundaries() {
        let policy = Policy {
            allow_dns: vec!["example.test".into()],
            ..Policy::default()
        };
        assert!(policy.check_allowed(&dns("example.test")).is_ok());
        assert!(policy.check_allowed(&dns("a.b.example.test")).is_ok());
        assert!(policy.check_allowed(&dns("*.example.test")).is_ok());
        let refused = policy.check_allowed(&dns("badexample.test")).unwrap_err();
        assert_eq!(refused.kind, ProblemType::RejectedIdentifier);
    }

    #[test]
    fn wildcards_are_whole_first_labels_and_ips_canonical() {
        assert!(canonical_identifier(&dns("*.a.test")).is_ok());
        assert!(canonical_identifier(&dns("a.*.test")).is_err());
        assert!(canonical_identifier(&dns("*a.test")).is_err());
        let (id, _) = canonical_identifier(&Identifier {
            kind: "ip".into(),
            value: "2001:DB8:0:0::1".into(),
        })
        .unwrap();
        assert_eq!(id.value, "2001:db8::1");
        let unsupported = canonical_identifier(&Identifier {
            kind: "email".into(),
            value: "a@b.test".into(),
        })
        .unwrap_err();
        assert_eq!(unsupported.kind, ProblemType::UnsupportedIdentifier);
    }

    #[test]
    fn rate_limits_parse() {
        assert_eq!(
            RateLimit::parse("30/min").unwrap(),
            RateLimit {
                count: 30,
                per: Duration::from_secs(60)
            }
        );
        assert!(RateLimit::parse("0/min").is_err());
        assert!(RateLimit::parse("5/fortnight").is_err());
    }
}
