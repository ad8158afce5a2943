//! A minimal DER reader for the few places where x509-parser does not expose raw bytes.

/// One DER element: its tag byte, its content and the whole encoding.
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) whole: &'a [u8],
}

/// Reads one element with a single-byte tag and a minimal definite length; returns it and the rest.
#[inline(always)]
pub(crate) fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // high tag numbers do not occur where we look
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        // DER: the shortest form, no leading zero bytes.
        if len < 0x80 || rest[0] == 0 {
            return None;
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    let whole = &input[..header + len];
    Some((
        Tlv {
            tag,
            content: &rest[..len],
            whole,
        },
        &rest[len..],
    ))
}

/// Where `part`, a slice of `whole`, lies in it; None when it is not inside.
pub(crate) fn place(whole: &[u8], part: &[u8]) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(start..end)
}

/// Whether `der` is exactly one element.
pub(crate) fn is_single_element(der: &[u8]) -> bool {
    matches!(read_tlv(der), Some((_, rest)) if rest.is_empty())
}

/// The first element inside a SEQUENCE that makes up all of `der` (the TBS part of a signed object).
pub(crate) fn first_in_sequence(der: &[u8]) -> Option<&[u8]> {
    let (outer, rest) = read_tlv(der)?;
    if outer.tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (inner, _) = read_tlv(outer.content)?;
    Some(inner.whole)
}

/// Checks the outer shape of a certificate strictly (x509-parser accepts some wrong tags):
/// SEQUENCE { tbs SEQUENCE, AlgorithmIdentifier SEQUENCE, BIT STRING } with a TBS made of
/// version [0]?, INTEGER, SEQUENCE x5 (signature, issuer, validity, subject, SPKI),
/// [1]?, [2]?, [3]? in that order and nothing else. Returns whether the outer
/// signatureAlgorithm is byte for byte the one inside the TBS (RFC 5280 4.1.1.2).
pub(crate) fn check_certificate_shape(der: &[u8]) -> Result<bool, &'static str> {
    let (outer, rest) = read_tlv(der).ok_or("not DER")?;
    if outer.tag != 0x30 || !rest.is_empty() {
        return Err("certificate is not one SEQUENCE");
    }
    let mut parts = outer.content;
    let mut next = |want: u8, what: &'static str| -> Result<Tlv<'_>, &'static str> {
        let (t, r) = read_tlv(parts).ok_or(what)?;
        if t.tag != want {
            return Err(what);
        }
        parts = r;
        Ok(t)
    };
    let tbs = next(0x30, "tbsCertificate is not a SEQUENCE")?;
    let outer_alg = next(0x30, "signatureAlgorithm is not a SEQUENCE")?.whole;
    next(0x03, "signature is not a BIT STRING")?;
    if !parts.is_empty() {
        return Err("bytes after the signature");
    }
    let mut fields = tbs.content;
    let mut expect = |tags: &[u8], optional: bool, what: &'static str| match read_tlv(fields) {
        Some((t, r)) if tags.contains(&t.tag) => {
            fields = r;
            Ok(Some(t.whole))
        }
        _ if optional => Ok(None),
        _ => Err(what),
    };
    expect(&[0xa0], true, "bad version")?;
    expect(&[0x02], false, "serialNumber is not an INTEGER")?;
    let inner_alg = expect(&[0x30], false, "signature is not a SEQUENCE")?;
    expect(&[0x30], false, "issuer is not a SEQUENCE")?;
    expect(&[0x30], false, "validity is not a SEQUENCE")?;
    expect(&[0x30], false, "subject is not a SEQUENCE")?;
    expect(&[0x30], false, "subjectPublicKeyInfo is not a SEQUENCE")?;
    expect(&[0x81], true, "bad issuerUniqueID")?;
    expect(&[0x82], true, "bad subjectUniqueID")?;
    expect(&[0xa3], true, "bad extensions")?;
    if !fields.is_empty() {
        return Err("unexpected fields in tbsCertificate");
    }
    Ok(inner_alg == Some(outer_alg))
}

/// NameConstraints ::= SEQUENCE { permittedSubtrees [0] OPTIONAL, excludedSubtrees [1] OPTIONAL },
/// each a non-empty list of GeneralSubtree SEQUENCEs holding only a base (RFC 5280 forbids
/// minimum and maximum). True when the encoding is exactly that.
pub(crate) fn name_constraints_are_plain(value: &[u8]) -> bool {
    let Some((outer, rest)) = read_tlv(value) else {
        return false;
    };
    if outer.tag != 0x30 || !rest.is_empty() {
        return false;
    }
    let mut fields = outer.content;
    let mut last_tag = 0u8;
    while !fields.is_empty() {
        let Some((list, r)) = read_tlv(fields) else {
            return false;
        };
        fields = r;
        if !(list.tag == 0xa0 || list.tag == 0xa1)
            || list.tag <= last_tag
            || list.content.is_empty()
        {
            return false;
        }
        last_tag = list.tag;
        let mut subtrees = list.content;
        while !subtrees.is_empty() {
            let Some((sub, r)) = read_tlv(subtrees) else {
                return false;
            };
            subtrees = r;
            match read_tlv(sub.content) {
                Some((_base, after)) if sub.tag == 0x30 && after.is_empty() => {}
                _ => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let (t, rest) = read_tlv(&[0x04, 0x02, 0xaa, 0xbb, 0xff]).unwrap();
        assert_eq!(
            (t.tag, t.content, rest),
            (0x04, &[0xaa, 0xbb][..], &[0xff][..])
        );
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(0u8, 0x80));
        assert_eq!(read_tlv(&long).unwrap().0.content.len(), 0x80);
    }

    #[test]
    fn name_constraints_shape() {
        // permitted: dNSName "a"
        assert!(name_constraints_are_plain(&[
            0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x82, 0x01, b'a'
        ]));
        // the same subtree with minimum [0] 0
        assert!(!name_constraints_are_plain(&[
            0x30, 0x0a, 0xa0, 0x08, 0x30, 0x06, 0x82, 0x01, b'a', 0x80, 0x01, 0x00
        ]));
        // permitted [0] NULL
        assert!(!name_constraints_are_plain(&[
            0x30, 0x04, 0xa0, 0x02, 0x05, 0x00
        ]));
        // empty
        assert!(name_constraints_are_plain(&[0x30, 0x00]));
    }

    #[test]
    fn refuses_non_minimal_and_truncated() {
        assert!(read_tlv(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]).is_none());
        assert!(read_tlv(&[0x04, 0x05, 1]).is_none());
        assert!(read_tlv(&[]).is_none());
    }
}
