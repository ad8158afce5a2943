//! What a failure tells the user: the check that failed with what it found, and a hint that
//! fits the cause (another CA of the same name, a trust anchor given as the leaf).

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{
    verify, CheckRecord, ExpectedName, Profile, Reason, TrustAnchor, VerifyError, VerifyOptions,
};
use pki::*;
use rcgen::{
    BasicConstraints, CertificateRevocationListParams, IsCa, KeyIdMethod, RevocationReason,
    RevokedCertParams, SerialNumber,
};
use time::Duration;

fn opts() -> VerifyOptions {
    VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())))
}

fn anchor(ca: &Ca) -> Vec<TrustAnchor> {
    vec![TrustAnchor::from_der(&der(ca)).unwrap()]
}

fn records<'a>(checks: &'a [CheckRecord], check: &str) -> Vec<&'a CheckRecord> {
    checks.iter().filter(|r| r.check == check).collect()
}

/// A CRL from `issuer` listing `serial` for key compromise.
fn crl_revoking(issuer: &Ca, serial: u64) -> Vec<u8> {
    let this_update = now() - Duration::days(1);
    CertificateRevocationListParams {
        this_update,
        next_update: this_update + Duration::days(7),
        crl_number: SerialNumber::from(3u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(serial),
            revocation_time: this_update,
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(issuer)
    .unwrap()
    .der()
    .to_vec()
}

#[test]
fn a_revoked_leaf_fails_the_revocation_check_with_the_crl_entry() {
    let root = root("Revoking Root", Alg::P256);
    let ica = ca_signed_by(ca_params("Revoking ICA"), Alg::P256, &root);
    let mut p = leaf_params(&["example.com"]);
    p.serial_number = Some(SerialNumber::from(0x2au64));
    let leaf = leaf_signed_by(p, Alg::P256, &ica);
    let mut o = opts();
    o.crls = vec![crl_revoking(&ica, 0x2a)];
    let e = verify(&leaf, &[der(&ica)], &anchor(&root), &o).unwrap_err();
    assert!(matches!(e.reason, Reason::Revoked { .. }), "{e}");
    let last = e.checks().last().unwrap();
    assert_eq!(
        (last.position, last.check, last.passed),
        (0, "revocation", false)
    );
    assert!(
        last.detail.starts_with(
            "revoked (serial 2A is listed on the CRL of CN=Revoking ICA, reason keyCompromise, \
             revoked at "
        ),
        "{}",
        last.detail
    );
    assert!(records(e.checks(), "path").is_empty(), "{:#?}", e.checks());
    // The rest of the path was walked and passed, path length included, with what it found.
    let lengths = records(e.checks(), "path length");
    let found: Vec<_> = lengths
        .iter()
        .map(|r| (r.position, r.passed, r.detail.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (1, true, "no pathLenConstraint, 0 intermediates below"),
            (2, true, "no pathLenConstraint, 1 intermediate below"),
        ]
    );
}

#[test]
fn path_length_records_say_what_they_found() {
    let mut rp = ca_params("Expired Root");
    rp.not_after = now() - Duration::days(1);
    let root = rcgen::CertifiedIssuer::self_signed(rp, key(Alg::P256)).unwrap();
    let mut p = ca_params("ICA pathlen 0");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let ica = ca_signed_by(p, Alg::P256, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
    // A failing path (the root expired): the intermediate's path length passed, with a detail.
    let e = verify(&leaf, &[der(&ica)], &anchor(&root), &opts()).unwrap_err();
    assert!(matches!(e.reason, Reason::Expired { .. }), "{e}");
    let lengths = records(e.checks(), "path length");
    assert_eq!(lengths.len(), 1, "{:#?}", e.checks());
    assert_eq!(
        (
            lengths[0].position,
            lengths[0].passed,
            lengths[0].detail.as_str()
        ),
        (1, true, "pathLenConstraint 0, 0 intermediates below")
    );
    // The same wording on a valid path.
    let mut o = opts();
    o.time = now() - Duration::days(2);
    let path = verify(&leaf, &[der(&ica)], &anchor(&root), &o).unwrap();
    let lengths = records(path.checks(), "path length");
    assert_eq!(
        lengths[0].detail, "pathLenConstraint 0, 0 intermediates below",
        "{lengths:#?}"
    );
}

fn same_name_other_key(alg: Alg) -> VerifyError {
    let c = chain(Alg::P256);
    let impostor = root("Test Root", alg);
    verify(
        &c.leaf,
        &[der(&c.intermediate)],
        &anchor(&impostor),
        &opts(),
    )
    .unwrap_err()
}

#[test]
fn a_trusted_root_of_the_same_name_but_another_key_is_called_another_ca() {
    for (alg, bad_signature) in [(Alg::P256, true), (Alg::Rsa2048, false)] {
        let e = same_name_other_key(alg);
        match (&e.reason, bad_signature) {
            (Reason::BadSignature(_), true) | (Reason::AlgorithmKeyMismatch { .. }, false) => {}
            _ => panic!("{e}"),
        }
        assert_eq!(e.cert.as_ref().unwrap().position, 1);
        assert!(
            e.hint().starts_with(
                "the chain was issued by a different CA than the trusted one of that name"
            ),
            "{e}"
        );
        assert!(e.hint().contains("the wrong root is trusted"), "{e}");
        assert!(!e.to_string().contains("reissue"), "{e}");
    }
}

#[test]
fn an_algorithm_mismatch_never_advises_another_key_type() {
    // An untrusted intermediate of the leaf issuer's name with an RSA key: not a trust anchor,
    // so no "another CA" hint, but no advice to reissue with RSA either.
    let c = chain(Alg::P256);
    let impostor = ca_signed_by(ca_params("Test Intermediate"), Alg::Rsa2048, &c.root);
    let e = verify(&c.leaf, &[der(&impostor)], &anchor(&c.root), &opts()).unwrap_err();
    assert!(
        matches!(e.reason, Reason::AlgorithmKeyMismatch { .. }),
        "{e}"
    );
    assert!(!e.hint().contains("reissue with RSA"), "{e}");
    assert!(e.hint().contains("signed by a different key"), "{e}");
}

#[test]
fn a_tampered_signature_keeps_the_altered_hint() {
    // The anchor's key id is the one the intermediate names: not another CA, an altered one.
    let c = chain(Alg::P256);
    let mut ica = der(&c.intermediate);
    let n = ica.len();
    ica[n - 3] ^= 0x01;
    let e = verify(&c.leaf, &[ica], &anchor(&c.root), &opts()).unwrap_err();
    assert!(matches!(e.reason, Reason::BadSignature(_)), "{e}");
    assert!(e.hint().contains("was altered"), "{e}");
}

#[test]
fn a_trust_anchor_given_as_the_leaf_is_named_as_such() {
    let c = chain(Alg::P256);
    let anchors = anchor(&c.root);
    let mut o = opts();
    o.name = None;
    // Web PKI: a CA as the leaf is refused on the leaf, and the hint says it is the anchor.
    let e = verify(&der(&c.root), &[] as &[Vec<u8>], &anchors, &o).unwrap_err();
    assert_eq!(e.reason, Reason::CaUsedAsLeaf, "{e}");
    assert!(
        e.hint()
            .starts_with("the certificate given as the leaf is itself a trusted CA"),
        "{e}"
    );
    assert!(e
        .hint()
        .contains("a leaf (end-entity) certificate was expected"));
    // RFC 5280: no issuer above it but itself, and the message says so.
    o.profile = Profile::Rfc5280;
    let e = verify(&der(&c.root), &[] as &[Vec<u8>], &anchors, &o).unwrap_err();
    assert!(
        matches!(&e.reason, Reason::UnknownIssuer(t)
            if t.ends_with("the leaf is itself a trust anchor, not a certificate issued by one")),
        "{e}"
    );
    assert!(e.hint().contains("itself a trusted CA"), "{e}");
    // A CA that is not an anchor keeps the plain hint.
    let e = verify(&der(&c.intermediate), &[] as &[Vec<u8>], &anchors, &opts()).unwrap_err();
    assert_eq!(e.reason, Reason::CaUsedAsLeaf, "{e}");
    assert!(!e.hint().contains("trusted CA"), "{e}");
}
