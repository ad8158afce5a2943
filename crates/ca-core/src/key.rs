//! Private keys: generate them, read them in every common format, write
//! them as (optionally encrypted) PKCS#8.
//!
//! Whatever the input format, a [`PrivateKey`] holds its key as PKCS#8,
//! which is what rcgen (and aws-lc-rs behind it) signs with. Reading accepts:
//!
//! - PKCS#8 (`PRIVATE KEY`), RSA, ECDSA P-256/P-384/P-521 or Ed25519;
//! - encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`) with a [`Passphrase`]: PBES2, and the
//!   PKCS#12 3DES and RC2 schemes old OpenSSL and Java write (`legacy_pbe`);
//! - PKCS#1 (`RSA PRIVATE KEY`) and SEC1 (`EC PRIVATE KEY`);
//!
//! each as PEM or DER; ML-DSA keys (FIPS 204, RFC 9881) in PKCS#8 only (`ml_dsa`).
//! Keys we generate use aws-lc-rs (all types; RSA with e = 65537).
//!
//! Modules, one concern each: this one (the key types, generating, the
//! accessors and writing), `read` (every input format), `encryption`
//! (encrypted PKCS#8 in and out), `legacy_pbe` (the old PKCS#12 schemes) and
//! `ml_dsa` (ML-DSA keys, which rcgen cannot read).

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pkcs8::der::Decode;
use pkcs8::{ObjectIdentifier, PrivateKeyInfo};
use rcgen::{KeyPair, PublicKeyData};

use crate::atomic::{self, FileMode, Overwrite};
use crate::error::{Error, Result};
use crate::passphrase::Passphrase;

const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// PBKDF2-HMAC-SHA256 rounds for encrypted keys: OWASP's 2023 advice.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// RSA keys are read from 2048 to 8192 bits; `ca` signs with 2048 to 4096 bits (the limit
/// ring had, kept: the messages and tests say so; verification goes to 8192).
const RSA_MIN_BITS: usize = 2048;
const RSA_MAX_BITS: usize = 8192;
const RSA_MAX_SIGNING_BITS: usize = 4096;

/// The kind of a key: algorithm and size.
///
/// `Display` and `FromStr` use the names of the CLI's `--key-type` flag:
/// `ecdsa-p256` (the default), `ecdsa-p384`, `ecdsa-p521`, `ed25519`, `rsa-2048`,
/// `rsa-3072`, `rsa-4096`, `ml-dsa-44`, `ml-dsa-65`, `ml-dsa-87`. Keys read from files may be RSA keys of other
/// sizes (2048 to 8192 bits); only the three sizes above can be generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyType {
    #[default]
    EcdsaP256,
    EcdsaP384,
    /// ECDSA on P-521, signing with SHA-512 (RFC 5758 3.2; CA/B BR 7.1.3.2.2).
    EcdsaP521,
    Ed25519,
    /// RSA with a modulus of this many bits.
    Rsa(usize),
    /// ML-DSA (FIPS 204), parameter set ML-DSA-44 (NIST category 2).
    MlDsa44,
    /// ML-DSA-65 (category 3).
    MlDsa65,
    /// ML-DSA-87 (category 5).
    MlDsa87,
}

impl KeyType {
    /// Every key type that [`PrivateKey::generate`] can make, in CLI order.
    pub const GENERATABLE: [KeyType; 10] = [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::EcdsaP521,
        KeyType::Ed25519,
        KeyType::Rsa(2048),
        KeyType::Rsa(3072),
        KeyType::Rsa(4096),
        KeyType::MlDsa44,
        KeyType::MlDsa65,
        KeyType::MlDsa87,
    ];

    /// True for RSA keys (leaf profiles add keyEncipherment for them).
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa(_))
    }

    /// The ML-DSA parameter set, for ML-DSA keys.
    pub fn ml_dsa(self) -> Option<MlDsaLevel> {
        match self {
            KeyType::MlDsa44 => Some(MlDsaLevel::MlDsa44),
            KeyType::MlDsa65 => Some(MlDsaLevel::MlDsa65),
            KeyType::MlDsa87 => Some(MlDsaLevel::MlDsa87),
            _ => None,
        }
    }

    /// The signature algorithm a key of this type signs with.
    pub fn signature_algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            KeyType::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::EcdsaP521 => &rcgen::PKCS_ECDSA_P521_SHA512,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
            KeyType::Rsa(_) => &rcgen::PKCS_RSA_SHA256,
            KeyType::MlDsa44 => &rcgen::PKCS_ML_DSA_44,
            KeyType::MlDsa65 => &rcgen::PKCS_ML_DSA_65,
            KeyType::MlDsa87 => &rcgen::PKCS_ML_DSA_87,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyType::EcdsaP256 => f.write_str("ecdsa-p256"),
            KeyType::EcdsaP384 => f.write_str("ecdsa-p384"),
            KeyType::EcdsaP521 => f.write_str("ecdsa-p521"),
            KeyType::Ed25519 => f.write_str("ed25519"),
            KeyType::Rsa(bits) => write!(f, "rsa-{bits}"),
            KeyType::MlDsa44 => f.write_str("ml-dsa-44"),
            KeyType::MlDsa65 => f.write_str("ml-dsa-65"),
            KeyType::MlDsa87 => f.write_str("ml-dsa-87"),
        }
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        KeyType::GENERATABLE
            .into_iter()
            .find(|t| t.to_string().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<String> =
                    KeyType::GENERATABLE.iter().map(|t| t.to_string()).collect();
                format!(
                    "unknown key type '{s}'; choose one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// The format a key was read from (for `inspect` and for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Pkcs8,
    EncryptedPkcs8,
    /// PKCS#1 `RSAPrivateKey`.
    Pkcs1,
    /// SEC1 `ECPrivateKey`.
    Sec1,
}

impl fmt::Display for KeyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFormat::Pkcs8 => "PKCS#8",
            KeyFormat::EncryptedPkcs8 => "encrypted PKCS#8",
            KeyFormat::Pkcs1 => "PKCS#1",
            KeyFormat::Sec1 => "SEC1",
        })
    }
}

/// Why a key could not be read, generated or written. The messages say
/// how to fix the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the key file is empty; give a file that holds a private key")]
    Empty,
    #[error("this is {found}, not a private key; give the private key file instead")]
    NotAKey { found: &'static str },
    #[error("not a readable private key ({0}); expected PKCS#8, PKCS#1 or SEC1, PEM or DER")]
    Malformed(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("the key is encrypted; give its passphrase with --passphrase-file FILE or --passphrase-env VAR")]
    PassphraseRequired,
    #[error("wrong passphrase for the encrypted key (or the file is corrupt)")]
    WrongPassphrase,
    #[error("cannot generate a {key_type} key: {problem}")]
    Generation { key_type: String, problem: String },
    #[error("cannot encrypt the key: {0}")]
    Encryption(String),
}

/// A private key, ready to sign certificates and CSRs.
///
/// `Debug` never shows the secret.
pub struct PrivateKey {
    key_type: KeyType,
    format: KeyFormat,
    pair: Pair,
}

/// The signing key: rcgen's key pair, or an ML-DSA key, which rcgen cannot read from PKCS#8.
enum Pair {
    Rcgen(KeyPair),
    MlDsa(MlDsaKey),
}

impl From<KeyPair> for Pair {
    fn from(pair: KeyPair) -> Pair {
        Pair::Rcgen(pair)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("key_type", &self.key_type)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generates a fresh key. RSA keys take from a fraction of a second
    /// (2048 bits) to several seconds (4096 bits).
    pub fn generate(key_type: KeyType) -> Result<Self, KeyError> {
        let generation_error = |problem: String| KeyError::Generation {
            key_type: key_type.to_string(),
            problem,
        };
        let pair = match key_type {
            KeyType::Rsa(bits @ (2048 | 3072 | 4096)) => {
                // aws-lc-rs (e = 65537): twice as fast as the `rsa` crate in
                // benches/backend.rs. Read back through `pkcs8_pair`, which checks the
                // size, like any RSA key.
                let size = match bits {
                    2048 => rcgen::RsaKeySize::_2048,
                    3072 => rcgen::RsaKeySize::_3072,
                    _ => rcgen::RsaKeySize::_4096,
                };
                let pair = KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, size)
                    .map_err(|e| generation_error(e.to_string()))?;
                pkcs8_pair(pair.serialized_der())?.1
            }
            KeyType::Rsa(bits) => {
                return Err(generation_error(format!(
                    "{bits}-bit RSA is not offered; use rsa-2048, rsa-3072 or rsa-4096"
                )))
            }
            KeyType::Ed25519 => {
                let pair = KeyPair::generate_for(&rcgen::PKCS_ED25519)
                    .map_err(|e| generation_error(e.to_string()))?;
                pkcs8_pair(pair.serialized_der())?.1
            }
            KeyType::MlDsa44 | KeyType::MlDsa65 | KeyType::MlDsa87 => {
                let level = key_type.ml_dsa().expect("an ML-DSA key type");
                Pair::MlDsa(MlDsaKey::generate(level)?)
            }
            _ => KeyPair::generate_for(key_type.signature_algorithm())
                .map_err(|e| generation_error(e.to_string()))?
                .into(),
        };
        Ok(PrivateKey {
            key_type,
            format: KeyFormat::Pkcs8,
            pair,
        })
    }

    /// The key's algorithm and size.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The format the key was read from ([`KeyFormat::Pkcs8`] for new keys).
    pub fn source_format(&self) -> KeyFormat {
        self.format
    }

    /// The plain PKCS#8 DER encoding. This is the secret: handle with care.
    pub fn pkcs8_der(&self) -> &[u8] {
        match &self.pair {
            Pair::Rcgen(pair) => pair.serialized_der(),
            Pair::MlDsa(key) => key.pkcs8_der(),
        }
    }

    /// The public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> Vec<u8> {
        PublicKeyData::subject_public_key_info(self)
    }

    /// The rcgen key pair, to sign certificates and CSRs with rcgen directly. `None` for
    /// ML-DSA keys, which rcgen cannot hold; [`PrivateKey`] itself signs with rcgen for every
    /// key type (it implements [`rcgen::SigningKey`]).
    pub fn key_pair(&self) -> Option<&KeyPair> {
        match &self.pair {
            Pair::Rcgen(pair) => Some(pair),
            Pair::MlDsa(_) => None,
        }
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pem(&self) -> String {
        crate::pem_text::encode("PRIVATE KEY", self.pkcs8_der())
    }

    /// Writes the key as PKCS#8 PEM (encrypted when a passphrase is given),
    /// atomically and with mode 0600.
    pub fn write_file(
        &self,
        path: &Path,
        passphrase: Option<&Passphrase>,
        overwrite: Overwrite,
    ) -> Result<()> {
        let pem = self
            .to_pem_with(passphrase)
            .map_err(|e| Error::key_at(path, e))?;
        atomic::write_file(path, pem.as_bytes(), FileMode::Private, overwrite)
    }
}

/// Lets rcgen sign with a [`PrivateKey`] directly.
impl PublicKeyData for PrivateKey {
    fn der_bytes(&self) -> &[u8] {
        match &self.pair {
            Pair::Rcgen(pair) => pair.der_bytes(),
            Pair::MlDsa(key) => key.public_key_raw(),
        }
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        match &self.pair {
            Pair::Rcgen(pair) => pair.algorithm(),
            Pair::MlDsa(key) => key.level().rcgen_algorithm(),
        }
    }
}

impl rcgen::SigningKey for PrivateKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        match &self.pair {
            Pair::Rcgen(pair) => pair.sign(msg),
            Pair::MlDsa(key) => key.sign(msg),
        }
    }
}

mod encryption;
pub(crate) mod legacy_pbe;
pub mod ml_dsa;
mod read;

use ml_dsa::{MlDsaKey, MlDsaLevel};
use read::pkcs8_pair;
pub(crate) use read::sec1_explicit_parameters;

#[cfg(test)]
mod tests;
