//! The client side: connect, (STARTTLS,) handshake with rustls, judge the chain with
//! ca-verify, and record every step in a [`Handshake`].
//!
//! Exit-code classes for the CLI: [`ProbeError`] means no TLS conversation at all (no such
//! name, nothing listening, no answer within the timeout, not a TLS server); a [`Handshake`]
//! with a `failure` means the server answered in TLS and refused, or the client found the
//! handshake wrong; a [`Handshake`] without one says whether the chain is valid.

pub mod net;
mod stop;
mod watch;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::client::Resumption;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::{AlertDescription, ClientConfig, ClientConnection, HandshakeKind, ProtocolVersion};

pub use net::ConnectError;
pub use watch::ChainCheck;

use crate::names;
use crate::provider::provider;
use crate::record::{
    Chosen, ClientAuth, Handshake, Offer, RsaKeyTransport, SentChain, Step, Transmit,
};
use crate::rsa_kx;
use crate::starttls::{self, StartTls};
use stop::{alert_failure, failure, reached, refused_hello, Stop};
use watch::{ChainWatch, ClientCertWatch, SharedSeen};

pub use stop::alert_name;

/// Which protocol versions to offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Versions {
    Both,
    Tls12,
    Tls13,
}

/// A client certificate chain and its key, for servers that ask (mutual TLS).
pub struct Identity {
    pub chain: Vec<Vec<u8>>,
    /// The private key, PKCS#8 DER.
    pub key_pkcs8: Vec<u8>,
}

/// Never prints the private key.
impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("chain", &format!("{} certificates", self.chain.len()))
            .field("key_pkcs8", &"(private key, not shown)")
            .finish()
    }
}

/// What to probe and how.
#[derive(Debug)]
pub struct ProbeOptions {
    /// Where to connect: "host:port".
    pub connect: String,
    /// The name sent as SNI (when a DNS name) and checked: a DNS name or an IP address.
    pub server_name: String,
    pub versions: Versions,
    pub alpn: Vec<String>,
    pub identity: Option<Identity>,
    /// Bounds everything: resolving, connecting, STARTTLS, the handshake, HTTP, the close.
    pub timeout: Duration,
    pub starttls: Option<StartTls>,
    /// Send `HEAD /` and read the status line (only over a valid chain).
    pub http: bool,
    pub check: ChainCheck,
}

/// The probe could not start, or found no TLS server.
#[derive(Debug)]
pub enum ProbeError {
    /// The options cannot be used (a client key that does not load, a bad name).
    Setup(String),
    Connect(ConnectError),
}

impl From<ConnectError> for ProbeError {
    fn from(e: ConnectError) -> Self {
        ProbeError::Connect(e)
    }
}

/// The longest HTTP status line read.
const MAX_STATUS_LINE: usize = 8192;
/// The most plaintext read while waiting for the server's close_notify.
const MAX_DRAIN: usize = 1 << 20;
/// How long the close waits for the server's close_notify at most.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// Probes one server.
pub fn probe(opts: &ProbeOptions) -> Result<Handshake, ProbeError> {
    let deadline = Instant::now() + opts.timeout;
    let seen = SharedSeen::default();
    let server_name = ServerName::try_from(opts.server_name.clone()).map_err(|_| {
        ProbeError::Setup(format!(
            "'{}' is neither a DNS name nor an IP address",
            opts.server_name
        ))
    })?;
    let config = client_config(opts, &seen)?;
    let mut hs = Handshake {
        server_name: opts.server_name.clone(),
        offer: offer(opts, &config, &server_name),
        ..Handshake::default()
    };

    let (mut sock, peer) = connect_plain(opts, deadline, &mut hs.starttls)?;
    hs.peer = peer;
    let mut conn = ClientConnection::new(Arc::new(config), server_name.clone())
        .map_err(|e| ProbeError::Setup(format!("cannot start TLS: {e}")))?;
    let result = handshake(&mut conn, &mut sock, deadline);
    fill(&mut hs, &conn, &seen);
    match result {
        Ok(()) => hs.finished = true,
        Err(stop) => {
            let reached = reached(&conn, &seen);
            hs.failure = Some(failure(stop, reached, &conn, &hs, opts)?);
        }
    }
    if hs.finished {
        if opts.http {
            match transmit(&mut conn, &mut sock, &hs, deadline) {
                Ok(sent) => hs.transmit = Some(sent),
                // A TLS 1.3 server refuses the client's certificate only after the client's
                // Finished: its alert comes while the request is sent. A refused handshake,
                // not a failed request.
                Err(alert) => {
                    let f = alert_failure(alert, Step::Transmit, &hs);
                    if f.step != Step::Transmit {
                        hs.finished = false;
                    }
                    hs.transmit = Some(Transmit::Failed(format!("alert {}", alert_name(alert))));
                    hs.failure = Some(f);
                }
            }
        }
        close(&mut conn, &mut sock, &mut hs, deadline);
    }
    if opts.versions == Versions::Tls12 || refused_hello(&hs) {
        hs.rsa_key_transport = Some(ask_rsa_key_transport(opts, &server_name, deadline));
    }
    Ok(hs)
}

fn client_config(opts: &ProbeOptions, seen: &SharedSeen) -> Result<ClientConfig, ProbeError> {
    let provider = provider();
    let versions: &[&'static rustls::SupportedProtocolVersion] = match opts.versions {
        Versions::Both => &[&rustls::version::TLS13, &rustls::version::TLS12],
        Versions::Tls12 => &[&rustls::version::TLS12],
        Versions::Tls13 => &[&rustls::version::TLS13],
    };
    let identity = match &opts.identity {
        None => None,
        Some(id) => {
            let chain = id
                .chain
                .iter()
                .map(|d| CertificateDer::from(d.clone()))
                .collect();
            let key =
                CertifiedKey::from_der(chain, pkcs8(&id.key_pkcs8), &provider).map_err(|e| {
                    ProbeError::Setup(format!(
                        "the client certificate and key cannot be used together: {e}"
                    ))
                })?;
            Some(Arc::new(key))
        }
    };
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|e| ProbeError::Setup(format!("TLS configuration: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ChainWatch {
            check: opts.check.clone(),
            seen: seen.clone(),
            provider: provider.clone(),
        }))
        .with_client_cert_resolver(Arc::new(ClientCertWatch {
            identity,
            seen: seen.clone(),
        }));
    config.alpn_protocols = opts.alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    // Every probe is a full handshake: nothing is remembered from one to the next.
    config.resumption = Resumption::disabled();
    Ok(config)
}

/// Step 1 as configured: what the ClientHello holds.
fn offer(opts: &ProbeOptions, config: &ClientConfig, name: &ServerName<'_>) -> Offer {
    let provider = config.crypto_provider();
    let versions = match opts.versions {
        Versions::Both => vec!["TLSv1.3", "TLSv1.2"],
        Versions::Tls12 => vec!["TLSv1.2"],
        Versions::Tls13 => vec!["TLSv1.3"],
    };
    let wanted = |v: ProtocolVersion| match opts.versions {
        Versions::Both => true,
        Versions::Tls12 => v == ProtocolVersion::TLSv1_2,
        Versions::Tls13 => v == ProtocolVersion::TLSv1_3,
    };
    Offer {
        versions: versions.into_iter().map(String::from).collect(),
        cipher_suites: provider
            .cipher_suites
            .iter()
            .filter(|s| wanted(s.version().version))
            .map(|s| names::cipher_suite(s.suite()))
            .collect(),
        groups: provider
            .kx_groups
            .iter()
            .map(|g| names::group(g.name()))
            .collect(),
        signature_schemes: watch::offered_schemes(provider),
        sni: match name {
            ServerName::DnsName(d) => Some(d.as_ref().to_string()),
            _ => None,
        },
        alpn: opts.alpn.clone(),
    }
}

/// TCP, then STARTTLS when asked.
fn connect_plain(
    opts: &ProbeOptions,
    deadline: Instant,
    log: &mut Vec<String>,
) -> Result<(TcpStream, String), ConnectError> {
    let (mut sock, peer) = net::connect(&opts.connect, deadline)?;
    if let Some(proto) = opts.starttls {
        starttls::upgrade(&mut sock, proto, deadline, log)?;
    }
    Ok((sock, peer.to_string()))
}

/// Runs the handshake to its end, within the deadline.
fn handshake(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
) -> Result<(), Stop> {
    while conn.is_handshaking() {
        flush(conn, sock)?;
        if !conn.is_handshaking() {
            break;
        }
        read_some(conn, sock, deadline)?;
    }
    flush(conn, sock)
}

fn flush(conn: &mut ClientConnection, sock: &mut TcpStream) -> Result<(), Stop> {
    while conn.wants_write() {
        conn.write_tls(sock).map_err(Stop::Io)?;
    }
    Ok(())
}

/// Reads what the server sent and processes it; on an error, sends the alert rustls queued.
fn read_some(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    deadline: Instant,
) -> Result<rustls::IoState, Stop> {
    net::arm(sock, deadline, "TLS").map_err(|_| Stop::Timeout)?;
    match conn.read_tls(sock) {
        Ok(0) => return Err(Stop::Eof),
        Ok(_) => {}
        Err(e) if net::is_timeout(&e) => return Err(Stop::Timeout),
        Err(e) => return Err(Stop::Io(e)),
    }
    match conn.process_new_packets() {
        Ok(state) => Ok(state),
        Err(e) => {
            let _ = flush(conn, sock);
            Err(Stop::Tls(e))
        }
    }
}

/// What the connection says was chosen, and what the hooks saw.
fn fill(hs: &mut Handshake, conn: &ClientConnection, seen: &SharedSeen) {
    let group = conn.negotiated_key_exchange_group().map(|g| g.name());
    hs.chosen = Chosen {
        version: conn.protocol_version().map(names::version),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| names::cipher_suite(s.suite())),
        group: group.map(names::group),
        post_quantum: group.is_some_and(names::is_post_quantum),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        kind: conn.handshake_kind().map(|k| {
            match k {
                HandshakeKind::Full => "full",
                HandshakeKind::FullWithHelloRetryRequest => "full, after a HelloRetryRequest",
                HandshakeKind::Resumed => "resumed",
            }
            .to_string()
        }),
    };
    let mut seen = seen.lock();
    hs.chain = SentChain {
        certificates: seen.chain.clone(),
        ocsp: seen.ocsp.clone(),
    };
    hs.signature_scheme = seen.signature_scheme.map(names::signature_scheme);
    hs.client_auth = ClientAuth {
        requested: seen.client_cert_requested,
        acceptable_issuers: seen.acceptable_issuers,
        sent: seen.client_cert_sent,
    };
    hs.verdict = seen.verdict.take();
}

/// A `HEAD /` and the status line of the answer, only over a chain ca-verify accepts.
fn transmit(
    conn: &mut ClientConnection,
    sock: &mut TcpStream,
    hs: &Handshake,
    deadline: Instant,
) -> Result<Transmit, AlertDescription> {
    if !hs.chain_valid() {
        return Ok(Transmit::Skipped(
            "the chain is not valid: nothing is sent over a connection to a server the client \
             cannot trust"
                .into(),
        ));
    }
    let host = match &hs.offer.sni {
        Some(name) => name.clone(),
        None if hs.server_name.contains(':') => format!("[{}]", hs.server_name),
        None => hs.server_name.clone(),
    };
    let request = format!(
        "HEAD / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ca-probe\r\nConnection: close\r\n\r\n"
    );
    if let Err(e) = conn.writer().write_all(request.as_bytes()) {
        return Ok(Transmit::Failed(format!("cannot send the request: {e}")));
    }
    if flush(conn, sock).is_err() {
        return Ok(Transmit::Failed(
            "the connection broke while sending the request".into(),
        ));
    }
    let mut answer = Vec::new();
    loop {
        if let Some(end) = answer.windows(2).position(|w| w == b"\r\n") {
            return Ok(Transmit::Status(
                String::from_utf8_lossy(&answer[..end]).into_owned(),
            ));
        }
        if answer.len() > MAX_STATUS_LINE {
            return Ok(Transmit::Failed(format!(
                "no status line in the first {MAX_STATUS_LINE} bytes"
            )));
        }
        match read_some(conn, sock, deadline) {
            Ok(_) => {}
            Err(Stop::Timeout) => {
                return Ok(Transmit::Failed("no answer within the timeout".into()))
            }
            Err(Stop::Eof) => {
                return Ok(Transmit::Failed(
                    "the server closed without answering".into(),
                ))
            }
            Err(Stop::Tls(rustls::Error::AlertReceived(alert))) => return Err(alert),
            Err(Stop::Tls(e)) => return Ok(Transmit::Failed(format!("{e}"))),
            Err(Stop::Io(e)) => return Ok(Transmit::Failed(format!("{e}"))),
        }
        let mut buf = [0u8; 4096];
        loop {
            match conn.reader().read(&mut buf) {
                Ok(0) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
    }
}

/// Sends close_notify and waits a little for the server's (RFC 8446 section 6.1). A fatal
/// alert here (a TLS 1.3 server refusing the client's certificate after its Finished) is a
/// failure of the handshake.
fn close(conn: &mut ClientConnection, sock: &mut TcpStream, hs: &mut Handshake, deadline: Instant) {
    // The server may have closed already (after its answer to --http).
    if conn
        .process_new_packets()
        .is_ok_and(|state| state.peer_has_closed())
    {
        hs.close.received = true;
    }
    conn.send_close_notify();
    hs.close.sent = flush(conn, sock).is_ok();
    if hs.close.received {
        return;
    }
    let deadline = deadline.min(Instant::now() + CLOSE_WAIT);
    let mut drained = 0usize;
    loop {
        match read_some(conn, sock, deadline) {
            Ok(state) => {
                drained += state.plaintext_bytes_to_read();
                let mut sink = [0u8; 4096];
                while matches!(conn.reader().read(&mut sink), Ok(n) if n > 0) {}
                if state.peer_has_closed() {
                    hs.close.received = true;
                    return;
                }
                if drained > MAX_DRAIN {
                    return;
                }
            }
            Err(Stop::Tls(rustls::Error::AlertReceived(alert))) => {
                let f = alert_failure(alert, Step::Close, hs);
                if f.step != Step::Close {
                    hs.finished = false;
                    hs.transmit = None;
                }
                hs.failure = Some(f);
                return;
            }
            Err(_) => return,
        }
    }
}

fn ask_rsa_key_transport(
    opts: &ProbeOptions,
    name: &ServerName<'_>,
    deadline: Instant,
) -> RsaKeyTransport {
    // Its own connection, within what is left of the same timeout.
    let mut log = Vec::new();
    let mut sock = match connect_plain(opts, deadline, &mut log) {
        Ok((sock, _)) => sock,
        Err(e) => return RsaKeyTransport::Unknown(e.to_string()),
    };
    let mut random = [0u8; 32];
    if provider().secure_random.fill(&mut random).is_err() {
        return RsaKeyTransport::Unknown("no random bytes".into());
    }
    let sni = match name {
        ServerName::DnsName(d) => Some(d.as_ref()),
        _ => None,
    };
    rsa_kx::ask(&mut sock, sni, random, deadline)
}

/// A PKCS#8 private key as rustls takes it.
pub(crate) fn pkcs8(der: &[u8]) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der.to_vec()))
}
