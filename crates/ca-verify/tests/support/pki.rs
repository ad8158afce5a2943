//! Test PKI built with rcgen: roots, intermediates and leaves with real keys and signatures.
#![allow(dead_code)] // each test file uses a different part

use std::sync::OnceLock;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType, SignatureAlgorithm,
    PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ECDSA_P521_SHA512, PKCS_ED25519,
    PKCS_RSA_SHA256,
};
use time::{Duration, OffsetDateTime};

/// The time the tests verify at; certificates are valid a year around it.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_750_000_000).unwrap()
}

pub fn not_before() -> OffsetDateTime {
    now() - Duration::days(30)
}

pub fn not_after() -> OffsetDateTime {
    now() + Duration::days(335)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Alg {
    P256,
    P384,
    P521,
    Ed25519,
    Rsa2048,
}

/// One RSA-2048 key per test run: RSA generation is slow, and ring cannot generate RSA keys.
fn rsa_pkcs8() -> &'static Vec<u8> {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs8::EncodePrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA keygen");
        key.to_pkcs8_der().expect("PKCS#8").as_bytes().to_vec()
    })
}

pub fn key(alg: Alg) -> KeyPair {
    let a: &'static SignatureAlgorithm = match alg {
        Alg::P256 => &PKCS_ECDSA_P256_SHA256,
        Alg::P384 => &PKCS_ECDSA_P384_SHA384,
        Alg::P521 => &PKCS_ECDSA_P521_SHA512,
        Alg::Ed25519 => &PKCS_ED25519,
        Alg::Rsa2048 => {
            let der = rustls_pki_types::PrivatePkcs8KeyDer::from(rsa_pkcs8().clone());
            return KeyPair::from_pkcs8_der_and_sign_algo(&der, &PKCS_RSA_SHA256).unwrap();
        }
    };
    KeyPair::generate_for(a).unwrap()
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

/// Parameters of a CA certificate, as a conforming CA would issue it.
pub fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = name(cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.use_authority_key_identifier_extension = true;
    p.not_before = not_before();
    p.not_after = not_after();
    p
}

/// Parameters of a TLS server leaf for `dns` names.
pub fn leaf_params(dns: &[&str]) -> CertificateParams {
    let mut p =
        CertificateParams::new(dns.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name = name(dns.first().copied().unwrap_or("leaf"));
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.use_authority_key_identifier_extension = true;
    p.not_before = not_before();
    p.not_after = not_after();
    p
}

pub fn ip_san(ip: &str) -> SanType {
    SanType::IpAddress(ip.parse().unwrap())
}

pub type Ca = CertifiedIssuer<'static, KeyPair>;

pub fn root(cn: &str, alg: Alg) -> Ca {
    CertifiedIssuer::self_signed(ca_params(cn), key(alg)).unwrap()
}

pub fn ca_signed_by(params: CertificateParams, alg: Alg, issuer: &Ca) -> Ca {
    CertifiedIssuer::signed_by(params, key(alg), issuer).unwrap()
}

pub fn leaf_signed_by(params: CertificateParams, alg: Alg, issuer: &Ca) -> Vec<u8> {
    params.signed_by(&key(alg), issuer).unwrap().der().to_vec()
}

pub fn der(ca: &Ca) -> Vec<u8> {
    ca.der().to_vec()
}

/// A root -> intermediate -> leaf chain for example.com, all with `alg` keys.
pub struct Chain {
    pub root: Ca,
    pub intermediate: Ca,
    pub leaf: Vec<u8>,
}

pub fn chain(alg: Alg) -> Chain {
    let root = root("Test Root", alg);
    let intermediate = ca_signed_by(ca_params("Test Intermediate"), alg, &root);
    let leaf = leaf_signed_by(leaf_params(&["example.com"]), alg, &intermediate);
    Chain {
        root,
        intermediate,
        leaf,
    }
}
