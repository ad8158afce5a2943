//! Hostile path building: the input is split into DER blobs used as the leaf, the trust anchor,
//! a CRL and the untrusted pool. Every input must end quickly (run with `-timeout`).
//!
//! Layout: one flags byte, then blobs, each a big-endian u16 length and that many bytes (the
//! last one cut short by the end of the input). Blob 0 is the leaf (empty: the real leaf),
//! blob 1 the anchor, blob 2 a CRL, the rest the pool.
#![no_main]

#[path = "../common/verify_chain.rs"]
mod chain;

use ca_verify::{verify, Profile, TrustAnchor};
use libfuzzer_sys::fuzz_target;

/// More than the verifier's default depth and enough for cycles and same-name crowds.
const MAX_POOL: usize = 64;

fn blobs(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while data.len() >= 2 && out.len() < 3 + MAX_POOL {
        let len = usize::from(u16::from_be_bytes([data[0], data[1]]));
        let (blob, rest) = data[2..].split_at(len.min(data.len() - 2));
        out.push(blob);
        data = rest;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let blobs = blobs(rest);
    let leaf = match blobs.first() {
        Some(b) if !b.is_empty() => *b,
        _ => chain::LEAF,
    };

    let mut anchors = Vec::new();
    if let Some(Ok(a)) = blobs.get(1).map(|b| TrustAnchor::from_der(b)) {
        let _ = (a.certificate().subject(), a.certificate().is_ca());
        anchors.push(a);
    }
    if flags & 0x01 != 0 {
        anchors.push(TrustAnchor::from_der(chain::ROOT).unwrap());
    }

    let mut crls = Vec::new();
    if flags & 0x02 != 0 {
        if let Some(b) = blobs.get(2) {
            crls.push(b.to_vec());
        }
    }
    if flags & 0x04 != 0 {
        crls.push(chain::CRL.to_vec());
    }

    let mut pool: Vec<&[u8]> = blobs.iter().skip(3).copied().collect();
    if flags & 0x08 != 0 {
        pool.push(chain::INTERMEDIATE);
    }

    let profile = if flags & 0x10 != 0 {
        Profile::Rfc5280
    } else {
        Profile::WebPki
    };
    let mut opts = chain::server_options(crls, profile);
    if flags & 0x20 != 0 {
        opts.name = None;
    }
    // Bits 6-7: no limit (the default 8), or at most 0, 1 or 20 intermediates.
    opts.max_depth = [None, Some(0), Some(1), Some(20)][usize::from(flags >> 6)];

    match verify(leaf, &pool, &anchors, &opts) {
        Ok(path) => {
            let _ = path.checks();
            assert!(path.certificates().len() >= 2);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
