//! Certificate signing requests, as `inspect` reads them and as `ca sign`
//! does (core's `Csr::parse`: PEM or DER, self-signature, names, key type).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ca_core::inspect::CsrInfo::from_der(data);
    if let Ok(csr) = ca_core::Csr::parse(data) {
        let _ = (csr.names(), csr.key_type(), csr.ignored());
    }
});
