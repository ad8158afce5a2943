//! Parsing a certificate in place, straight from its DER, for the shape most certificates have.
//!
//! x509-parser builds a full tree of every certificate (every name attribute, every extension,
//! decoded into its own types) before `cert` copies out what the checks need; on a verification
//! that costs several times what the checks themselves do. This reader walks the DER once,
//! borrowing slices, and accepts only a strict subset of X.509: a v3 certificate whose fields
//! are minimal DER, whose names hold plain strings, whose times are in the RFC 5280 4.1.2.5
//! forms, whose key is RSA, ECDSA on a named curve or Ed25519, and whose extensions are among
//! basicConstraints, keyUsage, extendedKeyUsage (the usual purposes), subjectAltName (DNS, IP,
//! e-mail, URI names), subjectKeyIdentifier and authorityKeyIdentifier (a key id alone).
//!
//! Anything else, malformed or merely unusual, returns `None` and `Certificate::from_der`
//! takes the x509-parser road, which decides and words the error. So this reader can only
//! accept what that road accepts, with the same result (a test compares the two on every
//! certificate of x509-limbo and PKITS); it never refuses anything on its own.

use std::sync::Arc;

use crate::cert::{known_dotted, AlgId, CertData, GeneralName, Name};
use crate::der::{read_tlv, Tlv};
use crate::extensions::{
    AuthorityKeyId, BasicConstraints, Crit, Extensions, KeyId, Purposes, SanList,
};
use crate::key::{Curve, PublicKey};

/// Reads one element of tag `tag` from the front of `input`, advancing it.
#[inline(always)]
fn take<'a>(input: &mut &'a [u8], tag: u8) -> Option<Tlv<'a>> {
    let (t, rest) = read_tlv(input)?;
    if t.tag != tag {
        return None;
    }
    *input = rest;
    Some(t)
}

/// Reads one element that must be all of `input`.
#[inline(always)]
fn only(input: &[u8], tag: u8) -> Option<Tlv<'_>> {
    let mut rest = input;
    let t = take(&mut rest, tag)?;
    rest.is_empty().then_some(t)
}

/// The certificate's data, or None when it is not of the shape this reader accepts. Read
/// straight into its shared allocation: the data is large (names, extensions), and building it
/// elsewhere first would copy it once per move.
pub(crate) fn parse(der: &[u8]) -> Option<Arc<CertData>> {
    let mut shared = Arc::new(CertData::empty());
    read_into(Arc::get_mut(&mut shared)?, der)?;
    Some(shared)
}

/// Fills `d` from `der`, field by field in place; None as soon as a part is not of the shape
/// this reader accepts (`d` is then dropped half filled).
fn read_into(d: &mut CertData, der: &[u8]) -> Option<()> {
    let cert = only(der, 0x30)?;
    let mut parts = cert.content;
    let tbs = take(&mut parts, 0x30)?;
    let outer_alg = take(&mut parts, 0x30)?;
    let signature = take(&mut parts, 0x03)?;
    if !parts.is_empty() {
        return None;
    }
    let signature = bit_string(signature.content)?;

    let mut f = tbs.content;
    // v3 only: [0] EXPLICIT INTEGER 2.
    if take(&mut f, 0xa0)?.content != [0x02, 0x01, 0x02] {
        return None;
    }
    let serial = take(&mut f, 0x02)?;
    if !minimal_integer(serial.content) {
        return None;
    }
    let inner_alg = take(&mut f, 0x30)?;
    name_into(&mut d.issuer, take(&mut f, 0x30)?)?;
    let validity = take(&mut f, 0x30)?;
    {
        let mut v = validity.content;
        d.not_before = time(read_tlv(v)?.0)?;
        v = read_tlv(v)?.1;
        let (na, rest) = read_tlv(v)?;
        if !rest.is_empty() {
            return None;
        }
        d.not_after = time(na)?;
    }
    name_into(&mut d.subject, take(&mut f, 0x30)?)?;
    let spki = take(&mut f, 0x30)?;
    d.public_key = public_key(spki.content, der)?;
    // No unique identifiers (x509-parser's road handles them); extensions last.
    if !f.is_empty() {
        let e = take(&mut f, 0xa3)?;
        if !f.is_empty() {
            return None;
        }
        extensions_into(&mut d.ext, e.content)?;
    }

    let offset = |part: &[u8]| part.as_ptr() as usize - der.as_ptr() as usize;
    let tbs_start = offset(tbs.whole);
    let signature_start = offset(signature);
    let spki_start = offset(spki.whole);
    d.signature_algorithm = alg_id(outer_alg.content)?;
    d.tbs_signature_algorithm = alg_id(inner_alg.content)?;
    d.tbs = tbs_start..tbs_start + tbs.whole.len();
    d.signature_range = signature_start..signature_start + signature.len();
    d.algorithms_match = inner_alg.whole == outer_alg.whole;
    d.version = 3;
    d.serial = crate::cert::Serial::from_slice(serial.content);
    d.spki_range = spki_start..spki_start + spki.whole.len();
    d.has_unique_ids = false;
    d.der = der.to_vec();
    Some(())
}

/// A BIT STRING's content with no unused bits: the bytes.
fn bit_string(content: &[u8]) -> Option<&[u8]> {
    match content.split_first() {
        Some((0, bytes)) => Some(bytes),
        _ => None,
    }
}

/// A non-empty INTEGER in its shortest form.
fn minimal_integer(c: &[u8]) -> bool {
    match c {
        [] => false,
        [0x00, next, ..] => next & 0x80 != 0,
        [0xff, next, ..] => next & 0x80 == 0,
        _ => true,
    }
}

/// OBJECT IDENTIFIER content: at least one subidentifier, each minimal and terminated.
fn valid_oid(c: &[u8]) -> bool {
    let Some(&last) = c.last() else { return false };
    if last & 0x80 != 0 {
        return false;
    }
    let mut at_start = true;
    for &b in c {
        if at_start && b == 0x80 {
            return false;
        }
        at_start = b & 0x80 == 0;
    }
    true
}

/// AlgorithmIdentifier: an OID the verifier knows, with no parameters, NULL or an OID.
fn alg_id(content: &[u8]) -> Option<AlgId> {
    let mut c = content;
    let oid = known_dotted(take(&mut c, 0x06)?.content)?;
    let params = if c.is_empty() {
        None
    } else {
        let (p, rest) = read_tlv(c)?;
        if !rest.is_empty() {
            return None;
        }
        match p.tag {
            0x05 if p.content.is_empty() => Some((5, Vec::new())),
            0x06 if valid_oid(p.content) => Some((6, p.content.to_vec())),
            _ => return None,
        }
    };
    Some(AlgId {
        oid: std::borrow::Cow::Borrowed(oid),
        params,
    })
}

/// Whether a name attribute's value is a string of one of the usual types, valid for its type.
fn plain_string(tag: u8, value: &[u8]) -> bool {
    match tag {
        // PrintableString (X.680 41.4).
        0x13 => value
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)),
        // UTF8String: most are ASCII, checked faster.
        0x0c => value.is_ascii() || std::str::from_utf8(value).is_ok(),
        // IA5String.
        0x16 => value.is_ascii(),
        _ => false,
    }
}

/// Name ::= SEQUENCE OF RelativeDistinguishedName (SET SIZE (1..MAX) OF AttributeTypeAndValue),
/// read into the empty name `n`: its DER, and where each attribute lies in it.
fn name_into(n: &mut Name, t: Tlv<'_>) -> Option<()> {
    let mut rdns_in = t.content;
    while !rdns_in.is_empty() {
        let set = take(&mut rdns_in, 0x31)?;
        let mut attrs_in = set.content;
        if attrs_in.is_empty() {
            return None;
        }
        let mut new_rdn = true;
        while !attrs_in.is_empty() {
            let atv = take(&mut attrs_in, 0x30)?;
            let mut c = atv.content;
            let oid = take(&mut c, 0x06)?;
            if !valid_oid(oid.content) {
                return None;
            }
            let value = only(c, c.first().copied()?)?;
            if !plain_string(value.tag, value.content) {
                return None;
            }
            n.push_attr(t.whole, new_rdn, oid.content, value.tag, value.content)?;
            new_rdn = false;
        }
    }
    n.raw = crate::name::dn::NameBytes::from_slice(t.whole);
    Some(())
}

/// Two decimal digits as a number.
#[inline(always)]
fn digits(tens: u8, units: u8) -> Option<i64> {
    let (t, u) = (tens.wrapping_sub(b'0'), units.wrapping_sub(b'0'));
    (t < 10 && u < 10).then(|| i64::from(t * 10 + u))
}

/// UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5), in Unix seconds.
fn time(t: Tlv<'_>) -> Option<i64> {
    // Slice patterns: the length is checked once, no index is checked again.
    let (year, rest) = match (t.tag, t.content) {
        // RFC 5280 4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
        (0x17, [y0, y1, rest @ .., b'Z']) => {
            let yy = digits(*y0, *y1)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, rest)
        }
        (0x18, [c0, c1, y0, y1, rest @ .., b'Z']) => {
            (digits(*c0, *c1)? * 100 + digits(*y0, *y1)?, rest)
        }
        _ => return None,
    };
    let &[mo0, mo1, d0, d1, h0, h1, mi0, mi1, s0, s1] = rest else {
        return None;
    };
    let (month, day) = (digits(mo0, mo1)?, digits(d0, d1)?);
    let (hour, minute, second) = (digits(h0, h1)?, digits(mi0, mi1)?, digits(s0, s1)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era arithmetic).
#[inline]
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// SubjectPublicKeyInfo content: an RSA key (NULL parameters, a minimal positive modulus and
/// exponent), an EC key on P-256, P-384 or P-521, or an Ed25519 key; `der` is the certificate.
fn public_key(content: &[u8], der: &[u8]) -> Option<PublicKey> {
    let mut c = content;
    let alg = take(&mut c, 0x30)?;
    let key = bit_string(only(c, 0x03)?.content)?;
    // The key's place in the certificate: its bytes are read from there, not copied.
    let range = crate::der::place(der, key)?;
    let mut a = alg.content;
    let oid = take(&mut a, 0x06)?;
    match oid.content {
        OID_RSA => {
            if a != [0x05, 0x00] {
                return None;
            }
            let seq = only(key, 0x30)?;
            let mut ints = seq.content;
            let modulus = take(&mut ints, 0x02)?.content;
            let exponent = only(ints, 0x02)?.content;
            if !minimal_integer(modulus)
                || !minimal_integer(exponent)
                || modulus[0] & 0x80 != 0
                || exponent[0] & 0x80 != 0
            {
                return None;
            }
            let m = &modulus[modulus.iter().take_while(|&&b| b == 0).count()..];
            let bits = match m.first() {
                Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
                None => 0,
            };
            Some(PublicKey::Rsa { der: range, bits })
        }
        OID_EC => {
            let curve = match only(a, 0x06)?.content {
                [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07] => Curve::P256,
                [0x2b, 0x81, 0x04, 0x00, 0x22] => Curve::P384,
                [0x2b, 0x81, 0x04, 0x00, 0x23] => Curve::P521,
                _ => return None,
            };
            Some(PublicKey::Ec {
                curve,
                point: range,
            })
        }
        OID_ED25519 if a.is_empty() && key.len() == 32 => Some(PublicKey::Ed25519(range)),
        _ => None,
    }
}

/// extendedKeyUsage purposes this reader knows, in the order the x509-parser road lists them.
const EKU_PURPOSES: [(&[u8], &str); 7] = [
    (&[0x55, 0x1d, 0x25, 0x00], crate::options::OID_ANY_EKU),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01],
        crate::options::OID_SERVER_AUTH,
    ),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02],
        crate::options::OID_CLIENT_AUTH,
    ),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03],
        crate::options::OID_CODE_SIGNING,
    ),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04],
        "1.3.6.1.5.5.7.3.4",
    ),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08],
        crate::options::OID_TIME_STAMPING,
    ),
    (
        &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09],
        "1.3.6.1.5.5.7.3.9",
    ),
];

/// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, each of a kind this reader knows, once;
/// read into the empty `e`.
fn extensions_into(e: &mut Extensions, explicit: &[u8]) -> Option<()> {
    let seq = only(explicit, 0x30)?;
    let mut list = seq.content;
    if list.is_empty() {
        return None;
    }
    let mut seen = 0u64;
    while !list.is_empty() {
        let ext = take(&mut list, 0x30)?;
        let mut c = ext.content;
        let oid = take(&mut c, 0x06)?;
        // DER leaves out a FALSE critical flag (DEFAULT FALSE): only TRUE may be present.
        let critical = match c.first() {
            Some(0x01) => {
                if take(&mut c, 0x01)?.content != [0xff] {
                    return None;
                }
                true
            }
            _ => false,
        };
        let v = only(c, 0x04)?.content;
        let [0x55, 0x1d, kind] = oid.content else {
            return None;
        };
        if *kind >= 64 || seen & (1 << kind) != 0 {
            return None;
        }
        seen |= 1 << kind;
        e.count += 1;
        match kind {
            19 => {
                let value = basic_constraints(v)?;
                e.basic_constraints = Some(Crit { critical, value });
            }
            15 => {
                let value = key_usage(v)?;
                e.key_usage = Some(Crit { critical, value });
            }
            37 => {
                let value = extended_key_usage(v)?;
                e.eku = Some(Crit { critical, value });
            }
            17 => {
                let value = subject_alt_name(v)?;
                e.san = Some(Crit { critical, value });
            }
            14 => {
                let id = only(v, 0x04)?.content;
                if id.is_empty() {
                    return None;
                }
                e.ski = Some(Crit {
                    critical,
                    value: KeyId::from_slice(id),
                });
            }
            35 => {
                let id = only(only(v, 0x30)?.content, 0x80)?.content;
                if id.is_empty() {
                    return None;
                }
                let value = AuthorityKeyId {
                    key_id: Some(KeyId::from_slice(id)),
                    has_issuer: false,
                    has_serial: false,
                };
                e.aki = Some(Crit { critical, value });
            }
            _ => return None,
        }
    }
    Some(())
}

/// BasicConstraints: empty, cA TRUE, or cA TRUE with a small pathLenConstraint.
fn basic_constraints(v: &[u8]) -> Option<BasicConstraints> {
    let (ca, path_len) = match v {
        [0x30, 0x00] => (false, None),
        [0x30, 0x03, 0x01, 0x01, 0xff] => (true, None),
        [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, n] if *n < 0x80 => (true, Some(u32::from(*n))),
        _ => return None,
    };
    Some(BasicConstraints { ca, path_len })
}

/// KeyUsage BIT STRING of one or two octets, padding bits zero: bit i of the list is flag 1 << i.
fn key_usage(v: &[u8]) -> Option<u16> {
    let bits = only(v, 0x03)?.content;
    let (&unused, bytes) = bits.split_first()?;
    let last = *bytes.last()?;
    if bytes.len() > 2 || unused > 7 || last & ((1u8 << unused) - 1) != 0 {
        return None;
    }
    Some(
        bytes
            .iter()
            .rev()
            .fold(0u16, |acc, b| (acc << 8) | u16::from(b.reverse_bits())),
    )
}

/// ExtKeyUsageSyntax: a non-empty list of the purposes in `EKU_PURPOSES`.
fn extended_key_usage(v: &[u8]) -> Option<Purposes> {
    let mut list = only(v, 0x30)?.content;
    if list.is_empty() {
        return None;
    }
    let mut present = [false; EKU_PURPOSES.len()];
    while !list.is_empty() {
        let oid = take(&mut list, 0x06)?.content;
        let i = EKU_PURPOSES.iter().position(|(der, _)| *der == oid)?;
        present[i] = true;
    }
    let mut purposes = Purposes::new();
    for ((_, dotted), on) in EKU_PURPOSES.iter().zip(present) {
        if on {
            purposes.push(std::borrow::Cow::Borrowed(*dotted));
        }
    }
    Some(purposes)
}

/// GeneralNames: a non-empty list of dNSName, iPAddress (4 or 16 octets), rfc822Name and
/// uniformResourceIdentifier entries, the text ones printable ASCII.
fn subject_alt_name(v: &[u8]) -> Option<SanList> {
    let mut list = only(v, 0x30)?.content;
    if list.is_empty() {
        return None;
    }
    let mut names = SanList::new();
    while !list.is_empty() {
        let (t, rest) = read_tlv(list)?;
        list = rest;
        let text = || {
            t.content
                .iter()
                .all(|b| (0x20..0x7f).contains(b))
                .then(|| String::from_utf8(t.content.to_vec()).ok())
                .flatten()
        };
        names.push(match t.tag {
            0x82 => GeneralName::Dns(text()?),
            0x81 => GeneralName::Email(text()?),
            0x86 => GeneralName::Uri(text()?),
            0x87 if matches!(t.content.len(), 4 | 16) => GeneralName::Ip(t.content.to_vec()),
            _ => return None,
        });
    }
    Some(names)
}

#[cfg(test)]
#[path = "cert_der_tests.rs"]
mod tests;
