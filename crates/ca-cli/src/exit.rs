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
            eprintln!("error: {}", self.message);
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
