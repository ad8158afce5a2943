//! The one place ca-core reads and writes PEM (RFC 7468): every file `ca`
//! writes uses LF line endings and 64-column base64, whatever the platform,
//! and every reader recognises PEM the same way.

pub use pem::{Pem, PemError};

/// `-----BEGIN LABEL-----`, base64 in 64 columns, `-----END LABEL-----`,
/// each line ending in LF (RFC 7468 section 2 allows either; LF is what
/// OpenSSL writes and what every tool reads).
pub fn encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &Pem::new(label, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

/// True when `data` holds a PEM encapsulation boundary somewhere (text
/// before it, "explanatory text" in RFC 7468, is allowed); otherwise it
/// may be DER.
pub fn is_pem(data: &[u8]) -> bool {
    data.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Every PEM block in `data`, in order.
pub fn decode_all(data: &[u8]) -> Result<Vec<Pem>, PemError> {
    pem::parse_many(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_with_lf_only_and_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let text = encode("PRIVATE KEY", &der);
        assert!(!text.contains('\r'));
        assert!(text.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(text.ends_with("-----END PRIVATE KEY-----\n"));
        assert!(text.lines().all(|l| l.len() <= 64));
        assert!(is_pem(text.as_bytes()));
        let blocks = decode_all(text.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 1);
        assert_eq!(blocks[0].contents(), der.as_slice());
    }
}
