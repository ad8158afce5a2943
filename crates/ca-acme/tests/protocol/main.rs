//! The ACME protocol end to end against `AcmeService` with a real CA
//! directory, a real SQLite file and real http-01 validation on
//! 127.0.0.1; requests are JWS signed here with ring (ES256).

mod accounts;
mod caa;
mod client;
mod flow;
mod hostile;
mod identifiers;
mod policy;
mod renewal;
mod replicas;
mod reuse;
