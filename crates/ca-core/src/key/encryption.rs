//! Encrypted PKCS#8: decrypting (PBES2, with a bound on the work a hostile file may ask
//! for) and writing (PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC).

use pkcs8::EncryptedPrivateKeyInfo;
use rand::rngs::OsRng;
use rand::RngCore;

use super::legacy_pbe;
use super::*;
use crate::passphrase::Passphrase;

impl PrivateKey {
    /// The plain PKCS#8 DER of an encrypted PKCS#8 key (`der`), without building a signing
    /// key from it: for `inspect`, which shows keys `ca` cannot sign with too.
    pub fn decrypt_pkcs8(
        der: &[u8],
        passphrase: &Passphrase,
    ) -> Result<pkcs8::SecretDocument, KeyError> {
        if let Ok(encrypted) = EncryptedPrivateKeyInfo::from_der(der) {
            return decrypt(&encrypted, passphrase);
        }
        let encrypted = legacy_pbe::Encrypted::from_der(der)
            .ok_or_else(|| KeyError::Malformed("not an encrypted PKCS#8 key".into()))?;
        let plain = zeroize::Zeroizing::new(encrypted.decrypt(passphrase)?);
        pkcs8::SecretDocument::try_from(plain.as_slice())
            .map_err(|e| KeyError::Malformed(e.to_string()))
    }

    /// The key as encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`):
    /// PBES2 with PBKDF2-HMAC-SHA256 ([`PBKDF2_ITERATIONS`] rounds) and
    /// AES-256-CBC. That is OpenSSL's own default scheme (with more rounds),
    /// so `openssl pkey -passin`, Java, .NET and Go read it; scrypt would be
    /// stronger per second spent but many of those cannot read it.
    pub fn to_encrypted_pem(&self, passphrase: &Passphrase) -> Result<String, KeyError> {
        let encryption_error = |e: &dyn fmt::Display| KeyError::Encryption(e.to_string());
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut iv);
        let params =
            pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, &iv)
                .map_err(|e| encryption_error(&e))?;
        let info = PrivateKeyInfo::from_der(self.pkcs8_der()).map_err(|e| encryption_error(&e))?;
        let encrypted = info
            .encrypt_with_params(params, passphrase.as_bytes())
            .map_err(|e| encryption_error(&e))?;
        Ok(crate::pem_text::encode(
            "ENCRYPTED PRIVATE KEY",
            encrypted.as_bytes(),
        ))
    }

    /// The PEM to store: encrypted when a passphrase is given.
    pub fn to_pem_with(&self, passphrase: Option<&Passphrase>) -> Result<String, KeyError> {
        match passphrase {
            Some(p) => self.to_encrypted_pem(p),
            None => Ok(self.to_pem()),
        }
    }
}

pub(super) fn decrypt(
    encrypted: &EncryptedPrivateKeyInfo<'_>,
    passphrase: &Passphrase,
) -> Result<pkcs8::SecretDocument, KeyError> {
    check_kdf_cost(encrypted)?;
    match encrypted.decrypt(passphrase.as_bytes()) {
        // A wrong passphrase usually breaks the CBC padding; when it does
        // not, the "plaintext" is garbage that does not parse as PKCS#8.
        Ok(plain) if PrivateKeyInfo::from_der(plain.as_bytes()).is_ok() => Ok(plain),
        // pkcs5 reports a bad padding as EncryptFailed. About one wrong passphrase in 256
        // leaves a valid padding, and pkcs8 then fails to read the garbage as DER (Asn1):
        // the scheme itself was read before decrypting, so that is a wrong passphrase too.
        Ok(_)
        | Err(pkcs8::Error::Asn1(_))
        | Err(pkcs8::Error::EncryptedPrivateKey(
            pkcs8::pkcs5::Error::DecryptFailed | pkcs8::pkcs5::Error::EncryptFailed,
        )) => Err(KeyError::WrongPassphrase),
        Err(e) => Err(KeyError::Unsupported(format!(
            "the key is encrypted with {} in a way we do not read ({e}); re-encrypt it with: \
             openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW",
            scheme_description(&encrypted.encryption_algorithm)
        ))),
    }
}

/// The scheme of a PBES1/PBES2 key for messages: "PBES2 (PBKDF2, aes-256-cbc)" or an OID.
pub(super) fn scheme_description(scheme: &pkcs8::pkcs5::EncryptionScheme<'_>) -> String {
    match scheme {
        pkcs8::pkcs5::EncryptionScheme::Pbes2(p) => {
            format!("PBES2 (KDF {}, cipher {})", p.kdf.oid(), p.encryption.oid())
        }
        other => format!("PBES1 ({})", other.oid()),
    }
}

/// Refuses key-derivation settings that would take minutes or gigabytes,
/// so a hostile key file cannot hang us.
pub(super) fn check_kdf_cost(encrypted: &EncryptedPrivateKeyInfo<'_>) -> Result<(), KeyError> {
    let pkcs8::pkcs5::EncryptionScheme::Pbes2(params) = &encrypted.encryption_algorithm else {
        return Ok(());
    };
    let too_costly = match &params.kdf {
        pkcs8::pkcs5::pbes2::Kdf::Pbkdf2(p) => p.iteration_count > 10_000_000,
        pkcs8::pkcs5::pbes2::Kdf::Scrypt(p) => {
            let memory = 128u64
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(p.cost_parameter);
            memory > 1 << 30 || p.parallelization > 16
        }
        _ => false,
    };
    if too_costly {
        return Err(KeyError::Unsupported(
            "the key's encryption asks for an unreasonable amount of work or memory; \
             re-encrypt it with: openssl pkcs8 -topk8 -v2 aes-256-cbc -in OLD -out NEW"
                .into(),
        ));
    }
    Ok(())
}
