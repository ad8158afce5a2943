//! DNS names: syntax of reference and presented identifiers, wildcard matching, subtrees.

/// A valid host name: ASCII labels of letters, digits, '-' and '_' (1-63 octets, no leading or
/// trailing '-'), 253 octets at most. No wildcard, no empty label, no trailing dot.
pub(crate) fn is_valid_host(name: &str) -> bool {
    if name.is_empty() || name.len() > 253 {
        return false;
    }
    name.as_bytes().split(|&b| b == b'.').all(is_valid_label)
}

fn is_valid_label(l: &[u8]) -> bool {
    match (l.first(), l.last()) {
        (Some(&first), Some(&last)) => {
            l.len() <= 63
                && first != b'-'
                && last != b'-'
                && l.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        _ => false,
    }
}

/// Why `name` is not a dNSName in preferred name syntax (RFC 5280 4.2.1.6; RFC 1034 3.5 as
/// amended by RFC 1123 2.1): letters, digits and '-' in labels of 1 to 63 octets that neither
/// start nor end with '-', at most 253 octets, no empty label or trailing dot, IDNs as
/// A-labels (RFC 5280 7.2). One leading `*.` label is allowed (RFC 6125 6.4.3). A dotted-decimal
/// or IPv6 address is not a host name (RFC 1123 2.1).
pub fn presented_syntax(name: &str) -> Result<(), String> {
    if plainly_valid_presented(name.as_bytes()) {
        return Ok(());
    }
    presented_syntax_checks(name)
}

/// The rules of [`presented_syntax`] one by one, naming the first that fails.
fn presented_syntax_checks(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if !name.is_ascii() {
        return Err("is not ASCII (an IDN is written as A-labels, xn--...)".into());
    }
    if name.len() > 253 {
        return Err("is longer than 253 octets".into());
    }
    // Only hex digits, ':' and '.' can make an address: skip the parse for other names.
    let address_chars = |b: u8| b.is_ascii_hexdigit() || b == b':' || b == b'.';
    if name.bytes().all(address_chars) && name.parse::<std::net::IpAddr>().is_ok() {
        return Err("is an IP address (use an iPAddress entry)".into());
    }
    if name.ends_with('.') {
        return Err("ends with a dot".into());
    }
    let host = name.strip_prefix("*.").unwrap_or(name);
    for label in host.split('.') {
        if label.is_empty() {
            return Err("has an empty label".into());
        }
        if label.len() > 63 {
            return Err(format!(
                "has a label longer than 63 octets ({label:.20}...)"
            ));
        }
        if label.contains('*') {
            return Err("has a wildcard that is not the whole leftmost label".into());
        }
        if let Some(c) = label
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() && *c != '-')
        {
            return Err(format!(
                "has the character {c:?} (letters, digits and '-' only)"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "has the label {label:?} that starts or ends with '-'"
            ));
        }
    }
    if host
        .rsplit('.')
        .next()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("ends in an all-numeric label, as an IP address does (RFC 1123 2.1)".into());
    }
    Ok(())
}

/// One pass over the bytes for the usual name: true only when every rule of
/// [`presented_syntax`] holds (letters, digits and '-' in labels of 1 to 63 octets not
/// starting or ending with '-', an optional leading `*.`, at most 253 octets, a last label
/// not all digits). Such a name cannot be an IP address: an IPv6 address needs ':', a
/// dotted-decimal one an all-digit last label. Anything else goes through the full checks,
/// which word the error.
fn plainly_valid_presented(name: &[u8]) -> bool {
    let host = name.strip_prefix(b"*.").unwrap_or(name);
    if host.is_empty() || name.len() > 253 {
        return false;
    }
    let (mut len, mut all_digits, mut prev) = (0usize, true, b'.');
    for &b in host {
        if b == b'.' {
            if len == 0 || prev == b'-' {
                return false;
            }
            len = 0;
            all_digits = true;
        } else {
            if !(b.is_ascii_alphanumeric() || b == b'-') || (len == 0 && b == b'-') {
                return false;
            }
            len += 1;
            if len > 63 {
                return false;
            }
            all_digits &= b.is_ascii_digit();
        }
        prev = b;
    }
    len > 0 && prev != b'-' && !all_digits
}

/// Whether `name` is a wildcard directly over a single label or a suffix of the ICANN section
/// of the Public Suffix List (`*.com`, `*.co.uk`): CA/B BR 3.2.2.6 forbids issuing it, browsers
/// never match it. Suffixes of the private section (`*.s3.amazonaws.com`) are left to their
/// operator, who may hold such a certificate (BR 3.2.2.6: "rightful control of the entire
/// Domain Namespace"); they still never match a host name (see [`classify`]).
pub fn wildcard_over_public_suffix(name: &str) -> bool {
    let Some(suffix) = name.strip_prefix("*.") else {
        return false;
    };
    let lower = suffix.to_ascii_lowercase();
    !suffix.contains('.')
        || psl::suffix(lower.as_bytes())
            .is_some_and(|s| s.typ() == Some(psl::Type::Icann) && s.as_bytes() == lower.as_bytes())
}

/// A dNSName as presented in a certificate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Presented<'a> {
    /// An exact host name.
    Exact(&'a str),
    /// `*.` followed by this suffix (at least two labels): matches exactly one more label.
    Wildcard(&'a str),
    /// Anything else (embedded wildcards, bare `*`, `*.tld`, non-host syntax): never matches.
    Invalid,
}

pub(crate) fn classify(presented: &str) -> Presented<'_> {
    if let Some(suffix) = presented.strip_prefix("*.") {
        if is_valid_host(suffix) && suffix.contains('.') && !is_public_suffix(suffix) {
            return Presented::Wildcard(suffix);
        }
        return Presented::Invalid;
    }
    if is_valid_host(presented) {
        Presented::Exact(presented)
    } else {
        Presented::Invalid
    }
}

/// Whether `name` is itself a public suffix (ICANN or private section of the Public Suffix
/// List): a wildcard directly under it would cover every domain registered there (CA/B BR 3.2.2.6).
pub fn is_public_suffix(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == lower.as_bytes())
}

/// RFC 6125 matching of a presented dNSName against a reference host name (already validated).
pub(crate) fn matches(presented: &str, reference: &str) -> bool {
    // Without a wildcard only a name equal to the reference up to ASCII case matches, and
    // such a name is a valid host name as the reference is: no syntax check is needed first.
    if !presented.starts_with("*.") {
        // Byte-equal first (the usual case, and a word-at-a-time comparison), then up to case.
        return presented == reference || presented.eq_ignore_ascii_case(reference);
    }
    match classify(presented) {
        Presented::Exact(p) => p.eq_ignore_ascii_case(reference),
        Presented::Wildcard(suffix) => match reference.split_once('.') {
            Some((first, rest)) => !first.is_empty() && rest.eq_ignore_ascii_case(suffix),
            None => false,
        },
        Presented::Invalid => false,
    }
}

/// Whether `name` is `base` or a subdomain of it (RFC 5280 4.2.1.10); an empty base matches all.
pub(crate) fn in_subtree(name: &str, base: &str) -> bool {
    // Bytes, not str slices: no char-boundary panic whatever the input.
    let (n, b) = (name.as_bytes(), base.as_bytes());
    if b.is_empty() {
        return true;
    }
    if n.len() == b.len() {
        return n.eq_ignore_ascii_case(b);
    }
    n.len() > b.len()
        && n[n.len() - b.len() - 1] == b'.'
        && n[n.len() - b.len()..].eq_ignore_ascii_case(b)
}

/// A dNSName constraint base: empty (everything) or a host name. Leading periods and wildcards
/// are not DNS name syntax (RFC 5280 4.2.1.10 allows the leading period for URIs only).
pub(crate) fn is_valid_constraint(base: &str) -> bool {
    base.is_empty() || is_valid_host(base)
}

/// Whether every name the presented identifier can match lies inside the subtree.
pub(crate) fn presented_within(p: &Presented<'_>, base: &str) -> bool {
    match p {
        Presented::Exact(n) => in_subtree(n, base),
        Presented::Wildcard(suffix) => in_subtree(suffix, base),
        Presented::Invalid => false,
    }
}

/// Whether some name the presented identifier can match lies inside the subtree (for excluded
/// subtrees: `*.example.com` could stand for the excluded `bar.example.com`).
pub(crate) fn presented_overlaps(p: &Presented<'_>, base: &str) -> bool {
    match p {
        Presented::Exact(n) => in_subtree(n, base),
        Presented::Wildcard(suffix) => {
            in_subtree(suffix, base)
                || base
                    .split_once('.')
                    .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(suffix))
        }
        Presented::Invalid => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_one_leftmost_label() {
        assert!(matches("*.example.com", "foo.example.com"));
        assert!(!matches("*.example.com", "foo.bar.example.com"));
        assert!(!matches("*.example.com", "example.com"));
        assert!(!matches("ba*.example.com", "baz.example.com"));
        assert!(!matches("foo.*.example.com", "foo.bar.example.com"));
        assert!(!matches("*", "example.com"));
        assert!(!matches("*.com", "example.com"));
        assert!(!matches(
            "xn--*-1b3c148a.example.com",
            "xn--bliss-1b3c148a.example.com"
        ));
        assert!(matches("Example.COM", "example.com"));
        assert!(!matches("*.co.uk", "example.co.uk"));
        assert!(!matches("*.s3.amazonaws.com", "example.s3.amazonaws.com"));
        assert!(matches("*.example.co.uk", "www.example.co.uk"));
    }

    #[test]
    fn the_one_pass_syntax_check_agrees_with_the_full_one() {
        let mut names: Vec<String> = [
            "",
            ".",
            "*",
            "*.",
            "*.*.example.com",
            "a",
            "example.com",
            "EXAMPLE.com",
            "*.example.com",
            "a.*.example.com",
            "-a.example.com",
            "a-.example.com",
            "a--b.example.com",
            "example.com.",
            ".example.com",
            "a..b",
            "under_score.example",
            "1.2.3.4",
            "1.2.3.4a",
            "host.123",
            "123.host",
            "::1",
            "fe80::1",
            "dead.beef",
            "é.example.com",
            "xn--bcher-kva.example",
            "a b.example",
            "*.com",
            "0",
            "0a",
            "a.0",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        names.push(format!("{}.example.com", "a".repeat(63)));
        names.push(format!("{}.example.com", "a".repeat(64)));
        names.push(format!("{}.com", vec!["a".repeat(60); 4].join(".")));
        names.push(format!("*.{}", vec!["a".repeat(62); 4].join(".")));
        names.push(vec!["a".repeat(62); 4].join("."));
        for n in &names {
            let full = presented_syntax_checks(n);
            assert_eq!(presented_syntax(n), full, "{n:?}");
            if plainly_valid_presented(n.as_bytes()) {
                assert_eq!(full, Ok(()), "{n:?}");
            }
        }
    }

    #[test]
    fn subtrees() {
        assert!(in_subtree("foo.bar.example.com", "example.com"));
        assert!(in_subtree("example.com", "EXAMPLE.com"));
        assert!(!in_subtree("notexample.com", "example.com"));
        assert!(!in_subtree("é.example.com", "éxample.com"));
        assert!(in_subtree("anything", ""));
        assert!(!is_valid_constraint(".example.com"));
        assert!(!is_valid_constraint("*.example.com"));
        let w = classify("*.example.com");
        assert!(presented_overlaps(&w, "bar.example.com"));
        assert!(!presented_within(&w, "bar.example.com"));
        assert!(presented_within(&w, "example.com"));
        assert!(!presented_overlaps(&w, "other.com"));
    }
}
