//! Why a certificate does not parse, in the file's own terms: which part is broken (the
//! issuer name, the validity dates, extension 2.5.29.17 (subjectAltName)...) and how (the
//! data ends too early, a wrong type, not DER), never the parser's internals
//! (`Parsing requires 1 bytes/chars`, `NomError(Many1)`).
//!
//! `Certificate::from_der` is the one parser verdict: `ca verify` refuses with it, and
//! `ca inspect` shows the same words for a certificate it can display but `verify` refuses.

use x509_parser::certificate::Validity;
use x509_parser::der_parser::error::BerError;
use x509_parser::error::X509Error;
use x509_parser::extensions::X509Extension;
use x509_parser::nom;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo, X509Name};

use crate::der::read_tlv;

/// Words for a failure of x509-parser's certificate parser on `der`: the part of the
/// certificate that does not parse, and how, when it can be found; else the kind of failure.
pub(crate) fn certificate_error(der: &[u8], e: &nom::Err<X509Error>) -> String {
    locate(der).unwrap_or_else(|| x509_error(e))
}

/// How an extension's value fails to parse.
pub(crate) fn extension_error(e: &nom::Err<BerError>) -> String {
    match e {
        nom::Err::Incomplete(_) => "its value ends too early (truncated)".into(),
        nom::Err::Error(b) | nom::Err::Failure(b) => ber_error(b),
    }
}

/// What the DER says about the outer structure when it is not even one complete element.
pub(crate) fn outer_error(der: &[u8]) -> Option<String> {
    if der.first() != Some(&0x30) {
        return Some("it does not start with a DER SEQUENCE (not a DER certificate)".into());
    }
    let declared = declared_length(der)?;
    if declared > der.len() {
        return Some(format!(
            "truncated: it declares {declared} bytes but has {}",
            der.len()
        ));
    }
    None
}

/// Total length (header and content) a definite-length DER header declares.
fn declared_length(input: &[u8]) -> Option<usize> {
    let first = *input.get(1)?;
    if first < 0x80 {
        return Some(2 + first as usize);
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let bytes = input.get(2..2 + n)?;
    Some(2 + n + bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize))
}

/// Parses the fields of tbsCertificate one by one to name the first that fails.
fn locate(der: &[u8]) -> Option<String> {
    let (outer, _) = read_tlv(der)?;
    let (tbs, _) = read_tlv(outer.content)?;
    let mut fields = tbs.content;
    let mut next = || {
        let (t, rest) = read_tlv(fields)?;
        fields = rest;
        Some(t)
    };
    let mut field = next()?;
    if field.tag == 0xa0 {
        field = next()?;
    }
    if field.tag != 0x02 {
        return Some("the serial number is not an INTEGER".into());
    }
    fn check<'a, T: FromDer<'a, X509Error>>(what: &str, whole: &'a [u8]) -> Option<String> {
        match T::from_der(whole) {
            Ok(([], _)) => None,
            Ok((rest, _)) => Some(format!("{what}: {} bytes after its end", rest.len())),
            Err(e) => Some(format!("{what}: {}", x509_error(&e))),
        }
    }
    /// A field's name and the check that reports it.
    type Part = (&'static str, fn(&[u8]) -> Option<String>);
    let parts: [Part; 5] = [
        ("the signature algorithm", |w| {
            check::<AlgorithmIdentifier>("the signature algorithm", w)
        }),
        ("the issuer name", |w| {
            check::<X509Name>("the issuer name", w)
        }),
        ("the validity dates", |w| {
            check::<Validity>("the validity dates", w)
        }),
        ("the subject name", |w| {
            check::<X509Name>("the subject name", w)
        }),
        ("the public key (SubjectPublicKeyInfo)", |w| {
            check::<SubjectPublicKeyInfo>("the public key (SubjectPublicKeyInfo)", w)
        }),
    ];
    for (what, check) in parts {
        let Some(f) = next() else {
            return Some(format!("{what} is missing"));
        };
        if let Some(problem) = check(f.whole) {
            return Some(problem);
        }
    }
    while let Some(f) = next() {
        if f.tag == 0xa3 {
            return extensions(f.content);
        }
    }
    None
}

/// Extensions ::= SEQUENCE OF Extension, each checked alone.
fn extensions(explicit: &[u8]) -> Option<String> {
    let (list, _) = read_tlv(explicit)?;
    if list.tag != 0x30 {
        return Some("the extensions are not a SEQUENCE".into());
    }
    let mut items = list.content;
    let mut index = 0;
    while !items.is_empty() {
        index += 1;
        let Some((item, rest)) = read_tlv(items) else {
            return Some(format!("extension #{index} is not valid DER"));
        };
        items = rest;
        if let Err(e) = X509Extension::from_der(item.whole) {
            return Some(format!("extension #{index}: {}", x509_error(&e)));
        }
    }
    None
}

/// How x509-parser failed, in words (truncated, which part is malformed, not DER...), for
/// any X.509 structure (certificate, CSR, CRL); never its internals.
pub fn x509_error(e: &nom::Err<X509Error>) -> String {
    match e {
        nom::Err::Incomplete(_) => "the data ends too early (truncated)".into(),
        nom::Err::Error(x) | nom::Err::Failure(x) => match x {
            X509Error::InvalidVersion => "the version is not v1, v2 or v3".into(),
            X509Error::InvalidSerial => "the serial number is malformed".into(),
            X509Error::InvalidAlgorithmIdentifier => "an algorithm identifier is malformed".into(),
            X509Error::InvalidX509Name => "a name is malformed".into(),
            X509Error::InvalidDate => "a date is malformed".into(),
            X509Error::InvalidSPKI => "the public key (SubjectPublicKeyInfo) is malformed".into(),
            X509Error::InvalidSubjectUID | X509Error::InvalidIssuerUID => {
                "a unique identifier is malformed".into()
            }
            X509Error::InvalidExtensions => "the extensions are malformed".into(),
            X509Error::DuplicateExtensions => "an extension appears twice".into(),
            X509Error::InvalidAttributes | X509Error::DuplicateAttributes => {
                "a name attribute is malformed".into()
            }
            X509Error::InvalidSignatureValue => "the signature value is malformed".into(),
            X509Error::Der(b) => ber_error(b),
            X509Error::NomError(_) => "a structure that must hold items is empty or broken".into(),
            _ => "the structure is not a valid X.509 certificate".into(),
        },
    }
}

fn ber_error(e: &BerError) -> String {
    match e {
        BerError::Incomplete(_) => "the data ends too early (truncated)".into(),
        BerError::InvalidLength => "a length is wrong".into(),
        BerError::UnexpectedTag { actual, .. } => {
            format!("a field has the wrong type (found tag {})", actual.0)
        }
        BerError::UnexpectedClass { .. } | BerError::BerTypeError | BerError::InvalidTag => {
            "a field has the wrong type".into()
        }
        BerError::StringInvalidCharset => "a string holds characters its type forbids".into(),
        BerError::InvalidDateTime => "a date is malformed".into(),
        BerError::IndefiniteLengthUnexpected
        | BerError::DerConstraintFailed(_)
        | BerError::ConstructExpected
        | BerError::ConstructUnexpected => "not DER (a BER-only encoding)".into(),
        BerError::IntegerTooLarge | BerError::IntegerNegative => "a number is out of range".into(),
        BerError::BerMaxDepth => "it is nested too deeply".into(),
        BerError::NomError(_) => "a structure that must hold items is empty or broken".into(),
        _ => "a value is malformed".into(),
    }
}

/// An extension by OID with its RFC 5280 name when it has one: "2.5.29.17 (subjectAltName)".
pub(crate) fn extension_name(dotted: &str) -> String {
    let name = match dotted {
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extKeyUsage",
        "2.5.29.54" => "inhibitAnyPolicy",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        _ => return dotted.to_string(),
    };
    format!("{dotted} ({name})")
}

/// A GeneralName that does not parse, by its form (RFC 5280 4.2.1.6).
pub(crate) fn general_name_error(tag: u32) -> String {
    let form = match tag {
        0 => "otherName",
        1 => "rfc822Name",
        2 => "dNSName",
        3 => "x400Address",
        4 => "directoryName",
        5 => "ediPartyName",
        6 => "uniformResourceIdentifier",
        7 => "iPAddress",
        8 => "registeredID",
        _ => return format!("a name of unknown form [{tag}]"),
    };
    let why = match tag {
        1 | 2 | 6 => ": not an IA5String (ASCII text)",
        _ => "",
    };
    format!("a malformed {form} ([{tag}]){why}")
}

/// RFC 5280 4.1.2.4: Name ::= SEQUENCE OF RelativeDistinguishedName, and
/// RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue. x509-parser stops
/// quietly at an empty SET and ignores what follows it, so the issuer and subject are checked
/// on the bytes: every element a non-empty SET.
pub(crate) fn names_encoding(der: &[u8]) -> Result<(), String> {
    let Some(fields) = tbs_fields(der) else {
        return Ok(()); // the shape checks report it
    };
    // serial, signature, issuer, validity, subject
    for (what, name) in [("issuer", fields.get(2)), ("subject", fields.get(4))] {
        let Some(&name) = name else { return Ok(()) };
        let Some((seq, _)) = read_tlv(name) else {
            return Ok(());
        };
        let mut rdns = seq.content;
        while !rdns.is_empty() {
            match read_tlv(rdns) {
                Some((rdn, rest)) if rdn.tag == 0x31 && !rdn.content.is_empty() => rdns = rest,
                Some((rdn, _)) if rdn.tag == 0x31 => {
                    return Err(format!(
                        "the {what} name: an RDN with no attribute (RFC 5280 4.1.2.4: \
                         RelativeDistinguishedName is a SET of at least one)"
                    ))
                }
                _ => {
                    return Err(format!(
                        "the {what} name: an element that is not an RDN (SET)"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The whole TLVs of tbsCertificate's fields after the optional version.
fn tbs_fields(der: &[u8]) -> Option<Vec<&[u8]>> {
    let (outer, _) = read_tlv(der)?;
    let (tbs, _) = read_tlv(outer.content)?;
    let mut rest = tbs.content;
    let mut out = Vec::new();
    while let Some((t, r)) = read_tlv(rest) {
        if !(out.is_empty() && t.tag == 0xa0) {
            out.push(t.whole);
        }
        rest = r;
    }
    Some(out)
}

/// RFC 5280 4.1.2.5: validity dates MUST be UTCTime `YYMMDDHHMMSSZ` (4.1.2.5.1) or
/// GeneralizedTime `YYYYMMDDHHMMSSZ` (4.1.2.5.2): in UTC (`Z`, no offset), seconds present,
/// no fractional seconds. The same rule for both encodings, checked on the bytes (x509-parser
/// accepts a UTCTime with an offset but refuses a GeneralizedTime without `Z`). Which
/// encoding a date uses (UTCTime through 2049) is left alone: a CA rule that verifiers
/// commonly do not enforce, and harmless to read.
pub(crate) fn validity_encoding(der: &[u8]) -> Result<(), String> {
    let Some(validity) = validity_content(der) else {
        return Ok(()); // the shape checks report a missing validity
    };
    let mut rest = validity;
    for field in ["notBefore", "notAfter"] {
        let Some((t, r)) = read_tlv(rest) else {
            return Err(format!("the validity dates: {field} is missing or not DER"));
        };
        rest = r;
        let digits = |n: usize| {
            t.content.len() == n + 1
                && t.content[..n].iter().all(u8::is_ascii_digit)
                && t.content[n] == b'Z'
        };
        let (ok, form, clause) = match t.tag {
            0x17 => (digits(12), "UTCTime", "YYMMDDHHMMSSZ (RFC 5280 4.1.2.5.1)"),
            0x18 => (
                digits(14),
                "GeneralizedTime",
                "YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5.2)",
            ),
            _ => {
                return Err(format!(
                    "the validity dates: {field} is neither UTCTime nor GeneralizedTime"
                ))
            }
        };
        if !ok {
            // The file's bytes, quoted: escaped (they may hold anything).
            let shown = crate::text::escape_untrusted_bytes(t.content);
            return Err(format!(
                "the validity dates: {field} is the {form} \"{shown}\", which must be \
                 {clause}: in UTC with a Z, seconds present, no fraction"
            ));
        }
    }
    Ok(())
}

/// The content of tbsCertificate's validity SEQUENCE.
fn validity_content(der: &[u8]) -> Option<&[u8]> {
    let (outer, _) = read_tlv(der)?;
    let (tbs, _) = read_tlv(outer.content)?;
    let mut fields = tbs.content;
    let (mut field, mut rest) = read_tlv(fields)?;
    if field.tag == 0xa0 {
        (field, rest) = read_tlv(rest)?;
    }
    let _serial = field;
    fields = rest;
    for _ in 0..2 {
        // signature, issuer
        fields = read_tlv(fields)?.1;
    }
    let (validity, _) = read_tlv(fields)?;
    (validity.tag == 0x30).then_some(validity.content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert_with_times(not_before: (u8, &[u8]), not_after: (u8, &[u8])) -> Vec<u8> {
        fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
            let mut v = vec![tag, body.len() as u8];
            v.extend_from_slice(body);
            v
        }
        let mut validity = tlv(not_before.0, not_before.1);
        validity.extend(tlv(not_after.0, not_after.1));
        let mut tbs = tlv(0xa0, &[2, 1, 2]);
        tbs.extend(tlv(0x02, &[1]));
        tbs.extend(tlv(0x30, &[]));
        tbs.extend(tlv(0x30, &[]));
        tbs.extend(tlv(0x30, &validity));
        tlv(0x30, &tlv(0x30, &tbs))
    }

    #[test]
    fn both_time_encodings_follow_the_same_rule() {
        let ok = cert_with_times((0x17, b"260101000000Z"), (0x18, b"20500101000000Z"));
        assert_eq!(validity_encoding(&ok), Ok(()));
        for (tag, bad) in [
            (0x17, &b"2601010000+0100"[..]),
            (0x17, b"2601010000Z"),
            (0x17, b"260101000000"),
            (0x18, b"20500101000000"),
            (0x18, b"20500101000000.5Z"),
            (0x18, b"20500101000000+0000"),
        ] {
            let der = cert_with_times((tag, bad), (0x17, b"270101000000Z"));
            let e = validity_encoding(&der).unwrap_err();
            assert!(
                e.contains("notBefore") && e.contains("RFC 5280 4.1.2.5"),
                "{e}"
            );
        }
    }
}
