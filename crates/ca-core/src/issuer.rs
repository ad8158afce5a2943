//! A CA that signs: its certificate, its key and the chain above it. This
//! is all in memory; [`crate::store`] keeps issuers on disk.
//!
//! ```
//! use ca_core::Issuer;
//!
//! // A root CA in memory, and a server certificate for two names.
//! let ca = Issuer::new_test_root()?;
//! let server = ca.issue_server(&["localhost", "127.0.0.1"])?;
//! let cert_pem: String = server.cert.pem();
//! let key_pem: String = server.key_pem().expect("issue() makes a key");
//! let root_pem: String = ca.root().pem();
//! assert!(cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
//! assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
//! assert_ne!(cert_pem, root_pem);
//! # Ok::<(), ca_core::Error>(())
//! ```

use std::sync::OnceLock;

use time::OffsetDateTime;

use crate::cert::{pem_bundle, CertDer};
use crate::compliance::{self, Issuing, IssuingChain};
use crate::context::IssueContext;
use crate::csr::Csr;
use crate::error::{Error, Result};
use crate::key::{KeyType, PrivateKey};
use crate::profile::{self, CaOptions, CertProfile, LeafOptions};

/// A CA certificate with its private key, ready to sign.
pub struct Issuer {
    cert: CertDer,
    /// Certificates between this issuer and the root, this issuer's own
    /// first when it is an intermediate; empty for a root.
    intermediates: Vec<CertDer>,
    root: CertDer,
    not_after: OffsetDateTime,
    path_len: Option<u32>,
    signer: rcgen::Issuer<'static, PrivateKey>,
    /// The chain parsed for the issuance checks, made on first use (loading a CA to revoke
    /// or sign a CRL needs none); a chain that cannot be used refuses every issuance.
    checked_chain: OnceLock<std::result::Result<IssuingChain, String>>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("subject", &self.cert.info().subject)
            .field("key", self.key())
            .finish_non_exhaustive()
    }
}

/// A certificate just signed, with what a server or client needs to use it.
#[derive(Debug)]
pub struct Issued {
    pub cert: CertDer,
    /// The new private key; `None` when a CSR was signed.
    pub key: Option<PrivateKey>,
    /// The intermediates between the certificate and the root (not the
    /// root itself), nearest first.
    pub intermediates: Vec<CertDer>,
    pub root: CertDer,
    pub profile: CertProfile,
    /// Odd but allowed things the user should hear about (an expired
    /// window, a clamped notAfter, ...).
    pub warnings: Vec<String>,
}

impl Issued {
    /// The private key as PKCS#8 PEM, when this call made one.
    pub fn key_pem(&self) -> Option<String> {
        self.key.as_ref().map(PrivateKey::to_pem)
    }

    /// The full chain to serve: this certificate then the intermediates
    /// (certbot's `fullchain.pem`; what nginx's `ssl_certificate` takes).
    pub fn fullchain_pem(&self) -> String {
        pem_bundle(std::iter::once(&self.cert).chain(&self.intermediates))
    }

    /// The intermediates alone, nearest first (certbot's `chain.pem`; what
    /// Apache's `SSLCertificateChainFile` and `openssl s_server
    /// -cert_chain` take next to the certificate). Empty when the root
    /// signed the certificate directly.
    pub fn intermediates_pem(&self) -> String {
        pem_bundle(&self.intermediates)
    }
}

impl Issuer {
    /// Creates a self-signed root CA with a new key. Returns the warnings
    /// about the validity window, if any.
    pub fn new_root(options: &CaOptions, at: &IssueContext) -> Result<(Issuer, Vec<String>)> {
        let key = PrivateKey::generate(options.key_type)?;
        Self::new_root_with_key(options, key, at)
    }

    /// Creates a self-signed root CA for an existing key.
    pub fn new_root_with_key(
        options: &CaOptions,
        key: PrivateKey,
        at: &IssueContext,
    ) -> Result<(Issuer, Vec<String>)> {
        let mut warnings = Vec::new();
        let validity =
            options
                .validity
                .resolve(at.now, CertProfile::Root.default_days(), &mut warnings)?;
        let serial = at.serial();
        let hex = serial.to_hex();
        // A short, distinct name; serials from a custom source may be shorter.
        let default_cn = format!("ca root {}", &hex[..hex.len().min(8)]);
        let params = profile::ca_params(
            CertProfile::Root,
            options,
            &default_cn,
            validity,
            &serial,
            rcgen::PublicKeyData::der_bytes(&key),
        )?;
        let der = params.self_signed(&key)?.der().to_vec();
        warnings.extend(compliance::check(
            &der,
            Issuing::Root,
            None,
            options.strict_webpki,
        )?);
        let cert = CertDer::from_issued_der(der);
        let signer = rcgen::Issuer::new(params, key);
        let issuer = Issuer {
            root: cert.clone(),
            cert,
            intermediates: Vec::new(),
            not_after: validity.not_after,
            path_len: options.path_len.map(u32::from),
            signer,
            checked_chain: OnceLock::new(),
        };
        Ok((issuer, warnings))
    }

    /// A root CA for tests: ECDSA P-256, default subject and lifetime,
    /// valid from now. Like [`Issuer::issue_server`], a convenience for
    /// tests that reads the clock; everything else takes the time in.
    pub fn new_test_root() -> Result<Issuer> {
        Ok(Self::new_root(
            &CaOptions::default(),
            &IssueContext::at(OffsetDateTime::now_utc()),
        )?
        .0)
    }

    /// An issuer from an existing CA certificate and its key.
    /// `intermediates` are the certificates above `cert` up to the root
    /// (excluded); `root` is the trust anchor (`cert` itself for a root).
    /// Refuses a certificate that is not a CA, or a key that does not match.
    pub fn from_parts(
        cert: CertDer,
        key: PrivateKey,
        intermediates: Vec<CertDer>,
        root: CertDer,
    ) -> Result<Issuer> {
        let parsed = cert.parsed();
        if parsed.public_key().raw != key.public_key_der().as_slice() {
            return Err(Error::cert_at(
                None,
                "the private key does not belong to this certificate; give the matching key",
            ));
        }
        let constraints = parsed.basic_constraints().ok().flatten().map(|bc| bc.value);
        let path_len = match constraints {
            Some(bc) if bc.ca => bc.path_len_constraint,
            _ => return Err(Error::cert_at(
                None,
                "this certificate is not a CA certificate (basicConstraints CA:TRUE is missing); \
                     give a CA certificate",
            )),
        };
        if let Ok(Some(ku)) = parsed.key_usage() {
            if !ku.value.key_cert_sign() {
                return Err(Error::cert_at(
                    None,
                    "the CA certificate's keyUsage does not allow signing certificates (keyCertSign)",
                ));
            }
        }
        let not_after = parsed.validity().not_after.to_datetime();
        let signer = rcgen::Issuer::from_ca_cert_der(&cert.der().to_vec().into(), key)?;
        let mut chain = intermediates;
        if cert != root && chain.first() != Some(&cert) {
            chain.insert(0, cert.clone());
        }
        Ok(Issuer {
            cert,
            intermediates: chain,
            root,
            not_after,
            path_len,
            signer,
            checked_chain: OnceLock::new(),
        })
    }

    /// Creates an intermediate CA signed by this one, with a new key.
    pub fn new_intermediate(
        &self,
        options: &CaOptions,
        name: &str,
        at: &IssueContext,
    ) -> Result<(Issuer, Vec<String>)> {
        let key = PrivateKey::generate(options.key_type)?;
        self.new_intermediate_with_key(options, name, key, at)
    }

    /// Creates an intermediate CA signed by this one for an existing key.
    pub fn new_intermediate_with_key(
        &self,
        options: &CaOptions,
        name: &str,
        key: PrivateKey,
        at: &IssueContext,
    ) -> Result<(Issuer, Vec<String>)> {
        if self.path_len == Some(0) {
            return Err(Error::Refused(
                "this CA has pathLenConstraint 0: it may sign leaves but not other CAs".into(),
            ));
        }
        if let (Some(mine), Some(wanted)) = (self.path_len, options.path_len) {
            if u32::from(wanted) >= mine {
                return Err(Error::Refused(format!(
                    "the issuing CA allows at most {} more CA level(s) below it; ask for a path length of {} or less",
                    mine,
                    mine - 1
                )));
            }
        }
        let mut warnings = Vec::new();
        let validity = options
            .validity
            .resolve(
                at.now,
                CertProfile::Intermediate.default_days(),
                &mut warnings,
            )?
            .clamp_to_issuer(self.not_after, &mut warnings)?;
        let serial = at.serial();
        let default_cn = format!("ca intermediate {name}");
        let params = profile::ca_params(
            CertProfile::Intermediate,
            options,
            &default_cn,
            validity,
            &serial,
            rcgen::PublicKeyData::der_bytes(&key),
        )?;
        let der = params.signed_by(&key, &self.signer)?.der().to_vec();
        warnings.extend(compliance::check(
            &der,
            Issuing::Intermediate,
            Some(self.checked_chain()?),
            options.strict_webpki,
        )?);
        let cert = CertDer::from_issued_der(der);
        let mut intermediates = vec![cert.clone()];
        intermediates.extend(self.intermediates.iter().cloned());
        let path_len = Some(u32::from(options.path_len.unwrap_or(0)));
        let signer = rcgen::Issuer::new(params, key);
        let issuer = Issuer {
            cert,
            intermediates,
            root: self.root.clone(),
            not_after: validity.not_after,
            path_len,
            signer,
            checked_chain: OnceLock::new(),
        };
        Ok((issuer, warnings))
    }

    /// Issues a leaf with a new key of `options.key_type`.
    pub fn issue(&self, options: &LeafOptions, at: &IssueContext) -> Result<Issued> {
        let key = PrivateKey::generate(options.key_type)?;
        self.issue_with_key(options, key, at)
    }

    /// Issues a leaf for an existing key (`options.key_type` is ignored).
    pub fn issue_with_key(
        &self,
        options: &LeafOptions,
        key: PrivateKey,
        at: &IssueContext,
    ) -> Result<Issued> {
        let mut issued = self.sign_leaf(options, &key, key.key_type(), at)?;
        issued.key = Some(key);
        Ok(issued)
    }

    /// Signs a CSR with our leaf profile: only the CSR's public key is
    /// used; names come from `options` (see [`Csr::names`]), and nothing
    /// else the CSR asks for is copied.
    pub fn sign_csr(&self, csr: &Csr, options: &LeafOptions, at: &IssueContext) -> Result<Issued> {
        self.sign_leaf(options, csr.public_key(), csr.key_type(), at)
    }

    /// Convenience for tests: a server certificate for `names`, valid
    /// from now (reads the clock).
    pub fn issue_server<S: AsRef<str>>(&self, names: &[S]) -> Result<Issued> {
        let at = IssueContext::at(OffsetDateTime::now_utc());
        self.issue(&LeafOptions::server(names)?, &at)
    }

    /// Convenience for tests: a client certificate for `names`, valid
    /// from now (reads the clock).
    pub fn issue_client<S: AsRef<str>>(&self, names: &[S]) -> Result<Issued> {
        let at = IssueContext::at(OffsetDateTime::now_utc());
        self.issue(&LeafOptions::client(names)?, &at)
    }

    fn sign_leaf(
        &self,
        options: &LeafOptions,
        public_key: &impl rcgen::PublicKeyData,
        key_type: KeyType,
        at: &IssueContext,
    ) -> Result<Issued> {
        let mut warnings = Vec::new();
        let profile = options.profile();
        let validity = options
            .validity
            .resolve(at.now, profile.default_days(), &mut warnings)?
            .clamp_to_issuer(self.not_after, &mut warnings)?;
        if (validity.not_after - validity.not_before).whole_days() > i64::from(profile::LEAF_DAYS) {
            warnings.push(format!(
                "the certificate lasts longer than {} days; some TLS clients (Safari, Chrome for \
                 public roots) refuse such certificates",
                profile::LEAF_DAYS
            ));
        }
        let serial = at.serial();
        let params =
            profile::leaf_params(options, key_type, validity, &serial, public_key.der_bytes())?;
        let der = params.signed_by(public_key, &self.signer)?.der().to_vec();
        let what = match options.kind {
            profile::LeafKind::Client => Issuing::ClientLeaf,
            profile::LeafKind::Server => Issuing::ServerLeaf,
        };
        warnings.extend(compliance::check(
            &der,
            what,
            Some(self.checked_chain()?),
            options.strict_webpki,
        )?);
        Ok(Issued {
            cert: CertDer::from_issued_der(der),
            key: None,
            intermediates: self.intermediates.clone(),
            root: self.root.clone(),
            profile,
            warnings,
        })
    }

    /// This issuer's chain, parsed once for the issuance checks.
    fn checked_chain(&self) -> Result<&IssuingChain> {
        self.checked_chain
            .get_or_init(|| {
                let spki = self.key().public_key_der();
                compliance::issuing_chain(&self.chain_der(), &spki).map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Refused(e.clone()))
    }

    /// The DER of this issuer's chain: itself first, the root last.
    fn chain_der(&self) -> Vec<&[u8]> {
        let mut chain: Vec<&[u8]> = vec![self.cert.der()];
        for c in self.intermediates.iter().chain(std::iter::once(&self.root)) {
            if chain.last() != Some(&c.der()) && !chain.contains(&c.der()) {
                chain.push(c.der());
            }
        }
        chain
    }

    /// This CA's certificate.
    pub fn cert(&self) -> &CertDer {
        &self.cert
    }

    /// This CA's private key.
    pub fn key(&self) -> &PrivateKey {
        self.signer.key()
    }

    /// The root at the top of this issuer's chain (itself for a root).
    pub fn root(&self) -> &CertDer {
        &self.root
    }

    /// The intermediates from this issuer up to the root, excluded.
    pub fn intermediates(&self) -> &[CertDer] {
        &self.intermediates
    }

    /// When this CA expires; leaves it signs never outlive it.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The rcgen issuer, e.g. to sign CRLs.
    pub fn rcgen_issuer(&self) -> &rcgen::Issuer<'static, PrivateKey> {
        &self.signer
    }
}

#[cfg(test)]
mod tests;
