//! Verifying leaf -> intermediate -> root, ECDSA P-256 and RSA-2048, with ca-verify and with
//! rustls-webpki on the same chain, in the same group; and ML-DSA chains (FIPS 204) with
//! ca-verify alone (rustls-webpki 0.103 has ML-DSA only behind an unstable feature), under the
//! rfc5280 profile (the Web PKI does not admit ML-DSA keys).
//!
//! ```text
//! cargo bench -p ca-verify --bench verify -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/support/pki.rs"]
mod pki;
#[path = "../tests/support/webpki_chain.rs"]
mod webpki_chain;

fn bench_chain(c: &mut Criterion, label: &str, alg: pki::Alg) {
    let chain = pki::chain(alg);
    let root = pki::der(&chain.root);
    let intermediates = vec![pki::der(&chain.intermediate)];
    let leaf = chain.leaf.clone();

    let anchors = vec![ca_verify::TrustAnchor::from_der(&root).unwrap()];
    let opts = ca_verify::VerifyOptions::server(
        pki::now(),
        Some(ca_verify::ExpectedName::Dns("example.com".into())),
    );
    ca_verify::verify(&leaf, &intermediates, &anchors, &opts).expect("ca-verify accepts");

    let webpki_chain = webpki_chain::WebpkiChain::new(&root, &intermediates, &leaf, pki::now());
    let webpki_verify = || webpki_chain.verify();
    webpki_verify().expect("rustls-webpki accepts");

    // Both verifiers run in turn for about a second before either is measured: measured
    // first straight after start-up, a verifier came out up to 3% slower or faster from one
    // run to the next, while measured second it varied by 0.5% (the same chain each time).
    let warm_until = std::time::Instant::now() + std::time::Duration::from_secs(1);
    while std::time::Instant::now() < warm_until {
        ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap();
        webpki_verify().unwrap();
    }

    let mut group = c.benchmark_group(format!("verify leaf-intermediate-root {label}"));
    group.bench_function("ca-verify", |b| {
        b.iter(|| ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap())
    });
    group.bench_function("rustls-webpki", |b| b.iter(|| webpki_verify().unwrap()));
    group.finish();
}

/// ML-DSA root -> intermediate -> leaf, all of one parameter set.
fn bench_ml_dsa_chain(c: &mut Criterion, alg: &'static rcgen::SignatureAlgorithm, label: &str) {
    let key = || rcgen::KeyPair::generate_for(alg).unwrap();
    let root = rcgen::CertifiedIssuer::self_signed(pki::ca_params("Test Root"), key()).unwrap();
    let ica = rcgen::CertifiedIssuer::signed_by(pki::ca_params("Test Intermediate"), key(), &root)
        .unwrap();
    let leaf = pki::leaf_params(&["example.com"])
        .signed_by(&key(), &ica)
        .unwrap()
        .der()
        .to_vec();
    let anchors = vec![ca_verify::TrustAnchor::from_der(root.der()).unwrap()];
    let intermediates = vec![ica.der().to_vec()];
    let mut opts = ca_verify::VerifyOptions::server(
        pki::now(),
        Some(ca_verify::ExpectedName::Dns("example.com".into())),
    );
    opts.profile = ca_verify::Profile::Rfc5280;
    ca_verify::verify(&leaf, &intermediates, &anchors, &opts).expect("ca-verify accepts");
    let mut group = c.benchmark_group(format!("verify leaf-intermediate-root {label}"));
    group.bench_function("ca-verify", |b| {
        b.iter(|| ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap())
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_chain(c, "ECDSA P-256", pki::Alg::P256);
    bench_chain(c, "RSA-2048", pki::Alg::Rsa2048);
    bench_ml_dsa_chain(c, &rcgen::PKCS_ML_DSA_44, "ML-DSA-44");
    bench_ml_dsa_chain(c, &rcgen::PKCS_ML_DSA_65, "ML-DSA-65");
    bench_ml_dsa_chain(c, &rcgen::PKCS_ML_DSA_87, "ML-DSA-87");
}

criterion_group!(verify_benches, benches);
criterion_main!(verify_benches);
