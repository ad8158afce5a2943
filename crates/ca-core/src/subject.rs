//! Subject attributes beyond the common name: `--subject "O=Acme, OU=Platform, C=DE"`.
//!
//! Only the attributes of RFC 5280 appendix A.1 that a CA or TLS
//! certificate's subject commonly carries are accepted, each with its
//! upper bound (ub-*) from there; the CN is not among them, since it comes
//! from `--cn` (CAs) or the first name (leaves).

use std::fmt;
use std::str::FromStr;

use rcgen::{DistinguishedName, DnType};

use crate::cert::CertDer;
use crate::error::{Error, Result};

/// One attribute type the subject may carry, with its RFC 5280 bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectAttribute {
    /// countryName: two letters, ISO 3166 (X520countryName, PrintableString SIZE 2).
    Country,
    /// stateOrProvinceName (ub-state-name 128).
    State,
    /// localityName (ub-locality-name 128).
    Locality,
    /// organizationName (ub-organization-name 64).
    Organization,
    /// organizationalUnitName (ub-organizational-unit-name 64).
    OrganizationalUnit,
}

impl SubjectAttribute {
    const ALL: [SubjectAttribute; 5] = [
        SubjectAttribute::Country,
        SubjectAttribute::State,
        SubjectAttribute::Locality,
        SubjectAttribute::Organization,
        SubjectAttribute::OrganizationalUnit,
    ];

    /// The short name used in `--subject` (and by OpenSSL).
    pub fn short_name(self) -> &'static str {
        match self {
            SubjectAttribute::Country => "C",
            SubjectAttribute::State => "ST",
            SubjectAttribute::Locality => "L",
            SubjectAttribute::Organization => "O",
            SubjectAttribute::OrganizationalUnit => "OU",
        }
    }

    fn max_len(self) -> usize {
        match self {
            SubjectAttribute::Country => 2,
            SubjectAttribute::State | SubjectAttribute::Locality => 128,
            SubjectAttribute::Organization | SubjectAttribute::OrganizationalUnit => 64,
        }
    }

    fn dn_type(self) -> DnType {
        match self {
            SubjectAttribute::Country => DnType::CountryName,
            SubjectAttribute::State => DnType::StateOrProvinceName,
            SubjectAttribute::Locality => DnType::LocalityName,
            SubjectAttribute::Organization => DnType::OrganizationName,
            SubjectAttribute::OrganizationalUnit => DnType::OrganizationalUnitName,
        }
    }

    /// The attribute type's OID (RFC 5280 appendix A.1, id-at-*).
    fn oid(self) -> &'static str {
        match self {
            SubjectAttribute::Country => "2.5.4.6",
            SubjectAttribute::State => "2.5.4.8",
            SubjectAttribute::Locality => "2.5.4.7",
            SubjectAttribute::Organization => "2.5.4.10",
            SubjectAttribute::OrganizationalUnit => "2.5.4.11",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.short_name().eq_ignore_ascii_case(name))
    }
}

/// The subject attributes to put before the CN, in the order given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    attributes: Vec<(SubjectAttribute, String)>,
}

impl Subject {
    /// Parses `O=Acme, OU=Platform, C=DE`: comma-separated `TYPE=value`
    /// pairs (a comma inside a value is written `\,`).
    pub fn parse(text: &str) -> Result<Subject> {
        let mut attributes = Vec::new();
        for part in split_unescaped(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, value)) = part.split_once('=') else {
                return Err(bad(format!(
                    "'{part}' is not TYPE=value (e.g. O=Acme, OU=Platform, C=DE)"
                )));
            };
            let (name, value) = (name.trim(), value.trim());
            let Some(attribute) = SubjectAttribute::parse(name) else {
                let hint = if name.eq_ignore_ascii_case("CN") {
                    "the common name comes from --cn for a CA and from the first name for a \
                     certificate; leave it out of --subject"
                        .to_string()
                } else {
                    format!("use one of {}", Self::names())
                };
                return Err(bad(format!("unknown attribute type '{name}': {hint}")));
            };
            check_value(attribute, value)?;
            attributes.push((attribute, value.to_string()));
        }
        if attributes.is_empty() {
            return Err(bad(format!(
                "no attribute given; write e.g. \"O=Acme, OU=Platform, C=DE\" ({})",
                Self::names()
            )));
        }
        Ok(Subject { attributes })
    }

    /// The attributes of `cert`'s subject that `--subject` takes (all but
    /// the CN), in their order: what a renewal carries over.
    pub fn of(cert: &CertDer) -> Subject {
        let parsed = cert.parsed();
        let mut attributes = Vec::new();
        for rdn in parsed.subject().iter() {
            for attr in rdn.iter() {
                let oid = attr.attr_type().to_id_string();
                let known = SubjectAttribute::ALL.into_iter().find(|a| a.oid() == oid);
                if let (Some(attribute), Ok(value)) = (known, attr.as_str()) {
                    attributes.push((attribute, value.to_string()));
                }
            }
        }
        Subject { attributes }
    }

    fn names() -> String {
        SubjectAttribute::ALL
            .iter()
            .map(|a| a.short_name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
    }

    /// Whether an attribute of this type was given.
    pub fn has(&self, attribute: SubjectAttribute) -> bool {
        self.attributes.iter().any(|(a, _)| *a == attribute)
    }

    /// Adds the attributes to `dn`, in the order given.
    pub(crate) fn push_to(&self, dn: &mut DistinguishedName) {
        for (attribute, value) in &self.attributes {
            dn.push(attribute.dn_type(), value.as_str());
        }
    }
}

impl FromStr for Subject {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Subject::parse(s)
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .attributes
            .iter()
            .map(|(a, v)| format!("{}={}", a.short_name(), v.replace(',', "\\,")))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

fn check_value(attribute: SubjectAttribute, value: &str) -> Result<()> {
    let name = attribute.short_name();
    if value.is_empty() {
        return Err(bad(format!("{name}= has no value")));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(format!("{name}= holds a control character")));
    }
    if attribute == SubjectAttribute::Country {
        // RFC 5280 A.1: X520countryName ::= PrintableString (SIZE (2)), ISO 3166 alpha-2.
        if value.len() != 2 || !value.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(bad(format!(
                "C={value}: the country is two capital letters (ISO 3166), e.g. C=DE"
            )));
        }
        return Ok(());
    }
    let len = value.chars().count();
    if len > attribute.max_len() {
        return Err(bad(format!(
            "{name}= is {len} characters long; at most {} are allowed (RFC 5280 appendix A.1)",
            attribute.max_len()
        )));
    }
    Ok(())
}

/// Splits at commas not preceded by a backslash, and unescapes `\,`.
fn split_unescaped(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                parts.last_mut().expect("never empty").push(',');
                chars.next();
            }
            ',' => parts.push(String::new()),
            other => parts.last_mut().expect("never empty").push(other),
        }
    }
    parts
}

fn bad(problem: String) -> Error {
    Error::Profile(format!("--subject: {problem}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_attributes_in_order() {
        let s = Subject::parse("O=Acme\\, Inc., OU=Platform, C=DE, ST=Berlin, L=Berlin").unwrap();
        assert_eq!(
            s.to_string(),
            "O=Acme\\, Inc., OU=Platform, C=DE, ST=Berlin, L=Berlin"
        );
        assert!(s.has(SubjectAttribute::Organization));
        assert!(Subject::parse("o=acme")
            .unwrap()
            .has(SubjectAttribute::Organization));
    }

    #[test]
    fn refuses_what_does_not_belong_with_the_reason() {
        for (input, words) in [
            (
                "X=1",
                "unknown attribute type 'X': use one of C, ST, L, O, OU",
            ),
            ("CN=foo", "leave it out of --subject"),
            ("O", "is not TYPE=value"),
            ("O=", "O= has no value"),
            ("C=Germany", "two capital letters"),
            ("C=de", "two capital letters"),
            ("", "no attribute given"),
        ] {
            let err = Subject::parse(input).unwrap_err().to_string();
            assert!(err.contains(words), "{input}: {err}");
        }
        let long = format!("O={}", "a".repeat(65));
        assert!(Subject::parse(&long)
            .unwrap_err()
            .to_string()
            .contains("at most 64"));
    }
}
