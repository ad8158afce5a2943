//! A `ca apply` file: TOML parsing with spans, validation, diagnostics
//! (line/column, suggestions). Nothing is written: only `parse` runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        // A fixed instant: the same input always takes the same path.
        let now = time::OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("2026-01-01");
        if let Err(errors) = ca_core::apply::parse(text, std::path::Path::new("fuzz.toml"), now) {
            let _ = errors.to_string();
        }
    }
});
