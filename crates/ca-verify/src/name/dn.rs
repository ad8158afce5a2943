//! Distinguished names for directoryName constraints: a subtree is an RDN prefix.

use crate::cert::{Attr, Name};

/// Whether `name` lies in the subtree rooted at `base` (base's RDNs are a prefix of name's).
pub(crate) fn in_subtree(name: &Name, base: &Name) -> bool {
    base.rdns.len() <= name.rdns.len()
        && base
            .rdns
            .iter()
            .zip(&name.rdns)
            .all(|(b, n)| rdn_equal(b, n))
}

/// Name equality for chaining (RFC 5280 7.1): byte-identical, or equal attribute by attribute
/// with strings compared case-insensitively and spaces folded.
pub(crate) fn equal(a: &Name, b: &Name) -> bool {
    a.raw == b.raw
        || (a.rdns.len() == b.rdns.len()
            && a.rdns.iter().zip(&b.rdns).all(|(x, y)| rdn_equal(x, y)))
}

fn rdn_equal(a: &[Attr], b: &[Attr]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| attr_equal(x, y)))
}

/// Attribute values compare by RFC 5280 7.1 in its simple form: strings case-insensitively with
/// runs of spaces folded; anything else byte for byte.
fn attr_equal(a: &Attr, b: &Attr) -> bool {
    if a.oid != b.oid {
        return false;
    }
    // The same type and bytes: equal under every comparison below.
    if a.tag == b.tag && a.value == b.value {
        return true;
    }
    const STRINGS: [u32; 4] = [12, 19, 22, 20]; // UTF8, Printable, IA5, Teletex
    if STRINGS.contains(&a.tag) && STRINGS.contains(&b.tag) {
        if a.value.is_ascii() && b.value.is_ascii() {
            return folded_eq_ascii(&a.value, &b.value);
        }
        if let (Ok(x), Ok(y)) = (std::str::from_utf8(&a.value), std::str::from_utf8(&b.value)) {
            return folded_eq(x, y);
        }
    }
    a.tag == b.tag && a.value == b.value
}

/// `folded_eq` for ASCII strings, byte by byte: the same words (split at what
/// `char::is_whitespace` calls white space in ASCII: tab to carriage return, and space),
/// compared ignoring ASCII case.
fn folded_eq_ascii(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let space = |c: u8| c == b' ' || (0x09..=0x0d).contains(&c);
    let (mut i, mut j) = (0, 0);
    loop {
        while i < a.len() && space(a[i]) {
            i += 1;
        }
        while j < b.len() && space(b[j]) {
            j += 1;
        }
        match (i < a.len(), j < b.len()) {
            (false, false) => return true,
            (true, true) => {}
            _ => return false,
        }
        // One word each, compared ignoring case; both must end together.
        while i < a.len() && !space(a[i]) {
            if j >= b.len() || space(b[j]) || !a[i].eq_ignore_ascii_case(&b[j]) {
                return false;
            }
            i += 1;
            j += 1;
        }
        if j < b.len() && !space(b[j]) {
            return false;
        }
    }
}

/// Equal ignoring case and runs of white space; allocates only for non-ASCII words.
fn folded_eq(a: &str, b: &str) -> bool {
    let lower = |w: &str| w.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
    let (mut x, mut y) = (a.split_whitespace(), b.split_whitespace());
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(q) => {}
            (Some(p), Some(q)) if !p.is_ascii() || !q.is_ascii() => {
                if lower(p) != lower(q) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_folding_is_the_general_folding() {
        let cases = [
            ("Test Root", "test  root"),
            (" Test\tRoot ", "TEST ROOT"),
            ("a\x0bb", "A B"),
            ("Test Root", "Test Intermediate"),
            ("ab", "a b"),
            ("", "  "),
            ("x", ""),
            ("Test Root", "Test Roots"),
            ("Test Roots", "Test Root"),
            ("a  b c", "a b  c "),
            ("\r\nA", "a"),
        ];
        for (x, y) in cases {
            assert_eq!(
                folded_eq_ascii(x.as_bytes(), y.as_bytes()),
                folded_eq(x, y),
                "{x:?} {y:?}"
            );
        }
    }

    fn name(raw: u8, attrs: &[(u32, &str)]) -> Name {
        Name {
            raw: crate::cert::NameBytes::from_slice(&[raw]),
            rdns: attrs
                .iter()
                .map(|(tag, v)| {
                    smallvec::smallvec![Attr {
                        oid: crate::cert::AttrBytes::from_slice(&[0x55, 4, 3]),
                        tag: *tag,
                        value: crate::cert::AttrBytes::from_slice(v.as_bytes()),
                    }]
                })
                .collect(),
            text: Default::default(),
        }
    }

    #[test]
    fn names_compare_by_rfc5280_rules() {
        let printable = name(1, &[(19, "Example  CA")]);
        let utf8 = name(2, &[(12, "example ca")]);
        assert!(equal(&printable, &utf8));
        assert!(!equal(&printable, &name(3, &[(12, "Example CB")])));
        let longer = name(4, &[(12, "example ca"), (12, "sub")]);
        assert!(in_subtree(&longer, &printable));
        assert!(!in_subtree(&printable, &longer));
    }
}
