//! The client's hooks into rustls that record what the server sent.
//!
//! [`ChainWatch`] replaces rustls's certificate verifier: it keeps the chain as sent and the
//! OCSP staple, asks ca-verify for the verdict, and lets the handshake go on whatever the
//! verdict, so that the user always sees what was sent and why it fails. The connection is
//! never used for application data unless the verdict is "valid" (see `probe`). Handshake
//! signatures are still checked for real, with the provider's algorithms: a server that does
//! not hold the leaf's key fails the handshake at step 4.
//!
//! [`ClientCertWatch`] answers a CertificateRequest with the configured client certificate,
//! if any, and records that the server asked.

use std::sync::{Arc, Mutex, MutexGuard};

use ca_verify::{TrustAnchor, VerifiedPath, VerifyError, VerifyOptions};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::ResolvesClientCert;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, SignatureScheme};

use crate::names;

/// How the chain is judged: ca-verify with these anchors and options. The pool of
/// intermediates is only what the server sent, as for any TLS client.
#[derive(Clone, Debug)]
pub struct ChainCheck {
    pub anchors: Vec<TrustAnchor>,
    pub opts: VerifyOptions,
}

/// What the hooks saw, shared with the probe.
#[derive(Debug, Default)]
pub struct Seen {
    pub chain: Vec<Vec<u8>>,
    pub ocsp: Option<Vec<u8>>,
    pub verdict: Option<Result<VerifiedPath, VerifyError>>,
    pub signature_scheme: Option<SignatureScheme>,
    pub client_cert_requested: bool,
    pub acceptable_issuers: usize,
    pub client_cert_sent: bool,
}

#[derive(Clone, Debug, Default)]
pub struct SharedSeen(Arc<Mutex<Seen>>);

impl SharedSeen {
    pub fn lock(&self) -> MutexGuard<'_, Seen> {
        // A panic while holding the lock leaves plain data: still readable.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[derive(Debug)]
pub struct ChainWatch {
    pub check: ChainCheck,
    pub seen: SharedSeen,
    pub provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for ChainWatch {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        // The time is ours (ChainCheck::opts.time): it comes in as an argument.
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let pool: Vec<&[u8]> = intermediates.iter().map(|c| c.as_ref()).collect();
        let verdict = ca_verify::verify(
            end_entity.as_ref(),
            &pool,
            &self.check.anchors,
            &self.check.opts,
        );
        let mut seen = self.seen.lock();
        seen.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        seen.ocsp = (!ocsp_response.is_empty()).then(|| ocsp_response.to_vec());
        seen.verdict = Some(verdict);
        // Whatever the verdict: the handshake goes on so that every step can be shown;
        // the probe sends no application data over a connection whose chain is not valid.
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.seen.lock().signature_scheme = Some(dss.scheme);
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.seen.lock().signature_scheme = Some(dss.scheme);
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Answers the server's CertificateRequest, and remembers it came.
#[derive(Debug)]
pub struct ClientCertWatch {
    pub identity: Option<Arc<CertifiedKey>>,
    pub seen: SharedSeen,
}

impl ResolvesClientCert for ClientCertWatch {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        let mut seen = self.seen.lock();
        seen.client_cert_requested = true;
        seen.acceptable_issuers = root_hint_subjects.len();
        seen.client_cert_sent = self.identity.is_some();
        self.identity.clone()
    }

    fn has_certs(&self) -> bool {
        self.identity.is_some()
    }
}

/// The schemes the client accepts, by IANA name, for step 1.
pub fn offered_schemes(provider: &CryptoProvider) -> Vec<String> {
    provider
        .signature_verification_algorithms
        .supported_schemes()
        .into_iter()
        .map(names::signature_scheme)
        .collect()
}
