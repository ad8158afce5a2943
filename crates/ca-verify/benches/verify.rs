//! Verifying leaf -> intermediate -> root, ECDSA P-256 and RSA-2048, with ca-verify and with
//! rustls-webpki on the same chain, in the same group.
//!
//! ```text
//! cargo bench -p ca-verify --bench verify -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

#[path = "../tests/support/pki.rs"]
mod pki;

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

    let root_der = CertificateDer::from(root.clone());
    let webpki_anchors = vec![webpki::anchor_from_trusted_cert(&root_der)
        .unwrap()
        .to_owned()];
    let webpki_inter: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        pki::now().unix_timestamp() as u64,
    ));
    let name = ServerName::try_from("example.com").unwrap();
    let webpki_verify = || {
        let ee = webpki::EndEntityCert::try_from(&leaf_der).unwrap();
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &webpki_anchors,
            &webpki_inter,
            time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )
        .map(|_| ())?;
        ee.verify_is_valid_for_subject_name(&name)
    };
    webpki_verify().expect("rustls-webpki accepts");

    let mut group = c.benchmark_group(format!("verify leaf-intermediate-root {label}"));
    group.bench_function("ca-verify", |b| {
        b.iter(|| ca_verify::verify(&leaf, &intermediates, &anchors, &opts).unwrap())
    });
    group.bench_function("rustls-webpki", |b| b.iter(|| webpki_verify().unwrap()));
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_chain(c, "ECDSA P-256", pki::Alg::P256);
    bench_chain(c, "RSA-2048", pki::Alg::Rsa2048);
}

criterion_group!(verify_benches, benches);
criterion_main!(verify_benches);
