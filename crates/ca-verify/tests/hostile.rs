//! Hostile inputs: mutated DER never panics, cycles and large pools stay bounded.

#[path = "support/pki.rs"]
mod pki;

use ca_verify::{verify, Certificate, ExpectedName, Reason, TrustAnchor, VerifyOptions};
use pki::*;

fn opts() -> VerifyOptions {
    VerifyOptions::server(now(), Some(ExpectedName::Dns("example.com".into())))
}

#[test]
fn mutated_certificates_never_panic() {
    let c = chain(Alg::P256);
    let anchors = [TrustAnchor::from_der(&der(&c.root)).unwrap()];
    let inter = der(&c.intermediate);
    for i in 0..c.leaf.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut leaf = c.leaf.clone();
            leaf[i] ^= flip;
            // Every byte is covered by the signature or by strict DER: no mutation verifies.
            let r = verify(&leaf, std::slice::from_ref(&inter), &anchors, &opts());
            assert!(r.is_err(), "byte {i} ^ {flip:#x} still verifies");
        }
    }
    for n in 0..c.leaf.len() {
        let _ = verify(
            &c.leaf[..n],
            std::slice::from_ref(&inter),
            &anchors,
            &opts(),
        );
        let _ = Certificate::from_der(&inter[..n.min(inter.len())]);
    }
}

#[test]
fn cycles_and_a_long_same_name_pool_end_quickly() {
    // 40 CAs with one subject name, each signed by the next: none chains to the trusted root.
    let root = root("Trusted Root", Alg::P256);
    let mut cas = vec![pki::root("Loop CA", Alg::P256)];
    for _ in 0..39 {
        let next = ca_signed_by(ca_params("Loop CA"), Alg::P256, cas.last().unwrap());
        cas.push(next);
    }
    let leaf = leaf_signed_by(
        leaf_params(&["example.com"]),
        Alg::P256,
        cas.last().unwrap(),
    );
    let pool: Vec<Vec<u8>> = cas.iter().map(der).collect();
    let anchors = [TrustAnchor::from_der(&der(&root)).unwrap()];
    let start = std::time::Instant::now();
    let e = verify(&leaf, &pool, &anchors, &opts()).unwrap_err();
    assert!(
        matches!(
            e.reason,
            Reason::UnknownIssuer(_) | Reason::MaxDepthExceeded(_) | Reason::TooMuchWork(_)
        ),
        "{e}"
    );
    assert!(start.elapsed().as_secs() < 30, "took {:?}", start.elapsed());
}

#[test]
fn mutated_intermediates_and_anchors_never_panic() {
    let c = chain(Alg::P256);
    let inter = der(&c.intermediate);
    let root = der(&c.root);
    let good_anchor = [TrustAnchor::from_der(&root).unwrap()];
    for i in 0..inter.len() {
        let mut bad = inter.clone();
        bad[i] ^= 0x41;
        // A damaged intermediate never yields a path.
        assert!(verify(&c.leaf, std::slice::from_ref(&bad), &good_anchor, &opts()).is_err());
    }
    for i in 0..root.len() {
        let mut bad = root.clone();
        bad[i] ^= 0x41;
        if let Ok(a) = TrustAnchor::from_der(&bad) {
            // The anchor's own signature is not checked, so a change there may still verify;
            // anything else must not panic.
            let _ = verify(&c.leaf, std::slice::from_ref(&inter), &[a], &opts());
        }
    }
}
