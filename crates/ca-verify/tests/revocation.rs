//! CRL revocation with CRLs made by rcgen.

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{
    verify, ExpectedName, Reason, RevocationScope, TrustAnchor, UnknownRevocation, VerifyOptions,
};
use pki::*;
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use time::Duration;

fn crl(issuer: &Ca, revoked: &[u64], this_update: time::OffsetDateTime) -> Vec<u8> {
    CertificateRevocationListParams {
        this_update,
        next_update: this_update + Duration::days(7),
        crl_number: SerialNumber::from(7u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|&s| RevokedCertParams {
                serial_number: SerialNumber::from(s),
                revocation_time: this_update,
                reason_code: None,
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(issuer)
    .unwrap()
    .der()
    .to_vec()
}

struct Setup {
    root: Ca,
    ica: Ca,
    leaf: Vec<u8>,
}

fn setup() -> Setup {
    let root = root("CRL Root", Alg::P256);
    let ica = ca_signed_by(ca_params("CRL Intermediate"), Alg::P256, &root);
    let mut p = leaf_params(&["example.com"]);
    p.serial_number = Some(SerialNumber::from(42u64));
    let leaf = leaf_signed_by(p, Alg::P256, &ica);
    Setup { root, ica, leaf }
}

fn run(s: &Setup, crls: Vec<Vec<u8>>) -> Result<ca_verify::VerifiedPath, ca_verify::VerifyError> {
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.crls = crls;
    let anchors = [TrustAnchor::from_der(&der(&s.root)).unwrap()];
    verify(&s.leaf, &[der(&s.ica)], &anchors, &o)
}

#[test]
fn a_revoked_leaf_is_refused() {
    let s = setup();
    let e = run(&s, vec![crl(&s.ica, &[41, 42], now() - Duration::days(1))]).unwrap_err();
    assert!(matches!(e.reason, Reason::Revoked { .. }), "{e}");
    assert_eq!(e.cert.unwrap().position, 0);
}

#[test]
fn crls_that_do_not_list_the_path_pass_and_say_which_crl_decided() {
    let s = setup();
    let day_ago = now() - Duration::days(1);
    let path = run(
        &s,
        vec![crl(&s.ica, &[41], day_ago), crl(&s.root, &[], day_ago)],
    )
    .unwrap();
    let rec = |pos| {
        path.checks()
            .iter()
            .find(|r| r.check == "revocation" && r.position == pos)
            .cloned()
            .unwrap()
    };
    let leaf = rec(0);
    assert!(leaf.passed, "{leaf:?}");
    assert!(
        leaf.detail
            .contains("CRL of CN=CRL Intermediate (number 07)")
            && leaf.detail.contains("signed by CN=CRL Intermediate")
            && leaf.detail.contains("thisUpdate"),
        "{leaf:?}"
    );
    assert!(rec(1).detail.contains("CRL of CN=CRL Root"), "{:?}", rec(1));
}

#[test]
fn without_the_roots_crl_the_intermediate_is_unknown_unless_only_the_leaf_is_checked() {
    // RFC 5280 6.3: every certificate but the anchor needs a status; fail closed.
    let s = setup();
    let crls = vec![crl(&s.ica, &[], now() - Duration::days(1))];
    let e = run(&s, crls.clone()).unwrap_err();
    assert!(
        matches!(
            e.reason,
            Reason::RevocationUnknown(UnknownRevocation::NoCrlInScope { .. })
        ),
        "{e}"
    );
    assert_eq!(e.cert.unwrap().position, 1);
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.crls = crls;
    o.revocation.scope = RevocationScope::LeafOnly;
    let anchors = [TrustAnchor::from_der(&der(&s.root)).unwrap()];
    verify(&s.leaf, &[der(&s.ica)], &anchors, &o).unwrap();
}

#[test]
fn a_serial_on_another_issuers_crl_does_not_count_and_leaves_the_status_unknown() {
    let s = setup();
    let other = root("Other CA", Alg::P256);
    let e = run(&s, vec![crl(&other, &[42], now() - Duration::days(1))]).unwrap_err();
    assert!(
        matches!(
            e.reason,
            Reason::RevocationUnknown(UnknownRevocation::NoCrlInScope { .. })
        ),
        "{e}"
    );
}

#[test]
fn a_stale_or_future_crl_leaves_the_status_unknown() {
    // RFC 5280 6.3.3 (a): only a current CRL decides.
    let s = setup();
    for when in [now() - Duration::days(30), now() + Duration::days(1)] {
        let e = run(&s, vec![crl(&s.ica, &[], when)]).unwrap_err();
        assert!(
            matches!(
                e.reason,
                Reason::RevocationUnknown(UnknownRevocation::CrlNotCurrent { .. })
            ),
            "{e}"
        );
    }
}

#[test]
fn a_garbage_crl_is_an_error() {
    let s = setup();
    let e = run(&s, vec![b"not a crl".to_vec()]).unwrap_err();
    assert!(matches!(e.reason, Reason::InvalidCrl(_)), "{e}");
}
