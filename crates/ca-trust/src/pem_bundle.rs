//! Reading certificate bundles (PEM, as the distributions write them).

use std::path::Path;

use crate::TrustError;

/// The DER of every certificate in a PEM file; an absent file holds none.
pub fn certificates(path: &Path) -> Result<Vec<Vec<u8>>, TrustError> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(TrustError::io(path, "read the certificate bundle", e)),
    };
    Ok(pem::parse_many(&data)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE" || p.tag() == "TRUSTED CERTIFICATE")
        .map(|p| p.into_contents())
        .collect())
}

/// True when the PEM file at `path` holds the certificate `der`.
pub fn contains(path: &Path, der: &[u8]) -> Result<bool, TrustError> {
    // A `TRUSTED CERTIFICATE` is the certificate followed by OpenSSL's
    // trust settings: it starts with the certificate's DER.
    Ok(certificates(path)?.iter().any(|c| c.starts_with(der)))
}
