//! What happened on one connection, step by step as the study note numbers the handshake:
//! 1 client hello, 2 server hello, 3 certificate, 4 the client's check of it, 5 key
//! exchange, 6 finished; then the transmit phase and the close. Filled in by the probe from
//! its own configuration (what it offered) and from the connection (what was chosen, what
//! was sent); rendered by `explain` and by the CLI's JSON.

use ca_verify::{VerifiedPath, VerifyError};

/// A step of the handshake as the note numbers it, and the two phases after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    ClientHello = 1,
    ServerHello = 2,
    Certificate = 3,
    CertificateCheck = 4,
    KeyExchange = 5,
    Finished = 6,
    Transmit = 7,
    Close = 8,
}

impl Step {
    /// "step 3 (certificate)".
    pub fn label(self) -> String {
        match self {
            Step::Transmit => "the transmit phase".into(),
            Step::Close => "the close".into(),
            s => format!("step {} ({})", s as u8, s.name()),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Step::ClientHello => "client hello",
            Step::ServerHello => "server hello",
            Step::Certificate => "certificate",
            Step::CertificateCheck => "certificate check",
            Step::KeyExchange => "key exchange",
            Step::Finished => "finished",
            Step::Transmit => "transmit",
            Step::Close => "close",
        }
    }
}

/// Step 1: what the client offered (from its own configuration).
#[derive(Clone, Debug, Default)]
pub struct Offer {
    pub versions: Vec<String>,
    pub cipher_suites: Vec<String>,
    pub groups: Vec<String>,
    pub signature_schemes: Vec<String>,
    /// The server name indication sent; none for an IP address (RFC 6066 section 3
    /// forbids IP literals in SNI).
    pub sni: Option<String>,
    pub alpn: Vec<String>,
}

/// Step 2: what the server chose.
#[derive(Clone, Debug, Default)]
pub struct Chosen {
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    /// The key-exchange group: (EC)DHE in both versions; none when unknown.
    pub group: Option<String>,
    pub post_quantum: bool,
    pub alpn: Option<String>,
    /// "full", "full after HelloRetryRequest", "resumed".
    pub kind: Option<String>,
}

/// Whether a TLS 1.2 server also accepts RSA key transport (the note's step 5), asked with a
/// separate ClientHello that offers only RSA key-transport suites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RsaKeyTransport {
    /// The server picked this RSA key-transport suite.
    Accepted(String),
    /// The server refused every RSA key-transport suite (with this alert, if any).
    Refused(String),
    /// Asking failed (connection, timeout, unreadable answer).
    Unknown(String),
}

/// What the server's Certificate message held.
#[derive(Clone, Debug, Default)]
pub struct SentChain {
    /// DER, in the order sent (leaf first, if the server is right).
    pub certificates: Vec<Vec<u8>>,
    /// The OCSP response stapled to it, if any (RFC 6066 section 8; RFC 8446 section 4.4.2.1).
    pub ocsp: Option<Vec<u8>>,
}

/// The client certificate exchange (mutual TLS).
#[derive(Clone, Debug, Default)]
pub struct ClientAuth {
    /// The server sent a CertificateRequest.
    pub requested: bool,
    /// The issuers it said it accepts, DER distinguished names (may be empty).
    pub acceptable_issuers: usize,
    /// A certificate was sent in answer.
    pub sent: bool,
}

/// Where the connection stopped, and why.
#[derive(Clone, Debug)]
pub struct Failure {
    pub step: Step,
    /// Said by the server (an alert) rather than found by the client.
    pub by_server: bool,
    /// The alert received, by its RFC 8446 name.
    pub alert: Option<String>,
    pub message: String,
}

/// The transmit phase of `--http`.
#[derive(Clone, Debug)]
pub enum Transmit {
    /// The status line of the answer to `HEAD /`.
    Status(String),
    /// Not done, and why.
    Skipped(String),
    /// Tried and failed.
    Failed(String),
}

/// The close: RFC 8446 section 6.1 close_notify alerts.
#[derive(Clone, Debug, Default)]
pub struct Close {
    pub sent: bool,
    pub received: bool,
}

/// One connection, from what was offered to how it closed.
#[derive(Debug, Default)]
pub struct Handshake {
    /// The address connected to ("127.0.0.1:443").
    pub peer: String,
    /// The name checked and sent: a DNS name or an IP address.
    pub server_name: String,
    /// The plain-text exchange before TLS (STARTTLS), one line per message.
    pub starttls: Vec<String>,
    pub offer: Offer,
    pub chosen: Chosen,
    pub chain: SentChain,
    /// The scheme of the server's signature over the handshake (TLS 1.3 CertificateVerify;
    /// TLS 1.2 ServerKeyExchange).
    pub signature_scheme: Option<String>,
    pub client_auth: ClientAuth,
    /// ca-verify's verdict on the chain as sent; none when no certificate arrived.
    pub verdict: Option<Result<VerifiedPath, VerifyError>>,
    pub rsa_key_transport: Option<RsaKeyTransport>,
    /// Both Finished messages were exchanged.
    pub finished: bool,
    pub failure: Option<Failure>,
    pub transmit: Option<Transmit>,
    pub close: Close,
}

impl Handshake {
    /// The chain is valid by ca-verify.
    pub fn chain_valid(&self) -> bool {
        matches!(self.verdict, Some(Ok(_)))
    }

    /// Connection done and chain valid: what `ca probe` exits 0 on.
    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.finished && self.chain_valid()
    }

    /// The version chosen is TLS 1.3.
    pub fn is_tls13(&self) -> bool {
        self.chosen.version.as_deref() == Some("TLSv1.3")
    }
}
