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
    const STRINGS: [u32; 4] = [12, 19, 22, 20]; // UTF8, Printable, IA5, Teletex
    if STRINGS.contains(&a.tag) && STRINGS.contains(&b.tag) {
        if let (Ok(x), Ok(y)) = (std::str::from_utf8(&a.value), std::str::from_utf8(&b.value)) {
            return folded_eq(x, y);
        }
    }
    a.tag == b.tag && a.value == b.value
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

    fn name(raw: u8, attrs: &[(u32, &str)]) -> Name {
        Name {
            raw: vec![raw],
            rdns: attrs
                .iter()
                .map(|(tag, v)| {
                    vec![Attr {
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
