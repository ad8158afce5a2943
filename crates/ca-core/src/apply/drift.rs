//! How an existing CA certificate differs from what the file asks for:
//! key type, common name, path length, name constraints. `ca apply` never
//! replaces a CA (that would invalidate everything it signed), so these
//! become warnings.

use std::collections::BTreeSet;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::plan::{cert_key_type, common_name};
use crate::profile::{CaOptions, CertProfile};

/// Each difference, in words.
pub fn differences(
    cert: &X509Certificate<'_>,
    wanted: &CaOptions,
    profile: CertProfile,
) -> Vec<String> {
    let mut out = Vec::new();
    let key_type = cert_key_type(cert);
    if key_type != wanted.key_type.to_string() {
        out.push(format!(
            "its key is {key_type}, the file asks for {}",
            wanted.key_type
        ));
    }
    if let Some(cn) = &wanted.common_name {
        let actual = common_name(cert);
        if actual.as_deref() != Some(cn.as_str()) {
            out.push(format!(
                "its common name is '{}', the file asks for '{cn}'",
                actual.unwrap_or_default()
            ));
        }
    }
    let path_len = cert
        .basic_constraints()
        .ok()
        .flatten()
        .and_then(|bc| bc.value.path_len_constraint);
    let wanted_len = match (profile, wanted.path_len) {
        (_, Some(n)) => Some(u32::from(n)),
        (CertProfile::Intermediate, None) => Some(0),
        _ => None,
    };
    if path_len != wanted_len {
        let show = |n: Option<u32>| n.map_or("none".to_string(), |n| n.to_string());
        out.push(format!(
            "its path length is {}, the file asks for {}",
            show(path_len),
            show(wanted_len)
        ));
    }
    let (permitted, excluded) = actual_constraints(cert);
    let (want_permitted, want_excluded) = wanted_constraints(wanted);
    if permitted != want_permitted || excluded != want_excluded {
        out.push(format!(
            "its name constraints are {}, the file asks for {}",
            describe(&permitted, &excluded),
            describe(&want_permitted, &want_excluded)
        ));
    }
    out
}

type Subtrees = BTreeSet<String>;

fn describe(permitted: &Subtrees, excluded: &Subtrees) -> String {
    if permitted.is_empty() && excluded.is_empty() {
        return "none".into();
    }
    let list = |s: &Subtrees| s.iter().cloned().collect::<Vec<_>>().join(", ");
    format!("permit [{}] exclude [{}]", list(permitted), list(excluded))
}

fn actual_constraints(cert: &X509Certificate<'_>) -> (Subtrees, Subtrees) {
    let nc = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::NameConstraints(nc) => Some(nc),
            _ => None,
        });
    let texts = |trees: Option<&Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
        trees
            .into_iter()
            .flatten()
            .filter_map(|t| match &t.base {
                GeneralName::DNSName(d) => Some(format!("dns:{}", d.to_ascii_lowercase())),
                GeneralName::RFC822Name(m) => Some(format!("email:{}", m.to_ascii_lowercase())),
                GeneralName::IPAddress(b) => cidr_text(b),
                _ => None,
            })
            .collect()
    };
    match nc {
        Some(nc) => (
            texts(nc.permitted_subtrees.as_ref()),
            texts(nc.excluded_subtrees.as_ref()),
        ),
        None => Default::default(),
    }
}

fn wanted_constraints(wanted: &CaOptions) -> (Subtrees, Subtrees) {
    // The file was validated, so every entry converts.
    let Ok(Some(nc)) = wanted.name_constraints.to_rcgen() else {
        return Default::default();
    };
    let texts = |trees: &[rcgen::GeneralSubtree]| {
        trees
            .iter()
            .filter_map(|t| match t {
                rcgen::GeneralSubtree::DnsName(d) => {
                    Some(format!("dns:{}", d.to_ascii_lowercase()))
                }
                rcgen::GeneralSubtree::Rfc822Name(m) => {
                    Some(format!("email:{}", m.to_ascii_lowercase()))
                }
                rcgen::GeneralSubtree::IpAddress(cidr) => {
                    let bytes = match cidr {
                        rcgen::CidrSubnet::V4(a, m) => [&a[..], &m[..]].concat(),
                        rcgen::CidrSubnet::V6(a, m) => [&a[..], &m[..]].concat(),
                    };
                    cidr_text(&bytes)
                }
                _ => None,
            })
            .collect()
    };
    (texts(&nc.permitted_subtrees), texts(&nc.excluded_subtrees))
}

/// `ip:10.0.0.0/8` from the address-then-mask octets of a constraint.
fn cidr_text(bytes: &[u8]) -> Option<String> {
    let half = bytes.len() / 2;
    let (addr, mask) = bytes.split_at(half);
    let prefix: u32 = mask.iter().map(|b| b.count_ones()).sum();
    let addr: std::net::IpAddr = match half {
        4 => <[u8; 4]>::try_from(addr).ok()?.into(),
        16 => <[u8; 16]>::try_from(addr).ok()?.into(),
        _ => return None,
    };
    Some(format!("ip:{addr}/{prefix}"))
}
