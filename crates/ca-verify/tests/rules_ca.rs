//! Rulebook tests, CA family: basic constraints, key usage, extended key usage, key
//! identifiers, name constraints, keys and signatures, validity and chaining. Each test breaks
//! exactly one rule, written from its clause (docs/rules.md).

#[path = "support/pki.rs"]
mod pki;
#[path = "support/rulecase.rs"]
mod rulecase;

use ca_verify::{KeyUsageBit, Profile, RuleId, VerifyOptions};
use pki::*;
use rcgen::{
    BasicConstraints, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyUsagePurpose,
    NameConstraints,
};
use rulecase::*;

use Profile::{Pkix, Rfc5280, WebPki};

#[test]
fn issuer_is_ca() {
    // RFC 5280 6.1.4 (k): an issuer has basicConstraints with cA TRUE.
    let pki = Pki::new();
    let ica = pki.edit_ica(|t| t.remove_ext(OID_BC));
    refused_by(
        pki.verify_chain(&pki.good_leaf(), &ica, &der(&pki.root), Pkix),
        RuleId::IssuerIsCa,
    );
}

#[test]
fn ca_basic_constraints_critical() {
    // RFC 5280 4.2.1.9: CAs MUST mark basicConstraints critical in CA certificates.
    let pki = Pki::new();
    let (leaf, root) = (pki.good_leaf(), der(&pki.root));
    let ica = pki.edit_ica(|t| t.set_critical(OID_BC, false));
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Rfc5280),
        RuleId::CaBasicConstraintsCritical,
    );
    accepted(pki.verify_chain(&leaf, &ica, &root, Pkix));
    // Trust anchors too (a deliberate choice: RFC 5280 6.1 takes the anchor as given).
    let root = pki.edit_root(|t| t.set_critical(OID_BC, false));
    refused_by(
        pki.verify_chain(&leaf, &der(&pki.ica), &root, WebPki),
        RuleId::CaBasicConstraintsCritical,
    );
}

#[test]
fn path_length() {
    // RFC 5280 6.1.4 (l), (m): no more intermediates below a CA than its pathLenConstraint.
    let mut p = ca_params("Root pathlen 0");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let root = rcgen::CertifiedIssuer::self_signed(p, key(Alg::P256)).unwrap();
    let ica = ca_signed_by(ca_params("ICA"), Alg::P256, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    let pki = Pki::new();
    refused_by(
        pki.verify_chain(&leaf, &der(&ica), &der(&root), Pkix),
        RuleId::PathLength,
    );
    let direct = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &root);
    accepted(pki.verify_chain(&direct, &der(&ica), &der(&root), WebPki));
}

#[test]
fn path_len_needs_ca_and_keycertsign() {
    // RFC 5280 4.2.1.9: pathLenConstraint only with cA TRUE (and keyCertSign).
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_ext(OID_BC, true, &[0x30, 0x03, 0x02, 0x01, 0x00])
    });
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::PathLenNeedsCa);
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn leaf_not_ca() {
    // CA/B BR 7.1.2.7.8: a subscriber certificate is not a CA. RFC 5280 has no such rule.
    let pki = Pki::new();
    let mut p = leaf_params(&["example.com"]);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let leaf = pki.leaf(p);
    refused_by(pki.verify(&leaf, WebPki), RuleId::LeafNotCa);
    accepted(pki.verify(&leaf, Rfc5280));
}

#[test]
fn issuer_keycertsign() {
    // RFC 5280 6.1.4 (n): an issuer's keyUsage, when present, asserts keyCertSign.
    let pki = Pki::new();
    let mut p = ca_params("ICA without keyCertSign");
    p.key_usages = vec![KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let ica = ca_signed_by(p, Alg::P256, &pki.root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    refused_by(
        pki.verify_chain(&leaf, &der(&ica), &der(&pki.root), Pkix),
        RuleId::IssuerKeyCertSign,
    );
}

#[test]
fn keycertsign_needs_ca() {
    // RFC 5280 4.2.1.3 / 4.2.1.9: keyCertSign only in a CA certificate.
    let pki = Pki::new();
    let mut p = leaf_params(&["example.com"]);
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    let leaf = pki.leaf(p);
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::KeyCertSignNeedsCa);
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn key_usage_not_empty() {
    // RFC 5280 4.2.1.3: when keyUsage appears, at least one bit MUST be set.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_ext(OID_KU, true, &[0x03, 0x01, 0x00])
    });
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::KeyUsageNotEmpty);
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn leaf_required_key_usage() {
    // RFC 5280 4.2.1.3: the key may be used only as keyUsage says; the caller asks for a bit.
    let pki = Pki::new();
    let mut o = VerifyOptions::server(now(), None);
    o.required_key_usage = vec![KeyUsageBit::KeyEncipherment];
    refused_by(
        pki.verify_opts(&pki.good_leaf(), &o),
        RuleId::LeafRequiredKeyUsage,
    );
    o.required_key_usage = vec![KeyUsageBit::DigitalSignature];
    accepted(pki.verify_opts(&pki.good_leaf(), &o));
}

#[test]
fn eku_purpose() {
    // RFC 5280 4.2.1.12: the certificate is used only for the purposes its EKU lists.
    let pki = Pki::new();
    let mut p = leaf_params(&["example.com"]);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    refused_by(pki.verify(&pki.leaf(p), Pkix), RuleId::EkuPurpose);
    // An intermediate restricted to e-mail cannot issue server certificates either.
    let mut p = ca_params("E-mail ICA");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    let ica = ca_signed_by(p, Alg::P256, &pki.root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    refused_by(
        pki.verify_chain(&leaf, &der(&ica), &der(&pki.root), Pkix),
        RuleId::EkuPurpose,
    );
}

#[test]
fn leaf_eku_rules_of_the_web_pki() {
    // CA/B BR 7.1.2.7.10: an EKU is present, not critical, without anyExtendedKeyUsage.
    let pki = Pki::new();
    let mut none = leaf_params(&["example.com"]);
    none.extended_key_usages = vec![];
    let mut any = leaf_params(&["example.com"]);
    any.extended_key_usages = vec![ExtendedKeyUsagePurpose::Any];
    let critical = pki.edit_leaf(&pki.good_leaf(), |t| t.set_critical(OID_EKU, true));
    let cases = [
        (pki.leaf(none), RuleId::LeafEkuRequired),
        (pki.leaf(any), RuleId::LeafNoAnyEku),
        (critical, RuleId::LeafEkuNotCritical),
    ];
    for (leaf, rule) in cases {
        refused_by(pki.verify(&leaf, WebPki), rule);
        accepted(pki.verify(&leaf, Rfc5280));
    }
}

#[test]
fn root_without_eku() {
    // CA/B BR 7.1.2.1.2: a root certificate has no extendedKeyUsage.
    let mut p = ca_params("Root with EKU");
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let root = rcgen::CertifiedIssuer::self_signed(p, key(Alg::P256)).unwrap();
    let ica = ca_signed_by(ca_params("ICA"), Alg::P256, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    let pki = Pki::new();
    refused_by(
        pki.verify_chain(&leaf, &der(&ica), &der(&root), WebPki),
        RuleId::RootNoEku,
    );
    accepted(pki.verify_chain(&leaf, &der(&ica), &der(&root), Rfc5280));
}

#[test]
fn aki_required() {
    // RFC 5280 4.2.1.1: every certificate but a self-signed one has an AKI keyIdentifier.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.remove_ext(OID_AKI));
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::AkiRequired);
    accepted(pki.verify(&leaf, Pkix));
    let ica = pki.edit_ica(|t| t.remove_ext(OID_AKI));
    refused_by(
        pki.verify_chain(&pki.good_leaf(), &ica, &der(&pki.root), Rfc5280),
        RuleId::AkiRequired,
    );
}

#[test]
fn ski_required_in_ca_certificates() {
    // RFC 5280 4.2.1.2: SKI MUST appear in all conforming CA certificates.
    let pki = Pki::new();
    let ica = pki.edit_ica(|t| t.remove_ext(OID_SKI));
    let (leaf, root) = (pki.good_leaf(), der(&pki.root));
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Rfc5280),
        RuleId::SkiRequiredInCa,
    );
    accepted(pki.verify_chain(&leaf, &ica, &root, Pkix));
}

#[test]
fn root_aki_rules_of_the_web_pki() {
    // CA/B BR 7.1.2.1.3: a root's AKI, if present, has keyIdentifier only, equal to its SKI.
    let pki = Pki::new();
    let ski = {
        let mut root_tbs = None;
        pki.edit_root(|t| root_tbs = Some(t.ext_value(OID_SKI)));
        root_tbs.unwrap()[2..].to_vec() // OCTET STRING content
    };
    let mut with_serial = vec![0x80, ski.len() as u8];
    with_serial.extend(&ski);
    with_serial.extend([0x82, 0x01, 0x01]);
    let mut keyid_serial = vec![0x30, with_serial.len() as u8];
    keyid_serial.extend(with_serial);
    let cases = [
        (vec![0x30, 0x03, 0x82, 0x01, 0x01], RuleId::RootAkiKeyId),
        (keyid_serial, RuleId::RootAkiNoIssuerSerial),
        (
            vec![0x30, 0x06, 0x80, 0x04, 1, 2, 3, 4],
            RuleId::RootAkiMatchesSki,
        ),
    ];
    let (leaf, ica) = (pki.good_leaf(), der(&pki.ica));
    for (aki, rule) in cases {
        let root = pki.edit_root(|t| t.set_ext(OID_AKI, false, &aki));
        refused_by(pki.verify_chain(&leaf, &ica, &root, WebPki), rule);
        accepted(pki.verify_chain(&leaf, &ica, &root, Rfc5280));
    }
}

#[test]
fn name_constraints_critical_relaxed_by_the_web_pki() {
    // RFC 5280 4.2.1.10: conforming CAs MUST mark nameConstraints critical; the CA/B Forum
    // (BR 7.1.2.5.2) allows non-critical ones.
    let pki = Pki::new();
    let mut p = ca_params("Constrained ICA");
    p.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![],
    });
    let ica = ca_signed_by(p, Alg::P256, &pki.root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    let ica = edit(&der(&ica), pki.root.key(), |t| {
        t.set_critical(OID_NC, false)
    });
    let root = der(&pki.root);
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Rfc5280),
        RuleId::NameConstraintsCritical,
    );
    accepted(pki.verify_chain(&leaf, &ica, &root, WebPki));
    accepted(pki.verify_chain(&leaf, &ica, &root, Pkix));
}

#[test]
fn name_constraints_syntax_and_subtrees() {
    // RFC 5280 4.2.1.10: a dNSName base is a host name (no leading period); 6.1.3 (b), (c):
    // names below must lie in the permitted subtrees.
    let pki = Pki::new();
    let constrained = |base: &str| {
        let mut p = ca_params("Constrained ICA");
        p.name_constraints = Some(NameConstraints {
            permitted_subtrees: vec![GeneralSubtree::DnsName(base.into())],
            excluded_subtrees: vec![],
        });
        let ica = ca_signed_by(p, Alg::P256, &pki.root);
        let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
        (leaf, der(&ica))
    };
    let root = der(&pki.root);
    let (leaf, ica) = constrained(".example.com");
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Pkix),
        RuleId::NameConstraintsSyntax,
    );
    let (leaf, ica) = constrained("example.org");
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Pkix),
        RuleId::NameConstraintsSubtrees,
    );
    let (leaf, ica) = constrained("example.com");
    accepted(pki.verify_chain(&leaf, &ica, &root, WebPki));
}

#[test]
fn name_constraints_only_in_ca_certificates() {
    // RFC 5280 4.2.1.10: nameConstraints MUST be used only in a CA certificate.
    let pki = Pki::new();
    // NameConstraints { permittedSubtrees [0] { GeneralSubtree { dNSName "ex.com" } } }
    let mut value = vec![0x30, 0x0c, 0xa0, 0x0a, 0x30, 0x08, 0x82, 0x06];
    value.extend(b"ex.com");
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_ext(OID_NC, true, &value));
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::NameConstraintsOnlyInCa);
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn web_pki_key_algorithms() {
    // CA/B BR 6.1.5: RSA (modulus a multiple of 8 bits) and ECDSA P-256/P-384/P-521 only.
    let pki = Pki::new();
    let ed = leaf_signed_by(leaf_params(&["example.com"]), Alg::Ed25519, &pki.ica);
    let odd_rsa = pki.edit_leaf(&pki.good_leaf(), |t| t.set_spki(&rsa_spki(2052)));
    for leaf in [ed, odd_rsa] {
        refused_by(pki.verify(&leaf, WebPki), RuleId::WebPkiKeyAlgorithms);
        accepted(pki.verify(&leaf, Rfc5280));
    }
    let rsa_3072 = pki.edit_leaf(&pki.good_leaf(), |t| t.set_spki(&rsa_spki(3072)));
    accepted(pki.verify(&rsa_3072, WebPki));
}

#[test]
fn rsa_keys_of_2048_bits_or_more() {
    // Local policy (NIST SP 800-131A): RSA keys shorter than 2048 bits are refused.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_spki(&rsa_spki(1024)));
    refused_by(pki.verify(&leaf, Pkix), RuleId::RsaMinimum);
    // A key that is not a key at all: RFC 5280 4.1.2.7 (here an unknown algorithm).
    let unknown = pki.edit_leaf(&pki.good_leaf(), |t| {
        let spki = rulecase::Der::cons(
            0x30,
            vec![
                rulecase::Der::cons(0x30, vec![rulecase::Der::prim(0x06, &[0x2a, 0x03, 0x04])]),
                rulecase::Der::prim(0x03, &[0x00, 0x01, 0x02]),
            ],
        );
        t.set_spki(&spki.encode())
    });
    refused_by(pki.verify(&unknown, Pkix), RuleId::KeyUsable);
}

#[test]
fn signature_verifies_and_algorithm_supported() {
    // RFC 5280 6.1.3 (a)(1): the signature verifies with the issuer's key, with an accepted
    // algorithm (no SHA-1: local policy).
    let pki = Pki::new();
    let mut leaf = pki.good_leaf();
    let last = leaf.len() - 1;
    leaf[last] ^= 1;
    refused_by(pki.verify(&leaf, Pkix), RuleId::SignatureVerifies);
    let ecdsa_sha1 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
    let sha1 = pki.edit_leaf(&pki.good_leaf(), |t| t.set_signature_algorithm(&ecdsa_sha1));
    refused_by(pki.verify(&sha1, Pkix), RuleId::SignatureAlgorithm);
}

#[test]
fn validity_window_and_issuer_chaining() {
    // RFC 5280 6.1.3 (a)(2) and (a)(4).
    let pki = Pki::new();
    let mut p = leaf_params(&["example.com"]);
    p.not_after = now() - time::Duration::seconds(1);
    refused_by(pki.verify(&pki.leaf(p), Pkix), RuleId::ValidityWindow);
    let stranger = root("Stranger", Alg::P256);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &stranger);
    refused_by(pki.verify(&leaf, Pkix), RuleId::IssuerNameChaining);
}

#[test]
fn the_error_carries_the_failing_path() {
    // The certificates of the candidate path that failed, as VerifiedPath gives them.
    let pki = Pki::new();
    let ica = pki.edit_ica(|t| t.set_critical(OID_BC, false));
    let anchors = [ca_verify::TrustAnchor::from_der(&der(&pki.root))
        .unwrap()
        .with_source("root.pem")];
    let mut o = VerifyOptions::server(now(), None);
    o.profile = Rfc5280;
    let e =
        ca_verify::verify(&pki.good_leaf(), std::slice::from_ref(&ica), &anchors, &o).unwrap_err();
    let roles: Vec<_> = e.path().iter().map(|p| p.role).collect();
    use ca_verify::Role;
    assert_eq!(roles, [Role::Leaf, Role::Intermediate], "{e}");
    assert_eq!(e.path()[1].cert.der(), &ica[..]);
    assert_eq!(e.cert.as_ref().unwrap().position, 1);
    let rule = e.rule_text().unwrap();
    assert!(
        rule.starts_with("bc.ca-critical (RFC 5280 4.2.1.9"),
        "{rule}"
    );
}

#[test]
fn ca_key_usage_present_and_critical_at_issuance() {
    // RFC 5280 4.2.1.3: CAs MUST include keyUsage in CA certificates; CA/B BR 7.1.2.1.1 and
    // 7.1.2.10.7: critical. Path validation (6.1.4 (n)) checks keyUsage only if present, and
    // browsers accept a non-critical one: both are checked when `ca` issues, not when verifying.
    use ca_verify::{check_before_issuance, Purpose, Role};
    let pki = Pki::new();
    let cases = [
        (
            pki.edit_ica(|t| t.remove_ext(OID_KU)),
            RuleId::CaKeyUsageRequired,
        ),
        (
            pki.edit_ica(|t| t.set_critical(OID_KU, false)),
            RuleId::CaKeyUsageCritical,
        ),
    ];
    for (ica, rule) in cases {
        accepted(pki.verify_chain(&pki.good_leaf(), &ica, &der(&pki.root), WebPki));
        let v = check_before_issuance(&ica, Role::Intermediate, &Purpose::ServerAuth);
        assert!(v.iter().any(|v| v.rule().rule == rule), "{v:?}");
    }
    let good = check_before_issuance(&der(&pki.ica), Role::Intermediate, &Purpose::ServerAuth);
    assert!(good.is_empty(), "{good:?}");
}
