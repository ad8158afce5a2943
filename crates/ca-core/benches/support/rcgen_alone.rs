//! The floor `Issuer::issue` is measured against: the same P-256 server leaf (same names,
//! extensions, serial size and validity) made with rcgen alone, with the rcgen (and crypto
//! backend) ca-core uses. Shared by `benches/issue.rs` and `examples/issue_cost.rs`.

use ca_core::Serial;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

/// A P-256 CA for [`rcgen_alone`] to sign with.
pub fn rcgen_ca() -> rcgen::Issuer<'static, KeyPair> {
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("CA key");
    let mut ca_params = CertificateParams::default();
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    rcgen::Issuer::new(ca_params, ca_key)
}

/// Key generation, signing, and the PEM of the certificate, its key and its chain.
pub fn rcgen_alone(ca: &rcgen::Issuer<'_, KeyPair>, now: OffsetDateTime) -> String {
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
