//! Path validation on real chains made with rcgen: what verifies, and what is refused with which
//! reason on which certificate.

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{
    verify, ExpectedName, Profile, Purpose, Reason, Role, RuleId, TrustAnchor, VerifyError,
    VerifyOptions,
};
use pki::*;
use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, NameConstraints};
use time::Duration;

fn opts(host: &str) -> VerifyOptions {
    VerifyOptions::server(now(), Some(ExpectedName::Dns(host.into())))
}

fn anchor(ca: &Ca) -> Vec<TrustAnchor> {
    vec![TrustAnchor::from_der(&der(ca))
        .unwrap()
        .with_source("test root")]
}

fn check(c: &Chain, o: &VerifyOptions) -> Result<ca_verify::VerifiedPath, VerifyError> {
    verify(&c.leaf, &[der(&c.intermediate)], &anchor(&c.root), o)
}

#[test]
fn chains_of_every_key_type_verify() {
    for alg in [Alg::P256, Alg::P384, Alg::P521, Alg::Ed25519, Alg::Rsa2048] {
        let c = chain(alg);
        let mut o = opts("example.com");
        if alg == Alg::Ed25519 {
            // CA/B BR 6.1.5: the Web PKI allows RSA and ECDSA keys only.
            let e = check(&c, &o).unwrap_err();
            assert_eq!(e.reason.rule(), Some(RuleId::WebPkiKeyAlgorithms), "{e}");
            o.profile = Profile::Rfc5280;
        }
        let path = check(&c, &o).expect("valid chain");
        let roles: Vec<Role> = path.certificates().iter().map(|p| p.role).collect();
        assert_eq!(roles, [Role::Leaf, Role::Intermediate, Role::TrustAnchor]);
        assert_eq!(path.leaf().subject(), "CN=example.com");
        assert_eq!(path.anchor().source.as_deref(), Some("test root"));
        assert_eq!(path.intermediates().count(), 1);
        let sigs: Vec<_> = path
            .checks()
            .iter()
            .filter(|r| r.check == "signature")
            .collect();
        assert_eq!(sigs.len(), 2);
        assert!(
            path.checks().iter().all(|r| r.passed),
            "{:#?}",
            path.checks()
        );
        assert!(
            sigs[0].detail.contains("Test Intermediate"),
            "{}",
            sigs[0].detail
        );
    }
}

#[test]
fn mixed_algorithms_verify() {
    let root = root("RSA Root", Alg::Rsa2048);
    let ica = ca_signed_by(ca_params("EC Intermediate"), Alg::P384, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::Ed25519, &ica);
    let mut o = opts("example.com");
    o.profile = Profile::Rfc5280; // an Ed25519 leaf is outside the Web PKI (CA/B BR 6.1.5)
    verify(&leaf, &[der(&ica)], &anchor(&root), &o).unwrap();
}

#[test]
fn wrong_host_is_refused_on_the_leaf() {
    let c = chain(Alg::P256);
    let e = check(&c, &opts("other.example")).unwrap_err();
    assert!(matches!(e.reason, Reason::NameMismatch { .. }), "{e}");
    assert_eq!(e.cert.as_ref().unwrap().position, 0);
    assert!(e.to_string().contains("DNS:example.com"), "{e}");
}

#[test]
fn validity_bounds_are_inclusive_to_the_second() {
    let c = chain(Alg::P256);
    let mut o = opts("example.com");
    o.time = not_after();
    check(&c, &o).expect("valid at notAfter");
    o.time = not_after() + Duration::milliseconds(999);
    check(&c, &o).expect("fractions of a second are dropped");
    o.time = not_after() + Duration::seconds(1);
    let e = check(&c, &o).unwrap_err();
    assert!(matches!(e.reason, Reason::Expired { .. }), "{e}");
    o.time = not_before() - Duration::seconds(1);
    assert!(matches!(
        check(&c, &o).unwrap_err().reason,
        Reason::NotYetValid { .. }
    ));
}

#[test]
fn wrong_purpose_is_refused() {
    let c = chain(Alg::P256);
    let mut o = opts("example.com");
    o.purpose = Purpose::ClientAuth;
    let e = check(&c, &o).unwrap_err();
    assert!(matches!(e.reason, Reason::ExtendedKeyUsage { .. }), "{e}");
}

#[test]
fn untrusted_root_and_missing_intermediate_are_unknown_issuers() {
    let c = chain(Alg::P256);
    let other = root("Other Root", Alg::P256);
    let e = verify(
        &c.leaf,
        &[der(&c.intermediate)],
        &anchor(&other),
        &opts("example.com"),
    )
    .unwrap_err();
    assert!(matches!(e.reason, Reason::UnknownIssuer(_)), "{e}");
    assert_eq!(e.cert.unwrap().position, 1);
    let e = verify(
        &c.leaf,
        &[] as &[Vec<u8>],
        &anchor(&c.root),
        &opts("example.com"),
    )
    .unwrap_err();
    assert!(matches!(e.reason, Reason::UnknownIssuer(_)), "{e}");
}

#[test]
fn a_wrong_key_identifier_does_not_hide_the_issuer() {
    // The leaf names its issuer by a key id that matches nothing: the issuer is still tried,
    // and the real failure (here an expired root) is what gets reported.
    let root_key = key(Alg::P256);
    let mut rp = ca_params("Root");
    rp.not_after = now() - Duration::days(1);
    rp.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(vec![1, 2, 3, 4]);
    let root_cert = rp.self_signed(&root_key).unwrap();
    let mut issuer_params = ca_params("Root");
    issuer_params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(vec![9, 9, 9, 9]);
    let issuer = rcgen::Issuer::new(issuer_params, root_key);
    let leaf = leaf_params(&["example.com"])
        .signed_by(&key(Alg::P256), &issuer)
        .unwrap();
    let anchors = [TrustAnchor::from_der(root_cert.der()).unwrap()];
    let e = verify(
        leaf.der(),
        &[] as &[Vec<u8>],
        &anchors,
        &opts("example.com"),
    )
    .unwrap_err();
    assert!(matches!(e.reason, Reason::Expired { .. }), "{e}");
}

#[test]
fn tampered_signature_is_refused() {
    let mut c = chain(Alg::P256);
    let n = c.leaf.len();
    c.leaf[n - 3] ^= 0x01;
    let e = check(&c, &opts("example.com")).unwrap_err();
    assert!(
        matches!(e.reason, Reason::BadSignature(_) | Reason::Malformed(_)),
        "{e}"
    );
}

#[test]
fn garbage_is_malformed_not_a_panic() {
    let c = chain(Alg::P256);
    for junk in [&b""[..], b"\x30\x03\x02\x01", b"not a certificate at all"] {
        let e = verify(
            junk,
            &[der(&c.intermediate)],
            &anchor(&c.root),
            &opts("example.com"),
        )
        .unwrap_err();
        assert!(matches!(e.reason, Reason::Malformed(_)), "{e}");
    }
    // Junk in the pool is ignored, but named when the issuer is missing.
    let pool = vec![b"junk".to_vec(), der(&c.intermediate), der(&c.intermediate)];
    verify(&c.leaf, &pool, &anchor(&c.root), &opts("example.com")).unwrap();
    let e = verify(
        &c.leaf,
        &[b"junk".to_vec()],
        &anchor(&c.root),
        &opts("example.com"),
    )
    .unwrap_err();
    assert!(matches!(e.reason, Reason::UnknownIssuer(_)), "{e}");
    assert!(e.to_string().contains("intermediate [0]"), "{e}");
}

#[test]
fn non_ca_issuer_is_refused() {
    let root = root("Root", Alg::P256);
    let mut p = ca_params("Not A CA");
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    let not_ca = ca_signed_by(p, Alg::P256, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &not_ca);
    let e = verify(&leaf, &[der(&not_ca)], &anchor(&root), &opts("example.com")).unwrap_err();
    assert!(matches!(e.reason, Reason::NotCa(_)), "{e}");
    assert_eq!(e.cert.unwrap().role, Role::Intermediate);
}

#[test]
fn path_length_and_max_depth() {
    let root = root("Root", Alg::P256);
    let mut p = ca_params("ICA pathlen 0");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ica0 = ca_signed_by(p, Alg::P256, &root);
    let ica1 = ca_signed_by(ca_params("ICA below"), Alg::P256, &ica0);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica1);
    let pool = [der(&ica0), der(&ica1)];
    let e = verify(&leaf, &pool, &anchor(&root), &opts("example.com")).unwrap_err();
    assert!(
        matches!(
            e.reason,
            Reason::PathLenExceeded {
                path_len: 0,
                found: 1
            }
        ),
        "{e}"
    );

    let c = chain(Alg::P256);
    let mut o = opts("example.com");
    o.max_depth = Some(0);
    let e = check(&c, &o).unwrap_err();
    assert!(matches!(e.reason, Reason::MaxDepthExceeded(0)), "{e}");
    o.max_depth = Some(1);
    check(&c, &o).unwrap();
}

#[test]
fn name_constraints_apply_to_sans() {
    let root = root("Root", Alg::P256);
    let mut p = ca_params("Constrained ICA");
    p.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![GeneralSubtree::DnsName("bad.example.com".into())],
    });
    let ica = ca_signed_by(p, Alg::P256, &root);
    let ok = leaf_signed_by(leaf_params(&["www.example.com"]), Alg::P256, &ica);
    let path = verify(&ok, &[der(&ica)], &anchor(&root), &opts("www.example.com")).unwrap();
    let nc = path
        .checks()
        .iter()
        .find(|r| r.check == "name constraints")
        .unwrap();
    assert!(nc.detail.contains("[DNS:example.com]"), "{}", nc.detail);
    assert!(nc.detail.contains("[DNS:bad.example.com]"), "{}", nc.detail);
    // A SAN outside the permitted subtree fails even when the requested name is fine.
    let outside = leaf_signed_by(
        leaf_params(&["www.example.com", "example.org"]),
        Alg::P256,
        &ica,
    );
    let e = verify(
        &outside,
        &[der(&ica)],
        &anchor(&root),
        &opts("www.example.com"),
    )
    .unwrap_err();
    assert!(
        matches!(e.reason, Reason::NameConstraintViolation { .. }),
        "{e}"
    );
    // A wildcard that could stand for an excluded name fails.
    let wild = leaf_signed_by(leaf_params(&["*.example.com"]), Alg::P256, &ica);
    let e = verify(
        &wild,
        &[der(&ica)],
        &anchor(&root),
        &opts("www.example.com"),
    )
    .unwrap_err();
    assert!(
        matches!(e.reason, Reason::NameConstraintViolation { .. }),
        "{e}"
    );
}

#[test]
fn ip_and_wildcard_matching_use_the_san_only() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["*.example.com"]);
    p.subject_alt_names.push(ip_san("192.0.2.7"));
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    let a = anchor(&root);
    let none: &[Vec<u8>] = &[];
    verify(&leaf, none, &a, &opts("www.example.com")).unwrap();
    assert!(verify(&leaf, none, &a, &opts("a.b.example.com")).is_err());
    assert!(verify(&leaf, none, &a, &opts("example.com")).is_err());
    let mut o = opts("x");
    o.name = Some(ExpectedName::Ip("192.0.2.7".parse().unwrap()));
    verify(&leaf, none, &a, &o).unwrap();
    o.name = Some(ExpectedName::Ip("192.0.2.8".parse().unwrap()));
    assert!(verify(&leaf, none, &a, &o).is_err());
}

#[test]
fn profiles_differ_on_leaf_eku() {
    let root = root("Root", Alg::P256);
    let mut p = leaf_params(&["example.com"]);
    p.extended_key_usages = vec![];
    let leaf = leaf_signed_by(p, Alg::P256, &root);
    let mut o = opts("example.com");
    let none: &[Vec<u8>] = &[];
    let e = verify(&leaf, none, &anchor(&root), &o).unwrap_err();
    assert_eq!(e.reason.rule(), Some(RuleId::LeafEkuRequired), "{e}");
    o.profile = Profile::Rfc5280;
    verify(&leaf, none, &anchor(&root), &o).unwrap();
}

#[test]
fn intermediate_restricted_to_another_eku_is_avoided() {
    // Two intermediates with the same name and key: one restricted to e-mail protection, one
    // not. The builder must backtrack to the usable one.
    let root = root("Root", Alg::P256);
    let ica_key = key(Alg::P256);
    let mut restricted = ca_params("ICA");
    restricted.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    let bad = restricted
        .signed_by(&ica_key, &root)
        .unwrap()
        .der()
        .to_vec();
    let good_params = ca_params("ICA");
    let good = good_params
        .signed_by(&ica_key, &root)
        .unwrap()
        .der()
        .to_vec();
    let issuer = rcgen::Issuer::new(good_params, ica_key);
    let leaf = leaf_params(&["example.com"])
        .signed_by(&key(Alg::P256), &issuer)
        .unwrap();
    let path = verify(
        leaf.der(),
        &[bad.clone(), good.clone()],
        &anchor(&root),
        &opts("example.com"),
    )
    .unwrap();
    assert_eq!(path.intermediates().next().unwrap().der(), &good[..]);
    let e = verify(leaf.der(), &[bad], &anchor(&root), &opts("example.com")).unwrap_err();
    assert!(matches!(e.reason, Reason::ExtendedKeyUsage { .. }), "{e}");
}

#[test]
fn errors_say_what_to_do() {
    let c = chain(Alg::P256);
    let mut o = opts("example.com");
    o.time = not_after() + Duration::days(1);
    let e = check(&c, &o).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("leaf #0 (CN=example.com): expired at"),
        "{text}"
    );
    assert!(text.contains("renew"), "{text}");
}

/// A backend that counts the signatures it is asked to check, then lets ring check them.
struct Counting(std::sync::atomic::AtomicUsize);

impl ca_verify::SignatureVerifier for Counting {
    fn verify(
        &self,
        alg: ca_verify::SignatureAlgorithm,
        key: ca_verify::VerificationKey<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), ca_verify::SignatureFailure> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ca_verify::AwsLcVerifier.verify(alg, key, message, signature)
    }
}

#[test]
fn each_signature_is_checked_once_through_the_backend() {
    let c = chain(Alg::P256);
    let backend = Counting(Default::default());
    let pool = [der(&c.intermediate), der(&c.intermediate)];
    ca_verify::verify_with(
        &backend,
        &c.leaf,
        &pool,
        &anchor(&c.root),
        &opts("example.com"),
    )
    .unwrap();
    assert_eq!(backend.0.into_inner(), 2);
}

#[test]
fn failures_carry_the_checks_of_the_best_candidate_path() {
    let c = chain(Alg::P256);
    let mut o = opts("example.com");
    o.purpose = Purpose::ClientAuth;
    let e = check(&c, &o).unwrap_err();
    let last = e.checks().last().expect("records");
    assert!(
        !last.passed && last.check == "extended key usage",
        "{:#?}",
        e.checks()
    );

    // An expired intermediate: the leaf's checks pass, the intermediate's validity fails.
    let root = root("Root", Alg::P256);
    let mut p = ca_params("Old ICA");
    p.not_after = now() - Duration::days(1);
    let old = ca_signed_by(p, Alg::P256, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &old);
    let e = verify(&leaf, &[der(&old)], &anchor(&root), &opts("example.com")).unwrap_err();
    assert!(matches!(e.reason, Reason::Expired { .. }), "{e}");
    let failed: Vec<_> = e.checks().iter().filter(|r| !r.passed).collect();
    assert_eq!(failed.len(), 1, "{:#?}", e.checks());
    assert_eq!((failed[0].position, failed[0].check), (1, "validity"));
    assert!(e
        .checks()
        .iter()
        .any(|r| r.position == 0 && r.check == "name" && r.passed));
}
