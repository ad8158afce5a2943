//! Trust anchors: the CA certificates the caller trusts.

use crate::cert::Certificate;
use crate::error::{CertRef, Role, VerifyError};

/// A trusted CA certificate. Its own signature is not checked, but its validity, constraints and
/// extensions are, as for any CA on the path.
#[derive(Clone, Debug)]
pub struct TrustAnchor {
    pub(crate) cert: Certificate,
    pub(crate) source: Option<String>,
}

impl TrustAnchor {
    /// Parses a DER certificate as a trust anchor.
    pub fn from_der(der: &[u8]) -> Result<Self, VerifyError> {
        let cert = Certificate::from_der(der).map_err(|reason| {
            VerifyError::new(
                reason,
                Some(CertRef {
                    position: 0,
                    subject: "(unparsable trust anchor)".into(),
                    role: Role::TrustAnchor,
                }),
            )
        })?;
        Ok(TrustAnchor { cert, source: None })
    }

    /// Records where the anchor came from (a file name, "system store"), for explanations.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// The anchor's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.cert
    }
}

/// `cert` is one of `anchors` (same name and key), e.g. a root given as the leaf.
pub(crate) fn is_anchor(anchors: &[TrustAnchor], cert: &Certificate) -> bool {
    anchors
        .iter()
        .any(|a| a.cert.subject.raw == cert.subject.raw && a.cert.spki() == cert.spki())
}
