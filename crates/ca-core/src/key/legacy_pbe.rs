//! Keys encrypted with the PKCS#12 password-based schemes (RFC 7292 Appendix C), which
//! `pkcs8` does not read: pbeWithSHAAnd3-KeyTripleDES-CBC (the old OpenSSL and Java default,
//! `openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES`), its 2-key variant, and the RC2 ones. The key and
//! IV come from the PKCS#12 KDF (RFC 7292 Appendix B.2) with SHA-1, then CBC with PKCS#7
//! padding. The RC4 schemes and PKCS#5 v1.5 PBES1 (DES, RC2 with MD2/MD5/SHA-1) are named
//! in the error, not read.

#[cfg(feature = "p12")]
use cbc::cipher::{block_padding::Pkcs7, BlockCipherDecrypt, BlockModeDecrypt, KeyInit, KeyIvInit};
#[cfg(feature = "p12")]
use pkcs12::kdf::{derive_key_utf8, Pkcs12KeyType};
use pkcs8::der::asn1::{AnyRef, OctetStringRef};
use pkcs8::der::{Decode, Reader, SliceReader};
use pkcs8::spki::AlgorithmIdentifierRef;
use pkcs8::ObjectIdentifier;

use super::KeyError;
use crate::passphrase::Passphrase;

/// The same bound as for PBKDF2: more rounds than any tool writes would only let a hostile
/// file make us spin.
#[cfg(feature = "p12")]
const MAX_ITERATIONS: i32 = 10_000_000;

/// A scheme by its OID: name, and (key length, cipher) when it is read.
struct Scheme {
    oid: &'static str,
    name: &'static str,
    cipher: Option<(usize, Cipher)>,
}

#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "p12"), allow(dead_code))]
enum Cipher {
    TripleDes3,
    TripleDes2,
    Rc2,
}

const SCHEMES: [Scheme; 12] = [
    // RFC 7292 Appendix C.
    Scheme {
        oid: "1.2.840.113549.1.12.1.1",
        name: "pbeWithSHAAnd128BitRC4",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.12.1.2",
        name: "pbeWithSHAAnd40BitRC4",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.12.1.3",
        name: "pbeWithSHAAnd3-KeyTripleDES-CBC",
        cipher: Some((24, Cipher::TripleDes3)),
    },
    Scheme {
        oid: "1.2.840.113549.1.12.1.4",
        name: "pbeWithSHAAnd2-KeyTripleDES-CBC",
        cipher: Some((16, Cipher::TripleDes2)),
    },
    Scheme {
        oid: "1.2.840.113549.1.12.1.5",
        name: "pbeWithSHAAnd128BitRC2-CBC",
        cipher: Some((16, Cipher::Rc2)),
    },
    Scheme {
        oid: "1.2.840.113549.1.12.1.6",
        name: "pbeWithSHAAnd40BitRC2-CBC",
        cipher: Some((5, Cipher::Rc2)),
    },
    // PKCS#5 v1.5 PBES1 (RFC 8018 A.3): named, not read.
    Scheme {
        oid: "1.2.840.113549.1.5.1",
        name: "pbeWithMD2AndDES-CBC (PBES1)",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.5.3",
        name: "pbeWithMD5AndDES-CBC (PBES1)",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.5.4",
        name: "pbeWithMD2AndRC2-CBC (PBES1)",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.5.6",
        name: "pbeWithMD5AndRC2-CBC (PBES1)",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.5.10",
        name: "pbeWithSHA1AndDES-CBC (PBES1)",
        cipher: None,
    },
    Scheme {
        oid: "1.2.840.113549.1.5.11",
        name: "pbeWithSHA1AndRC2-CBC (PBES1)",
        cipher: None,
    },
];

/// An `EncryptedPrivateKeyInfo` read by shape: the scheme OID, its parameters and the data.
pub(crate) struct Encrypted<'a> {
    pub(crate) oid: ObjectIdentifier,
    parameters: Option<AnyRef<'a>>,
    data: &'a [u8],
}

impl<'a> Encrypted<'a> {
    /// `None` when `der` is not an `EncryptedPrivateKeyInfo` (whatever its scheme).
    pub(crate) fn from_der(der: &'a [u8]) -> Option<Self> {
        let mut reader = SliceReader::new(der).ok()?;
        let parsed = reader
            .sequence(|r| {
                let algorithm = AlgorithmIdentifierRef::decode(r)?;
                let data = OctetStringRef::decode(r)?;
                Ok(Encrypted {
                    oid: algorithm.oid,
                    parameters: algorithm.parameters,
                    data: data.as_bytes(),
                })
            })
            .ok()?;
        reader.is_finished().then_some(parsed)
    }

    /// Whether the scheme is one this module reads.
    pub(crate) fn is_pkcs12_pbe(&self) -> bool {
        scheme(&self.oid).is_some_and(|s| s.cipher.is_some())
    }

    /// The scheme's name, e.g. `pbeWithSHAAnd40BitRC4`, or its OID when unknown.
    pub(crate) fn scheme_name(&self) -> String {
        match scheme(&self.oid) {
            Some(s) => format!("{} ({})", s.name, s.oid),
            None => self.oid.to_string(),
        }
    }

    /// Without the `p12` feature the PKCS#12 KDF and ciphers are not built in.
    #[cfg(not(feature = "p12"))]
    pub(crate) fn decrypt(&self, _passphrase: &Passphrase) -> Result<Vec<u8>, KeyError> {
        Err(KeyError::Unsupported(format!(
            "the key is encrypted with {}, and this build of ca has no PKCS#12 support (cargo \
             feature `p12`); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW",
            self.scheme_name()
        )))
    }

    /// The plain PKCS#8 DER. `Err(Unsupported)` names a scheme that is not read.
    #[cfg(feature = "p12")]
    pub(crate) fn decrypt(&self, passphrase: &Passphrase) -> Result<Vec<u8>, KeyError> {
        let Some((key_len, cipher)) = scheme(&self.oid).and_then(|s| s.cipher) else {
            return Err(unsupported_scheme(&self.scheme_name()));
        };
        let malformed = |what: &str| KeyError::Malformed(format!("{}: {what}", self.scheme_name()));
        // pkcs-12PbeParams ::= SEQUENCE { salt OCTET STRING, iterations INTEGER }
        let params = self
            .parameters
            .ok_or_else(|| malformed("no parameters (salt, iterations)"))?;
        let (salt, iterations) = params
            .sequence(|r| {
                let salt = OctetStringRef::decode(r)?;
                let iterations = i32::decode(r)?;
                Ok((salt.as_bytes(), iterations))
            })
            .map_err(|e| malformed(&format!("bad parameters ({e})")))?;
        if !(1..=MAX_ITERATIONS).contains(&iterations) {
            return Err(KeyError::Unsupported(format!(
                "the key's encryption asks for {iterations} iterations (1 to {MAX_ITERATIONS} \
                 accepted); re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW"
            )));
        }
        // The PKCS#12 KDF takes the passphrase as a BMPString: it must be text.
        let password =
            std::str::from_utf8(passphrase.as_bytes()).map_err(|_| KeyError::WrongPassphrase)?;
        let derive = |id, len| {
            derive_key_utf8::<sha1::Sha1>(password, salt, id, iterations, len)
                .map_err(|_| KeyError::WrongPassphrase)
        };
        let key = zeroize::Zeroizing::new(derive(Pkcs12KeyType::EncryptionKey, key_len)?);
        let iv = derive(Pkcs12KeyType::Iv, 8)?;
        let plain = match cipher {
            Cipher::TripleDes3 => cbc_decrypt::<des::TdesEde3>(&key, &iv, self.data),
            Cipher::TripleDes2 => cbc_decrypt::<des::TdesEde2>(&key, &iv, self.data),
            Cipher::Rc2 => cbc_decrypt::<rc2::Rc2>(&key, &iv, self.data),
        }
        // A wrong passphrase almost always breaks the padding; when it does not, the
        // "plaintext" is garbage that does not parse as PKCS#8.
        .ok_or(KeyError::WrongPassphrase)?;
        let plain = zeroize::Zeroizing::new(plain);
        if pkcs8::PrivateKeyInfo::from_der(&plain).is_err() {
            return Err(KeyError::WrongPassphrase);
        }
        Ok(plain.to_vec())
    }
}

fn scheme(oid: &ObjectIdentifier) -> Option<&'static Scheme> {
    let dotted = oid.to_string();
    SCHEMES.iter().find(|s| s.oid == dotted)
}

/// The refusal of a scheme `ca` does not read, naming it.
pub(crate) fn unsupported_scheme(name: &str) -> KeyError {
    KeyError::Unsupported(format!(
        "the key is encrypted with {name}, which `ca` does not read (it reads PBES2 and the \
         PKCS#12 3DES and RC2 schemes); re-encrypt it with: \
         openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW"
    ))
}

#[cfg(feature = "p12")]
fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: BlockCipherDecrypt + KeyInit,
{
    cbc::Decryptor::<C>::new_from_slices(key, iv)
        .ok()?
        .decrypt_padded_vec::<Pkcs7>(data)
        .ok()
}
