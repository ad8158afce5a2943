//! Issuing one ECDSA P-256 server leaf signed by a P-256 CA, in process:
//! key generation, profile, signing and PEM encoding of certificate, key
//! and chain.
//!
//! Run: cargo bench -p ca-core --bench issue -- --warm-up-time 1 --measurement-time 3

use ca_core::{IssueContext, Issuer, LeafOptions};
use criterion::{criterion_group, criterion_main, Criterion};

fn issue_p256_leaf(c: &mut Criterion) {
    let ca = Issuer::new_test_root().expect("a root CA");
    let options = LeafOptions::server(&["localhost", "127.0.0.1"]).expect("valid names");
    let at = IssueContext::at(time::OffsetDateTime::now_utc());
    c.bench_function("issue P-256 leaf (P-256 CA)", |b| {
        b.iter(|| {
            let issued = ca.issue(&options, &at).expect("issued");
            let pem = (issued.cert.pem(), issued.key_pem(), issued.fullchain_pem());
            std::hint::black_box(pem)
        })
    });
}

criterion_group!(benches, issue_p256_leaf);
criterion_main!(benches);
