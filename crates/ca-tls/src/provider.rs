//! The one place that chooses the crypto provider for both sides.
//!
//! `ring` today, like the rest of the workspace. Switching to `aws-lc-rs` (which offers the
//! hybrid post-quantum group X25519MLKEM768 and ML-DSA signatures) is this function's body
//! plus the rustls feature in Cargo.toml; the records report whatever group is negotiated,
//! X25519MLKEM768 included.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

/// The crypto provider every configuration of this crate is built with.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The name of the provider, for the reports.
pub const PROVIDER_NAME: &str = "ring";
