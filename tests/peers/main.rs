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
mod acme_client;
mod acme_db;
mod acme_dns;
mod acme_storage;
mod csr;
mod gnutls;
mod keys;
mod names;
mod openssl;
mod pkilint;
mod postgres;
mod probe;
mod tls;
mod trust;

/// A peer that is not installed fails its test with the package to install
/// (the same lookup the crates' own openssl tests use).
#[test]
fn a_missing_peer_fails_naming_its_package() {
    let missing = support::Tool {
        program: "ca-test-peer-that-is-not-installed",
        package: "the Debian package `ca-test-peer`",
    };
    let panic = std::panic::catch_unwind(|| missing.path()).expect_err("found a missing program");
    let message = panic
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(
        message.contains("`ca-test-peer-that-is-not-installed` is not installed")
            && message.contains("Install the Debian package `ca-test-peer`"),
        "{message}"
    );
}
