//! Certificates: what `inspect` shows, what `needs-renewal` decides, and
//! core's reader (`CertDer::parse_all`, used by `sign`, `init --import-cert`).
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
    if let Ok(certs) = ca_core::CertDer::parse_all(data) {
        for cert in certs {
            let _ = cert.info();
        }
    }
});
