//! Keys, certificate profiles, CSRs, signing and the on-disk CA state.
//!
//! # A CA for your tests, in a few lines
//!
//! Like Python's trustme: make a CA in memory, issue a server certificate
//! for some names, and hand the PEM to the server and client under test.
//!
//! ```
//! use ca_core::Issuer;
//!
//! let ca = Issuer::new_test_root()?; // ECDSA P-256, 10 years
//! let server = ca.issue_server(&["localhost", "127.0.0.1"])?;
//!
//! let cert_pem = server.cert.pem(); // the leaf
//! let key_pem = server.key_pem().unwrap(); // its PKCS#8 key
//! let fullchain_pem = server.fullchain_pem(); // leaf + intermediates: what a server sends
//! let root_pem = ca.root().pem(); // what the client trusts
//! # assert!(cert_pem.contains("BEGIN CERTIFICATE") && key_pem.contains("PRIVATE KEY"));
//! # assert!(fullchain_pem.starts_with(&cert_pem) && root_pem != cert_pem);
//!
//! // Intermediates, client certificates, other key types and lifetimes:
//! // The time (and the serial source) is an argument: read the clock once.
//! use ca_core::{CaOptions, IssueContext, KeyType, LeafOptions, ValidityRequest};
//! let at = IssueContext::at(time::OffsetDateTime::now_utc());
//! let (intermediate, _warnings) = ca.new_intermediate(&CaOptions::default(), "issuing", &at)?;
//! let client = intermediate.issue(
//!     &LeafOptions {
//!         key_type: KeyType::Ed25519,
//!         validity: ValidityRequest::days(1),
//!         ..LeafOptions::client(&["alice@example.test"])?
//!     },
//!     &at,
//! )?;
//! assert_eq!(client.intermediates.len(), 1);
//! # Ok::<(), ca_core::Error>(())
//! ```
//!
//! # Modules
//!
//! - [`key`]: key types, generation, reading (PKCS#8, encrypted PKCS#8,
//!   PKCS#1, SEC1; PEM or DER) and writing; [`passphrase`] for encrypted keys.
//! - [`name`]: names typed automatically (DNS, IP, e-mail, URI).
//! - [`profile`]: what root, intermediate, server and client certificates
//!   contain; [`validity`] and [`serial`] for their windows and serials.
//! - [`issuer`]: a CA in memory that signs leaves, intermediates and CSRs
//!   ([`csr`]); [`cert`] wraps the certificates.
//! - [`store`]: the CA directory (root, named intermediates, index, lock).
//! - [`atomic`]: crash-safe file writing used by everything that writes.

pub mod apply;
pub mod atomic;
pub mod cert;
pub mod compliance;
pub mod context;
pub mod csr;
pub mod error;
pub mod input;
pub mod inspect;
pub mod issuer;
pub mod key;
pub mod name;
#[cfg(feature = "p12")]
pub mod p12;
pub mod passphrase;
pub mod pem_text;
pub mod profile;
pub mod renewal;
pub mod revocation;
pub mod serial;
pub mod store;
pub mod subject;
pub mod trust_store;
pub mod validity;
mod x509_signature;

/// Escaping untrusted text for terminal output (one function for every crate).
pub use ca_verify::text;
// The peer lookup the end-to-end tests use, for the unit tests that run
// openssl: a missing openssl fails naming the package to install.
#[cfg(test)]
#[path = "../../../tests/support/tool.rs"]
mod test_tool;

pub use cert::{CertDer, CertInfo};
pub use context::{IssueContext, RandomSerials, SerialSource};
pub use csr::Csr;
pub use error::{Error, Result};
pub use issuer::{Issued, Issuer};
pub use key::{KeyError, KeyFormat, KeyType, PrivateKey};
pub use name::SubjectName;
pub use passphrase::Passphrase;
pub use profile::{CaOptions, CertProfile, LeafOptions, NameConstraintsSpec};
pub use serial::Serial;
pub use store::{
    CaDir, ImportRules, IndexEntry, IssueOutcome, IssueRequest, OutputFile, OutputKind,
};
pub use subject::Subject;
pub use validity::ValidityRequest;
