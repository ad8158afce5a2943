//! Issues N P-256 leaves with `Issuer::issue` or with rcgen alone, for counting
//! instructions (stable where the criterion bench is noisy on a busy machine):
//!
//! cargo build --release -p ca-core --example issue_cost
//! perf stat -e instructions:u target/release/examples/issue_cost {ca|rcgen} 2000
//!
//! Subtract a run with N = 0 (set-up) and divide by N. The rcgen side builds the
//! same certificate as `benches/issue.rs`, with the rcgen (and backend) ca-core uses.

use ca_core::{IssueContext, Issuer, LeafOptions, Serial};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let now = OffsetDateTime::now_utc();
    let mut total = 0usize;
    match which.as_str() {
        "ca" => {
            let ca = Issuer::new_test_root().expect("a root CA");
            let at = IssueContext::at(now);
            let options = LeafOptions::server(&["localhost", "127.0.0.1"]).expect("names");
            for _ in 0..n {
                let issued = ca.issue(&options, &at).expect("issued");
                let key = issued.key_pem().unwrap_or_default();
                total += issued.cert.pem().len() + key.len() + issued.fullchain_pem().len();
            }
        }
        "rcgen" => {
            let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("CA key");
            let mut ca_params = CertificateParams::default();
            ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            let ca = rcgen::Issuer::new(ca_params, ca_key);
            for _ in 0..n {
                let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
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
                let cert = params.signed_by(&key, &ca).expect("signed");
                let pem = cert.pem();
                total += pem.len() + key.serialize_pem().len() + pem.clone().len();
            }
        }
        _ => {
            eprintln!("usage: issue_cost {{ca|rcgen}} N");
            std::process::exit(2);
        }
    }
    println!("{total}");
}
