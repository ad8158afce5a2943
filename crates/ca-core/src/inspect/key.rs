//! Public information about a key file. The private key itself is read only
//! to derive its public key, and never shown.

use pkcs8::der::{Decode, Encode};
use serde::Serialize;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use super::detect::{Block, Kind};
use super::fields::{self, PublicKeyInfo};
use super::InspectError;
use crate::key::{KeyError, PrivateKey};
use crate::passphrase::Passphrase;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `PKCS#8`, `encrypted PKCS#8`, `PKCS#1`, `SEC1`, `SubjectPublicKeyInfo`
    /// or `PKCS#1 public`.
    pub format: &'static str,
    pub private: bool,
    pub encrypted: bool,
    /// Absent for an encrypted key inspected without its passphrase.
    pub public_key: Option<PublicKeyInfo>,
    /// The public key as PEM (never the private key).
    pub public_key_pem: Option<String>,
    /// Why something is missing, when it is.
    pub note: Option<String>,
}

const OID_RSA: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

impl KeyInfo {
    pub fn from_block(
        block: &Block,
        passphrase: Option<&Passphrase>,
    ) -> Result<KeyInfo, InspectError> {
        let format = match block.kind {
            Kind::Pkcs8PrivateKey => "PKCS#8",
            Kind::EncryptedPkcs8PrivateKey => "encrypted PKCS#8",
            Kind::RsaPrivateKey => "PKCS#1",
            Kind::EcPrivateKey => "SEC1",
            Kind::PublicKey => "SubjectPublicKeyInfo",
            Kind::RsaPublicKey => "PKCS#1 public",
            other => {
                return Err(InspectError::NotRecognised(format!(
                    "a {} is not a key",
                    other.describe()
                )))
            }
        };
        let encrypted = block.kind == Kind::EncryptedPkcs8PrivateKey;
        let mut info = KeyInfo {
            format,
            private: block.kind.is_private_key(),
            encrypted,
            public_key: None,
            public_key_pem: None,
            note: None,
        };
        let spki = match block.kind {
            Kind::PublicKey => block.der.clone(),
            Kind::RsaPublicKey => rsa_spki(&block.der)?,
            _ if encrypted && passphrase.is_none() => {
                info.note = Some(
                    "encrypted: give its passphrase (--passphrase-file) to see the public key"
                        .into(),
                );
                return Ok(info);
            }
            Kind::EncryptedPkcs8PrivateKey => {
                let passphrase =
                    passphrase.ok_or_else(|| key_error(KeyError::PassphraseRequired))?;
                let plain = PrivateKey::decrypt_pkcs8(&block.der, passphrase).map_err(key_error)?;
                private_public_key(Kind::Pkcs8PrivateKey, plain.as_bytes())?
            }
            kind => private_public_key(kind, &block.der)?,
        };
        let (_, parsed) = SubjectPublicKeyInfo::from_der(&spki)
            .map_err(|e| InspectError::Key(format!("unreadable public key: {e}")))?;
        info.public_key = Some(PublicKeyInfo::from_spki(&parsed));
        info.public_key_pem = Some(fields::to_pem("PUBLIC KEY", &spki));
        Ok(info)
    }
}

/// The public key of a plain private key. RSA keys are read with the `rsa` crate (the
/// public key is part of the private key structure), so that keys `ca` cannot sign with
/// (over 4096 bits) are shown too; other keys through [`PrivateKey::parse`].
fn private_public_key(kind: Kind, der: &[u8]) -> Result<Vec<u8>, InspectError> {
    let rsa_private = match kind {
        Kind::RsaPrivateKey => Some(der),
        Kind::Pkcs8PrivateKey => pkcs8::PrivateKeyInfo::from_der(der)
            .ok()
            .filter(|info| info.algorithm.oid == OID_RSA)
            .map(|info| info.private_key),
        _ => None,
    };
    if let Some(pkcs1) = rsa_private {
        let bad =
            |e: &dyn std::fmt::Display| InspectError::Key(format!("bad RSA private key: {e}"));
        let key = rsa::pkcs1::RsaPrivateKey::from_der(pkcs1).map_err(|e| bad(&e))?;
        let public = rsa::pkcs1::RsaPublicKey {
            modulus: key.modulus,
            public_exponent: key.public_exponent,
        }
        .to_der()
        .map_err(|e| bad(&e))?;
        return rsa_spki(&public);
    }
    Ok(PrivateKey::parse(der, None)
        .map_err(key_error)?
        .public_key_der())
}

fn key_error(e: KeyError) -> InspectError {
    InspectError::Key(e.to_string())
}

/// Wraps a PKCS#1 `RSAPublicKey` in a `SubjectPublicKeyInfo`.
fn rsa_spki(pkcs1: &[u8]) -> Result<Vec<u8>, InspectError> {
    let bad = |e: pkcs8::der::Error| InspectError::Key(format!("bad RSA public key: {e}"));
    let spki = pkcs8::spki::SubjectPublicKeyInfoRef {
        algorithm: pkcs8::spki::AlgorithmIdentifierRef {
            oid: OID_RSA,
            parameters: Some(pkcs8::der::asn1::AnyRef::NULL),
        },
        subject_public_key: pkcs8::der::asn1::BitStringRef::from_bytes(pkcs1).map_err(bad)?,
    };
    // Check it decodes before wrapping: a garbage body must not pass.
    rsa::pkcs1::RsaPublicKey::from_der(pkcs1).map_err(bad)?;
    spki.to_der().map_err(bad)
}
