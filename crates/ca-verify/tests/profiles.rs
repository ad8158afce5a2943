//! The Web PKI and RFC 5280 profiles on rcgen certificates: where they agree and differ.

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{verify, ExpectedName, Profile, Reason, RuleId, TrustAnchor, VerifyOptions};
use pki::*;
use rcgen::{BasicConstraints, DnType, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};

fn run(leaf: &[u8], root: &Ca, profile: Profile) -> Result<(), Reason> {
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.profile = profile;
    let anchors = [TrustAnchor::from_der(&der(root)).unwrap()];
    verify(leaf, &[] as &[Vec<u8>], &anchors, &o)
        .map(|_| ())
        .map_err(|e| e.reason)
}

#[test]
fn a_cn_that_differs_from_its_san_only_by_case_is_refused_by_the_web_pki() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["example.com"]);
    p.distinguished_name.push(DnType::CommonName, "Example.COM");
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    assert!(matches!(
        run(&leaf, &root, Profile::WebPki),
        Err(Reason::Subject {
            rule: RuleId::CnExactCopy,
            ..
        })
    ));
    run(&leaf, &root, Profile::Rfc5280).unwrap();

    // A CN unrelated to the SANs is never matched, and not refused when verifying (BetterTLS
    // and browsers accept it; `ca` refuses to issue it, rule subject.cn-copies-san).
    let mut p = leaf_params(&["example.com"]);
    p.distinguished_name.push(DnType::CommonName, "My Server");
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    run(&leaf, &root, Profile::WebPki).unwrap();
}

#[test]
fn the_cn_is_never_a_fallback_for_the_name() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["other.example"]);
    p.distinguished_name.push(DnType::CommonName, "example.com");
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    for profile in [Profile::WebPki, Profile::Rfc5280] {
        assert!(matches!(
            run(&leaf, &root, profile),
            Err(Reason::NameMismatch { .. })
        ));
    }
}

#[test]
fn a_ca_leaf_is_refused_by_the_web_pki_only() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["example.com"]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    assert!(matches!(
        run(&leaf, &root, Profile::WebPki),
        Err(Reason::CaUsedAsLeaf)
    ));
    run(&leaf, &root, Profile::Rfc5280).unwrap();
}

#[test]
fn any_extended_key_usage_is_refused_in_a_web_pki_leaf() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["example.com"]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    assert!(run(&leaf, &root, Profile::WebPki).is_err());
    run(&leaf, &root, Profile::Rfc5280).unwrap();
}

#[test]
fn a_root_with_an_eku_is_refused_by_the_web_pki_only() {
    let mut p = ca_params("Root With EKU");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let root = rcgen::CertifiedIssuer::self_signed(p, key(Alg::P256)).unwrap();
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &root);
    assert!(matches!(
        run(&leaf, &root, Profile::WebPki),
        Err(Reason::EkuProfile {
            rule: RuleId::RootNoEku
        })
    ));
    run(&leaf, &root, Profile::Rfc5280).unwrap();
}

#[test]
fn wildcards_on_public_suffixes_never_match_and_the_web_pki_names_the_rule() {
    let root = root("Root", Alg::P256);
    let leaf = leaf_signed_by(leaf_params(&["*.co.uk"]), Alg::P256, &root);
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.co.uk".into())));
    let anchors = [TrustAnchor::from_der(&der(&root)).unwrap()];
    o.profile = Profile::WebPki;
    let e = verify(&leaf, &[] as &[Vec<u8>], &anchors, &o).unwrap_err();
    assert_eq!(
        e.reason.rule(),
        Some(RuleId::SanWildcardPublicSuffix),
        "{e}"
    );
    o.profile = Profile::Rfc5280;
    let e = verify(&leaf, &[] as &[Vec<u8>], &anchors, &o).unwrap_err();
    assert!(matches!(e.reason, Reason::NameMismatch { .. }), "{e}");
}
