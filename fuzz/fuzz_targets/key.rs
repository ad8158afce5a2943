//! Private key files: core's reader (PKCS#8, PKCS#1, SEC1; PEM or DER) and
//! `inspect`'s public-information path.
#![no_main]

use ca_core::PrivateKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // No passphrase: decrypting runs a KDF whose cost the file chooses
    // (see the `key` notes in fuzz/README.md).
    let _ = PrivateKey::parse(data, None);
});
