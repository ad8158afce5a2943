//! Where the operating system keeps its trust store (the bundle of roots
//! that TLS clients trust).
//!
//! The locations differ per system and distribution; `openssl-probe`
//! knows them (and honours `SSL_CERT_FILE`, as OpenSSL does), so we do
//! not keep our own list.

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The system's CA bundle file: `$SSL_CERT_FILE` when it names a file, else
/// the first bundle found at the platform's usual places.
pub fn system_bundle() -> Result<PathBuf> {
    openssl_probe::probe().cert_file.ok_or_else(|| {
        Error::ca_dir(
            None,
            "no system trust store found (no CA bundle at this system's usual places, and \
             SSL_CERT_FILE names none); install the ca-certificates package or set SSL_CERT_FILE",
        )
    })
}
