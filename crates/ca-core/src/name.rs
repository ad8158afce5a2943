//! Names a certificate is for, typed automatically from what the user
//! writes: DNS names (with wildcards and internationalised names), IPv4 and
//! IPv6 addresses, e-mail addresses and URIs.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use rcgen::SanType;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum SubjectName {
    /// A DNS name in A-label (ASCII) form, lower case, possibly `*.`-prefixed.
    Dns(String),
    Ip(IpAddr),
    /// `local@domain`, the domain in A-label form.
    Email(String),
    Uri(String),
}

impl SubjectName {
    /// Types a name: an IP address, a URI (`scheme:...`), an e-mail address
    /// (`local@domain`) or a DNS name, in that order. Anything else is
    /// refused with the reason.
    pub fn parse(input: &str) -> Result<Self> {
        let refuse = |why: &str| {
            Error::Name(format!(
                "'{input}' is not a DNS name, IP address, e-mail address or URI: {why}"
            ))
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(refuse("it is empty"));
        }
        if trimmed.chars().any(char::is_whitespace) {
            return Err(refuse("it contains white space"));
        }
        let unbracketed = trimmed
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(trimmed);
        if let Ok(ip) = IpAddr::from_str(unbracketed) {
            return Ok(SubjectName::Ip(ip));
        }
        // `fe80::1%eth0` would otherwise pass for a URI with scheme `fe80`.
        if let Some((addr, _zone)) = unbracketed.split_once('%') {
            if std::net::Ipv6Addr::from_str(addr).is_ok() {
                return Err(refuse(&format!(
                    "a zone (the part from '%') means nothing outside this machine and cannot \
                     go into a certificate; give the address alone: {addr}"
                )));
            }
        }
        if let Some(colon) = trimmed.find(':') {
            let (scheme, rest) = (&trimmed[..colon], &trimmed[colon + 1..]);
            if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
                return Err(refuse(
                    "it looks like host:port; give the host name or address without the port",
                ));
            }
            if is_uri_scheme(scheme) && !rest.is_empty() {
                if let Some(after) = rest.strip_prefix("//") {
                    if after.starts_with(['/', '?', '#']) || after.is_empty() {
                        return Err(refuse(
                            "a URI with '//' needs a host (RFC 5280), as in https://host/path",
                        ));
                    }
                }
                if !trimmed.is_ascii() {
                    return Err(refuse(
                        "a URI must be ASCII (percent-encode other characters)",
                    ));
                }
                return Ok(SubjectName::Uri(trimmed.to_string()));
            }
            return Err(refuse(
                "it has a ':' but is neither an IP address nor a URI like https://host/ or spiffe://domain/path",
            ));
        }
        if let Some((local, domain)) = trimmed.rsplit_once('@') {
            if local.is_empty() || !local.is_ascii() || local.contains('@') {
                return Err(refuse(
                    "an e-mail address needs an ASCII local part before the single '@'",
                ));
            }
            if !is_dot_string(local) {
                return Err(refuse(
                    "the part before '@' may hold letters, digits, single dots (not first or \
                     last) and !#$%&'*+-/=?^_`{|}~ only (RFC 5321)",
                ));
            }
            let domain = dns_name(domain, false).map_err(|e| name_error(input, e))?;
            return Ok(SubjectName::Email(format!("{local}@{domain}")));
        }
        dns_name(trimmed, true)
            .map(SubjectName::Dns)
            .map_err(|e| name_error(input, e))
    }

    /// The kind of name, as the index and `--json` output spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            SubjectName::Dns(_) => "dns",
            SubjectName::Ip(_) => "ip",
            SubjectName::Email(_) => "email",
            SubjectName::Uri(_) => "uri",
        }
    }

    /// The rcgen subjectAltName entry.
    pub fn to_san(&self) -> Result<SanType> {
        let ia5 = |s: &str| {
            rcgen::string::Ia5String::try_from(s)
                .map_err(|e| Error::Name(format!("'{s}' cannot be encoded: {e}")))
        };
        Ok(match self {
            SubjectName::Dns(name) => SanType::DnsName(ia5(name)?),
            SubjectName::Ip(ip) => SanType::IpAddress(*ip),
            SubjectName::Email(addr) => SanType::Rfc822Name(ia5(addr)?),
            SubjectName::Uri(uri) => SanType::URI(ia5(uri)?),
        })
    }

    /// A safe file-name stem for this name (`*.example.test` becomes
    /// `_wildcard.example.test`, `:` and `/` become `_`), at most
    /// [`MAX_FILE_STEM`] characters.
    pub fn file_stem(&self) -> String {
        let text = self.to_string().replacen("*.", "_wildcard.", 1);
        text.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@' | '+') {
                    c
                } else {
                    '_'
                }
            })
            .take(MAX_FILE_STEM)
            .collect()
    }
}

impl fmt::Display for SubjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubjectName::Dns(s) | SubjectName::Email(s) | SubjectName::Uri(s) => f.write_str(s),
            SubjectName::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

impl FromStr for SubjectName {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SubjectName::parse(s)
    }
}

/// File names are at most 255 bytes; a stem leaves room for the longest
/// suffix (`-fullchain.pem`) and the temporary name of an atomic write
/// (`.STEM-fullchain.pem.0123456789abcdef.tmp`). A DNS name may be 253.
pub const MAX_FILE_STEM: usize = 200;

/// Parses every name, stopping at the first bad one.
pub fn parse_names<S: AsRef<str>>(inputs: &[S]) -> Result<Vec<SubjectName>> {
    let mut names: Vec<SubjectName> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let name = SubjectName::parse(input.as_ref())?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// An RFC 5321 Dot-string: runs of atext joined by single dots. (A quoted
/// local part would need spaces or quotes, which are refused before this.)
fn is_dot_string(local: &str) -> bool {
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
    })
}

fn is_uri_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Why a DNS name was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DnsNameError {
    /// Not a domain name at all (bad input): empty, a misplaced wildcard, an invalid IDN, or
    /// beyond the size limits of DNS itself (RFC 1035 2.3.4).
    NotAName(String),
    /// A domain name, but one the verifier's rule san.dns-syntax refuses in a certificate
    /// (RFC 5280 4.2.1.6 preferred name syntax: '_', a label starting with '-', ...): a
    /// refusal by that rule, not bad input.
    Rule(String),
}

impl fmt::Display for DnsNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsNameError::NotAName(why) | DnsNameError::Rule(why) => f.write_str(why),
        }
    }
}

impl From<DnsNameError> for String {
    fn from(e: DnsNameError) -> String {
        e.to_string()
    }
}

/// The error for a name `input` that `dns_name` did not take: bad input, or (exit 1 in the
/// CLI) a refusal by the rule san.dns-syntax, since clients would reject the certificate.
fn name_error(input: &str, e: DnsNameError) -> Error {
    match e {
        DnsNameError::NotAName(why) => Error::Name(format!(
            "'{input}' is not a DNS name, IP address, e-mail address or URI: {why}"
        )),
        DnsNameError::Rule(why) => Error::Refused(format!(
            "'{input}' is not issued: {why}; clients would reject a certificate for it"
        )),
    }
}

/// Normalises a DNS name to lower-case A-labels and checks its syntax.
/// Returns the reason when it is not a valid host name.
pub(crate) fn dns_name(input: &str, allow_wildcard: bool) -> Result<String, DnsNameError> {
    use DnsNameError::NotAName;
    let input = input.strip_suffix('.').unwrap_or(input);
    let (wildcard, rest) = match input.strip_prefix("*.") {
        Some(rest) if allow_wildcard => (true, rest),
        Some(_) => return Err(NotAName("a wildcard is not allowed here".into())),
        None => (false, input),
    };
    if rest.contains('*') {
        return Err(NotAName(
            "a wildcard must be the whole leftmost label, as in *.example.test".into(),
        ));
    }
    let ascii = if rest.is_ascii() {
        rest.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii_strict(rest)
            .map_err(|_| NotAName("it is not a valid internationalised domain name".into()))?
    };
    if ascii.is_empty() {
        return Err(NotAName("the domain part is empty".into()));
    }
    // DNS itself (RFC 1035 2.3.4): labels of 1 to 63 octets, at most 253 in all. Past these
    // limits the text is no domain name, whatever a certificate rule says.
    if ascii.len() > 253 {
        return Err(NotAName(
            "it is longer than 253 octets (RFC 1035 2.3.4)".into(),
        ));
    }
    if ascii.split('.').any(|l| l.is_empty() || l.len() > 63) {
        return Err(NotAName(
            "it has an empty label or one longer than 63 octets (RFC 1035 2.3.4)".into(),
        ));
    }
    // One implementation of the syntax: the verifier's rule san.dns-syntax.
    let rule = ca_verify::RuleId::SanDnsSyntax.rule();
    ca_verify::names::dns_name_syntax(&ascii).map_err(|why| {
        DnsNameError::Rule(format!(
            "the name {why} (rule {}, {})",
            rule.id, rule.clause
        ))
    })?;
    Ok(if wildcard {
        format!("*.{ascii}")
    } else {
        ascii
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(s: &str) -> SubjectName {
        SubjectName::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn types_names_automatically() {
        assert_eq!(parsed("localhost"), SubjectName::Dns("localhost".into()));
        assert_eq!(
            parsed("Example.TEST."),
            SubjectName::Dns("example.test".into())
        );
        assert_eq!(
            parsed("*.example.test"),
            SubjectName::Dns("*.example.test".into())
        );
        assert_eq!(
            parsed("127.0.0.1"),
            SubjectName::Ip("127.0.0.1".parse().unwrap())
        );
        assert_eq!(parsed("::1"), SubjectName::Ip("::1".parse().unwrap()));
        assert_eq!(
            parsed("[fe80::1]"),
            SubjectName::Ip("fe80::1".parse().unwrap())
        );
        assert_eq!(
            parsed("ops@example.test"),
            SubjectName::Email("ops@example.test".into())
        );
        assert_eq!(
            parsed("spiffe://example.test/web"),
            SubjectName::Uri("spiffe://example.test/web".into())
        );
        assert_eq!(
            parsed("urn:uuid:1234"),
            SubjectName::Uri("urn:uuid:1234".into())
        );
    }

    #[test]
    fn idn_becomes_a_label() {
        assert_eq!(
            parsed("bücher.example"),
            SubjectName::Dns("xn--bcher-kva.example".into())
        );
        assert_eq!(
            parsed("*.bücher.example").to_string(),
            "*.xn--bcher-kva.example"
        );
        assert_eq!(
            parsed("x@bücher.example").to_string(),
            "x@xn--bcher-kva.example"
        );
    }

    #[test]
    fn refuses_with_a_reason() {
        for (input, why) in [
            ("", "empty"),
            ("foo bar", "white space"),
            ("a.*.test", "leftmost"),
            ("foo..test", "empty label"),
            ("localhost:8443", "host:port"),
            ("a:", "':'"),
            ("@example.test", "local part"),
            ("fe80::1%eth0", "zone"),
            ("a..b@example.test", "single dots"),
            (".a@example.test", "single dots"),
            ("a,b@example.test", "single dots"),
            ("a<b>@example.test", "single dots"),
            ("[fe80::1%25eth0]", "zone"),
            ("https://", "needs a host"),
            ("file:///etc/x", "needs a host"),
        ] {
            let err = SubjectName::parse(input).unwrap_err().to_string();
            assert!(err.contains(why), "{input}: {err}");
            assert!(err.contains("is not a DNS name"), "{input}: {err}");
        }
    }

    /// Domain names outside RFC 5280 4.2.1.6 preferred name syntax are refused by the rule
    /// san.dns-syntax (exit 1 in the CLI), naming it; they are not bad input.
    #[test]
    fn names_the_rule_refuses_are_refusals() {
        for (input, why) in [
            ("foo_bar.test", "'_'"),
            ("-foo.test", "starts or ends"),
            ("1.2.3", "IP address"),
            ("999.1.1.1", "IP address"),
            ("x@under_score.test", "'_'"),
        ] {
            let err = SubjectName::parse(input).unwrap_err();
            assert!(err.is_refusal(), "{input}: {err}");
            let text = err.to_string();
            assert!(text.contains(why), "{input}: {text}");
            assert!(
                text.contains("san.dns-syntax") && text.contains("RFC 5280 4.2.1.6"),
                "{input}: {text}"
            );
        }
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(
            parsed("*.example.test").file_stem(),
            "_wildcard.example.test"
        );
        assert_eq!(parsed("::1").file_stem(), "__1");
        assert_eq!(parsed("spiffe://a.test/x").file_stem(), "spiffe___a.test_x");
        let longest = [
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(63),
            "d".repeat(61),
        ]
        .join(".");
        assert_eq!(parsed(&longest).file_stem(), longest[..MAX_FILE_STEM]);
    }

    #[test]
    fn duplicates_are_dropped() {
        let names = parse_names(&["a.test", "A.test", "127.0.0.1"]).unwrap();
        assert_eq!(names.len(), 2);
    }
}
