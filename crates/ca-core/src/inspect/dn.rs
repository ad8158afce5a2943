//! Distinguished names as text, attribute by attribute.
//!
//! x509-parser's own text form fails as a whole (`<X509Error: Invalid X.509 name>`) when one
//! attribute does not decode, e.g. a UTF8String holding bytes that are not UTF-8, which other
//! tools write. Here every attribute that decodes is shown as it is, and one that does not is
//! shown with its bad bytes escaped (`\xff`) and marked `(invalid UTF8String)`.

use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use crate::text::{escape_untrusted, escape_untrusted_bytes};

/// A name in its two forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameText {
    /// For JSON: valid values exactly as they are, invalid ones escaped and marked.
    pub value: String,
    /// For a terminal: every value escaped ([`escape_untrusted`]), invalid ones marked.
    pub text: String,
    /// Some attribute did not decode as its string type says.
    pub invalid: bool,
}

/// "CN=example.com, O=Example"; attributes of one RDN joined by " + ".
pub fn name_text(name: &X509Name<'_>) -> NameText {
    let mut out = NameText {
        value: String::new(),
        text: String::new(),
        invalid: false,
    };
    for (i, rdn) in name.iter_rdn().enumerate() {
        for (j, attr) in rdn.iter().enumerate() {
            let sep = match (i, j) {
                (0, 0) => "",
                (_, 0) => ", ",
                _ => " + ",
            };
            let key = attribute_key(attr);
            let (value, text, valid) = match attribute_value(attr) {
                Value::Text(s) => (s.clone(), escape_untrusted(&s).into_owned(), true),
                Value::Invalid(shown) => (shown.clone(), shown, false),
            };
            out.invalid |= !valid;
            out.value.push_str(&format!("{sep}{key}={value}"));
            out.text.push_str(&format!("{sep}{key}={text}"));
        }
    }
    out
}

fn attribute_key(attr: &AttributeTypeAndValue<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    match x509_parser::objects::oid2abbrev(attr.attr_type(), registry) {
        Ok(abbrev) => abbrev.to_string(),
        Err(_) => attr.attr_type().to_id_string(),
    }
}

enum Value {
    Text(String),
    /// Escaped and marked, e.g. `ab\xff (invalid UTF8String)`.
    Invalid(String),
}

fn attribute_value(attr: &AttributeTypeAndValue<'_>) -> Value {
    let any = attr.attr_value();
    let data = any.data;
    let tag = any.tag();
    let invalid = |what: &str, shown: String| Value::Invalid(format!("{shown} (invalid {what})"));
    match tag {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GeneralString
        | Tag::GraphicString
        | Tag::T61String
        | Tag::VideotexString
        | Tag::ObjectDescriptor => match std::str::from_utf8(data) {
            Ok(s) => Value::Text(s.to_string()),
            Err(_) => invalid(string_type(tag), escape_untrusted_bytes(data).into_owned()),
        },
        // UCS-2/UTF-16, big-endian.
        Tag::BmpString => {
            let units = data
                .chunks(2)
                .map(|c| match c {
                    [a, b] => Some(u16::from_be_bytes([*a, *b])),
                    _ => None,
                })
                .collect::<Option<Vec<u16>>>();
            match units.and_then(|u| String::from_utf16(&u).ok()) {
                Some(s) => Value::Text(s),
                None => invalid("BMPString", hex_bytes(data)),
            }
        }
        // UCS-4, big-endian.
        Tag::UniversalString => {
            let chars = data
                .chunks(4)
                .map(|c| {
                    let n = u32::from_be_bytes(c.try_into().ok()?);
                    char::from_u32(n)
                })
                .collect::<Option<String>>();
            match chars {
                Some(s) => Value::Text(s),
                None => invalid("UniversalString", hex_bytes(data)),
            }
        }
        // Not a string type: its bytes in hex, as x509-parser and RFC 4514 do.
        _ => Value::Text(data.iter().map(|b| format!("{b:02X}")).collect()),
    }
}

fn string_type(tag: Tag) -> &'static str {
    match tag {
        Tag::Utf8String => "UTF8String",
        Tag::PrintableString => "PrintableString",
        Tag::Ia5String => "IA5String",
        Tag::NumericString => "NumericString",
        Tag::VisibleString => "VisibleString",
        Tag::T61String => "TeletexString",
        _ => "string",
    }
}

fn hex_bytes(data: &[u8]) -> String {
    data.iter().map(|b| format!("\\x{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::FromDer;

    /// SEQUENCE { SET { SEQUENCE { OID, value } } ... } for (oid bytes, tag, value) triples.
    fn name_der(attrs: &[(&[u8], u8, &[u8])]) -> Vec<u8> {
        let tlv = |tag: u8, body: &[u8]| {
            let mut v = vec![tag, body.len() as u8];
            v.extend_from_slice(body);
            v
        };
        let mut rdns = Vec::new();
        for (oid, tag, value) in attrs {
            let mut atv = tlv(0x06, oid);
            atv.extend(tlv(*tag, value));
            rdns.extend(tlv(0x31, &tlv(0x30, &atv)));
        }
        tlv(0x30, &rdns)
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];

    #[test]
    fn a_bad_utf8string_is_escaped_and_marked_and_the_rest_readable() {
        let der = name_der(&[(O, 0x0c, b"Good Org"), (CN, 0x0c, b"ab\xffcd")]);
        let (_, name) = X509Name::from_der(&der).unwrap();
        let t = name_text(&name);
        assert!(t.invalid);
        assert_eq!(t.value, "O=Good Org, CN=ab\\xffcd (invalid UTF8String)");
        assert_eq!(t.text, t.value);
    }

    #[test]
    fn valid_names_read_as_before_and_text_is_escaped() {
        let der = name_der(&[(CN, 0x0c, b"a\x1bb"), (O, 0x1e, &[0, b'Z', 0, 0xfc])]);
        let (_, name) = X509Name::from_der(&der).unwrap();
        let t = name_text(&name);
        assert!(!t.invalid);
        assert_eq!(t.value, "CN=a\x1bb, O=Z\u{fc}");
        assert_eq!(t.text, "CN=a\\x1bb, O=Z\u{fc}");
    }
}
