//! One DER certificate signing request, as `inspect` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ca_core::inspect::CsrInfo::from_der(data);
});
