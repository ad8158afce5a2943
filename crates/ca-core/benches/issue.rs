//! Issuing one ECDSA P-256 server leaf signed by a P-256 CA, in process:
//! key generation, profile, signing and PEM encoding of certificate, key
//! and chain. `rcgen alone` does the same certificate (same names,
//! extensions, serial size and validity) with rcgen directly: the floor
//! that `Issuer::issue` is measured against. It is the rcgen that ca-core
//! uses, with the same features, so both sides sign with the same backend
//! (aws-lc-rs).
//!
//! A second group issues the same leaf with ML-DSA keys (FIPS 204): each parameter set for
//! the leaf, signed by a CA of the same set, for the cost of post-quantum issuance end to end.
//!
//! Run: cargo bench -p ca-core --bench issue -- --warm-up-time 1 --measurement-time 3

use ca_core::{CaOptions, IssueContext, Issuer, KeyType, LeafOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use time::OffsetDateTime;

#[path = "support/rcgen_alone.rs"]
mod rcgen_alone;
use rcgen_alone::{rcgen_alone, rcgen_ca};

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

    let rcgen_ca = rcgen_ca();
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
