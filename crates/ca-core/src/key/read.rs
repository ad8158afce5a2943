//! Reading private keys: PEM or DER; PKCS#8, encrypted PKCS#8, PKCS#1 and SEC1; what a
//! file holds when it is not a key, for the message.

use std::path::Path;

use pkcs8::der::asn1::AnyRef;
use pkcs8::der::{Decode, Encode};
use pkcs8::spki::AlgorithmIdentifierRef;
use pkcs8::{EncryptedPrivateKeyInfo, ObjectIdentifier, PrivateKeyInfo};
use rcgen::KeyPair;

use super::encryption::decrypt;
use super::legacy_pbe::{self, unsupported_scheme};
use super::*;
use crate::error::Result;
use crate::passphrase::Passphrase;

impl PrivateKey {
    /// Reads a key from bytes: PEM or DER; PKCS#8, encrypted PKCS#8,
    /// PKCS#1 or SEC1. An encrypted key needs `passphrase`; a passphrase
    /// given for a plain key is ignored.
    pub fn parse(data: &[u8], passphrase: Option<&Passphrase>) -> Result<Self, KeyError> {
        if data.iter().all(u8::is_ascii_whitespace) {
            return Err(KeyError::Empty);
        }
        if let Some(der) = pem_key_block(data)? {
            return Self::parse_der(&der, passphrase);
        }
        Self::parse_der(data, passphrase)
    }

    /// Reads a key file (see [`PrivateKey::parse`]); errors name the file.
    pub fn read_file(path: &Path, passphrase: Option<&Passphrase>) -> Result<Self> {
        let data =
            crate::input::read_file(path).map_err(|e| Error::io(path, "read the key file", e))?;
        Self::parse(&data, passphrase).map_err(|e| Error::key_at(path, e))
    }

    /// Reads a plain PKCS#8 DER key (what [`PrivateKey::pkcs8_der`] returns).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let (key_type, pair) = pkcs8_pair(der)?;
        Ok(PrivateKey {
            key_type,
            format: KeyFormat::Pkcs8,
            pair,
        })
    }

    fn parse_der(der: &[u8], passphrase: Option<&Passphrase>) -> Result<Self, KeyError> {
        let with = |format, (key_type, pair)| PrivateKey {
            key_type,
            format,
            pair,
        };
        if PrivateKeyInfo::from_der(der).is_ok() {
            return Ok(with(KeyFormat::Pkcs8, pkcs8_pair(der)?));
        }
        if let Ok(encrypted) = EncryptedPrivateKeyInfo::from_der(der) {
            let passphrase = passphrase.ok_or(KeyError::PassphraseRequired)?;
            let plain = decrypt(&encrypted, passphrase)?;
            return Ok(with(
                KeyFormat::EncryptedPkcs8,
                pkcs8_pair(plain.as_bytes())?,
            ));
        }
        if rsa::pkcs1::RsaPrivateKey::from_der(der).is_ok() {
            let info = PrivateKeyInfo::new(
                AlgorithmIdentifierRef {
                    oid: OID_RSA,
                    parameters: Some(AnyRef::NULL),
                },
                der,
            );
            let pkcs8 = info
                .to_der()
                .map_err(|e| KeyError::Malformed(e.to_string()))?;
            return Ok(with(KeyFormat::Pkcs1, pkcs8_pair(&pkcs8)?));
        }
        if let Some(pkcs8) = sec1_to_pkcs8(der) {
            return Ok(with(KeyFormat::Sec1, pkcs8_pair(&pkcs8?)?));
        }
        // `pkcs8` reads PBES2 only: the PKCS#12 schemes (`openssl pkcs8 -v1 PBE-SHA1-3DES`,
        // old Java) are read here, any other scheme is named.
        if let Some(encrypted) = legacy_pbe::Encrypted::from_der(der) {
            if encrypted.is_pkcs12_pbe() {
                let passphrase = passphrase.ok_or(KeyError::PassphraseRequired)?;
                let plain = zeroize::Zeroizing::new(encrypted.decrypt(passphrase)?);
                return Ok(with(KeyFormat::EncryptedPkcs8, pkcs8_pair(&plain)?));
            }
            return Err(unsupported_scheme(&encrypted.scheme_name()));
        }
        Err(match identify_non_key(der) {
            Some(found) => KeyError::NotAKey { found },
            None => KeyError::Malformed("not PEM, and not a DER private key either".into()),
        })
    }
}

/// Finds the private key block in PEM input. `Ok(None)` means the input is
/// not PEM at all (so it may be DER).
pub(super) fn pem_key_block(data: &[u8]) -> Result<Option<Vec<u8>>, KeyError> {
    if !crate::pem_text::is_pem(data) {
        return Ok(None);
    }
    let blocks = crate::pem_text::decode_all(data)
        .map_err(|e| KeyError::Malformed(format!("the PEM text is truncated or corrupt: {e}")))?;
    if blocks.is_empty() {
        return Err(KeyError::Malformed(
            "the PEM block is truncated (no END line)".into(),
        ));
    }
    for block in &blocks {
        match block.tag() {
            "PRIVATE KEY" | "ENCRYPTED PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
                if block.headers().get("Proc-Type").is_some() {
                    return Err(KeyError::Unsupported(
                        "the key uses OpenSSL's legacy PEM encryption, which we do not read; \
                         convert it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW"
                            .into(),
                    ));
                }
                return Ok(Some(block.contents().to_vec()));
            }
            _ => {}
        }
    }
    let found = match blocks[0].tag() {
        "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => "a certificate",
        "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => "a certificate signing request",
        "PUBLIC KEY" | "RSA PUBLIC KEY" => "a public key",
        "X509 CRL" => "a certificate revocation list",
        "OPENSSH PRIVATE KEY" => {
            return Err(KeyError::Unsupported(
                "this is an OpenSSH private key; convert it with: \
                 ssh-keygen -p -m PKCS8 -f FILE"
                    .into(),
            ))
        }
        _ => "a PEM file without a private key",
    };
    Err(KeyError::NotAKey { found })
}

/// Names what a DER blob is when it is not a private key, for the message.
pub(super) fn identify_non_key(der: &[u8]) -> Option<&'static str> {
    use x509_parser::prelude::FromDer;
    if x509_parser::certificate::X509Certificate::from_der(der).is_ok() {
        return Some("a certificate");
    }
    if x509_parser::certification_request::X509CertificationRequest::from_der(der).is_ok() {
        return Some("a certificate signing request");
    }
    if x509_parser::x509::SubjectPublicKeyInfo::from_der(der).is_ok() {
        return Some("a public key");
    }
    None
}

/// `None` when `der` is not SEC1 at all. The curve is the one the key names (RFC 5915 3:
/// the parameters MUST be present): a key that names none, or gives explicit parameters, is
/// of an unknown curve, never guessed from the scalar's size.
pub(super) fn sec1_to_pkcs8(der: &[u8]) -> Option<Result<Vec<u8>, KeyError>> {
    use p256::pkcs8::EncodePrivateKey;
    let Ok(sec1) = sec1::EcPrivateKey::from_der(der) else {
        return sec1_explicit_parameters(der).then(|| Err(unknown_curve(EXPLICIT_PARAMETERS)));
    };
    let curve = match sec1.parameters.and_then(|p| p.named_curve()) {
        Some(curve) => curve,
        None => {
            return Some(Err(unknown_curve(
                "the SEC1 key names no curve (its parameters are missing)",
            )))
        }
    };
    let bad = |e: &dyn fmt::Display| KeyError::Malformed(format!("bad EC key: {e}"));
    let encoded = if curve == OID_P256 {
        p256::SecretKey::from_sec1_der(der).map(|k| k.to_pkcs8_der())
    } else if curve == OID_P384 {
        p384::SecretKey::from_sec1_der(der).map(|k| k.to_pkcs8_der())
    } else if curve == OID_P521 {
        return Some(p521_pkcs8(der));
    } else {
        return Some(Err(unsupported_curve(curve)));
    };
    let encoded = match encoded {
        Ok(doc) => doc,
        Err(e) => return Some(Err(bad(&e))),
    };
    Some(
        encoded
            .map(|doc| doc.as_bytes().to_vec())
            .map_err(|e| KeyError::Malformed(e.to_string())),
    )
}

/// A P-521 key (SEC1 or PKCS#8) as PKCS#8 v1 with its public key. RustCrypto's p256/p384
/// do this for the other curves; for P-521 aws-lc (already the signing backend) parses it,
/// checks that the scalar and the public point agree (`EC_KEY_check_key`) and re-encodes it.
fn p521_pkcs8(der: &[u8]) -> Result<Vec<u8>, KeyError> {
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P521_SHA512_ASN1_SIGNING};
    let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P521_SHA512_ASN1_SIGNING, der)
        .map_err(|e| KeyError::Malformed(format!("bad EC key: {e}")))?;
    pair.to_pkcs8v1()
        .map(|doc| doc.as_ref().to_vec())
        .map_err(|_| KeyError::Malformed("bad EC key: cannot re-encode it as PKCS#8".into()))
}

const EXPLICIT_PARAMETERS: &str = "the key gives its curve as explicit parameters, not by name";

pub(super) fn unknown_curve(why: &str) -> KeyError {
    KeyError::Unsupported(format!(
        "unknown curve: {why}; `ca` reads EC keys on the named curves P-256, P-384 and P-521 \
         (if this is one, name it with: openssl ec -param_enc named_curve -in OLD -out NEW)"
    ))
}

pub(super) fn unsupported_curve(curve: ObjectIdentifier) -> KeyError {
    KeyError::Unsupported(format!(
        "EC keys on the curve {curve} are not supported; use P-256, P-384 or P-521"
    ))
}

/// Whether `der` has the shape of a SEC1 `ECPrivateKey` whose parameters are a SEQUENCE
/// (SpecifiedECDomain, `openssl ecparam -param_enc explicit`) rather than a curve OID.
pub(crate) fn sec1_explicit_parameters(der: &[u8]) -> bool {
    use pkcs8::der::asn1::{ContextSpecific, OctetStringRef};
    use pkcs8::der::{Reader, SliceReader, Tag, Tagged};
    let Ok(mut reader) = SliceReader::new(der) else {
        return false;
    };
    reader
        .sequence(|r| {
            u8::decode(r)?;
            OctetStringRef::decode(r)?;
            let params = ContextSpecific::<AnyRef<'_>>::decode(r)?;
            r.read_slice(r.remaining_len())?;
            Ok(params.value.tag() == Tag::Sequence)
        })
        .unwrap_or(false)
}

/// Builds the rcgen key pair for a plain PKCS#8 DER key.
pub(super) fn pkcs8_pair(der: &[u8]) -> Result<(KeyType, Pair), KeyError> {
    let info = PrivateKeyInfo::from_der(der).map_err(|e| KeyError::Malformed(e.to_string()))?;
    let oid = info.algorithm.oid;
    if let Some(level) = MlDsaLevel::from_oid(&oid.to_string()) {
        // RFC 9881 section 2: the parameters of the AlgorithmIdentifier MUST be absent.
        if info.algorithm.parameters.is_some() {
            return Err(KeyError::Malformed(format!(
                "the {} key's AlgorithmIdentifier has parameters; RFC 9881 section 2 says they \
                 must be absent",
                level.name()
            )));
        }
        return Ok((
            level.key_type(),
            Pair::MlDsa(MlDsaKey::from_pkcs8(level, der)?),
        ));
    }
    if oid == OID_RSA {
        let rsa = rsa::pkcs1::RsaPrivateKey::from_der(info.private_key)
            .map_err(|e| KeyError::Malformed(format!("bad RSA key: {e}")))?;
        let bits = rsa_bits(rsa.modulus.as_bytes());
        if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) {
            return Err(KeyError::Unsupported(format!(
                "{bits}-bit RSA keys are not supported; use 2048 to {RSA_MAX_BITS} bits"
            )));
        }
        if bits > RSA_MAX_SIGNING_BITS {
            return Err(KeyError::Unsupported(format!(
                "this {bits}-bit RSA key cannot sign here: `ca` signs with RSA keys of \
                 {RSA_MIN_BITS} to {RSA_MAX_SIGNING_BITS} bits (`ca inspect` shows this key, and \
                 `ca verify` checks what it signed, up to {RSA_MAX_BITS} bits); to issue with \
                 `ca`, use a CA key of at most {RSA_MAX_SIGNING_BITS} bits"
            )));
        }
        return Ok((KeyType::Rsa(bits), rsa_pair(der)?.into()));
    }
    if oid == OID_EC {
        let curve = info.algorithm.parameters_oid().map_err(|_| {
            unknown_curve("the PKCS#8 key names no curve (explicit or missing parameters)")
        })?;
        // The SEC1 key inside may name its curve too: it must be the same one.
        if let Some(inner) = sec1::EcPrivateKey::from_der(info.private_key)
            .ok()
            .and_then(|k| k.parameters)
            .and_then(|p| p.named_curve())
        {
            if inner != curve {
                return Err(unknown_curve(&format!(
                    "contradictory curves: the PKCS#8 key says {curve}, the EC key inside says \
                     {inner}"
                )));
            }
        }
        // Re-encoding through p256/p384 validates the scalar and adds the
        // public key, which ring needs and some writers leave out.
        use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
        let malformed = |e: &dyn fmt::Display| KeyError::Malformed(format!("bad EC key: {e}"));
        let (key_type, normalised) = if curve == OID_P256 {
            let key = p256::SecretKey::from_pkcs8_der(der).map_err(|e| malformed(&e))?;
            (KeyType::EcdsaP256, key.to_pkcs8_der())
        } else if curve == OID_P384 {
            let key = p384::SecretKey::from_pkcs8_der(der).map_err(|e| malformed(&e))?;
            (KeyType::EcdsaP384, key.to_pkcs8_der())
        } else if curve == OID_P521 {
            let normalised = p521_pkcs8(der)?;
            let key_type = KeyType::EcdsaP521;
            return Ok((key_type, ring_pair(&normalised, key_type)?.into()));
        } else {
            return Err(unsupported_curve(curve));
        };
        let normalised = normalised.map_err(|e| malformed(&e))?;
        return Ok((key_type, ring_pair(normalised.as_bytes(), key_type)?.into()));
    }
    if oid == OID_ED25519 {
        // ring writes PKCS#8 v2 (with the public key), which OpenSSL 3.0
        // cannot read: keep v1, which every reader takes.
        let v1 = PrivateKeyInfo::new(info.algorithm, info.private_key)
            .to_der()
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        return Ok((KeyType::Ed25519, ring_pair(&v1, KeyType::Ed25519)?.into()));
    }
    let name = if oid == OID_RSA_PSS {
        "RSA-PSS keys are".to_string()
    } else if oid == OID_ED448 {
        "Ed448 keys are".to_string()
    } else {
        format!("keys of algorithm {oid} are")
    };
    Err(KeyError::Unsupported(format!(
        "{name} not supported; use ECDSA P-256/P-384/P-521, Ed25519, RSA or ML-DSA"
    )))
}

pub(super) fn rsa_pair(pkcs8: &[u8]) -> Result<KeyPair, KeyError> {
    ring_pair(pkcs8, KeyType::Rsa(0))
}

pub(super) fn ring_pair(pkcs8: &[u8], key_type: KeyType) -> Result<KeyPair, KeyError> {
    KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8.into(), key_type.signature_algorithm())
        .map_err(|e| KeyError::Malformed(format!("the key does not check out: {e}")))
}

pub(super) fn rsa_bits(modulus: &[u8]) -> usize {
    let modulus = match modulus.iter().position(|&b| b != 0) {
        Some(start) => &modulus[start..],
        None => return 0,
    };
    modulus.len() * 8 - modulus[0].leading_zeros() as usize
}
