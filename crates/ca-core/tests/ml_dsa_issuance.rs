//! Issuance refuses an ML-DSA certificate whose key usage RFC 9881 forbids, naming the rule
//! (`ku.ml-dsa-bits`, RFC 9881 5). `ca`'s own profiles never ask for such bits (an ML-DSA leaf
//! gets digitalSignature alone): the certificate is made with rcgen and handed to the same
//! check `ca` runs on everything it issues.

use ca_core::compliance::{check_with_signatures as check, Issuing};
use ca_core::{Error, KeyType, PrivateKey};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

fn root(key: &PrivateKey) -> (Vec<u8>, CertificateParams) {
    let mut p = CertificateParams::default();
    p.distinguished_name.push(DnType::CommonName, "ML-DSA Root");
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::minutes(1);
    p.not_after = now + Duration::days(30);
    let der = p.self_signed(key).unwrap().der().to_vec();
    (der, p)
}

fn leaf(
    root_params: CertificateParams,
    root_key: &PrivateKey,
    bits: Vec<KeyUsagePurpose>,
) -> Vec<u8> {
    let key = PrivateKey::generate(KeyType::MlDsa44).unwrap();
    let mut p = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, "localhost");
    p.is_ca = IsCa::ExplicitNoCa;
    p.key_usages = bits;
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    p.not_before = now - Duration::minutes(1);
    p.not_after = now + Duration::days(30);
    let issuer = Issuer::new(root_params, root_key);
    p.signed_by(&key, &issuer).unwrap().der().to_vec()
}

#[test]
fn key_encipherment_on_an_ml_dsa_key_is_refused_naming_the_rule() {
    let root_key = PrivateKey::generate(KeyType::MlDsa65).unwrap();
    let (root_der, root_params) = root(&root_key);
    assert!(check(&root_der, Issuing::Root, &[], false).is_ok());

    let good = leaf(
        root_params.clone(),
        &root_key,
        vec![KeyUsagePurpose::DigitalSignature],
    );
    let warnings = check(&good, Issuing::ServerLeaf, &[&root_der], false).unwrap();
    // ML-DSA is outside the CA/B Forum's key list: a warning, not a refusal.
    assert!(
        warnings.iter().all(|w| w.contains("key.webpki-algorithms")),
        "{warnings:?}"
    );

    for bad in [
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::DataEncipherment,
    ] {
        let der = leaf(
            root_params.clone(),
            &root_key,
            vec![KeyUsagePurpose::DigitalSignature, bad],
        );
        match check(&der, Issuing::ServerLeaf, &[&root_der], false) {
            Err(Error::Refused(msg)) => {
                assert!(
                    msg.contains("rule ku.ml-dsa-bits (RFC 9881 5)"),
                    "{bad:?}: {msg}"
                );
            }
            other => panic!("{bad:?}: expected a refusal, got {other:?}"),
        }
    }
}
