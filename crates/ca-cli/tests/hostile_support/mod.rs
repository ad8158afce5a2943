//! Helpers for the tests of unusual and hostile files: DER editing (same-length byte
//! replacement, re-encoding a field with its lengths), PEM framing, fixtures.

#![allow(dead_code)] // each test file uses a different part

use std::path::Path;

use crate::common::{ca, json};

/// `der` with the first occurrence of `from` replaced by `to` (same length: the DER lengths
/// stay right; the signature no longer verifies, which `inspect` does not check).
pub fn replace_bytes(der: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = der
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{from:?} not in the DER"));
    let mut out = der.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// `der` as one PEM block with this label (64-character lines).
pub fn pem_of(label: &str, der: &[u8]) -> String {
    let b64 = base64_encode(der);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// Standard base64 with padding (RFC 4648 4).
pub fn base64_encode(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `ca inspect --json FILE` in `d`, which must succeed.
pub fn inspect_json(d: &Path, file: &str) -> serde_json::Value {
    let run = ca(d, &["inspect", "--json", file]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    json(&run)
}

/// The first object's public key fingerprint.
pub fn public_key_sha256(report: &serde_json::Value) -> String {
    report["objects"][0]["public_key"]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A file of fixtures/hostile.
pub fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/hostile")
        .join(name)
}

/// DER tag-length-value, with long-form lengths.
pub fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match body.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(body);
    out
}

/// The DER element starting at `at`: (tag, header length, body length).
pub fn element(der: &[u8], at: usize) -> (u8, usize, usize) {
    match der[at + 1] {
        n if n < 0x80 => (der[at], 2, n as usize),
        0x81 => (der[at], 3, der[at + 2] as usize),
        _ => (
            der[at],
            4,
            (der[at + 2] as usize) << 8 | der[at + 3] as usize,
        ),
    }
}

/// As [`replace_bytes`], for the first occurrence after `marker`.
pub fn replace_after(der: &[u8], marker: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let start = der
        .windows(marker.len())
        .position(|w| w == marker)
        .expect("marker in the DER");
    let mut out = der[..start].to_vec();
    out.extend(replace_bytes(&der[start..], from, to));
    out
}

/// The elements of a DER SEQUENCE's content, whole.
pub fn children(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < content.len() {
        let (_, h, n) = element(content, at);
        out.push(content[at..at + h + n].to_vec());
        at += h + n;
    }
    out
}

/// The content (without tag and length) of one whole DER element.
pub fn content(whole: &[u8]) -> &[u8] {
    let (_, h, n) = element(whole, 0);
    &whole[h..h + n]
}

/// `der` with notBefore replaced by `not_before` (a whole TLV); lengths re-encoded. The
/// signature no longer verifies: these files are refused before it is checked.
pub fn with_not_before(der: &[u8], not_before: &[u8]) -> Vec<u8> {
    let cert = children(content(der));
    let mut tbs = children(content(&cert[0]));
    let validity_at = if tbs[0][0] == 0xa0 { 4 } else { 3 };
    let mut validity = children(content(&tbs[validity_at]));
    validity[0] = not_before.to_vec();
    tbs[validity_at] = tlv(0x30, &validity.concat());
    let mut body = tlv(0x30, &tbs.concat());
    body.extend(cert[1..].concat());
    tlv(0x30, &body)
}

/// `der` with tbsCertificate field `index` (counting from the serial number) replaced by
/// `field` (a whole TLV); lengths re-encoded.
pub fn with_tbs_field(der: &[u8], index: usize, field: &[u8]) -> Vec<u8> {
    let cert = children(content(der));
    let mut tbs = children(content(&cert[0]));
    let at = index + usize::from(tbs[0][0] == 0xa0);
    tbs[at] = field.to_vec();
    let mut body = tlv(0x30, &tbs.concat());
    body.extend(cert[1..].concat());
    tlv(0x30, &body)
}
