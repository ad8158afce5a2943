//! Errors as RFC 8555 §6.7 problem documents (RFC 7807), with the ACME
//! error types of the `urn:ietf:params:acme:error:` namespace.

use serde_json::{json, Value};

/// The ACME error types we send (RFC 8555 §6.7, table of error types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    AccountDoesNotExist,
    BadCsr,
    BadNonce,
    BadPublicKey,
    BadRevocationReason,
    BadSignatureAlgorithm,
    Connection,
    Malformed,
    OrderNotReady,
    RejectedIdentifier,
    ServerInternal,
    Tls,
    Unauthorized,
    UnsupportedIdentifier,
    AlreadyRevoked,
    Incorrect,
    InvalidContact,
    Dns,
    ExternalAccountRequired,
    UserActionRequired,
    RateLimited,
    AlreadyReplaced,
    Caa,
}

impl ProblemType {
    /// The last part of `urn:ietf:params:acme:error:*`.
    pub fn name(self) -> &'static str {
        use ProblemType::*;
        match self {
            AccountDoesNotExist => "accountDoesNotExist",
            BadCsr => "badCSR",
            BadNonce => "badNonce",
            BadPublicKey => "badPublicKey",
            BadRevocationReason => "badRevocationReason",
            BadSignatureAlgorithm => "badSignatureAlgorithm",
            Connection => "connection",
            Malformed => "malformed",
            OrderNotReady => "orderNotReady",
            RejectedIdentifier => "rejectedIdentifier",
            ServerInternal => "serverInternal",
            Tls => "tls",
            Unauthorized => "unauthorized",
            UnsupportedIdentifier => "unsupportedIdentifier",
            AlreadyRevoked => "alreadyRevoked",
            Incorrect => "incorrectResponse",
            InvalidContact => "invalidContact",
            Dns => "dns",
            ExternalAccountRequired => "externalAccountRequired",
            UserActionRequired => "userActionRequired",
            RateLimited => "rateLimited",
            AlreadyReplaced => "alreadyReplaced",
            Caa => "caa",
        }
    }

    /// The HTTP status that goes with the type.
    pub fn status(self) -> u16 {
        use ProblemType::*;
        match self {
            Unauthorized => 403,
            AccountDoesNotExist => 400,
            OrderNotReady => 403,
            UserActionRequired => 403,
            // RFC 8555 §6.6: rate limits answer 429 with Retry-After.
            RateLimited => 429,
            ServerInternal => 500,
            _ => 400,
        }
    }

    pub fn urn(self) -> String {
        format!("urn:ietf:params:acme:error:{}", self.name())
    }
}

/// One problem document: the type and a detail a human can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub kind: ProblemType,
    pub detail: String,
    /// Overrides the type's usual status (e.g. 404 for an unknown resource,
    /// 413 for an oversized body, 405 for a wrong method).
    pub status: Option<u16>,
    /// Headers the problem's response carries (Retry-After for
    /// rateLimited, RFC 8555 §6.6; the terms' Link for
    /// userActionRequired, §7.3.3).
    pub headers: Vec<(String, String)>,
    /// A URL where a human can act (RFC 7807 `instance`; RFC 8555 §7.3.3).
    pub instance: Option<String>,
}

impl Problem {
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Problem {
        Problem {
            kind,
            detail: detail.into(),
            status: None,
            headers: Vec::new(),
            instance: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Problem {
        self.status = Some(status);
        self
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Problem {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn malformed(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::Malformed, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::Unauthorized, detail)
    }

    pub fn not_found(what: &str) -> Problem {
        Problem::malformed(format!("no such {what}")).with_status(404)
    }

    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(ProblemType::ServerInternal, detail)
    }

    pub fn status(&self) -> u16 {
        self.status.unwrap_or_else(|| self.kind.status())
    }

    pub fn to_json(&self) -> Value {
        let mut v =
            json!({"type": self.kind.urn(), "detail": self.detail, "status": self.status()});
        if let Some(instance) = &self.instance {
            v["instance"] = json!(instance);
        }
        v
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.urn(), self.detail)
    }
}

impl std::error::Error for Problem {}

pub type AcmeResult<T> = std::result::Result<T, Problem>;
