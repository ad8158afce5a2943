//! Rulebook tests, encoding family: syntax, version, serial number, extension criticality.
//! Each test breaks exactly one rule, written from its clause (docs/rules.md), and checks the
//! refusal names that rule, that the unbroken certificate is accepted, and that profiles
//! without the rule accept the broken one.

#[path = "support/pki.rs"]
mod pki;
#[path = "support/rulecase.rs"]
mod rulecase;

use ca_verify::{ExpectedName, Profile, RuleId, VerifyOptions};
use pki::*;
use rulecase::*;

use Profile::{Pkix, Rfc5280, WebPki};

#[test]
fn the_good_leaf_is_accepted_by_every_profile() {
    let pki = Pki::new();
    let leaf = pki.good_leaf();
    for p in [Pkix, Rfc5280, WebPki] {
        accepted(pki.verify(&leaf, p));
    }
    // The DER editor changes nothing by itself.
    accepted(pki.verify(&pki.edit_leaf(&leaf, |_| {}), WebPki));
}

#[test]
fn der_syntax_trailing_bytes() {
    // RFC 5280 4.1 / X.690: one DER SEQUENCE, nothing after it.
    let pki = Pki::new();
    let mut leaf = pki.good_leaf();
    leaf.push(0);
    for p in [Pkix, WebPki] {
        refused_by(pki.verify(&leaf, p), RuleId::DerSyntax);
    }
}

#[test]
fn signature_algorithms_match() {
    // RFC 5280 4.1.1.2: signatureAlgorithm MUST equal tbsCertificate.signature.
    let pki = Pki::new();
    let ecdsa_sha384 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
    let leaf = with_outer_algorithm(&pki.good_leaf(), &ecdsa_sha384);
    refused_by(pki.verify(&leaf, Pkix), RuleId::SignatureAlgorithmsMatch);
}

#[test]
fn no_duplicate_extensions() {
    // RFC 5280 4.2: a certificate MUST NOT include more than one instance of an extension.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.duplicate_ext(OID_EKU));
    refused_by(pki.verify(&leaf, Pkix), RuleId::NoDuplicateExtensions);
}

#[test]
fn unknown_critical_extension() {
    // RFC 5280 4.2: a system MUST reject a certificate with a critical extension it does not
    // recognise; a non-critical one is ignored.
    let pki = Pki::new();
    let unknown = [0x2a, 0x03, 0x04, 0x05];
    let bad = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_ext(&unknown, true, &[0x05, 0x00])
    });
    refused_by(pki.verify(&bad, Pkix), RuleId::UnknownCriticalExtension);
    let ok = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_ext(&unknown, false, &[0x05, 0x00])
    });
    accepted(pki.verify(&ok, WebPki));
}

#[test]
fn extensions_need_v3() {
    // RFC 5280 4.1.2.1: when extensions are present, the version MUST be v3.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_version(2));
    for p in [Rfc5280, WebPki] {
        refused_by(pki.verify(&leaf, p), RuleId::ExtensionsNeedV3);
    }
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn v3_required_in_the_web_pki() {
    // CA/B BR 7.1.1: certificates MUST be X.509 v3. A v1 leaf without extensions.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| {
        for oid in [OID_SKI, OID_KU, OID_SAN, OID_AKI, OID_EKU] {
            t.remove_ext(oid);
        }
        t.0.kids().pop(); // the now empty [3] extensions
        t.set_version(1);
    });
    let mut o = VerifyOptions::server(now(), None);
    o.profile = WebPki;
    refused_by(pki.verify_opts(&leaf, &o), RuleId::V3Required);
    o.profile = Pkix;
    accepted(pki.verify_opts(&leaf, &o));
}

#[test]
fn serial_positive() {
    // RFC 5280 4.1.2.2: the serial number MUST be a positive integer.
    let pki = Pki::new();
    for serial in [&[0x80u8, 0x01][..], &[0x00]] {
        let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_serial(serial));
        for p in [Rfc5280, WebPki] {
            refused_by(pki.verify(&leaf, p), RuleId::SerialPositive);
        }
        accepted(pki.verify(&leaf, Pkix));
    }
    // A trust anchor may have serial 0 (some long-lived roots do).
    let root = pki.edit_root(|t| t.set_serial(&[0x00]));
    let ica = der(&pki.ica);
    accepted(pki.verify_chain(&pki.good_leaf(), &ica, &root, WebPki));
}

#[test]
fn serial_at_most_20_octets() {
    // RFC 5280 4.1.2.2: conforming CAs MUST NOT use serial numbers longer than 20 octets.
    let pki = Pki::new();
    let mut long = vec![0x01u8];
    long.extend([0x22; 20]);
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_serial(&long));
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::SerialLength);
    accepted(pki.verify(&leaf, Pkix));
    let twenty = pki.edit_leaf(&pki.good_leaf(), |t| t.set_serial(&long[1..]));
    accepted(pki.verify(&twenty, Rfc5280));
}

#[test]
fn aki_not_critical() {
    // RFC 5280 4.2.1.1: conforming CAs MUST mark this extension as non-critical.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_critical(OID_AKI, true));
    refused_by(pki.verify(&leaf, Rfc5280), RuleId::AkiNotCritical);
    accepted(pki.verify(&leaf, Pkix));
}

#[test]
fn ski_not_critical() {
    // RFC 5280 4.2.1.2: conforming CAs MUST mark this extension as non-critical.
    let pki = Pki::new();
    let ica = pki.edit_ica(|t| t.set_critical(OID_SKI, true));
    let root = der(&pki.root);
    let leaf = pki.good_leaf();
    refused_by(
        pki.verify_chain(&leaf, &ica, &root, Rfc5280),
        RuleId::SkiNotCritical,
    );
    accepted(pki.verify_chain(&leaf, &ica, &root, Pkix));
}

#[test]
fn aia_not_critical() {
    // RFC 5280 4.2.2.1: this extension MUST be marked as non-critical.
    let pki = Pki::new();
    // SEQUENCE { AccessDescription { id-ad-caIssuers, URI "http://ca.test/ca.der" } }
    let mut uri = vec![0x86, 21];
    uri.extend(b"http://ca.test/ca.der");
    let mut desc = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    desc.extend(uri);
    let mut ad = vec![0x30, desc.len() as u8];
    ad.extend(desc);
    let mut aia = vec![0x30, ad.len() as u8];
    aia.extend(ad);
    let bad = pki.edit_leaf(&pki.good_leaf(), |t| t.set_ext(OID_AIA, true, &aia));
    refused_by(pki.verify(&bad, Rfc5280), RuleId::AiaNotCritical);
    accepted(pki.verify(&bad, Pkix));
    let ok = pki.edit_leaf(&pki.good_leaf(), |t| t.set_ext(OID_AIA, false, &aia));
    accepted(pki.verify(&ok, WebPki));
}

#[test]
fn policy_constraints_and_inhibit_any_policy_critical() {
    // RFC 5280 4.2.1.11 and 4.2.1.14: conforming CAs MUST mark these extensions critical.
    let pki = Pki::new();
    let root = der(&pki.root);
    let leaf = pki.good_leaf();
    let cases = [
        (
            // inhibitPolicyMapping 0: a requireExplicitPolicy would now fail the policy-less
            // leaf under every profile (policy processing, rule policy.explicit-required).
            [0x55, 0x1d, 0x24],
            vec![0x30, 0x03, 0x81, 0x01, 0x00],
            RuleId::PolicyConstraintsCritical,
        ),
        (
            [0x55, 0x1d, 0x36],
            vec![0x02, 0x01, 0x00],
            RuleId::InhibitAnyPolicyCritical,
        ),
    ];
    for (oid, value, rule) in cases {
        let bad = pki.edit_ica(|t| t.set_ext(&oid, false, &value));
        refused_by(pki.verify_chain(&leaf, &bad, &root, Rfc5280), rule);
        accepted(pki.verify_chain(&leaf, &bad, &root, Pkix));
    }
}

#[test]
fn sequences_not_empty() {
    // RFC 5280 4.2.1.12: ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX); 4.2.1.6 and 4.2.2.1 alike.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.set_ext(OID_EKU, false, &[0x30, 0x00])
    });
    refused_by(pki.verify(&leaf, Pkix), RuleId::SyntaxNotEmpty);
}

#[test]
fn san_ip_address_length() {
    // RFC 5280 4.2.1.6: an iPAddress is four octets (IPv4) or sixteen (IPv6).
    let pki = Pki::new();
    let san = [0x30, 0x07, 0x87, 0x05, 192, 0, 2, 1, 0];
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| t.set_ext(OID_SAN, false, &san));
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Ip("192.0.2.1".parse().unwrap())));
    o.profile = Pkix;
    refused_by(pki.verify_opts(&leaf, &o), RuleId::SanIpLength);
}

#[test]
fn unique_ids_need_v2() {
    // RFC 5280 4.1.2.8: issuerUniqueID / subjectUniqueID MUST NOT appear in a v1 certificate.
    let pki = Pki::new();
    let leaf = pki.edit_leaf(&pki.good_leaf(), |t| {
        t.0.kids().pop(); // no extensions
        let at = t.0.kids().len();
        t.0.kids()
            .insert(at, rulecase::Der::prim(0x81, &[0x00, 0x01]));
        t.set_version(1);
    });
    let mut o = VerifyOptions::server(now(), None);
    o.profile = Rfc5280;
    let r = pki.verify_opts(&leaf, &o);
    // A parser may refuse the field outright (its syntax only exists from v2 on); either way
    // the certificate is refused.
    match r.as_ref().map_err(|e| e.rule()) {
        Err(Some(RuleId::UniqueIdsNeedV2)) | Err(Some(RuleId::DerSyntax)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_rule_of_the_rulebook_has_a_test() {
    // Each row is named in one of the rulebook test files; the revocation and policy rows in
    // tests/revocation_rules.rs and tests/policy_rules.rs. crl.number is checked by PKITS only
    // under rfc5280: rcgen always writes a non-critical CRLNumber.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut text = String::new();
    for f in [
        "rules_structure.rs",
        "rules_names.rs",
        "rules_ca.rs",
        "rules_purposes.rs",
        "revocation_rules.rs",
        "policy_rules.rs",
        "pkits.rs",
    ] {
        text.push_str(&std::fs::read_to_string(dir.join(f)).unwrap());
    }
    let crl = [RuleId::CrlNumber];
    let missing: Vec<&str> = ca_verify::RULES
        .iter()
        .filter(|r| !crl.contains(&r.rule))
        .filter(|r| !text.contains(&format!("RuleId::{:?}", r.rule)))
        .map(|r| r.id)
        .collect();
    assert!(missing.is_empty(), "rules without a test: {missing:?}");
}

// --- ML-DSA (FIPS 204) in X.509, RFC 9881 ------------------------------------------------------

/// An ML-DSA-65 root over an ML-DSA-44 intermediate.
fn ml_dsa_pki() -> (Ca, Ca) {
    let ml_dsa = |alg| rcgen::KeyPair::generate_for(alg).unwrap();
    let root = rcgen::CertifiedIssuer::self_signed(
        ca_params("ML-DSA Root"),
        ml_dsa(&rcgen::PKCS_ML_DSA_65),
    )
    .unwrap();
    let ica = rcgen::CertifiedIssuer::signed_by(
        ca_params("ML-DSA Intermediate"),
        ml_dsa(&rcgen::PKCS_ML_DSA_44),
        &root,
    )
    .unwrap();
    (root, ica)
}

/// An ML-DSA-87 leaf signed by `ica`.
fn ml_dsa_leaf(params: rcgen::CertificateParams, ica: &Ca) -> Vec<u8> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ML_DSA_87).unwrap();
    params.signed_by(&key, ica).unwrap().der().to_vec()
}

fn verify_ml_dsa(
    leaf: &[u8],
    ica: &Ca,
    root: &Ca,
    profile: Profile,
) -> Result<(), ca_verify::Reason> {
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.profile = profile;
    run(leaf, &der(ica), &der(root), &o)
}

#[test]
fn ml_dsa_chain_verifies_and_one_flipped_signature_byte_is_refused() {
    let (root, ica) = ml_dsa_pki();
    let leaf = ml_dsa_leaf(leaf_params(&["example.com"]), &ica);
    for p in [Pkix, Rfc5280] {
        accepted(verify_ml_dsa(&leaf, &ica, &root, p));
    }
    // CA/B BR 6.1.5 lists RSA and ECDSA keys only.
    refused_by(
        verify_ml_dsa(&leaf, &ica, &root, WebPki),
        RuleId::WebPkiKeyAlgorithms,
    );
    // The signature is the last BIT STRING of the certificate: change its last byte.
    let mut flipped = leaf.clone();
    *flipped.last_mut().unwrap() ^= 0x01;
    refused_by(
        verify_ml_dsa(&flipped, &ica, &root, Pkix),
        RuleId::SignatureVerifies,
    );
}

#[test]
fn ml_dsa_key_usage_only_signature_bits() {
    // RFC 9881 5: digitalSignature, nonRepudiation, keyCertSign, cRLSign only; an ML-DSA key
    // neither enciphers nor agrees on keys.
    let (root, ica) = ml_dsa_pki();
    let with_ku = |bits: Vec<rcgen::KeyUsagePurpose>| {
        let mut p = leaf_params(&["example.com"]);
        p.key_usages = bits;
        ml_dsa_leaf(p, &ica)
    };
    use rcgen::KeyUsagePurpose as Ku;
    let good = with_ku(vec![Ku::DigitalSignature, Ku::ContentCommitment]);
    accepted(verify_ml_dsa(&good, &ica, &root, Rfc5280));
    for bad in [Ku::KeyEncipherment, Ku::KeyAgreement, Ku::DataEncipherment] {
        let leaf = with_ku(vec![Ku::DigitalSignature, bad]);
        refused_by(
            verify_ml_dsa(&leaf, &ica, &root, Rfc5280),
            RuleId::MlDsaKeyUsage,
        );
        // A profile rule (RFC 9881 is addressed to CAs): pkix relying parties do not check it.
        accepted(verify_ml_dsa(&leaf, &ica, &root, Pkix));
    }
}

#[test]
fn ml_dsa_algorithm_identifiers_have_no_parameters() {
    // RFC 9881 2 and 4: the parameters are absent, in signatureAlgorithm and in the
    // SubjectPublicKeyInfo; a NULL is a parameters field too.
    let (root, ica) = ml_dsa_pki();
    let leaf = ml_dsa_leaf(leaf_params(&["example.com"]), &ica);
    let null = Der::prim(0x05, &[]);
    let spki_null = edit(&leaf, ica.key(), |t| {
        let o = usize::from(t.0.kids()[0].tag == 0xa0);
        t.0.kids()[o + 5].kids()[0].kids().push(null.clone());
    });
    let signature_null = edit(&leaf, ica.key(), |t| {
        let o = usize::from(t.0.kids()[0].tag == 0xa0);
        t.0.kids()[o + 1].kids().push(null.clone());
    });
    for broken in [spki_null, signature_null] {
        for p in [Pkix, Rfc5280, WebPki] {
            refused_by(
                verify_ml_dsa(&broken, &ica, &root, p),
                RuleId::MlDsaNoParameters,
            );
        }
    }
    // The editor itself changes nothing.
    accepted(verify_ml_dsa(
        &edit(&leaf, ica.key(), |_| {}),
        &ica,
        &root,
        Pkix,
    ));
}
