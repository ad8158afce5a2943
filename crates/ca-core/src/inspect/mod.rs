//! Reads certificates (one or a bundle), CSRs, CRLs and keys, PEM or DER,
//! auto-detected, into a data model that prints as readable text
//! ([`std::fmt::Display`]) and serialises to JSON. Keys show public
//! information only: never the private key.
//!
//! ```
//! # let pem = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap().cert.pem();
//! use ca_core::inspect::{inspect, InspectOptions, Object};
//!
//! // The caller reads the clock (the CLI does, once); inspection never does.
//! let now = time::OffsetDateTime::now_utc();
//! let report = inspect(pem.as_bytes(), &InspectOptions::at(now)).unwrap();
//! let Object::Certificate(cert) = &report.objects[0] else { panic!() };
//! assert_eq!(cert.names[0].value, "localhost");
//! println!("{report}"); // readable text
//! let json = serde_json::to_string(&report).unwrap();
//! # assert!(json.contains("\"sha256\""));
//! ```

mod cert;
mod crl;
mod csr;
mod detect;
mod dn;
mod fields;
mod key;
mod render;

use serde::Serialize;
use time::OffsetDateTime;

pub use cert::{verifier_verdict, CertificateInfo};
pub use crl::{CrlInfo, RevokedEntry};
pub use csr::CsrInfo;
pub use detect::{decode, decode_each, Block, Decoded, Encoding, Kind};
pub use dn::{name_text, NameText};
pub use fields::{
    AccessDescriptionInfo, BasicConstraintsInfo, Extensions, ListExtension, Name,
    NameConstraintsInfo, OtherExtension, PublicKeyInfo,
};
pub use key::KeyInfo;

/// Why an input could not be read. The caller adds which file it was.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InspectError {
    #[error("the file is empty (expected a certificate, CSR, CRL or key in PEM or DER)")]
    Empty,
    #[error("{0}")]
    NotRecognised(String),
    #[error("{}{reason}", block.map(|n| format!("PEM block {n}: ")).unwrap_or_default())]
    BadPem {
        block: Option<usize>,
        reason: String,
    },
    #[error("{0}")]
    Key(String),
}

/// What to inspect with.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// The time "days left" and "expired" are computed against.
    pub now: OffsetDateTime,
    /// Decrypts encrypted private keys, to show their public key.
    pub passphrase: Option<crate::passphrase::Passphrase>,
}

impl InspectOptions {
    /// Inspects as of `now` (the caller reads the clock: inspection never
    /// does), without a passphrase.
    pub fn at(now: OffsetDateTime) -> Self {
        InspectOptions {
            now,
            passphrase: None,
        }
    }
}

/// One object found in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Object {
    Certificate(CertificateInfo),
    CertificateRequest(CsrInfo),
    Crl(CrlInfo),
    Key(KeyInfo),
    /// A block that could not be read, in its place among the others.
    Unreadable(UnreadableBlock),
}

/// Why one block of a PEM file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadableBlock {
    /// 1-based, counting the blocks shown.
    pub block: usize,
    pub error: String,
}

impl Report {
    /// How many objects could not be read.
    pub fn unreadable(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| matches!(o, Object::Unreadable(_)))
            .count()
    }
}

/// Everything found in one input, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// `pem` or `der`.
    pub encoding: &'static str,
    pub objects: Vec<Object>,
}

/// Detects, parses and describes every object in `input`.
///
/// Every block that can be read is described; one that cannot is an
/// [`Object::Unreadable`] in its place (a PEM file with a good certificate and a
/// key `ca` cannot read shows the certificate). When no block can be read, the
/// first block's error is returned.
pub fn inspect(input: &[u8], options: &InspectOptions) -> Result<Report, InspectError> {
    let (encoding, blocks) = decode_each(input)?;
    let results: Vec<Result<Object, InspectError>> = blocks
        .into_iter()
        .map(|block| block.and_then(|b| describe(&b, options)))
        .collect();
    if results.iter().all(Result::is_err) {
        let first = results.into_iter().find_map(Result::err);
        return Err(first.unwrap_or(InspectError::Empty));
    }
    let objects = results
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|e| {
                Object::Unreadable(UnreadableBlock {
                    block: i + 1,
                    error: match e {
                        InspectError::BadPem { reason, .. } => reason,
                        other => other.to_string(),
                    },
                })
            })
        })
        .collect();
    Ok(Report {
        encoding: match encoding {
            Encoding::Pem => "pem",
            Encoding::Der => "der",
        },
        objects,
    })
}

fn describe(block: &Block, options: &InspectOptions) -> Result<Object, InspectError> {
    Ok(match block.kind {
        Kind::Certificate => {
            Object::Certificate(CertificateInfo::from_der(&block.der, options.now)?)
        }
        Kind::CertificateRequest => Object::CertificateRequest(CsrInfo::from_der(&block.der)?),
        Kind::Crl => Object::Crl(CrlInfo::from_der(&block.der, options.now)?),
        _ => Object::Key(KeyInfo::from_block(block, options.passphrase.as_ref())?),
    })
}

/// The certificates in `input` (PEM bundle or one DER certificate), as DER.
/// Anything else in the input is an error: callers that want certificates
/// should not silently skip a key or a CSR given by mistake.
pub fn certificates(input: &[u8]) -> Result<Vec<Vec<u8>>, InspectError> {
    decode(input)?
        .blocks
        .into_iter()
        .enumerate()
        .map(|(i, b)| match b.kind {
            Kind::Certificate => Ok(b.der),
            other => Err(InspectError::NotRecognised(format!(
                "object {} is a {}, not a certificate",
                i + 1,
                other.describe()
            ))),
        })
        .collect()
}

pub use cert::status as validity_status;
pub use fields::{days_between, rfc3339, serial_hex, sha256_hex};

#[cfg(test)]
mod time_tests {
    use super::*;

    /// Inspection judges expiry at the time it is given, never by the clock: a certificate
    /// of 2001 is valid in 2001 and expired in 2003, whatever today is.
    #[test]
    fn status_and_days_left_are_at_the_time_given() {
        let mut params = rcgen::CertificateParams::new(vec!["old.test".into()]).unwrap();
        params.not_before = time::macros::datetime!(2001-01-01 0:00 UTC);
        params.not_after = time::macros::datetime!(2002-01-01 0:00 UTC);
        let key = rcgen::KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        let at = |now| {
            let report = inspect(pem.as_bytes(), &InspectOptions::at(now)).unwrap();
            let Object::Certificate(cert) = &report.objects[0] else {
                panic!("a certificate")
            };
            (cert.status, cert.days_left)
        };
        let (status, days) = at(time::macros::datetime!(2001-12-31 0:00 UTC));
        assert_eq!((status, days), ("valid", 1));
        let (status, days) = at(time::macros::datetime!(2003-01-01 0:00 UTC));
        assert_eq!((status, days), ("expired", -365));
    }
}
