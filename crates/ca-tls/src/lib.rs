//! Live TLS for `ca`: the handshake of the study note, on a real connection.
//!
//! - `probe`: the client side. Connects, does a real handshake with rustls, and judges the
//!   chain the server sent with ca-verify (not with rustls's verifier), recording each step.
//! - `serve`: the server side. Serves a chain made by `ca` and answers HTTP with a page that
//!   describes the handshake as the server saw it.
//! - `record`: what happened on one connection, by the note's step numbers.
//! - `chain`: the chain as sent (order, duplicates, what is missing).
//! - `explain`: the note's picture, drawn from a record.
//! - `starttls`: the plain-text upgrade of SMTP, IMAP, POP3 and PostgreSQL.
//! - `rsa_kx`: asks a TLS 1.2 server whether it accepts RSA key transport.
//! - `provider`: the one place the crypto provider is chosen.
//!
//! Time comes in as an argument (in `ChainCheck`'s options, and as a clock for the server).

pub mod chain;
pub mod explain;
pub mod names;
pub mod probe;
pub mod provider;
pub mod record;
pub mod rsa_kx;
pub mod serve;
pub mod starttls;

pub use probe::{probe, ChainCheck, ConnectError, Identity, ProbeError, ProbeOptions, Versions};
pub use record::{Handshake, RsaKeyTransport, Step, Transmit};
pub use starttls::StartTls;
