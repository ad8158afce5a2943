//! X.509 signatures `ca` checks before it trusts what it reads: a CSR's self-signature (RFC
//! 2986 4.2) and an imported CA's chain. ca-verify's signature check goes first, with the
//! rulebook's own algorithm table (so ca-core keeps none): it knows ML-DSA and ECDSA on P-521,
//! and tells a bad signature from an algorithm that does not fit the key. What the rulebook
//! refuses for certificates in a path (SHA-1, RSA sizes not a multiple of 8) is still checked
//! by x509-parser, as `ca` always did: a CSR's self-signature only proves possession of its
//! key, and an imported root's self-signature is not what makes it trusted.

use ca_verify::Reason;
use x509_parser::error::X509Error;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

/// Checks `signature` over `signed` with `public_key`.
pub(crate) fn verify_x509_signature(
    public_key: &SubjectPublicKeyInfo<'_>,
    algorithm: &AlgorithmIdentifier<'_>,
    signature: &[u8],
    signed: &[u8],
) -> Result<(), X509Error> {
    match ca_verify::verify_signature_by_key(public_key, algorithm, signed, signature) {
        Ok(_) => Ok(()),
        Err(Reason::BadSignature(_)) => Err(X509Error::SignatureVerificationError),
        Err(Reason::AlgorithmKeyMismatch { .. }) => Err(X509Error::SignatureUnsupportedAlgorithm),
        Err(_) => {
            let bits = x509_parser::der_parser::asn1_rs::BitString::new(0, signature);
            x509_parser::verify::verify_signature(public_key, algorithm, &bits, signed)
        }
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
        rcgen::CertificateParams::new(vec!["self.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .der()
            .to_vec()
    }

    fn check_as(der: &[u8], algorithm: Option<AlgorithmIdentifier<'_>>) -> Result<(), X509Error> {
        let (_, cert) = X509Certificate::from_der(der).unwrap();
        verify_x509_signature(
            cert.public_key(),
            algorithm.as_ref().unwrap_or(&cert.signature_algorithm),
            &cert.signature_value.data,
            cert.tbs_certificate.as_ref(),
        )
    }

    #[test]
    fn signatures_are_checked_and_a_changed_one_is_refused() {
        for key_type in [
            KeyType::EcdsaP256,
            KeyType::EcdsaP521,
            KeyType::Ed25519,
            KeyType::MlDsa44,
        ] {
            let der = self_signed(key_type);
            assert_eq!(check_as(&der, None), Ok(()), "{key_type}");
            // The last byte is inside the signature: flipping it must fail the check.
            let mut changed = der.clone();
            *changed.last_mut().unwrap() ^= 1;
            assert_eq!(
                check_as(&changed, None),
                Err(X509Error::SignatureVerificationError),
                "{key_type}"
            );
        }
    }

    #[test]
    fn an_algorithm_that_does_not_fit_the_key_is_unsupported_not_a_forgery() {
        let ed25519 = || AlgorithmIdentifier::new(x509_parser::oid_registry::OID_SIG_ED25519, None);
        for key_type in [KeyType::EcdsaP256, KeyType::EcdsaP521] {
            assert_eq!(
                check_as(&self_signed(key_type), Some(ed25519())),
                Err(X509Error::SignatureUnsupportedAlgorithm),
                "{key_type}"
            );
        }
    }

    #[test]
    fn signatures_refused_in_a_path_are_still_checked_here() {
        // Refused in a path, but taken here as before: old roots and CSRs carry them.
        let dir = tempfile::tempdir().unwrap();
        for (name, options) in [
            ("sha1", &["-sha1", "-newkey", "rsa:2048"][..]),
            ("rsa-2049-bits", &["-sha256", "-newkey", "rsa:2049"][..]),
        ] {
            let cert = dir.path().join(format!("{name}.der"));
            let made = crate::test_tool::OPENSSL
                .command()
                .args(["req", "-x509", "-nodes"])
                .args(options)
                .args(["-subj", "/CN=Old Root", "-days", "1", "-outform", "DER"])
                .arg("-keyout")
                .arg(dir.path().join(format!("{name}-key.pem")))
                .arg("-out")
                .arg(&cert)
                .output()
                .unwrap();
            assert!(made.status.success(), "{name}: {made:?}");
            let der = std::fs::read(&cert).unwrap();
            assert_eq!(check_as(&der, None), Ok(()), "{name}");
            let mut changed = der.clone();
            *changed.last_mut().unwrap() ^= 1;
            assert_eq!(
                check_as(&changed, None),
                Err(X509Error::SignatureVerificationError),
                "{name}"
            );
        }
    }
}
