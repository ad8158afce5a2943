//! ML-DSA keys (FIPS 204) as X.509 uses them (RFC 9881), signed with aws-lc-rs.
//!
//! rcgen generates ML-DSA keys but cannot read them back from PKCS#8, so `ca` holds them
//! itself and lets rcgen sign through [`rcgen::SigningKey`].
//!
//! Private keys are PKCS#8 whose privateKey holds RFC 9881's `ML-DSA-PrivateKey` CHOICE
//! (section 6). We write the `seed` form (`[0] IMPLICIT OCTET STRING (SIZE (32))`), the one
//! OpenSSL 3.5+ and Python `cryptography` write and read; we read all three forms (`seed`,
//! `expandedKey`, `both`), and a `both` key must agree with itself (aws-lc checks).

use aws_lc_rs::signature::{
    KeyPair as _, PqdsaKeyPair, PqdsaSigningAlgorithm, PqdsaVerificationAlgorithm,
    UnparsedPublicKey,
};

use super::{KeyError, KeyType};

/// The three parameter sets of FIPS 204 (section 4, table 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MlDsaLevel {
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

impl MlDsaLevel {
    /// The AlgorithmIdentifier OIDs of RFC 9881 section 2 (the same one names the key and the
    /// signature), as dotted strings.
    pub const fn oid(self) -> &'static str {
        match self {
            MlDsaLevel::MlDsa44 => "2.16.840.1.101.3.4.3.17",
            MlDsaLevel::MlDsa65 => "2.16.840.1.101.3.4.3.18",
            MlDsaLevel::MlDsa87 => "2.16.840.1.101.3.4.3.19",
        }
    }

    /// The level for an OID, if it is one of ML-DSA's.
    pub fn from_oid(oid: &str) -> Option<MlDsaLevel> {
        [
            MlDsaLevel::MlDsa44,
            MlDsaLevel::MlDsa65,
            MlDsaLevel::MlDsa87,
        ]
        .into_iter()
        .find(|l| l.oid() == oid)
    }

    /// "ML-DSA-44", as FIPS 204 names the parameter set.
    pub const fn name(self) -> &'static str {
        match self {
            MlDsaLevel::MlDsa44 => "ML-DSA-44",
            MlDsaLevel::MlDsa65 => "ML-DSA-65",
            MlDsaLevel::MlDsa87 => "ML-DSA-87",
        }
    }

    /// NIST security category (FIPS 204 section 4).
    pub const fn category(self) -> u8 {
        match self {
            MlDsaLevel::MlDsa44 => 2,
            MlDsaLevel::MlDsa65 => 3,
            MlDsaLevel::MlDsa87 => 5,
        }
    }

    /// Public key size in bytes (FIPS 204 table 2).
    pub const fn public_key_len(self) -> usize {
        match self {
            MlDsaLevel::MlDsa44 => 1312,
            MlDsaLevel::MlDsa65 => 1952,
            MlDsaLevel::MlDsa87 => 2592,
        }
    }

    /// Signature size in bytes (FIPS 204 table 2).
    pub const fn signature_len(self) -> usize {
        match self {
            MlDsaLevel::MlDsa44 => 2420,
            MlDsaLevel::MlDsa65 => 3309,
            MlDsaLevel::MlDsa87 => 4627,
        }
    }

    pub fn key_type(self) -> KeyType {
        match self {
            MlDsaLevel::MlDsa44 => KeyType::MlDsa44,
            MlDsaLevel::MlDsa65 => KeyType::MlDsa65,
            MlDsaLevel::MlDsa87 => KeyType::MlDsa87,
        }
    }

    pub(crate) fn rcgen_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            MlDsaLevel::MlDsa44 => &rcgen::PKCS_ML_DSA_44,
            MlDsaLevel::MlDsa65 => &rcgen::PKCS_ML_DSA_65,
            MlDsaLevel::MlDsa87 => &rcgen::PKCS_ML_DSA_87,
        }
    }

    fn signing(self) -> &'static PqdsaSigningAlgorithm {
        match self {
            MlDsaLevel::MlDsa44 => &aws_lc_rs::signature::ML_DSA_44_SIGNING,
            MlDsaLevel::MlDsa65 => &aws_lc_rs::signature::ML_DSA_65_SIGNING,
            MlDsaLevel::MlDsa87 => &aws_lc_rs::signature::ML_DSA_87_SIGNING,
        }
    }

    fn verification(self) -> &'static PqdsaVerificationAlgorithm {
        match self {
            MlDsaLevel::MlDsa44 => &aws_lc_rs::signature::ML_DSA_44,
            MlDsaLevel::MlDsa65 => &aws_lc_rs::signature::ML_DSA_65,
            MlDsaLevel::MlDsa87 => &aws_lc_rs::signature::ML_DSA_87,
        }
    }

    /// Checks an ML-DSA signature (pure ML-DSA, empty context: RFC 9881 section 3) of `message`
    /// by the raw public key `public_key`.
    pub fn verify(self, public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(self.verification(), public_key)
            .verify(message, signature)
            .is_ok()
    }
}

/// An ML-DSA key pair with its PKCS#8 encoding.
pub(crate) struct MlDsaKey {
    level: MlDsaLevel,
    pair: PqdsaKeyPair,
    pkcs8: zeroize::Zeroizing<Vec<u8>>,
}

impl MlDsaKey {
    pub(crate) fn generate(level: MlDsaLevel) -> Result<MlDsaKey, KeyError> {
        let failed = |what: &str| KeyError::Generation {
            key_type: level.name().to_string(),
            problem: what.to_string(),
        };
        let pair = PqdsaKeyPair::generate(level.signing()).map_err(|_| failed("aws-lc failed"))?;
        // aws-lc writes the seed form of RFC 9881 section 6.
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| failed("cannot encode the key as PKCS#8"))?;
        Ok(MlDsaKey {
            level,
            pair,
            pkcs8: zeroize::Zeroizing::new(pkcs8.as_ref().to_vec()),
        })
    }

    /// Reads a plain PKCS#8 ML-DSA key of `level` (the caller has read the OID). The stored
    /// PKCS#8 is re-encoded in the seed form when the key has a seed, else kept as given
    /// (an `expandedKey`-only key has no seed to write).
    pub(crate) fn from_pkcs8(level: MlDsaLevel, der: &[u8]) -> Result<MlDsaKey, KeyError> {
        let pair = PqdsaKeyPair::from_pkcs8(level.signing(), der).map_err(|e| {
            KeyError::Malformed(format!(
                "bad {} key ({e}): RFC 9881 section 6 expects the seed (32 bytes), the \
                 expanded key, or both, and both must agree",
                level.name()
            ))
        })?;
        let pkcs8 = match pair.to_pkcs8v1() {
            Ok(doc) => doc.as_ref().to_vec(),
            Err(_) => der.to_vec(),
        };
        Ok(MlDsaKey {
            level,
            pair,
            pkcs8: zeroize::Zeroizing::new(pkcs8),
        })
    }

    pub(crate) fn level(&self) -> MlDsaLevel {
        self.level
    }

    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The raw public key (what the SubjectPublicKeyInfo's BIT STRING holds, RFC 9881 section 4).
    pub(crate) fn public_key_raw(&self) -> &[u8] {
        self.pair.public_key().as_ref()
    }

    pub(crate) fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        let mut signature = vec![0; self.level.signature_len()];
        let len = self
            .pair
            .sign(msg, &mut signature)
            .map_err(|_| rcgen::Error::RemoteKeyError)?;
        signature.truncate(len);
        Ok(signature)
    }
}
