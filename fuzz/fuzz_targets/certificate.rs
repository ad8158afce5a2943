//! One DER certificate: what `inspect` shows and what `needs-renewal` decides.
#![no_main]

use ca_core::renewal::{check_certificate, RenewBefore};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;

fuzz_target!(|data: &[u8]| {
    let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
    let _ = ca_core::inspect::CertificateInfo::from_der(data, now);
    for threshold in [RenewBefore::Percent(100), RenewBefore::Percent(1)] {
        let _ = check_certificate(data, threshold, now);
    }
    let _ = check_certificate(data, "30d".parse().unwrap(), OffsetDateTime::UNIX_EPOCH);
});
