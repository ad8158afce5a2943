//! Issuing one ECDSA P-256 server leaf signed by a P-256 CA, in process:
//! key generation, profile, signing and PEM encoding of certificate, key
//! and chain. `rcgen alone` does the same certificate (same names,
//! extensions, serial size and validity) with rcgen directly: the floor
//! that `Issuer::issue` is measured against. It is the rcgen that ca-core
//! uses, with the same features, so both sides sign with the same backend
//! (ring today; whatever ca-core's rcgen is built with tomorrow).
//!
//! A second group issues the same leaf with ML-DSA keys (FIPS 204): each parameter set for
//! the leaf, signed by a CA of the same set, for the cost of post-quantum issuance end to end.
//!
//! Run: cargo bench -p ca-core --bench issue -- --warm-up-time 1 --measurement-time 3

use ca_core::{CaOptions, IssueContext, Issuer, KeyType, LeafOptions, Serial};
use criterion::{criterion_group, criterion_main, Criterion};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

fn rcgen_alone(ca: &rcgen::Issuer<'_, KeyPair>, now: OffsetDateTime) -> String {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("P-256 key");
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "localhost");
    params.distinguished_name = dn;
    params.subject_alt_names = vec![
        SanType::DnsName("localhost".try_into().expect("DNS name")),
        SanType::IpAddress([127, 0, 0, 1].into()),
    ];
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.serial_number = Some(SerialNumber::from_slice(Serial::random().as_bytes()));
    params.not_before = now;
    params.not_after = now + Duration::days(397);
    let cert = params.signed_by(&key, ca).expect("signed");
    let cert_pem = cert.pem();
    // Signed by a root: the chain is the certificate alone, as in ca.
    let chain = cert_pem.clone();
    cert_pem + &key.serialize_pem() + &chain
}

fn issue_p256_leaf(c: &mut Criterion) {
    let now = OffsetDateTime::now_utc();
    let at = IssueContext::at(now);
    let mut group = c.benchmark_group("issue P-256 leaf (P-256 CA)");

    let ca = Issuer::new_test_root().expect("a root CA");
    let options = LeafOptions::server(&["localhost", "127.0.0.1"]).expect("valid names");
    group.bench_function("Issuer::issue", |b| {
        b.iter(|| {
            let issued = ca.issue(&options, &at).expect("issued");
            let pem = (issued.cert.pem(), issued.key_pem(), issued.fullchain_pem());
            std::hint::black_box(pem)
        })
    });

    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("CA key");
    let mut ca_params = CertificateParams::default();
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let rcgen_ca = rcgen::Issuer::new(ca_params, ca_key);
    group.bench_function("rcgen alone", |b| {
        b.iter(|| std::hint::black_box(rcgen_alone(&rcgen_ca, now)))
    });
    group.finish();
}

fn issue_ml_dsa_leaf(c: &mut Criterion) {
    let at = IssueContext::at(OffsetDateTime::now_utc());
    let mut group = c.benchmark_group("issue ML-DSA leaf (CA of the same set)");
    for key_type in [KeyType::MlDsa44, KeyType::MlDsa65, KeyType::MlDsa87] {
        let ca_options = CaOptions {
            key_type,
            ..Default::default()
        };
        let (ca, _) = Issuer::new_root(&ca_options, &at).expect("an ML-DSA root");
        let mut options = LeafOptions::server(&["localhost", "127.0.0.1"]).expect("valid names");
        options.key_type = key_type;
        group.bench_function(key_type.to_string(), |b| {
            b.iter(|| {
                let issued = ca.issue(&options, &at).expect("issued");
                let pem = (issued.cert.pem(), issued.key_pem(), issued.fullchain_pem());
                std::hint::black_box(pem)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, issue_p256_leaf, issue_ml_dsa_leaf);
criterion_main!(benches);
