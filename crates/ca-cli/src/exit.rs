//! Exit codes are part of the interface scripts rely on:
//! 0 success, 1 the operation was refused (or, for checks such as `verify`,
//! the answer is "no"), 2 bad usage or bad input.

use std::fmt;
use std::process::ExitCode;

/// What went wrong, and which exit code says so.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Exit 1: the input was fine but the operation was refused
    /// (a file exists, a chain is not valid, a certificate needs renewal).
    Refused,
    /// Exit 2: bad usage or bad input (unreadable, malformed, wrong type).
    BadInput,
}

impl CliError {
    pub fn refused(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::Refused,
            message: message.into(),
        }
    }

    pub fn bad_input(message: impl Into<String>) -> Self {
        CliError {
            kind: ErrorKind::BadInput,
            message: message.into(),
        }
    }

    pub fn code(&self) -> u8 {
        match self.kind {
            ErrorKind::Refused => 1,
            ErrorKind::BadInput => 2,
        }
    }

    /// Prints the error on stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        if !self.message.is_empty() {
            // Untrusted parts were escaped where the message was put together; this catches
            // any control character left (keeping the message's own line feeds).
            eprintln!("error: {}", ca_core::text::escape_output(&self.message));
        }
        ExitCode::from(self.code())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// JSON as `serde_json` writes it, with the characters it leaves raw but a terminal may obey
/// (DEL, C1 controls, bidi overrides) written as `\uXXXX` escapes: the same JSON value, safe
/// to print. They can only occur inside strings (the rest of the JSON is ASCII structure), and
/// are all in the Basic Multilingual Plane, so one `\u` escape each is exact.
/// (C0 controls in strings `serde_json` escapes itself; outside strings its only ones are the
/// layout's line feeds.)
pub fn json_terminal_safe(json: String) -> String {
    let left_raw = |c: char| c >= '\x7f' && ca_core::text::is_unsafe_char(c);
    if !json.chars().any(left_raw) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if left_raw(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}
