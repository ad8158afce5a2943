//! Any bytes as the leaf, verified by ca-verify against a fixed real chain (root anchor,
//! intermediate in the pool, the intermediate's CRL): certificate parsing, the leaf checks,
//! signature checking, name matching and name constraints, revocation lookup.
#![no_main]

#[path = "../common/verify_chain.rs"]
mod chain;

use ca_verify::{verify, Certificate, ExpectedName, Profile, TrustAnchor, VerifyOptions};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn anchors() -> &'static [TrustAnchor] {
    static ANCHORS: OnceLock<Vec<TrustAnchor>> = OnceLock::new();
    ANCHORS.get_or_init(|| vec![TrustAnchor::from_der(chain::ROOT).unwrap()])
}

fuzz_target!(|data: &[u8]| {
    let pool = [chain::INTERMEDIATE];
    let with_crl = chain::server_options(vec![chain::CRL.to_vec()], Profile::WebPki);
    if let Ok(path) = verify(data, &pool, anchors(), &with_crl) {
        // The signature covers every byte of the to-be-signed part: whatever the fuzzer changed
        // outside it (signature encoding), an accepted leaf says exactly what the real one says.
        let real = Certificate::from_der(chain::LEAF).unwrap();
        let got = path.leaf();
        assert_eq!(got.serial_hex(), real.serial_hex());
        assert_eq!(got.subject(), real.subject());
        assert_eq!(got.subject_alt_names(), real.subject_alt_names());
        assert_eq!(got.not_after_unix(), real.not_after_unix());
        assert_eq!(path.certificates().len(), 3);
        let _ = path.checks();
    }
    let mut client = VerifyOptions::client(
        with_crl.time,
        Some(ExpectedName::Email("a@example.com".into())),
    );
    client.max_depth = Some(0);
    if let Err(e) = verify(data, &pool, anchors(), &client) {
        // `ca verify` prints the error's pieces escaped: whatever the leaf holds, what
        // reaches the terminal holds no raw control character (issue 15).
        let text = e.to_string();
        let shown = ca_verify::text::escape_untrusted(&text);
        assert!(!shown.chars().any(ca_verify::text::is_unsafe_char), "{shown}");
        if let Some(c) = &e.cert {
            let subject = ca_verify::text::escape_untrusted(&c.subject);
            assert!(!subject.chars().any(ca_verify::text::is_unsafe_char));
        }
    }
});
