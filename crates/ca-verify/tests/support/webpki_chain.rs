//! rustls-webpki verifying a chain the way a TLS client does (server auth, then the host
//! name), for the benchmark and the instruction counter that compare ca-verify with it.

use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use time::OffsetDateTime;

/// One chain, made ready for rustls-webpki once: its anchor extracted, the DER wrapped.
pub struct WebpkiChain {
    anchors: Vec<TrustAnchor<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    leaf: CertificateDer<'static>,
    time: UnixTime,
    name: ServerName<'static>,
}

impl WebpkiChain {
    pub fn new(root: &[u8], intermediates: &[Vec<u8>], leaf: &[u8], now: OffsetDateTime) -> Self {
        let root = CertificateDer::from(root.to_vec());
        WebpkiChain {
            anchors: vec![webpki::anchor_from_trusted_cert(&root).unwrap().to_owned()],
            intermediates: intermediates
                .iter()
                .map(|d| CertificateDer::from(d.clone()))
                .collect(),
            leaf: CertificateDer::from(leaf.to_vec()),
            time: UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                now.unix_timestamp() as u64
            )),
            name: ServerName::try_from("example.com").unwrap(),
        }
    }

    /// One verification: parse the leaf, build and check the path, match the name.
    pub fn verify(&self) -> Result<(), webpki::Error> {
        let ee = webpki::EndEntityCert::try_from(&self.leaf)?;
        ee.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            &self.intermediates,
            self.time,
            webpki::KeyUsage::server_auth(),
            None,
            None,
        )?;
        ee.verify_is_valid_for_subject_name(&self.name)
    }
}
