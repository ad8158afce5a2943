//! The server's check of a client certificate (mutual TLS), with ca-verify, for purpose
//! clientAuth. A client without a certificate, or with one that is not valid, is refused: a
//! test server behaves like a real one. The verdict is kept for the connection's report.

use std::sync::{Arc, Mutex};

use ca_verify::{Reason, TrustAnchor, VerifyOptions};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::ClientCertSeen;

#[derive(Debug)]
pub struct ClientCheck {
    pub anchors: Arc<Vec<TrustAnchor>>,
    /// Client options at the time of this connection.
    pub opts: VerifyOptions,
    pub provider: Arc<CryptoProvider>,
    pub seen: Arc<Mutex<Option<ClientCertSeen>>>,
}

impl ClientCertVerifier for ClientCheck {
    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // No hint: a client then sends whatever certificate it has (RFC 8446 section 4.3.2
        // makes certificate_authorities optional).
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let pool: Vec<&[u8]> = intermediates.iter().map(|c| c.as_ref()).collect();
        let verdict = ca_verify::verify(end_entity.as_ref(), &pool, &self.anchors, &self.opts);
        let leaf = ca_verify::Certificate::from_der(end_entity.as_ref()).ok();
        let seen = ClientCertSeen {
            subject: leaf
                .as_ref()
                .map(|c| c.subject().to_string())
                .unwrap_or_default(),
            issuer: leaf
                .as_ref()
                .map(|c| c.issuer().to_string())
                .unwrap_or_default(),
            sha256: leaf.as_ref().map(|c| c.sha256_hex()).unwrap_or_default(),
            valid: verdict.is_ok(),
            reason: verdict.as_ref().err().map(|e| e.to_string()),
            path: verdict
                .as_ref()
                .map(|p| {
                    p.certificates()
                        .iter()
                        .map(|c| c.cert.subject().to_string())
                        .collect()
                })
                .unwrap_or_default(),
        };
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(seen);
        match verdict {
            Ok(_) => Ok(ClientCertVerified::assertion()),
            Err(e) => Err(rustls::Error::InvalidCertificate(match e.reason {
                Reason::UnknownIssuer(_) => CertificateError::UnknownIssuer,
                Reason::Expired { .. } => CertificateError::Expired,
                Reason::NotYetValid { .. } => CertificateError::NotValidYet,
                Reason::Revoked { .. } => CertificateError::Revoked,
                Reason::ExtendedKeyUsage { .. } => CertificateError::InvalidPurpose,
                Reason::BadSignature(_) => CertificateError::BadSignature,
                _ => CertificateError::ApplicationVerificationFailure,
            })),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
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
