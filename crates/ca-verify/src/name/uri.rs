//! URIs: the host part, for name constraints.

use super::dns;

/// The host of a URI with an authority (`scheme://[userinfo@]host[:port][/...]`), if any.
pub(crate) fn host(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return None; // IP literal: not a host name
    }
    let host = host_port.split(':').next()?;
    dns::is_valid_host(host).then_some(host)
}

/// A constraint base: a host ("example.com") or a domain (".example.com").
pub(crate) fn is_valid_constraint(base: &str) -> bool {
    dns::is_valid_host(base.strip_prefix('.').unwrap_or(base))
}

pub(crate) fn in_subtree(uri: &str, base: &str) -> bool {
    let Some(h) = host(uri) else { return false };
    match base.strip_prefix('.') {
        Some(d) => h.len() > d.len() && dns::in_subtree(h, d),
        None => h.eq_ignore_ascii_case(base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            host("https://user@www.example.com:443/x"),
            Some("www.example.com")
        );
        assert_eq!(host("urn:isbn:123"), None);
        assert!(in_subtree("https://a.example.com/", ".example.com"));
        assert!(!in_subtree("https://example.com/", ".example.com"));
        assert!(in_subtree("https://example.com/", "example.com"));
    }
}
