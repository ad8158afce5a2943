//! X.509 signatures `ca` checks before it trusts what it reads: a CSR's self-signature (RFC
//! 2986 4.2) and an imported CA's chain. x509-parser checks most algorithms; it knows neither
//! ML-DSA nor ECDSA on P-521, which `ca` also issues with, so those two are checked here with
//! aws-lc-rs (the same backend).

use aws_lc_rs::signature::{
    UnparsedPublicKey, VerificationAlgorithm, ECDSA_P521_SHA256_ASN1, ECDSA_P521_SHA384_ASN1,
    ECDSA_P521_SHA512_ASN1,
};
use x509_parser::error::X509Error;
use x509_parser::oid_registry::{
    OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P521, OID_SIG_ECDSA_WITH_SHA256,
    OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ECDSA_WITH_SHA512,
};
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use crate::key::ml_dsa::MlDsaLevel;

/// Checks `signature` over `signed` with `public_key`. An ML-DSA signature needs an ML-DSA key
/// of the same parameter set, and neither AlgorithmIdentifier may have parameters (RFC 9881 2).
pub(crate) fn verify_x509_signature(
    public_key: &SubjectPublicKeyInfo<'_>,
    algorithm: &AlgorithmIdentifier<'_>,
    signature: &[u8],
    signed: &[u8],
) -> Result<(), X509Error> {
    if let Some(level) = MlDsaLevel::from_oid(&algorithm.algorithm.to_id_string()) {
        if algorithm.parameters.is_some()
            || public_key.algorithm.parameters.is_some()
            || public_key.algorithm.algorithm != algorithm.algorithm
        {
            return Err(X509Error::SignatureUnsupportedAlgorithm);
        }
        return checked(level.verify(&public_key.subject_public_key.data, signed, signature));
    }
    if let Some(p521) = ecdsa_p521(public_key, algorithm)? {
        let key = UnparsedPublicKey::new(p521, &public_key.subject_public_key.data);
        return checked(key.verify(signed, signature).is_ok());
    }
    let bits = x509_parser::der_parser::asn1_rs::BitString::new(0, signature);
    x509_parser::verify::verify_signature(public_key, algorithm, &bits, signed)
}

/// The check for an ECDSA signature by a P-521 key; `None` for any other key. RFC 5758 3.2:
/// the ecdsa-with-SHA* identifiers have no parameters.
fn ecdsa_p521(
    public_key: &SubjectPublicKeyInfo<'_>,
    algorithm: &AlgorithmIdentifier<'_>,
) -> Result<Option<&'static dyn VerificationAlgorithm>, X509Error> {
    let on_p521 = public_key.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY
        && public_key
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .is_some_and(|curve| curve == OID_NIST_EC_P521);
    if !on_p521 {
        return Ok(None);
    }
    if algorithm.parameters.is_some() {
        return Err(X509Error::SignatureUnsupportedAlgorithm);
    }
    let oid = &algorithm.algorithm;
    Ok(Some(if *oid == OID_SIG_ECDSA_WITH_SHA512 {
        &ECDSA_P521_SHA512_ASN1
    } else if *oid == OID_SIG_ECDSA_WITH_SHA384 {
        &ECDSA_P521_SHA384_ASN1
    } else if *oid == OID_SIG_ECDSA_WITH_SHA256 {
        &ECDSA_P521_SHA256_ASN1
    } else {
        return Err(X509Error::SignatureUnsupportedAlgorithm);
    }))
}

fn checked(valid: bool) -> Result<(), X509Error> {
    if valid {
        Ok(())
    } else {
        Err(X509Error::SignatureVerificationError)
    }
}

#[cfg(test)]
mod tests {
    use x509_parser::prelude::{FromDer, X509Certificate};

    use super::*;
    use crate::key::{KeyType, PrivateKey};

    /// A self-signed certificate: its own key checks its signature.
    fn self_signed(key_type: KeyType) -> Vec<u8> {
        let key = PrivateKey::generate(key_type).unwrap();
        rcgen::CertificateParams::new(vec!["p521.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .der()
            .to_vec()
    }

    fn check(der: &[u8]) -> Result<(), X509Error> {
        let (_, cert) = X509Certificate::from_der(der).unwrap();
        verify_x509_signature(
            cert.public_key(),
            &cert.signature_algorithm,
            &cert.signature_value.data,
            cert.tbs_certificate.as_ref(),
        )
    }

    #[test]
    fn p521_signatures_are_checked_and_a_changed_one_is_refused() {
        for key_type in [KeyType::EcdsaP521, KeyType::EcdsaP256, KeyType::MlDsa44] {
            let der = self_signed(key_type);
            assert_eq!(check(&der), Ok(()), "{key_type}");
            // The last byte is inside the signature: flipping it must fail the check.
            let mut changed = der.clone();
            *changed.last_mut().unwrap() ^= 1;
            assert_eq!(
                check(&changed),
                Err(X509Error::SignatureVerificationError),
                "{key_type}"
            );
        }
    }

    #[test]
    fn a_p521_key_with_a_non_ecdsa_algorithm_is_refused() {
        let der = self_signed(KeyType::EcdsaP521);
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        let ed25519 = AlgorithmIdentifier::new(x509_parser::oid_registry::OID_SIG_ED25519, None);
        assert_eq!(
            verify_x509_signature(
                cert.public_key(),
                &ed25519,
                &cert.signature_value.data,
                cert.tbs_certificate.as_ref(),
            ),
            Err(X509Error::SignatureUnsupportedAlgorithm)
        );
    }
}
