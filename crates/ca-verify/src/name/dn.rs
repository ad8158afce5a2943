//! Distinguished names: the name as its DER with each attribute's place in it (no copy of the
//! attributes), comparison for chaining (RFC 5280 7.1) and directoryName subtrees.

use std::sync::OnceLock;

use x509_parser::prelude::X509Name;

/// A name's DER, inline when it is short (most are): no allocation per name.
pub(crate) type NameBytes = smallvec::SmallVec<[u8; 64]>;

/// Where one attribute (AttributeTypeAndValue) lies in its name's `raw` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttrAt {
    /// The RDN it belongs to, counted from 0.
    rdn: u32,
    /// The value's tag number.
    tag: u32,
    /// The type OID's content octets, start and end.
    oid: (u32, u32),
    /// The value's content octets, start and end.
    value: (u32, u32),
}

/// A distinguished name: raw DER (for issuer/subject matching) and where each attribute lies in
/// it, RDN by RDN in order. Reading a name records positions; the attributes are read from
/// `raw` when compared or printed.
#[derive(Clone, Debug)]
pub(crate) struct Name {
    pub(crate) raw: NameBytes,
    /// RDNs (each has at least one attribute when read from DER).
    rdn_count: u32,
    /// Inline for the usual one or two attributes.
    attrs: smallvec::SmallVec<[AttrAt; 2]>,
    /// The text form, built on first use (errors and accessors only).
    pub(crate) text: OnceLock<String>,
}

/// One attribute of a name, borrowed from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    /// The attribute type OID, as its DER content octets.
    pub(crate) oid: &'a [u8],
    pub(crate) tag: u32,
    pub(crate) value: &'a [u8],
}

/// An attribute's bytes, inline when short.
pub(crate) type AttrBytes = smallvec::SmallVec<[u8; 24]>;

/// An attribute held on its own (a nameRelativeToCRLIssuer's RDN, before it joins a name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AttrBuf {
    pub(crate) oid: AttrBytes,
    pub(crate) tag: u32,
    pub(crate) value: AttrBytes,
}

/// The attributes of one RDN.
#[derive(Clone, Copy)]
pub(crate) struct Rdn<'a> {
    raw: &'a [u8],
    attrs: &'a [AttrAt],
}

impl<'a> Rdn<'a> {
    pub(crate) fn len(&self) -> usize {
        self.attrs.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Attr<'a>> + 'a {
        let raw = self.raw;
        self.attrs.iter().map(move |a| a.read(raw))
    }
}

impl AttrAt {
    fn read(self, raw: &[u8]) -> Attr<'_> {
        let part = |(start, end): (u32, u32)| &raw[start as usize..end as usize];
        Attr {
            oid: part(self.oid),
            tag: self.tag,
            value: part(self.value),
        }
    }
}

/// Where `part`, a slice of `whole`, lies in it; None when it is not inside.
fn place(whole: &[u8], part: &[u8]) -> Option<(u32, u32)> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    if end > whole.len() {
        return None;
    }
    Some((u32::try_from(start).ok()?, u32::try_from(end).ok()?))
}

/// 2.5.4.3 commonName.
pub(crate) const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// 1.2.840.113549.1.9.1 emailAddress.
pub(crate) const OID_EMAIL_ATTR: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];

impl Name {
    /// A name with no RDN and no bytes, to be filled.
    pub(crate) fn empty() -> Self {
        Name {
            raw: NameBytes::new(),
            rdn_count: 0,
            attrs: smallvec::SmallVec::new(),
            text: OnceLock::new(),
        }
    }

    /// The name as x509-parser read it; None should one of its parts not lie in its DER
    /// (x509-parser borrows them all from it).
    pub(crate) fn from_x509(n: &X509Name<'_>) -> Option<Self> {
        let raw = n.as_raw();
        let mut name = Name::empty();
        for rdn in n.iter_rdn() {
            for a in rdn.iter() {
                name.attrs.push(AttrAt {
                    rdn: name.rdn_count,
                    tag: a.attr_value().tag().0,
                    oid: place(raw, a.attr_type().as_bytes())?,
                    value: place(raw, a.attr_value().data)?,
                });
            }
            name.rdn_count += 1;
        }
        name.raw.extend_from_slice(raw);
        Some(name)
    }

    /// Records the next attribute, whose type OID and value are slices of `whole`, the name's
    /// DER (the in-place reader, which sets `raw` to `whole` when the name is read).
    pub(crate) fn push_attr(
        &mut self,
        whole: &[u8],
        new_rdn: bool,
        oid: &[u8],
        tag: u8,
        value: &[u8],
    ) -> Option<()> {
        if new_rdn {
            self.rdn_count += 1;
        }
        self.attrs.push(AttrAt {
            rdn: self.rdn_count.checked_sub(1)?,
            tag: u32::from(tag),
            oid: place(whole, oid)?,
            value: place(whole, value)?,
        });
        Some(())
    }

    /// This name with one more RDN, `rdn` (RFC 5280 4.2.1.13 nameRelativeToCRLIssuer). Its
    /// raw form is one no name read from DER can have (it starts with 0xff), unique to (this
    /// name, `rdn`): dn::equal's byte comparison then only matches the same construction.
    pub(crate) fn extended(&self, rdn: &[AttrBuf]) -> Name {
        let mut name = Name::empty();
        name.raw.push(0xff);
        name.raw.extend_from_slice(&self.raw);
        name.attrs.extend(self.attrs.iter().map(|a| {
            let shift = |(s, e): (u32, u32)| (s + 1, e + 1);
            AttrAt {
                oid: shift(a.oid),
                value: shift(a.value),
                ..*a
            }
        }));
        name.rdn_count = self.rdn_count + 1;
        for a in rdn {
            let mut part = |bytes: &[u8]| {
                name.raw.extend_from_slice(
                    &u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes(),
                );
                let start = u32::try_from(name.raw.len()).unwrap_or(u32::MAX);
                name.raw.extend_from_slice(bytes);
                (start, u32::try_from(name.raw.len()).unwrap_or(u32::MAX))
            };
            let oid = part(&a.oid);
            let value = part(&a.value);
            name.raw.extend_from_slice(&a.tag.to_be_bytes());
            name.attrs.push(AttrAt {
                rdn: self.rdn_count,
                tag: a.tag,
                oid,
                value,
            });
        }
        name
    }

    /// "CN=example.com, O=Example", or "(empty name)".
    pub(crate) fn text(&self) -> &str {
        self.text.get_or_init(|| {
            let t = name_text(self.attrs());
            if t.is_empty() {
                "(empty name)".into()
            } else {
                t
            }
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rdn_count == 0
    }

    /// Every attribute, RDN by RDN.
    pub(crate) fn attrs(&self) -> impl Iterator<Item = Attr<'_>> + '_ {
        self.attrs.iter().map(|a| a.read(&self.raw))
    }

    /// The RDNs, in order.
    pub(crate) fn rdns(&self) -> impl Iterator<Item = Rdn<'_>> + '_ {
        let raw: &[u8] = &self.raw;
        let mut rest: &[AttrAt] = &self.attrs;
        (0..self.rdn_count).map(move |r| {
            let n = rest.iter().take_while(|a| a.rdn == r).count();
            let (this, tail) = rest.split_at(n);
            rest = tail;
            Rdn { raw, attrs: this }
        })
    }

    /// The values of every attribute of type `oid`.
    pub(crate) fn values_of<'a>(&'a self, oid: &'a [u8]) -> impl Iterator<Item = Attr<'a>> + 'a {
        self.attrs().filter(move |a| a.oid == oid)
    }
}

/// "CN=example.com, O=Example": short names for the usual attributes, dotted OIDs otherwise.
fn name_text<'a>(attrs: impl Iterator<Item = Attr<'a>>) -> String {
    let mut out = String::new();
    for a in attrs {
        if !out.is_empty() {
            out.push_str(", ");
        }
        let dotted;
        let key = match a.oid {
            OID_CN => "CN",
            [0x55, 0x04, 0x06] => "C",
            [0x55, 0x04, 0x07] => "L",
            [0x55, 0x04, 0x08] => "ST",
            [0x55, 0x04, 0x0a] => "O",
            [0x55, 0x04, 0x0b] => "OU",
            [0x55, 0x04, 0x05] => "serialNumber",
            OID_EMAIL_ATTR => "emailAddress",
            [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
            other => {
                dotted = crate::cert::oid_bytes_to_string(other);
                &dotted
            }
        };
        out.push_str(key);
        out.push('=');
        match std::str::from_utf8(a.value) {
            Ok(v) if a.tag != 30 => out.push_str(v),
            _ => out.push_str(&format!(
                "#{}",
                crate::cert::hex_colon(a.value).replace(':', "")
            )),
        }
    }
    out
}

/// Whether `name` lies in the subtree rooted at `base` (base's RDNs are a prefix of name's).
pub(crate) fn in_subtree(name: &Name, base: &Name) -> bool {
    base.rdn_count <= name.rdn_count && base.rdns().zip(name.rdns()).all(|(b, n)| rdn_equal(b, n))
}

/// Name equality for chaining (RFC 5280 7.1): byte-identical, or equal attribute by attribute
/// with strings compared case-insensitively and spaces folded.
pub(crate) fn equal(a: &Name, b: &Name) -> bool {
    if a.raw == b.raw {
        return true;
    }
    if a.rdn_count != b.rdn_count {
        return false;
    }
    // The usual shape, one attribute per RDN in both: attribute i against attribute i (what
    // rdn_equal does for RDNs of one attribute each), without grouping by RDN.
    let single = |n: &Name| n.attrs.iter().enumerate().all(|(i, x)| x.rdn as usize == i);
    if a.attrs.len() == b.attrs.len() && single(a) && single(b) {
        return a.attrs().zip(b.attrs()).all(|(x, y)| attr_equal(&x, &y));
    }
    a.rdns().zip(b.rdns()).all(|(x, y)| rdn_equal(x, y))
}

fn rdn_equal(a: Rdn<'_>, b: Rdn<'_>) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| attr_equal(&x, &y)))
}

/// Attribute values compare by RFC 5280 7.1 in its simple form: strings case-insensitively with
/// runs of spaces folded; anything else byte for byte.
fn attr_equal(a: &Attr<'_>, b: &Attr<'_>) -> bool {
    let (a_value, b_value) = (a.value, b.value);
    if a.oid != b.oid {
        return false;
    }
    // The same type and bytes: equal under every comparison below.
    if a.tag == b.tag && a_value == b_value {
        return true;
    }
    // UTF8, Printable, IA5, Teletex.
    let string = |tag: u32| matches!(tag, 12 | 19 | 22 | 20);
    if string(a.tag) && string(b.tag) {
        if a_value.is_ascii() && b_value.is_ascii() {
            return folded_eq_ascii(a_value, b_value);
        }
        if let (Ok(x), Ok(y)) = (std::str::from_utf8(a_value), std::str::from_utf8(b_value)) {
            return folded_eq(x, y);
        }
    }
    // Not both strings: byte for byte, and the bytes differ (or the types do).
    false
}

/// `folded_eq` for ASCII strings, byte by byte: the same words (split at what
/// `char::is_whitespace` calls white space in ASCII: tab to carriage return, and space),
/// compared ignoring ASCII case.
fn folded_eq_ascii(a: &[u8], b: &[u8]) -> bool {
    let space = |c: u8| c == b' ' || (0x09..=0x0d).contains(&c);
    // Equal strings end with the same letter up to case (or are both all white space): a
    // cheap test that tells most different names apart ("Test Root", "Test Intermediate").
    let last = |v: &[u8]| {
        v.iter()
            .rev()
            .find(|&&c| !space(c))
            .map(u8::to_ascii_lowercase)
    };
    if last(a) != last(b) {
        return false;
    }
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
            ("Test RooT\t", "test root"),
            ("ab ", "AB\x0c"),
            ("a b", "a c"),
            ("  ", ""),
            ("a", "  "),
            ("x y", "x  Y "),
        ];
        for (x, y) in cases {
            assert_eq!(
                folded_eq_ascii(x.as_bytes(), y.as_bytes()),
                folded_eq(x, y),
                "{x:?} {y:?}"
            );
        }
    }

    /// A name of one CN attribute per entry, made unique by `raw`.
    fn name(raw: u8, attrs: &[(u32, &str)]) -> Name {
        let mut n = Name::empty();
        n.raw.push(raw);
        for (tag, v) in attrs {
            n = n.extended(&[AttrBuf {
                oid: AttrBytes::from_slice(&[0x55, 4, 3]),
                tag: *tag,
                value: AttrBytes::from_slice(v.as_bytes()),
            }]);
        }
        n
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
