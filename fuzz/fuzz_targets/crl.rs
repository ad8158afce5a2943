//! One DER certificate revocation list, as `inspect` reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let now = time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = ca_core::inspect::CrlInfo::from_der(data, now);
});
