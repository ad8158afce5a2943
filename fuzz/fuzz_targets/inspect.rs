//! `ca inspect` on any bytes: detection (PEM/DER), every parser behind it,
//! the text rendering and the JSON serialisation. Must never panic, and the
//! text (the report, or the error) must hold no raw control character other
//! than the layout's line feeds: what the file says is escaped (issue 15).
#![no_main]

use ca_core::inspect::{inspect, InspectOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = InspectOptions {
        now: time::OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000),
        passphrase: None,
    };
    match inspect(data, &options) {
        Ok(report) => {
            assert_terminal_safe(&report.to_string());
            let _ = serde_json::to_string(&report);
        }
        Err(e) => assert_terminal_safe(&e.to_string()),
    }
    // `convert` and `needs-renewal` take the same input.
    let _ = ca_core::inspect::certificates(data);
});

/// No control character, DEL, C1 or bidi override, except line feeds.
fn assert_terminal_safe(text: &str) {
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\n' && ca_core::text::is_unsafe_char(c))
    {
        panic!("raw {c:?} in text output:\n{}", text.escape_debug());
    }
}
