//! Subject public keys: which ones the verifier can use, and why not.

use std::fmt;

use x509_parser::public_key::PublicKey as XPublicKey;

use crate::cert::{dotted, AlgId};

/// Where a key's bytes lie in its certificate's DER (no copy of them).
pub(crate) type KeyBytes = std::ops::Range<usize>;

/// A subject public key, as far as the verifier can use it. The bytes are read from the
/// certificate's DER (`CertData::key_bytes`).
#[derive(Clone, Debug)]
pub(crate) enum PublicKey {
    /// RSA: the RSAPublicKey DER (what aws-lc takes) and the modulus size in bits.
    Rsa { der: KeyBytes, bits: usize },
    /// ECDSA on a named curve: the SEC1 point.
    Ec { curve: Curve, point: KeyBytes },
    /// Ed25519: the 32-byte key.
    Ed25519(KeyBytes),
    /// ML-DSA (FIPS 204, RFC 9881): the raw public key of the parameter set. `parameters`
    /// says the AlgorithmIdentifier carried a parameters field, which RFC 9881 section 2
    /// forbids (`alg.ml-dsa-no-parameters`).
    MlDsa {
        level: MlDsaLevel,
        key: KeyBytes,
        parameters: bool,
    },
    /// Anything else, with the reason it cannot be used.
    Unusable(String),
}

/// The ML-DSA parameter sets (FIPS 204 section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MlDsaLevel {
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

impl MlDsaLevel {
    /// The level named by an AlgorithmIdentifier OID (RFC 9881 section 2: one OID names both
    /// the key and the signature algorithm).
    pub(crate) fn from_oid(oid: &str) -> Option<MlDsaLevel> {
        Some(match oid {
            "2.16.840.1.101.3.4.3.17" => MlDsaLevel::MlDsa44,
            "2.16.840.1.101.3.4.3.18" => MlDsaLevel::MlDsa65,
            "2.16.840.1.101.3.4.3.19" => MlDsaLevel::MlDsa87,
            _ => return None,
        })
    }

    /// The public key size in bytes (FIPS 204 table 2).
    pub(crate) fn public_key_len(self) -> usize {
        match self {
            MlDsaLevel::MlDsa44 => 1312,
            MlDsaLevel::MlDsa65 => 1952,
            MlDsaLevel::MlDsa87 => 2592,
        }
    }
}

impl fmt::Display for MlDsaLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MlDsaLevel::MlDsa44 => "ML-DSA-44",
            MlDsaLevel::MlDsa65 => "ML-DSA-65",
            MlDsaLevel::MlDsa87 => "ML-DSA-87",
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Curve {
    P256,
    P384,
    P521,
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublicKey::Rsa { bits, .. } => write!(f, "RSA-{bits}"),
            PublicKey::Ec { curve, .. } => write!(f, "ECDSA {curve:?}"),
            PublicKey::Ed25519(_) => f.write_str("Ed25519"),
            PublicKey::MlDsa { level, .. } => write!(f, "{level}"),
            PublicKey::Unusable(why) => write!(f, "unusable ({why})"),
        }
    }
}

/// The key of `spki`, a part of the certificate `der`.
pub(crate) fn public_key(
    spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>,
    der: &[u8],
) -> PublicKey {
    let alg = dotted(spki.algorithm.algorithm.as_bytes());
    let key_bits = spki.subject_public_key.data.as_ref();
    // x509-parser borrows the key from the DER; should it not, the key cannot be used.
    let Some(range) = crate::der::place(der, key_bits) else {
        return PublicKey::Unusable("the key lies outside the certificate's encoding".into());
    };
    match alg.as_ref() {
        "1.2.840.113549.1.1.1" => {
            if !AlgId::from_x509(&spki.algorithm).params_are_null() {
                return PublicKey::Unusable("RSA key parameters must be NULL".into());
            }
            match spki.parsed() {
                Ok(XPublicKey::RSA(rsa)) => {
                    let m = rsa.modulus;
                    let m = &m[m.iter().take_while(|&&b| b == 0).count()..];
                    let bits = match m.first() {
                        Some(&b) => m.len() * 8 - b.leading_zeros() as usize,
                        None => 0,
                    };
                    PublicKey::Rsa { der: range, bits }
                }
                _ => PublicKey::Unusable("malformed RSA key".into()),
            }
        }
        "1.2.840.10045.2.1" => {
            let curve = match &spki.algorithm.parameters {
                Some(p) if p.tag().0 == 6 => dotted(p.data),
                Some(_) => return PublicKey::Unusable("explicit curve parameters".into()),
                None => return PublicKey::Unusable("EC key without curve".into()),
            };
            let curve = match curve.as_ref() {
                "1.2.840.10045.3.1.7" => Curve::P256,
                "1.3.132.0.34" => Curve::P384,
                "1.3.132.0.35" => Curve::P521,
                other => return PublicKey::Unusable(format!("EC curve {other} is not allowed")),
            };
            PublicKey::Ec {
                curve,
                point: range,
            }
        }
        "1.3.101.112" => {
            if spki.algorithm.parameters.is_some() || key_bits.len() != 32 {
                return PublicKey::Unusable("malformed Ed25519 key".into());
            }
            PublicKey::Ed25519(range)
        }
        "1.2.840.10040.4.1" => PublicKey::Unusable("DSA keys are not allowed".into()),
        oid if MlDsaLevel::from_oid(oid).is_some() => {
            let level = MlDsaLevel::from_oid(oid).expect("an ML-DSA OID");
            // RFC 9881 section 4: the BIT STRING holds the raw public key of FIPS 204, of the
            // parameter set's fixed size.
            if key_bits.len() != level.public_key_len() || spki.subject_public_key.unused_bits != 0
            {
                return PublicKey::Unusable(format!(
                    "malformed {level} key ({} bytes; {} expected)",
                    key_bits.len(),
                    level.public_key_len()
                ));
            }
            PublicKey::MlDsa {
                level,
                key: range,
                parameters: spki.algorithm.parameters.is_some(),
            }
        }
        other => PublicKey::Unusable(format!("key algorithm {other} is not supported")),
    }
}
