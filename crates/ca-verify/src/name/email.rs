//! E-mail addresses (rfc822Name): syntax, matching, constraints.

use super::dns;

/// Splits a mailbox into local part and domain; exactly one '@', both sides non-empty, ASCII.
pub(crate) fn split_mailbox(addr: &str) -> Option<(&str, &str)> {
    let (local, domain) = addr.split_once('@')?;
    if local.is_empty() || domain.contains('@') || !addr.is_ascii() || !dns::is_valid_host(domain) {
        return None;
    }
    Some((local, domain))
}

/// A presented rfc822Name against a reference address: local part exact, domain case-insensitive.
pub(crate) fn matches(presented: &str, reference: &str) -> bool {
    match (split_mailbox(presented), split_mailbox(reference)) {
        (Some((pl, pd)), Some((rl, rd))) => pl == rl && pd.eq_ignore_ascii_case(rd),
        _ => false,
    }
}

/// A constraint base: a mailbox, a host ("example.com": mailboxes at that host) or a domain
/// (".example.com": mailboxes at any host under it).
pub(crate) fn is_valid_constraint(base: &str) -> bool {
    if base.contains('@') {
        return split_mailbox(base).is_some();
    }
    match base.strip_prefix('.') {
        Some(d) => dns::is_valid_host(d),
        None => dns::is_valid_host(base),
    }
}

/// Whether a (valid) mailbox satisfies a (valid) constraint. Characters are literal: `*` is no
/// wildcard.
pub(crate) fn in_subtree(addr: &str, base: &str) -> bool {
    let Some((local, domain)) = split_mailbox(addr) else {
        return false;
    };
    if base.contains('@') {
        return matches(addr, base) && local == split_mailbox(base).map_or("", |b| b.0);
    }
    match base.strip_prefix('.') {
        Some(d) => domain.len() > d.len() && dns::in_subtree(domain, d),
        None => domain.eq_ignore_ascii_case(base),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_are_literal() {
        assert!(in_subtree("*@example.com", "*@example.com"));
        assert!(!in_subtree("user@example.com", "*@example.com"));
        assert!(!in_subtree("*@example.com", "**@example.com"));
        assert!(in_subtree("foo@example.com", "example.com"));
        assert!(!in_subtree("foo@sub.example.com", "example.com"));
        assert!(in_subtree("foo@sub.example.com", ".example.com"));
        assert!(!is_valid_constraint("invalid@invalid@example.com"));
    }
}
