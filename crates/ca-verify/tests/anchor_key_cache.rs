//! A trust anchor keeps its key as the signature backend parsed it (`KeyCache`), so a second
//! verification does not parse it again. The cache must never change an answer: a bad
//! signature under a cached key is still refused, another algorithm under the same key still
//! verifies, and threads can share the anchors.

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
fn a_cached_anchor_key_still_refuses_a_bad_signature() {
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
    // One RSA root key signs two intermediates: one with SHA-384 (which the cache keeps, being
    // first), one with SHA-256 (which goes the long way).
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

#[test]
fn the_backend_parses_a_key_once_and_keeps_a_refused_key_refused() {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING};
    use ca_verify::{
        AwsLcVerifier, KeyCache, SignatureAlgorithm, SignatureFailure, SignatureVerifier,
        VerificationKey,
    };

    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let sha256 = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap();
    let point = sha256.public_key().as_ref().to_vec();
    let key = VerificationKey::EcdsaP256(&point);
    let message = b"tbsCertificate";
    let sig = sha256.sign(&rng, message).unwrap();

    let cache = KeyCache::default();
    assert_eq!(format!("{cache:?}"), r#"KeyCache("empty")"#);
    let check =
        |alg, msg: &[u8], sig: &[u8]| AwsLcVerifier.verify_cached(&cache, alg, key, msg, sig);
    assert_eq!(
        check(SignatureAlgorithm::EcdsaSha256, message, sig.as_ref()),
        Ok(())
    );
    assert_eq!(format!("{cache:?}"), r#"KeyCache("parsed")"#);
    assert_eq!(
        check(
            SignatureAlgorithm::EcdsaSha256,
            b"another message",
            sig.as_ref()
        ),
        Err(SignatureFailure::Invalid)
    );
    // A point that is not on the curve: refused the first time and every time after.
    let off_curve = [4u8; 65];
    let bad_cache = KeyCache::default();
    for _ in 0..2 {
        assert_eq!(
            AwsLcVerifier.verify_cached(
                &bad_cache,
                SignatureAlgorithm::EcdsaSha256,
                VerificationKey::EcdsaP256(&off_curve),
                message,
                sig.as_ref()
            ),
            Err(SignatureFailure::Invalid)
        );
    }
    assert_eq!(format!("{bad_cache:?}"), r#"KeyCache("unusable key")"#);
}
