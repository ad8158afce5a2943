//! `ca inspect` on any bytes: detection (PEM/DER), every parser behind it,
//! the text rendering and the JSON serialisation. Must never panic.
#![no_main]

use ca_core::inspect::{inspect, InspectOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = InspectOptions {
        now: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        passphrase: None,
    };
    if let Ok(report) = inspect(data, &options) {
        let _ = report.to_string();
        let _ = serde_json::to_string(&report);
    }
    // `convert` and `needs-renewal` take the same input.
    let _ = ca_core::inspect::certificates(data);
});
