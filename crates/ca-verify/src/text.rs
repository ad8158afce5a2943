//! Untrusted text on a terminal: the one escaping function for every string that comes from
//! an input file or a peer (names, subjectAltName entries, extension values, file contents
//! quoted in errors) before it reaches text output.
//!
//! A certificate's common name can hold `ESC[2J` (clear the screen), a carriage return, or a
//! newline followed by `  Issuer: CN=Forged Root`; printed raw, it rewrites what the reader
//! sees. Control characters (C0 including NUL, TAB, CR and LF; DEL; C1 U+0080 to U+009F, which
//! some terminals obey as 8-bit controls), the bidirectional overrides and isolates (U+202A to
//! U+202E, U+2066 to U+2069, which reorder what follows on the line) and invalid UTF-8 are
//! shown as visible escapes: `\x1b`, `\n`, `\u{202e}`, `\xff`. A backslash is doubled so that
//! an escape cannot be forged. JSON output keeps the exact value instead (its own escapes are
//! lossless).

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character and bidi override shown as a visible escape (and `\`
/// doubled); borrowed when there is nothing to escape.
pub fn escape_untrusted(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Bytes that should be text (a UTF8String, an IA5String, a line of a file): escaped as
/// [`escape_untrusted`], with every byte that is not part of valid UTF-8 shown as `\xNN`.
pub fn escape_untrusted_bytes(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => escape_untrusted(s),
        Err(_) => {
            let mut out = String::with_capacity(bytes.len() + 8);
            for chunk in bytes.utf8_chunks() {
                out.push_str(&escape_untrusted(chunk.valid()));
                for b in chunk.invalid() {
                    out.push_str(&format!("\\x{b:02x}"));
                }
            }
            Cow::Owned(out)
        }
    }
}

/// For a whole message our own code laid out over several lines (an error with its hint, a
/// report): escapes as [`escape_untrusted`] but keeps line feeds and tabs, and leaves
/// backslashes alone. A safety net at the point of output; the untrusted pieces of the message
/// should already have gone through [`escape_untrusted`], which is what keeps a forged line
/// out.
pub fn escape_output(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn escape(s: &str, keep_layout: bool) -> Cow<'_, str> {
    let needs = |c: char| {
        if keep_layout {
            is_unsafe_char(c) && c != '\n' && c != '\t'
        } else {
            is_unsafe_char(c) || c == '\\'
        }
    };
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs(c) {
            out.push(c);
            continue;
        }
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0'..='\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// The magnitude of a negative two's-complement big-endian integer (DER INTEGER content
/// whose first bit is set), big-endian: `ff` gives `01`, `ff 7f` gives `00 81`. For showing
/// a negative serial number as the signed number it is.
pub fn twos_complement_magnitude(bytes: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = bytes.iter().map(|b| !b).collect();
    for b in out.iter_mut().rev() {
        let (sum, carry) = b.overflowing_add(1);
        *b = sum;
        if !carry {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_of_control_is_visible() {
        assert_eq!(escape_untrusted("a\0b"), "a\\x00b");
        assert_eq!(escape_untrusted("\x1b[31mred"), "\\x1b[31mred");
        assert_eq!(
            escape_untrusted("x\r\n  Issuer: y\t"),
            "x\\r\\n  Issuer: y\\t"
        );
        assert_eq!(escape_untrusted("del\x7f"), "del\\x7f");
        assert_eq!(escape_untrusted("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(escape_untrusted("\u{202e}txt.exe"), "\\u{202e}txt.exe");
        assert_eq!(escape_untrusted("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        for s in ["CN=example.com, O=Ex", "Zürich 東京", "a b"] {
            assert!(matches!(escape_untrusted(s), Cow::Borrowed(t) if t == s));
        }
    }

    #[test]
    fn a_backslash_cannot_forge_an_escape() {
        assert_eq!(escape_untrusted("\\x1b"), "\\\\x1b");
        assert_ne!(escape_untrusted("\\x1b"), escape_untrusted("\x1b"));
    }

    #[test]
    fn invalid_utf8_shows_as_hex_bytes() {
        assert_eq!(escape_untrusted_bytes(b"ab\xffc\x1b"), "ab\\xffc\\x1b");
        assert_eq!(escape_untrusted_bytes(b"ok"), "ok");
    }

    #[test]
    fn output_keeps_its_layout() {
        assert_eq!(
            escape_output("error: a\x1b[2J\nwhat to do:\tx\\y"),
            "error: a\\x1b[2J\nwhat to do:\tx\\y"
        );
    }
}
