//! Rulebook tests, names family: subject, subjectAltName, DNS-name syntax, the CN, the name
//! asked for. Each test breaks exactly one rule, written from its clause (docs/rules.md).

#[path = "support/pki.rs"]
mod pki;
#[path = "support/rulecase.rs"]
mod rulecase;

use ca_verify::{
    check_before_issuance, ExpectedName, Profile, Purpose, Role, RuleId, VerifyOptions,
};
use pki::*;
use rcgen::DnType;
use rulecase::*;

use Profile::{Pkix, Rfc5280, WebPki};

fn leaf_with(pki: &Pki, dns: &[&str], cn: Option<&str>) -> Vec<u8> {
    let mut p = leaf_params(&[]);
    // As dNSName entries, whatever they look like (rcgen would turn "192.0.2.1" into an IP).
    p.subject_alt_names = dns
        .iter()
        .map(|d| rcgen::SanType::DnsName((*d).try_into().unwrap()))
        .collect();
    p.distinguished_name = rcgen::DistinguishedName::new();
    if let Some(cn) = cn {
        p.distinguished_name.push(DnType::CommonName, cn);
    }
    pki.leaf(p)
}

#[test]
fn san_dns_syntax() {
    // RFC 5280 4.2.1.6: a dNSName is in the preferred name syntax of RFC 1034 3.5 / RFC 1123
    // 2.1: letters, digits and '-', no '_', no empty label, and not a dotted-decimal address.
    let pki = Pki::new();
    for bad in [
        "under_score.example.com",
        "192.0.2.1",
        "a..example.com",
        "-a.example.com",
    ] {
        let leaf = leaf_with(&pki, &["example.com", bad], None);
        for p in [Rfc5280, WebPki] {
            refused_by(pki.verify(&leaf, p), RuleId::SanDnsSyntax);
        }
        // Under the path-validation rules alone the bad entry never matches; the good one does.
        accepted(pki.verify(&leaf, Pkix));
    }
    let ok = leaf_with(
        &pki,
        &["example.com", "*.example.com", "xn--bcher-kva.example"],
        None,
    );
    accepted(pki.verify(&ok, WebPki));
}

#[test]
fn san_wildcard_over_a_public_suffix() {
    // CA/B BR 3.2.2.6: no wildcard directly under a registry-controlled (ICANN) suffix.
    let pki = Pki::new();
    for bad in ["*.co.uk", "*.com"] {
        let leaf = leaf_with(&pki, &["example.com", bad], None);
        refused_by(pki.verify(&leaf, WebPki), RuleId::SanWildcardPublicSuffix);
        accepted(pki.verify(&leaf, Rfc5280));
    }
    let ok = leaf_with(&pki, &["example.com", "*.example.co.uk"], None);
    accepted(pki.verify(&ok, WebPki));
}

#[test]
fn san_required_in_the_web_pki() {
    // CA/B BR 7.1.2.7.12: a subscriber certificate has a subjectAltName.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.remove_ext(OID_SAN));
    let mut o = VerifyOptions::server(now(), None);
    o.profile = WebPki;
    refused_by(pki.verify_opts(&leaf, &o), RuleId::SanRequired);
    o.profile = Rfc5280;
    accepted(pki.verify_opts(&leaf, &o));
}

#[test]
fn san_critical_iff_empty_subject() {
    // CA/B BR 7.1.2.7.12: subjectAltName is critical exactly when the subject is empty.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_critical(OID_SAN, true));
    refused_by(
        pki.verify(&leaf, WebPki),
        RuleId::SanCriticalIffEmptySubject,
    );
    accepted(pki.verify(&leaf, Rfc5280));
    let empty = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.empty_subject();
        t.set_critical(OID_SAN, true);
    });
    accepted(pki.verify(&empty, WebPki));
}

#[test]
fn empty_subject_needs_a_critical_san() {
    // RFC 5280 4.1.2.6 / 4.2.1.6: with an empty subject, subjectAltName MUST be critical.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.empty_subject());
    for p in [Rfc5280, WebPki] {
        refused_by(pki.verify(&leaf, p), RuleId::EmptySubjectNeedsCriticalSan);
    }
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn ca_subject_not_empty() {
    // RFC 5280 4.1.2.6: a CA's subject MUST be a non-empty distinguished name. The
    // intermediate gets an empty subject (and a critical SAN, as 4.1.2.6 asks of such a
    // certificate); the leaf names the empty issuer.
    let pki = Pki::new();
    let san = [
        0x30, 0x0d, 0x82, 0x0b, b'i', b'c', b'a', b'.', b'e', b'x', b'a', b'm', b'p', b'l', b'e',
    ];
    let ica = pki.edit_ica(|t| {
        t.empty_subject();
        t.set_ext(OID_SAN, true, &san);
    });
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.empty_issuer());
    let root = der(&pki.root);
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Rfc5280),
        RuleId::CaSubjectNotEmpty,
    );
    accepted(pki.verify_chain(&leaf, &ica, &root, Pkix));
}

#[test]
fn cn_that_names_a_san_entry_is_an_exact_copy() {
    // CA/B BR 7.1.4.3: a CN is a character-for-character copy of a SAN entry: the same DNS name
    // in other letter case, or an address in non-canonical notation, is refused.
    let pki = Pki::new();
    for cn in ["Example.COM", "EXAMPLE.com"] {
        let leaf = leaf_with(&pki, &["example.com"], Some(cn));
        refused_by(pki.verify(&leaf, WebPki), RuleId::CnExactCopy);
        accepted(pki.verify(&leaf, Rfc5280));
    }
    let mut p = leaf_params(&["example.com"]);
    p.subject_alt_names.push(ip_san("2001:db8::1"));
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name
        .push(DnType::CommonName, "2001:DB8:0:0::1");
    let leaf = pki.leaf(p);
    refused_by(pki.verify(&leaf, WebPki), RuleId::CnExactCopy);
    let ok = leaf_with(&pki, &["example.com"], Some("example.com"));
    accepted(pki.verify(&ok, WebPki));
}

#[test]
fn cn_copies_a_san_entry_at_issuance() {
    // CA/B BR 7.1.4.3 in full: a CN in no SAN entry, or two CNs, are not issued. Verifiers
    // (and BetterTLS) accept such certificates, so this rule is issuance-only.
    let pki = Pki::new();
    let unrelated = leaf_with(&pki, &["example.com"], Some("My Server"));
    accepted(pki.verify(&unrelated, WebPki));
    let v = check_before_issuance(&unrelated, Role::Leaf, &Purpose::ServerAuth);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].rule().rule, RuleId::CnCopiesSan);
    let two = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_subject_cns(&["example.com", "example.com"])
    });
    let v = check_before_issuance(&two, Role::Leaf, &Purpose::ServerAuth);
    assert!(
        v.iter().any(|v| v.rule().rule == RuleId::CnCopiesSan),
        "{v:?}"
    );
    let good = leaf_with(&pki, &["example.com"], Some("example.com"));
    assert!(check_before_issuance(&good, Role::Leaf, &Purpose::ServerAuth).is_empty());
}

#[test]
fn name_matches_expected() {
    // RFC 6125 6.4: the reference identity is matched against SAN entries only, never the CN.
    let pki = Pki::new();
    let leaf = leaf_with(&pki, &["other.example"], Some("example.com"));
    refused_by(pki.verify(&leaf, Pkix), RuleId::ExpectedName);
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("www.example.com".into())));
    o.profile = WebPki;
    let wildcard = leaf_with(&pki, &["*.example.com"], None);
    accepted(pki.verify_opts(&wildcard, &o));
}
