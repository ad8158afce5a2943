//! PKCS#12 (`.p12`/`.pfx`) files holding a private key, its certificate and
//! the chain, for Java, Windows, browsers and anything else that imports
//! keys that way.
//!
//! Two encryptions: [`P12Encryption::Modern`] (PBES2 with PBKDF2-HMAC-SHA256
//! and AES-256-CBC, SHA-256 MAC; OpenSSL 3's default) and
//! [`P12Encryption::Legacy`] (pbeWithSHAAnd3-KeyTripleDES-CBC for the key
//! and the certificates, SHA-1 MAC) for Java before 8u301 and Windows
//! before Server 2019, which cannot read PBES2.

use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKeyChain,
};
use x509_parser::prelude::FromDer;

use crate::key::PrivateKey;
use crate::passphrase::Passphrase;

/// How the key and certificates are encrypted and the file authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum P12Encryption {
    /// PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC), HMAC-SHA256 MAC.
    #[default]
    Modern,
    /// pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA1 MAC, 2048 iterations.
    Legacy,
}

/// What goes into a PKCS#12 file.
pub struct P12Contents<'a> {
    pub key: &'a PrivateKey,
    /// The certificate of `key`, DER.
    pub cert: &'a [u8],
    /// Issuers, leaf's issuer first, DER. The root may be included.
    pub chain: &'a [Vec<u8>],
    /// The name importers show (Java: the alias; Windows: the key's name).
    pub friendly_name: &'a str,
}

/// Why a PKCS#12 file could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum P12Error {
    #[error("the private key does not belong to the certificate (their public keys differ); give the key the certificate was issued for")]
    KeyMismatch,
    #[error("the certificate cannot be read: {0}")]
    BadCertificate(String),
    #[error("the password must be UTF-8 text (PKCS#12 stores it as BMPString)")]
    PasswordNotText,
    #[error("the friendly name is empty; give a name with --name or leave the flag out")]
    EmptyName,
    #[error("cannot write the PKCS#12 file: {0}")]
    Encode(String),
}

impl P12Contents<'_> {
    /// Encodes the PKCS#12 file, protected with `password`.
    pub fn to_der(
        &self,
        password: &Passphrase,
        encryption: P12Encryption,
    ) -> Result<Vec<u8>, P12Error> {
        if self.friendly_name.is_empty() {
            return Err(P12Error::EmptyName);
        }
        let password =
            std::str::from_utf8(password.as_bytes()).map_err(|_| P12Error::PasswordNotText)?;
        check_key_matches(self.key, self.cert)?;
        let certs = std::iter::once(self.cert)
            .chain(self.chain.iter().map(Vec::as_slice))
            .map(|der| {
                Certificate::from_der(der).map_err(|e| P12Error::BadCertificate(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let key = p12_keystore::PrivateKey::from_der(self.key.pkcs8_der())
            .map_err(|e| P12Error::Encode(e.to_string()))?;
        // The localKeyId ties the key to its certificate: the SHA-1 of the
        // certificate, as OpenSSL and Java use.
        let key_id =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, self.cert);
        let chain = PrivateKeyChain::new(key_id.as_ref(), key, certs);
        let mut store = KeyStore::new();
        store.add_entry(self.friendly_name, KeyStoreEntry::PrivateKeyChain(chain));
        let writer = store.writer(password);
        let writer = match encryption {
            P12Encryption::Modern => writer
                .encryption_algorithm(EncryptionAlgorithm::PbeWithHmacSha256AndAes256)
                .mac_algorithm(MacAlgorithm::HmacSha256),
            P12Encryption::Legacy => writer
                .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
                .encryption_iterations(2048)
                .mac_algorithm(MacAlgorithm::HmacSha1)
                .mac_iterations(2048),
        };
        writer.write().map_err(|e| P12Error::Encode(e.to_string()))
    }
}

/// The certificate's common name, else its first subject alternative name.
pub fn default_friendly_name(cert: &[u8]) -> String {
    let Ok((_, cert)) = x509_parser::certificate::X509Certificate::from_der(cert) else {
        return "certificate".into();
    };
    let cn = cert
        .subject()
        .iter_common_name()
        .find_map(|cn| cn.as_str().ok().map(str::to_string));
    let san = || {
        let san = cert.subject_alternative_name().ok().flatten()?;
        san.value.general_names.iter().find_map(|n| match n {
            x509_parser::extensions::GeneralName::DNSName(s)
            | x509_parser::extensions::GeneralName::RFC822Name(s)
            | x509_parser::extensions::GeneralName::URI(s) => Some(s.to_string()),
            _ => None,
        })
    };
    cn.or_else(san).unwrap_or_else(|| "certificate".into())
}

fn check_key_matches(key: &PrivateKey, cert: &[u8]) -> Result<(), P12Error> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(cert)
        .map_err(|e| P12Error::BadCertificate(e.to_string()))?;
    let key_spki = key.public_key_der();
    let (_, key_spki) = x509_parser::x509::SubjectPublicKeyInfo::from_der(&key_spki)
        .map_err(|e| P12Error::Encode(e.to_string()))?;
    let cert_spki = cert.public_key();
    if key_spki.algorithm.algorithm != cert_spki.algorithm.algorithm
        || key_spki.subject_public_key.data != cert_spki.subject_public_key.data
    {
        return Err(P12Error::KeyMismatch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::KeyType;

    fn self_signed(key: &PrivateKey) -> Vec<u8> {
        let params = rcgen::CertificateParams::new(vec!["p12.test".into()]).unwrap();
        params.self_signed(&key).unwrap().der().to_vec()
    }

    #[test]
    fn round_trips_through_the_reader() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let cert = self_signed(&key);
        let password = Passphrase::new("pw").unwrap();
        for encryption in [P12Encryption::Modern, P12Encryption::Legacy] {
            let contents = P12Contents {
                key: &key,
                cert: &cert,
                chain: &[],
                friendly_name: "my key",
            };
            let der = contents.to_der(&password, encryption).unwrap();
            let store = KeyStore::from_pkcs12(&der, "pw", Default::default()).unwrap();
            let (alias, chain) = store.private_key_chain().unwrap();
            assert_eq!(alias, "my key");
            assert_eq!(chain.key().as_der(), key.pkcs8_der());
            assert_eq!(chain.certs()[0].as_der(), cert.as_slice());
            assert!(KeyStore::from_pkcs12(&der, "wrong", Default::default()).is_err());
        }
    }

    #[test]
    fn refuses_a_key_of_another_certificate() {
        let key = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let other = PrivateKey::generate(KeyType::EcdsaP256).unwrap();
        let cert = self_signed(&other);
        let contents = P12Contents {
            key: &key,
            cert: &cert,
            chain: &[],
            friendly_name: "x",
        };
        let err = contents
            .to_der(&Passphrase::new("pw").unwrap(), P12Encryption::Modern)
            .unwrap_err();
        assert_eq!(err, P12Error::KeyMismatch);
    }
}
