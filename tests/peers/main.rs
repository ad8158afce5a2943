//! End-to-end tests: what `ca` issues, checked by real peers (OpenSSL,
//! curl, GnuTLS, nginx, pkilint) for every key type.
//!
//! One test binary, so that the hierarchies of every key type (RSA 4096
//! key generation takes seconds) are made once per test run and shared
//! by all the peers. Run one peer's tests with e.g.
//! `cargo test -p ca-cli --test peers gnutls::`.

#[path = "../support/mod.rs"]
mod support;

mod acme;
mod csr;
mod gnutls;
mod keys;
mod names;
mod openssl;
mod pkilint;
mod tls;
mod trust;
