//! A `ca apply` file: TOML parsing with spans, validation, diagnostics
//! (line/column, suggestions). Nothing is written: only `parse` runs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(errors) = ca_core::apply::parse(text, std::path::Path::new("fuzz.toml")) {
            let _ = errors.to_string();
        }
    }
});
