//! Certificate serial numbers: positive, at most 20 octets (RFC 5280
//! 4.1.2.2) and random, so that serials never repeat across processes or
//! machines without any coordination (CA/Browser Forum BRs ask for at least
//! 64 random bits; we use 127).

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

/// A serial number, kept as its big-endian magnitude.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Serial(Vec<u8>);

impl Serial {
    /// 16 random octets with the top bit clear (so the DER INTEGER is
    /// positive without a padding octet) and the top octet non-zero (so the
    /// encoding is always 16 octets long).
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        // Straight from the OS (getrandom): one system call, where thread_rng would first
        // seed a ChaCha generator and probe the CPU's features (slow in a VM), for 16 bytes.
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        bytes[0] &= 0x7f;
        if bytes[0] == 0 {
            bytes[0] = 0x01;
        }
        Serial(bytes.to_vec())
    }

    /// A serial from big-endian bytes (leading zero octets are dropped).
    pub fn from_be_bytes(bytes: &[u8]) -> Self {
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        Serial(bytes[start..].to_vec())
    }

    /// Parses lower- or upper-case hex, with or without `:` separators.
    pub fn from_hex(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|&c| c != ':').collect();
        if digits.is_empty() || digits.len() > 42 || !digits.chars().all(|c| c.is_ascii_hexdigit())
        {
            return None;
        }
        let padded = if digits.len() % 2 == 1 {
            format!("0{digits}")
        } else {
            digits
        };
        let bytes: Option<Vec<u8>> = (0..padded.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&padded[i..i + 2], 16).ok())
            .collect();
        Some(Serial::from_be_bytes(&bytes?))
    }

    /// Big-endian magnitude.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Lower-case hex without separators, as `--json` prints it.
    pub fn to_hex(&self) -> String {
        if self.0.is_empty() {
            return "00".into();
        }
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub(crate) fn to_rcgen(&self) -> rcgen::SerialNumber {
        rcgen::SerialNumber::from_slice(&self.0)
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl From<Serial> for String {
    fn from(s: Serial) -> String {
        s.to_hex()
    }
}

impl TryFrom<String> for Serial {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Serial::from_hex(&s).ok_or_else(|| format!("'{s}' is not a hex serial number"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_positive_sixteen_octets_and_distinct() {
        let a = Serial::random();
        let b = Serial::random();
        assert_ne!(a, b);
        assert_eq!(a.as_bytes().len(), 16);
        assert!(a.as_bytes()[0] > 0 && a.as_bytes()[0] < 0x80);
        assert_eq!(a.to_hex().len(), 32);
    }

    #[test]
    fn hex_round_trips() {
        let s = Serial::random();
        assert_eq!(Serial::from_hex(&s.to_hex()), Some(s.clone()));
        assert_eq!(Serial::from_hex("0A:bc"), Some(Serial(vec![0x0a, 0xbc])));
        assert_eq!(Serial::from_hex("abc"), Some(Serial(vec![0x0a, 0xbc])));
        assert_eq!(Serial::from_hex("xyz"), None);
    }
}
