//! The one place that chooses the crypto provider for both sides.
//!
//! aws-lc-rs: it has the hybrid post-quantum key exchange X25519MLKEM768
//! (draft-ietf-tls-ecdhe-mlkem) and ML-DSA signatures (FIPS 204; TLS 1.3 code points
//! draft-ietf-tls-mldsa), which `ring` has not. The groups are listed here rather than left
//! to rustls's `prefer-post-quantum` feature, so that the order does not change when some
//! other crate in the build unifies the features differently: the hybrid group comes first,
//! so a client sends its key share in the first flight and a server that knows it picks it;
//! the classical groups follow for servers and clients that do not.

use std::sync::Arc;

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};

/// Key-exchange groups in order of preference: hybrid post-quantum first, then the classical
/// groups of RFC 8446 section 9.1 (x25519, secp256r1) and secp384r1.
pub static KX_GROUPS: &[&dyn SupportedKxGroup] = &[
    kx_group::X25519MLKEM768,
    kx_group::X25519,
    kx_group::SECP256R1,
    kx_group::SECP384R1,
];

/// The crypto provider every configuration of this crate is built with.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(CryptoProvider {
        kx_groups: KX_GROUPS.to_vec(),
        ..aws_lc_rs::default_provider()
    })
}

/// The name of the provider, for the reports.
pub const PROVIDER_NAME: &str = "aws-lc-rs";

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::NamedGroup;

    #[test]
    fn the_hybrid_group_is_offered_first() {
        let names: Vec<NamedGroup> = provider().kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(names[0], NamedGroup::X25519MLKEM768);
        assert!(names.contains(&NamedGroup::X25519));
    }

    #[test]
    fn ml_dsa_signatures_are_accepted_in_handshakes() {
        let schemes = provider()
            .signature_verification_algorithms
            .supported_schemes();
        for s in [
            rustls::SignatureScheme::ML_DSA_44,
            rustls::SignatureScheme::ML_DSA_65,
            rustls::SignatureScheme::ML_DSA_87,
        ] {
            assert!(schemes.contains(&s), "{s:?} missing");
        }
    }
}
