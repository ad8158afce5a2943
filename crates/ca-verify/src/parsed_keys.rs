//! The issuer keys aws-lc-rs parsed last, kept per thread.
//!
//! Parsing is a real part of a signature check (for P-256 the on-curve test and aws-lc's key
//! objects, about 14K instructions, 2% of the check; for RSA-2048 the Montgomery set-up of the
//! modulus, about 8%, which aws-lc keeps inside the parsed key), and the same few issuers sign
//! most of what one program verifies: a TLS client sees the same intermediates again and
//! again. This is a memo of a pure function: an entry is used only for the same algorithm and
//! the same key bytes, compared in full, so it never changes an answer. It is bounded (a few
//! keys per thread, the oldest replaced first) and per thread (no lock between verifying
//! threads). It covers trust anchors' keys too.

use std::cell::RefCell;

use aws_lc_rs::signature::{ParsedPublicKey, VerificationAlgorithm};

use crate::signature::SignatureAlgorithm;

/// How many issuer keys each thread keeps parsed.
pub(crate) const KEPT: usize = 8;

thread_local! {
    static KEYS: RefCell<Vec<(SignatureAlgorithm, ParsedPublicKey)>> =
        const { RefCell::new(Vec::new()) };
}

/// Runs `check` with `key` as aws-lc-rs parsed it for `alg`: the kept one when this thread
/// parsed the same key for the same algorithm recently, else a new one, kept for next time.
/// `Err` when aws-lc refuses the key (nothing is kept then).
pub(crate) fn with_parsed<T>(
    alg: SignatureAlgorithm,
    params: &'static dyn VerificationAlgorithm,
    key: &[u8],
    check: impl FnOnce(&ParsedPublicKey) -> T,
) -> Result<T, aws_lc_rs::error::KeyRejected> {
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some((_, parsed)) = keys
            .iter()
            .find(|(a, parsed)| *a == alg && parsed.as_ref() == key)
        {
            return Ok(check(parsed));
        }
        let parsed = ParsedPublicKey::new(params, key)?;
        let answer = check(&parsed);
        if keys.len() == KEPT {
            keys.remove(0);
        }
        keys.push((alg, parsed));
        Ok(answer)
    })
}

/// How many keys this thread keeps now (for tests).
#[cfg(test)]
pub(crate) fn kept() -> usize {
    KEYS.with(|keys| keys.borrow().len())
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};

    use super::*;
    use crate::signature::{AwsLcVerifier, SignatureFailure, SignatureVerifier, VerificationKey};

    #[test]
    fn kept_keys_answer_as_new_ones_and_the_oldest_goes_first() {
        let rng = SystemRandom::new();
        let signers: Vec<EcdsaKeyPair> = (0..KEPT + 2)
            .map(|_| {
                let pkcs8 =
                    EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref()).unwrap()
            })
            .collect();
        let message = b"tbsCertificate";
        let check = |signer: &EcdsaKeyPair, message: &[u8], sig: &[u8]| {
            AwsLcVerifier.verify(
                SignatureAlgorithm::EcdsaSha256,
                VerificationKey::EcdsaP256(signer.public_key().as_ref()),
                message,
                sig,
            )
        };
        let sigs: Vec<_> = signers
            .iter()
            .map(|s| s.sign(&rng, message).unwrap())
            .collect();
        // Twice round all the keys: the first round parses and keeps them (the oldest
        // replaced once KEPT are kept), the second finds some kept and parses the others again.
        for _ in 0..2 {
            for (i, (signer, sig)) in signers.iter().zip(&sigs).enumerate() {
                assert_eq!(check(signer, message, sig.as_ref()), Ok(()));
                assert_eq!(
                    check(signer, b"another message", sig.as_ref()),
                    Err(SignatureFailure::Invalid)
                );
                // The next key's signature is refused, kept key or not.
                let other = &sigs[(i + 1) % sigs.len()];
                assert_eq!(
                    check(signer, message, other.as_ref()),
                    Err(SignatureFailure::Invalid)
                );
            }
            assert_eq!(kept(), KEPT);
        }
        // A key aws-lc refuses is refused every time and never kept.
        let before = kept();
        let off_curve = [4u8; 65];
        for _ in 0..2 {
            assert_eq!(
                AwsLcVerifier.verify(
                    SignatureAlgorithm::EcdsaSha256,
                    VerificationKey::EcdsaP256(&off_curve),
                    message,
                    sigs[0].as_ref(),
                ),
                Err(SignatureFailure::Invalid)
            );
        }
        assert_eq!(kept(), before);
    }
}
