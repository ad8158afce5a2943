//! CAA (RFC 8659): may this CA issue for a name? Checked after a
//! challenge succeeds, when the operator configured the server's issuer
//! domain name (`--caa-identity`); without one, CAA is not checked.

use crate::dns::{DnsClient, DnsError};
use crate::problem::{Problem, ProblemType};
use crate::resources::Identifier;
use crate::validation::ValidationConfig;

/// The CAA record type (RFC 8659 §4.1, IANA RR type 257).
pub const TYPE_CAA: u16 = 257;

/// At most this many labels are climbed (RFC 8659 §3 climbs to the root;
/// a DNS name has at most 127 labels, this keeps the work bounded).
const MAX_CLIMB: usize = 32;

/// One CAA resource record (RFC 8659 §4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaaRecord {
    /// The Issuer Critical Flag (bit 0 of the flags octet, value 128).
    pub critical: bool,
    /// Lower case (tags are case-insensitive, §4.1).
    pub tag: String,
    pub value: String,
}

/// Parses the RDATA: flags (1 octet), tag length (1 octet, 1..=15),
/// tag (US-ASCII letters and digits), value (the rest). None when malformed.
pub fn parse_record(rdata: &[u8]) -> Option<CaaRecord> {
    let (&flags, rest) = rdata.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = len as usize;
    if len == 0 || len > 15 || rest.len() < len {
        return None;
    }
    let (tag, value) = rest.split_at(len);
    if !tag.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some(CaaRecord {
        critical: flags & 0x80 != 0,
        tag: String::from_utf8_lossy(tag).to_ascii_lowercase(),
        value: String::from_utf8_lossy(value).into_owned(),
    })
}

/// The issuer-domain-name of an issue/issuewild value (RFC 8659 §4.2):
/// what comes before the first ';', without surrounding white space;
/// None for an empty one (";": no CA may issue).
fn issuer_domain(value: &str) -> Option<String> {
    let name = value.split(';').next().unwrap_or("").trim();
    (!name.is_empty()).then(|| name.trim_end_matches('.').to_ascii_lowercase())
}

/// Why a CAA record set forbids issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaaRefusal {
    /// An unknown property with the critical flag (§4.1: MUST NOT issue).
    UnknownCritical(String),
    /// The relevant issue/issuewild properties authorize other CAs (or none).
    NotAuthorized(Vec<String>),
}

/// Decides on the relevant record set (RFC 8659 §4.2, §4.3): for a
/// wildcard, issuewild properties if any, else issue ones; no such
/// property at all means any CA may issue; otherwise one of them must
/// name `identity`.
pub fn check_records(
    records: &[CaaRecord],
    wildcard: bool,
    identity: &str,
) -> Result<(), CaaRefusal> {
    const KNOWN: [&str; 4] = ["issue", "issuewild", "iodef", "issuemail"];
    if let Some(r) = records
        .iter()
        .find(|r| r.critical && !KNOWN.contains(&r.tag.as_str()))
    {
        return Err(CaaRefusal::UnknownCritical(r.tag.clone()));
    }
    let with_tag = |tag: &str| -> Vec<&CaaRecord> {
        records.iter().filter(|r| r.tag == tag).collect::<Vec<_>>()
    };
    let mut relevant = if wildcard {
        with_tag("issuewild")
    } else {
        Vec::new()
    };
    if relevant.is_empty() {
        relevant = with_tag("issue");
    }
    if relevant.is_empty() {
        return Ok(());
    }
    let identity = identity.trim_end_matches('.').to_ascii_lowercase();
    let named: Vec<String> = relevant
        .iter()
        .map(|r| issuer_domain(&r.value).unwrap_or_else(|| ";".into()))
        .collect();
    if named.contains(&identity) {
        Ok(())
    } else {
        Err(CaaRefusal::NotAuthorized(named))
    }
}

/// The relevant record set of `name` (RFC 8659 §3): the CAA records of
/// the name itself, else of its closest parent that has any, climbing
/// to (not including) the root. Returns where it was found.
pub fn relevant_records(
    dns: &DnsClient,
    name: &str,
) -> Result<Option<(String, Vec<CaaRecord>)>, DnsError> {
    let mut current = name.trim_end_matches('.');
    for _ in 0..MAX_CLIMB {
        if current.is_empty() {
            break;
        }
        let found: Vec<CaaRecord> = dns
            .query(current, TYPE_CAA)?
            .iter()
            .filter_map(|rdata| parse_record(rdata))
            .collect();
        if !found.is_empty() {
            return Ok(Some((current.to_string(), found)));
        }
        match current.split_once('.') {
            Some((_, parent)) => current = parent,
            None => break,
        }
    }
    Ok(None)
}

impl ValidationConfig {
    /// RFC 8659: with a CAA identity configured, the relevant CAA record
    /// set of a DNS identifier must allow this CA (a wildcard by its
    /// issuewild properties, §4.3); else `caa`. A failed lookup is `dns`
    /// (refused, not taken as permission). IP identifiers have no CAA.
    pub fn check_caa(&self, identifier: &Identifier, wildcard: bool) -> Result<(), Problem> {
        let Some(identity) = &self.caa_identity else {
            return Ok(());
        };
        if identifier.kind != "dns" {
            return Ok(());
        }
        let name = identifier.value.as_str();
        let client = self.dns_client("CAA")?;
        let Some((at, records)) = relevant_records(&client, name)
            .map_err(|e| Problem::new(ProblemType::Dns, format!("CAA for {name}: {e}")))?
        else {
            return Ok(());
        };
        let shown = if wildcard {
            format!("*.{name}")
        } else {
            name.to_string()
        };
        check_records(&records, wildcard, identity).map_err(|refusal| {
            let why = match refusal {
                CaaRefusal::UnknownCritical(tag) => format!(
                    "the CAA records at {at} have an unknown critical property {tag:?} (RFC 8659 §4.1)"
                ),
                CaaRefusal::NotAuthorized(named) => format!(
                    "the CAA {} records at {at} allow {} but not this CA ({identity}) (RFC 8659 §4.2)",
                    if wildcard && records.iter().any(|r| r.tag == "issuewild") {
                        "issuewild"
                    } else {
                        "issue"
                    },
                    named.join(", ")
                ),
            };
            Problem::new(
                ProblemType::Caa,
                format!("{shown}: {why}; asked {}", client.server),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(critical: bool, tag: &str, value: &str) -> CaaRecord {
        CaaRecord {
            critical,
            tag: tag.into(),
            value: value.into(),
        }
    }

    #[test]
    fn parses_rdata_and_refuses_bad_tags() {
        let mut rdata = vec![128, 5];
        rdata.extend_from_slice(b"issueca.example.net; account=1");
        assert_eq!(
            parse_record(&rdata),
            Some(rec(true, "issue", "ca.example.net; account=1"))
        );
        assert_eq!(parse_record(&[0, 0]), None, "empty tag");
        assert_eq!(parse_record(&[0, 9, b'a']), None, "tag past the end");
        assert_eq!(
            parse_record(&[0, 2, b'a', b'-']),
            None,
            "tag not alphanumeric"
        );
        assert_eq!(parse_record(&[0]), None);
    }

    #[test]
    fn decides_by_issue_and_issuewild() {
        let us = "ca.example.test";
        assert_eq!(check_records(&[], false, us), Ok(()));
        // Only iodef: no restriction (§4.2).
        assert_eq!(
            check_records(&[rec(false, "iodef", "mailto:a@b")], false, us),
            Ok(())
        );
        let ours = rec(false, "issue", "CA.example.test.; policy=x");
        let theirs = rec(false, "issue", "letsencrypt.org");
        assert_eq!(
            check_records(std::slice::from_ref(&ours), false, us),
            Ok(())
        );
        assert_eq!(
            check_records(&[theirs.clone(), ours.clone()], false, us),
            Ok(())
        );
        assert!(matches!(
            check_records(std::slice::from_ref(&theirs), false, us),
            Err(CaaRefusal::NotAuthorized(n)) if n == ["letsencrypt.org"]
        ));
        // ";" forbids every CA.
        assert!(check_records(&[rec(false, "issue", ";")], false, us).is_err());
        // issuewild governs wildcards when present, issue otherwise (§4.3).
        let wild_theirs = rec(false, "issuewild", "letsencrypt.org");
        assert!(check_records(&[ours.clone(), wild_theirs.clone()], true, us).is_err());
        assert_eq!(
            check_records(&[ours.clone(), wild_theirs], false, us),
            Ok(())
        );
        assert_eq!(check_records(std::slice::from_ref(&ours), true, us), Ok(()));
        // An unknown critical property forbids issuance (§4.1).
        assert_eq!(
            check_records(&[ours, rec(true, "tbs", "x")], false, us),
            Err(CaaRefusal::UnknownCritical("tbs".into()))
        );
    }
}
