//! `ca acme serve`: an online CA speaking ACME (RFC 8555) over the CA
//! directory of ca-core.
//!
//! - [`jws`]: flattened JWS, account keys and thumbprints (RFC 7515/7517/7638).
//! - [`nonce`]: replay nonces (RFC 8555 §6.5).
//! - [`resources`]: accounts, orders, authorizations, challenges, and their JSON.
//! - [`storage`]: the state behind a trait; SQLite by default, PostgreSQL for replicas.
//! - [`validation`]: http-01, dns-01 and tls-alpn-01 (RFC 8737), DNS and IP
//!   identifiers (RFC 8738).
//! - [`dns`]: the bounded DNS stub client dns-01 asks.
//! - [`issuance`]: the one place that signs and revokes, through ca-core.
//! - [`service`] and the orders module: the protocol over plain requests.
//! - [`crl_http`]: the CRL over plain HTTP (`--crl-listen`).
//! - [`http`]: the HTTPS server (rustls over std threads) and its limits.
//! - [`problem`]: errors as problem documents.

mod accounts;
pub mod caa;
pub mod crl_http;
pub mod dns;
pub mod http;
pub mod issuance;
pub mod jws;
pub mod nonce;
mod order_rules;
mod orders;
pub mod policy;
pub mod problem;
pub mod renewal;
pub mod resources;
pub mod service;
pub mod storage;
pub mod validation;

pub use issuance::CaIssuance;
pub use policy::Policy;
pub use problem::{Problem, ProblemType};
pub use service::{AcmeService, Request, Response};
pub use storage::{PostgresStorage, SqliteStorage, Storage};
pub use validation::ValidationConfig;
