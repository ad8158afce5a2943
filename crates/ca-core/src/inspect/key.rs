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
            _ => PrivateKey::parse(&block.der, passphrase)
                .map_err(key_error)?
                .public_key_der(),
        };
        let (_, parsed) = SubjectPublicKeyInfo::from_der(&spki)
            .map_err(|e| InspectError::Key(format!("unreadable public key: {e}")))?;
        info.public_key = Some(PublicKeyInfo::from_spki(&parsed));
        info.public_key_pem = Some(fields::to_pem("PUBLIC KEY", &spki));
        Ok(info)
    }
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
