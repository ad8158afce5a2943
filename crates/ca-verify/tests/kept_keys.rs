//! Keys parsed once and kept (the per-thread memo of issuer keys, `parsed_keys.rs`) must never
//! change an answer: with the same anchors and intermediates verified again and again, a bad
//! signature is still refused, another algorithm under the same key still verifies, and threads
//! can share the anchors.

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{ExpectedName, Profile, Reason, TrustAnchor, VerifyOptions};
use pki::*;
use rcgen::{CertifiedIssuer, KeyPair, PKCS_RSA_SHA384};
use rustls_pki_types::PrivatePkcs8KeyDer;

/// The RFC 5280 profile, which takes Ed25519 keys (the Web PKI profile refuses them).
fn opts() -> VerifyOptions {
    let mut o = VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())));
    o.profile = Profile::Rfc5280;
    o
}

fn verify(leaf: &[u8], intermediate: &[u8], anchors: &[TrustAnchor]) -> Result<(), Reason> {
    ca_verify::verify(leaf, &[intermediate], anchors, &opts())
        .map(|_| ())
        .map_err(|e| e.reason)
}

/// The intermediate with one bit of its signature flipped.
fn tampered(der: &[u8]) -> Vec<u8> {
    let mut bad = der.to_vec();
    let n = bad.len();
    bad[n - 5] ^= 0x01;
    bad
}

#[test]
fn a_kept_anchor_key_still_refuses_a_bad_signature() {
    for alg in [Alg::P256, Alg::Rsa2048, Alg::P384, Alg::P521, Alg::Ed25519] {
        let c = chain(alg);
        let anchors = vec![TrustAnchor::from_der(&der(&c.root)).unwrap()];
        let good = der(&c.intermediate);
        let bad = tampered(&good);
        assert_eq!(verify(&c.leaf, &good, &anchors), Ok(()), "{alg:?}");
        for _ in 0..2 {
            let refused = verify(&c.leaf, &bad, &anchors);
            assert!(
                matches!(refused, Err(Reason::BadSignature(_))),
                "{alg:?}: {refused:?}"
            );
            assert_eq!(verify(&c.leaf, &good, &anchors), Ok(()), "{alg:?}");
        }
        // A clone shares nothing it should not: it answers the same.
        let cloned = anchors.clone();
        assert!(matches!(
            verify(&c.leaf, &bad, &cloned),
            Err(Reason::BadSignature(_))
        ));
        assert_eq!(verify(&c.leaf, &good, &cloned), Ok(()));
    }
}

#[test]
fn another_algorithm_under_the_same_anchor_key_verifies() {
    // One RSA root key signs two intermediates, one with SHA-384 and one with SHA-256: the same
    // key bytes kept under two algorithms, neither answering for the other.
    let key_256 = key(Alg::Rsa2048);
    let pkcs8 = PrivatePkcs8KeyDer::from(key_256.serialize_der());
    let key_384 = KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &PKCS_RSA_SHA384).unwrap();
    let root_256 = CertifiedIssuer::self_signed(ca_params("Test Root"), key_256).unwrap();
    let root_384 = CertifiedIssuer::self_signed(ca_params("Test Root"), key_384).unwrap();
    let anchors = vec![TrustAnchor::from_der(&der(&root_256)).unwrap()];

    let mut chains = Vec::new();
    for root in [&root_384, &root_256] {
        let ica = ca_signed_by(ca_params("Test Intermediate"), Alg::P256, root);
        let leaf = leaf_signed_by(leaf_params(&["example.com"]), Alg::P256, &ica);
        chains.push((leaf, der(&ica)));
    }
    for (leaf, ica) in &chains {
        assert_eq!(verify(leaf, ica, &anchors), Ok(()));
        assert!(matches!(
            verify(leaf, &tampered(ica), &anchors),
            Err(Reason::BadSignature(_))
        ));
    }
}

#[test]
fn threads_share_one_anchor_set() {
    let c = chain(Alg::P256);
    let anchors = vec![TrustAnchor::from_der(&der(&c.root)).unwrap()];
    let good = der(&c.intermediate);
    let bad = tampered(&good);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..5 {
                    assert_eq!(verify(&c.leaf, &good, &anchors), Ok(()));
                    assert!(matches!(
                        verify(&c.leaf, &bad, &anchors),
                        Err(Reason::BadSignature(_))
                    ));
                }
            });
        }
    });
}
